/**
 * The Models endpoints: a schema's models (named versions of its tables),
 * one model's tables and links for the diagram, and steps that make the next
 * model (extract, move, merge back, split columns or rows, rename, retype,
 * add or drop a column), each previewed before it is applied.
 *
 * The newest model of a schema is its tables; every earlier one is a set of
 * views in a PostgreSQL schema of its own (`pgSchema`, e.g. `public_v1`) that
 * the rows API reads and writes like any table.
 *
 * ```ts
 * const change: Change = { op: 'extract', table: 'orders', columns: ['City', 'Country'], into: 'places', key: [] };
 * const preview = await previewChange('main', 'public', change); // conflicts, rows, what is created
 * if (preview.conflicts.length === 0) await applyChange('main', 'public', change); // announces its action
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
  sendJson,
  ShapeError,
  string,
  strings,
} from './api';

/** One model of a schema (`ModelInfo`). */
export interface ModelInfo {
  /** Its number in the schema: 1 for the first. */
  id: number;
  /** `v1`, `v2`, ... */
  name: string;
  /** When it was made (ISO 8601); `null` for a schema's first model before any step. */
  createdAt: string | null;
  /** How many steps led to it from the first model. */
  steps: number;
  /** The PostgreSQL schema holding its tables (the schema itself for the current model). */
  pgSchema: string;
  /** Whether it is the newest model, the physical tables. */
  current: boolean;
  /** The kind of step that made it (`extract`, `rename_table`, ...); `null` for the first. */
  op: string | null;
  /** What that step did, for people. */
  summary: string;
  /** The action that made it, when recorded. */
  action: number | null;
}

/** A column of a model's table, and the physical table and column it reads. */
export interface ModelColumn {
  name: string;
  type: string;
  /** The physical table (`schema.table`). */
  table: string;
  column: string;
}

/** A link between two tables of a model: `column` references the model's table `table`. */
export interface ModelLink {
  column: string;
  table: string;
}

/** A table of a model. */
export interface ModelTable {
  name: string;
  pgSchema: string;
  /** Its key column; `null` when it has none. */
  key: string | null;
  columns: ModelColumn[];
  links: ModelLink[];
}

/** A model with its tables (`ModelDetail`). */
export interface ModelDetail {
  model: ModelInfo;
  tables: ModelTable[];
}

/** A step as the user asks for it (`Change`, tagged by `op`). */
export type Change =
  | { op: 'extract'; table: string; columns: string[]; into: string; key: string[] }
  | { op: 'move'; table: string; columns: string[]; link: string }
  | { op: 'split_columns'; table: string; columns: string[]; into: string }
  | { op: 'merge'; table: string; link: string }
  | { op: 'split_rows'; table: string; into: string; condition: string }
  | { op: 'rename_table'; table: string; to: string }
  | { op: 'rename_column'; table: string; column: string; to: string }
  | { op: 'retype'; table: string; column: string; type_name: string; using?: string; lossy: boolean }
  | { op: 'add_column'; table: string; column: string; type_name: string }
  | { op: 'drop_column'; table: string; column: string };

/** The kinds of step. */
export type ChangeOp = Change['op'];

/** Why a step would be refused (`Conflict`, tagged by `kind`). */
export type Conflict =
  | {
      kind: 'dependency';
      /** The key's values, by column. */
      key: Record<string, unknown>;
      /** The column the rows with that key disagree on. */
      column: string;
      /** Some of the values, as text. */
      values: (string | null)[];
      /** How many rows share the key. */
      rows: number;
      /** What to do about it, from the server (a clause, such as "make them agree first"); older servers send none. */
      advice?: string;
    }
  | { kind: 'value'; column: string; value: string | null; rows: number; reason: string }
  | { kind: 'refused'; reason: string };

/** What a step will do (`Preview`). */
export interface Preview {
  summary: string;
  creates: string[];
  removes: string[];
  /** Rows it writes. */
  rows: number;
  /** Empty when it can be made. */
  conflicts: Conflict[];
}

/** A step made (`Applied`). */
export interface Applied {
  preview: Preview;
  /** The model it made. */
  model: ModelInfo;
}

const base = '/api/v1/databases';
const seg = encodeURIComponent;
const modelsPath = (db: string, schema: string) => `${base}/${seg(db)}/schemas/${seg(schema)}/models`;

/** `GET .../schemas/{schema}/models`: oldest first. */
export function listModels(db: string, schema: string, options: CallOptions = {}): Promise<ModelInfo[]> {
  return getJson(modelsPath(db, schema), (body) => array(body).map(parseModelInfo), options);
}

/** `GET .../schemas/{schema}/models/{id}`. */
export function getModel(db: string, schema: string, id: number, options: CallOptions = {}): Promise<ModelDetail> {
  return getJson(`${modelsPath(db, schema)}/${id}`, parseModelDetail, options);
}

/** `POST .../models/preview`: what `change` would do, changing nothing. */
export function previewChange(db: string, schema: string, change: Change, options: CallOptions = {}): Promise<Preview> {
  return sendJson('POST', `${modelsPath(db, schema)}/preview`, change, parsePreview, options);
}

/**
 * `POST .../models`: makes `change` a step. Its action is announced like every
 * write's, so Ctrl+Z and the History undo it. A refusal is a 409
 * `model-conflict` whose preview {@link refusedPreview} reads.
 */
export function applyChange(db: string, schema: string, change: Change, options: CallOptions = {}): Promise<Applied> {
  return sendJson(
    'POST',
    modelsPath(db, schema),
    change,
    (body) => {
      const applied = record(body);
      return { preview: parsePreview(applied.preview), model: parseModelInfo(applied.model) };
    },
    options,
  );
}

/** The preview a refused step (409 `model-conflict`) carries, or `null` for any other error. */
export function refusedPreview(error: unknown): Preview | null {
  if (!(error instanceof ApiError) || error.status !== 409 || !error.type.endsWith('model-conflict')) return null;
  try {
    return parsePreview(error.problem.preview);
  } catch {
    return null;
  }
}

/** Reads a `ModelInfo`. */
export function parseModelInfo(value: unknown): ModelInfo {
  const m = record(value, 'a model');
  const id = m.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw new ShapeError('"id" of a model is not a number');
  const op = m.op;
  const action = m.action;
  return {
    id,
    name: string(m, 'name'),
    createdAt: optionalString(m, 'created_at'),
    steps: count(m, 'steps') ?? id - 1,
    pgSchema: string(m, 'pg_schema'),
    current: m.current === true,
    op: isRecord(op) && typeof op.op === 'string' ? op.op : null,
    summary: optionalString(m, 'summary') ?? '',
    action: typeof action === 'number' && Number.isSafeInteger(action) ? action : null,
  };
}

/** Reads a `ModelDetail`. */
export function parseModelDetail(body: unknown): ModelDetail {
  const detail = record(body);
  return {
    model: parseModelInfo(detail.model),
    tables: array(detail.tables, 'tables').map((t) => {
      const table = record(t, 'a table');
      return {
        name: string(table, 'name'),
        pgSchema: string(table, 'pg_schema'),
        key: optionalString(table, 'key'),
        columns: array(table.columns, 'columns').map((c) => {
          const column = record(c, 'a column');
          return {
            name: string(column, 'name'),
            type: string(column, 'type_name'),
            table: string(column, 'table'),
            column: string(column, 'column'),
          };
        }),
        links: (table.links === undefined ? [] : array(table.links, 'links')).map((l) => {
          const link = record(l, 'a link');
          return { column: string(link, 'column'), table: string(link, 'table') };
        }),
      };
    }),
  };
}

/** Reads a `Preview`. */
export function parsePreview(body: unknown): Preview {
  const preview = record(body, 'the preview');
  return {
    summary: optionalString(preview, 'summary') ?? '',
    creates: preview.creates === undefined ? [] : strings(preview.creates, 'creates'),
    removes: preview.removes === undefined ? [] : strings(preview.removes, 'removes'),
    rows: count(preview, 'rows') ?? 0,
    conflicts: (preview.conflicts === undefined ? [] : array(preview.conflicts, 'conflicts')).map(parseConflict),
  };
}

/** Reads a `Conflict`; a kind this app does not know is shown as a refusal with its JSON. */
export function parseConflict(value: unknown): Conflict {
  const c = record(value, 'a conflict');
  const rows = count(c, 'rows') ?? 0;
  switch (c.kind) {
    case 'dependency': {
      const advice = optionalString(c, 'advice');
      return {
        kind: 'dependency',
        key: isRecord(c.key) ? c.key : {},
        column: string(c, 'column'),
        values: (c.values === undefined ? [] : array(c.values, 'values')).map(valueText),
        rows,
        ...(advice !== null ? { advice } : {}),
      };
    }
    case 'value':
      return { kind: 'value', column: string(c, 'column'), value: valueText(c.value), rows, reason: optionalString(c, 'reason') ?? '' };
    case 'refused':
      return { kind: 'refused', reason: string(c, 'reason') };
    default:
      return { kind: 'refused', reason: typeof c.reason === 'string' ? c.reason : JSON.stringify(c) };
  }
}

/** A value the server sent as text (or, leniently, as a number or boolean). */
function valueText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new ShapeError('a value is not text');
}
