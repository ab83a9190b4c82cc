/**
 * The rows a grid has loaded, and every write to them.
 *
 * {@link TableData} pages rows in with the server's cursor and keeps, per row,
 * what the user sees (`row`), what the server last confirmed (`base`), the
 * row's `version` and its foreign key summaries. Writes are optimistic: the
 * new values show at once, then the answer replaces them, or they revert to
 * `base` when the server refuses. Writes go out one at a time, so a second
 * edit of a row carries the version the first one produced (and never
 * conflicts with the user's own change).
 */
import { type Links, type Row, type TableDetail, getRows, getTable } from '../catalog';
import type { Filter } from '../filters';
import {
  deleteRows,
  type InvalidValue,
  insertRows,
  invalidValue,
  keyId,
  keyOf,
  reason,
  type RowConflict,
  rowConflicts,
  type TableRef,
  updateRows,
  type WrittenRows,
  writeRows,
} from '../rows';

/** Rows per page. */
export const PAGE = 200;

/** Which rows the grid shows. */
export interface View extends TableRef {
  order?: string | undefined;
  q?: string | undefined;
  filters?: readonly Filter[] | undefined;
}

/** One loaded row. */
export interface Entry {
  /** The row's key as a stable string. */
  id: string;
  /** What the grid shows, including writes in flight. */
  row: Row;
  /** The row as the server last confirmed it. */
  base: Row;
  version: string | null;
  /** Foreign key summaries as shown, including writes in flight. */
  links: Links;
  /** Foreign key summaries as the server last confirmed them. */
  baseLinks: Links;
}

/** One row's change. */
export interface Change {
  id: string;
  set: Row;
  /** Optimistic link summaries to show meanwhile (for a chosen foreign key). */
  links?: Links;
}

/** How a write ended. */
export type Outcome =
  | { ok: true }
  | { ok: false; kind: 'invalid'; invalid: InvalidValue; message: string }
  | { ok: false; kind: 'conflict'; conflicts: RowConflict[]; message: string }
  | { ok: false; kind: 'error'; message: string };

export class TableData {
  detail = $state.raw<TableDetail | null>(null);
  entries = $state.raw<Entry[]>([]);
  next = $state<string | null>(null);
  estimated = $state<number | null>(null);
  exact = $state<number | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Changes sent and not answered yet, in order. */
  pending = $state.raw<Change[]>([]);

  #view: View | null = null;
  /** Bumped on every reload so answers for an older view are dropped. */
  #generation = 0;
  #queue: Promise<unknown> = Promise.resolve();

  /** Loads the table's structure and first page for `view`. */
  async load(view: View): Promise<void> {
    const mine = ++this.#generation;
    this.#view = view;
    this.error = null;
    this.loading = true;
    this.entries = [];
    this.next = null;
    try {
      const [detail, page] = await Promise.all([
        getTable(view.db, view.schema, view.table),
        getRows(view.db, view.schema, view.table, { order: view.order, q: view.q, filters: view.filters, limit: PAGE }),
      ]);
      if (mine !== this.#generation) return;
      this.detail = detail;
      this.entries = this.#toEntries(page);
      this.next = page.next;
      this.estimated = page.estimatedTotal;
      this.exact = page.exactTotal;
    } catch (err) {
      if (mine === this.#generation) this.error = reason(err);
    } finally {
      if (mine === this.#generation) this.loading = false;
    }
  }

  /** Loads the next page, skipping rows already shown (such as rows just added). */
  async loadMore(): Promise<void> {
    const view = this.#view;
    if (!view || !this.next || this.loading) return;
    const mine = this.#generation;
    this.loading = true;
    try {
      const page = await getRows(view.db, view.schema, view.table, {
        order: view.order,
        q: view.q,
        filters: view.filters,
        limit: PAGE,
        after: this.next,
      });
      if (mine !== this.#generation) return;
      const seen: Record<string, boolean> = Object.fromEntries(this.entries.map((e) => [e.id, true]));
      this.entries = [...this.entries, ...this.#toEntries(page).filter((e) => !seen[e.id])];
      this.next = page.next;
    } catch (err) {
      if (mine === this.#generation) this.error = reason(err);
    } finally {
      if (mine === this.#generation) this.loading = false;
    }
  }

  /** The index of a loaded row by id; -1 when it is not loaded. */
  indexOf(id: string): number {
    return this.entries.findIndex((e) => e.id === id);
  }

  /**
   * Updates rows in one request (one transaction). With `force` the versions
   * are left out, so the values overwrite whatever is stored now.
   */
  update(changes: Change[], force = false): Promise<Outcome> {
    return this.write(changes, [], force);
  }

  /**
   * Updates loaded rows and inserts new ones after them in one request (one
   * transaction: all or nothing), as a paste does. With `force` the versions
   * are left out.
   */
  write(changes: Change[], inserts: Row[], force = false): Promise<Outcome> {
    const view = this.#view;
    const detail = this.detail;
    if (!view || !detail || (changes.length === 0 && inserts.length === 0)) return Promise.resolve({ ok: true });
    const mine = this.#generation;
    this.pending = [...this.pending, ...changes];
    this.#show();
    return this.#enqueue(async () => {
      const updates = changes.map((change) => {
        const entry = this.entries.find((e) => e.id === change.id);
        return {
          key: keyOf(entry?.base ?? {}, detail.primaryKey),
          version: force ? undefined : (entry?.version ?? undefined),
          set: change.set,
        };
      });
      let outcome: Outcome;
      try {
        if (inserts.length === 0) {
          const written = await updateRows(view, updates);
          if (mine === this.#generation) this.#confirm(changes, written);
        } else {
          const written = await writeRows(view, updates, inserts);
          if (mine === this.#generation) {
            this.#confirm(changes, written);
            this.#append(written.inserted);
          }
        }
        outcome = { ok: true };
      } catch (err) {
        outcome = failure(err);
      }
      this.pending = this.pending.filter((p) => !changes.includes(p));
      if (mine === this.#generation) this.#show();
      return outcome;
    });
  }

  /** Inserts rows after the loaded ones; answers the new rows' entries. */
  insert(rows: Row[]): Promise<{ ok: true; entries: Entry[] } | Exclude<Outcome, { ok: true }>> {
    const view = this.#view;
    if (!view) return Promise.resolve({ ok: false, kind: 'error', message: 'No table is open.' });
    const mine = this.#generation;
    return this.#enqueue(async () => {
      try {
        const written = await insertRows(view, rows);
        const added = mine === this.#generation ? this.#append(written) : this.#toEntries(written);
        return { ok: true as const, entries: added };
      } catch (err) {
        return failure(err);
      }
    });
  }

  /** Deletes loaded rows by id. */
  remove(ids: string[]): Promise<{ ok: true; deleted: number } | Exclude<Outcome, { ok: true }>> {
    const view = this.#view;
    const detail = this.detail;
    if (!view || !detail) return Promise.resolve({ ok: false, kind: 'error', message: 'No table is open.' });
    const doomed = this.entries.filter((e) => ids.includes(e.id));
    const mine = this.#generation;
    return this.#enqueue(async () => {
      try {
        const deleted = await deleteRows(view, doomed.map((e) => keyOf(e.base, detail.primaryKey)));
        if (mine === this.#generation) {
          this.entries = this.entries.filter((e) => !ids.includes(e.id));
          if (this.exact !== null) this.exact -= deleted;
          if (this.estimated !== null) this.estimated = Math.max(0, this.estimated - deleted);
        }
        return { ok: true as const, deleted };
      } catch (err) {
        return failure(err);
      }
    });
  }

  /** Takes the server's current row after a conflict ("Keep theirs"); a deleted row goes away. */
  acceptTheirs(conflict: RowConflict): void {
    const detail = this.detail;
    if (!detail) return;
    const id = keyId(keyOf(conflict.key, detail.primaryKey));
    if (conflict.row === null) {
      this.entries = this.entries.filter((e) => e.id !== id);
      return;
    }
    const row = conflict.row;
    this.entries = this.entries.map((e) =>
      e.id === id
        ? { ...e, row: { ...row }, base: row, version: conflict.version, links: conflict.links, baseLinks: conflict.links }
        : e,
    );
    this.#show();
  }

  /** The id of a row by its key. */
  idOf(row: Row): string {
    return keyId(keyOf(row, this.detail?.primaryKey ?? []));
  }

  /** Resolves once every write sent so far is answered (so its action is known). */
  settled(): Promise<void> {
    return this.#queue.then(() => undefined);
  }

  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    const done = this.#queue.then(work);
    this.#queue = done.catch(() => undefined);
    return done;
  }

  /** Adds written rows after the loaded ones; answers their entries. */
  #append(written: WrittenRows): Entry[] {
    const added = this.#toEntries(written);
    if (added.length === 0) return added;
    this.entries = [...this.entries, ...added];
    if (this.exact !== null) this.exact += added.length;
    if (this.estimated !== null) this.estimated += added.length;
    return added;
  }

  #toEntries(page: WrittenRows): Entry[] {
    const primaryKey = this.detail?.primaryKey ?? [];
    return page.rows.map((row, i) => ({
      id: primaryKey.length > 0 ? keyId(keyOf(row, primaryKey)) : `#${i}`,
      row,
      base: row,
      version: page.versions[i] ?? null,
      links: page.links[i] ?? {},
      baseLinks: page.links[i] ?? {},
    }));
  }

  /** Records what the server wrote for `changes`. */
  #confirm(changes: Change[], written: WrittenRows): void {
    const byId: Record<string, { row: Row; version: string | null; links: Links }> = {};
    changes.forEach((change, i) => {
      const row = written.rows[i];
      if (row) byId[change.id] = { row, version: written.versions[i] ?? null, links: written.links[i] ?? {} };
    });
    this.entries = this.entries.map((e) => {
      const fresh = byId[e.id];
      if (!fresh) return e;
      // An edited primary key gives the row a new id (once no later change still names the old one).
      const queued = this.pending.some((p) => p.id === e.id && !changes.includes(p));
      const id = queued ? e.id : this.idOf(fresh.row);
      return { ...e, id, base: fresh.row, version: fresh.version, baseLinks: fresh.links };
    });
  }

  /** Shows each row as confirmed, with the changes still in flight on top. */
  #show(): void {
    const overlay: Record<string, Change[]> = {};
    for (const change of this.pending) overlay[change.id] = [...(overlay[change.id] ?? []), change];
    this.entries = this.entries.map((e) => {
      const changes = overlay[e.id];
      if (!changes) return e.row === e.base && e.links === e.baseLinks ? e : { ...e, row: e.base, links: e.baseLinks };
      let row = { ...e.base };
      let links = e.baseLinks;
      for (const change of changes) {
        row = { ...row, ...change.set };
        if (change.links) links = { ...links, ...change.links };
      }
      return { ...e, row, links };
    });
  }
}

function failure(err: unknown): Exclude<Outcome, { ok: true }> {
  const conflicts = rowConflicts(err);
  if (conflicts) return { ok: false, kind: 'conflict', conflicts, message: reason(err) };
  const invalid = invalidValue(err);
  if (invalid) return { ok: false, kind: 'invalid', invalid, message: invalid.detail };
  return { ok: false, kind: 'error', message: reason(err) };
}
