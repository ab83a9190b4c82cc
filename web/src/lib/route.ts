/**
 * The app's location: which table is open and how it is sorted, searched,
 * filtered and which columns are hidden, or which record is open. It lives in
 * the URL so a reload or a shared link opens the same view:
 *
 * - `/db/{db}/{schema}/{table}?order=...&q=...&hide=a,b&Amount=gt.10`: a table;
 *   filters are PostgREST pairs (see `filters.ts`), hidden columns a name list;
 * - `/db/{db}/{schema}/{table}/row/{key}`: one record, `{key}` the primary key
 *   as text (see `encodeKey` in `record.ts`).
 */
import { appendFilters, type Filter, formatNames, parseFilters, parseNames } from './filters';

/** What the URL says. */
export interface Route {
  db?: string | undefined;
  schema?: string | undefined;
  table?: string | undefined;
  /** The open record's key, for `/row/{key}`. */
  row?: string | undefined;
  order?: string | undefined;
  q?: string | undefined;
  filters?: Filter[] | undefined;
  /** Hidden columns. */
  hide?: string[] | undefined;
}

/** Reads a route from a path and query string. */
export function parseRoute(pathname: string, search: string): Route {
  const parts = pathname.split('/').filter((p) => p !== '');
  if (parts[0] !== 'db') return {};
  const [db, schema, table] = parts.slice(1, 4).map(decode);
  const params = new URLSearchParams(search);
  const route: Route = {
    db,
    schema,
    table,
    order: params.get('order') ?? undefined,
    q: params.get('q') ?? undefined,
  };
  if (parts[4] === 'row' && parts[5] !== undefined) route.row = decode(parts[5]);
  const filters = parseFilters(params);
  if (filters.length > 0) route.filters = filters;
  const hide = params.get('hide');
  if (hide) route.hide = parseNames(hide);
  return route;
}

/** The URL of a route. */
export function routeUrl(route: Route): string {
  const parts = [route.db, route.schema, route.table].filter((p): p is string => p !== undefined);
  if (parts.length === 0) return '/';
  const params = new URLSearchParams();
  if (route.order) params.set('order', route.order);
  if (route.q) params.set('q', route.q);
  if (route.hide && route.hide.length > 0) params.set('hide', formatNames(route.hide));
  if (route.filters) appendFilters(params, route.filters);
  const query = params.toString();
  const record = parts.length === 3 && route.row !== undefined ? `/row/${encodeURIComponent(route.row)}` : '';
  return `/db/${parts.map(encodeURIComponent).join('/')}${record}${query ? `?${query}` : ''}`;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
