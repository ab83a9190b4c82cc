import { describe, expect, it } from 'vitest';
import { ApiError, type Fetch } from './api';
import { deleteRows, insertRows, invalidValue, keyId, keyOf, reason, rowConflicts, updateRows, writeBody, writeRows } from './rows';

interface Call {
  url: string;
  method: string | undefined;
  body: unknown;
}

function answering(body: unknown, status = 200): { fetch: Fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: Fetch = (url, init) => {
    calls.push({ url, method: init?.method, body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined });
    return Promise.resolve(
      new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': status < 300 ? 'application/json' : 'application/problem+json' },
      }),
    );
  };
  return { fetch, calls };
}

const ref = { db: 'main', schema: 'pub lic', table: 'a/b"c' };
const path = '/api/v1/databases/main/schemas/pub%20lic/tables/a%2Fb%22c/rows';

describe('row writes', () => {
  it('inserts rows and reads them back with versions and links', async () => {
    const { fetch, calls } = answering(
      { rows: [{ id: '1', name: 'x', fk: 3 }], versions: ['77'], links: [{ fk: 'Lisbon' }] },
      201,
    );
    const written = await insertRows(ref, [{ name: 'x', fk: 3 }], { fetch });
    expect(calls).toEqual([{ url: path, method: 'POST', body: { rows: [{ name: 'x', fk: 3 }] } }]);
    expect(written).toEqual({ rows: [{ id: '1', name: 'x', fk: 3 }], versions: ['77'], links: [{ fk: 'Lisbon' }] });
  });

  it('sends versions only when given', async () => {
    const { fetch, calls } = answering({ rows: [{ id: 1 }, { id: 2 }], versions: ['5', '6'], links: [{}, {}] });
    await updateRows(
      ref,
      [
        { key: { id: 1 }, version: '4', set: { qty: '3' } },
        { key: { id: 2 }, set: { qty: null } },
      ],
      { fetch },
    );
    expect(calls[0]?.method).toBe('PATCH');
    expect(calls[0]?.body).toEqual({
      updates: [
        { key: { id: 1 }, version: '4', set: { qty: '3' } },
        { key: { id: 2 }, set: { qty: null } },
      ],
    });
  });

  it('deletes by key and reads the count', async () => {
    const { fetch, calls } = answering({ deleted: 2 });
    expect(await deleteRows(ref, [{ id: 1 }, { id: 2 }], { fetch })).toBe(2);
    expect(calls[0]).toEqual({ url: path, method: 'DELETE', body: { keys: [{ id: 1 }, { id: 2 }] } });
  });

  it('refuses an answer whose arrays do not match its rows', async () => {
    const { fetch } = answering({ rows: [{ id: 1 }], versions: [], links: [] });
    await expect(updateRows(ref, [], { fetch })).rejects.toMatchObject({ kind: 'invalid' });
  });

  it('accepts a page without versions or links', async () => {
    const { fetch } = answering({ rows: [{ id: 1 }] });
    expect(await insertRows(ref, [{}], { fetch })).toEqual({ rows: [{ id: 1 }], versions: [null], links: [{}] });
  });
});

// Review item 7: a paste is one PATCH with updates and inserts, one transaction.
describe('writes with inserts', () => {
  it('builds one body with updates and inserts, leaving out an empty part', () => {
    const update = { key: { id: 1 }, version: '4', set: { qty: '3' } };
    expect(writeBody([update], [{ qty: '5' }])).toEqual({
      updates: [{ key: { id: 1 }, version: '4', set: { qty: '3' } }],
      inserts: [{ qty: '5' }],
    });
    expect(writeBody([], [{ qty: '5' }])).toEqual({ inserts: [{ qty: '5' }] });
    expect(writeBody([{ key: { id: 1 }, set: {} }], [])).toEqual({ updates: [{ key: { id: 1 }, set: {} }] });
  });

  it('sends one PATCH and reads the updated and the inserted rows', async () => {
    const { fetch, calls } = answering({
      rows: [{ id: 1, qty: 3 }],
      versions: ['5'],
      links: [{}],
      inserted: { rows: [{ id: 9, qty: 5 }], versions: ['6'], links: [{}] },
    });
    const written = await writeRows(ref, [{ key: { id: 1 }, set: { qty: '3' } }], [{ qty: '5' }], { fetch });
    expect(calls).toEqual([
      { url: path, method: 'PATCH', body: { updates: [{ key: { id: 1 }, set: { qty: '3' } }], inserts: [{ qty: '5' }] } },
    ]);
    expect(written.rows).toEqual([{ id: 1, qty: 3 }]);
    expect(written.inserted).toEqual({ rows: [{ id: 9, qty: 5 }], versions: ['6'], links: [{}] });
  });
});

describe('write errors', () => {
  it('reads a row conflict', async () => {
    const { fetch } = answering(
      {
        type: 'https://strata.dev/problems/row-conflict',
        title: 'Row changed',
        status: 409,
        detail: 'the row changed since you read it',
        current: [
          { key: { id: 1 }, row: { id: 1, qty: 9, fk: 3 }, version: '90', links: { fk: 'Lisbon' } },
          { key: { id: 2 }, row: null, version: null },
        ],
      },
      409,
    );
    const error: unknown = await updateRows(ref, [], { fetch }).catch((e: unknown) => e);
    expect(rowConflicts(error)).toEqual([
      { key: { id: 1 }, row: { id: 1, qty: 9, fk: 3 }, version: '90', links: { fk: 'Lisbon' } },
      { key: { id: 2 }, row: null, version: null, links: {} },
    ]);
    expect(invalidValue(error)).toBeNull();
  });

  it('reads an invalid value', async () => {
    const detail = 'column "qty": invalid input syntax for type integer: "abc"';
    const { fetch } = answering(
      { type: 'https://strata.dev/problems/invalid-value', title: 'Invalid value', status: 422, detail, column: 'qty', row: 0, array: 'inserts', value: 'abc' },
      422,
    );
    const error: unknown = await updateRows(ref, [], { fetch }).catch((e: unknown) => e);
    expect(invalidValue(error)).toEqual({ column: 'qty', row: 0, list: 'inserts', detail });
    expect(rowConflicts(error)).toBeNull();
    expect(reason(error)).toBe(detail);
  });

  it('says what went wrong for other errors', () => {
    expect(reason(new ApiError({ kind: 'network', status: 0, title: 'No answer' }))).toBe('No answer');
    expect(reason(new Error('boom'))).toBe('boom');
  });
});

describe('keys', () => {
  const row = { id: '12', code: 'a,b', name: 'say "hi"', n: null };
  it('picks the key columns', () => expect(keyOf(row, ['id', 'code'])).toEqual({ id: '12', code: 'a,b' }));
  it('compares keys by their text', () => {
    expect(keyId({ id: 12 })).toBe(keyId({ id: '12' }));
    expect(keyId({ a: 1, b: 2 })).not.toBe(keyId({ a: 12 }));
  });
});
