import { describe, expect, it } from 'vitest';
import { ApiError, type Fetch } from './api';
import { blockers, createSchema, createTable, deleteSchema, deleteTable, nameProblem, renameTable } from './schema';

function recording(answer: (url: string) => Response): { fetch: Fetch; calls: string[] } {
  const calls: string[] = [];
  const fetch: Fetch = (input, init) => {
    calls.push(`${init?.method} ${input}${init?.body ? ` ${String(init.body)}` : ''}`);
    return Promise.resolve(answer(input));
  };
  return { fetch, calls };
}

const ok = (body: unknown, status = 200) =>
  new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('schema client', () => {
  it('creates schemas and tables with encoded names', async () => {
    const { fetch, calls } = recording((url) =>
      url.endsWith('/schemas') ? ok({ name: 'my "s"' }, 201) : ok({ schema: 'my "s"', name: 't/1', columns: [] }, 201),
    );
    expect(await createSchema('main', 'my "s"', { fetch })).toBe('my "s"');
    expect(await createTable('main', 'my "s"', 't/1', [{ name: 'qty', type: 'integer' }], { fetch })).toEqual({
      schema: 'my "s"',
      name: 't/1',
    });
    expect(calls).toEqual([
      'POST /api/v1/databases/main/schemas {"name":"my \\"s\\""}',
      'POST /api/v1/databases/main/schemas/my%20%22s%22/tables {"name":"t/1","columns":[{"name":"qty","type":"integer"}]}',
    ]);
  });

  it('renames and deletes', async () => {
    const { fetch, calls } = recording((url) =>
      url.includes('cascade') || !url.includes('tables/') ? ok(null, 204) : ok({ schema: 'public', name: 'b' }),
    );
    expect(await renameTable('main', 'public', 'a', 'b', { fetch })).toEqual({ schema: 'public', name: 'b' });
    await deleteTable('main', 'public', 'b', true, { fetch });
    await deleteSchema('main', 'old', false, { fetch });
    expect(calls).toEqual([
      'PATCH /api/v1/databases/main/schemas/public/tables/a {"name":"b"}',
      'DELETE /api/v1/databases/main/schemas/public/tables/b?cascade=true',
      'DELETE /api/v1/databases/main/schemas/old',
    ]);
  });

  it('reads what blocks a delete', () => {
    const conflict = (problem: Record<string, unknown>) =>
      new ApiError({ kind: 'problem', status: 409, title: 'Conflict', problem });
    expect(blockers(conflict({ referenced_by: ['lines', { schema: 'crm', table: 'notes' }] }))).toEqual([
      'lines',
      'crm.notes',
    ]);
    expect(blockers(conflict({ tables: ['a', 'b'] }))).toEqual(['a', 'b']);
    expect(blockers(conflict({}))).toBeNull();
    expect(blockers(new Error('x'))).toBeNull();
  });

  it('checks names', () => {
    expect(nameProblem('  ')).toMatch(/name/);
    expect(nameProblem('a'.repeat(64))).toMatch(/63/);
    expect(nameProblem('é'.repeat(32))).toMatch(/63/);
    expect(nameProblem('Orders "2024"')).toBeNull();
  });
});
