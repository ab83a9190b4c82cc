import { afterEach, describe, expect, it, vi } from 'vitest';
import { TableData } from './data.svelte';

/** A fake server: answers each request with the next of `answers` and records the requests. */
function serve(answers: ((body: unknown) => { status: number; body: unknown })[]) {
  const requests: { method: string; url: string; body: unknown }[] = [];
  vi.stubGlobal('fetch', (url: string, init?: RequestInit) => {
    const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    requests.push({ method: init?.method ?? 'GET', url, body });
    const answer = answers.shift();
    if (!answer) throw new Error(`unexpected request ${url}`);
    const { status, body: out } = answer(body);
    return Promise.resolve(
      new Response(JSON.stringify(out), {
        status,
        headers: { 'content-type': status < 300 ? 'application/json' : 'application/problem+json' },
      }),
    );
  });
  return requests;
}

const detail = {
  schema: 'public',
  name: 't',
  columns: [
    { name: 'id', type: 'bigint', nullable: false },
    { name: 'qty', type: 'integer', nullable: true },
  ],
  primary_key: ['id'],
  foreign_keys: [],
};
const page = {
  rows: [
    { id: '1', qty: 1 },
    { id: '2', qty: 2 },
  ],
  versions: ['10', '11'],
  links: [{}, {}],
  next: null,
  estimated_total: 2,
};
const ok = (body: unknown) => () => ({ status: 200, body });
const view = { db: 'main', schema: 'public', table: 't' };

async function loaded(more: ((body: unknown) => { status: number; body: unknown })[]) {
  const requests = serve([ok(detail), ok(page), ...more]);
  const data = new TableData();
  await data.load(view);
  return { data, requests };
}

afterEach(() => vi.unstubAllGlobals());

describe('TableData', () => {
  it('loads rows with their versions', async () => {
    const { data } = await loaded([]);
    expect(data.entries.map((e) => [e.row.qty, e.version])).toEqual([
      [1, '10'],
      [2, '11'],
    ]);
  });

  it('shows an update at once and keeps what the server answers', async () => {
    const { data, requests } = await loaded([ok({ rows: [{ id: '1', qty: 5 }], versions: ['12'], links: [{}] })]);
    const id = data.entries[0]?.id ?? '';
    const saved = data.update([{ id, set: { qty: '5' } }]);
    expect(data.entries[0]?.row.qty).toBe('5');
    expect(await saved).toEqual({ ok: true });
    expect(data.entries[0]?.row.qty).toBe(5);
    expect(data.entries[0]?.version).toBe('12');
    expect(requests[2]?.body).toEqual({ updates: [{ key: { id: '1' }, version: '10', set: { qty: '5' } }] });
  });

  // Review item 7: a paste's updates and new rows travel in one PATCH (one transaction).
  it('writes updates and inserts in one request', async () => {
    const { data, requests } = await loaded([
      ok({
        rows: [{ id: '2', qty: 7 }],
        versions: ['13'],
        links: [{}],
        inserted: { rows: [{ id: '3', qty: 8 }], versions: ['14'], links: [{}] },
      }),
    ]);
    const id = data.entries[1]?.id ?? '';
    expect(await data.write([{ id, set: { qty: '7' } }], [{ qty: '8' }])).toEqual({ ok: true });
    expect(requests.length).toBe(3);
    expect(requests[2]).toMatchObject({
      method: 'PATCH',
      body: { updates: [{ key: { id: '2' }, version: '11', set: { qty: '7' } }], inserts: [{ qty: '8' }] },
    });
    expect(data.entries.map((e) => [e.row.qty, e.version])).toEqual([
      [1, '10'],
      [7, '13'],
      [8, '14'],
    ]);
  });

  it('adds no row when a write with inserts is refused', async () => {
    const { data } = await loaded([
      () => ({ status: 422, body: { type: 'x/invalid-value', title: 'Invalid value', status: 422, detail: 'bad', column: 'qty', row: 0 } }),
    ]);
    const id = data.entries[0]?.id ?? '';
    const outcome = await data.write([{ id, set: { qty: '7' } }], [{ qty: 'x' }]);
    expect(outcome.ok).toBe(false);
    expect(data.entries.map((e) => e.row.qty)).toEqual([1, 2]);
  });

  it('reverts a refused value and says why', async () => {
    const detailText = 'column "qty": invalid input syntax for type integer: "abc"';
    const { data } = await loaded([
      () => ({ status: 422, body: { type: 'x/invalid-value', title: 'Invalid value', status: 422, detail: detailText, column: 'qty', row: 0 } }),
    ]);
    const id = data.entries[0]?.id ?? '';
    const outcome = await data.update([{ id, set: { qty: 'abc' } }]);
    expect(outcome).toMatchObject({ ok: false, kind: 'invalid', message: detailText });
    expect(data.entries[0]?.row.qty).toBe(1);
  });

  it('sends a second edit of a row with the version the first produced', async () => {
    const { data, requests } = await loaded([
      ok({ rows: [{ id: '1', qty: 5 }], versions: ['12'], links: [{}] }),
      ok({ rows: [{ id: '1', qty: 6 }], versions: ['13'], links: [{}] }),
    ]);
    const id = data.entries[0]?.id ?? '';
    const first = data.update([{ id, set: { qty: '5' } }]);
    const second = data.update([{ id, set: { qty: '6' } }]);
    await Promise.all([first, second]);
    expect((requests[3]?.body as { updates: { version: string }[] }).updates[0]?.version).toBe('12');
    expect(data.entries[0]?.row.qty).toBe(6);
  });

  it('reports a conflict with the current row and can overwrite', async () => {
    const { data, requests } = await loaded([
      () => ({
        status: 409,
        body: { type: 'x/row-conflict', title: 'Conflict', status: 409, current: [{ key: { id: '1' }, row: { id: '1', qty: 9 }, version: '20' }] },
      }),
      ok({ rows: [{ id: '1', qty: 5 }], versions: ['21'], links: [{}] }),
    ]);
    const id = data.entries[0]?.id ?? '';
    const outcome = await data.update([{ id, set: { qty: '5' } }]);
    expect(outcome).toMatchObject({ ok: false, kind: 'conflict', conflicts: [{ row: { id: '1', qty: 9 }, version: '20' }] });
    expect(await data.update([{ id, set: { qty: '5' } }], true)).toEqual({ ok: true });
    expect(requests[3]?.body).toEqual({ updates: [{ key: { id: '1' }, set: { qty: '5' } }] });
  });

  it('keeps theirs after a conflict', async () => {
    const { data } = await loaded([]);
    data.acceptTheirs({ key: { id: '2' }, row: { id: '2', qty: 7 }, version: '30', links: { fk: 'Porto' } });
    expect(data.entries[1]?.row.qty).toBe(7);
    expect(data.entries[1]?.version).toBe('30');
    expect(data.entries[1]?.links).toEqual({ fk: 'Porto' });
    data.acceptTheirs({ key: { id: '1' }, row: null, version: null, links: {} });
    expect(data.entries.length).toBe(1);
  });

  it('inserts and deletes rows', async () => {
    const { data, requests } = await loaded([
      () => ({ status: 201, body: { rows: [{ id: '3', qty: null }], versions: ['40'], links: [{}] } }),
      ok({ deleted: 2 }),
    ]);
    const added = await data.insert([{}]);
    expect(added.ok).toBe(true);
    expect(data.entries.map((e) => e.row.id)).toEqual(['1', '2', '3']);
    const ids = data.entries.slice(0, 2).map((e) => e.id);
    expect(await data.remove(ids)).toEqual({ ok: true, deleted: 2 });
    expect(requests[3]?.body).toEqual({ keys: [{ id: '1' }, { id: '2' }] });
    expect(data.entries.map((e) => e.row.id)).toEqual(['3']);
  });
});
