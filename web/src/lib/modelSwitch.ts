/**
 * Viewing and editing the grid in any model of a schema.
 *
 * An earlier model's tables are views in a PostgreSQL schema of their own
 * (`pgSchema`, e.g. `public_v1`), ordinary relations to the rows API, so
 * switching model is navigating the grid to `{db}/{pgSchema}/{table}`. The
 * grid only knows the schema in its URL: {@link findModelContext} works out
 * whose model that schema holds, and {@link switchTable} which table of the
 * other model shows the same rows.
 *
 * ```ts
 * const context = await findModelContext('main', 'public_v1'); // { schema: 'public', viewing: v1, models }
 * const table = switchTable('orders', v1Detail, v2Detail);  // 'orders'
 * modelRoute('main', v2, table);                             // { db: 'main', schema: 'public', table: 'orders' }
 * ```
 */
import { listSchemas } from './catalog';
import { listModels, type ModelDetail, type ModelInfo, type ModelTable } from './models';
import type { Route } from './route';

/** Whose model a schema in the URL holds. */
export interface ModelContext {
  /** The schema the models belong to (its current model's tables). */
  schema: string;
  /** Its models, oldest first. */
  models: ModelInfo[];
  /** The model shown: the one whose `pgSchema` is the URL's schema. */
  viewing: ModelInfo;
}

/** The calls {@link findModelContext} makes, so tests can stub them. */
export interface ContextCalls {
  listModels: (db: string, schema: string) => Promise<ModelInfo[]>;
  listSchemas: (db: string) => Promise<string[]>;
}

const serverCalls: ContextCalls = {
  listModels: (db, schema) => listModels(db, schema),
  listSchemas: (db) => listSchemas(db),
};

/**
 * The schemas whose earlier model `pgSchema` may hold, best first. Strata
 * names an earlier model's schema `{schema}_v{N}` (with `_2` when that name
 * was taken, and the schema part cut short to fit 63 bytes), so the stem
 * before `_vN` is the schema itself or the start of it.
 */
export function baseSchemaCandidates(pgSchema: string, schemas: readonly string[]): string[] {
  const stem = /^(.+)_v\d+(?:_\d+)?$/.exec(pgSchema)?.[1];
  if (stem === undefined) return [];
  return schemas
    .filter((s) => s !== pgSchema && s.startsWith(stem))
    .sort((a, b) => Number(b === stem) - Number(a === stem) || a.length - b.length || a.localeCompare(b));
}

/**
 * Whose model `schema` holds: the schema's own models when it has had steps
 * (it is then their current model), else those of the schema one of whose
 * earlier models lives in `schema`. A schema that never had a step is its
 * one model.
 */
export async function findModelContext(db: string, schema: string, calls: ContextCalls = serverCalls): Promise<ModelContext> {
  let own: ModelInfo[] | null = null;
  try {
    own = await calls.listModels(db, schema);
  } catch {
    // An earlier model's schema may have no models of its own to list: its owner says.
  }
  const current = own?.find((m) => m.current);
  if (own && own.length > 1 && current) return { schema, models: own, viewing: current };
  const candidates = baseSchemaCandidates(schema, await calls.listSchemas(db));
  for (const candidate of candidates) {
    const models = await calls.listModels(db, candidate);
    const viewing = models.find((m) => m.pgSchema === schema && !m.current);
    if (viewing) return { schema: candidate, models, viewing };
  }
  if (own && current) return { schema, models: own, viewing: current };
  throw new Error(`Could not tell which model the schema “${schema}” holds.`);
}

/** The physical table a model's table is anchored on: the one its key column reads. */
function anchorOf(table: ModelTable): string | null {
  if (table.key === null) return null;
  return table.columns.find((c) => c.name === table.key)?.table ?? null;
}

/**
 * The table of model `to` that shows the rows of `table` of model `from`: the
 * one anchored on the same physical table (a renamed table), else the one of
 * the same name, else one that reads columns of it (an extracted table is
 * read by the flat table it came from), else `to`'s first table; `null` when
 * `to` has no tables.
 */
export function switchTable(table: string, from: ModelDetail, to: ModelDetail): string | null {
  const source = from.tables.find((t) => t.name === table);
  const anchor = source ? anchorOf(source) : null;
  const found =
    (anchor !== null ? to.tables.find((t) => anchorOf(t) === anchor) : undefined) ??
    to.tables.find((t) => t.name === table) ??
    (anchor !== null ? to.tables.find((t) => t.columns.some((c) => c.table === anchor)) : undefined) ??
    to.tables[0];
  return found?.name ?? null;
}

/** Where the grid shows `table` of `model`. */
export function modelRoute(db: string, model: ModelInfo, table: string): Route {
  return { db, schema: model.pgSchema, table };
}

/** A model in a list or selector: `v2 (current)`, `v1 — earlier`. */
export function modelLabel(model: ModelInfo): string {
  return `${model.name}${model.current ? ' (current)' : ' — earlier'}${model.summary ? `: ${model.summary}` : ''}`;
}

/** What the grid says about the model it shows; `null` for the current model. */
export function modelNotice(model: ModelInfo): string | null {
  if (model.current) return null;
  return `Model ${model.name} — earlier model; edits go to the current tables.`;
}

/**
 * Why the grid of `context`'s model cannot rename, retype or delete columns:
 * an earlier model's tables are views, and a step changes only the current
 * model. `null` in the current model.
 */
export function fixedColumnsReason(context: ModelContext): string | null {
  if (context.viewing.current) return null;
  const current = context.models.find((m) => m.current);
  return `Model ${context.viewing.name} is an earlier model, whose columns cannot change: switch to the current model${
    current ? ` (${current.name})` : ''
  } to rename, retype or delete a column. Editing values works here.`;
}
