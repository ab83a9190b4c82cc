/**
 * One record: `GET T/rows/{key}` with its links and the rows that reference it,
 * and the record keys every link to a record page uses.
 *
 * A record's key in URLs is its primary key as text. A single-column key is
 * its value as it stands; a composite key joins its values with `,`,
 * double-quoting a value that holds `,` or `"` (with `""` for a quote).
 * {@link encodeKey} is the app's one encoder of it:
 *
 * ```ts
 * encodeKey(['a,b']);             // 'a,b' (one value: as is)
 * encodeKey(['a,b', 'say "hi"']); // '"a,b","say ""hi"""'
 * ```
 */
import { array, type CallOptions, getJson, record, string, strings } from './api';
import { type ForeignKey, type Links, parseLinks, type Row, tablePath } from './catalog';
import { displayText } from './grid/values';

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
  rows: Row[];
  total: number;
}

/** `GET T/rows/{key}`. */
export interface RecordDetail {
  row: Row;
  version: string;
  /** Per single-column foreign key: the referenced row's summary. */
  links: Links;
  referencedBy: ReferencingRows[];
}

/** `GET T/rows/{key}`. */
export function getRecord(
  db: string,
  schema: string,
  table: string,
  key: string,
  options: CallOptions = {},
): Promise<RecordDetail> {
  return getJson(`${tablePath(db, schema, table)}/rows/${encodeURIComponent(key)}`, parseRecord, options);
}

/** Reads a `GET T/rows/{key}` body. */
export function parseRecord(body: unknown): RecordDetail {
  const r = record(body, 'the record');
  const version = r.version;
  return {
    row: record(r.row, '"row"'),
    version: typeof version === 'string' ? version : typeof version === 'number' ? String(version) : '',
    links: r.links === undefined || r.links === null ? {} : parseLinks(r.links),
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

/**
 * Joins key values into the `{key}` of `GET T/rows/{key}`: one value as it
 * stands (the server reads a single-column key verbatim), several joined by
 * `,`, each value that holds `,` or `"` double-quoted.
 */
export function encodeKey(values: readonly string[]): string {
  if (values.length === 1) return values[0] ?? '';
  return values.map((v) => (/[,"]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)).join(',');
}

/** The `{key}` of a row, or `null` when the table has no key or a key value is missing. */
export function rowKey(row: Row, primaryKey: readonly string[]): string | null {
  if (primaryKey.length === 0) return null;
  const values = primaryKey.map((column) => displayText(row[column]));
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
export function linkTarget(row: Row, fk: ForeignKey, referencedKey: readonly string[]): LinkTarget | null {
  if (referencedKey.length === 0) return null;
  const values: string[] = [];
  for (const keyColumn of referencedKey) {
    const index = fk.referencedColumns.indexOf(keyColumn);
    if (index < 0) return null;
    const column = fk.columns[index];
    const text = column === undefined ? null : displayText(row[column]);
    if (text === null) return null;
    values.push(text);
  }
  return { schema: fk.referencedSchema, table: fk.referencedTable, key: encodeKey(values) };
}

/** Every column named in `rows`, in first-seen order. */
export function rowColumns(rows: Row[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}
