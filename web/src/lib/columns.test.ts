import { describe, expect, it } from 'vitest';
import { ApiError, type Fetch } from './api';
import { changeColumn, deleteColumn, previewRetype, refusedRetype } from './columns';

function answering(body: unknown, status = 200) {
  const calls: { url: string; method: string | undefined; body: string | undefined }[] = [];
  const fetch: Fetch = (url, init) => {
    calls.push({ url, method: init?.method, body: typeof init?.body === 'string' ? init.body : undefined });
    return Promise.resolve(
      status === 204
        ? new Response(null, { status })
        : new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
    );
  };
  return { fetch, calls };
}

const ref = { db: 'main', schema: 'public', table: 'orders' };
const detail = { schema: 'public', name: 'orders', columns: [{ name: 'qty', type: 'integer', nullable: true }], primary_key: [] };

describe('column DDL', () => {
  it('previews a retype', async () => {
    const { fetch, calls } = answering({
      type: 'integer',
      values: 10,
      failing: 1,
      samples: [{ key: { id: 3 }, value: 'abc', error: 'invalid input syntax for type integer: "abc"' }],
    });
    const preview = await previewRetype(ref, 'Qty "x"', 'numeric(10,2)', { fetch });
    expect(calls[0]?.url).toBe('/api/v1/databases/main/schemas/public/tables/orders/columns/Qty%20%22x%22/retype?type=numeric%2810%2C2%29');
    expect(preview).toEqual({
      type: 'integer',
      values: 10,
      failing: 1,
      samples: [{ key: { id: 3 }, value: 'abc', error: 'invalid input syntax for type integer: "abc"' }],
    });
  });

  it('renames and retypes', async () => {
    const { fetch, calls } = answering(detail);
    const table = await changeColumn(ref, 'qty', { name: 'quantity' }, { fetch });
    expect(calls[0]).toMatchObject({ method: 'PATCH', body: '{"name":"quantity"}' });
    expect(table.columns[0]?.name).toBe('qty');
  });

  it('deletes', async () => {
    const { fetch, calls } = answering(null, 204);
    await deleteColumn(ref, 'qty', { fetch });
    expect(calls[0]?.method).toBe('DELETE');
  });

  it('reads the preview of a refused retype', () => {
    const error = new ApiError({
      kind: 'problem',
      status: 422,
      title: 'Retype refused',
      problem: { preview: { type: 'integer', values: 2, failing: 2, samples: [] } },
    });
    expect(refusedRetype(error)).toEqual({ type: 'integer', values: 2, failing: 2, samples: [] });
    expect(refusedRetype(new Error('x'))).toBeNull();
  });
});
