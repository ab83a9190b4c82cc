/**
 * Turning pasted cells into writes: the rows already loaded that the paste
 * covers become one update request, the rows past the loaded end one insert.
 * Columns the user cannot edit are skipped; cells past the last column are
 * dropped and counted so the summary can say so.
 *
 * ```ts
 * planPaste([['1', 'x']], { row: 9, col: 0 }, columns, 10);
 * // { updates: [{ index: 9, set: {...} }], inserts: [], width: 2, height: 1, dropped: 0, skipped: [] }
 * ```
 */
import type { Row } from '../catalog';
import { MAX_WRITE_ROWS } from '../rows';
import type { GridColumn } from './model';
import type { Cell } from './selection';
import { fromPaste } from './values';

/** What a paste writes. */
export interface PastePlan {
  /** Loaded rows to update, by index, with their new values. */
  updates: { index: number; set: Row }[];
  /** New rows to insert after the loaded ones. */
  inserts: Row[];
  /** The pasted block's size as it landed. */
  width: number;
  height: number;
  /** Cells that fell past the last column. */
  dropped: number;
  /** Read-only columns the paste covered and left alone. */
  skipped: string[];
}

/** Plans a paste of `cells` with its top-left corner at `start`, over `rowCount` loaded rows. */
export function planPaste(cells: readonly (readonly string[])[], start: Cell, columns: readonly GridColumn[], rowCount: number): PastePlan {
  const plan: PastePlan = { updates: [], inserts: [], width: 0, height: cells.length, dropped: 0, skipped: [] };
  cells.forEach((fields, r) => {
    const set: Row = {};
    fields.forEach((text, c) => {
      const column = columns[start.col + c];
      if (!column) {
        plan.dropped += 1;
        return;
      }
      plan.width = Math.max(plan.width, c + 1);
      if (column.readOnly) {
        if (!plan.skipped.includes(column.name)) plan.skipped.push(column.name);
        return;
      }
      set[column.name] = fromPaste(text);
    });
    const index = start.row + r;
    if (index < rowCount) {
      if (Object.keys(set).length > 0) plan.updates.push({ index, set });
    } else {
      plan.inserts.push(set);
    }
  });
  return plan;
}

/** A paste's summary for the toast: `Pasted 3×3 cells`, with what was left out. */
export function pasteSummary(plan: PastePlan): string {
  let text = `Pasted ${plan.height}×${plan.width} cells`;
  if (plan.inserts.length > 0) text += ` (${plan.inserts.length} new ${plan.inserts.length === 1 ? 'row' : 'rows'})`;
  if (plan.skipped.length > 0) text += `; left read-only ${plan.skipped.join(', ')} unchanged`;
  if (plan.dropped > 0) text += `; ${plan.dropped} ${plan.dropped === 1 ? 'cell' : 'cells'} past the last column dropped`;
  return text;
}

/**
 * Why a paste cannot be sent, or `null` when it can: one paste is one
 * transaction, and the server writes at most {@link MAX_WRITE_ROWS} rows per
 * request (splitting it would make it several transactions, no longer all or
 * nothing).
 */
export function pasteRefusal(plan: PastePlan): string | null {
  if (plan.height <= MAX_WRITE_ROWS) return null;
  return (
    `Nothing was pasted: ${plan.height.toLocaleString('en')} rows is more than one paste can write ` +
    `(${MAX_WRITE_ROWS.toLocaleString('en')}). Paste it in parts, or import it as a file.`
  );
}
