/**
 * Cell positions, rectangular ranges and keyboard movement in the grid, as
 * pure functions so the spreadsheet rules are tested without a browser.
 *
 * ```ts
 * const range = rangeOf({ row: 3, col: 1 }, { row: 1, col: 2 }); // rows 1–3, columns 1–2
 * inRange(range, 2, 2); // true
 * ```
 */

/** A cell by row and column index. */
export interface Cell {
  row: number;
  col: number;
}

/** A rectangle of cells, bounds included. */
export interface Range {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/** The range between two corners. */
export function rangeOf(a: Cell, b: Cell): Range {
  return {
    top: Math.min(a.row, b.row),
    bottom: Math.max(a.row, b.row),
    left: Math.min(a.col, b.col),
    right: Math.max(a.col, b.col),
  };
}

/** Whether a cell is in a range. */
export function inRange(range: Range, row: number, col: number): boolean {
  return row >= range.top && row <= range.bottom && col >= range.left && col <= range.right;
}

/** The number of cells of a range, as `rows × columns`. */
export function rangeSize(range: Range): { rows: number; cols: number } {
  return { rows: range.bottom - range.top + 1, cols: range.right - range.left + 1 };
}

/** The grid's extent for moving: the last row and column an active cell may reach, and a page. */
export interface Bounds {
  lastRow: number;
  lastCol: number;
  /** Rows a Page Up/Down moves. */
  page: number;
}

/** Which keys move with which modifiers. */
export interface Keys {
  key: string;
  ctrl: boolean;
  shift: boolean;
}

/**
 * Where a key moves the active cell, or `null` when it is not a movement key.
 * Ctrl+arrows jump to the edge; Tab and Shift+Tab wrap to the next or previous row.
 */
export function moved(cell: Cell, keys: Keys, bounds: Bounds): Cell | null {
  let { row, col } = cell;
  switch (keys.key) {
    case 'ArrowDown':
      row = keys.ctrl ? bounds.lastRow : row + 1;
      break;
    case 'ArrowUp':
      row = keys.ctrl ? 0 : row - 1;
      break;
    case 'ArrowRight':
      col = keys.ctrl ? bounds.lastCol : col + 1;
      break;
    case 'ArrowLeft':
      col = keys.ctrl ? 0 : col - 1;
      break;
    case 'Tab':
      if (keys.shift) {
        if (col > 0) col -= 1;
        else if (row > 0) [row, col] = [row - 1, bounds.lastCol];
      } else if (col < bounds.lastCol) col += 1;
      else if (row < bounds.lastRow) [row, col] = [row + 1, 0];
      break;
    case 'PageDown':
      row += bounds.page;
      break;
    case 'PageUp':
      row -= bounds.page;
      break;
    case 'Home':
      if (keys.ctrl) row = 0;
      col = 0;
      break;
    case 'End':
      if (keys.ctrl) row = bounds.lastRow;
      col = bounds.lastCol;
      break;
    default:
      return null;
  }
  return { row: clamp(row, 0, bounds.lastRow), col: clamp(col, 0, bounds.lastCol) };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), Math.max(low, high));
}
