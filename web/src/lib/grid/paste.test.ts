import { describe, expect, it } from 'vitest';
import type { GridColumn } from './model';
import { pasteRefusal, pasteSummary, planPaste } from './paste';

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

// Review item 7: a paste is one transaction, so one over the server's 1000-row limit is refused, not split.
describe('pasteRefusal', () => {
  it('lets a paste of up to 1000 rows through', () => {
    const cells = Array.from({ length: 1000 }, () => ['x']);
    expect(pasteRefusal(planPaste(cells, { row: 0, col: 1 }, columns, 0))).toBeNull();
    expect(pasteRefusal(planPaste(cells, { row: 0, col: 1 }, columns, 1000))).toBeNull();
  });
  it('refuses a bigger paste and says what to do', () => {
    const cells = Array.from({ length: 1001 }, () => ['x']);
    expect(pasteRefusal(planPaste(cells, { row: 0, col: 1 }, columns, 0))).toBe(
      'Nothing was pasted: 1,001 rows is more than one paste can write (1,000). Paste it in parts, or import it as a file.',
    );
  });
});
