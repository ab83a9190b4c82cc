// Browser test of the audit trail as a user meets it: Ctrl+Z undoes the
// tab's own edit, the history panel redoes it after a reload (the tab's own
// actions survive it), Ctrl+Z / Ctrl+Shift+Z again, a deleted row restored
// from "Recently deleted", the record page's history, and an undo that a
// later change is in the way of, explained and then cascaded.
//
//   STRATA_BIN=target/debug/strata node --test history.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { clickRowNumber, editCell, gridUrl as gridUrlOf, tablePath as tablePathOf, waitForCell, waitForRowCount, waitForSaves } from './grid.mjs';
import { Harness, screenshot } from './harness.mjs';

const h = new Harness();
const tablePath = (table) => tablePathOf(h, table);
const gridUrl = (table) => gridUrlOf(h, table);

/** The stored rows of a table by id, through the API. */
async function storedRows(table) {
  const answer = await h.api('GET', `${tablePath(table)}/rows`);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return Object.fromEntries(answer.body.rows.map((row) => [String(row.id), row]));
}

/** Waits for the toast to read `text`. */
async function waitForToast(page, text) {
  await page.getByTestId('toast').filter({ hasText: text }).waitFor({ timeout: 15_000 });
}

/** The history panel's entry whose summary is `summary`, undone or not. */
function historyEntry(page, summary, undone) {
  return page
    .getByTestId('history-panel')
    .locator(`[data-testid=history-entry][data-undone=${undone}]`)
    .filter({ has: page.getByText(summary, { exact: true }) });
}

describe('history, undo and restore in the browser', { timeout: 300_000 }, () => {
  /** The rows' ids as text, and as the API sent them, by item. */
  const ids = {};
  const rawIds = {};

  before(async () => {
    await h.start();
    const created = await h.api('POST', `/databases/${encodeURIComponent(h.database)}/schemas/public/tables`, {
      name: 'orders',
      columns: [
        { name: 'item', type: 'text' },
        { name: 'qty', type: 'integer' },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const inserted = await h.api('POST', `${tablePath('orders')}/rows`, {
      rows: [
        { item: 'pen', qty: 1 },
        { item: 'ink', qty: 2 },
        { item: 'pad', qty: 3 },
      ],
    });
    assert.equal(inserted.status, 201, JSON.stringify(inserted.body));
    for (const row of inserted.body.rows) {
      ids[row.item] = String(row.id);
      rawIds[row.item] = row.id;
    }
  });
  after(() => h.finish());

  h.step('Ctrl+Z undoes an edit; after a reload the history panel redoes it', { timeout: 90_000 }, async () => {
    const { page, errors } = await h.newPage();
    try {
      await page.goto(gridUrl('orders'));
      await waitForCell(page, 0, 1, 'pen');
      await editCell(page, 0, 2, '10');
      await waitForSaves(page);
      assert.equal((await storedRows('orders'))[ids.pen].qty, 10);

      // Ctrl+Z in the grid takes the tab's own edit back.
      await page.keyboard.press('Control+z');
      await waitForToast(page, 'Undid: Edited 1 cell in orders');
      await waitForCell(page, 0, 2, '1');
      assert.equal((await storedRows('orders'))[ids.pen].qty, 1);

      // After a reload the history lists the edit as undone, with Redo.
      await page.reload();
      await waitForCell(page, 0, 2, '1');
      await page.getByTestId('history-open').click();
      const panel = page.getByTestId('history-panel');
      await panel.waitFor();
      assert.ok(await panel.getAttribute('aria-labelledby'), 'the panel is labelled');
      const edit = historyEntry(page, 'Edited 1 cell in orders', true);
      await edit.waitFor();
      assert.match(await edit.locator('time').getAttribute('title'), /\d/, 'the exact time is the title');
      const undid = panel.getByTestId('history-entry').first();
      assert.match(await undid.textContent(), /Undid: Edited 1 cell in orders/);
      await edit.getByTestId('history-redo').click();
      await waitForCell(page, 0, 2, '10');
      await historyEntry(page, 'Redid: Edited 1 cell in orders', false).waitFor();
      assert.equal((await storedRows('orders'))[ids.pen].qty, 10);
      await historyEntry(page, 'Edited 1 cell in orders', false).waitFor();
      // `make screenshots` sets STRATA_SCREENSHOTS=docs/screenshots to refresh the README's.
      await screenshot(page, 'history.png');

      // The tab still knows the edit is its own: Ctrl+Z and Ctrl+Shift+Z work after the reload.
      await page.getByTestId('history-panel').getByRole('button', { name: 'Close the history' }).click();
      await page.locator('#cell-0-1').click();
      await page.keyboard.press('Control+z');
      await waitForCell(page, 0, 2, '1');
      await page.keyboard.press('Control+Shift+z');
      await waitForToast(page, 'Redid: Edited 1 cell in orders');
      await waitForCell(page, 0, 2, '10');
      assert.equal((await storedRows('orders'))[ids.pen].qty, 10);
      assert.deepEqual(errors, [], 'uncaught errors in the page');
    } finally {
      await page.close();
    }
  });

  h.step('restores a deleted row from Recently deleted', { timeout: 60_000 }, async () => {
    const { page, errors } = await h.newPage();
    try {
      await page.goto(gridUrl('orders'));
      await waitForCell(page, 1, 1, 'ink');
      await clickRowNumber(page, 1);
      await page.getByTestId('delete-rows').click();
      await page.getByTestId('confirm-delete').click();
      await waitForRowCount(page, 2);
      assert.equal((await storedRows('orders'))[ids.ink], undefined);

      await page.getByTestId('deleted-open').click();
      const dialog = page.getByTestId('recently-deleted');
      const row = dialog.locator(`[data-testid=deleted-row][data-key="${ids.ink}"]`);
      await row.waitFor();
      assert.match(await row.textContent(), /ink/);
      await row.getByTestId('restore-row').click();
      await row.waitFor({ state: 'detached' });
      await waitForToast(page, 'Restored 1 row');
      await dialog.getByRole('button', { name: 'Close' }).click();
      await waitForRowCount(page, 3);
      await waitForCell(page, 1, 1, 'ink');
      // The same id and values are back.
      assert.deepEqual((await storedRows('orders'))[ids.ink], { id: rawIds.ink, item: 'ink', qty: 2 });
      assert.deepEqual(errors, [], 'uncaught errors in the page');
    } finally {
      await page.close();
    }
  });

  h.step("the record page shows the record's history", { timeout: 60_000 }, async () => {
    const { page, errors } = await h.newPage();
    try {
      await page.goto(`${gridUrl('orders')}/row/${ids.pen}`);
      const history = page.getByTestId('record-history');
      await history.waitFor();
      const versions = history.getByTestId('record-version');
      // Edited, undone, redone, undone and redone again (the update is 1 → 10 last), after the insert.
      assert.ok((await versions.count()) >= 4, `versions: ${await versions.allTextContents()}`);
      assert.equal(await versions.first().getAttribute('data-change'), 'update');
      assert.match((await versions.first().getByTestId('record-change').textContent()).replace(/\s+/g, ' '), /qty 1 → 10/);
      assert.equal(await versions.last().getAttribute('data-change'), 'insert');
      await screenshot(page, 'record-history.png', { fullPage: true });
      assert.deepEqual(errors, [], 'uncaught errors in the page');
    } finally {
      await page.close();
    }
  });

  h.step('an undo that a later change is in the way of is explained, and cascades', { timeout: 60_000 }, async () => {
    const { page, errors } = await h.newPage();
    try {
      await page.goto(gridUrl('orders'));
      await waitForCell(page, 2, 1, 'pad');
      await editCell(page, 2, 2, '30');
      await waitForSaves(page);

      // Someone else changes the same cell afterwards.
      const theirs = await h.api('PATCH', `${tablePath('orders')}/rows`, { updates: [{ key: { id: rawIds.pad }, set: { qty: 31 } }] });
      assert.equal(theirs.status, 200, JSON.stringify(theirs.body));

      await page.locator('#cell-2-1').click();
      await page.keyboard.press('Control+z');
      const dialog = page.getByTestId('undo-conflict');
      await dialog.waitFor();
      const explained = (await dialog.getByTestId('undo-conflicts').textContent()).replace(/\s+/g, ' ');
      assert.match(explained, /Edited 1 cell in orders/);
      assert.match(explained, /qty/);
      assert.match(explained, new RegExp(`row ${ids.pad}\\b`));
      // Nothing was undone yet.
      assert.equal((await storedRows('orders'))[ids.pad].qty, 31);

      await dialog.getByTestId('undo-cascade').click();
      await dialog.waitFor({ state: 'detached' });
      await waitForCell(page, 2, 2, '3');
      assert.equal((await storedRows('orders'))[ids.pad].qty, 3);
      assert.deepEqual(errors, [], 'uncaught errors in the page');
    } finally {
      await page.close();
    }
  });
});
