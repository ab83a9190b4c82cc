import { describe, expect, it } from 'vitest';
import type { Fetch } from './api';
import { encodeKey, getRecord, linkTarget, parseRecord, rowColumns, rowKey } from './record';

describe('record keys', () => {
  it.each([
    [['7'], '7'],
    [['a,b'], 'a,b'],
    [['say "hi"'], 'say "hi"'],
    [[''], ''],
    [['a', 'b'], 'a,b'],
    [['a,b', 'c'], '"a,b",c'],
    [['say "hi"', '1'], '"say ""hi""",1'],
    [['', 'x'], ',x'],
    [['é', '"'], 'é,""""'],
  ])('encodes %j as %s', (values, key) => {
    expect(encodeKey(values)).toBe(key);
  });

  // Review item 5: the server reads a single-column key verbatim, so quoting it broke the record of `a,b`.
  it('leaves a single-column key as it is', () => {
    expect(rowKey({ code: 'a,b' }, ['code'])).toBe('a,b');
    expect(rowKey({ name: 'say "hi"' }, ['name'])).toBe('say "hi"');
  });

  it('writes key values as PostgreSQL text', () => {
    expect(rowKey({ id: '12345678901234567890' }, ['id'])).toBe('12345678901234567890');
    expect(rowKey({ id: 3, ok: true }, ['id', 'ok'])).toBe('3,true');
    expect(rowKey({ id: 1, name: 'a,b' }, ['id', 'name'])).toBe('1,"a,b"');
    expect(rowKey({ id: null }, ['id'])).toBeNull();
    expect(rowKey({ id: 1 }, [])).toBeNull();
  });

  it('lists the columns of referencing rows', () => {
    expect(rowColumns([{ id: 1, a: 2 }, { id: 3, b: null }])).toEqual(['id', 'a', 'b']);
    expect(rowColumns([])).toEqual([]);
  });

  it('links a foreign key that covers the referenced primary key', () => {
    const fk = {
      name: 'orders_customer_fkey',
      columns: ['customer', 'region'],
      referencedSchema: 'crm',
      referencedTable: 'customers',
      referencedColumns: ['id', 'region'],
      labelColumn: 'name',
    };
    expect(linkTarget({ customer: '42', region: 'EU' }, fk, ['region', 'id'])).toEqual({
      schema: 'crm',
      table: 'customers',
      key: 'EU,42',
    });
    expect(linkTarget({ customer: null, region: 'EU' }, fk, ['region', 'id'])).toBeNull();
    expect(linkTarget({ customer: '42', region: 'EU' }, fk, ['code'])).toBeNull();
  });
});

describe('record parsers', () => {
  const body = {
    row: { id: '1', name: 'Ada', customer: '42' },
    version: '7781',
    links: { customer: 'ACME' },
    referenced_by: [
      {
        schema: 'public',
        table: 'lines',
        constraint: 'lines_order_fkey',
        columns: ['order'],
        primary_key: ['id'],
        rows: [{ id: '9', order: '1' }],
        total: 120,
      },
    ],
  };

  it('reads a record', () => {
    expect(parseRecord(body)).toEqual({
      row: { id: '1', name: 'Ada', customer: '42' },
      version: '7781',
      links: { customer: 'ACME' },
      referencedBy: [
        {
          schema: 'public',
          table: 'lines',
          constraint: 'lines_order_fkey',
          columns: ['order'],
          primaryKey: ['id'],
          rows: [{ id: '9', order: '1' }],
          total: 120,
        },
      ],
    });
  });

  it('refuses a record without a row', () => {
    expect(() => parseRecord({ ...body, row: null })).toThrow(/row/);
  });

  it('encodes the key into the path', async () => {
    const urls: string[] = [];
    const fetch: Fetch = (input) => {
      urls.push(input);
      return Promise.resolve(new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } }));
    };
    await getRecord('main', 'public', 'my table', '"a,b",c/d', { fetch });
    expect(urls[0]).toBe('/api/v1/databases/main/schemas/public/tables/my%20table/rows/%22a%2Cb%22%2Cc%2Fd');
  });
});
