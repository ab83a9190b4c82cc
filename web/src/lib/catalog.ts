/**
 * The catalog and rows endpoints: databases → schemas → tables → rows.
 *
 * Names travel percent-encoded in paths, so any PostgreSQL name works
 * (quotes, spaces, unicode). Parsers check only what the UI relies on.
 */
import { type CallOptions, getJson, isRecord, ShapeError } from './api';

/** A user database. */
export interface Database {
  name: string;
}

/** A table or view in a schema. */
export interface TableSummary {
  name: string;
  kind: string;
  /** From PostgreSQL's statistics; `null` when never analyzed. */
  estimatedRows: number | null;
}

/** A column of a table. */
export interface Column {
  name: string;
  /** The type as PostgreSQL's `format_type` spells it. */
  type: string;
  nullable: boolean;
}

/** A table's structure. */
export interface TableDetail {
  schema: string;
  name: string;
  columns: Column[];
  primaryKey: string[];
  estimatedRows: number | null;
}

/** One page of rows. */
export interface RowsPage {
  rows: Record<string, unknown>[];
  /** The cursor of the next page; `null` on the last page. */
  next: string | null;
  estimatedTotal: number | null;
  exactTotal: number | null;
}

/** What a rows request asks for. */
export interface RowsQuery {
  /** PostgREST order, e.g. `"Order Date".desc`. */
  order?: string | undefined;
  /** Case-insensitive search across text columns. */
  q?: string | undefined;
  limit?: number;
  after?: string | null;
}

const base = '/api/v1/databases';
const seg = encodeURIComponent;

/** `GET /databases`. */
export function listDatabases(options: CallOptions = {}): Promise<Database[]> {
  return getJson(base, (body) => array(body).map((d) => ({ name: string(d, 'name') })), options);
}

/** `GET /databases/{db}/schemas`. */
export function listSchemas(db: string, options: CallOptions = {}): Promise<string[]> {
  return getJson(`${base}/${seg(db)}/schemas`, (body) => array(body).map((s) => string(s, 'name')), options);
}

/** `GET /databases/{db}/schemas/{schema}/tables`. */
export function listTables(db: string, schema: string, options: CallOptions = {}): Promise<TableSummary[]> {
  return getJson(
    `${base}/${seg(db)}/schemas/${seg(schema)}/tables`,
    (body) =>
      array(body).map((t) => ({
        name: string(t, 'name'),
        kind: string(t, 'kind'),
        estimatedRows: count(record(t), 'estimated_rows'),
      })),
    options,
  );
}

/** `GET /databases/{db}/schemas/{schema}/tables/{table}`. */
export function getTable(db: string, schema: string, table: string, options: CallOptions = {}): Promise<TableDetail> {
  return getJson(
    tablePath(db, schema, table),
    (body) => {
      const detail = record(body);
      return {
        schema: string(detail, 'schema'),
        name: string(detail, 'name'),
        columns: array(detail.columns).map((c) => ({
          name: string(c, 'name'),
          type: string(c, 'type'),
          nullable: record(c).nullable === true,
        })),
        primaryKey: array(detail.primary_key).map((k) => {
          if (typeof k !== 'string') throw new ShapeError('"primary_key" holds a non-string');
          return k;
        }),
        estimatedRows: count(detail, 'estimated_rows'),
      };
    },
    options,
  );
}

/** `GET .../tables/{table}/rows`. */
export function getRows(
  db: string,
  schema: string,
  table: string,
  query: RowsQuery,
  options: CallOptions = {},
): Promise<RowsPage> {
  const params = new URLSearchParams();
  if (query.order) params.set('order', query.order);
  if (query.q) params.set('q', query.q);
  if (query.limit) params.set('limit', String(query.limit));
  if (query.after) params.set('after', query.after);
  const search = params.toString();
  return getJson(
    `${tablePath(db, schema, table)}/rows${search ? `?${search}` : ''}`,
    (body) => {
      const page = record(body);
      const next = page.next;
      if (next !== null && next !== undefined && typeof next !== 'string') {
        throw new ShapeError('"next" is neither a cursor nor null');
      }
      return {
        rows: array(page.rows).map(record),
        next: next ?? null,
        estimatedTotal: count(page, 'estimated_total'),
        exactTotal: count(page, 'exact_total'),
      };
    },
    options,
  );
}

/** A PostgREST order term for `column`: always quoted, inner quotes escaped. */
export function orderTerm(column: string, direction: 'asc' | 'desc'): string {
  return `"${column.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}".${direction}`;
}

function tablePath(db: string, schema: string, table: string): string {
  return `${base}/${seg(db)}/schemas/${seg(schema)}/tables/${seg(table)}`;
}

function array(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new ShapeError('expected a JSON array');
  return value;
}

function record(value: unknown): Record<string, unknown> {
  if (!isRecord(value)) throw new ShapeError('expected a JSON object');
  return value;
}

function string(value: unknown, key: string): string {
  const field = record(value)[key];
  if (typeof field !== 'string') throw new ShapeError(`"${key}" is not a string`);
  return field;
}

function count(value: Record<string, unknown>, key: string): number | null {
  const field = value[key];
  return typeof field === 'number' ? field : null;
}
