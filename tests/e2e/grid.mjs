// What the browser tests share about the grid: its URLs and the waits and
// gestures on its cells, rows and saves.

import assert from 'node:assert/strict';

/** `/databases/{db}/schemas/public/tables/{table}` of harness `h`'s database, for the API. */
export function tablePath(h, table) {
  return `/databases/${encodeURIComponent(h.database)}/schemas/public/tables/${encodeURIComponent(table)}`;
}

/** The grid's URL for a table of `public` in harness `h`'s database. */
export function gridUrl(h, table) {
  return `${h.baseUrl}/db/${encodeURIComponent(h.database)}/public/${encodeURIComponent(table)}`;
}

/** Waits until the grid cell at row R, column C (0-based, row numbers excluded) reads `text`. */
export async function waitForCell(page, row, col, text) {
  await page.waitForFunction(
    ([id, want]) => document.getElementById(id)?.textContent?.trim() === want,
    [`cell-${row}-${col}`, text],
    { timeout: 15_000 },
  );
}

/**
 * Waits until no cell is saving, so every edit made so far is stored. (Playwright's
 * `networkidle` cannot say this: once reached after the load, it does not wait again.)
 */
export async function waitForSaves(page) {
  await page.waitForFunction(() => document.querySelector('[role=gridcell].saving') === null, undefined, { timeout: 15_000 });
}

/** Waits until the row count reads `n rows`. */
export async function waitForRowCount(page, n) {
  await page.waitForFunction(
    (want) => document.querySelector('[data-testid=row-count]')?.textContent?.trim() === want,
    `${n} ${n === 1 ? 'row' : 'rows'}`,
    { timeout: 15_000 },
  );
}

/** Opens a cell's editor (click, Enter), types `text` and saves with `key` (Enter or Tab). */
export async function editCell(page, row, col, text, key = 'Enter') {
  await page.locator(`#cell-${row}-${col}`).click();
  await page.keyboard.press('Enter');
  const editor = page.getByTestId('cell-editor');
  await editor.fill(text);
  await editor.press(key);
  await editor.waitFor({ state: 'detached' });
}

/** Clicks a row's number (at its right, where the number is, not the ↗ button). */
export async function clickRowNumber(page, row, modifiers = []) {
  const number = page.locator(`[role=rowheader][data-row="${row}"]`);
  const box = await number.boundingBox();
  assert.ok(box, `row ${row} has no row number on screen`);
  await number.click({ position: { x: box.width - 8, y: box.height / 2 }, modifiers });
}
