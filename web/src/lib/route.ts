/**
 * The app's location: which table is open and how it is sorted and searched.
 * It lives in the URL (`/db/{db}/{schema}/{table}?order=...&q=...`) so a reload
 * or a shared link opens the same view.
 */

/** What the URL says. */
export interface Route {
  db?: string | undefined;
  schema?: string | undefined;
  table?: string | undefined;
  order?: string | undefined;
  q?: string | undefined;
}

/** Reads a route from a path and query string. */
export function parseRoute(pathname: string, search: string): Route {
  const parts = pathname.split('/').filter((p) => p !== '');
  if (parts[0] !== 'db') return {};
  const [db, schema, table] = parts.slice(1, 4).map(decode);
  const params = new URLSearchParams(search);
  return {
    db,
    schema,
    table,
    order: params.get('order') ?? undefined,
    q: params.get('q') ?? undefined,
  };
}

/** The URL of a route. */
export function routeUrl(route: Route): string {
  const parts = [route.db, route.schema, route.table].filter((p): p is string => p !== undefined);
  if (parts.length === 0) return '/';
  const params = new URLSearchParams();
  if (route.order) params.set('order', route.order);
  if (route.q) params.set('q', route.q);
  const query = params.toString();
  return `/db/${parts.map(encodeURIComponent).join('/')}${query ? `?${query}` : ''}`;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
