import { describe, expect, it } from 'vitest';
import { type Page, pageUrl, parsePage } from './page';

function roundTrip(page: Page): Page {
  const url = new URL(pageUrl(page), 'http://x');
  return parsePage(url.pathname, url.search);
}

describe('pages', () => {
  it('round-trips a record with a hostile key', () => {
    const page: Page = {
      kind: 'route',
      route: { db: 'main', schema: 'pub lic', table: 'a/b', row: '"x,y",z/é?#' },
    };
    expect(pageUrl(page)).toBe('/db/main/pub%20lic/a%2Fb/row/%22x%2Cy%22%2Cz%2F%C3%A9%3F%23');
    expect(roundTrip(page)).toMatchObject(page);
  });

  it('reads a table without a record', () => {
    const page = parsePage('/db/main/public/orders', '?q=x');
    expect(page).toEqual({ kind: 'route', route: expect.objectContaining({ table: 'orders', q: 'x' }) });
    expect(page.kind === 'route' && page.route.row).toBeFalsy();
  });

  it('round-trips the import wizard', () => {
    const page: Page = { kind: 'import', import: { db: 'main', schema: 'my schema', id: 'abc' } };
    expect(pageUrl(page)).toBe('/import?db=main&schema=my+schema&id=abc');
    expect(roundTrip(page)).toEqual(page);
    expect(pageUrl({ kind: 'import', import: {} })).toBe('/import');
    expect(parsePage('/import', '')).toEqual({ kind: 'import', import: { db: undefined, schema: undefined, id: undefined } });
  });

  it('round-trips the model timeline', () => {
    const page: Page = { kind: 'models', models: { db: 'main', schema: 'my "schema"', model: 2 } };
    expect(pageUrl(page)).toBe('/models?db=main&schema=my+%22schema%22&model=2');
    expect(roundTrip(page)).toEqual(page);
    expect(parsePage('/models', '?db=main&schema=public')).toEqual({ kind: 'models', models: { db: 'main', schema: 'public', model: undefined } });
    expect(parsePage('/models', '?db=main&schema=public&model=x')).toMatchObject({ models: { model: undefined } });
    // Without a schema there is no timeline to show.
    expect(parsePage('/models', '?db=main').kind).toBe('route');
  });

  it('leaves other paths to the table route', () => {
    expect(parsePage('/', '')).toEqual({ kind: 'route', route: {} });
    expect(pageUrl({ kind: 'route', route: { db: 'main', schema: 'public' } })).toBe('/db/main/public');
  });
});
