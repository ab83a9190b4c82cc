/**
 * Which page the URL opens. Tables and their sort/search are a {@link Route}
 * (`route.ts`); this module adds the pages around them, leaving `route.ts`
 * to the grid:
 *
 * - `/db/{db}/{schema}/{table}/row/{key}`: one record (`route.record`);
 * - `/import?db=&schema=&id=`: the import wizard, with its upload's id once
 *   there is one, so a reload comes back to the same step.
 */
import { parseRoute, routeUrl, type Route } from './route';

/** A route that may also name one record of its table. */
export type PageRoute = Route & { record?: string | undefined };

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
  const route: PageRoute = parseRoute(pathname, search);
  if (parts[0] === 'db' && parts[4] === 'row' && parts[5] !== undefined && parts.length === 6) {
    route.record = decode(parts[5]);
  }
  return { kind: 'route', route };
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
  const { record, ...route } = page.route;
  if (record !== undefined && route.db && route.schema && route.table) {
    const table = [route.db, route.schema, route.table].map(encodeURIComponent).join('/');
    return `/db/${table}/row/${encodeURIComponent(record)}`;
  }
  return routeUrl(route);
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
