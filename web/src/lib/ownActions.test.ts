import { describe, expect, it } from 'vitest';
import { announceAction, ApiError } from './api';
import type { Action } from './actions';
import { type ActionCalls, databaseOf, OwnActions, OwnStepError, recordAnnounced, redoLast, type StringStore, undoLast } from './ownActions';

function store(): StringStore & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return { values, getItem: (k) => values.get(k) ?? null, setItem: (k, v) => void values.set(k, v) };
}

function action(id: number, undone = false): Action {
  return { id, at: '2026-11-26T04:20:13Z', user: 'me', kind: 'edit', summary: `Edited ${id}`, rows: 1, undoes: null, undoneBy: undone ? id + 100 : null, undone, tables: [] };
}

/** A fake server: which actions are undone, and the calls made. */
function server(initial: Record<number, boolean>): ActionCalls & { calls: string[]; undone: Record<number, boolean> } {
  const undone = { ...initial };
  const calls: string[] = [];
  return {
    undone,
    calls,
    get: (_db, id) => {
      calls.push(`get ${id}`);
      if (!(id in undone)) return Promise.reject(new ApiError({ kind: 'problem', status: 404, title: 'missing' }));
      return Promise.resolve(action(id, undone[id]));
    },
    undo: (_db, id) => {
      calls.push(`undo ${id}`);
      undone[id] = true;
      return Promise.resolve([{ ...action(id + 100), kind: 'undo', summary: `Undid: Edited ${id}`, undoes: id }]);
    },
    redo: (_db, id) => {
      calls.push(`redo ${id}`);
      undone[id] = false;
      return Promise.resolve([{ ...action(id + 200), kind: 'redo', summary: `Redid: Edited ${id}`, undoes: id + 100 }]);
    },
  };
}

describe('own actions', () => {
  it('keeps stacks per database in the store, so a reload keeps them', () => {
    const s = store();
    const own = new OwnActions(s);
    own.record('main', 1);
    own.record('main', 2);
    own.record('other', 3);
    const again = new OwnActions(s);
    expect(again.undoable('main')).toEqual([2, 1]);
    expect(again.undoable('other')).toEqual([3]);
    again.markUndone('main', 2);
    expect(again.undoable('main')).toEqual([1]);
    expect(again.redoable('main')).toEqual([2]);
    // A new change empties the redo stack.
    again.record('main', 4);
    expect(again.redoable('main')).toEqual([]);
  });

  it('follows undos and redos of own actions made in the history panel', () => {
    const own = new OwnActions(store());
    own.record('main', 1);
    own.stepped('main', { id: 1, undone: false });
    expect(own.redoable('main')).toEqual([1]);
    own.stepped('main', { id: 1, undone: true });
    expect(own.undoable('main')).toEqual([1]);
    // Someone else's action stays out of the stacks.
    own.stepped('main', { id: 5, undone: false });
    expect(own.redoable('main')).toEqual([]);
  });

  it('survives a broken store', () => {
    const s = store();
    s.setItem('strata.ownActions', '{not json');
    const own = new OwnActions(s);
    expect(own.undoable('main')).toEqual([]);
    own.record('main', 1);
    expect(own.undoable('main')).toEqual([1]);
  });

  it('undoes the newest not-undone own action, then redoes the latest undone', async () => {
    const own = new OwnActions(store());
    own.record('main', 1);
    own.record('main', 2);
    own.record('main', 3);
    // 3 was undone from the history panel meanwhile: Ctrl+Z skips it.
    const fake = server({ 1: false, 2: false, 3: true });
    const first = await undoLast(own, 'main', fake);
    expect(first?.original.id).toBe(2);
    expect(first?.made[0]?.summary).toBe('Undid: Edited 2');
    const second = await undoLast(own, 'main', fake);
    expect(second?.original.id).toBe(1);
    expect(await undoLast(own, 'main', fake)).toBeNull();

    // Redo goes back in the order of the undos: 1 first, then 2.
    expect((await redoLast(own, 'main', fake))?.original.id).toBe(1);
    expect((await redoLast(own, 'main', fake))?.original.id).toBe(2);
    expect(await redoLast(own, 'main', fake)).toBeNull();
    expect(fake.calls.filter((c) => !c.startsWith('get'))).toEqual(['undo 2', 'undo 1', 'redo 1', 'redo 2']);
    expect(own.undoable('main')).toEqual([2, 1]);
  });

  it('skips actions the server no longer has', async () => {
    const own = new OwnActions(store());
    own.record('main', 1);
    own.record('main', 99);
    const fake = server({ 1: false });
    expect((await undoLast(own, 'main', fake))?.original.id).toBe(1);
    expect(own.undoable('main')).toEqual([]);
  });

  it('leaves the stacks alone when the undo is refused', async () => {
    const own = new OwnActions(store());
    own.record('main', 1);
    const fake = server({ 1: false });
    fake.undo = () => Promise.reject(new ApiError({ kind: 'problem', status: 409, title: 'conflict', type: 'https://strata.dev/problems/undo-conflict' }));
    const error = await undoLast(own, 'main', fake).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OwnStepError);
    expect((error as OwnStepError).action.id).toBe(1);
    expect((error as OwnStepError).cause).toBeInstanceOf(ApiError);
    expect(own.undoable('main')).toEqual([1]);
  });

  it('records the actions writes announce, by database', () => {
    const own = new OwnActions(store());
    const stop = recordAnnounced(own);
    try {
      announceAction({ id: 7, path: '/api/v1/databases/my%20db/schemas/public/tables/t/rows' });
      announceAction({ id: 8, path: '/api/v1/health' });
    } finally {
      stop();
    }
    expect(own.undoable('my db')).toEqual([7]);
    expect(databaseOf('/api/v1/databases/a%2Fb/actions')).toBe('a/b');
  });
});
