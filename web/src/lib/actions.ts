/**
 * The audit trail: a database's actions (one per user intent), undo and redo
 * of any of them, a row's history, and a table's recently deleted rows with
 * their restore.
 *
 * An undo the server refuses because later actions changed the same rows or
 * columns is a 409 `undo-conflict`; {@link undoConflicts} reads its conflicts
 * so the UI can explain them and offer `cascade` (undo those later actions
 * first, newest first, all in one transaction).
 *
 * ```ts
 * const [latest] = await listActions('main', { limit: 1 });
 * try {
 *   await undoAction('main', latest.id);
 * } catch (err) {
 *   const conflicts = undoConflicts(err); // null: some other failure
 * }
 * ```
 */
import {
  ApiError,
  array,
  type CallOptions,
  count,
  getJson,
  isRecord,
  optionalString,
  record,
  send,
  sendJson,
  ShapeError,
  string,
  strings,
} from './api';
import { type Row, tablePath } from './catalog';

/** One action: a user intent, recorded as one transaction. */
export interface Action {
  id: number;
  /** When, as the server's ISO 8601 timestamp. */
  at: string;
  /** The PostgreSQL role that made it. */
  user: string;
  /** `edit`, `insert`, `delete`, `import`, `undo`, ... */
  kind: string;
  summary: string;
  /** Rows it changed. */
  rows: number;
  /** The action this one undid (kinds `undo` and `redo`). */
  undoes: number | null;
  /** The action that undid this one, when it was undone. */
  undoneBy: number | null;
  /** Whether its changes are undone now. */
  undone: boolean;
  /** The tables it changed, as `schema.table`. */
  tables: string[];
}

/** Why an undo was refused: a later action changed what it would restore. */
export interface UndoConflict {
  /** The later action in the way. */
  action: Action;
  /** `schema.table`. */
  table: string;
  /** The keys of the rows in question (the first of them). */
  keys: string[];
  rows: number;
  /** The columns both changed; empty for a structure change or a whole row. */
  columns: string[];
  /** The server's explanation. */
  reason: string;
}

/** Which actions to list. */
export interface ActionQuery {
  /** Only actions that changed this table (`schema.table`). */
  table?: string | undefined;
  user?: string | undefined;
  /** Only actions with a lower id: the next page. */
  before?: number | undefined;
  limit?: number | undefined;
}

/** One version of a row, as a change made it. */
export interface RowVersion {
  action: number;
  at: string;
  user: string;
  summary: string;
  change: 'insert' | 'update' | 'delete';
  /** The row after the change; `null` after a delete. */
  values: Row | null;
  /** The columns the change set to a new value. */
  changed: string[];
}

/** A deleted row that can be restored. */
export interface DeletedRow {
  /** Its primary key as text. */
  key: string;
  /** Its values when it was deleted. */
  values: Row;
  /** The action that deleted it. */
  action: number;
  at: string;
  user: string;
}

/** What a restore did. */
export interface Restored {
  restored: number;
  action: Action;
}

const base = '/api/v1/databases';
const seg = encodeURIComponent;
const actionsPath = (db: string) => `${base}/${seg(db)}/actions`;

/** `GET /databases/{db}/actions`: newest first. */
export function listActions(db: string, query: ActionQuery = {}, options: CallOptions = {}): Promise<Action[]> {
  const params = new URLSearchParams();
  if (query.table) params.set('table', query.table);
  if (query.user) params.set('user', query.user);
  if (query.before !== undefined) params.set('before', String(query.before));
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  const search = params.toString();
  return getJson(`${actionsPath(db)}${search ? `?${search}` : ''}`, parseActionList, options);
}

/** `GET /databases/{db}/actions/{id}`. */
export function getAction(db: string, id: number, options: CallOptions = {}): Promise<Action> {
  return getJson(`${actionsPath(db)}/${id}`, parseAction, options);
}

/**
 * `POST /databases/{db}/actions/{id}/undo`: answers the undo actions made, in
 * the order applied (with `cascade`, the later actions' undos come first).
 */
export async function undoAction(db: string, id: number, cascade = false, options: CallOptions = {}): Promise<Action[]> {
  const sent = await send('POST', `${actionsPath(db)}/${id}/undo?cascade=${cascade}`, undefined, parseActionList, options);
  return sent.body;
}

/** `POST /databases/{db}/actions/{id}/redo`: redoes an undone action. */
export async function redoAction(db: string, id: number, options: CallOptions = {}): Promise<Action[]> {
  const sent = await send('POST', `${actionsPath(db)}/${id}/redo`, undefined, parseActionList, options);
  return sent.body;
}

/** `GET T/rows/{key}/history`: the row's versions, newest first. */
export function rowHistory(
  db: string,
  schema: string,
  table: string,
  key: string,
  options: CallOptions = {},
): Promise<RowVersion[]> {
  return getJson(`${tablePath(db, schema, table)}/rows/${seg(key)}/history`, parseRowHistory, options);
}

/** `GET T/deleted`: the table's deleted rows, newest deletion first. */
export function deletedRows(
  db: string,
  schema: string,
  table: string,
  limit = 50,
  options: CallOptions = {},
): Promise<DeletedRow[]> {
  return getJson(`${tablePath(db, schema, table)}/deleted?limit=${limit}`, parseDeletedRows, options);
}

/** `POST T/deleted/restore`: brings deleted rows back with their old keys and values. */
export function restoreRows(
  db: string,
  schema: string,
  table: string,
  keys: string[],
  options: CallOptions = {},
): Promise<Restored> {
  return sendJson(
    'POST',
    `${tablePath(db, schema, table)}/deleted/restore`,
    { keys },
    (body) => {
      const answer = record(body);
      return { restored: count(answer, 'restored') ?? 0, action: parseAction(answer.action) };
    },
    options,
  );
}

/** Reads an ActionJson. */
export function parseAction(value: unknown): Action {
  const a = record(value, 'an action');
  const id = a.id;
  if (typeof id !== 'number') throw new ShapeError('"id" of an action is not a number');
  const undoes = a.undoes;
  const undoneBy = a.undone_by;
  return {
    id,
    at: string(a, 'at'),
    user: string(a, 'user'),
    kind: string(a, 'kind'),
    summary: string(a, 'summary'),
    rows: count(a, 'rows') ?? 0,
    undoes: typeof undoes === 'number' ? undoes : null,
    undoneBy: typeof undoneBy === 'number' ? undoneBy : null,
    undone: a.undone === true,
    tables: a.tables === undefined || a.tables === null ? [] : strings(a.tables, 'tables'),
  };
}

/** Reads `{"actions": [...]}`. */
export function parseActionList(body: unknown): Action[] {
  return array(record(body).actions, 'actions').map(parseAction);
}

/** Reads `{"versions": [...]}`. */
export function parseRowHistory(body: unknown): RowVersion[] {
  return array(record(body).versions, 'versions').map((v) => {
    const version = record(v, 'a version');
    const change = version.change;
    if (change !== 'insert' && change !== 'update' && change !== 'delete') {
      throw new ShapeError(`"change" is ${JSON.stringify(change)}, expected insert, update or delete`);
    }
    const action = version.action;
    if (typeof action !== 'number') throw new ShapeError('"action" of a version is not a number');
    return {
      action,
      at: string(version, 'at'),
      user: string(version, 'user'),
      summary: optionalString(version, 'summary') ?? '',
      change,
      values: version.values === null || version.values === undefined ? null : record(version.values, '"values"'),
      changed: version.changed === undefined || version.changed === null ? [] : strings(version.changed, 'changed'),
    };
  });
}

/** Reads `{"rows": [...]}` of deleted rows. */
export function parseDeletedRows(body: unknown): DeletedRow[] {
  return array(record(body).rows, 'rows').map((r) => {
    const row = record(r, 'a deleted row');
    const action = row.action;
    if (typeof action !== 'number') throw new ShapeError('"action" of a deleted row is not a number');
    return {
      key: keyText(row.key),
      values: isRecord(row.values) ? row.values : {},
      action,
      at: string(row, 'at'),
      user: string(row, 'user'),
    };
  });
}

/** The conflicts of a refused undo (409 `undo-conflict`), or `null` when `error` is something else. */
export function undoConflicts(error: unknown): UndoConflict[] | null {
  if (!(error instanceof ApiError) || error.status !== 409 || !error.type.endsWith('undo-conflict')) return null;
  const list = error.problem.conflicts;
  if (!Array.isArray(list)) return [];
  return list.flatMap((c: unknown) => {
    if (!isRecord(c)) return [];
    let action: Action;
    try {
      action = parseAction(c.action);
    } catch {
      return [];
    }
    const keys = Array.isArray(c.keys) ? c.keys.map(keyText) : [];
    return [
      {
        action,
        table: typeof c.table === 'string' ? c.table : '',
        keys,
        rows: typeof c.rows === 'number' ? c.rows : keys.length,
        columns: Array.isArray(c.columns) ? c.columns.filter((n): n is string => typeof n === 'string') : [],
        reason: typeof c.reason === 'string' ? c.reason : '',
      },
    ];
  });
}

/** The distinct later actions of some conflicts, newest first: what `cascade` undoes. */
export function laterActions(conflicts: readonly UndoConflict[]): Action[] {
  const byId = new Map<number, Action>();
  for (const conflict of conflicts) byId.set(conflict.action.id, conflict.action);
  return [...byId.values()].sort((a, b) => b.id - a.id);
}

/**
 * A conflict in plain words, e.g. `“Edited 1 cell in orders” by bob changed
 * qty in row 7 of orders`.
 */
export function conflictText(conflict: UndoConflict): string {
  const { action, columns, rows, keys } = conflict;
  const table = conflict.table.replace(/^public\./, '');
  const what = columns.length === 0 ? '' : ` ${columns.join(', ')} in`;
  const shown = keys.slice(0, 5).join(', ');
  const more = rows > keys.length && keys.length > 0 ? ` and ${(rows - Math.min(keys.length, 5)).toLocaleString('en-US')} more` : '';
  let where: string;
  if (rows === 0 && keys.length === 0) where = ` the structure of ${table}`;
  else if (rows === 1 && shown) where = `${what} row ${shown} of ${table}`;
  else where = `${what} ${rows.toLocaleString('en-US')} ${rows === 1 ? 'row' : 'rows'} of ${table}${shown ? ` (${shown}${more})` : ''}`;
  return `“${action.summary}” by ${action.user} changed${where}.`;
}

/** One column a version changed: its value before (when the older version is known) and after. */
export interface ColumnChange {
  column: string;
  /** `undefined` when the version before is not in the history (the row predates it). */
  before: unknown;
  after: unknown;
}

/**
 * The columns `versions[index]` changed, old → new: the old value is the next
 * (older) version's. Versions are newest first, as the server sends them.
 */
export function versionChanges(versions: readonly RowVersion[], index: number): ColumnChange[] {
  const version = versions[index];
  if (!version || version.change !== 'update') return [];
  const older = versions[index + 1]?.values ?? undefined;
  return version.changed.map((column) => ({
    column,
    before: older === undefined ? undefined : (older[column] ?? null),
    after: version.values?.[column] ?? null,
  }));
}

/** Kinds whose undo or redo changes the tables and schemas the sidebar lists. */
const CATALOG_KINDS = new Set([
  'import',
  'create_table',
  'rename_table',
  'delete_table',
  'create_schema',
  'rename_schema',
  'delete_schema',
  'model',
]);

/** Whether undoing or redoing an action of `kind` changes the list of schemas and tables. */
export function changesCatalog(kind: string): boolean {
  return CATALOG_KINDS.has(kind);
}

/** Kinds that change a table's structure: a grid showing the table reloads its columns. */
export function changesStructure(kind: string): boolean {
  return changesCatalog(kind) || kind === 'add_column' || kind === 'alter_column' || kind === 'drop_column';
}

/**
 * When, relative to `now`: `just now`, `2 min ago`, `3 h ago`, `yesterday`,
 * `4 days ago`, then the date.
 */
export function relativeTime(at: string, now: Date = new Date()): string {
  const then = new Date(at);
  const seconds = Math.round((now.getTime() - then.getTime()) / 1000);
  if (!Number.isFinite(seconds)) return at;
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days === 1) return 'yesterday';
  if (days < 7) return `${days} days ago`;
  return then.toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric' });
}

/** The exact time, for a title. */
export function exactTime(at: string): string {
  const then = new Date(at);
  return Number.isNaN(then.getTime()) ? at : then.toLocaleString();
}

/** A key the server sent as text (or, leniently, as a number). */
function keyText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new ShapeError('a key is not text');
}
