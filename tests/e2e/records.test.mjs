// Browser test of rows, records, links and structure as a user works with
// them: tables made through the API with a foreign key added in psql, link
// chips and the link picker in the grid, a record page with the rows that
// reference it, adding and deleting rows, renaming, retyping and hiding
// columns, an edit that conflicts with someone else's, and tables made,
// renamed and deleted from the sidebar.
//
//   STRATA_BIN=target/debug/strata node --test records.test.mjs

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe } from 'node:test';
import { clickRowNumber, editCell, gridUrl as gridUrlOf, tablePath as tablePathOf, waitForCell, waitForRowCount, waitForSaves } from './grid.mjs';
import { Harness, screenshot } from './harness.mjs';

const h = new Harness();
const tablePath = (table) => tablePathOf(h, table);
const gridUrl = (table) => gridUrlOf(h, table);

/** Makes a table through the API; answers its TableDetail. */
async function createTable(name, columns) {
  const created = await h.api('POST', `/databases/${encodeURIComponent(h.database)}/schemas/public/tables`, { name, columns });
  assert.equal(created.status, 201, `creating ${name}: ${JSON.stringify(created.body)}`);
  return created.body;
}

/** Inserts rows through the API; answers them as read back. */
async function insertRows(table, rows) {
  const inserted = await h.api('POST', `${tablePath(table)}/rows`, { rows });
  assert.equal(inserted.status, 201, `inserting into ${table}: ${JSON.stringify(inserted.body)}`);
  return inserted.body.rows;
}

/**
 * Runs one SQL command in psql on the test database. `h.cli` puts the database
 * flags last, where `strata psql` would hand them to psql (they follow `--`),
 * so the flags go before `--` here.
 */
function psql(sql) {
  const args = ['psql', ...h.databaseArgs, '--', '-v', 'ON_ERROR_STOP=1', '-c', sql];
  return new Promise((resolve, reject) => {
    execFile(h.bin, args, { env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`strata ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/** The grid's column headers as "name type". */
async function headers(page) {
  const texts = await page.getByRole('grid').getByRole('columnheader').allTextContents();
  return texts.map((t) => t.replace(/\s+/g, ' ').trim());
}

describe('records, links and structure in the browser', { timeout: 300_000 }, () => {
  /** Customers and orders by name, as inserted. */
  const customers = {};
  const orders = [];

  before(async () => {
    await h.start();
    await createTable('customers', [
      { name: 'name', type: 'text' },
      { name: 'city', type: 'text' },
    ]);
    await createTable('orders', [
      { name: 'customer_id', type: 'bigint' },
      { name: 'amount', type: 'numeric' },
    ]);
    // The API makes no foreign keys; psql does.
    await psql('ALTER TABLE public.orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers (id)');
    const people = await insertRows('customers', [
      { name: 'Ada', city: 'Berlin' },
      { name: 'Grace', city: 'Lyon' },
      { name: 'Linus', city: 'Porto' },
    ]);
    for (const row of people) customers[row.name] = row.id;
    orders.push(
      ...(await insertRows('orders', [
        { customer_id: customers.Ada, amount: '10.50' },
        { customer_id: customers.Ada, amount: 20 },
        { customer_id: customers.Grace, amount: '7.25' },
      ])),
    );
  });
  after(() => h.finish());

  h.step('shows links as chips and changes one with the picker', { timeout: 60_000 }, async () => {
    const { page, errors } = await h.newPage();
    try {
      await page.goto(gridUrl('orders'));
      const grid = page.getByRole('grid');
      await waitForCell(page, 2, 2, '7.25');
      assert.deepEqual(await headers(page), ['#', 'id bigint', 'customer_id bigint', 'amount numeric']);
      const chips = grid.getByTestId('link-chip');
      assert.deepEqual(await chips.allTextContents(), ['Ada', 'Ada', 'Grace']);

      // Editing the link opens a search over customers; typing narrows it, a click chooses.
      await page.locator('#cell-2-1').click();
      await page.keyboard.press('Enter');
      const options = page.getByTestId('link-option');
      await options.filter({ hasText: 'Ada' }).waitFor();
      await page.getByTestId('cell-editor').fill('Linu');
      await page.waitForFunction(
        () => !Array.from(document.querySelectorAll('[data-testid=link-option]')).some((o) => o.textContent?.includes('Ada')),
      );
      const linus = options.filter({ hasText: 'Linus' });
      await linus.waitFor();
      await linus.click();
      await page.getByTestId('cell-editor').waitFor({ state: 'detached' });
      await waitForCell(page, 2, 1, 'Linus');

      // The new link is stored: a reload shows it, and so does the API.
      await waitForSaves(page);
      await page.reload();
      await waitForCell(page, 2, 2, '7.25');
      assert.deepEqual(await chips.allTextContents(), ['Ada', 'Ada', 'Linus']);
      const stored = await h.api('GET', `${tablePath('orders')}/rows`);
      assert.equal(stored.status, 200);
      assert.equal(stored.body.rows[2].customer_id, customers.Linus);
      assert.deepEqual(errors, [], 'uncaught errors in the page');
    } finally {
      await page.close();
    }
  });

  h.step('opens a record, its referencing rows, and follows a link', { timeout: 60_000 }, async () => {
    const { page, errors } = await h.newPage();
    try {
      await page.goto(gridUrl('customers'));
      await waitForCell(page, 0, 1, 'Ada');
      await page.getByRole('row').filter({ has: page.locator('#cell-0-1') }).getByTestId('open-record').click();
      await page.waitForURL(new RegExp(`/customers/row/${customers.Ada}$`));

      // The fields, each with its type.
      const fields = page.getByTestId('record-fields');
      await fields.waitFor();
      const field = (name) => fields.locator('.field-row').filter({ has: page.getByText(name, { exact: true }) }).locator('dd');
      assert.equal((await field('name').textContent()).trim(), 'Ada');
      assert.equal((await field('city').textContent()).trim(), 'Berlin');

      // Ada's two orders reference her.
      const refs = page.getByTestId('record-referenced-by');
      assert.equal(await refs.count(), 1);
      assert.match(await refs.locator('h4').textContent(), /orders\s+via customer_id/);
      assert.equal((await refs.getByTestId('record-referenced-total').textContent()).trim(), '2 rows');
      const amounts = await refs.locator('tbody tr').allTextContents();
      assert.equal(amounts.length, 2);
      assert.ok(amounts[0].includes('10.50') && amounts[1].includes('20'), amounts.join(' | '));
      await screenshot(page, 'record.png', { fullPage: true });

      // An order's record: its customer is a link back to Ada.
      const first = orders[0].id;
      await refs.getByRole('link', { name: `Open orders ${first}` }).click();
      await page.waitForURL(new RegExp(`/orders/row/${first}$`));
      const customer = page.getByTestId('record-link-customer_id');
      await customer.waitFor();
      assert.equal((await customer.textContent()).trim(), 'Ada');
      assert.equal(await page.getByTestId('record-referenced-by').count(), 0);

      // Back, the way the breadcrumb says: the orders grid.
      await page.getByTestId('record-back').click();
      await page.waitForURL((url) => url.pathname === new URL(gridUrl('orders')).pathname);
      await waitForCell(page, 0, 1, 'Ada');

      // The browser's Back button returns to the record.
      await page.goBack();
      await page.getByTestId('record-link-customer_id').waitFor();

      // A record opened by its URL, and one that does not exist.
      await page.goto(`${gridUrl('customers')}/row/${customers.Linus}`);
      await page.getByTestId('record-referenced-total').filter({ hasText: '1 row' }).waitFor();
      await page.goto(`${gridUrl('customers')}/row/999999`);
      await page.getByTestId('record-error').filter({ hasText: 'No such record' }).waitFor();
      assert.deepEqual(errors, [], 'uncaught errors in the page');
    } finally {
      await page.close();
    }
  });

  h.step('adds rows, types into them, then deletes them', { timeout: 60_000 }, async () => {
    const { page, errors } = await h.newPage();
    try {
      await page.goto(gridUrl('customers'));
      await waitForCell(page, 2, 1, 'Linus');
      await waitForRowCount(page, 3);

      // "+ Add row" adds an empty row and puts the cursor on its first editable cell.
      for (const [row, name, city] of [
        [3, 'Margaret', 'Boston'],
        [4, 'Edsger', 'Nuenen'],
      ]) {
        await page.getByTestId('add-row').click();
        await waitForRowCount(page, row + 1);
        await page.locator(`#cell-${row}-1.active`).waitFor();
        await page.keyboard.press('Enter');
        await page.getByTestId('cell-editor').fill(name);
        await page.getByTestId('cell-editor').press('Tab');
        await waitForCell(page, row, 1, name);
        await page.locator(`#cell-${row}-2.active`).waitFor();
        await page.keyboard.press('Enter');
        await page.getByTestId('cell-editor').fill(city);
        await page.getByTestId('cell-editor').press('Enter');
        await waitForCell(page, row, 2, city);
      }
      await waitForSaves(page);
      await page.reload();
      await waitForCell(page, 3, 1, 'Margaret');
      await waitForCell(page, 3, 2, 'Boston');
      await waitForCell(page, 4, 1, 'Edsger');
      await waitForCell(page, 4, 2, 'Nuenen');
      await waitForRowCount(page, 5);

      // Select both by their row numbers (a click, then a shift-click), delete, confirm.
      await clickRowNumber(page, 3);
      await clickRowNumber(page, 4, ['Shift']);
      assert.equal(await page.locator('[role=row][aria-selected=true]').count(), 2);
      const remove = page.getByTestId('delete-rows');
      assert.equal((await remove.textContent()).trim(), 'Delete 2 rows');
      await remove.click();
      const confirm = page.getByTestId('confirm-dialog');
      await confirm.waitFor();
      assert.match(await confirm.textContent(), /Delete 2 rows\?/);
      await confirm.getByTestId('confirm-delete').click();
      await confirm.waitFor({ state: 'detached' });
      await page.getByTestId('toast').filter({ hasText: 'Deleted 2 rows' }).waitFor();
      await waitForRowCount(page, 3);

      await page.reload();
      await waitForCell(page, 2, 1, 'Linus');
      await waitForRowCount(page, 3);
      const names = await page.locator('[role=gridcell][id$="-1"]').allTextContents();
      assert.deepEqual(names.map((n) => n.trim()).filter((n) => n !== ''), ['Ada', 'Grace', 'Linus']);
      assert.deepEqual(errors, [], 'uncaught errors in the page');
    } finally {
      await page.close();
    }
  });

  h.step('renames, retypes, hides and shows columns', { timeout: 90_000 }, async () => {
    await createTable('stock', [
      { name: 'item', type: 'text' },
      { name: 'qty', type: 'text' },
    ]);
    await insertRows('stock', [
      { item: 'Bolts', qty: '5' },
      { item: 'Nuts', qty: '12' },
      { item: 'Washers', qty: 'many' },
    ]);
    const { page, errors } = await h.newPage();
    try {
      await page.goto(gridUrl('stock'));
      await waitForCell(page, 2, 2, 'many');

      // Rename item → product from its column menu.
      await page.getByTestId('column-menu-item').click();
      await page.getByRole('menuitem', { name: /Rename/ }).click();
      await page.getByTestId('rename-input').fill('product');
      await page.getByTestId('rename-input').press('Enter');
      await page.getByTestId('column-menu-product').waitFor();
      assert.deepEqual(await headers(page), ['#', 'id bigint', 'product text', 'qty text']);
      await waitForCell(page, 0, 1, 'Bolts');

      // qty → integer: the preview finds "many", and the change cannot be applied.
      const retype = async () => {
        await page.getByTestId('column-menu-qty').click();
        await page.getByRole('menuitem', { name: /Change type/ }).click();
        const dialog = page.getByTestId('retype-dialog');
        await dialog.waitFor();
        await page.getByTestId('retype-type').fill('integer');
        await page.getByTestId('retype-preview').click();
        await page.getByTestId('retype-result').waitFor();
        return dialog;
      };
      let dialog = await retype();
      const result = page.getByTestId('retype-result');
      assert.match(await result.textContent(), /1 of 3 values cannot be converted/);
      assert.match(await result.textContent(), /many/);
      assert.match(await result.textContent(), /invalid input syntax for type integer/);
      assert.ok(await page.getByTestId('retype-apply').isDisabled(), 'Change type is enabled with a failing value');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached' });
      assert.deepEqual(await headers(page), ['#', 'id bigint', 'product text', 'qty text']);

      // Fix the value, then the retype goes through.
      await editCell(page, 2, 2, '7');
      await waitForCell(page, 2, 2, '7');
      await waitForSaves(page);
      dialog = await retype();
      assert.match(await result.textContent(), /All 3 values convert to/);
      await page.getByTestId('retype-apply').click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByTestId('toast').filter({ hasText: 'qty is now integer' }).waitFor();
      await page.getByRole('columnheader', { name: /qty\s+integer/ }).waitFor();
      assert.deepEqual(await headers(page), ['#', 'id bigint', 'product text', 'qty integer']);
      await page.reload();
      await waitForCell(page, 2, 2, '7');
      assert.deepEqual(await headers(page), ['#', 'id bigint', 'product text', 'qty integer']);

      // Hide qty, then show it again from "1 hidden".
      await page.getByTestId('column-menu-qty').click();
      await page.getByRole('menuitem', { name: /Hide column/ }).click();
      await page.waitForURL(/hide=qty/);
      await page.getByTestId('column-menu-qty').waitFor({ state: 'detached' });
      assert.deepEqual(await headers(page), ['#', 'id bigint', 'product text']);
      const hidden = page.getByTestId('hidden-columns');
      assert.equal((await hidden.textContent()).trim(), '1 hidden');
      await hidden.click();
      await page.getByRole('button', { name: 'Show qty' }).click();
      await page.waitForURL((url) => !url.search.includes('hide='));
      await page.getByTestId('column-menu-qty').waitFor();
      assert.deepEqual(await headers(page), ['#', 'id bigint', 'product text', 'qty integer']);
      assert.equal(await hidden.count(), 0);
      await waitForCell(page, 2, 2, '7');
      assert.deepEqual(errors, [], 'uncaught errors in the page');
    } finally {
      await page.close();
    }
  });

  h.step('shows a conflicting edit and keeps theirs', { timeout: 60_000 }, async () => {
    const { page, errors } = await h.newPage();
    try {
      await page.goto(gridUrl('customers'));
      await waitForCell(page, 1, 2, 'Lyon');

      // Someone else changes Grace's city after the grid read it.
      const theirs = await h.api('PATCH', `${tablePath('customers')}/rows`, {
        updates: [{ key: { id: customers.Grace }, set: { city: 'Marseille' } }],
      });
      assert.equal(theirs.status, 200, JSON.stringify(theirs.body));

      await editCell(page, 1, 2, 'Paris');
      const conflict = page.getByTestId('cell-conflict');
      await conflict.waitFor();
      assert.match(await conflict.textContent(), /city\s+is now\s+“?Marseille/);
      await conflict.getByRole('button', { name: 'Keep theirs' }).click();
      await conflict.waitFor({ state: 'detached' });
      await waitForCell(page, 1, 2, 'Marseille');

      await page.reload();
      await waitForCell(page, 1, 2, 'Marseille');
      const stored = await h.api('GET', `${tablePath('customers')}/rows`);
      assert.equal(stored.body.rows.find((r) => r.id === customers.Grace).city, 'Marseille');
      assert.deepEqual(errors, [], 'uncaught errors in the page');
    } finally {
      await page.close();
    }
  });

  h.step('makes, renames and deletes a table and a schema from the sidebar', { timeout: 60_000 }, async () => {
    const { page, errors } = await h.newPage();
    try {
      await page.goto(gridUrl('customers'));
      const sidebar = page.getByRole('navigation', { name: 'Databases' });
      await sidebar.locator('li[data-table="customers"]').waitFor();

      // New table: a name and one column; it opens.
      const schemaRow = sidebar.locator('.row').filter({ has: page.getByRole('button', { name: 'public', exact: true }) });
      await schemaRow.getByTestId('sidebar-new-table').click();
      const dialog = page.getByTestId('sidebar-dialog');
      await dialog.getByTestId('sidebar-name').fill('scratch');
      await dialog.getByTestId('new-column-name-0').fill('note');
      await dialog.getByTestId('sidebar-confirm').click();
      await page.waitForURL((url) => url.pathname === new URL(gridUrl('scratch')).pathname);
      await page.getByTestId('column-menu-note').waitFor();
      assert.deepEqual(await headers(page), ['#', 'id bigint', 'note text']);
      const scratch = sidebar.locator('li[data-table="scratch"]');
      assert.equal(await scratch.getAttribute('aria-selected'), 'true');

      // Rename it from its menu: the sidebar and the open grid follow.
      await scratch.getByTestId('table-menu').click();
      await scratch.getByTestId('table-rename').click();
      await dialog.getByTestId('sidebar-name').fill('scratch pad');
      await dialog.getByTestId('sidebar-confirm').click();
      const renamed = sidebar.locator('li[data-table="scratch pad"]');
      await renamed.waitFor();
      assert.equal(await scratch.count(), 0);
      await page.waitForURL((url) => url.pathname === new URL(gridUrl('scratch pad')).pathname);
      await page.getByRole('grid', { name: 'scratch pad' }).waitFor();

      // Delete it: after the confirmation it is gone from the sidebar and the API.
      await renamed.getByTestId('table-menu').click();
      await renamed.getByTestId('table-delete').click();
      assert.match(await dialog.textContent(), /public\.scratch pad/);
      await dialog.getByTestId('sidebar-confirm').click();
      await renamed.waitFor({ state: 'detached' });
      await page.waitForURL((url) => !url.pathname.includes('scratch'));
      assert.equal(await sidebar.locator('li[data-table="customers"]').count(), 1);
      const gone = await h.api('GET', tablePath('scratch pad'));
      assert.equal(gone.status, 404);

      // A schema: made, renamed, then deleted with the table it holds after a warning.
      const dbRow = sidebar.locator('.row').filter({ has: page.getByRole('button', { name: h.database, exact: true }) });
      await dbRow.getByRole('button', { name: /New schema/ }).click();
      await dialog.getByTestId('sidebar-name').fill('drafts "é"');
      await dialog.getByTestId('sidebar-confirm').click();
      const drafts = sidebar.locator('.row').filter({ has: page.getByRole('button', { name: 'drafts "é"', exact: true }) });
      await drafts.waitFor();
      await drafts.getByTestId('schema-menu').click();
      await drafts.getByTestId('schema-rename').click();
      await dialog.getByTestId('sidebar-name').fill('drafts 2');
      await dialog.getByTestId('sidebar-confirm').click();
      const drafts2 = sidebar.locator('.row').filter({ has: page.getByRole('button', { name: 'drafts 2', exact: true }) });
      await drafts2.waitFor();
      const made = await h.api('POST', `/databases/${encodeURIComponent(h.database)}/schemas/drafts%202/tables`, {
        name: 'kept',
        columns: [{ name: 'note', type: 'text' }],
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      await drafts2.getByTestId('schema-menu').click();
      await drafts2.getByTestId('schema-delete').click();
      await dialog.getByTestId('sidebar-confirm').click();
      await dialog.getByRole('alert').filter({ hasText: /kept/ }).waitFor();
      await dialog.getByTestId('sidebar-confirm').click();
      await drafts2.waitFor({ state: 'detached' });
      const schemas = await h.api('GET', `/databases/${encodeURIComponent(h.database)}/schemas`);
      assert.ok(!schemas.body.some((s) => String(s.name ?? s).startsWith('drafts')), JSON.stringify(schemas.body));
      assert.deepEqual(errors, [], 'uncaught errors in the page');
    } finally {
      await page.close();
    }
  });
});
