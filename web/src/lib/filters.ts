/**
 * Column filters as PostgREST query pairs, the same in the app's URL and in
 * the rows request: `Amount=gt.10`, `Name=ilike.*apple*`, `Picked=is.null`.
 *
 * A filter keeps the key and the PostgREST expression it came with, so any
 * filter in a shared link (even one the menu cannot make, like `in.(a,b)`)
 * survives a round trip; {@link makeFilter} builds one from the column menu's
 * operator and value, and {@link describeFilter} says it in words for a chip.
 *
 * ```ts
 * makeFilter('Name', 'contains', 'apple'); // { column: 'Name', expr: 'ilike.*apple*' }
 * makeFilter('Code', 'contains', '10%');   // { column: 'Code', expr: 'ilike.*10\\%*' }
 * filterKey('order');                      // '"order"' (a reserved query key)
 * ```
 */

/** One filter: a column and a PostgREST operator expression. */
export interface Filter {
  column: string;
  /** `OPERATOR.VALUE`, optionally after `not.`, as PostgREST writes it. */
  expr: string;
}

/** The operators the column menu offers. */
export const OPERATORS = [
  { op: 'eq', label: 'equals' },
  { op: 'neq', label: 'does not equal' },
  { op: 'gt', label: 'greater than' },
  { op: 'gte', label: 'at least' },
  { op: 'lt', label: 'less than' },
  { op: 'lte', label: 'at most' },
  { op: 'contains', label: 'contains' },
  { op: 'null', label: 'is empty (NULL)' },
  { op: 'notnull', label: 'is not empty' },
] as const;

/** An operator of the column menu. */
export type Operator = (typeof OPERATORS)[number]['op'];

/** Whether an operator takes a value. */
export function takesValue(op: Operator): boolean {
  return op !== 'null' && op !== 'notnull';
}

/** The query keys that are not column names in the app's URL and the rows API. */
export const RESERVED_KEYS = ['select', 'order', 'limit', 'after', 'q', 'count', 'offset', 'hide'];

/** A filter from the column menu. */
export function makeFilter(column: string, op: Operator, value: string): Filter {
  switch (op) {
    case 'contains':
      return { column, expr: `ilike.*${escapeLike(value)}*` };
    case 'null':
      return { column, expr: 'is.null' };
    case 'notnull':
      return { column, expr: 'not.is.null' };
    default:
      return { column, expr: `${op}.${value}` };
  }
}

/** The menu's operator and value for a filter, when the menu can show it. */
export function filterParts(filter: Filter): { op: Operator; value: string } | null {
  if (filter.expr === 'is.null') return { op: 'null', value: '' };
  if (filter.expr === 'not.is.null') return { op: 'notnull', value: '' };
  const contains = /^ilike\.\*(.*)\*$/s.exec(filter.expr);
  const value = contains ? unescapeLike(contains[1] ?? '') : null;
  if (value !== null) return { op: 'contains', value };
  const simple = /^(eq|neq|gt|gte|lt|lte)\.(.*)$/s.exec(filter.expr);
  if (simple) return { op: simple[1] as Operator, value: simple[2] ?? '' };
  return null;
}

/**
 * A value for a `like`/`ilike` pattern that matches it literally: the server
 * reads `*` as the wildcard and, as PostgreSQL's LIKE does, `%` and `_` as
 * wildcards and `\` as the escape, so each of those gets a backslash.
 */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_*]/g, (c) => `\\${c}`);
}

/**
 * The literal text of a pattern written by {@link escapeLike}; `null` when the
 * pattern has a wildcard of its own (so it is not a plain "contains").
 */
export function unescapeLike(pattern: string): string | null {
  let text = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) return null;
      text += next;
      i += 1;
    } else if (c === '*' || c === '%' || c === '_') {
      return null;
    } else {
      text += c;
    }
  }
  return text;
}

/** A filter in words, for its chip: `Amount > 10`, `Name contains “apple”`. */
export function describeFilter(filter: Filter): string {
  const parts = filterParts(filter);
  if (!parts) return `${filter.column}: ${filter.expr}`;
  const symbols: Partial<Record<Operator, string>> = { eq: '=', neq: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤' };
  const symbol = symbols[parts.op];
  if (symbol) return `${filter.column} ${symbol} ${parts.value}`;
  if (parts.op === 'contains') return `${filter.column} contains “${parts.value}”`;
  return `${filter.column} ${parts.op === 'null' ? 'is empty' : 'is not empty'}`;
}

/** The query key for a column: quoted when it is reserved or starts with a quote. */
export function filterKey(column: string): string {
  return RESERVED_KEYS.includes(column) || column.startsWith('"') ? quoteName(column) : column;
}

/** The column a query key names (the inverse of {@link filterKey}). */
export function keyColumn(key: string): string {
  if (key.startsWith('"')) {
    const [name, rest] = takeName(key);
    if (rest === '') return name;
  }
  return key;
}

/** Filters from query pairs, skipping reserved keys. */
export function parseFilters(params: URLSearchParams): Filter[] {
  const filters: Filter[] = [];
  for (const [key, expr] of params) {
    if (!RESERVED_KEYS.includes(key)) filters.push({ column: keyColumn(key), expr });
  }
  return filters;
}

/** Appends filters to query pairs. */
export function appendFilters(params: URLSearchParams, filters: readonly Filter[]): void {
  for (const filter of filters) params.append(filterKey(filter.column), filter.expr);
}

/** A list of names as `a,b,"c,d"` (quoted when a name holds `,` or `"` or starts with a space). */
export function formatNames(names: readonly string[]): string {
  return names.map((name) => (/[,"\\]|^\s|\s$|^$/.test(name) ? quoteName(name) : name)).join(',');
}

/** The names of a list written by {@link formatNames}. */
export function parseNames(text: string): string[] {
  const names: string[] = [];
  let rest = text;
  while (rest !== '') {
    let name: string;
    if (rest.startsWith('"')) {
      [name, rest] = takeName(rest);
    } else {
      const comma = rest.indexOf(',');
      name = comma === -1 ? rest : rest.slice(0, comma);
      rest = comma === -1 ? '' : rest.slice(comma);
    }
    names.push(name);
    if (rest.startsWith(',')) {
      rest = rest.slice(1);
      if (rest === '') names.push('');
    }
  }
  return names;
}

function quoteName(name: string): string {
  return `"${name.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** Reads a quoted name (backslash escapes the next character); returns it and the text after. */
function takeName(text: string): [string, string] {
  let name = '';
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i += 1;
      name += text[i] ?? '';
    } else if (c === '"') {
      return [name, text.slice(i + 1)];
    } else {
      name += c;
    }
  }
  return [name, ''];
}
