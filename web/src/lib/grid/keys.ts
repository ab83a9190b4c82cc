/**
 * What a key pressed on the grid (not in an editor) does, as a pure function
 * of the key and the grid's state, so the spreadsheet's keyboard is tested
 * without a browser.
 *
 * ```ts
 * keyAction({ key: 'Enter' }, state); // { kind: 'edit', initial: null }
 * keyAction({ key: 'x' }, state);     // { kind: 'edit', initial: 'x' } (typing replaces)
 * keyAction({ key: 'z', mod: true }, state); // { kind: 'undo' }
 * ```
 */
import { type Bounds, type Cell, moved } from './selection';
import type { EditorKind } from './values';

/** The parts of a KeyboardEvent that matter. */
export interface KeyPress {
  key: string;
  shift?: boolean;
  /** Ctrl, or Cmd on a Mac. */
  mod?: boolean;
  alt?: boolean;
}

/** The grid's state a key depends on. */
export interface KeyState {
  active: Cell;
  /** The selection was made on row numbers. */
  wholeRows: boolean;
  /** The active column's editor. */
  kind: EditorKind | undefined;
  bounds: Bounds;
}

/** What to do; `null` leaves the key to the browser. */
export type KeyAction =
  | { kind: 'move'; to: Cell; extend: boolean }
  | { kind: 'edit'; initial: string | null }
  | { kind: 'toggle' }
  | { kind: 'clear' }
  | { kind: 'delete-rows' }
  | { kind: 'select-row' }
  | { kind: 'select-all' }
  | { kind: 'copy' }
  | { kind: 'undo' }
  | { kind: 'redo' }
  | { kind: 'column-menu' }
  | { kind: 'escape' }
  | null;

export function keyAction(press: KeyPress, state: KeyState): KeyAction {
  const { key, shift = false, mod = false, alt = false } = press;
  if (mod && !alt) {
    const letter = key.toLowerCase();
    if (letter === 'a') return { kind: 'select-all' };
    if (letter === 'c') return { kind: 'copy' };
    // Ctrl+Z undoes this tab's last own change; Ctrl+Shift+Z and Ctrl+Y redo.
    if (letter === 'z') return shift ? { kind: 'redo' } : { kind: 'undo' };
    if (letter === 'y') return { kind: 'redo' };
    // Ctrl+arrows, Ctrl+Home/End jump; anything else (Ctrl+V fires `paste`) is the browser's.
    return key.startsWith('Arrow') || key === 'Home' || key === 'End' ? (move(press, state) ?? null) : null;
  }
  if (alt) return key === 'ArrowDown' ? { kind: 'column-menu' } : null;
  const movement = move(press, state);
  if (movement !== undefined) return movement;
  const boolean = state.kind === 'boolean';
  switch (key) {
    case 'Enter':
      return boolean ? { kind: 'toggle' } : { kind: 'edit', initial: null };
    case 'F2':
      return boolean ? null : { kind: 'edit', initial: null };
    case ' ':
      if (shift) return { kind: 'select-row' };
      return boolean ? { kind: 'toggle' } : { kind: 'edit', initial: ' ' };
    case 'Delete':
      return state.wholeRows ? { kind: 'delete-rows' } : { kind: 'clear' };
    case 'Backspace':
      return boolean ? { kind: 'clear' } : { kind: 'edit', initial: '' };
    case 'Escape':
      return { kind: 'escape' };
  }
  return key.length === 1 ? { kind: 'edit', initial: key } : null;
}

/**
 * A movement, `null` for Tab past the grid's first or last cell (the browser
 * moves focus out, so the keyboard is never trapped), `undefined` when the key
 * does not move. Shift extends the selection (in whole rows, by rows).
 */
function move(press: KeyPress, state: KeyState): KeyAction | undefined {
  const { key, shift = false, mod = false } = press;
  const next = moved(state.active, { key, ctrl: mod, shift }, state.bounds);
  if (!next) return undefined;
  if (key === 'Tab' && next.row === state.active.row && next.col === state.active.col) return null;
  const extend = shift && key !== 'Tab';
  return { kind: 'move', to: state.wholeRows && extend ? { row: next.row, col: state.active.col } : next, extend };
}
