/**
 * The layout of a model diagram: each table a box listing its columns, each
 * link an arrow from the linking column to the table it references.
 *
 * Layered, left to right: a table sits one layer right of every table that
 * links to it (the longest chain of links decides), so facts such as orders
 * are on the left and what they refer to (customers, products) on their
 * right. Within a layer, tables follow the average height of the tables
 * linking to them, which keeps arrows short and mostly uncrossed. Readable up
 * to a dozen tables; cycles of links are cut, never looped over.
 *
 * ```ts
 * const diagram = layoutDiagram(detail.tables);
 * // diagram.boxes[i].x/y/width/height, diagram.edges[i].path (an SVG path), diagram.width/height
 * ```
 */
import type { ModelTable } from './models';

/** Sizes, in SVG user units (pixels at 100%). */
export const SIZES = {
  width: 220,
  header: 28,
  row: 20,
  padding: 6,
  /** Columns listed per box before "+N more". */
  maxRows: 12,
  gapX: 96,
  gapY: 28,
  margin: 16,
} as const;

/** A column as a row of its box. */
export interface DiagramRow {
  name: string;
  type: string;
  /** The row's vertical centre. */
  y: number;
  key: boolean;
  /** The table it links to, when it is a link. */
  link: string | null;
}

/** A table's box. */
export interface DiagramBox {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
  rows: DiagramRow[];
  /** Columns not listed (past {@link SIZES.maxRows}). */
  hidden: number;
}

/** A link's arrow. */
export interface DiagramEdge {
  /** The linking table and column. */
  from: string;
  column: string;
  /** The referenced table. */
  to: string;
  /** An SVG path from the column's row to the referenced table's key row. */
  path: string;
}

/** A laid-out diagram. */
export interface Diagram {
  width: number;
  height: number;
  boxes: DiagramBox[];
  edges: DiagramEdge[];
}

/** Lays out `tables` (a model's, with their links). */
export function layoutDiagram(tables: readonly ModelTable[]): Diagram {
  const names = new Set(tables.map((t) => t.name));
  const links = tables.flatMap((t) =>
    t.links.filter((l) => names.has(l.table)).map((l) => ({ from: t.name, column: l.column, to: l.table })),
  );
  const layers = orderLayers(tables, layerOf(tables, links), links);

  const boxes = new Map<string, DiagramBox>();
  const heights = layers.map((layer) => layer.reduce((sum, t, i) => sum + boxHeight(t) + (i > 0 ? SIZES.gapY : 0), 0));
  const tallest = Math.max(0, ...heights);
  layers.forEach((layer, index) => {
    const x = SIZES.margin + index * (SIZES.width + SIZES.gapX);
    let y = SIZES.margin + ((tallest - (heights[index] ?? 0)) / 2);
    for (const table of layer) {
      const box = placeBox(table, x, y);
      boxes.set(table.name, box);
      y += box.height + SIZES.gapY;
    }
  });

  let right = SIZES.margin + Math.max(0, layers.length * (SIZES.width + SIZES.gapX) - SIZES.gapX);
  const edges = links.flatMap((link) => {
    const from = boxes.get(link.from);
    const to = boxes.get(link.to);
    if (!from || !to) return [];
    const row = from.rows.find((r) => r.name === link.column);
    const start = { x: from.x + from.width, y: row ? row.y : from.y + SIZES.header / 2 };
    const edge = edgePath(start, to, from === to);
    right = Math.max(right, edge.reach);
    return [{ ...link, path: edge.path }];
  });

  return {
    width: right + SIZES.margin,
    height: SIZES.margin * 2 + tallest,
    boxes: tables.flatMap((t) => boxes.get(t.name) ?? []),
    edges,
  };
}

type Link = { from: string; column: string; to: string };

/**
 * Each table's layer: one more than the deepest table linking to it. Raising
 * stops at the number of tables, so a cycle of links ends instead of climbing.
 */
function layerOf(tables: readonly ModelTable[], links: readonly Link[]): Map<string, number> {
  const layer = new Map(tables.map((t) => [t.name, 0]));
  const cap = Math.max(0, tables.length - 1);
  for (let pass = 0; pass < tables.length; pass++) {
    let raised = false;
    for (const link of links) {
      if (link.from === link.to) continue;
      const next = Math.min(cap, (layer.get(link.from) ?? 0) + 1);
      if (next > (layer.get(link.to) ?? 0)) {
        layer.set(link.to, next);
        raised = true;
      }
    }
    if (!raised) break;
  }
  return layer;
}

/**
 * The tables by layer, empty layers dropped: the first in the given order,
 * each next one by the average position of the tables linking to them.
 */
function orderLayers(tables: readonly ModelTable[], layer: Map<string, number>, links: readonly Link[]): ModelTable[][] {
  const used = [...new Set(layer.values())].sort((a, b) => a - b);
  const layers = used.map((l) => tables.filter((t) => layer.get(t.name) === l));
  const position = new Map<string, number>();
  layers.forEach((tablesHere, index) => {
    if (index > 0) {
      const weight = (table: ModelTable) => {
        const sources = links.filter((l) => l.to === table.name && position.has(l.from)).map((l) => position.get(l.from) ?? 0);
        return sources.length === 0 ? Number.POSITIVE_INFINITY : sources.reduce((a, b) => a + b, 0) / sources.length;
      };
      const weights = new Map(tablesHere.map((t) => [t.name, weight(t)]));
      tablesHere.sort((a, b) => (weights.get(a.name) ?? 0) - (weights.get(b.name) ?? 0) || tables.indexOf(a) - tables.indexOf(b));
    }
    tablesHere.forEach((t, i) => position.set(t.name, i));
  });
  return layers;
}

/** The columns a box lists: in order, but the key and links always among them. */
function listed(table: ModelTable): { shown: ModelTable['columns']; hidden: number } {
  const columns = table.columns;
  if (columns.length <= SIZES.maxRows) return { shown: columns, hidden: 0 };
  const must = new Set([table.key, ...table.links.map((l) => l.column)]);
  const room = SIZES.maxRows - 1;
  const keep = new Set(columns.filter((c) => must.has(c.name)).slice(0, room).map((c) => c.name));
  for (const column of columns) {
    if (keep.size >= room) break;
    keep.add(column.name);
  }
  const shown = columns.filter((c) => keep.has(c.name));
  return { shown, hidden: columns.length - shown.length };
}

function boxHeight(table: ModelTable): number {
  const { shown, hidden } = listed(table);
  return SIZES.header + SIZES.padding * 2 + (shown.length + (hidden > 0 ? 1 : 0)) * SIZES.row;
}

function placeBox(table: ModelTable, x: number, y: number): DiagramBox {
  const { shown, hidden } = listed(table);
  const linkOf = new Map(table.links.map((l) => [l.column, l.table]));
  return {
    name: table.name,
    x,
    y,
    width: SIZES.width,
    height: boxHeight(table),
    rows: shown.map((c, i) => ({
      name: c.name,
      type: c.type,
      y: y + SIZES.header + SIZES.padding + i * SIZES.row + SIZES.row / 2,
      key: c.name === table.key,
      link: linkOf.get(c.name) ?? null,
    })),
    hidden,
  };
}

/**
 * An arrow from `start` (a box's right edge) into `to`'s key row (else its
 * header): into its left side when it is to the right, else around into its
 * right side (a link back, or to the same table); `reach` is how far right it goes.
 */
function edgePath(start: { x: number; y: number }, to: DiagramBox, self: boolean): { path: string; reach: number } {
  const keyRow = to.rows.find((r) => r.key);
  const y = keyRow ? keyRow.y : to.y + SIZES.header / 2;
  const r = (n: number) => Math.round(n * 10) / 10;
  if (!self && to.x > start.x) {
    const bend = Math.max(32, (to.x - start.x) / 2);
    const path = `M ${r(start.x)} ${r(start.y)} C ${r(start.x + bend)} ${r(start.y)}, ${r(to.x - bend)} ${r(y)}, ${r(to.x)} ${r(y)}`;
    return { path, reach: to.x };
  }
  const right = to.x + to.width;
  const out = Math.max(start.x, right) + 40;
  return { path: `M ${r(start.x)} ${r(start.y)} C ${r(out)} ${r(start.y)}, ${r(out)} ${r(y)}, ${r(right)} ${r(y)}`, reach: out };
}

/**
 * `text` cut with an ellipsis to about `width` units of the diagram's font
 * (SVG text does not wrap or clip itself); the full text goes in a `<title>`.
 */
export function fitText(text: string, width: number, charWidth = 7): string {
  const room = Math.max(1, Math.floor(width / charWidth));
  const chars = [...text];
  return chars.length <= room ? text : `${chars.slice(0, Math.max(0, room - 1)).join('')}…`;
}
