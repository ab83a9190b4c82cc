// Browser test of working with data as a user would: import a CSV through the
// import wizard, then in the grid sort, filter, edit a cell (and see the edit
// survive a reload), paste a 3×3 block from the clipboard, and see a refused
// edit explained next to its cell with the old value back.
//
//   STRATA_BIN=target/debug/strata node --test editing.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { finishImport, startImport, waitForCell, waitForSaves } from './grid.mjs';
import { Harness, screenshot } from './harness.mjs';

const h = new Harness();

/** The orders file the wizard imports: ids, text, integers, numbers and dates. */
function ordersCsv() {
  const cities = ['Berlin', 'Lyon', 'Porto', 'Zürich'];
  const lines = ['Customer,City,Qty,Price,Ordered'];
  for (let i = 1; i <= 120; i++) {
    const day = String((i % 28) + 1).padStart(2, '0');
    lines.push(`Customer ${i},${cities[i % 4]},${(i * 7) % 50},${(i * 3) % 20}.25,2024-02-${day}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The text of the grid cell at row R, column C (0-based, the row number column excluded). */
async function cellText(page, row, col) {
  return ((await page.locator(`#cell-${row}-${col}`).textContent()) ?? '').trim();
}

/** Dispatches a real `paste` event carrying `text` as text/plain on the grid. */
async function paste(page, text) {
  await page.getByRole('grid').evaluate((grid, data) => {
    const transfer = new DataTransfer();
    transfer.setData('text/plain', data);
    const target = document.activeElement && grid.contains(document.activeElement) ? document.activeElement : grid;
    target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
  }, text);
}

describe('working with data in the browser', { timeout: 240_000 }, () => {
  before(() => h.start());
  after(() => h.finish());

  h.step('imports a CSV through the wizard and edits it in the grid', { timeout: 200_000 }, async () => {
    const { page, errors } = await h.newPage();
    try {
      // Import: pick the file, check the preview's inferred types, name the table, commit.
      await startImport(page, h, 'orders.csv', ordersCsv());
      await page.getByTestId('import-type-2').waitFor();
      assert.equal(await page.getByTestId('import-type-2').inputValue(), 'integer');
      assert.equal(await page.getByTestId('import-type-4').inputValue(), 'date');
      await screenshot(page, 'import.png');
      await finishImport(page, 'orders "2024"', 120);

      const grid = page.getByRole('grid');
      await grid.getByRole('gridcell', { name: 'Customer 1', exact: true }).waitFor();
      const headers = (await grid.getByRole('columnheader').allTextContents()).map((t) => t.replace(/\s+/g, ' '));
      assert.ok(headers.some((t) => t.includes('Qty') && t.includes('integer')), headers.join(' | '));

      // Sort by Qty, descending after two clicks: the largest quantity comes first.
      const qtyHeader = grid.getByRole('columnheader', { name: /Qty/ });
      await qtyHeader.getByRole('button', { name: /Qty/ }).click();
      await grid.locator('[aria-sort=ascending]').waitFor();
      await qtyHeader.getByRole('button', { name: /Qty/ }).click();
      await grid.locator('[aria-sort=descending]').waitFor();
      await waitForCell(page, 0, 3, '49');
      // A third click clears the sort: rows are in key order again, so edits below stay put.
      await qtyHeader.getByRole('button', { name: /Qty/ }).click();
      await page.waitForURL((url) => !url.search.includes('order='));
      await waitForCell(page, 0, 1, 'Customer 1');

      // Filter City = Porto from the column menu: the filter is a chip and in the URL.
      await page.getByTestId('column-menu-City').click();
      await page.getByRole('menuitem', { name: /Filter/ }).click();
      await page.getByTestId('filter-op').selectOption('eq');
      await page.getByTestId('filter-value').fill('Porto');
      await page.getByTestId('filter-apply').click();
      await page.getByTestId('filter-chip').filter({ hasText: /Porto/ }).waitFor();
      await page.waitForURL(/City=eq\.Porto/);
      await page.waitForFunction(() => /^\s*30 rows/.test(document.querySelector('[data-testid=row-count]')?.textContent ?? ''));
      const cities = await grid.locator('[role=gridcell][id$="-2"]').allTextContents();
      assert.ok(cities.length > 0 && cities.every((c) => c.trim() === 'Porto'), cities.join(','));

      // Edit a cell: Enter starts editing, Enter commits; a reload shows the edit kept.
      const customer = await cellText(page, 0, 1);
      await page.locator('#cell-0-1').click();
      await page.keyboard.press('Enter');
      await page.getByTestId('cell-editor').fill(`${customer} (VIP)`);
      await page.getByTestId('cell-editor').press('Enter');
      await waitForCell(page, 0, 1, `${customer} (VIP)`);
      await waitForSaves(page);
      await page.reload();
      await waitForCell(page, 0, 1, `${customer} (VIP)`);
      await page.waitForURL(/City=eq\.Porto/);

      // Paste a 3×3 block (Customer, City, Qty) at row 1, column 1, as a spreadsheet puts it
      // on the clipboard.
      await page.locator('#cell-1-1').click();
      await paste(page, 'Ann\tPorto\t7\r\nBob\tPorto\t8\r\nCid\tPorto\t9\r\n');
      await page.getByTestId('toast').filter({ hasText: /3.3/ }).waitFor();
      await waitForCell(page, 1, 1, 'Ann');
      await waitForCell(page, 3, 3, '9');
      await waitForSaves(page);
      await page.reload();
      await waitForCell(page, 2, 1, 'Bob');
      await waitForCell(page, 3, 1, 'Cid');
      await screenshot(page, 'editing.png');

      // A refused edit: a quantity beyond integer's range. The reason shows next to the
      // cell and the old value comes back.
      const before = await cellText(page, 1, 3);
      await page.locator('#cell-1-3').click();
      await page.keyboard.press('Enter');
      await page.getByTestId('cell-editor').fill('99999999999');
      await page.getByTestId('cell-editor').press('Enter');
      const bubble = page.getByTestId('cell-error');
      await bubble.waitFor();
      assert.match(await bubble.textContent(), /out of range for type integer/);
      await waitForCell(page, 1, 3, before);
      await screenshot(page, 'edit-error.png');
      assert.deepEqual(errors, [], 'uncaught errors in the page');
    } finally {
      await page.close();
    }
  });
});
