/**
 * The column DDL endpoints the grid's column menu uses: rename, change type
 * (with a preview of the values that would not convert), delete. Each answers
 * the table's new structure, except the preview and delete.
 *
 * ```ts
 * const preview = await previewRetype(ref, 'Amount', 'integer');
 * if (preview.failing === 0) await changeColumn(ref, 'Amount', { type: 'integer' });
 * ```
 */
import { ApiError, array, type CallOptions, count, getJson, isRecord, record, sendJson, string } from './api';
import { parseTableDetail, type TableDetail, tablePath } from './catalog';
import type { Key, TableRef } from './rows';

/** What converting a column to another type would do. */
export interface RetypePreview {
  /** The type as PostgreSQL spells it. */
  type: string;
  /** Non-NULL values in the column. */
  values: number;
  /** Values that would not convert. */
  failing: number;
  /** Up to 20 of those, with PostgreSQL's reason. */
  samples: { key: Key; value: string; error: string }[];
}

const columnPath = (ref: TableRef, column: string) =>
  `${tablePath(ref.db, ref.schema, ref.table)}/columns/${encodeURIComponent(column)}`;

/** `GET .../columns/{column}/retype?type=T`. */
export function previewRetype(ref: TableRef, column: string, type: string, options: CallOptions = {}): Promise<RetypePreview> {
  return getJson(`${columnPath(ref, column)}/retype?${new URLSearchParams({ type }).toString()}`, parseRetypePreview, options);
}

/** `PATCH .../columns/{column}` with a new name and/or type. */
export function changeColumn(
  ref: TableRef,
  column: string,
  change: { name?: string; type?: string },
  options: CallOptions = {},
): Promise<TableDetail> {
  return sendJson('PATCH', columnPath(ref, column), change, parseTableDetail, options);
}

/** `DELETE .../columns/{column}`. */
export async function deleteColumn(ref: TableRef, column: string, options: CallOptions = {}): Promise<void> {
  await sendJson('DELETE', columnPath(ref, column), undefined, () => null, options);
}

/** Reads a retype preview. */
export function parseRetypePreview(body: unknown): RetypePreview {
  const preview = record(body);
  return {
    type: string(preview, 'type'),
    values: count(preview, 'values') ?? 0,
    failing: count(preview, 'failing') ?? 0,
    samples: (preview.samples === undefined ? [] : array(preview.samples, 'samples')).map((s) => {
      const sample = record(s, 'a sample');
      return {
        key: isRecord(sample.key) ? sample.key : {},
        value: typeof sample.value === 'string' ? sample.value : JSON.stringify(sample.value),
        error: typeof sample.error === 'string' ? sample.error : '',
      };
    }),
  };
}

/** The preview a refused retype (422 `retype-refused`) carries, or `null`. */
export function refusedRetype(error: unknown): RetypePreview | null {
  if (!(error instanceof ApiError) || error.status !== 422 || !isRecord(error.problem.preview)) return null;
  try {
    return parseRetypePreview(error.problem.preview);
  } catch {
    return null;
  }
}
