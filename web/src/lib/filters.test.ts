import { describe, expect, it } from 'vitest';
import {
  appendFilters,
  describeFilter,
  escapeLike,
  filterKey,
  filterParts,
  formatNames,
  keyColumn,
  makeFilter,
  parseFilters,
  parseNames,
  unescapeLike,
} from './filters';

describe('filters', () => {
  it('builds PostgREST expressions from the menu', () => {
    expect(makeFilter('Amount', 'gt', '10')).toEqual({ column: 'Amount', expr: 'gt.10' });
    expect(makeFilter('Name', 'contains', 'app le')).toEqual({ column: 'Name', expr: 'ilike.*app le*' });
    expect(makeFilter('Picked', 'null', 'ignored')).toEqual({ column: 'Picked', expr: 'is.null' });
    expect(makeFilter('Picked', 'notnull', '')).toEqual({ column: 'Picked', expr: 'not.is.null' });
  });

  it('reads the menu parts back', () => {
    for (const op of ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'contains', 'null', 'notnull'] as const) {
      const value = op === 'null' || op === 'notnull' ? '' : 'a.b*c%_\\';
      expect(filterParts(makeFilter('x', op, value))).toEqual({ op, value });
    }
    expect(filterParts({ column: 'x', expr: 'in.(a,b)' })).toBeNull();
  });

  it('describes filters in words', () => {
    expect(describeFilter(makeFilter('Amount', 'gte', '3'))).toBe('Amount ≥ 3');
    expect(describeFilter(makeFilter('Name', 'contains', 'pie'))).toBe('Name contains “pie”');
    expect(describeFilter(makeFilter('Picked', 'null', ''))).toBe('Picked is empty');
    expect(describeFilter({ column: 'x', expr: 'in.(1,2)' })).toBe('x: in.(1,2)');
  });

  it('quotes reserved and quoted column names in keys', () => {
    expect(filterKey('Order Date')).toBe('Order Date');
    expect(filterKey('order')).toBe('"order"');
    expect(filterKey('"q"')).toBe('"\\"q\\""');
    expect(keyColumn('"order"')).toBe('order');
    expect(keyColumn('"\\"q\\""')).toBe('"q"');
    expect(keyColumn('plain')).toBe('plain');
  });

  it('round-trips filters through a query string', () => {
    const filters = [
      makeFilter('order', 'eq', '5'),
      makeFilter('Zoë & "co"', 'contains', 'a&b=c'),
      makeFilter('Amount', 'gt', '1'),
      makeFilter('Amount', 'lt', '9'),
    ];
    const params = new URLSearchParams({ order: '"x".asc', q: 'search', hide: 'a' });
    appendFilters(params, filters);
    expect(parseFilters(new URLSearchParams(params.toString()))).toEqual(filters);
  });
});

describe('name lists', () => {
  it.each([
    [['a', 'b'], 'a,b'],
    [['Order Date', 'é'], 'Order Date,é'],
    [['a,b', 'say "hi"'], '"a,b","say \\"hi\\""'],
    [['back\\slash'], '"back\\\\slash"'],
    [[' padded'], '" padded"'],
  ])('%j is %s', (names, text) => {
    expect(formatNames(names)).toBe(text);
    expect(parseNames(text)).toEqual(names);
  });
  it('reads an empty list', () => expect(parseNames('')).toEqual([]));
});

// Review item 6: "contains" means the text itself, so LIKE's wildcards and the server's `*` are escaped.
describe('contains filters', () => {
  it.each([
    ['apple', 'ilike.*apple*'],
    ['10%', 'ilike.*10\\%*'],
    ['a_b', 'ilike.*a\\_b*'],
    ['C:\\temp', 'ilike.*C:\\\\temp*'],
    ['5*', 'ilike.*5\\**'],
  ])('%s is %s', (value, expr) => {
    const filter = makeFilter('x', 'contains', value);
    expect(filter.expr).toBe(expr);
    expect(filterParts(filter)).toEqual({ op: 'contains', value });
    expect(describeFilter(filter)).toBe(`x contains “${value}”`);
  });

  it('escapes only what LIKE and the server read specially', () => {
    expect(escapeLike('a.b "c"')).toBe('a.b "c"');
    expect(unescapeLike(escapeLike('%_*\\'))).toBe('%_*\\');
  });

  it('leaves a hand-written pattern as a pattern', () => {
    for (const expr of ['ilike.*a%b*', 'ilike.*a_b*', 'ilike.*a*b*', 'ilike.*a\\*']) {
      expect(filterParts({ column: 'x', expr })).toBeNull();
      expect(describeFilter({ column: 'x', expr })).toBe(`x: ${expr}`);
    }
  });
});
