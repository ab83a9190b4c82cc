/**
 * Creating, renaming and deleting schemas and tables.
 *
 * Each call is one transaction on the server. Deletes that would break other
 * tables are refused with a 409 that lists them; {@link blockers} reads that
 * list so the UI can say what is in the way and offer a cascade.
 *
 * ```ts
 * await createSchema('main', 'sales');
 * const table = await createTable('main', 'sales', 'orders', [{ name: 'total', type: 'numeric' }]);
 * await renameTable('main', 'sales', 'orders', 'orders_2024');
 * ```
 */
import { ApiError, type CallOptions, isRecord, sendJson, ShapeError } from './api';

/** A column of a new table. */
export interface NewColumn {
  name: string;
  type: string;
  nullable?: boolean;
}

/** What a table write answers (the `TableDetail`, reduced to what the sidebar needs). */
export interface TableRef {
  schema: string;
  name: string;
}

/** Types offered when adding a column; PostgreSQL accepts any type name it knows. */
export const COMMON_TYPES: readonly string[] = [
  'text',
  'integer',
  'bigint',
  'numeric',
  'boolean',
  'date',
  'timestamptz',
  'timestamp',
  'time',
  'jsonb',
  'uuid',
];

const base = '/api/v1/databases';
const seg = encodeURIComponent;

const schemaPath = (db: string, schema: string) => `${base}/${seg(db)}/schemas/${seg(schema)}`;
const tablePath = (db: string, schema: string, table: string) => `${schemaPath(db, schema)}/tables/${seg(table)}`;

/** `POST /databases/{db}/schemas`: answers the created schema's name. */
export function createSchema(db: string, name: string, options: CallOptions = {}): Promise<string> {
  return sendJson('POST', `${base}/${seg(db)}/schemas`, { name }, parseName, options);
}

/** `PATCH /databases/{db}/schemas/{schema}`. */
export function renameSchema(db: string, schema: string, name: string, options: CallOptions = {}): Promise<string> {
  return sendJson('PATCH', schemaPath(db, schema), { name }, parseName, options);
}

/** `DELETE /databases/{db}/schemas/{schema}`; without `cascade` a schema with tables is refused. */
export async function deleteSchema(db: string, schema: string, cascade = false, options: CallOptions = {}): Promise<void> {
  await sendJson('DELETE', `${schemaPath(db, schema)}${cascade ? '?cascade=true' : ''}`, undefined, () => undefined, options);
}

/** `POST .../schemas/{schema}/tables`: a table with an `id` key and `columns`. */
export function createTable(
  db: string,
  schema: string,
  name: string,
  columns: NewColumn[],
  options: CallOptions = {},
): Promise<TableRef> {
  return sendJson('POST', `${schemaPath(db, schema)}/tables`, { name, columns }, parseTableRef, options);
}

/** `PATCH T`: renames a table. */
export function renameTable(db: string, schema: string, table: string, name: string, options: CallOptions = {}): Promise<TableRef> {
  return sendJson('PATCH', tablePath(db, schema, table), { name }, parseTableRef, options);
}

/** `DELETE T`; without `cascade` a table other tables reference is refused. */
export async function deleteTable(
  db: string,
  schema: string,
  table: string,
  cascade = false,
  options: CallOptions = {},
): Promise<void> {
  await sendJson(
    'DELETE',
    `${tablePath(db, schema, table)}${cascade ? '?cascade=true' : ''}`,
    undefined,
    () => undefined,
    options,
  );
}

/** Reads `{"name"}`. */
export function parseName(body: unknown): string {
  if (!isRecord(body) || typeof body.name !== 'string') throw new ShapeError('"name" is not a string');
  return body.name;
}

/** Reads the schema and name of a `TableDetail`. */
export function parseTableRef(body: unknown): TableRef {
  if (!isRecord(body)) throw new ShapeError('the table is not a JSON object');
  const { schema, name } = body;
  if (typeof schema !== 'string') throw new ShapeError('"schema" is not a string');
  if (typeof name !== 'string') throw new ShapeError('"name" is not a string');
  return { schema, name };
}

/**
 * What stands in the way of a delete: a 409's `referenced_by` (tables that
 * reference a table) or `tables` (tables in a schema). Entries may be names or
 * `{schema, table}` objects; both become display names. `null` when the error
 * is something else.
 */
export function blockers(error: unknown): string[] | null {
  if (!(error instanceof ApiError) || error.status !== 409) return null;
  const list = error.problem.referenced_by ?? error.problem.tables;
  if (!Array.isArray(list)) return null;
  return list.flatMap((item: unknown) => {
    if (typeof item === 'string') return [item];
    if (isRecord(item)) {
      const table = item.table ?? item.name;
      if (typeof table !== 'string') return [];
      return [typeof item.schema === 'string' ? `${item.schema}.${table}` : table];
    }
    return [];
  });
}

/**
 * Checks a name typed for a new schema, table or column before it is sent:
 * PostgreSQL takes any name up to 63 bytes without NUL. Returns what is wrong,
 * or `null`.
 */
export function nameProblem(name: string): string | null {
  if (name.trim() === '') return 'Give it a name.';
  if (name.includes('\u0000')) return 'A name cannot contain a NUL character.';
  if (new TextEncoder().encode(name).length > 63) return 'That name is too long: PostgreSQL allows 63 bytes.';
  return null;
}

/** A short sentence for any error of these calls. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.kind === 'network') return 'Strata did not answer. Check that the server is running, then try again.';
    return error.detail ?? error.title;
  }
  return error instanceof Error ? error.message : String(error);
}
