/**
 * The row write endpoints: insert, update and delete rows of a table, each
 * call one transaction on the server (all or nothing).
 *
 * Updates carry each row's `version` (opaque, from the page that showed the
 * row): when someone else changed or deleted the row since, the server
 * answers 409 and nothing is written; {@link rowConflicts} reads the rows as
 * they are now so the UI can offer "Keep theirs" or "Overwrite" (which sends
 * the update again without a version). A value a column refuses is a 422 that
 * {@link invalidValue} reads: which column, which row of the request, and
 * PostgreSQL's reason.
 *
 * ```ts
 * const done = await updateRows(ref, [{ key: { id: 7 }, version: '812', set: { qty: '3' } }]);
 * done.rows[0]; // the row as stored now
 * ```
 */
import { ApiError, array, type CallOptions, isRecord, record, sendJson, ShapeError } from './api';
import { type Links, parseLinks, parseVersionsAndLinks, type Row, tablePath } from './catalog';

/** Which table a call writes. */
export interface TableRef {
  db: string;
  schema: string;
  table: string;
}

/** A row's primary key: values by key column name. */
export type Key = Record<string, unknown>;

/** One row's update. */
export interface RowUpdate {
  key: Key;
  /** The version the user saw; omitted to overwrite whatever is there. */
  version?: string | undefined;
  set: Row;
}

/** Rows as written, in request order. */
export interface WrittenRows {
  rows: Row[];
  versions: (string | null)[];
  links: Links[];
}

/** A row that changed (or went away) since the user saw it. */
export interface RowConflict {
  key: Key;
  /** The row as it is now; `null` when it was deleted. */
  row: Row | null;
  version: string | null;
  /** The row's foreign key summaries now (empty when the server sent none). */
  links: Links;
}

/** A value a column refused. */
export interface InvalidValue {
  /** The column; `null` when PostgreSQL did not say. */
  column: string | null;
  /** The index of the row in the request's list named by `list`. */
  row: number | null;
  /** Which list of the request `row` indexes: `rows` (insert), `updates` or `inserts` (patch). */
  list: 'rows' | 'updates' | 'inserts' | null;
  /** PostgreSQL's reason, e.g. `column "qty": invalid input syntax for type integer: "abc"`. */
  detail: string;
}

const rowsPath = (ref: TableRef) => `${tablePath(ref.db, ref.schema, ref.table)}/rows`;

/** `POST .../rows`: inserts rows (omitted columns take their defaults). */
export function insertRows(ref: TableRef, rows: Row[], options: CallOptions = {}): Promise<WrittenRows> {
  return sendJson('POST', rowsPath(ref), { rows }, parseWritten, options);
}

/** `PATCH .../rows`: updates rows by key, checking each `version` given. */
export function updateRows(ref: TableRef, updates: RowUpdate[], options: CallOptions = {}): Promise<WrittenRows> {
  return sendJson('PATCH', rowsPath(ref), writeBody(updates, []), parseWritten, options);
}

/** The most rows one write may update, and the most it may insert. */
export const MAX_WRITE_ROWS = 1000;

/** What {@link writeRows} wrote: the updated rows in request order, and the inserted ones. */
export interface WrittenAndInserted extends WrittenRows {
  inserted: WrittenRows;
}

/**
 * `PATCH .../rows` with updates and inserts together: one transaction, so a
 * paste lands whole or not at all.
 */
export function writeRows(ref: TableRef, updates: RowUpdate[], inserts: Row[], options: CallOptions = {}): Promise<WrittenAndInserted> {
  return sendJson('PATCH', rowsPath(ref), writeBody(updates, inserts), parseWrittenAndInserted, options);
}

/** The body of `PATCH .../rows`: `updates` (versions only when given) and `inserts`, each left out when empty. */
export function writeBody(updates: readonly RowUpdate[], inserts: readonly Row[]): { updates?: unknown[]; inserts?: Row[] } {
  const body: { updates?: unknown[]; inserts?: Row[] } = {};
  if (updates.length > 0 || inserts.length === 0) {
    body.updates = updates.map((u) => (u.version === undefined ? { key: u.key, set: u.set } : { key: u.key, version: u.version, set: u.set }));
  }
  if (inserts.length > 0) body.inserts = [...inserts];
  return body;
}

/** Reads the answer of a write with inserts; `inserted` is empty when the server sent none. */
export function parseWrittenAndInserted(body: unknown): WrittenAndInserted {
  const written = parseWritten(body);
  const inserted = record(body).inserted;
  return { ...written, inserted: inserted === undefined || inserted === null ? { rows: [], versions: [], links: [] } : parseWritten(inserted) };
}

/** `DELETE .../rows`: deletes rows by key; answers how many. */
export function deleteRows(ref: TableRef, keys: Key[], options: CallOptions = {}): Promise<number> {
  return sendJson(
    'DELETE',
    rowsPath(ref),
    { keys },
    (body) => {
      const deleted = record(body).deleted;
      if (typeof deleted !== 'number') throw new ShapeError('"deleted" is not a number');
      return deleted;
    },
    options,
  );
}

/** Reads the answer of an insert or update. */
export function parseWritten(body: unknown): WrittenRows {
  const written = record(body);
  const rows = array(written.rows, 'rows').map((row) => record(row, 'a row'));
  return { rows, ...parseVersionsAndLinks(written, rows.length) };
}

/** The rows of a 409 row conflict, or `null` when `error` is something else. */
export function rowConflicts(error: unknown): RowConflict[] | null {
  if (!(error instanceof ApiError) || error.status !== 409 || !error.type.endsWith('row-conflict')) return null;
  const current = error.problem.current;
  if (!Array.isArray(current)) return [];
  return current.filter(isRecord).map((c) => ({
    key: isRecord(c.key) ? c.key : {},
    row: isRecord(c.row) ? c.row : null,
    version: typeof c.version === 'string' ? c.version : null,
    links: isRecord(c.links) ? linksOrEmpty(c.links) : {},
  }));
}

/** The refused value of a 422, or `null` when `error` is something else. */
export function invalidValue(error: unknown): InvalidValue | null {
  if (!(error instanceof ApiError) || error.status !== 422) return null;
  const { column, row, array } = error.problem;
  return {
    column: typeof column === 'string' ? column : null,
    row: typeof row === 'number' ? row : null,
    list: array === 'rows' || array === 'updates' || array === 'inserts' ? array : null,
    detail: error.detail ?? error.title,
  };
}

/** What to tell the user about a failed write: the server's reason, else the error's message. */
export function reason(error: unknown): string {
  if (error instanceof ApiError) return error.detail ?? error.title;
  return error instanceof Error ? error.message : String(error);
}

/** A row's primary key value object. */
export function keyOf(row: Row, primaryKey: readonly string[]): Key {
  const key: Key = {};
  for (const column of primaryKey) key[column] = row[column] ?? null;
  return key;
}

/** A stable string for a key, to compare rows and index per-row state. */
export function keyId(key: Key): string {
  return JSON.stringify(Object.values(key).map((v) => (v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v))));
}

function linksOrEmpty(value: Record<string, unknown>): Links {
  try {
    return parseLinks(value);
  } catch {
    return {};
  }
}
