import { describe, expect, it } from 'vitest';
import { inRange, moved, rangeOf, rangeSize } from './selection';

const bounds = { lastRow: 9, lastCol: 3, page: 4 };
const at = (row: number, col: number) => ({ row, col });
const key = (name: string, mods: { ctrl?: boolean; shift?: boolean } = {}) => ({
  key: name,
  ctrl: mods.ctrl ?? false,
  shift: mods.shift ?? false,
});

describe('ranges', () => {
  it('normalizes corners', () => {
    const range = rangeOf(at(3, 1), at(1, 2));
    expect(range).toEqual({ top: 1, bottom: 3, left: 1, right: 2 });
    expect(inRange(range, 2, 2)).toBe(true);
    expect(inRange(range, 4, 2)).toBe(false);
    expect(rangeSize(range)).toEqual({ rows: 3, cols: 2 });
  });
});

describe('moved', () => {
  it.each([
    ['ArrowDown', {}, at(1, 1), at(2, 1)],
    ['ArrowUp', {}, at(0, 1), at(0, 1)],
    ['ArrowRight', {}, at(1, 3), at(1, 3)],
    ['ArrowLeft', {}, at(1, 1), at(1, 0)],
    ['ArrowDown', { ctrl: true }, at(1, 1), at(9, 1)],
    ['ArrowLeft', { ctrl: true }, at(1, 2), at(1, 0)],
    ['Tab', {}, at(1, 1), at(1, 2)],
    ['Tab', {}, at(1, 3), at(2, 0)],
    ['Tab', {}, at(9, 3), at(9, 3)],
    ['Tab', { shift: true }, at(2, 0), at(1, 3)],
    ['Tab', { shift: true }, at(0, 0), at(0, 0)],
    ['PageDown', {}, at(8, 0), at(9, 0)],
    ['PageUp', {}, at(6, 0), at(2, 0)],
    ['Home', {}, at(5, 2), at(5, 0)],
    ['Home', { ctrl: true }, at(5, 2), at(0, 0)],
    ['End', {}, at(5, 0), at(5, 3)],
    ['End', { ctrl: true }, at(5, 0), at(9, 3)],
  ])('%s %j from %j goes to %j', (name, mods, from, to) => {
    expect(moved(from, key(name, mods), bounds)).toEqual(to);
  });

  it('ignores other keys', () => expect(moved(at(0, 0), key('a'), bounds)).toBeNull());
  it('stays in an empty grid', () => expect(moved(at(0, 0), key('ArrowDown'), { lastRow: -1, lastCol: -1, page: 1 })).toEqual(at(0, 0)));
});
