/**
 * Which page the URL opens. Tables and their sort/search are a {@link Route}
 * (`route.ts`); this module adds the pages around them, leaving `route.ts`
 * to the grid:
 *
 * - `/db/{db}/{schema}/{table}/row/{key}`: one record (`route.row`, read by `route.ts`);
 * - `/import?db=&schema=&id=`: the import wizard, with its upload's id once
 *   there is one, so a reload comes back to the same step.
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

/** What the URL shows. */
export type Page = { kind: 'route'; route: PageRoute } | { kind: 'import'; import: ImportPage };

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
  return routeUrl(page.route);
}
