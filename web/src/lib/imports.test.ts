import { describe, expect, it, vi } from 'vitest';
import { ApiError, type Fetch } from './api';
import {
  appendGroups,
  commitImport,
  defaultMapping,
  describeProblem,
  duplicateNames,
  duplicateTargets,
  type EventSourceLike,
  foldName,
  formatBytes,
  type ImportColumn,
  type ImportStatus,
  parseImportEvent,
  parsePreview,
  patchImport,
  percent,
  problemOf,
  type UploadRequest,
  uploadImport,
  watchImport,
} from './imports';

const previewBody = {
  id: '6f1c',
  file_name: 'orders.csv',
  format: 'csv',
  encoding: 'UTF-8',
  delimiter: ',',
  header: true,
  sheet: null,
  sheets: [],
  date_order: 'mdy',
  rows: 1000,
  suggested_table: 'orders',
  columns: [
    { name: 'Order Date', source: 'Order Date', type: 'date', skip: false },
    { name: 'qty', source: 'Qty', type: 'integer', skip: false },
  ],
  preview: [['2024-01-02', null]],
  warnings: ['12 empty rows skipped'],
  state: 'previewed',
};

const statusBody = {
  id: '6f1c',
  state: 'done',
  rows_done: 1000,
  rows_total: 1000,
  table: 'orders',
  warnings: [],
  error: null,
};

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status < 300 ? 'application/json' : 'application/problem+json' },
  });
}

describe('import parsers', () => {
  it('reads a preview', () => {
    const preview = parsePreview(previewBody);
    expect(preview).toMatchObject({
      id: '6f1c',
      fileName: 'orders.csv',
      delimiter: ',',
      header: true,
      dateOrder: 'mdy',
      rows: 1000,
      suggestedTable: 'orders',
      warnings: ['12 empty rows skipped'],
      state: 'previewed',
    });
    expect(preview.columns[1]).toEqual({ name: 'qty', source: 'Qty', type: 'integer', skip: false });
    expect(preview.preview).toEqual([['2024-01-02', null]]);
  });

  it('refuses a preview without columns', () => {
    expect(() => parsePreview({ ...previewBody, columns: null })).toThrow(/columns/);
    expect(() => parsePreview({ ...previewBody, state: 'weird' })).toThrow(/state/);
  });

  it('reads progress, done and failed events', () => {
    expect(parseImportEvent('progress', '{"rows_done": 10, "rows_total": 40}')).toEqual({
      kind: 'progress',
      progress: { rowsDone: 10, rowsTotal: 40 },
    });
    const done = parseImportEvent('done', JSON.stringify(statusBody));
    expect(done).toMatchObject({ kind: 'done', status: { state: 'done', table: 'orders', rowsDone: 1000 } });
    const failed = parseImportEvent(
      'failed',
      JSON.stringify({
        ...statusBody,
        state: 'failed',
        table: null,
        error: { title: 'Unprocessable', status: 422, detail: 'invalid input syntax for type integer: "x"', line: 12, column: 'qty' },
      }),
    );
    expect(failed.kind).toBe('failed');
    if (failed.kind === 'failed') {
      expect(failed.status.error).toEqual({
        title: 'Unprocessable',
        detail: 'invalid input syntax for type integer: "x"',
        line: 12,
        column: 'qty',
        conflicts: [],
      });
      expect(describeProblem(failed.status.error!)).toBe('Line 12, column “qty”: invalid input syntax for type integer: "x"');
    }
    expect(() => parseImportEvent('progress', 'not json')).toThrow(/not JSON/);
    expect(() => parseImportEvent('other', '{}')).toThrow(/unknown event/);
  });

  it('reads the rows an append through an earlier model refused', () => {
    const error = new ApiError({
      kind: 'problem',
      status: 409,
      title: 'Entity conflict',
      detail: '2 written rows disagree with the rows of customers they link to',
      type: 'https://strata.dev/problems/entity-conflict',
      problem: {
        conflicts: [
          { table: 'customers', key: { 'Customer Email': 'a@x' }, column: 'City', existing: 'Lisbon', written: 'Porto', rows: 2 },
          { table: 'customers', key: null, column: 'Country', existing: null, written: 12, rows: 1 },
          'not a conflict',
        ],
      },
    });
    expect(problemOf(error).conflicts).toEqual([
      { table: 'customers', key: { 'Customer Email': 'a@x' }, column: 'City', existing: 'Lisbon', written: 'Porto', rows: 2 },
      { table: 'customers', key: {}, column: 'Country', existing: null, written: '12', rows: 1 },
    ]);
    // The same problem as a failed import's `error`, from the event stream.
    const failed = parseImportEvent(
      'failed',
      JSON.stringify({ ...statusBody, state: 'failed', error: { ...error.problem, type: error.type, title: error.title, status: 409 } }),
    );
    expect(failed.kind === 'failed' && failed.status.error?.conflicts).toHaveLength(2);
    // Another problem's `conflicts` are not entity conflicts.
    const other = new ApiError({ kind: 'problem', status: 409, title: 'x', problem: { conflicts: [{ table: 't', column: 'c' }] } });
    expect(problemOf(other).conflicts).toEqual([]);
  });

  it('offers the current tables, then each earlier model’s, newest first', () => {
    const groups = appendGroups(
      'public',
      [
        { name: 'orders', kind: 'table' },
        { name: 'report', kind: 'view' },
        { name: 'customers', kind: 'table' },
      ],
      [
        { id: 1, name: 'v1', pgSchema: 'public_v1', tables: ['orders'] },
        { id: 2, name: 'v2', pgSchema: 'public_v2', tables: ['orders', 'customers'] },
        { id: 3, name: 'v3', pgSchema: 'public_v3', tables: [] },
      ],
    );
    expect(groups).toEqual([
      { label: 'Current tables', schema: 'public', model: null, tables: ['orders', 'customers'] },
      { label: 'Model v2 (earlier, public_v2)', schema: 'public_v2', model: 'v2', tables: ['orders', 'customers'] },
      { label: 'Model v1 (earlier, public_v1)', schema: 'public_v1', model: 'v1', tables: ['orders'] },
    ]);
  });

  it('keeps the line of an ApiError', () => {
    const error = new ApiError({
      kind: 'problem',
      status: 422,
      title: 'Unreadable file',
      detail: 'unterminated quote',
      problem: { line: 3 },
    });
    expect(describeProblem(problemOf(error))).toBe('Line 3: unterminated quote');
  });
});

describe('import calls', () => {
  it('uploads a file as multipart and pasted cells as text', async () => {
    const requests: UploadRequest[] = [];
    const transport = (request: UploadRequest) => {
      requests.push(request);
      request.onProgress?.(5, 10);
      return Promise.resolve(json(previewBody, 201));
    };
    const progress = vi.fn();
    const file = new File(['a,b\n1,2\n'], 'orders.csv', { type: 'text/csv' });
    const preview = await uploadImport('main', 'my schema', { file }, { transport, onProgress: progress });
    expect(preview.id).toBe('6f1c');
    expect(progress).toHaveBeenCalledWith(5, 10);
    expect(requests[0]!.url).toBe('/api/v1/databases/main/schemas/my%20schema/imports');
    expect(requests[0]!.body).toBeInstanceOf(FormData);
    expect((requests[0]!.body as FormData).get('file')).toBeInstanceOf(File);

    await uploadImport('main', 'public', { text: 'a\tb\n1\t2' }, { transport });
    expect(requests[1]!.url).toBe('/api/v1/databases/main/schemas/public/imports?name=pasted.tsv');
    expect(requests[1]!.body).toBe('a\tb\n1\t2');
    expect(requests[1]!.headers['Content-Type']).toMatch(/^text\/plain/);
  });

  it('turns an upload problem into an ApiError with its line', async () => {
    const transport = () =>
      Promise.resolve(json({ type: 'about:blank', title: 'Unreadable file', status: 422, detail: 'bad quote', line: 7 }, 422));
    const error = await uploadImport('main', 'public', { text: 'x' }, { transport }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(problemOf(error as ApiError).line).toBe(7);
  });

  it('reports a failed connection as a network error', async () => {
    const transport = () => Promise.reject(new Error('the connection failed'));
    await expect(uploadImport('main', 'public', { text: 'x' }, { transport })).rejects.toMatchObject({ kind: 'network' });
  });

  it('sends options in the contract spelling', async () => {
    const bodies: unknown[] = [];
    const urls: string[] = [];
    const fetch: Fetch = (input, init) => {
      urls.push(`${init?.method} ${input}`);
      bodies.push(JSON.parse(String(init?.body)));
      return Promise.resolve(json(input.endsWith('/commit') ? { ...statusBody, state: 'running' } : previewBody));
    };
    await patchImport('main', 'public', 'id 1', { dateOrder: 'dmy', header: false, delimiter: ';' }, { fetch });
    await commitImport('main', 'public', 'id 1', { table: 'orders' }, { fetch });
    await commitImport('main', 'public', 'id 1', { appendTo: 'orders', mapping: { Qty: 'qty', Note: null } }, { fetch });
    await commitImport(
      'main',
      'public',
      'id 1',
      { appendTo: 'orders', mapping: { City: 'City' }, schema: 'public_v1', entityConflicts: 'update' },
      { fetch },
    );
    expect(urls).toEqual([
      'PATCH /api/v1/databases/main/schemas/public/imports/id%201',
      'POST /api/v1/databases/main/schemas/public/imports/id%201/commit',
      'POST /api/v1/databases/main/schemas/public/imports/id%201/commit',
      'POST /api/v1/databases/main/schemas/public/imports/id%201/commit',
    ]);
    expect(bodies).toEqual([
      { delimiter: ';', header: false, date_order: 'dmy' },
      { table: 'orders' },
      { append_to: 'orders', mapping: { Qty: 'qty', Note: null } },
      { append_to: 'orders', mapping: { City: 'City' }, schema: 'public_v1', entity_conflicts: 'update' },
    ]);
  });
});

class FakeEvents implements EventSourceLike {
  listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();
  closed = false;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close() {
    this.closed = true;
  }
  emit(type: string, data = '') {
    for (const listener of this.listeners.get(type) ?? []) listener(new MessageEvent(type, { data }));
  }
}

describe('watching an import', () => {
  function watch(poll: () => Promise<ImportStatus> = () => Promise.reject(new Error('no poll'))) {
    const events = new FakeEvents();
    const urls: string[] = [];
    const handlers = { onprogress: vi.fn(), ondone: vi.fn(), onfailed: vi.fn(), onerror: vi.fn() };
    const stop = watchImport('main', 'public', 'abc', handlers, {
      openEvents: (url) => {
        urls.push(url);
        return events;
      },
      poll,
      interval: 1,
    });
    return { events, urls, handlers, stop };
  }

  it('follows progress to done and closes the stream', () => {
    const { events, urls, handlers } = watch();
    expect(urls).toEqual(['/api/v1/databases/main/schemas/public/imports/abc/events']);
    events.emit('progress', '{"rows_done": 1, "rows_total": 2}');
    events.emit('done', JSON.stringify(statusBody));
    events.emit('progress', '{"rows_done": 2, "rows_total": 2}');
    expect(handlers.onprogress).toHaveBeenCalledTimes(1);
    expect(handlers.ondone).toHaveBeenCalledWith(expect.objectContaining({ table: 'orders' }));
    expect(events.closed).toBe(true);
  });

  it('reports a failure', () => {
    const { events, handlers } = watch();
    events.emit('failed', JSON.stringify({ ...statusBody, state: 'failed', error: { title: 'Bad', detail: 'x', line: 4 } }));
    expect(handlers.onfailed).toHaveBeenCalledWith(expect.objectContaining({ state: 'failed' }));
  });

  it('polls when the stream breaks', async () => {
    let calls = 0;
    const { events, handlers } = watch(() => {
      calls += 1;
      return Promise.resolve(
        calls === 1 ? { ...parseImportStatus(), state: 'running' as const, rowsDone: 5 } : parseImportStatus(),
      );
    });
    events.emit('error');
    await vi.waitFor(() => expect(handlers.ondone).toHaveBeenCalled());
    expect(handlers.onprogress).toHaveBeenCalledWith({ rowsDone: 5, rowsTotal: 1000 });
    expect(events.closed).toBe(true);
  });
});

function parseImportStatus(): ImportStatus {
  return { id: '6f1c', state: 'done', rowsDone: 1000, rowsTotal: 1000, table: 'orders', warnings: [], error: null, action: null };
}

describe('wizard logic', () => {
  const col = (name: string, source: string | null = name, skip = false): ImportColumn => ({ name, source, type: 'text', skip });
  const target = (name: string) => ({ name, type: 'text', nullable: true, default: null, identity: false, generated: false });

  it('maps source columns to targets by name, exactly first, then loosely', () => {
    const mapping = defaultMapping(
      [col('id'), col('Order Date'), col('Customer-Name', 'Customer-Name'), col('Secret', 'Secret', true), col('Notes')],
      [target('id'), target('order_date'), target('customer name'), target('secret')],
    );
    expect(mapping).toEqual({ id: 'id', 'Order Date': 'order_date', 'Customer-Name': 'customer name', Notes: null });
  });

  it('uses a target once', () => {
    expect(defaultMapping([col('A'), col('a')], [target('a')])).toEqual({ a: 'a', A: null });
  });

  it('finds duplicates', () => {
    expect(duplicateTargets({ a: 'x', b: 'x', c: null, d: null })).toEqual(['x']);
    expect(duplicateNames([col('a'), col('a '), col('b'), col('b', 'b', true)])).toEqual(['a']);
  });

  it('folds names', () => {
    expect(foldName('Crème Brûlée_2')).toBe('cremebrulee2');
  });

  it('formats progress and sizes', () => {
    expect(percent(1, 3)).toBe(33);
    expect(percent(5, 0)).toBeNull();
    expect(percent(9, 3)).toBe(100);
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50 MB');
  });
});
