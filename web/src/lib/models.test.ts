import { describe, expect, it } from 'vitest';
import { ApiError, type Fetch, onAction } from './api';
import { applyChange, type Change, getModel, listModels, parseConflict, previewChange, refusedPreview } from './models';

function answering(body: unknown, status = 200, headers: Record<string, string> = {}) {
  const calls: { url: string; method: string | undefined; body: unknown }[] = [];
  const fetch: Fetch = (url, init) => {
    calls.push({ url, method: init?.method, body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined });
    return Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } }));
  };
  return { fetch, calls };
}

const v1 = {
  id: 1,
  name: 'v1',
  created_at: '2024-05-01T10:00:00.000000Z',
  steps: 0,
  pg_schema: 'my "schema"_v1',
  current: false,
  op: null,
  summary: 'The tables as imported',
  action: null,
};
const v2 = {
  id: 2,
  name: 'v2',
  created_at: '2024-05-01T10:05:00.000000Z',
  steps: 1,
  pg_schema: 'my "schema"',
  current: true,
  op: { op: 'extract', table: 'orders', columns: ['City'], positions: [4], into: 'cities', key: ['City'], link: 'cities_id' },
  summary: 'Extracted City of orders into cities',
  action: 41,
};
const preview = {
  op: v2.op,
  summary: 'Extracted City of orders into cities',
  creates: ['table my "schema".cities (14 rows)'],
  removes: ['column orders.City'],
  rows: 214,
  conflicts: [],
};

describe('models', () => {
  it('lists a schema’s models, oldest first, under a hostile name', async () => {
    const { fetch, calls } = answering([v1, v2]);
    const models = await listModels('main', 'my "schema"', { fetch });
    expect(calls[0]?.url).toBe('/api/v1/databases/main/schemas/my%20%22schema%22/models');
    expect(models).toEqual([
      {
        id: 1,
        name: 'v1',
        createdAt: '2024-05-01T10:00:00.000000Z',
        steps: 0,
        pgSchema: 'my "schema"_v1',
        current: false,
        op: null,
        summary: 'The tables as imported',
        action: null,
      },
      expect.objectContaining({ id: 2, current: true, op: 'extract', action: 41, pgSchema: 'my "schema"' }),
    ]);
  });

  it('reads a model’s tables, columns and links', async () => {
    const { fetch, calls } = answering({
      model: v1,
      tables: [
        {
          name: 'orders',
          pg_schema: 'public_v1',
          key: 'id',
          columns: [
            { name: 'id', type_name: 'bigint', table: 'public.orders', column: 'id' },
            { name: 'City', type_name: 'text', table: 'public.cities', column: 'City' },
          ],
          links: [],
        },
      ],
    });
    const detail = await getModel('main', 'public', 1, { fetch });
    expect(calls[0]?.url).toBe('/api/v1/databases/main/schemas/public/models/1');
    expect(detail.tables[0]).toEqual({
      name: 'orders',
      pgSchema: 'public_v1',
      key: 'id',
      columns: [
        { name: 'id', type: 'bigint', table: 'public.orders', column: 'id' },
        { name: 'City', type: 'text', table: 'public.cities', column: 'City' },
      ],
      links: [],
    });
  });

  it('previews a change in the contract’s spelling, and reads the preview', async () => {
    const { fetch, calls } = answering(preview);
    const change: Change = { op: 'extract', table: 'orders', columns: ['City'], into: 'cities', key: [] };
    const answer = await previewChange('main', 'public', change, { fetch });
    expect(calls[0]).toEqual({
      url: '/api/v1/databases/main/schemas/public/models/preview',
      method: 'POST',
      body: { op: 'extract', table: 'orders', columns: ['City'], into: 'cities', key: [] },
    });
    expect(answer).toEqual({
      summary: preview.summary,
      creates: preview.creates,
      removes: preview.removes,
      rows: 214,
      conflicts: [],
    });
  });

  it('sends merges and splits by rows as the API spells them', async () => {
    const { fetch, calls } = answering(preview);
    const changes: Change[] = [
      { op: 'merge', table: 'orders', link: 'customers_id' },
      { op: 'split_rows', table: 'orders', into: 'big "orders"', condition: '"Zoë\'s qty" > 100' },
    ];
    for (const change of changes) await previewChange('main', 'public', change, { fetch });
    expect(calls.map((c) => c.body)).toEqual(changes);
  });

  it('applies a change and announces its action, for undo', async () => {
    const { fetch, calls } = answering({ preview, model: v2 }, 201, { 'Strata-Action': '41' });
    const announced: { id: number; path: string }[] = [];
    const stop = onAction((action) => announced.push(action));
    try {
      const change: Change = { op: 'rename_table', table: 'orders', to: 'sales' };
      const applied = await applyChange('main', 'public', change, { fetch });
      expect(calls[0]?.url).toBe('/api/v1/databases/main/schemas/public/models');
      expect(calls[0]?.body).toEqual({ op: 'rename_table', table: 'orders', to: 'sales' });
      expect(applied.model).toMatchObject({ id: 2, name: 'v2', current: true });
      expect(applied.preview.rows).toBe(214);
    } finally {
      stop();
    }
    expect(announced).toEqual([{ id: 41, path: '/api/v1/databases/main/schemas/public/models' }]);
  });

  it('reads the preview of a refused step', () => {
    const refused = new ApiError({
      kind: 'problem',
      status: 409,
      title: 'Model conflict',
      type: 'https://strata.dev/problems/model-conflict',
      problem: {
        preview: {
          ...preview,
          conflicts: [{ kind: 'dependency', key: { 'Customer Email': 'a@x' }, column: 'City', values: ['Lisbon', 'Porto'], rows: 3 }],
        },
      },
    });
    expect(refusedPreview(refused)?.conflicts).toEqual([
      { kind: 'dependency', key: { 'Customer Email': 'a@x' }, column: 'City', values: ['Lisbon', 'Porto'], rows: 3 },
    ]);
    const other = new ApiError({ kind: 'problem', status: 409, title: 'Taken', type: 'https://strata.dev/problems/name-taken' });
    expect(refusedPreview(other)).toBeNull();
    expect(refusedPreview(new Error('x'))).toBeNull();
  });

  it('reads every kind of conflict, and an unknown one as a refusal', () => {
    expect(parseConflict({ kind: 'value', column: 'Qty', value: 'abc', rows: 2, reason: 'not an integer' })).toEqual({
      kind: 'value',
      column: 'Qty',
      value: 'abc',
      rows: 2,
      reason: 'not an integer',
    });
    expect(parseConflict({ kind: 'dependency', key: { k: 1 }, column: 'c', values: [null, 7], rows: 2 })).toMatchObject({
      values: [null, '7'],
    });
    expect(parseConflict({ kind: 'dependency', key: {}, column: 'c', values: [], rows: 2, advice: 'make them agree first' })).toMatchObject({
      advice: 'make them agree first',
    });
    expect(parseConflict({ kind: 'refused', reason: 'no such column' })).toEqual({ kind: 'refused', reason: 'no such column' });
    expect(parseConflict({ kind: 'future', reason: 'later' })).toEqual({ kind: 'refused', reason: 'later' });
  });
});
