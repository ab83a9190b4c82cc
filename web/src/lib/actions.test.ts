import { describe, expect, it } from 'vitest';
import { ApiError, type Fetch, onAction } from './api';
import {
  type Action,
  changesCatalog,
  conflictText,
  deletedRows,
  getAction,
  laterActions,
  listActions,
  redoAction,
  relativeTime,
  restoreRows,
  rowHistory,
  undoAction,
  undoConflicts,
  versionChanges,
} from './actions';

interface Call {
  url: string;
  method: string | undefined;
  body: unknown;
}

function answering(body: unknown, status = 200, headers: Record<string, string> = {}): { fetch: Fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: Fetch = (url, init) => {
    calls.push({ url, method: init?.method, body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined });
    return Promise.resolve(
      new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': status < 300 ? 'application/json' : 'application/problem+json', ...headers },
      }),
    );
  };
  return { fetch, calls };
}

const actionJson = {
  id: 5,
  at: '2026-11-26T04:20:13.154561+00:00',
  user: 'postgres',
  kind: 'edit',
  summary: 'Edited 3 cells in orders',
  rows: 3,
  undoes: null,
  undone_by: null,
  undone: false,
  tables: ['public.orders'],
};

const action: Action = {
  id: 5,
  at: '2026-11-26T04:20:13.154561+00:00',
  user: 'postgres',
  kind: 'edit',
  summary: 'Edited 3 cells in orders',
  rows: 3,
  undoes: null,
  undoneBy: null,
  undone: false,
  tables: ['public.orders'],
};

const conflictProblem = {
  type: 'https://strata.dev/problems/undo-conflict',
  title: 'Later changes are in the way',
  status: 409,
  detail: 'Action 5 cannot be undone: 1 later action changed the same rows',
  conflicts: [
    {
      action: { ...actionJson, id: 9, user: 'bob', summary: 'Edited 1 cell in orders', rows: 1 },
      table: 'public.orders',
      keys: ['7'],
      rows: 1,
      columns: ['qty'],
      reason: 'qty of row 7 changed since',
    },
    {
      action: { ...actionJson, id: 12, kind: 'delete', summary: 'Deleted 2 rows from orders', rows: 2 },
      table: 'public.orders',
      keys: ['8', '9'],
      rows: 2,
      columns: [],
      reason: 'deleted since',
    },
    { action: { ...actionJson, id: 9 }, table: 'public.orders', keys: ['10'], rows: 1, columns: ['qty'], reason: '' },
  ],
};

describe('the actions client', () => {
  it('lists actions with the table, page and limit in the query', async () => {
    const { fetch, calls } = answering({ actions: [actionJson] });
    const list = await listActions('my db', { table: 'public.orders', before: 40, limit: 20 }, { fetch });
    expect(calls[0]?.url).toBe('/api/v1/databases/my%20db/actions?table=public.orders&before=40&limit=20');
    expect(list).toEqual([action]);
  });

  it('reads one action, its undone state included', async () => {
    const { fetch, calls } = answering({ ...actionJson, undone: true, undone_by: 6 });
    expect(await getAction('main', 5, { fetch })).toEqual({ ...action, undone: true, undoneBy: 6 });
    expect(calls[0]?.url).toBe('/api/v1/databases/main/actions/5');
  });

  it('undoes with and without cascade, and redoes, without announcing them as new changes', async () => {
    const seen: number[] = [];
    const stop = onAction((a) => seen.push(a.id));
    try {
      const made = { ...actionJson, id: 6, kind: 'undo', summary: 'Undid: Edited 3 cells in orders', undoes: 5 };
      const { fetch, calls } = answering({ actions: [made] }, 200, { 'Strata-Action': '6' });
      const undone = await undoAction('main', 5, false, { fetch });
      await undoAction('main', 5, true, { fetch });
      await redoAction('main', 5, { fetch });
      expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
        'POST /api/v1/databases/main/actions/5/undo?cascade=false',
        'POST /api/v1/databases/main/actions/5/undo?cascade=true',
        'POST /api/v1/databases/main/actions/5/redo',
      ]);
      expect(undone[0]).toMatchObject({ id: 6, kind: 'undo', undoes: 5 });
      expect(seen).toEqual([]);
    } finally {
      stop();
    }
  });

  it('reads the conflicts of a refused undo', async () => {
    const { fetch } = answering(conflictProblem, 409);
    const error = await undoAction('main', 5, false, { fetch }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ApiError);
    const conflicts = undoConflicts(error);
    expect(conflicts).toHaveLength(3);
    expect(conflicts?.[0]).toEqual({
      action: { ...action, id: 9, user: 'bob', summary: 'Edited 1 cell in orders', rows: 1 },
      table: 'public.orders',
      keys: ['7'],
      rows: 1,
      columns: ['qty'],
      reason: 'qty of row 7 changed since',
    });
    // Two distinct later actions, newest first.
    expect(laterActions(conflicts ?? []).map((a) => a.id)).toEqual([12, 9]);
    expect(conflictText(conflicts![0]!)).toBe('“Edited 1 cell in orders” by bob changed qty in row 7 of orders.');
    expect(conflictText(conflicts![1]!)).toBe('“Deleted 2 rows from orders” by postgres changed 2 rows of orders (8, 9).');
  });

  it('tells other errors from conflicts', () => {
    const other = new ApiError({ kind: 'problem', status: 409, title: 'Already undone', type: 'https://strata.dev/problems/already-undone' });
    expect(undoConflicts(other)).toBeNull();
    expect(undoConflicts(new Error('x'))).toBeNull();
  });

  it('says a structure conflict in words', () => {
    const text = conflictText({ action: { ...action, summary: 'Deleted column qty from orders' }, table: 'public.orders', keys: [], rows: 0, columns: [], reason: '' });
    expect(text).toBe('“Deleted column qty from orders” by postgres changed the structure of orders.');
  });

  it('counts the rows of a conflict that names none', () => {
    const later = { action: { ...action, summary: 'Edited 1 cell in orders' }, table: 'public.customers', keys: [], columns: [], reason: '' };
    expect(conflictText({ ...later, rows: 1 })).toBe('“Edited 1 cell in orders” by postgres changed 1 row of customers.');
    expect(conflictText({ ...later, rows: 3 })).toBe('“Edited 1 cell in orders” by postgres changed 3 rows of customers.');
  });

  it('reads a row history', async () => {
    const { fetch, calls } = answering({
      versions: [
        { action: 7, at: actionJson.at, user: 'bob', summary: 'Edited 1 cell in orders', change: 'update', values: { id: '7', qty: 3 }, changed: ['qty'] },
        { action: 2, at: actionJson.at, user: 'ann', summary: 'Added 1 row to orders', change: 'insert', values: { id: '7', qty: 1 }, changed: [] },
      ],
    });
    const versions = await rowHistory('main', 'public', 'orders', 'a/b', { fetch });
    expect(calls[0]?.url).toBe('/api/v1/databases/main/schemas/public/tables/orders/rows/a%2Fb/history');
    expect(versions.map((v) => [v.action, v.change, v.changed])).toEqual([
      [7, 'update', ['qty']],
      [2, 'insert', []],
    ]);
  });

  it('refuses a version with an unknown change', async () => {
    const { fetch } = answering({ versions: [{ action: 1, at: 'x', user: 'u', summary: '', change: 'merge', values: null, changed: [] }] });
    await expect(rowHistory('main', 'public', 'orders', '1', { fetch })).rejects.toMatchObject({ kind: 'invalid' });
  });

  it('lists deleted rows and restores some, announcing the restore as a change of this tab', async () => {
    const seen: number[] = [];
    const stop = onAction((a) => seen.push(a.id));
    try {
      const listed = answering({ rows: [{ key: '7', values: { id: '7', name: 'Ada' }, action: 9, at: actionJson.at, user: 'bob' }] });
      const rows = await deletedRows('main', 'public', 'orders', 50, { fetch: listed.fetch });
      expect(listed.calls[0]?.url).toBe('/api/v1/databases/main/schemas/public/tables/orders/deleted?limit=50');
      expect(rows).toEqual([{ key: '7', values: { id: '7', name: 'Ada' }, action: 9, at: actionJson.at, user: 'bob' }]);

      const restore = answering(
        { restored: 1, action: { ...actionJson, id: 10, kind: 'restore', summary: 'Restored 1 row in orders' } },
        200,
        { 'Strata-Action': '10' },
      );
      const done = await restoreRows('main', 'public', 'orders', ['7'], { fetch: restore.fetch });
      expect(restore.calls[0]).toEqual({ url: '/api/v1/databases/main/schemas/public/tables/orders/deleted/restore', method: 'POST', body: { keys: ['7'] } });
      expect(done.restored).toBe(1);
      expect(done.action.kind).toBe('restore');
      expect(seen).toEqual([10]);
    } finally {
      stop();
    }
  });
});

describe('helpers', () => {
  const now = new Date('2026-11-26T12:00:00Z');
  it('says times relative to now', () => {
    expect(relativeTime('2026-11-26T11:59:50Z', now)).toBe('just now');
    expect(relativeTime('2026-11-26T11:58:00Z', now)).toBe('2 min ago');
    expect(relativeTime('2026-11-26T09:00:00Z', now)).toBe('3 h ago');
    expect(relativeTime('2026-11-25T10:00:00Z', now)).toBe('yesterday');
    expect(relativeTime('2026-11-22T12:00:00Z', now)).toBe('4 days ago');
    expect(relativeTime('2026-01-02T12:00:00Z', now)).toBe('Jan 2, 2026');
  });

  it('knows which kinds change the sidebar', () => {
    expect(changesCatalog('import')).toBe(true);
    expect(changesCatalog('delete_table')).toBe(true);
    // A model step creates, changes and removes tables: its undo too.
    expect(changesCatalog('model')).toBe(true);
    expect(changesCatalog('edit')).toBe(false);
  });
});

describe('versionChanges', () => {
  const at = '2026-11-26T04:20:13Z';
  const versions = [
    { action: 9, at, user: 'bob', summary: 'Edited 2 cells', change: 'update' as const, values: { id: '7', qty: 5, note: null }, changed: ['qty', 'note'] },
    { action: 4, at, user: 'ann', summary: 'Edited 1 cell', change: 'update' as const, values: { id: '7', qty: 3, note: 'x' }, changed: ['qty'] },
  ];
  it('pairs each changed column with the older version', () => {
    expect(versionChanges(versions, 0)).toEqual([
      { column: 'qty', before: 3, after: 5 },
      { column: 'note', before: 'x', after: null },
    ]);
  });
  it('leaves the old value unknown when the older version is missing', () => {
    expect(versionChanges(versions, 1)).toEqual([{ column: 'qty', before: undefined, after: 3 }]);
  });
});
