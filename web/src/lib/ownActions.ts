/**
 * This tab's own actions, for Ctrl+Z and Ctrl+Shift+Z in the grid.
 *
 * Every write answers `Strata-Action: <id>` (api.ts announces it); the ids
 * are kept per database in two stacks, in `sessionStorage` so a reload keeps
 * them: `done` (changes made, newest last) and `undone` (changes Ctrl+Z took
 * back, the latest last). Ctrl+Z undoes the newest own change that is not
 * undone yet; Ctrl+Shift+Z redoes the change undone last. A new change
 * empties the redo stack, as in any editor. The server is the truth: an action
 * undone or redone elsewhere (the history panel, another user) is skipped.
 *
 * ```ts
 * const own = new OwnActions(sessionStorage);
 * own.record('main', 41);
 * await undoLast(own, 'main'); // { original: <action 41>, made: [<its undo>] }
 * ```
 */
import { type Announced, onAction } from './api';
import { type Action, getAction, redoAction, undoAction } from './actions';

/** The most actions kept per database and stack. */
export const MAX_OWN = 200;

const KEY = 'strata.ownActions';

/** The two stacks of one database. */
interface Stacks {
  done: number[];
  undone: number[];
}

/** The part of `Storage` this needs. */
export type StringStore = Pick<Storage, 'getItem' | 'setItem'>;

/** The tab's own actions per database, kept in `store`. */
export class OwnActions {
  readonly #store: StringStore;

  constructor(store: StringStore) {
    this.#store = store;
  }

  /** A new own change: the newest to undo; nothing is left to redo. */
  record(db: string, id: number): void {
    this.#change(db, (s) => ({ done: [...s.done.filter((d) => d !== id), id], undone: [] }));
  }

  /** Own changes that may still be undone, newest first. */
  undoable(db: string): number[] {
    return [...this.#read(db).done].reverse();
  }

  /** Own changes undone by Ctrl+Z, the latest first. */
  redoable(db: string): number[] {
    return [...this.#read(db).undone].reverse();
  }

  /** `id` was undone: it moves to the redo stack. */
  markUndone(db: string, id: number): void {
    this.#change(db, (s) => ({ done: s.done.filter((d) => d !== id), undone: [...s.undone.filter((d) => d !== id), id] }));
  }

  /** `id` was redone: it is undoable again (the redo stack keeps the rest). */
  markRedone(db: string, id: number): void {
    this.#change(db, (s) => ({ done: [...s.done.filter((d) => d !== id), id], undone: s.undone.filter((d) => d !== id) }));
  }

  /**
   * `action` (as it was before) was undone or redone elsewhere, e.g. in the
   * history panel: when it is one of this tab's own, its stacks follow.
   */
  stepped(db: string, action: { id: number; undone: boolean }): void {
    const { done, undone } = this.#read(db);
    if (!done.includes(action.id) && !undone.includes(action.id)) return;
    if (action.undone) this.markRedone(db, action.id);
    else this.markUndone(db, action.id);
  }

  /** Drops `id` from both stacks (it was undone or redone elsewhere). */
  forget(db: string, id: number): void {
    this.#change(db, (s) => ({ done: s.done.filter((d) => d !== id), undone: s.undone.filter((d) => d !== id) }));
  }

  #all(): Record<string, Stacks> {
    try {
      const parsed: unknown = JSON.parse(this.#store.getItem(KEY) ?? '{}');
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, Stacks>) : {};
    } catch {
      return {};
    }
  }

  #read(db: string): Stacks {
    const stacks = this.#all()[db];
    const ids = (list: unknown) => (Array.isArray(list) ? list.filter((id): id is number => Number.isSafeInteger(id)) : []);
    return { done: ids(stacks?.done), undone: ids(stacks?.undone) };
  }

  #change(db: string, update: (stacks: Stacks) => Stacks): void {
    const all = this.#all();
    const next = update(this.#read(db));
    all[db] = { done: next.done.slice(-MAX_OWN), undone: next.undone.slice(-MAX_OWN) };
    try {
      this.#store.setItem(KEY, JSON.stringify(all));
    } catch {
      // Storage full or disabled: Ctrl+Z then only forgets older actions.
    }
  }
}

/** What an undo or redo by key did: the own action, and the actions the server made. */
export interface Stepped {
  original: Action;
  made: Action[];
}

/** An undo or redo of an own action the server refused; `cause` is its `ApiError`. */
export class OwnStepError extends Error {
  override readonly name = 'OwnStepError';
  /** The own action it was about. */
  readonly action: Action;

  constructor(action: Action, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.action = action;
  }
}

/** The calls {@link undoLast} and {@link redoLast} make, so tests can stub them. */
export interface ActionCalls {
  get: (db: string, id: number) => Promise<Action>;
  undo: (db: string, id: number, cascade?: boolean) => Promise<Action[]>;
  redo: (db: string, id: number) => Promise<Action[]>;
}

const serverCalls: ActionCalls = {
  get: (db, id) => getAction(db, id),
  undo: (db, id, cascade) => undoAction(db, id, cascade),
  redo: (db, id) => redoAction(db, id),
};

/**
 * Undoes the newest own change of `db` that is not undone yet; `null` when
 * there is none. A refused undo throws an {@link OwnStepError} (its `cause` is
 * the server's `ApiError`, see `undoConflicts`) and leaves the stacks as they were.
 */
export async function undoLast(own: OwnActions, db: string, calls: ActionCalls = serverCalls): Promise<Stepped | null> {
  for (const id of own.undoable(db)) {
    const original = await current(calls, db, id);
    if (!original || original.undone) {
      own.forget(db, id);
      continue;
    }
    let made: Action[];
    try {
      made = await calls.undo(db, id, false);
    } catch (cause) {
      throw new OwnStepError(original, cause);
    }
    own.markUndone(db, id);
    return { original, made };
  }
  return null;
}

/** Redoes the own change undone last; `null` when there is none. */
export async function redoLast(own: OwnActions, db: string, calls: ActionCalls = serverCalls): Promise<Stepped | null> {
  for (const id of own.redoable(db)) {
    const original = await current(calls, db, id);
    if (!original || !original.undone) {
      own.forget(db, id);
      continue;
    }
    let made: Action[];
    try {
      made = await calls.redo(db, id);
    } catch (cause) {
      throw new OwnStepError(original, cause);
    }
    own.markRedone(db, id);
    return { original, made };
  }
  return null;
}

/** The action as the server has it now; `null` when it is gone (pruned). */
async function current(calls: ActionCalls, db: string, id: number): Promise<Action | null> {
  try {
    return await calls.get(db, id);
  } catch (err) {
    if (typeof err === 'object' && err !== null && 'status' in err && err.status === 404) return null;
    throw err;
  }
}

/** The database a `/api/v1/databases/{db}/...` path writes to; `null` for other paths. */
export function databaseOf(path: string): string | null {
  const match = /^\/api\/v1\/databases\/([^/?]+)/.exec(path);
  if (!match?.[1]) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

/** Records every action this tab's writes announce; answers how to stop. */
export function recordAnnounced(own: OwnActions): () => void {
  return onAction((action: Announced) => {
    const db = databaseOf(action.path);
    if (db !== null) own.record(db, action.id);
  });
}

/** The tab's own actions: in `sessionStorage` in a browser, in memory elsewhere. */
export const ownActions = new OwnActions(typeof sessionStorage === 'undefined' ? memoryStore() : sessionStorage);

function memoryStore(): StringStore {
  const values = new Map<string, string>();
  return { getItem: (key) => values.get(key) ?? null, setItem: (key, value) => void values.set(key, value) };
}
