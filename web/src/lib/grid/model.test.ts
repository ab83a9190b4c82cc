import { describe, expect, it } from 'vitest';
import type { Column, TableDetail } from '../catalog';
import { gridColumns, sortDirection } from './model';

const column = (name: string, type: string, extra: Partial<Column> = {}): Column => ({
  name,
  type,
  nullable: true,
  default: null,
  identity: false,
  generated: false,
  ...extra,
});

const detail: TableDetail = {
  schema: 'public',
  name: 'orders',
  columns: [
    column('id', 'bigint', { nullable: false }),
    column('city', 'integer'),
    column('total', 'numeric(10,2)', { generated: true }),
    column('note', 'text'),
  ],
  primaryKey: ['id'],
  foreignKeys: [
    { name: 'fk', columns: ['city'], referencedSchema: 'public', referencedTable: 'cities', referencedColumns: ['id'], labelColumn: 'name' },
  ],
  estimatedRows: null,
};

describe('gridColumns', () => {
  it('describes each column for the grid', () => {
    const columns = gridColumns(detail);
    expect(columns.map((c) => [c.name, c.kind, c.readOnly, c.link?.referencedTable ?? null])).toEqual([
      ['id', 'number', 'Numbered by the database', null],
      ['city', 'number', null, 'cities'],
      ['total', 'number', 'Computed by the database', null],
      ['note', 'text', null, null],
    ]);
    expect(columns[3]?.textType).toBe(true);
  });

  it('leaves out hidden columns', () => {
    expect(gridColumns(detail, ['city', 'note']).map((c) => c.name)).toEqual(['id', 'total']);
  });

  it('lets a natural text key be edited', () => {
    const natural = { ...detail, columns: [column('code', 'text', { nullable: false })], primaryKey: ['code'] };
    expect(gridColumns(natural)[0]?.readOnly).toBeNull();
  });

  it('treats a sequence default as numbered', () => {
    const serial = {
      ...detail,
      columns: [column('a', 'integer', { default: "nextval('t_a_seq'::regclass)" }), column('b', 'integer')],
      primaryKey: ['a', 'b'],
    };
    expect(gridColumns(serial).map((c) => c.readOnly)).toEqual(['Numbered by the database', null]);
  });
});

describe('sortDirection', () => {
  it('reads the grid’s own order terms', () => {
    expect(sortDirection('"Order \\"Date\\"".desc', 'Order "Date"')).toBe('desc');
    expect(sortDirection('"a".asc', 'a')).toBe('asc');
    expect(sortDirection('"a".asc', 'b')).toBeUndefined();
    expect(sortDirection(undefined, 'a')).toBeUndefined();
  });
});
