/**
 * The Imports endpoints: upload a file (or pasted cells), look at what Strata
 * made of it, adjust, then commit it into a table while following progress.
 *
 * ```ts
 * const preview = await uploadImport('main', 'public', { file }, { onProgress });
 * const patched = await patchImport('main', 'public', preview.id, { header: false });
 * await commitImport('main', 'public', preview.id, { table: 'orders' });
 * const stop = watchImport('main', 'public', preview.id, { onprogress, ondone, onfailed, onerror });
 * ```
 *
 * Uploads go through `XMLHttpRequest` rather than `fetch` because only it
 * reports upload progress; the answer is turned back into a `Response` so it
 * is read exactly like every other call.
 */
import {
  announceAction,
  ApiError,
  array,
  type CallOptions,
  getJson,
  isRecord,
  optionalString,
  readJson,
  record,
  sendJson,
  ShapeError,
  string,
  strings,
} from './api';
import type { Column } from './catalog';

/** The column types an import can produce, as PostgreSQL's `format_type` spells them. */
export const IMPORT_TYPES: readonly { type: string; label: string }[] = [
  { type: 'text', label: 'Text' },
  { type: 'integer', label: 'Integer' },
  { type: 'bigint', label: 'Big integer (bigint)' },
  { type: 'numeric', label: 'Exact number (numeric)' },
  { type: 'boolean', label: 'Yes/no (boolean)' },
  { type: 'date', label: 'Date' },
  { type: 'timestamp without time zone', label: 'Date and time (timestamp)' },
  { type: 'timestamp with time zone', label: 'Date, time and zone (timestamptz)' },
  { type: 'time without time zone', label: 'Time of day (time)' },
  { type: 'jsonb', label: 'JSON (jsonb)' },
];

/** How ambiguous dates such as `03/04/2024` are read. */
export type DateOrder = 'dmy' | 'mdy' | 'ymd';

/** Where an upload is in its life. */
export type ImportState = 'previewed' | 'running' | 'done' | 'failed';

/** A column of the file as Strata planned it. */
export interface ImportColumn {
  /** The column name in the table (editable). */
  name: string;
  /** The header in the file; `null` when the file has none. */
  source: string | null;
  type: string;
  skip: boolean;
}

/** `ImportPreview`: what Strata read from an upload. */
export interface ImportPreview {
  id: string;
  fileName: string;
  format: string;
  encoding: string | null;
  delimiter: string | null;
  header: boolean;
  sheet: string | null;
  sheets: string[];
  dateOrder: DateOrder | null;
  /** Data rows in the file. */
  rows: number;
  suggestedTable: string;
  columns: ImportColumn[];
  /** The first data rows, cells as text or `null`. */
  preview: (string | null)[][];
  warnings: string[];
  state: ImportState;
}

/** Why an import failed, located in the file when the server knows where. */
export interface ImportProblem {
  title: string;
  detail: string | null;
  line: number | null;
  column: string | null;
  /** Rows that disagree with the entities they link to (a 409 `entity-conflict`); empty otherwise. */
  conflicts: EntityConflict[];
}

/**
 * A row written through an earlier model whose linked entity (a row of an
 * extracted table, found by its key) holds another value (`EntityConflict`).
 */
export interface EntityConflict {
  /** The extracted table. */
  table: string;
  /** The entity's key, by column. */
  key: Record<string, unknown>;
  /** The column that differs. */
  column: string;
  /** The entity's value, as text. */
  existing: string | null;
  /** The value the file has, as text. */
  written: string | null;
  /** How many rows of the file say so. */
  rows: number;
}

/**
 * What an append through an earlier model does with a row whose entity exists
 * with other values: stop and list them (`cancel`, the default), `update` the
 * entity (every row sharing it sees the change), or `keep` it as it is.
 */
export type EntityConflictChoice = 'cancel' | 'update' | 'keep';

/** `ImportStatus`: how a committed import is going. */
export interface ImportStatus {
  id: string;
  state: ImportState;
  rowsDone: number;
  rowsTotal: number;
  table: string | null;
  warnings: string[];
  error: ImportProblem | null;
  /** The action the finished import made (its `done` event's `action`); `null` before or without one. */
  action: number | null;
}

/** A `progress` event. */
export interface ImportProgress {
  rowsDone: number;
  rowsTotal: number;
}

/** Options the user can change after the upload; `columns` in the preview's order. */
export interface ImportChanges {
  delimiter?: string;
  encoding?: string;
  header?: boolean;
  dateOrder?: DateOrder;
  sheet?: string;
  columns?: { name: string; type: string; skip: boolean }[];
}

/**
 * What to commit into: a new table, or an existing one with a column mapping.
 * An append may go to another schema's table (`schema`: an earlier model's
 * views, to import in the format of that model), with `entityConflicts`.
 */
export type CommitTarget =
  | { table: string }
  | {
      appendTo: string;
      mapping: Record<string, string | null>;
      schema?: string | undefined;
      entityConflicts?: EntityConflictChoice | undefined;
    };

/** What is uploaded: a file, or pasted cells (sent as `pasted.tsv`). */
export type UploadSource = { file: File } | { text: string };

const base = '/api/v1/databases';
const seg = encodeURIComponent;

/** `/databases/{db}/schemas/{schema}/imports`. */
export function importsPath(db: string, schema: string): string {
  return `${base}/${seg(db)}/schemas/${seg(schema)}/imports`;
}

// ---------------------------------------------------------------------------
// Calls

/** A request as the upload transport sees it. */
export interface UploadRequest {
  method: 'POST';
  url: string;
  body: FormData | string;
  headers: Record<string, string>;
  onProgress?: ((loaded: number, total: number) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/** Sends an upload and resolves with the server's answer; rejects when there is none. */
export type UploadTransport = (request: UploadRequest) => Promise<Response>;

/** Upload options. */
export interface UploadOptions {
  /** Called as bytes leave the browser. */
  onProgress?: (loaded: number, total: number) => void;
  signal?: AbortSignal;
  /** Defaults to `XMLHttpRequest`; tests pass a stub. */
  transport?: UploadTransport;
}

/**
 * `POST I`: uploads a file as multipart, or pasted cells as text with
 * `?name=pasted.tsv`, and reads back the preview.
 */
export async function uploadImport(
  db: string,
  schema: string,
  source: UploadSource,
  options: UploadOptions = {},
): Promise<ImportPreview> {
  let url = importsPath(db, schema);
  let body: FormData | string;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if ('file' in source) {
    body = new FormData();
    body.append('file', source.file, source.file.name);
  } else {
    url += '?name=pasted.tsv';
    body = source.text;
    headers['Content-Type'] = 'text/plain; charset=utf-8';
  }
  const transport = options.transport ?? xhrTransport;
  let response: Response;
  try {
    response = await transport({
      method: 'POST',
      url,
      body,
      headers,
      onProgress: options.onProgress,
      signal: options.signal,
    });
  } catch (cause) {
    throw new ApiError({
      kind: 'network',
      status: 0,
      title: 'The upload did not reach Strata',
      detail: cause instanceof Error ? cause.message : String(cause),
      cause,
    });
  }
  return readJson(url, response, parsePreview);
}

/** `PATCH I/{id}`: changes options or columns and reads the new preview. `{}` re-reads it. */
export function patchImport(
  db: string,
  schema: string,
  id: string,
  changes: ImportChanges,
  options: CallOptions = {},
): Promise<ImportPreview> {
  const body: Record<string, unknown> = {};
  if (changes.delimiter !== undefined) body.delimiter = changes.delimiter;
  if (changes.encoding !== undefined) body.encoding = changes.encoding;
  if (changes.header !== undefined) body.header = changes.header;
  if (changes.dateOrder !== undefined) body.date_order = changes.dateOrder;
  if (changes.sheet !== undefined) body.sheet = changes.sheet;
  if (changes.columns !== undefined) body.columns = changes.columns;
  return sendJson('PATCH', `${importsPath(db, schema)}/${seg(id)}`, body, parsePreview, options);
}

/** `POST I/{id}/commit`: starts loading; follow it with {@link watchImport}. */
export function commitImport(
  db: string,
  schema: string,
  id: string,
  target: CommitTarget,
  options: CallOptions = {},
): Promise<ImportStatus> {
  const body =
    'table' in target
      ? { table: target.table }
      : {
          append_to: target.appendTo,
          mapping: target.mapping,
          ...(target.schema !== undefined ? { schema: target.schema } : {}),
          ...(target.entityConflicts !== undefined ? { entity_conflicts: target.entityConflicts } : {}),
        };
  return sendJson('POST', `${importsPath(db, schema)}/${seg(id)}/commit`, body, parseStatus, options);
}

/** `GET I/{id}`. */
export function getImport(db: string, schema: string, id: string, options: CallOptions = {}): Promise<ImportStatus> {
  return getJson(`${importsPath(db, schema)}/${seg(id)}`, parseStatus, options);
}

/** `DELETE I/{id}`: discards the upload. */
export async function discardImport(db: string, schema: string, id: string, options: CallOptions = {}): Promise<void> {
  await sendJson('DELETE', `${importsPath(db, schema)}/${seg(id)}`, undefined, () => undefined, options);
}

/** What {@link watchImport} reports. */
export interface WatchHandlers {
  onprogress: (progress: ImportProgress) => void;
  ondone: (status: ImportStatus) => void;
  onfailed: (status: ImportStatus) => void;
  /** Neither the event stream nor polling could say how the import went. */
  onerror: (error: ApiError) => void;
}

/** The part of `EventSource` {@link watchImport} uses. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

/** What {@link watchImport} needs from the browser; tests pass stubs. */
export interface WatchDeps {
  openEvents: (url: string) => EventSourceLike;
  poll: (db: string, schema: string, id: string) => Promise<ImportStatus>;
  /** Milliseconds between polls once the event stream is lost. */
  interval: number;
}

const browserDeps: WatchDeps = {
  openEvents: (url) => new EventSource(url) as unknown as EventSourceLike,
  poll: (db, schema, id) => getImport(db, schema, id),
  interval: 1000,
};

/**
 * Follows an import through `GET I/{id}/events` until it is done or failed.
 * If the stream breaks (a proxy that buffers, a dropped connection) it polls
 * `GET I/{id}` instead. Returns a function that stops watching.
 */
export function watchImport(
  db: string,
  schema: string,
  id: string,
  handlers: WatchHandlers,
  deps: WatchDeps = browserDeps,
): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const source = deps.openEvents(`${importsPath(db, schema)}/${seg(id)}/events`);

  const stop = () => {
    stopped = true;
    source.close();
    clearTimeout(timer);
  };

  const finish = (status: ImportStatus) => {
    stop();
    if (status.state === 'failed') {
      handlers.onfailed(status);
      return;
    }
    // The import is this tab's own action: Ctrl+Z in the grid can undo it.
    if (status.action !== null) announceAction({ id: status.action, path: importsPath(db, schema) });
    handlers.ondone(status);
  };

  const guarded = (type: string) => (event: MessageEvent<string>) => {
    if (stopped) return;
    try {
      const parsed = parseImportEvent(type, event.data);
      if (parsed.kind === 'progress') handlers.onprogress(parsed.progress);
      else finish(parsed.status);
    } catch (err) {
      stop();
      handlers.onerror(asApiError(err, 'The import sent an event this page does not understand'));
    }
  };
  source.addEventListener('progress', guarded('progress'));
  source.addEventListener('done', guarded('done'));
  source.addEventListener('failed', guarded('failed'));

  let failures = 0;
  const poll = async () => {
    if (stopped) return;
    try {
      const status = await deps.poll(db, schema, id);
      if (stopped) return;
      failures = 0;
      if (status.state === 'done' || status.state === 'failed') {
        finish(status);
        return;
      }
      handlers.onprogress({ rowsDone: status.rowsDone, rowsTotal: status.rowsTotal });
    } catch (err) {
      if (stopped) return;
      // A few missed polls are tolerated: the server may be busy loading.
      if (++failures >= 5) {
        stop();
        handlers.onerror(asApiError(err, 'Lost contact with the import'));
        return;
      }
    }
    timer = setTimeout(() => void poll(), deps.interval);
  };
  source.addEventListener('error', () => {
    if (stopped) return;
    source.close();
    clearTimeout(timer);
    void poll();
  });

  return stop;
}

function asApiError(err: unknown, title: string): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError({ kind: 'invalid', status: 0, title, detail: err instanceof Error ? err.message : String(err) });
}

/** Sends an upload with `XMLHttpRequest`, reporting upload progress. */
const xhrTransport: UploadTransport = (request) =>
  new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(request.method, request.url);
    for (const [name, value] of Object.entries(request.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) request.onProgress?.(event.loaded, event.total);
    });
    xhr.addEventListener('load', () => {
      const status = xhr.status;
      resolve(
        new Response(status === 204 ? null : xhr.responseText, {
          status,
          statusText: xhr.statusText,
          headers: { 'content-type': xhr.getResponseHeader('content-type') ?? '' },
        }),
      );
    });
    xhr.addEventListener('error', () => reject(new Error('the connection failed')));
    xhr.addEventListener('timeout', () => reject(new Error('the upload timed out')));
    xhr.addEventListener('abort', () => reject(new DOMException('The upload was cancelled', 'AbortError')));
    if (request.signal) {
      if (request.signal.aborted) {
        reject(new DOMException('The upload was cancelled', 'AbortError'));
        return;
      }
      request.signal.addEventListener('abort', () => xhr.abort(), { once: true });
    }
    xhr.send(request.body);
  });

// ---------------------------------------------------------------------------
// Parsers

const STATES: readonly ImportState[] = ['previewed', 'running', 'done', 'failed'];
const DATE_ORDERS: readonly DateOrder[] = ['dmy', 'mdy', 'ymd'];

/** Reads an `ImportPreview` body. */
export function parsePreview(body: unknown): ImportPreview {
  const p = record(body, 'the preview');
  return {
    id: string(p, 'id'),
    fileName: string(p, 'file_name'),
    format: string(p, 'format'),
    encoding: optionalString(p, 'encoding'),
    delimiter: optionalString(p, 'delimiter'),
    header: p.header === true,
    sheet: optionalString(p, 'sheet'),
    sheets: p.sheets === undefined || p.sheets === null ? [] : strings(p.sheets, 'sheets'),
    dateOrder: oneOf(p.date_order ?? null, DATE_ORDERS, 'date_order', true),
    rows: number(p, 'rows'),
    suggestedTable: optionalString(p, 'suggested_table') ?? '',
    columns: array(p.columns, 'columns').map((c, i) => {
      const column = record(c, `columns[${i}]`);
      return {
        name: string(column, 'name'),
        source: optionalString(column, 'source'),
        type: string(column, 'type'),
        skip: column.skip === true,
      };
    }),
    preview: array(p.preview, 'preview').map((row, i) =>
      array(row, `preview[${i}]`).map((cell) => {
        if (cell === null || typeof cell === 'string') return cell;
        if (typeof cell === 'number' || typeof cell === 'boolean') return String(cell);
        throw new ShapeError(`"preview[${i}]" holds a cell that is not text`);
      }),
    ),
    warnings: p.warnings === undefined ? [] : strings(p.warnings, 'warnings'),
    state: oneOf(p.state, STATES, 'state', false),
  };
}

/** Reads an `ImportStatus` body. */
export function parseStatus(body: unknown): ImportStatus {
  const s = record(body, 'the status');
  return {
    id: string(s, 'id'),
    state: oneOf(s.state, STATES, 'state', false),
    rowsDone: number(s, 'rows_done'),
    rowsTotal: number(s, 'rows_total'),
    table: optionalString(s, 'table'),
    warnings: s.warnings === undefined || s.warnings === null ? [] : strings(s.warnings, 'warnings'),
    error: s.error === null || s.error === undefined ? null : parseProblem(s.error),
    action: typeof s.action === 'number' && Number.isSafeInteger(s.action) ? s.action : null,
  };
}

/** Reads a problem document (or an `ApiError`'s) into where-and-why. */
export function parseProblem(value: unknown): ImportProblem {
  const p = record(value, 'the error');
  const line = p.line;
  const column = p.column;
  return {
    title: typeof p.title === 'string' && p.title ? p.title : 'The import failed',
    detail: typeof p.detail === 'string' ? p.detail : null,
    line: typeof line === 'number' && Number.isFinite(line) ? line : null,
    column: typeof column === 'string' ? column : typeof column === 'number' ? String(column) : null,
    conflicts: typeof p.type === 'string' && p.type.endsWith('entity-conflict') ? entityConflicts(p.conflicts) : [],
  };
}

/** Reads the `conflicts` of an `entity-conflict` problem, leaving out entries it cannot read. */
function entityConflicts(value: unknown): EntityConflict[] {
  if (!Array.isArray(value)) return [];
  const text = (v: unknown) => (v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v));
  return value.flatMap((c: unknown) => {
    if (!isRecord(c) || typeof c.table !== 'string' || typeof c.column !== 'string') return [];
    return [
      {
        table: c.table,
        key: isRecord(c.key) ? c.key : {},
        column: c.column,
        existing: text(c.existing),
        written: text(c.written),
        rows: typeof c.rows === 'number' ? c.rows : 1,
      },
    ];
  });
}

/** An `ApiError` as an import problem, keeping its `line` and `column` extensions. */
export function problemOf(error: ApiError): ImportProblem {
  return parseProblem({ ...error.problem, title: error.title, detail: error.detail ?? null, type: error.type });
}

/** One sentence for a problem: `Line 12, column "qty": invalid input syntax ...`. */
export function describeProblem(problem: ImportProblem): string {
  const where = [
    problem.line !== null ? `Line ${problem.line.toLocaleString('en-US')}` : null,
    problem.column !== null ? `column “${problem.column}”` : null,
  ]
    .filter((part): part is string => part !== null)
    .join(', ');
  const what = problem.detail ?? problem.title;
  return where ? `${where}: ${what}` : what;
}

/** A parsed server-sent event. */
export type ImportEvent =
  | { kind: 'progress'; progress: ImportProgress }
  | { kind: 'done' | 'failed'; status: ImportStatus };

/** Reads an event of `GET I/{id}/events` from its type and `data` text. */
export function parseImportEvent(type: string, data: string): ImportEvent {
  let body: unknown;
  try {
    body = JSON.parse(data);
  } catch {
    throw new ShapeError(`the "${type}" event's data is not JSON`);
  }
  switch (type) {
    case 'progress': {
      const p = record(body, 'the progress event');
      return { kind: 'progress', progress: { rowsDone: number(p, 'rows_done'), rowsTotal: number(p, 'rows_total') } };
    }
    case 'done':
    case 'failed': {
      const status = parseStatus(body);
      return { kind: type, status: type === 'failed' && status.state !== 'failed' ? { ...status, state: 'failed' } : status };
    }
    default:
      throw new ShapeError(`unknown event "${type}"`);
  }
}

// ---------------------------------------------------------------------------
// Pure logic for the wizard

/** The key a source column has in an append's `mapping`: its header, else its name. */
export function mappingKey(column: ImportColumn): string {
  return column.source !== null && column.source !== '' ? column.source : column.name;
}

/** Folds a name for matching: case, spaces, punctuation and accents do not count. */
export function foldName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * The mapping an append starts with: every kept source column goes to the
 * target column of the same name (exactly, else folded), each target used at
 * most once; the rest go nowhere (`null`). Skipped columns are left out.
 */
export function defaultMapping(sources: ImportColumn[], targets: Column[]): Record<string, string | null> {
  const mapping: Record<string, string | null> = {};
  const used = new Set<string>();
  const kept = sources.filter((c) => !c.skip);
  for (const column of kept) {
    const exact = targets.find((t) => t.name === column.name && !used.has(t.name));
    if (exact) {
      mapping[mappingKey(column)] = exact.name;
      used.add(exact.name);
    }
  }
  for (const column of kept) {
    const key = mappingKey(column);
    if (mapping[key] !== undefined) continue;
    const folded = foldName(column.name);
    const loose = targets.find(
      (t) => !used.has(t.name) && folded !== '' && (foldName(t.name) === folded || foldName(t.name) === foldName(key)),
    );
    mapping[key] = loose ? loose.name : null;
    if (loose) used.add(loose.name);
  }
  return mapping;
}

/** The tables an append can go to, in one group per model: the current one first, then earlier ones, newest first. */
export interface AppendGroup {
  /** For people: `Current tables`, `Model v1 (earlier)`. */
  label: string;
  /** The PostgreSQL schema of the group's tables. */
  schema: string;
  /** The earlier model's name; `null` for the current tables. */
  model: string | null;
  tables: string[];
}

/**
 * The append targets of an import into `schema`: its own tables (not views),
 * then each earlier model's tables (views the server writes through to the
 * current tables, set-based), so a file can be imported in the format of
 * any model. Models without tables are left out.
 */
export function appendGroups(
  schema: string,
  tables: readonly { name: string; kind: string }[],
  earlier: readonly { name: string; pgSchema: string; id: number; tables: readonly string[] }[],
): AppendGroup[] {
  const current: AppendGroup = { label: 'Current tables', schema, model: null, tables: tables.filter((t) => t.kind !== 'view').map((t) => t.name) };
  const models = [...earlier]
    .sort((a, b) => b.id - a.id)
    .filter((m) => m.tables.length > 0)
    .map((m) => ({ label: `Model ${m.name} (earlier, ${m.pgSchema})`, schema: m.pgSchema, model: m.name, tables: [...m.tables] }));
  return [current, ...models];
}

/** Target columns chosen by more than one source column, which the server would refuse. */
export function duplicateTargets(mapping: Record<string, string | null>): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const target of Object.values(mapping)) {
    if (target === null) continue;
    if (seen.has(target)) twice.add(target);
    seen.add(target);
  }
  return [...twice];
}

/** Column names given twice (after trimming; PostgreSQL names are case-sensitive). */
export function duplicateNames(columns: ImportColumn[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const column of columns) {
    if (column.skip) continue;
    const name = column.name.trim();
    if (seen.has(name)) twice.add(name);
    seen.add(name);
  }
  return [...twice];
}

/** A percentage 0..100 for a progress bar; `null` when the total is unknown. */
export function percent(done: number, total: number): number | null {
  if (!(total > 0)) return null;
  return Math.min(100, Math.max(0, Math.round((done / total) * 100)));
}

/** A byte count for people: `512 B`, `1.5 MB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** A delimiter for people: tab, comma, ... */
export function delimiterLabel(delimiter: string): string {
  const names: Record<string, string> = { '\t': 'Tab', ',': 'Comma (,)', ';': 'Semicolon (;)', '|': 'Pipe (|)', ' ': 'Space' };
  return names[delimiter] ?? `“${delimiter}”`;
}

// ---------------------------------------------------------------------------
// Shape helpers

function number(value: Record<string, unknown>, key: string): number {
  const field = value[key];
  if (typeof field === 'number' && Number.isFinite(field)) return field;
  if (typeof field === 'string' && /^\d+$/.test(field)) return Number(field);
  throw new ShapeError(`"${key}" is not a number`);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], key: string, nullable: true): T | null;
function oneOf<T extends string>(value: unknown, allowed: readonly T[], key: string, nullable: false): T;
function oneOf<T extends string>(value: unknown, allowed: readonly T[], key: string, nullable: boolean): T | null {
  if (value === null && nullable) return null;
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new ShapeError(`"${key}" is ${JSON.stringify(value)}, expected one of ${allowed.join(', ')}`);
  return found;
}
