import { describe, expect, it } from 'vitest';
import { parseRoute, routeUrl } from './route';

const roundTrip = (route: Parameters<typeof routeUrl>[0]) => {
  const url = new URL(routeUrl(route), 'http://x');
  return parseRoute(url.pathname, url.search);
};

describe('routes', () => {
  it('round-trips hostile names through the URL', () => {
    const route = {
      db: 'main',
      schema: 'my "schema"',
      table: 'Orders 2024/é?#',
      order: '"Order Date".desc',
      q: 'Zoë & co',
    };
    expect(roundTrip(route)).toEqual(route);
  });

  it('reads the home page as no table', () => {
    expect(parseRoute('/', '')).toEqual({});
    expect(routeUrl({})).toBe('/');
  });

  it('keeps a database without a table', () => {
    expect(roundTrip({ db: 'main' })).toMatchObject({ db: 'main', schema: undefined });
  });

  it('keeps filters and hidden columns', () => {
    const route = {
      db: 'main',
      schema: 'public',
      table: 'orders',
      order: undefined,
      q: undefined,
      filters: [
        { column: 'Amount', expr: 'gt.10' },
        { column: 'order', expr: 'eq.a&b' },
        { column: 'Name', expr: 'ilike.*Zoë*' },
      ],
      hide: ['Picked', 'a,b'],
    };
    expect(roundTrip(route)).toEqual(route);
    expect(routeUrl(route)).toBe(
      '/db/main/public/orders?hide=Picked%2C%22a%2Cb%22&Amount=gt.10&%22order%22=eq.a%26b&Name=ilike.*Zo%C3%AB*',
    );
  });

  it('opens a record by its key', () => {
    const route = { db: 'main', schema: 'public', table: 'orders', row: '12,"a,b"', order: undefined, q: undefined };
    expect(routeUrl(route)).toBe('/db/main/public/orders/row/12%2C%22a%2Cb%22');
    expect(roundTrip(route)).toEqual(route);
  });
});
