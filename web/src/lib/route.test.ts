import { describe, expect, it } from 'vitest';
import { parseRoute, routeUrl } from './route';

describe('routes', () => {
  it('round-trips hostile names through the URL', () => {
    const route = {
      db: 'main',
      schema: 'my "schema"',
      table: 'Orders 2024/é?#',
      order: '"Order Date".desc',
      q: 'Zoë & co',
    };
    const url = new URL(routeUrl(route), 'http://x');
    expect(parseRoute(url.pathname, url.search)).toEqual(route);
  });

  it('reads the home page as no table', () => {
    expect(parseRoute('/', '')).toEqual({});
    expect(routeUrl({})).toBe('/');
  });

  it('keeps a database without a table', () => {
    const url = new URL(routeUrl({ db: 'main' }), 'http://x');
    expect(parseRoute(url.pathname, url.search)).toMatchObject({ db: 'main', schema: undefined });
  });
});
