// What the browser tests share about the grid: its URLs, the import wizard that
// fills it, and the waits and gestures on its cells, rows and saves.

import assert from 'node:assert/strict';

/** `/databases/{db}/schemas/public/tables/{table}` of harness `h`'s database, for the API. */
export function tablePath(h, table) {
  return `/databases/${encodeURIComponent(h.database)}/schemas/public/tables/${encodeURIComponent(table)}`;
}

/** The grid's URL for a table of `public` in harness `h`'s database. */
export function gridUrl(h, table) {
  return `${h.baseUrl}/db/${encodeURIComponent(h.database)}/public/${encodeURIComponent(table)}`;
}

/**
 * Opens the import wizard on harness `h`'s home page and takes the CSV text `csv` as `name` into
 * `public`, up to the preview of its columns.
 */
export async function startImport(page, h, name, csv) {
  await page.goto(`${h.baseUrl}/`);
  await page.getByTestId('import-open').click();
  await page.getByTestId('import-db').selectOption(h.database);
  await page.getByTestId('import-schema').selectOption('public');
  await page.getByTestId('import-file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByTestId('import-next').click();
}

/** Imports the previewed file as the table `table`, checks `rows` were loaded, and opens it. */
export async function finishImport(page, table, rows) {
  await page.getByTestId('import-table-name').fill(table);
  await page.getByTestId('import-commit').click();
  await page.getByTestId('import-done').waitFor({ timeout: 60_000 });
  assert.match(await page.getByTestId('import-done').textContent(), new RegExp(String(rows)));
  await page.getByTestId('import-open-table').click();
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
