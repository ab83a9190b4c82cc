/**
 * The grid's view of a table's columns: what each edits as, whether the user
 * may edit it, and which foreign key it follows.
 *
 * ```ts
 * gridColumns(detail, ['Notes']).map((c) => c.name); // every column but Notes
 * ```
 */
import { type Column, type ForeignKey, orderTerm, type TableDetail } from '../catalog';
import { type EditorKind, editorKind, isTextType } from './values';

/** A column as the grid shows it. */
export interface GridColumn {
  name: string;
  type: string;
  nullable: boolean;
  kind: EditorKind;
  /** A string type: an empty editor saves an empty string, not NULL. */
  textType: boolean;
  /** Why the user cannot edit it (generated, or the key the database numbers); `null` when editable. */
  readOnly: string | null;
  /** The single-column foreign key this column follows, if any. */
  link: ForeignKey | null;
  /** Right-aligned numbers. */
  numeric: boolean;
}

/** The visible columns of a table, in order, without the hidden ones. */
export function gridColumns(detail: TableDetail, hidden: readonly string[] = []): GridColumn[] {
  return detail.columns
    .filter((column) => !hidden.includes(column.name))
    .map((column) => {
      const kind = editorKind(column.type);
      return {
        name: column.name,
        type: column.type,
        nullable: column.nullable,
        kind,
        textType: isTextType(column.type),
        readOnly: readOnlyReason(column, detail),
        link:
          detail.foreignKeys.find((key) => key.columns.length === 1 && key.columns[0] === column.name) ?? null,
        numeric: kind === 'number',
      };
    });
}

/**
 * Why a column is not editable in the grid: a generated column, or a primary
 * key the database numbers (an identity or a sequence default; a lone integer
 * key without a default is taken as an identity, which is what Strata's
 * tables have).
 */
export function readOnlyReason(column: Column, detail: TableDetail): string | null {
  if (column.generated) return 'Computed by the database';
  if (!detail.primaryKey.includes(column.name)) return null;
  const integer = /^(smallint|integer|bigint)$/.test(column.type);
  const numbered =
    column.identity ||
    (column.default?.startsWith('nextval(') ?? false) ||
    (integer && column.default === null && detail.primaryKey.length === 1);
  return numbered ? 'Numbered by the database' : null;
}

/** Which way `order` (a PostgREST order as the grid writes it) sorts by `column`, if it does. */
export function sortDirection(order: string | undefined, column: string): 'asc' | 'desc' | undefined {
  if (order === orderTerm(column, 'asc')) return 'asc';
  if (order === orderTerm(column, 'desc')) return 'desc';
  return undefined;
}
