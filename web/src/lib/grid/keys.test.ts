import { describe, expect, it } from 'vitest';
import { type KeyPress, keyAction, type KeyState } from './keys';

const state = (over: Partial<KeyState> = {}): KeyState => ({
  active: { row: 2, col: 1 },
  wholeRows: false,
  kind: 'text',
  bounds: { lastRow: 9, lastCol: 3, page: 4 },
  ...over,
});
const check = (press: KeyPress, expected: unknown, over: Partial<KeyState> = {}) =>
  expect(keyAction(press, state(over))).toEqual(expected);

describe('keyAction', () => {
  it('moves and extends', () => {
    check({ key: 'ArrowDown' }, { kind: 'move', to: { row: 3, col: 1 }, extend: false });
    check({ key: 'ArrowRight', shift: true }, { kind: 'move', to: { row: 2, col: 2 }, extend: true });
    check({ key: 'ArrowDown', mod: true }, { kind: 'move', to: { row: 9, col: 1 }, extend: false });
    check({ key: 'Tab', shift: true }, { kind: 'move', to: { row: 2, col: 0 }, extend: false });
    check({ key: 'PageDown' }, { kind: 'move', to: { row: 6, col: 1 }, extend: false });
  });
  it('extends whole rows by rows', () => {
    check({ key: 'ArrowDown', shift: true }, { kind: 'move', to: { row: 3, col: 3 }, extend: true }, {
      wholeRows: true,
      active: { row: 2, col: 3 },
    });
  });
  it('lets Tab leave the grid at its edges', () => {
    check({ key: 'Tab' }, null, { active: { row: 9, col: 3 } });
    check({ key: 'Tab', shift: true }, null, { active: { row: 0, col: 0 } });
  });
  it('edits on Enter, F2 and typing, which replaces', () => {
    check({ key: 'Enter' }, { kind: 'edit', initial: null });
    check({ key: 'F2' }, { kind: 'edit', initial: null });
    check({ key: 'x' }, { kind: 'edit', initial: 'x' });
    check({ key: 'É', shift: true }, { kind: 'edit', initial: 'É' });
    check({ key: 'Backspace' }, { kind: 'edit', initial: '' });
    check({ key: ' ' }, { kind: 'edit', initial: ' ' });
  });
  it('toggles booleans', () => {
    check({ key: ' ' }, { kind: 'toggle' }, { kind: 'boolean' });
    check({ key: 'Enter' }, { kind: 'toggle' }, { kind: 'boolean' });
    check({ key: 'F2' }, null, { kind: 'boolean' });
  });
  it('clears cells or deletes whole rows', () => {
    check({ key: 'Delete' }, { kind: 'clear' });
    check({ key: 'Delete' }, { kind: 'delete-rows' }, { wholeRows: true });
    check({ key: 'Backspace' }, { kind: 'clear' }, { kind: 'boolean' });
  });
  it('selects, copies and leaves paste to the browser', () => {
    check({ key: 'a', mod: true }, { kind: 'select-all' });
    check({ key: 'C', mod: true, shift: true }, { kind: 'copy' });
    check({ key: 'v', mod: true }, null);
    check({ key: ' ', shift: true }, { kind: 'select-row' });
  });
  it('undoes on Ctrl+Z, redoes on Ctrl+Shift+Z and Ctrl+Y', () => {
    check({ key: 'z', mod: true }, { kind: 'undo' });
    check({ key: 'Z', mod: true, shift: true }, { kind: 'redo' });
    check({ key: 'y', mod: true }, { kind: 'redo' });
    // Without Ctrl, z is typing into the cell.
    check({ key: 'z' }, { kind: 'edit', initial: 'z' });
  });
  it('opens the column menu and escapes', () => {
    check({ key: 'ArrowDown', alt: true }, { kind: 'column-menu' });
    check({ key: 'x', alt: true }, null);
    check({ key: 'Escape' }, { kind: 'escape' });
    check({ key: 'Shift' }, null);
  });
});
