import { describe, expect, it } from 'vitest';
import type { TableDetail } from './catalog';
import type { Conflict } from './models';
import {
  buildChange,
  choosableColumns,
  conflictGuidance,
  dependencyTable,
  draftProblem,
  emptyDraft,
  freeName,
  linkColumns,
  mergeExplanation,
  OPERATIONS,
  operationsFor,
  previewSummary,
  type RefineDraft,
  suggestRowsTableName,
  suggestTableName,
  tableAfter,
  toggled,
} from './refine';

const column = (name: string, type = 'text') => ({ name, type, nullable: true, default: null, identity: false, generated: false });

const orders: TableDetail = {
  schema: 'public',
  name: 'orders',
  columns: [
    { ...column('id', 'bigint'), identity: true, nullable: false },
    column('Order Date', 'date'),
    column('Customer Name'),
    column('Customer Email'),
    column('City'),
    column('Country'),
    column('product_id', 'bigint'),
  ],
  primaryKey: ['id'],
  foreignKeys: [
    {
      name: 'orders_product_id_fkey',
      columns: ['product_id'],
      referencedSchema: 'public',
      referencedTable: 'products',
      referencedColumns: ['id'],
      labelColumn: 'name',
    },
  ],
  estimatedRows: 200,
};

const draft = (changes: Partial<RefineDraft>): RefineDraft => ({ ...emptyDraft(), ...changes });
const context = { detail: orders, tables: ['orders', 'products'] };
const customer = ['Customer Name', 'Customer Email', 'City', 'Country'];

describe('building a change', () => {
  it('extracts with a key, keeping only keys among the columns', () => {
    expect(buildChange('orders', draft({ columns: customer, into: ' customers ', key: ['Customer Email', 'Order Date'] }))).toEqual({
      op: 'extract',
      table: 'orders',
      columns: customer,
      into: 'customers',
      key: ['Customer Email'],
    });
  });

  it('spells every kind of step as the API takes it', () => {
    expect(buildChange('orders', draft({ op: 'move', columns: ['City'], link: 'product_id' }))).toEqual({
      op: 'move',
      table: 'orders',
      columns: ['City'],
      link: 'product_id',
    });
    expect(buildChange('orders', draft({ op: 'split_columns', columns: ['City'], into: 'places' }))).toEqual({
      op: 'split_columns',
      table: 'orders',
      columns: ['City'],
      into: 'places',
    });
    expect(buildChange('orders', draft({ op: 'rename_table', to: 'sales "2024"' }))).toEqual({ op: 'rename_table', table: 'orders', to: 'sales "2024"' });
    expect(buildChange('orders', draft({ op: 'rename_column', column: 'City', to: 'Town' }))).toEqual({
      op: 'rename_column',
      table: 'orders',
      column: 'City',
      to: 'Town',
    });
    expect(buildChange('orders', draft({ op: 'retype', column: 'City', type: ' integer ', using: '  ', lossy: true }))).toEqual({
      op: 'retype',
      table: 'orders',
      column: 'City',
      type_name: 'integer',
      lossy: true,
    });
    expect(buildChange('orders', draft({ op: 'retype', column: 'City', type: 'integer', using: 'length("City")' }))).toMatchObject({
      using: 'length("City")',
      lossy: false,
    });
    expect(buildChange('orders', draft({ op: 'add_column', column: ' Notes ', type: 'text' }))).toEqual({
      op: 'add_column',
      table: 'orders',
      column: 'Notes',
      type_name: 'text',
    });
    expect(buildChange('orders', draft({ op: 'drop_column', column: 'City' }))).toEqual({ op: 'drop_column', table: 'orders', column: 'City' });
  });

  it('merges back along the link, and splits rows by the trimmed condition', () => {
    expect(buildChange('orders', draft({ op: 'merge', link: 'product_id', columns: ['City'], into: 'x' }))).toEqual({
      op: 'merge',
      table: 'orders',
      link: 'product_id',
    });
    expect(buildChange('orders', draft({ op: 'split_rows', condition: ' "Zoë\'s qty" > 100; ', into: ' big "orders" ', columns: ['City'] }))).toEqual({
      op: 'split_rows',
      table: 'orders',
      into: 'big "orders"',
      condition: '"Zoë\'s qty" > 100;',
    });
  });

  it('names the table to show afterwards', () => {
    expect(tableAfter({ op: 'rename_table', table: 'orders', to: 'sales' })).toBe('sales');
    expect(tableAfter({ op: 'extract', table: 'orders', columns: ['City'], into: 'cities', key: [] })).toBe('orders');
  });

  it('says in a preview what the step will do', () => {
    const cases: [string, string][] = [
      ['Extracted Customer Name, City of orders into customers', 'Will extract Customer Name, City of orders into customers'],
      ['Moved Region from orders to customers', 'Will move Region from orders to customers'],
      ['Split Note,  Photo off people into Dropped notes', 'Will split Note,  Photo off people into Dropped notes'],
      ['Renamed table orders to sales', 'Will rename table orders to sales'],
      ['Changed orders.Qty to integer', 'Will change orders.Qty to integer'],
      ['Added orders.Note (text)', 'Will add orders.Note (text)'],
      ['Dropped orders.Note', 'Will drop orders.Note'],
      ['Merged customers back into orders', 'Will merge customers back into orders'],
      ['Split the rows of orders where amount > 100 into big', 'Will split the rows of orders where amount > 100 into big'],
      ['Joined notes to people', 'Will: Joined notes to people'],
    ];
    for (const [made, previewed] of cases) expect(previewSummary(made)).toBe(previewed);
  });
});

describe('checking a draft', () => {
  const check = (changes: Partial<RefineDraft>) => draftProblem(draft(changes), context);

  it('accepts a complete extraction', () => {
    expect(check({ columns: customer, into: 'customers', key: ['Customer Email'] })).toBeNull();
  });

  it('says what is missing or wrong', () => {
    expect(check({ into: 'customers' })).toBe('Choose at least one column.');
    expect(check({ columns: ['id'], into: 'x' })).toMatch(/table’s key/);
    expect(check({ columns: ['Gone'], into: 'x' })).toMatch(/no column “Gone”/);
    expect(check({ columns: customer, into: ' ' })).toMatch(/^New table: Give it a name/);
    expect(check({ columns: customer, into: 'products' })).toMatch(/already a table named “products”/);
    expect(check({ columns: customer, into: 'x'.repeat(64) })).toMatch(/63 bytes/);
    expect(check({ columns: choosableColumns(orders, 'extract'), into: 'all' })).toMatch(/Leave at least one column/);
    expect(check({ columns: ['City'], into: 'c', key: ['Country'] })).toMatch(/key “Country” is not one of/);
  });

  it('checks moves along links', () => {
    expect(check({ op: 'move', columns: ['City'] })).toMatch(/Choose the link/);
    expect(check({ op: 'move', columns: ['City'], link: 'City' })).toMatch(/not a link column/);
    expect(check({ op: 'move', columns: ['product_id'], link: 'product_id' })).toMatch(/link itself/);
    expect(check({ op: 'move', columns: ['City'], link: 'product_id' })).toBeNull();
  });

  it('checks merges along links', () => {
    expect(check({ op: 'merge' })).toBe('Choose the link whose table to merge back.');
    expect(check({ op: 'merge', link: 'City' })).toMatch(/“City” is not a link column/);
    expect(check({ op: 'merge', link: 'product_id' })).toBeNull();
  });

  it('checks splits by rows', () => {
    expect(check({ op: 'split_rows', into: 'big', condition: '  ' })).toMatch(/Give the condition/);
    expect(check({ op: 'split_rows', condition: 'amount > 100', into: '' })).toMatch(/^New table: Give it a name/);
    expect(check({ op: 'split_rows', condition: 'amount > 100', into: 'products' })).toMatch(/already a table named “products”/);
    expect(check({ op: 'split_rows', condition: '"City" = \'Lisbon\'', into: 'big "orders"; --' })).toBeNull();
  });

  it('checks renames, retypes, added and dropped columns', () => {
    expect(check({ op: 'rename_table', to: 'orders' })).toMatch(/its name already/);
    expect(check({ op: 'rename_table', to: 'products' })).toMatch(/already a table/);
    expect(check({ op: 'rename_table', to: 'sales; drop table x; --' })).toBeNull();
    expect(check({ op: 'rename_column', to: 'Town' })).toBe('Choose a column.');
    expect(check({ op: 'rename_column', column: 'City', to: 'Country' })).toMatch(/already a column/);
    expect(check({ op: 'rename_column', column: 'City', to: 'Town "é"' })).toBeNull();
    expect(check({ op: 'retype', column: 'City' })).toMatch(/new type/);
    expect(check({ op: 'retype', column: 'City', type: 'integer' })).toBeNull();
    expect(check({ op: 'add_column', column: 'City', type: 'text' })).toMatch(/already a column/);
    expect(check({ op: 'add_column', column: 'Notes' })).toMatch(/its type/);
    expect(check({ op: 'drop_column', column: 'id' })).toMatch(/cannot be dropped/);
    expect(check({ op: 'drop_column', column: 'City' })).toBeNull();
  });
});

describe('what the form offers', () => {
  it('offers every column but the key, and but the link to move along', () => {
    expect(choosableColumns(orders, 'extract')).toEqual(['Order Date', ...customer, 'product_id']);
    expect(choosableColumns(orders, 'move', 'product_id')).toEqual(['Order Date', ...customer]);
  });

  it('offers merging back only to a table with a link', () => {
    expect(operationsFor(orders)).toEqual(OPERATIONS);
    const unlinked = operationsFor({ ...orders, foreignKeys: [] }).map((o) => o.op);
    expect(unlinked).not.toContain('merge');
    expect(unlinked).toContain('split_rows');
    expect(unlinked).toHaveLength(OPERATIONS.length - 1);
  });

  it('says in a sentence what merging back does', () => {
    expect(mergeExplanation('orders', { column: 'customers_id', table: 'customers' })).toBe(
      'The columns of customers (all but its key) take the place of customers_id in orders, each row holding the values of ' +
        'the customers row it linked to, and customers leaves this model (earlier models keep it).',
    );
  });

  it('lists single-column links', () => {
    expect(linkColumns(orders)).toEqual([{ column: 'product_id', table: 'products' }]);
  });

  it('ticks and unticks in the table’s order', () => {
    expect(toggled(customer, ['City'], 'Customer Name', true)).toEqual(['Customer Name', 'City']);
    expect(toggled(customer, ['Customer Name', 'City'], 'Customer Name', false)).toEqual(['City']);
  });

  it('suggests the new table’s name from the columns', () => {
    expect(suggestTableName(customer, 'orders', ['orders'])).toBe('customers');
    expect(suggestTableName(['City'], 'orders', [])).toBe('cities');
    expect(suggestTableName(['Address line', 'Address_zip'], 'orders', [])).toBe('addresses');
    expect(suggestTableName(['Product', 'SKU', 'Unit Price'], 'orders', [])).toBe('products');
    expect(suggestTableName(['Order Date', 'Order Total'], 'orders', ['orders'])).toBe('orders_details');
    expect(suggestTableName(customer, 'orders', ['customers', 'customers_2'])).toBe('customers_3');
    expect(suggestTableName([], 'orders', [])).toBe('orders_details');
    expect(suggestTableName(['42', '7'], 'orders', [])).toBe('orders_details');
  });

  it('suggests a free name for the rows split off', () => {
    expect(suggestRowsTableName('orders', ['orders'])).toBe('orders_split');
    expect(suggestRowsTableName('orders', ['orders_split'])).toBe('orders_split_2');
  });

  it('finds a free name', () => {
    expect(freeName('a', [])).toBe('a');
    expect(freeName('a', ['a', 'a_2'])).toBe('a_3');
  });
});

describe('explaining conflicts', () => {
  const conflicts: Conflict[] = [
    { kind: 'dependency', key: { 'Customer Email': 'a@x', Country: null }, column: 'City', values: ['Lisbon', null], rows: 3 },
    { kind: 'dependency', key: { 'Customer Email': 'b@x' }, column: 'Customer Name', values: ['Bo', 'Bob'], rows: 2 },
    { kind: 'refused', reason: 'no' },
  ];

  it('lays out the keys that disagree', () => {
    expect(dependencyTable(conflicts)).toEqual({
      keyColumns: ['Customer Email', 'Country'],
      rows: [
        { key: ['a@x', 'NULL'], column: 'City', values: ['Lisbon', 'NULL'], rows: 3 },
        { key: ['b@x', 'NULL'], column: 'Customer Name', values: ['Bo', 'Bob'], rows: 2 },
      ],
    });
    expect(dependencyTable([{ kind: 'refused', reason: 'no' }])).toBeNull();
  });

  it('says what to do, naming the key', () => {
    const change = { op: 'extract' as const, table: 'orders', columns: customer, into: 'customers', key: ['Customer Email'] };
    const [advice] = conflictGuidance(change, conflicts);
    expect(advice).toMatch(/same key \(Customer Email\)/);
    expect(advice).toMatch(/Choose a key that tells them apart/);
    expect(conflictGuidance(change, [{ kind: 'refused', reason: 'no' }])).toEqual([]);
    const retype = { op: 'retype' as const, table: 'orders', column: 'City', type_name: 'integer', lossy: false };
    expect(conflictGuidance(retype, [{ kind: 'value', column: 'City', value: 'x', rows: 1, reason: 'bad' }])[0]).toMatch(/USING/);
  });

  it("shows the server's advice instead of its own when there is some", () => {
    const change = { op: 'extract' as const, table: 'orders', columns: customer, into: 'customers', key: ['Customer Email'] };
    const advised: Conflict[] = conflicts.map((c) =>
      c.kind === 'dependency' ? { ...c, advice: 'choose a key that tells them apart, or make them agree first' } : c,
    );
    expect(conflictGuidance(change, advised)).toEqual(['Choose a key that tells them apart, or make them agree first.']);
  });
});
