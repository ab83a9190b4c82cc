/**
 * The web app's client for Strata's REST API under `/api/v1`.
 *
 * Every call either returns a typed value parsed from the server's JSON or
 * throws an {@link ApiError}. The server reports failures as RFC 9457
 * `application/problem+json`; `ApiError` keeps that problem's `title`,
 * `detail`, `status` and `type`, and its `kind` tells the UI whether the
 * server answered at all, so a message can say what to do next.
 *
 * ```ts
 * const health = await getHealth();
 * // { status: 'ok', postgresVersion: '15.19', database: 'embedded' }
 * ```
 */

/** Where the PostgreSQL server that Strata uses comes from. */
export type DatabaseKind = 'embedded' | 'external';

/** The answer of `GET /api/v1/health`. */
export interface Health {
  status: 'ok';
  /** PostgreSQL's `server_version`, e.g. `"15.19"`. */
  postgresVersion: string;
  /** `embedded` when Strata runs its own PostgreSQL, `external` for a `--database-url`. */
  database: DatabaseKind;
}

/**
 * How a call failed:
 * - `network`: no answer at all (server down, connection refused, timeout);
 * - `http`: an error status without a problem document, so probably not
 *   Strata answering (e.g. a proxy that could not reach it);
 * - `problem`: Strata answered with `application/problem+json`;
 * - `invalid`: a success status whose body is not what this app expects.
 */
export type ApiErrorKind = 'network' | 'http' | 'problem' | 'invalid';

interface ApiErrorInit {
  kind: ApiErrorKind;
  /** HTTP status; 0 when the server did not answer. */
  status: number;
  title: string;
  detail?: string | undefined;
  type?: string | undefined;
  cause?: unknown;
  /** The whole problem document, for its extension members. */
  problem?: Record<string, unknown> | undefined;
}

/** A failed API call, shaped after an RFC 9457 problem document. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly kind: ApiErrorKind;
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  /** The problem type URI; `about:blank` when the server gave none. */
  readonly type: string;
  /**
   * The problem document's members, including extensions such as `parameter`,
   * `column` or `current`; empty when the server sent no problem document.
   */
  readonly problem: Record<string, unknown>;

  constructor(init: ApiErrorInit) {
    super(init.detail ? `${init.title}: ${init.detail}` : init.title, { cause: init.cause });
    this.kind = init.kind;
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail;
    this.type = init.type ?? 'about:blank';
    this.problem = init.problem ?? {};
  }
}

/** The part of `fetch` this module needs, so tests can pass a stub. */
export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** Options common to every call. */
export interface CallOptions {
  /** Defaults to the global `fetch`. */
  fetch?: Fetch;
  signal?: AbortSignal;
}

/** Reads `GET /api/v1/health`: is the server up, and which PostgreSQL does it use. */
export function getHealth(options: CallOptions = {}): Promise<Health> {
  return getJson('/api/v1/health', parseHealth, options);
}

/** Checks a health body; throws a `ShapeError` saying what is wrong. */
function parseHealth(body: unknown): Health {
  const { status, postgres_version: postgresVersion, database } = record(body);
  if (status !== 'ok') {
    throw new ShapeError(`"status" is ${JSON.stringify(status)}, expected "ok"`);
  }
  if (typeof postgresVersion !== 'string' || postgresVersion === '') {
    throw new ShapeError('"postgres_version" is missing');
  }
  if (database !== 'embedded' && database !== 'external') {
    throw new ShapeError(
      `"database" is ${JSON.stringify(database)}, expected "embedded" or "external"`,
    );
  }
  return { status, postgresVersion, database };
}

/** A JSON body that does not have the shape a parser expects. */
export class ShapeError extends Error {}

/** GETs `path` and parses its JSON body with `parse`, or throws an `ApiError`. */
export function getJson<T>(
  path: string,
  parse: (body: unknown) => T,
  options: CallOptions,
): Promise<T> {
  return requestJson('GET', path, undefined, parse, options);
}

/**
 * Sends `body` as JSON with `method` to `path` and parses the JSON answer with
 * `parse` (a 204 answer parses `null`), or throws an `ApiError`.
 */
export async function sendJson<T>(
  method: 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  path: string,
  body: unknown,
  parse: (body: unknown) => T,
  options: CallOptions = {},
): Promise<T> {
  const sent = await send(method, path, body, parse, options);
  if (sent.action !== null) announceAction({ id: sent.action, path });
  return sent.body;
}

/** A write's parsed answer and the action the server recorded for it. */
export interface Sent<T> {
  body: T;
  /** The id in the `Strata-Action` header; `null` when the server sent none. */
  action: number | null;
}

/**
 * Sends `body` like {@link sendJson} but answers the response's action too, and
 * does not announce it: for writes that are not the user's own new changes
 * (undo and redo report what they did in their body).
 */
export async function send<T>(
  method: 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  path: string,
  body: unknown,
  parse: (body: unknown) => T,
  options: CallOptions = {},
): Promise<Sent<T>> {
  let action: number | null = null;
  const parsed = await requestJson(method, path, body, parse, options, (response) => {
    action = actionHeader(response.headers);
  });
  return { body: parsed, action };
}

/** The action id of a `Strata-Action` header; `null` when absent or not an id. */
export function actionHeader(headers: Headers): number | null {
  const value = headers.get('strata-action')?.trim();
  if (!value || !/^\d+$/.test(value)) return null;
  const id = Number(value);
  return Number.isSafeInteger(id) ? id : null;
}

/** A write this tab made: the action the server recorded and the API path it went to. */
export interface Announced {
  id: number;
  path: string;
}

const actionListeners = new Set<(action: Announced) => void>();

/** Calls `listener` with every action this tab's writes make; answers how to stop. */
export function onAction(listener: (action: Announced) => void): () => void {
  actionListeners.add(listener);
  return () => actionListeners.delete(listener);
}

/** Tells the listeners about an action this tab made (a write, or an import's `done` event). */
export function announceAction(action: Announced): void {
  for (const listener of actionListeners) listener(action);
}

async function requestJson<T>(
  method: string,
  path: string,
  requestBody: unknown,
  parse: (body: unknown) => T,
  options: CallOptions,
  onresponse?: (response: Response) => void,
): Promise<T> {
  const doFetch: Fetch = options.fetch ?? ((input, init) => fetch(input, init));
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (requestBody !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await doFetch(path, {
      method,
      headers,
      ...(requestBody !== undefined ? { body: JSON.stringify(requestBody) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (cause) {
    throw new ApiError({
      kind: 'network',
      status: 0,
      title: `No answer from ${path}`,
      detail: cause instanceof Error ? cause.message : String(cause),
      cause,
    });
  }
  if (response.ok) onresponse?.(response);
  return readJson(path, response, parse);
}

/**
 * Reads a response's JSON body with `parse` (a 204 answer parses `null`): an
 * error status becomes the `ApiError` of its problem document, a body that is
 * not JSON or fails `parse` with a `ShapeError` an `invalid` one.
 */
export async function readJson<T>(path: string, response: Response, parse: (body: unknown) => T): Promise<T> {
  if (!response.ok) throw await errorFrom(path, response);
  const invalid = (detail: string, cause: unknown) =>
    new ApiError({
      kind: 'invalid',
      status: response.status,
      title: `Unexpected answer from ${path}`,
      detail,
      cause,
    });
  let body: unknown = null;
  if (response.status !== 204) {
    try {
      body = await response.json();
    } catch (cause) {
      throw invalid('the body is not valid JSON', cause);
    }
  }
  try {
    return parse(body);
  } catch (cause) {
    if (cause instanceof ShapeError) {
      throw invalid(cause.message, cause);
    }
    throw cause;
  }
}

/** Turns a non-2xx response into an `ApiError`, using its problem document if it has one. */
export async function errorFrom(path: string, response: Response): Promise<ApiError> {
  const fallbackTitle = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} from ${path}`;
  const contentType = response.headers.get('content-type') ?? '';
  if (contentType.includes('application/problem+json')) {
    try {
      const problem: unknown = await response.json();
      if (isRecord(problem)) {
        return new ApiError({
          kind: 'problem',
          status: typeof problem.status === 'number' ? problem.status : response.status,
          title: typeof problem.title === 'string' && problem.title ? problem.title : fallbackTitle,
          detail: typeof problem.detail === 'string' ? problem.detail : undefined,
          type: typeof problem.type === 'string' ? problem.type : undefined,
          problem,
        });
      }
    } catch {
      // A broken problem document is reported like any other bare error status.
    }
  }
  return new ApiError({ kind: 'http', status: response.status, title: fallbackTitle });
}

/** Whether `value` is a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------
// Shape helpers: what every parser uses to check a JSON body, throwing a
// `ShapeError` that names the member at fault.

/** Checks that a JSON value is an object; `what` names it in the error (e.g. `the preview`). */
export function record(value: unknown, what = 'the body'): Record<string, unknown> {
  if (!isRecord(value)) throw new ShapeError(`${what} is not a JSON object`);
  return value;
}

/** Checks that a JSON value is an array; `key` names the member it came from. */
export function array(value: unknown, key?: string): unknown[] {
  if (!Array.isArray(value)) throw new ShapeError(key === undefined ? 'the body is not a JSON array' : `"${key}" is not an array`);
  return value;
}

/** Reads a string member of an object. */
export function string(value: unknown, key: string): string {
  const field = record(value)[key];
  if (typeof field !== 'string') throw new ShapeError(`"${key}" is not a string`);
  return field;
}

/** Reads a string member that may be `null` or absent. */
export function optionalString(value: Record<string, unknown>, key: string): string | null {
  const field = value[key];
  if (field === null || field === undefined) return null;
  if (typeof field !== 'string') throw new ShapeError(`"${key}" is not a string`);
  return field;
}

/** Reads an array of strings (the member `key`). */
export function strings(value: unknown, key: string): string[] {
  return array(value, key).map((item) => {
    if (typeof item !== 'string') throw new ShapeError(`"${key}" holds a non-string`);
    return item;
  });
}

/** Reads a number member; `null` when absent or not a number. */
export function count(value: Record<string, unknown>, key: string): number | null {
  const field = value[key];
  return typeof field === 'number' ? field : null;
}
