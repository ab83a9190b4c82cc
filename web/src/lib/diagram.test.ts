import { describe, expect, it } from 'vitest';
import { type Diagram, type DiagramBox, fitText, layoutDiagram, SIZES } from './diagram';
import type { ModelTable } from './models';

/** A table with an `id` key, `columns` and links (`column → table`). */
function table(name: string, columns: string[] = [], links: Record<string, string> = {}): ModelTable {
  const all = ['id', ...columns, ...Object.keys(links)];
  return {
    name,
    pgSchema: 'public',
    key: 'id',
    columns: all.map((c) => ({ name: c, type: c === 'id' ? 'bigint' : 'text', table: `public.${name}`, column: c })),
    links: Object.entries(links).map(([column, to]) => ({ column, table: to })),
  };
}

const box = (diagram: Diagram, name: string): DiagramBox => {
  const found = diagram.boxes.find((b) => b.name === name);
  if (!found) throw new Error(`no box ${name}`);
  return found;
};

/** Whether two boxes overlap. */
const overlap = (a: DiagramBox, b: DiagramBox) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('model diagram layout', () => {
  it('puts a referenced table right of the table linking to it', () => {
    const diagram = layoutDiagram([table('customers', ['City']), table('orders', ['Order Date'], { customers_id: 'customers' })]);
    const orders = box(diagram, 'orders');
    const customers = box(diagram, 'customers');
    expect(orders.x).toBe(SIZES.margin);
    expect(customers.x).toBe(SIZES.margin + SIZES.width + SIZES.gapX);
    expect(diagram.boxes.map((b) => b.name)).toEqual(['customers', 'orders']);
    expect(diagram.width).toBe(customers.x + customers.width + SIZES.margin);
  });

  it('draws a link from its column’s row to the referenced key', () => {
    const diagram = layoutDiagram([table('orders', ['Order Date'], { customers_id: 'customers' }), table('customers', ['City'])]);
    const orders = box(diagram, 'orders');
    const customers = box(diagram, 'customers');
    const from = orders.rows.find((r) => r.name === 'customers_id');
    const key = customers.rows.find((r) => r.key);
    expect(from?.link).toBe('customers');
    expect(key?.name).toBe('id');
    expect(diagram.edges).toHaveLength(1);
    const edge = diagram.edges[0]!;
    expect(edge).toMatchObject({ from: 'orders', column: 'customers_id', to: 'customers' });
    expect(edge.path.startsWith(`M ${orders.x + orders.width} ${from?.y}`)).toBe(true);
    expect(edge.path.endsWith(`${customers.x} ${key?.y}`)).toBe(true);
  });

  it('lays a chain out in as many layers, and siblings without overlap', () => {
    const diagram = layoutDiagram([
      table('order_lines', ['Qty'], { order_id: 'orders', product_id: 'products' }),
      table('orders', [], { customer_id: 'customers' }),
      table('products', ['Name', 'Price'], { category_id: 'categories' }),
      table('customers', ['Name', 'Email'], { country_id: 'countries' }),
      table('categories', ['Name']),
      table('countries', ['Name']),
      table('notes', ['Text']),
    ]);
    const x = (name: string) => box(diagram, name).x;
    expect(x('order_lines')).toBeLessThan(x('orders'));
    expect(x('orders')).toBeLessThan(x('customers'));
    expect(x('customers')).toBeLessThan(x('countries'));
    expect(x('products')).toBe(x('orders'));
    expect(x('notes')).toBe(x('order_lines'));
    for (const a of diagram.boxes) {
      for (const b of diagram.boxes) if (a !== b) expect(overlap(a, b), `${a.name} and ${b.name}`).toBe(false);
      expect(a.x + a.width).toBeLessThanOrEqual(diagram.width);
      expect(a.y + a.height).toBeLessThanOrEqual(diagram.height);
    }
    expect(diagram.edges).toHaveLength(5);
  });

  it('orders a layer after the tables linking to it, to keep arrows short', () => {
    const diagram = layoutDiagram([
      table('a', [], { z_id: 'z' }),
      table('b', [], { y_id: 'y' }),
      table('y'),
      table('z'),
    ]);
    expect(box(diagram, 'z').y).toBeLessThan(box(diagram, 'y').y);
  });

  it('ends on a cycle of links and on a table linking to itself', () => {
    const diagram = layoutDiagram([
      table('a', [], { b_id: 'b' }),
      table('b', [], { a_id: 'a' }),
      table('employees', ['Name'], { manager_id: 'employees' }),
    ]);
    expect(diagram.boxes).toHaveLength(3);
    expect(diagram.edges).toHaveLength(3);
    const loop = diagram.edges.find((e) => e.from === 'employees');
    const employees = box(diagram, 'employees');
    // Around into its own right side.
    expect(loop?.path.endsWith(`${employees.x + employees.width} ${employees.rows[0]?.y}`)).toBe(true);
    expect(diagram.width).toBeGreaterThan(Math.max(...diagram.boxes.map((b) => b.x + b.width)));
  });

  it('skips links to tables outside the model', () => {
    expect(layoutDiagram([table('orders', [], { ghost_id: 'ghost' })]).edges).toEqual([]);
  });

  it('lists the key and links of a wide table, and counts the rest', () => {
    const many = Array.from({ length: 20 }, (_, i) => `c${i}`);
    const wide = table('wide', many, { far_id: 'other' });
    const diagram = layoutDiagram([wide, table('other')]);
    const listed = box(diagram, 'wide');
    expect(listed.rows).toHaveLength(SIZES.maxRows - 1);
    expect(listed.hidden).toBe(22 - (SIZES.maxRows - 1));
    expect(listed.rows.map((r) => r.name)).toContain('far_id');
    expect(listed.rows[0]?.key).toBe(true);
    expect(listed.height).toBe(SIZES.header + SIZES.padding * 2 + SIZES.maxRows * SIZES.row);
  });

  it('has an empty diagram for no tables', () => {
    expect(layoutDiagram([])).toEqual({ width: SIZES.margin * 2, height: SIZES.margin * 2, boxes: [], edges: [] });
  });
});

describe('fitting text', () => {
  it('cuts long names with an ellipsis, by characters', () => {
    expect(fitText('orders', 70)).toBe('orders');
    expect(fitText('a very long table name', 70)).toBe('a very lo…');
    expect(fitText('😀😀😀😀', 14)).toBe('😀…');
  });
});
