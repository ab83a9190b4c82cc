// Browser test of refining a data model as a user would: import the flat
// orders export, extract its customers into a table of their own through
// Refine (with a preview), look at the models' timeline, edit a customer's
// city in the flat model (v1), see the city in the customers table of the
// current model, then undo the extraction from the History (the city edit is
// in the way, so it is undone too) and get the flat table back. Then merge the
// customers back and split rows off, both through Refine. Saves the README's
// refine.png, models.png and split-rows.png.
//
//   STRATA_BIN=target/debug/strata node --test models.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { editCell, finishImport, gridUrl, startImport, tablePath, waitForCell, waitForRowCount, waitForSaves } from './grid.mjs';
import { Harness, screenshot } from './harness.mjs';

const h = new Harness();

/**
 * The orders export, shaped like `../shared/bench/gen_orders.py`'s (which a fresh clone may not
 * have next to it): 200 orders of 10 customers, each row repeating its customer's name, e-mail,
 * city and country.
 */
function ordersCsv() {
  const names = ['Nia Brown', 'Uma Wong', 'Rosa Chen', 'Dmitri Volkov', 'Hana Eriksen', 'Chloé García', 'Uma Dubois', 'Xóchitl Ito', 'Rosa García', 'Kofi Mensah'];
  const places = [['Lisbon', 'Portugal'], ['São Paulo', 'Brazil'], ['Kraków', 'Poland'], ['Osaka', 'Japan'], ['Accra', 'Ghana']];
  const lines = ['Order ID,Order Date,Customer Name,Customer Email,City,Country,SKU,Product,Category,Unit Price,Quantity,Discount %,Shipped,Notes'];
  for (let i = 0; i < 200; i++) {
    const c = (i * 7) % names.length;
    const [city, country] = places[c % places.length];
    const email = `${names[c].toLowerCase().replace(' ', '.')}${c}@example.com`;
    const day = String(1 + (i % 28)).padStart(2, '0');
    const price = (10 + ((i * 37) % 500) + (i % 100) / 100).toFixed(2);
    const fields = [100000 + i, `2022-03-${day}`, names[c], email, city, country, `SKU-${String(i % 9).padStart(5, '0')}`, `Kettle ${i % 9}`, 'Home', price, 1 + (i % 5), (i % 4) * 5, i % 2 ? 'yes' : 'no', ''];
    lines.push(fields.join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The extracted columns, and the one that identifies a customer. */
const CUSTOMER = ['Customer Name', 'Customer Email', 'City', 'Country'];
const KEY = 'Customer Email';
/** A city no generated customer lives in, with a quote in it. */
const NEW_CITY = 'Gent "Zuid"';

/** The grid's column names, in order (the row number column left out). */
async function columnNames(page) {
  const headers = await page.getByRole('grid').getByRole('columnheader').allTextContents();
  return headers.slice(1).map((text) => text.replace(/\s+/g, ' ').trim());
}

/** Waits until the grid's columns satisfy `test` (given their names, without types). */
async function waitForColumns(page, test, what) {
  const deadline = Date.now() + 15_000;
  let names = [];
  while (Date.now() < deadline) {
    names = await page.evaluate(() =>
      [...document.querySelectorAll('[role=grid] [role=columnheader] .name')].map((n) => n.textContent?.trim() ?? ''),
    );
    if (test(names)) return names;
    await page.waitForTimeout(100);
  }
  assert.fail(`the grid's columns never ${what}: ${names.join(' | ')}`);
}

/** The index of the column named `name` among the grid's columns (for `#cell-R-C`). */
async function columnIndex(page, name) {
  const names = await columnNames(page);
  const index = names.findIndex((text) => text.startsWith(`${name} `));
  assert.ok(index >= 0, `no column ${name} in ${names.join(' | ')}`);
  return index;
}

/**
 * Whether the item (`Rename`, `Change type`, `Delete column`) of column
 * `name`'s menu is available: `null` if so, else its tooltip saying why. Closes the menu.
 */
async function columnChange(page, name, item) {
  await page.getByTestId(`column-menu-${name}`).click();
  const entry = page.getByRole('menuitem', { name: new RegExp(`^${item}`) });
  const unavailable = (await entry.getAttribute('aria-disabled')) === 'true';
  const why = unavailable ? await entry.getAttribute('title') : null;
  await page.keyboard.press('Escape');
  await entry.waitFor({ state: 'detached' });
  return why;
}

/** The schema's models, through the API. */
async function models() {
  const answer = await h.api('GET', `/databases/${encodeURIComponent(h.database)}/schemas/public/models`);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body;
}

/** Rows of `table` in PostgreSQL schema `schema` whose `column` equals `value`, through the API. */
async function rowsWhere(schema, table, column, value) {
  const query = new URLSearchParams({ [column]: `eq.${value}`, order: 'id.asc' });
  const answer = await h.api(
    'GET',
    `/databases/${encodeURIComponent(h.database)}/schemas/${encodeURIComponent(schema)}/tables/${encodeURIComponent(table)}/rows?${query}`,
  );
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.rows;
}

describe('refining the data model in the browser', { timeout: 300_000 }, () => {
  before(() => h.start());
  after(() => h.finish());

  h.step('extracts customers, edits a city in the flat model, undoes the extraction', { timeout: 240_000 }, async () => {
    const { page, errors } = await h.newPage();
    try {
      // Import the flat export through the wizard.
      await startImport(page, h, 'orders.csv', ordersCsv());
      await finishImport(page, 'orders', 200);
      await waitForColumns(page, (names) => CUSTOMER.every((c) => names.includes(c)), 'showed the customer columns');

      // The first order's customer, whose city the flat model will change.
      const first = await h.api('GET', `${tablePath(h, 'orders')}/rows?order=id.asc&limit=1`);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const { [KEY]: email, City: oldCity } = first.body.rows[0];
      assert.ok(email && oldCity, JSON.stringify(first.body.rows[0]));
      const ordersOfCustomer = (await rowsWhere('public', 'orders', KEY, email)).length;
      assert.ok(ordersOfCustomer > 1, 'the customer has several orders');

      // Refine: extract the customer columns into customers, keyed by e-mail, previewed first.
      await page.getByTestId('refine-open').click();
      const dialog = page.getByTestId('refine-dialog');
      await dialog.waitFor();
      assert.equal(await dialog.getByTestId('refine-op').inputValue(), 'extract');
      const columns = dialog.getByTestId('refine-columns');
      for (const name of CUSTOMER) await columns.getByLabel(name, { exact: true }).check();
      assert.equal(await dialog.getByTestId('refine-into').inputValue(), 'customers', 'the name is suggested from the columns');
      await dialog.getByTestId('refine-keys').getByLabel(KEY, { exact: true }).check();
      await dialog.getByTestId('refine-preview').click();
      const result = dialog.getByTestId('refine-result');
      await result.waitFor({ timeout: 30_000 });
      assert.equal(await result.getAttribute('data-conflicts'), '0', await result.textContent());
      assert.match(await dialog.getByTestId('refine-creates').textContent(), /customers/);
      // The preview says what will happen; once made, the step says what it did.
      const summary = `${CUSTOMER.join(', ')} of orders into customers`;
      assert.equal(await dialog.getByTestId('refine-summary').textContent(), `Will extract ${summary}`);
      await dialog.getByTestId('refine-apply').scrollIntoViewIfNeeded();
      await screenshot(page, 'refine.png');
      await dialog.getByTestId('refine-apply').click();
      await dialog.waitFor({ state: 'detached', timeout: 60_000 });
      assert.equal(await page.getByTestId('toast').locator('.text').textContent(), `Extracted ${summary}: now model v2`);
      await waitForColumns(
        page,
        (names) => names.includes('customers_id') && !CUSTOMER.some((c) => names.includes(c)),
        'became orders linking to customers',
      );

      const [v1, v2] = await models();
      assert.ok(v1 && v2 && !v1.current && v2.current, JSON.stringify([v1, v2]));
      assert.equal(v2.pg_schema, 'public');

      // The timeline, at the current model: orders link to customers. Its table opens the grid.
      await page.getByTestId('models-open').click();
      const timeline = page.getByTestId('model-timeline');
      await timeline.locator('[data-testid=model-entry][aria-current=true]').filter({ hasText: v2.name }).waitFor();
      assert.equal(await timeline.getByTestId('model-entry').count(), 2);
      await timeline.locator('[data-testid=model-diagram] path[data-from=orders][data-to=customers]').waitFor();
      await screenshot(page, 'models.png');
      await timeline.getByTestId('model-table').filter({ hasText: /^orders$/ }).click();
      await page.waitForURL((url) => url.pathname === new URL(gridUrl(h, 'orders')).pathname);
      await waitForColumns(page, (names) => names.includes('customers_id'), 'showed the current orders');
      assert.equal(await columnChange(page, 'Product', 'Rename'), null, 'the current model renames columns');

      // The flat model (v1): the orders as imported, a view; editing a customer's city there.
      await page.getByTestId('model-switch').selectOption(String(v1.id));
      await page.waitForURL((url) => url.pathname === `/db/${encodeURIComponent(h.database)}/${encodeURIComponent(v1.pg_schema)}/orders`);
      await page.getByTestId('model-notice').filter({ hasText: 'Model v1 — earlier model; edits go to the current tables.' }).waitFor();
      await waitForColumns(page, (names) => CUSTOMER.every((c) => names.includes(c)), 'showed the flat columns');
      // Its schema is reached through the models: the sidebar lists the schema, not its models' schemas.
      const sidebar = page.getByRole('navigation', { name: 'Databases' });
      await sidebar.locator('li[data-table="customers"]').waitFor();
      assert.equal(await sidebar.getByRole('button', { name: 'public', exact: true }).count(), 1);
      assert.equal(await sidebar.getByRole('button', { name: v1.pg_schema, exact: true }).count(), 0, 'no schema of views listed');
      // Its columns are views: renaming, retyping or deleting one is for the current model.
      for (const item of ['Rename', 'Change type', 'Delete column']) {
        assert.match((await columnChange(page, 'City', item)) ?? 'available', /switch to the current model \(v2\)/, item);
      }
      const cityCol = await columnIndex(page, 'City');
      await waitForCell(page, 0, await columnIndex(page, KEY), email);
      await waitForCell(page, 0, cityCol, oldCity);
      await editCell(page, 0, cityCol, NEW_CITY);
      await waitForSaves(page);
      await waitForCell(page, 0, cityCol, NEW_CITY);
      // The customer changed, so every one of their orders reads the new city through v1.
      const flat = await rowsWhere(v1.pg_schema, 'orders', KEY, email);
      assert.equal(flat.length, ordersOfCustomer);
      assert.ok(flat.every((row) => row.City === NEW_CITY), JSON.stringify(flat.map((row) => row.City)));

      // The current model: orders link to customers; the customers table has the new city.
      await page.getByTestId('model-switch').selectOption(String(v2.id));
      await page.waitForURL((url) => url.pathname === new URL(gridUrl(h, 'orders')).pathname);
      await waitForColumns(page, (names) => names.includes('customers_id'), 'showed the current orders');
      assert.equal(await page.getByTestId('model-notice').count(), 0);
      await page.goto(gridUrl(h, 'customers'));
      await page.getByRole('searchbox', { name: 'Search' }).fill(email);
      await page.waitForURL(/q=/);
      await waitForRowCount(page, 1);
      await waitForCell(page, 0, await columnIndex(page, 'City'), NEW_CITY);

      // Undo the extraction from the History: the flat orders are back.
      await page.goto(gridUrl(h, 'orders'));
      await waitForColumns(page, (names) => names.includes('customers_id'), 'showed the current orders');
      await page.getByTestId('history-open').click();
      const extraction = page
        .getByTestId('history-panel')
        .locator('[data-testid=history-entry][data-undone=false]')
        .filter({ hasText: /Extracted .*into customers/ });
      await extraction.getByTestId('history-undo').click();
      // The city edited since (in customers, through v1) is a later change to the extracted
      // data: the undo is refused, explained, and the user takes that edit back too.
      const conflict = page.getByTestId('undo-conflict');
      await conflict.waitFor({ timeout: 60_000 });
      assert.match(await conflict.getByTestId('undo-conflicts').textContent(), /“Edited 1 cell in orders” by .* changed 1 row of customers\./);
      assert.ok((await columnNames(page)).some((n) => n.startsWith('customers_id')), 'nothing is undone yet');
      await conflict.getByTestId('undo-cascade').click();
      await conflict.waitFor({ state: 'detached' });
      // Every column is back (a re-added column may come back at the end of the table).
      await waitForColumns(
        page,
        (names) => CUSTOMER.every((c) => names.includes(c)) && !names.includes('customers_id'),
        'came back flat',
      );
      await waitForCell(page, 0, await columnIndex(page, 'City'), oldCity);
      assert.equal((await h.api('GET', tablePath(h, 'customers'))).status, 404, 'customers is gone');
      assert.ok(!(await models()).some((model) => model.id === v2.id), 'model v2 is gone');
      assert.deepEqual(errors, [], 'uncaught errors in the page');
    } finally {
      await page.close();
    }
  });

  h.step('merges the customers back and splits rows off, through Refine', { timeout: 180_000 }, async () => {
    const { page, errors } = await h.newPage();
    try {
      // The orders are flat again after the first step; extract the customers once more, by the API.
      const models = `/databases/${encodeURIComponent(h.database)}/schemas/public/models`;
      const extract = { op: 'extract', table: 'orders', columns: CUSTOMER, into: 'customers', key: [KEY] };
      const made = await h.api('POST', models, extract);
      assert.equal(made.status, 201, JSON.stringify(made.body));
      await page.goto(gridUrl(h, 'orders'));
      await waitForColumns(page, (names) => names.includes('customers_id'), 'showed the orders linking to customers');

      // Merge back: the link is offered, the preview says what goes, and the orders are flat again.
      const dialog = page.getByTestId('refine-dialog');
      await page.getByTestId('refine-open').click();
      await dialog.getByTestId('refine-op').selectOption('merge');
      await dialog.getByTestId('refine-link').selectOption('customers_id');
      await dialog.getByTestId('refine-merge-hint').waitFor();
      await dialog.getByTestId('refine-preview').click();
      await dialog.getByTestId('refine-result').waitFor({ timeout: 30_000 });
      assert.equal(await dialog.getByTestId('refine-result').getAttribute('data-conflicts'), '0');
      assert.match(await dialog.getByTestId('refine-removes').textContent(), /customers/);
      await dialog.getByTestId('refine-apply').click();
      await dialog.waitFor({ state: 'detached', timeout: 60_000 });
      assert.match(await page.getByTestId('toast').locator('.text').textContent(), /^Merged customers back into orders: now model v\d+$/);
      await waitForColumns(
        page,
        (names) => CUSTOMER.every((c) => names.includes(c)) && !names.includes('customers_id'),
        'came back flat',
      );

      // Split rows, on a table of deliveries made by the API: those of more than 6 move to a table
      // of their own. (The orders keep the links the merge took away, for the earlier models, by
      // their ids: their rows cannot be split until that step is undone.)
      const tables = `/databases/${encodeURIComponent(h.database)}/schemas/public/tables`;
      const created = await h.api('POST', tables, { name: 'deliveries', columns: [{ name: 'item', type: 'text' }, { name: 'qty', type: 'integer' }] });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const rows = Array.from({ length: 10 }, (_, i) => ({ item: `Kettle ${i}`, qty: i + 1 }));
      const inserted = await h.api('POST', `${tablePath(h, 'deliveries')}/rows`, { rows });
      assert.equal(inserted.status, 201, JSON.stringify(inserted.body));
      await page.goto(gridUrl(h, 'deliveries'));
      await waitForRowCount(page, 10);
      await page.getByTestId('refine-open').click();
      await dialog.getByTestId('refine-op').selectOption('split_rows');
      await dialog.getByTestId('refine-condition').fill('qty > 6');
      await dialog.getByTestId('refine-into').fill('big deliveries');
      await dialog.getByTestId('refine-preview').click();
      await dialog.getByTestId('refine-result').waitFor({ timeout: 30_000 });
      assert.equal(await dialog.getByTestId('refine-result').getAttribute('data-conflicts'), '0', await dialog.textContent());
      assert.equal(await dialog.getByTestId('refine-rows').textContent(), '4');
      await dialog.getByTestId('refine-apply').scrollIntoViewIfNeeded();
      await screenshot(page, 'split-rows.png');
      await dialog.getByTestId('refine-apply').click();
      await dialog.waitFor({ state: 'detached', timeout: 60_000 });
      await waitForRowCount(page, 6);
      const big = await h.api('GET', `${tablePath(h, 'big deliveries')}/rows`);
      assert.equal(big.status, 200, JSON.stringify(big.body));
      assert.deepEqual(big.body.rows.map((row) => row.qty), [7, 8, 9, 10]);
      const list = await h.api('GET', models);
      const earlier = list.body[list.body.length - 2];
      const before = await h.api('GET', `/databases/${encodeURIComponent(h.database)}/schemas/${encodeURIComponent(earlier.pg_schema)}/tables/deliveries/rows`);
      assert.equal(before.status, 200, JSON.stringify(before.body));
      assert.equal(before.body.rows.length, 10, 'the model before the split still shows every delivery');
      assert.deepEqual(errors, [], 'uncaught errors in the page');
    } finally {
      await page.close();
    }
  });
});
