/**
 * The Refine dialog's logic: the form's draft, what it offers for a table,
 * what is wrong with it before anything is sent, the {@link Change} it makes,
 * and the words that explain a preview's conflicts.
 *
 * ```ts
 * const draft = { ...emptyDraft(), columns: ['Customer Name', 'City'] };
 * draft.into = suggestTableName(draft.columns, 'orders', ['orders']); // 'customers'
 * draftProblem(draft, { detail, tables: ['orders'] }); // null: ready to preview
 * buildChange('orders', draft); // { op: 'extract', table: 'orders', columns: [...], into: 'customers', key: [] }
 * ```
 */
import type { TableDetail } from './catalog';
import type { Change, ChangeOp, Conflict } from './models';
import { nameProblem } from './schema';

/** The kinds of step, in the order the dialog offers them, with what each does. */
export const OPERATIONS: readonly { op: ChangeOp; label: string; hint: string }[] = [
  {
    op: 'extract',
    label: 'Extract columns into a new table',
    hint: 'One row per distinct value (or key), linked from this table. Repeated facts are kept once.',
  },
  { op: 'move', label: 'Move columns along a link', hint: 'To the table a link column points to.' },
  {
    op: 'merge',
    label: 'Merge back a linked table',
    hint: 'The table a link column points to folds back into this one (the inverse of an extraction).',
  },
  { op: 'split_columns', label: 'Split columns off', hint: 'Into a new table with one row per row of this one.' },
  { op: 'split_rows', label: 'Split rows off', hint: 'The rows a condition picks move to a new table with the same columns.' },
  { op: 'rename_table', label: 'Rename the table', hint: 'Earlier models keep the old name.' },
  { op: 'rename_column', label: 'Rename a column', hint: 'Earlier models keep the old name.' },
  { op: 'retype', label: 'Change a column’s type', hint: 'With an optional USING expression to convert each value.' },
  { op: 'add_column', label: 'Add a column', hint: 'Empty in every row.' },
  { op: 'drop_column', label: 'Drop a column', hint: 'Its values stay readable in earlier models.' },
];

/** The kinds of step a table can take: merging back needs a link column. */
export function operationsFor(detail: TableDetail): typeof OPERATIONS {
  const linked = linkColumns(detail).length > 0;
  return OPERATIONS.filter((o) => o.op !== 'merge' || linked);
}

/** Everything the form can hold; each kind of step reads its own fields. */
export interface RefineDraft {
  op: ChangeOp;
  /** Columns to extract, move or split off. */
  columns: string[];
  /** The new table (extract, split columns or rows). */
  into: string;
  /** The extracted columns that identify a row of the new table; none means all of them. */
  key: string[];
  /** The link column to move along, or whose table to merge back. */
  link: string;
  /** The condition picking the rows to split off, an SQL expression over the columns. */
  condition: string;
  /** The column to rename, retype, add or drop. */
  column: string;
  /** The new name (renames). */
  to: string;
  /** The new or added column's type. */
  type: string;
  /** The retype's USING expression, over the column's name. */
  using: string;
  /** Accept that earlier models read some converted values differently. */
  lossy: boolean;
}

/** A blank form: extract, nothing chosen. */
export function emptyDraft(): RefineDraft {
  return { op: 'extract', columns: [], into: '', key: [], link: '', condition: '', column: '', to: '', type: '', using: '', lossy: false };
}

/** The step a draft asks for, on `table`; names are trimmed, columns kept in the table's order by the caller. */
export function buildChange(table: string, draft: RefineDraft): Change {
  const into = draft.into.trim();
  const to = draft.to.trim();
  switch (draft.op) {
    case 'extract':
      return { op: 'extract', table, columns: [...draft.columns], into, key: draft.key.filter((k) => draft.columns.includes(k)) };
    case 'move':
      return { op: 'move', table, columns: [...draft.columns], link: draft.link };
    case 'merge':
      return { op: 'merge', table, link: draft.link };
    case 'split_columns':
      return { op: 'split_columns', table, columns: [...draft.columns], into };
    case 'split_rows':
      return { op: 'split_rows', table, into, condition: draft.condition.trim() };
    case 'rename_table':
      return { op: 'rename_table', table, to };
    case 'rename_column':
      return { op: 'rename_column', table, column: draft.column, to };
    case 'retype': {
      const using = draft.using.trim();
      return { op: 'retype', table, column: draft.column, type_name: draft.type.trim(), ...(using ? { using } : {}), lossy: draft.lossy };
    }
    case 'add_column':
      return { op: 'add_column', table, column: draft.column.trim(), type_name: draft.type.trim() };
    case 'drop_column':
      return { op: 'drop_column', table, column: draft.column };
  }
}

/** What the form is checked against: the table and the names taken in its schema. */
export interface RefineContext {
  detail: TableDetail;
  /** The schema's tables (and views). */
  tables: readonly string[];
}

/** The link columns of a table: single-column foreign keys, with the table each points to. */
export function linkColumns(detail: TableDetail): { column: string; table: string }[] {
  return detail.foreignKeys.flatMap((key) =>
    key.columns.length === 1 && key.columns[0] !== undefined ? [{ column: key.columns[0], table: key.referencedTable }] : [],
  );
}

/** The columns a step may take: every column but the key, and but the link to move along. */
export function choosableColumns(detail: TableDetail, op: ChangeOp, link = ''): string[] {
  return detail.columns
    .map((c) => c.name)
    .filter((name) => !detail.primaryKey.includes(name) && !(op === 'move' && name === link));
}

/** `chosen` with `name` ticked (`on`) or not, in the order of `all`. */
export function toggled(all: readonly string[], chosen: readonly string[], name: string, on: boolean): string[] {
  return all.filter((c) => (c === name ? on : chosen.includes(c)));
}

/** What is wrong with a draft before it is sent, in a sentence; `null` when it can be previewed. */
export function draftProblem(draft: RefineDraft, context: RefineContext): string | null {
  const { detail, tables } = context;
  const names = detail.columns.map((c) => c.name);
  const newTable = (name: string): string | null => {
    const problem = nameProblem(name);
    if (problem) return `New table: ${problem}`;
    return tables.includes(name.trim()) ? `There is already a table named “${name.trim()}”: choose another name.` : null;
  };
  const chosen = (): string | null => {
    if (draft.columns.length === 0) return 'Choose at least one column.';
    const key = draft.columns.find((c) => detail.primaryKey.includes(c));
    if (key !== undefined) return `“${key}” is the table’s key: it stays in the table.`;
    const missing = draft.columns.find((c) => !names.includes(c));
    return missing === undefined ? null : `There is no column “${missing}” any more: reload the table.`;
  };
  const link = (what: string): string | null => {
    if (draft.link === '') return `Choose the link ${what}.`;
    return linkColumns(detail).some((l) => l.column === draft.link) ? null : `“${draft.link}” is not a link column.`;
  };
  const existingColumn = (): string | null => {
    if (draft.column === '') return 'Choose a column.';
    return names.includes(draft.column) ? null : `There is no column “${draft.column}” any more: reload the table.`;
  };
  switch (draft.op) {
    case 'extract': {
      const problem = chosen() ?? newTable(draft.into);
      if (problem) return problem;
      if (draft.columns.length === choosableColumns(detail, 'extract').length) {
        return 'Leave at least one column in the table: extract some of its columns, not all.';
      }
      const stray = draft.key.find((k) => !draft.columns.includes(k));
      return stray === undefined ? null : `The key “${stray}” is not one of the extracted columns.`;
    }
    case 'move': {
      const problem = link('to move the columns along');
      if (problem) return problem;
      if (draft.columns.includes(draft.link)) return 'The link itself cannot move: choose other columns.';
      return chosen();
    }
    case 'merge':
      return link('whose table to merge back');
    case 'split_columns':
      return chosen() ?? newTable(draft.into);
    case 'split_rows':
      return draft.condition.trim() === '' ? 'Give the condition that picks the rows, such as amount > 100.' : newTable(draft.into);
    case 'rename_table': {
      if (draft.to.trim() === detail.name) return 'That is its name already.';
      return newTable(draft.to);
    }
    case 'rename_column': {
      const problem = existingColumn() ?? nameProblem(draft.to);
      if (problem) return problem;
      if (draft.to.trim() === draft.column) return 'That is its name already.';
      return names.includes(draft.to.trim()) ? `There is already a column named “${draft.to.trim()}”.` : null;
    }
    case 'retype':
      return existingColumn() ?? (draft.type.trim() === '' ? 'Give the new type, such as integer or date.' : null);
    case 'add_column': {
      const problem = nameProblem(draft.column);
      if (problem) return `Column: ${problem}`;
      if (names.includes(draft.column.trim())) return `There is already a column named “${draft.column.trim()}”.`;
      return draft.type.trim() === '' ? 'Give its type, such as text or integer.' : null;
    }
    case 'drop_column': {
      const problem = existingColumn();
      if (problem) return problem;
      return detail.primaryKey.includes(draft.column) ? `“${draft.column}” is the table’s key: it cannot be dropped.` : null;
    }
  }
}

/**
 * A name for the table extracted from or split off `table`: the word most of
 * the columns start with, in the plural ("Customer Name", "Customer Email",
 * "City" → `customers`), else the first column's first word; made free among
 * `taken` with `_2`, `_3`...
 */
export function suggestTableName(columns: readonly string[], table: string, taken: readonly string[]): string {
  const firstWords = columns.map((c) => c.trim().split(/[\s_\-.]+/)[0]?.toLowerCase() ?? '').filter((w) => /\p{L}/u.test(w));
  const tally = new Map<string, number>();
  for (const word of firstWords) tally.set(word, (tally.get(word) ?? 0) + 1);
  let best = '';
  let most = 1;
  for (const [word, n] of tally) {
    if (n > most) {
      best = word;
      most = n;
    }
  }
  const word = best || firstWords[0];
  const name = word ? plural(word) : `${table}_details`;
  return freeName(name === table ? `${table}_details` : name, taken);
}

/** A name for the table the rows of `table` are split off into: `orders_split`, made free among `taken`. */
export function suggestRowsTableName(table: string, taken: readonly string[]): string {
  return freeName(`${table}_split`, taken);
}

/**
 * What merging back along `link` of `table` does, in one sentence, naming the
 * table the link points to.
 */
export function mergeExplanation(table: string, link: { column: string; table: string }): string {
  return (
    `The columns of ${link.table} (all but its key) take the place of ${link.column} in ${table}, each row holding the ` +
    `values of the ${link.table} row it linked to, and ${link.table} leaves this model (earlier models keep it).`
  );
}

/** `name`, or `name_2`, `name_3`... whichever is not in `taken`. */
export function freeName(name: string, taken: readonly string[]): string {
  if (!taken.includes(name)) return name;
  for (let n = 2; ; n++) {
    const candidate = `${name}_${n}`;
    if (!taken.includes(candidate)) return candidate;
  }
}

/** An English plural, good enough for a suggestion: city → cities, address → addresses. */
function plural(word: string): string {
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(word)) return `${word}es`;
  return `${word}s`;
}

/** The table to show once `change` is made: the renamed table, else the table it changed. */
export function tableAfter(change: Change): string {
  return change.op === 'rename_table' ? change.to : change.table;
}

/** The past-tense verbs the server's step summaries open with, in the infinitive. */
const INFINITIVES: Readonly<Record<string, string>> = {
  Extracted: 'extract',
  Moved: 'move',
  Merged: 'merge',
  Split: 'split',
  Renamed: 'rename',
  Changed: 'change',
  Added: 'add',
  Dropped: 'drop',
};

/**
 * A step's summary as its preview shows it, as what will happen: the server
 * says what the step did, as the toast and the History keep saying once it is
 * made ("Extracted City of orders into places"), and a preview says "Will
 * extract City of orders into places"; a summary opening with another word
 * gets "Will: " in front.
 */
export function previewSummary(summary: string): string {
  const [verb = '', ...rest] = summary.split(' ');
  const infinitive = INFINITIVES[verb];
  return infinitive === undefined ? `Will: ${summary}` : ['Will', infinitive, ...rest].join(' ');
}

/** The dependency conflicts of a preview as a table: one column per key column, then the disagreement. */
export interface DependencyTable {
  keyColumns: string[];
  rows: { key: string[]; column: string; values: string[]; rows: number }[];
}

/** Lays out the `dependency` conflicts of a preview for a table; `null` when there are none. */
export function dependencyTable(conflicts: readonly Conflict[]): DependencyTable | null {
  const dependencies = conflicts.filter((c): c is Extract<Conflict, { kind: 'dependency' }> => c.kind === 'dependency');
  if (dependencies.length === 0) return null;
  const keyColumns: string[] = [];
  for (const conflict of dependencies) {
    for (const column of Object.keys(conflict.key)) if (!keyColumns.includes(column)) keyColumns.push(column);
  }
  return {
    keyColumns,
    rows: dependencies.map((c) => ({
      key: keyColumns.map((k) => cellText(c.key[k])),
      column: c.column,
      values: c.values.map((v) => v ?? 'NULL'),
      rows: c.rows,
    })),
  };
}

/**
 * What to do about a preview's conflicts, one sentence per kind present. For rows that disagree, the
 * server's own advice (each different one once, as a sentence) when it sends some, else this app's.
 */
export function conflictGuidance(change: Change, conflicts: readonly Conflict[]): string[] {
  const advice: string[] = [];
  const told = new Set(conflicts.flatMap((c) => (c.kind === 'dependency' && c.advice ? [sentence(c.advice)] : [])));
  if (told.size > 0) {
    advice.push(...told);
  } else if (conflicts.some((c) => c.kind === 'dependency')) {
    const key = change.op === 'extract' ? (change.key.length > 0 ? change.key : change.columns) : [];
    const keyText = key.length > 0 ? ` (${key.join(', ')})` : '';
    advice.push(
      change.op === 'move'
        ? 'Rows that share a link disagree on a column, so the linked row cannot hold one value for them. Make those rows agree first (edit them in the grid), then preview again.'
        : `Rows with the same key${keyText} disagree on another column, so one row of the new table cannot hold both values. ` +
            'Choose a key that tells them apart (add a column to the key, or extract fewer columns), or make those rows agree first (edit them in the grid), then preview again.',
    );
  }
  if (conflicts.some((c) => c.kind === 'value')) {
    advice.push(
      change.op === 'retype' && !change.lossy
        ? 'Some values cannot be converted, or would read back differently in earlier models. Fix or clear them, write a USING expression, or accept the difference (“read back differently” only) and preview again.'
        : 'Some values cannot be converted. Fix or clear them, or write a USING expression, then preview again.',
    );
  }
  return advice;
}

/** A clause as a sentence: its first letter capitalised, ending in a full stop. */
function sentence(clause: string): string {
  const text = clause.trim();
  return text.charAt(0).toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? '' : '.');
}

/** A key value as a cell: text as is, NULL spelled out, anything else as JSON. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
