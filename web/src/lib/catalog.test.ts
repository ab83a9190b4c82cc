import { describe, expect, it } from 'vitest';
import { ApiError, type Fetch } from './api';
import { getRows, getTable, orderTerm } from './catalog';

function answering(body: unknown, status = 200): { fetch: Fetch; urls: string[] } {
  const urls: string[] = [];
  const fetch: Fetch = (input) => {
    urls.push(input);
    return Promise.resolve(
      new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': status < 300 ? 'application/json' : 'application/problem+json' },
      }),
    );
  };
  return { fetch, urls };
}

describe('catalog client', () => {
  it('encodes names in paths and passes the query', async () => {
    const { fetch, urls } = answering({ rows: [{ id: 1 }], next: 'abc', estimated_total: 1000 });
    const page = await getRows('main', 'pub lic', 'a/b"c', { order: '"x".asc', q: 'é', after: 'c1', limit: 100 }, { fetch });
    expect(urls[0]).toBe(
      '/api/v1/databases/main/schemas/pub%20lic/tables/a%2Fb%22c/rows?order=%22x%22.asc&q=%C3%A9&limit=100&after=c1',
    );
    expect(page).toEqual({
      rows: [{ id: 1 }],
      versions: [null],
      links: [{}],
      next: 'abc',
      estimatedTotal: 1000,
      exactTotal: null,
    });
  });

  it('sends filters and reads versions and links', async () => {
    const { fetch, urls } = answering({
      rows: [{ id: 1, city: 4 }, { id: 2, city: null }],
      versions: ['10', '11'],
      links: [{ city: 'Lisbon' }, { city: null }],
      next: null,
      exact_total: 2,
    });
    const page = await getRows(
      'main',
      'public',
      't',
      { filters: [{ column: 'order', expr: 'gt.1' }, { column: 'Name', expr: 'ilike.*a b*' }] },
      { fetch },
    );
    expect(urls[0]).toBe('/api/v1/databases/main/schemas/public/tables/t/rows?%22order%22=gt.1&Name=ilike.*a+b*');
    expect(page.versions).toEqual(['10', '11']);
    expect(page.links).toEqual([{ city: 'Lisbon' }, { city: null }]);
    expect(page.exactTotal).toBe(2);
  });

  it('reads a table detail', async () => {
    const { fetch } = answering({
      schema: 'public',
      name: 'orders',
      kind: 'table',
      estimated_rows: null,
      columns: [
        { name: 'id', type: 'bigint', nullable: false, default: null, position: 1, identity: 'by default' },
        { name: 'city', type: 'integer', nullable: true, default: null, position: 2 },
      ],
      primary_key: ['id'],
      foreign_keys: [
        { name: 'fk', columns: ['city'], referenced_schema: 'public', referenced_table: 'cities', referenced_columns: ['id'], label_column: 'name' },
        { name: 'fk2', columns: ['tag'], referenced_schema: 'public', referenced_table: 'tags', referenced_columns: ['id'] },
      ],
    });
    const table = await getTable('main', 'public', 'orders', { fetch });
    expect(table.columns).toEqual([
      { name: 'id', type: 'bigint', nullable: false, default: null, identity: true, generated: false },
      { name: 'city', type: 'integer', nullable: true, default: null, identity: false, generated: false },
    ]);
    expect(table.primaryKey).toEqual(['id']);
    expect(table.foreignKeys).toEqual([
      { name: 'fk', columns: ['city'], referencedSchema: 'public', referencedTable: 'cities', referencedColumns: ['id'], labelColumn: 'name' },
      { name: 'fk2', columns: ['tag'], referencedSchema: 'public', referencedTable: 'tags', referencedColumns: ['id'], labelColumn: null },
    ]);
  });

  it('turns problems into ApiErrors', async () => {
    const { fetch } = answering({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'no table x' }, 404);
    await expect(getTable('main', 'public', 'x', { fetch })).rejects.toBeInstanceOf(ApiError);
  });

  it('quotes order terms', () => {
    expect(orderTerm('Order "Date"', 'desc')).toBe('"Order \\"Date\\"".desc');
  });
});
