import { describe, expect, it } from 'vitest';
import type { GridColumn } from './model';
import { pasteSummary, planPaste } from './paste';

const col = (name: string, readOnly: string | null = null): GridColumn => ({
  name,
  type: 'text',
  nullable: true,
  kind: 'text',
  textType: true,
  readOnly,
  link: null,
  numeric: false,
});
const columns = [col('id', 'Numbered by the database'), col('a'), col('b'), col('c')];

describe('planPaste', () => {
  it('updates loaded rows and inserts the rest', () => {
    const plan = planPaste([['1', '2'], ['3', ''], ['5', '6']], { row: 8, col: 1 }, columns, 10);
    expect(plan.updates).toEqual([
      { index: 8, set: { a: '1', b: '2' } },
      { index: 9, set: { a: '3', b: null } },
    ]);
    expect(plan.inserts).toEqual([{ a: '5', b: '6' }]);
    expect(pasteSummary(plan)).toBe('Pasted 3×2 cells (1 new row)');
  });

  it('skips read-only columns and drops cells past the last column', () => {
    const plan = planPaste([['9', 'x', 'y', 'z', 'w', 'v']], { row: 0, col: 0 }, columns, 1);
    expect(plan.updates).toEqual([{ index: 0, set: { a: 'x', b: 'y', c: 'z' } }]);
    expect(plan.skipped).toEqual(['id']);
    expect(plan.dropped).toBe(2);
    expect(pasteSummary(plan)).toBe(
      'Pasted 1×4 cells; left read-only id unchanged; 2 cells past the last column dropped',
    );
  });

  it('keeps ragged rows ragged', () => {
    const plan = planPaste([['1', '2', '3'], ['4']], { row: 0, col: 1 }, columns, 2);
    expect(plan.updates).toEqual([
      { index: 0, set: { a: '1', b: '2', c: '3' } },
      { index: 1, set: { a: '4' } },
    ]);
    expect(plan.width).toBe(3);
  });
});
