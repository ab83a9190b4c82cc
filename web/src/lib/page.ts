/**
 * Which page the URL opens. Tables and their sort/search are a {@link Route}
 * (`route.ts`); this module adds the pages around them, leaving `route.ts`
 * to the grid:
 *
 * - `/db/{db}/{schema}/{table}/row/{key}`: one record (`route.row`, read by `route.ts`);
 * - `/import?db=&schema=&id=`: the import wizard, with its upload's id once
 *   there is one, so a reload comes back to the same step;
 * - `/models?db=&schema=&model=`: a schema's model timeline, with the model
 *   whose diagram is shown.
 */
import { parseRoute, routeUrl, type Route } from './route';

/** A table, or one record of it (`row`). */
export type PageRoute = Route;

/** Where the import wizard is. */
export interface ImportPage {
  db?: string | undefined;
  schema?: string | undefined;
  /** The upload being previewed or committed. */
  id?: string | undefined;
}

/** Which schema's models the timeline shows. */
export interface ModelsPage {
  db: string;
  schema: string;
  /** The model whose diagram is open; the current one when absent. */
  model?: number | undefined;
}

/** What the URL shows. */
export type Page =
  | { kind: 'route'; route: PageRoute }
  | { kind: 'import'; import: ImportPage }
  | { kind: 'models'; models: ModelsPage };

/** Reads a page from a path and query string. */
export function parsePage(pathname: string, search: string): Page {
  const parts = pathname.split('/').filter((p) => p !== '');
  if (parts[0] === 'import' && parts.length === 1) {
    const params = new URLSearchParams(search);
    return {
      kind: 'import',
      import: {
        db: params.get('db') ?? undefined,
        schema: params.get('schema') ?? undefined,
        id: params.get('id') ?? undefined,
      },
    };
  }
  if (parts[0] === 'models' && parts.length === 1) {
    const params = new URLSearchParams(search);
    const db = params.get('db');
    const schema = params.get('schema');
    const model = Number(params.get('model') ?? '');
    if (db && schema) {
      return { kind: 'models', models: { db, schema, model: Number.isSafeInteger(model) && model > 0 ? model : undefined } };
    }
  }
  return { kind: 'route', route: parseRoute(pathname, search) };
}

/** The URL of a page. */
export function pageUrl(page: Page): string {
  if (page.kind === 'import') {
    const params = new URLSearchParams();
    if (page.import.db) params.set('db', page.import.db);
    if (page.import.schema) params.set('schema', page.import.schema);
    if (page.import.id) params.set('id', page.import.id);
    const query = params.toString();
    return `/import${query ? `?${query}` : ''}`;
  }
  if (page.kind === 'models') {
    const params = new URLSearchParams({ db: page.models.db, schema: page.models.schema });
    if (page.models.model !== undefined) params.set('model', String(page.models.model));
    return `/models?${params.toString()}`;
  }
  return routeUrl(page.route);
}
