// Browser smoke test: one real `strata serve` driven by Debian's chromium
// through playwright-core (see harness.mjs for the environment it reads).
//
//   STRATA_BIN=target/release/strata npm test
//
// It checks that the server answers /api/v1/health, that the web app shell
// renders and shows the PostgreSQL it is connected to, that Swagger UI is
// served at /api/docs/, that a CLI-imported table browses, sorts and searches
// in the grid, and that SIGTERM stops the server cleanly with exit code 0.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import { Harness, SHUTDOWN_TIMEOUT_MS, screenshot } from './harness.mjs';

const h = new Harness();
const external = Boolean(process.env.STRATA_E2E_DATABASE_URL);

describe('strata serve with the web app', { timeout: 180_000 }, () => {
  before(() => h.start());
  after(() => h.finish());

  h.step('answers /api/v1/health with the embedded database', {}, async () => {
    const response = await fetch(`${h.baseUrl}/api/v1/health`);
    assert.equal(response.status, 200);
    const health = await response.json();
    assert.equal(health.status, 'ok');
    assert.equal(health.database, external ? 'external' : 'embedded');
    assert.match(health.postgres_version, /^\d+/);
  });

  h.step('shows the app shell connected to PostgreSQL', { timeout: 60_000 }, async () => {
    const { page, errors } = await h.newPage();
    try {
      await page.goto(`${h.baseUrl}/`);
      const title = await page.locator('header h1').textContent();
      assert.equal(title?.trim(), 'Strata');

      // data-state leaves "loading" once the health request has settled.
      const health = page.locator('[data-testid=health]:not([data-state=loading])');
      await health.waitFor({ timeout: 15_000 });
      const text = (await health.textContent()) ?? '';
      assert.match(text, /PostgreSQL/, `health line: ${text}`);
      assert.match(text, external ? /external/ : /embedded/, `health line: ${text}`);

      // `make screenshots` sets STRATA_SCREENSHOTS=docs/screenshots to refresh the README's.
      await screenshot(page, 'home.png', { fullPage: true });
      assert.deepEqual(errors, [], 'uncaught errors in the page');
    } finally {
      await page.close();
    }
  });

  h.step('serves Swagger UI at /api/docs/', { timeout: 60_000 }, async () => {
    const { page, errors } = await h.newPage();
    try {
      const response = await page.goto(`${h.baseUrl}/api/docs/`);
      assert.equal(response?.status(), 200);
      await page.locator('.swagger-ui').first().waitFor({ timeout: 15_000 });
      // The title appears once Swagger UI has fetched and rendered the OpenAPI document.
      const title = page.locator('.swagger-ui .info .title');
      await title.waitFor({ timeout: 15_000 });
      assert.ok((await title.textContent())?.trim(), 'Swagger UI shows no API title');
      assert.deepEqual(errors, [], 'uncaught errors in the page');
    } finally {
      await page.close();
    }
  });

  h.step('browses an imported table in the grid: sort, search, reload', { timeout: 90_000 }, async () => {
    // A file with a hostile table name, numbers, dates and text, imported by the CLI into the
    // running server's cluster.
    const file = path.join(h.dataDir, 'Fruit "stock".csv');
    const lines = ['Name,Amount,Picked'];
    for (let i = 1; i <= 300; i++) {
      lines.push(`${['Apple', 'Banana', 'Cherry'][i % 3]} ${i},${(i * 7) % 100}.5,2024-01-${String((i % 28) + 1).padStart(2, '0')}`);
    }
    await writeFile(file, lines.join('\n') + '\n');
    const imported = await h.cli(['import', file, '--json']);
    const result = JSON.parse(imported);
    assert.equal(result.table, 'Fruit "stock"');
    assert.equal(result.rows, 300);

    const { page, errors } = await h.newPage();
    try {
      await page.goto(`${h.baseUrl}/`);
      await page.getByRole('button', { name: h.database, exact: true }).click();
      await page.getByRole('button', { name: 'public' }).click();
      await page.getByRole('link', { name: 'Fruit "stock"' }).click();
      const grid = page.getByRole('grid');
      await grid.getByRole('gridcell', { name: 'Apple 3', exact: true }).waitFor();
      assert.match(await page.getByTestId('row-count').textContent(), /300 rows/);
      const headers = await grid.getByRole('columnheader').allTextContents();
      assert.deepEqual(
        headers.map((h) => h.replace(/\s+/g, ' ').trim()),
        ['#', 'id bigint', 'Name text', 'Amount numeric', 'Picked date'],
      );

      // Sorting by a column puts it in the URL and the rows in order.
      await grid.getByRole('columnheader', { name: /Amount/ }).getByRole('button').click();
      await page.waitForURL(/order=/);
      await grid.locator('[aria-sort=ascending]').waitFor();
      const firstAmount = grid.locator('#cell-0-2');
      await page.waitForFunction(() => document.querySelector('#cell-0-2')?.textContent?.trim() === '0.5');
      assert.equal((await firstAmount.textContent()).trim(), '0.5');

      // Searching narrows the rows; the search is in the URL too.
      await page.getByRole('searchbox', { name: 'Search' }).fill('Cherry 29');
      await page.waitForURL(/q=Cherry/);
      await page.waitForFunction(() => /^\s*[1-9]\d* rows/.test(document.querySelector('[data-testid=row-count]')?.textContent ?? ''));
      const names = await grid.locator('[role=row] [role=gridcell]:nth-child(3)').allTextContents();
      assert.ok(names.length > 0 && names.every((n) => n.trim().startsWith('Cherry 29')), names.join(', '));

      // A reload opens the same view.
      await page.reload();
      await grid.getByRole('gridcell', { name: /^Cherry 29/ }).first().waitFor();
      assert.equal(await grid.locator('[aria-sort=ascending]').count(), 1);

      await page.getByRole('searchbox', { name: 'Search' }).fill('');
      await page.waitForURL((url) => !url.search.includes('q='));
      await grid.getByRole('gridcell', { name: '0.5', exact: true }).first().waitFor();
      await screenshot(page, 'grid.png');
      assert.deepEqual(errors, [], 'uncaught errors in the page');
    } finally {
      await page.close();
    }
  });

  h.step('stops cleanly on SIGTERM', { timeout: 30_000 }, async () => {
    await h.browser?.close();
    h.browser = undefined;
    assert.ok(h.server, 'the server was never started');
    const exit = await h.stopServer();
    console.log(`strata serve exited: ${JSON.stringify(exit)}`);
    assert.ok(!exit.timedOut, `strata serve did not exit within ${SHUTDOWN_TIMEOUT_MS / 1000} s of SIGTERM`);
    assert.equal(exit.code, 0, `strata serve exited with ${JSON.stringify(exit)} after SIGTERM`);
  });
});
