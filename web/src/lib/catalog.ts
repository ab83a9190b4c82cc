/**
 * The catalog and rows endpoints: databases → schemas → tables → rows.
 *
 * Names travel percent-encoded in paths, so any PostgreSQL name works
 * (quotes, spaces, unicode). Parsers check only what the UI relies on.
 */
import { array, type CallOptions, count, getJson, optionalString, record, ShapeError, string, strings } from './api';
import { appendFilters, type Filter } from './filters';

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
  /** Its default expression, as PostgreSQL prints it; `null` when none. */
  default: string | null;
  /** An identity column (`GENERATED ... AS IDENTITY`), when the server says so. */
  identity: boolean;
  /** A generated column (`GENERATED ALWAYS AS (...) STORED`), when the server says so. */
  generated: boolean;
}

/** A foreign key from a table to another. */
export interface ForeignKey {
  name: string;
  columns: string[];
  referencedSchema: string;
  referencedTable: string;
  referencedColumns: string[];
  /**
   * The referenced column whose text is a linked row's summary (its first
   * text column, else its key), as the server picks it; `null` when none.
   */
  labelColumn: string | null;
}

/** A table's structure. */
export interface TableDetail {
  schema: string;
  name: string;
  columns: Column[];
  primaryKey: string[];
  foreignKeys: ForeignKey[];
  estimatedRows: number | null;
}

/** A row as the API sends it: values by column name. */
export type Row = Record<string, unknown>;

/** Per foreign key column, the referenced row's summary (`null` when the key is NULL or dangling). */
export type Links = Record<string, string | null>;

/** One page of rows. */
export interface RowsPage {
  rows: Row[];
  /** Each row's version (for conflict checks on writes); `null` when the server sent none. */
  versions: (string | null)[];
  /** Each row's foreign key summaries. */
  links: Links[];
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
  /** Column filters (PostgREST pairs). */
  filters?: readonly Filter[] | undefined;
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
  return getJson(tablePath(db, schema, table), parseTableDetail, options);
}

/** Reads a TableDetail body (also what the table and column DDL calls answer). */
export function parseTableDetail(body: unknown): TableDetail {
  const detail = record(body);
  return {
    schema: string(detail, 'schema'),
    name: string(detail, 'name'),
    columns: array(detail.columns).map((c) => {
      const column = record(c);
      return {
        name: string(column, 'name'),
        type: string(column, 'type'),
        nullable: column.nullable === true,
        default: typeof column.default === 'string' ? column.default : null,
        identity: flag(column.identity),
        generated: flag(column.generated),
      };
    }),
    primaryKey: strings(detail.primary_key, 'primary_key'),
    foreignKeys: (detail.foreign_keys === undefined ? [] : array(detail.foreign_keys)).map((k) => {
      const key = record(k);
      return {
        name: string(key, 'name'),
        columns: strings(key.columns, 'columns'),
        referencedSchema: string(key, 'referenced_schema'),
        referencedTable: string(key, 'referenced_table'),
        referencedColumns: strings(key.referenced_columns, 'referenced_columns'),
        labelColumn: optionalString(key, 'label_column'),
      };
    }),
    estimatedRows: count(detail, 'estimated_rows'),
  };
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
  if (query.filters) appendFilters(params, query.filters);
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
      const rows = array(page.rows, 'rows').map((row) => record(row, 'a row'));
      return {
        rows,
        ...parseVersionsAndLinks(page, rows.length),
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

/**
 * Reads the `versions` and `links` arrays that go with `rowCount` rows. Either may
 * be absent (a server before row writes): versions are then `null` (writes
 * overwrite) and links empty.
 */
export function parseVersionsAndLinks(body: Record<string, unknown>, rowCount: number): Pick<RowsPage, 'versions' | 'links'> {
  const versions =
    body.versions === undefined
      ? Array<string | null>(rowCount).fill(null)
      : array(body.versions).map((v) => {
          if (v !== null && typeof v !== 'string') throw new ShapeError('"versions" holds a non-string');
          return v;
        });
  const links = body.links === undefined ? Array.from({ length: rowCount }, () => ({})) : array(body.links).map(parseLinks);
  if (versions.length !== rowCount || links.length !== rowCount) {
    throw new ShapeError(`"versions" and "links" must have one entry per row (${rowCount})`);
  }
  return { versions, links };
}

/** Reads one row's `{column: summary | null}` links. */
export function parseLinks(value: unknown): Links {
  const links: Links = {};
  for (const [column, summary] of Object.entries(record(value))) {
    if (summary !== null && typeof summary !== 'string') throw new ShapeError(`the link of "${column}" is not text`);
    links[column] = summary;
  }
  return links;
}

/** The API path of a table. */
export function tablePath(db: string, schema: string, table: string): string {
  return `${base}/${seg(db)}/schemas/${seg(schema)}/tables/${seg(table)}`;
}

/** A flag the server may send as a boolean or as a kind (`"always"`, `"by default"`, `"stored"`). */
function flag(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value !== '');
}
