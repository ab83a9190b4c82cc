/**
 * One record: `GET T/rows/{key}` with its links and the rows that reference it,
 * plus what the record page needs to link onwards (a table's foreign keys).
 *
 * A record's key in URLs is its primary key as text; a composite key joins its
 * values with `,`, double-quoting a value that holds `,` or `"`:
 *
 * ```ts
 * encodeKey(['7']);            // '7'
 * encodeKey(['a,b', 'say "hi"']); // '"a,b","say ""hi"""'
 * ```
 */
import { array, type CallOptions, getJson, record, string, strings } from './api';

/** Rows of another table whose foreign key points at this record. */
export interface ReferencingRows {
  schema: string;
  table: string;
  constraint: string;
  /** The referencing columns. */
  columns: string[];
  /** The referencing table's primary key, to link to each row's record. */
  primaryKey: string[];
  /** The first referencing rows (at most 50). */
  rows: Record<string, unknown>[];
  total: number;
}

/** `GET T/rows/{key}`. */
export interface RecordDetail {
  row: Record<string, unknown>;
  version: string;
  /** Per single-column foreign key: the referenced row's summary. */
  links: Record<string, string | null>;
  referencedBy: ReferencingRows[];
}

/** A foreign key of a table. */
export interface ForeignKey {
  name: string;
  columns: string[];
  referencedSchema: string;
  referencedTable: string;
  referencedColumns: string[];
}

/** The parts of a table's detail the record page uses. */
export interface RecordTable {
  schema: string;
  name: string;
  columns: { name: string; type: string }[];
  primaryKey: string[];
  foreignKeys: ForeignKey[];
}

const base = '/api/v1/databases';
const seg = encodeURIComponent;

function tablePath(db: string, schema: string, table: string): string {
  return `${base}/${seg(db)}/schemas/${seg(schema)}/tables/${seg(table)}`;
}

/** `GET T/rows/{key}`. */
export function getRecord(
  db: string,
  schema: string,
  table: string,
  key: string,
  options: CallOptions = {},
): Promise<RecordDetail> {
  return getJson(`${tablePath(db, schema, table)}/rows/${seg(key)}`, parseRecord, options);
}

/** `GET T`, keeping the foreign keys. */
export function getRecordTable(db: string, schema: string, table: string, options: CallOptions = {}): Promise<RecordTable> {
  return getJson(tablePath(db, schema, table), parseRecordTable, options);
}

/** Reads a `GET T/rows/{key}` body. */
export function parseRecord(body: unknown): RecordDetail {
  const r = record(body, 'the record');
  const links: Record<string, string | null> = {};
  if (r.links !== undefined && r.links !== null) {
    for (const [column, summary] of Object.entries(record(r.links, '"links"'))) {
      links[column] = summary === null ? null : typeof summary === 'string' ? summary : JSON.stringify(summary);
    }
  }
  const version = r.version;
  return {
    row: record(r.row, '"row"'),
    version: typeof version === 'string' ? version : typeof version === 'number' ? String(version) : '',
    links,
    referencedBy: (r.referenced_by === undefined ? [] : array(r.referenced_by, 'referenced_by')).map((g, i) => {
      const group = record(g, `"referenced_by[${i}]"`);
      const total = group.total;
      const rows = array(group.rows, 'rows').map((row) => record(row, 'a referencing row'));
      return {
        schema: string(group, 'schema'),
        table: string(group, 'table'),
        constraint: string(group, 'constraint'),
        columns: strings(group.columns, 'columns'),
        primaryKey: strings(group.primary_key, 'primary_key'),
        rows,
        total: typeof total === 'number' ? total : typeof total === 'string' && /^\d+$/.test(total) ? Number(total) : rows.length,
      };
    }),
  };
}

/** Reads the parts of a `GET T` body the record page uses. */
export function parseRecordTable(body: unknown): RecordTable {
  const t = record(body, 'the table');
  return {
    schema: string(t, 'schema'),
    name: string(t, 'name'),
    columns: array(t.columns, 'columns').map((c) => {
      const column = record(c, 'a column');
      return { name: string(column, 'name'), type: string(column, 'type') };
    }),
    primaryKey: strings(t.primary_key, 'primary_key'),
    foreignKeys: (t.foreign_keys === undefined ? [] : array(t.foreign_keys, 'foreign_keys')).map((f) => {
      const fk = record(f, 'a foreign key');
      return {
        name: string(fk, 'name'),
        columns: strings(fk.columns, 'columns'),
        referencedSchema: string(fk, 'referenced_schema'),
        referencedTable: string(fk, 'referenced_table'),
        referencedColumns: strings(fk.referenced_columns, 'referenced_columns'),
      };
    }),
  };
}

/** A row value as PostgreSQL text, for a key: what its input function reads back. */
export function keyText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** Joins key values into the `{key}` of `GET T/rows/{key}`. */
export function encodeKey(values: string[]): string {
  return values.map((v) => (/[,"]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)).join(',');
}

/** Splits a `{key}` back into its values; the inverse of {@link encodeKey}. */
export function decodeKey(key: string): string[] {
  const values: string[] = [];
  let i = 0;
  for (;;) {
    let value = '';
    if (key[i] === '"') {
      i += 1;
      for (;;) {
        if (i >= key.length) break;
        if (key[i] === '"') {
          if (key[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        value += key[i];
        i += 1;
      }
      while (i < key.length && key[i] !== ',') value += key[i++];
    } else {
      while (i < key.length && key[i] !== ',') value += key[i++];
    }
    values.push(value);
    if (i >= key.length) return values;
    i += 1; // the comma
  }
}

/** The `{key}` of a row, or `null` when the table has no key or a key value is missing. */
export function rowKey(row: Record<string, unknown>, primaryKey: string[]): string | null {
  if (primaryKey.length === 0) return null;
  const values = primaryKey.map((column) => keyText(row[column]));
  if (values.some((v) => v === null)) return null;
  return encodeKey(values as string[]);
}

/** Where a link field points: the referenced record, when its key is known. */
export interface LinkTarget {
  schema: string;
  table: string;
  key: string;
}

/**
 * The record a foreign key of `row` points at. `referencedKey` is the
 * referenced table's primary key; the link works when the foreign key covers
 * it (the usual case: a foreign key to the primary key).
 */
export function linkTarget(row: Record<string, unknown>, fk: ForeignKey, referencedKey: string[]): LinkTarget | null {
  if (referencedKey.length === 0) return null;
  const values: string[] = [];
  for (const keyColumn of referencedKey) {
    const index = fk.referencedColumns.indexOf(keyColumn);
    if (index < 0) return null;
    const column = fk.columns[index];
    const text = column === undefined ? null : keyText(row[column]);
    if (text === null) return null;
    values.push(text);
  }
  return { schema: fk.referencedSchema, table: fk.referencedTable, key: encodeKey(values) };
}

/** Every column named in `rows`, in first-seen order. */
export function rowColumns(rows: Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

/** A value for display: `null` stays `null` (shown as NULL), objects as JSON. */
export function showValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
