import { afterEach, describe, expect, it, vi } from 'vitest';
import { actionHeader, ApiError, array, getHealth, onAction, send, sendJson, type Fetch, type Health, optionalString, readJson, record, ShapeError, string, strings } from './api';

/** A fetch stub that answers every call with `response` and records the calls. */
function answering(response: Response | Error) {
  return vi.fn<Fetch>(async () => {
    if (response instanceof Error) throw response;
    return response;
  });
}

function json(body: unknown, status = 200, contentType = 'application/json'): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': contentType } });
}

function problem(body: Record<string, unknown>, status: number): Response {
  return json(body, status, 'application/problem+json');
}

/** Runs `getHealth` against a stubbed answer and returns the value or the `ApiError`. */
async function health(response: Response | Error): Promise<Health | ApiError> {
  try {
    return await getHealth({ fetch: answering(response) });
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
}

/** The fields of an `ApiError` that a test compares. */
function fields(err: unknown) {
  if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${JSON.stringify(err)}`);
  const { kind, status, title, detail, type, message } = err;
  return { kind, status, title, detail, type, message };
}

describe('getHealth', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it.each([
    [
      { status: 'ok', postgres_version: '15.19', database: 'embedded' },
      { status: 'ok', postgresVersion: '15.19', database: 'embedded' },
    ],
    [
      { status: 'ok', postgres_version: '15.6 (Debian 15.6-0+deb12u1)', database: 'external' },
      { status: 'ok', postgresVersion: '15.6 (Debian 15.6-0+deb12u1)', database: 'external' },
    ],
    [
      { status: 'ok', postgres_version: '16.2', database: 'embedded', uptime_s: 12 },
      { status: 'ok', postgresVersion: '16.2', database: 'embedded' },
    ],
  ])('parses %j', async (body, expected) => {
    expect(await health(json(body))).toEqual(expected);
  });

  it('asks for JSON at /api/v1/health and passes the abort signal on', async () => {
    const stub = answering(json({ status: 'ok', postgres_version: '15.19', database: 'embedded' }));
    const signal = new AbortController().signal;
    await getHealth({ fetch: stub, signal });
    expect(stub).toHaveBeenCalledWith('/api/v1/health', {
      method: 'GET',
      headers: { Accept: 'application/json' },
      signal,
    });
  });

  it('uses the global fetch by default', async () => {
    const stub = answering(json({ status: 'ok', postgres_version: '15.19', database: 'embedded' }));
    vi.stubGlobal('fetch', stub);
    expect(await getHealth()).toEqual({ status: 'ok', postgresVersion: '15.19', database: 'embedded' });
    expect(stub).toHaveBeenCalledOnce();
  });

  it('turns a problem document into an ApiError with its title and detail', async () => {
    const answer = problem(
      {
        type: 'https://strata.dev/problems/database-unavailable',
        title: 'Database unavailable',
        status: 503,
        detail: 'PostgreSQL did not accept a connection within 5 s.',
      },
      503,
    );
    expect(fields(await health(answer))).toEqual({
      kind: 'problem',
      status: 503,
      title: 'Database unavailable',
      detail: 'PostgreSQL did not accept a connection within 5 s.',
      type: 'https://strata.dev/problems/database-unavailable',
      message: 'Database unavailable: PostgreSQL did not accept a connection within 5 s.',
    });
  });

  it.each<[string, Response | Error, Partial<ReturnType<typeof fields>>]>([
    [
      'a problem without detail or type',
      problem({ title: 'Not found', status: 404 }, 404),
      { kind: 'problem', status: 404, title: 'Not found', detail: undefined, type: 'about:blank' },
    ],
    [
      'a problem without a title',
      problem({ status: 500 }, 500),
      { kind: 'problem', status: 500, title: 'HTTP 500 from /api/v1/health' },
    ],
    [
      'a broken problem document',
      new Response('{not json', {
        status: 502,
        statusText: 'Bad Gateway',
        headers: { 'content-type': 'application/problem+json' },
      }),
      { kind: 'http', status: 502, title: 'HTTP 502 Bad Gateway from /api/v1/health' },
    ],
    [
      'an error status without a problem document',
      new Response('<h1>Bad gateway</h1>', {
        status: 502,
        statusText: 'Bad Gateway',
        headers: { 'content-type': 'text/html' },
      }),
      { kind: 'http', status: 502, title: 'HTTP 502 Bad Gateway from /api/v1/health', detail: undefined },
    ],
    [
      'no answer at all',
      new TypeError('fetch failed'),
      { kind: 'network', status: 0, title: 'No answer from /api/v1/health', detail: 'fetch failed' },
    ],
    [
      'a body that is not JSON',
      new Response('<!doctype html>', { status: 200, headers: { 'content-type': 'text/html' } }),
      { kind: 'invalid', status: 200, detail: 'the body is not valid JSON' },
    ],
    [
      'a body that is not an object',
      json([1, 2]),
      { kind: 'invalid', detail: 'the body is not a JSON object' },
    ],
    [
      'a status other than ok',
      json({ status: 'starting', postgres_version: '15.19', database: 'embedded' }),
      { kind: 'invalid', detail: '"status" is "starting", expected "ok"' },
    ],
    [
      'a missing version',
      json({ status: 'ok', database: 'embedded' }),
      { kind: 'invalid', detail: '"postgres_version" is missing' },
    ],
    [
      'an unknown database kind',
      json({ status: 'ok', postgres_version: '15.19', database: 'cloud' }),
      {
        kind: 'invalid',
        title: 'Unexpected answer from /api/v1/health',
        detail: '"database" is "cloud", expected "embedded" or "external"',
      },
    ],
  ])('reports %s', async (_name, answer, expected) => {
    expect(fields(await health(answer))).toMatchObject(expected);
  });
});

describe('shape helpers', () => {
  it('pass values of the right shape through', () => {
    expect(record({ a: 1 })).toEqual({ a: 1 });
    expect(array([1], 'xs')).toEqual([1]);
    expect(string({ name: 'x' }, 'name')).toBe('x');
    expect(optionalString({ sheet: null }, 'sheet')).toBeNull();
    expect(strings(['a', 'b'], 'names')).toEqual(['a', 'b']);
  });

  it('name the member at fault', () => {
    expect(() => record([], 'the preview')).toThrow(new ShapeError('the preview is not a JSON object'));
    expect(() => array({}, 'rows')).toThrow(new ShapeError('"rows" is not an array'));
    expect(() => string({ name: 1 }, 'name')).toThrow(new ShapeError('"name" is not a string'));
    expect(() => strings(['a', 1], 'names')).toThrow(new ShapeError('"names" holds a non-string'));
  });
});

describe('readJson', () => {
  it('parses null for a 204 answer', async () => {
    expect(await readJson('/x', new Response(null, { status: 204 }), (body) => body)).toBeNull();
  });

  it('turns a shape error into an invalid ApiError', async () => {
    const err = await readJson('/x', json([]), (body) => record(body)).catch((e: unknown) => e);
    expect(fields(err)).toMatchObject({ kind: 'invalid', title: 'Unexpected answer from /x', detail: 'the body is not a JSON object' });
  });
});

describe('Strata-Action', () => {
  it('reads an action id from the header, and nothing else', () => {
    expect(actionHeader(new Headers({ 'Strata-Action': '42' }))).toBe(42);
    expect(actionHeader(new Headers({ 'Strata-Action': 'abc' }))).toBeNull();
    expect(actionHeader(new Headers())).toBeNull();
  });

  it('announces the action of a write; send answers it without announcing', async () => {
    const seen: { id: number; path: string }[] = [];
    const stop = onAction((action) => seen.push(action));
    const fetch: Fetch = () =>
      Promise.resolve(new Response('{}', { status: 200, headers: { 'content-type': 'application/json', 'Strata-Action': '7' } }));
    try {
      await sendJson('PATCH', '/api/v1/databases/main/x', {}, (b) => b, { fetch });
      const sent = await send('POST', '/api/v1/databases/main/y', undefined, (b) => b, { fetch });
      expect(sent).toEqual({ body: {}, action: 7 });
    } finally {
      stop();
    }
    expect(seen).toEqual([{ id: 7, path: '/api/v1/databases/main/x' }]);
  });
});
