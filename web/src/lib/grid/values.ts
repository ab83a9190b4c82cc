/**
 * What a cell edits as, from its column's PostgreSQL type, and the conversions
 * between a stored value (as the rows API sends it) and an editor's text.
 *
 * Values go back to the server as the contract asks: `null` is NULL, strings
 * are given to the column type's input function, JSON objects and arrays go
 * to json/jsonb and array columns. Numbers travel as the text the user typed,
 * so a `bigint` or `numeric` never loses a digit and PostgreSQL's own reason
 * (`invalid input syntax for type integer: "abc"`) is what the user sees.
 *
 * ```ts
 * editorKind('numeric(10,2)'); // 'number'
 * fromInput('number', ' 12 '); // { ok: true, value: '12' }
 * fromInput('number', '');     // { ok: true, value: null }
 * ```
 */

/** The editor a column gets. */
export type EditorKind = 'number' | 'boolean' | 'date' | 'timestamp' | 'timestamptz' | 'json' | 'text';

/** The editor for a type as `format_type` spells it. */
export function editorKind(type: string): EditorKind {
  const t = type.toLowerCase();
  if (t.endsWith('[]') || t === 'json' || t === 'jsonb') return 'json';
  if (/^(smallint|integer|bigint|numeric|decimal|real|double precision)\b/.test(t)) return 'number';
  if (t === 'boolean') return 'boolean';
  if (t === 'date') return 'date';
  if (/^timestamp\b.*with time zone$/.test(t)) return 'timestamptz';
  if (/^timestamp\b/.test(t)) return 'timestamp';
  return 'text';
}

/** Whether a type is a string type, where an empty editor means an empty string rather than NULL. */
export function isTextType(type: string): boolean {
  return /^(text|character varying|character|varchar|char|citext|name)\b/.test(type.toLowerCase());
}

/** A value read from an editor, or why it cannot be saved. */
export type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

/** How a stored value reads in a cell and in copied TSV; NULL is `null`. */
export function displayText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The editor's starting text for a stored value. */
export function toInput(kind: EditorKind, value: unknown): string {
  if (value === null || value === undefined) return '';
  switch (kind) {
    case 'json':
      return JSON.stringify(value, null, typeof value === 'object' && value !== null && !Array.isArray(value) ? 2 : 0);
    case 'date':
      return typeof value === 'string' ? value.slice(0, 10) : String(value);
    case 'timestamp':
      // PostgreSQL writes `2024-03-01T10:00:00` (maybe with a fraction); the input takes seconds.
      return typeof value === 'string' ? value.slice(0, 19) : String(value);
    case 'timestamptz':
      return typeof value === 'string' ? localDateTime(value) : String(value);
    default:
      return String(value);
  }
}

/**
 * Whether an editor's result changes a stored value. Its text must differ
 * from the text the editor started with for that value: an editor cannot
 * always show a value exactly (a timestamp's fractional seconds, a time
 * zone), so opening it and pressing Enter must not rewrite the value. "Set to
 * NULL" (a `null` value) is a change whatever the text.
 */
export function isEdited(kind: EditorKind, before: unknown, value: unknown, text: string): boolean {
  if (displayText(value) === displayText(before)) return false;
  if (value === null) return true;
  return text !== toInput(kind, before);
}

/**
 * The value to save for an editor's text. An empty editor is NULL, except for
 * text columns where it is the empty string (use "Set to NULL" for NULL).
 */
export function fromInput(kind: EditorKind, text: string, textType = kind === 'text'): Parsed {
  if (text === '' && !textType) return { ok: true, value: null };
  switch (kind) {
    case 'number': {
      const trimmed = text.trim();
      return { ok: true, value: trimmed === '' ? null : trimmed };
    }
    case 'boolean': {
      const value = parseBoolean(text);
      return value === undefined ? { ok: false, error: `“${text}” is not true or false` } : { ok: true, value };
    }
    case 'json':
      try {
        return { ok: true, value: JSON.parse(text) as unknown };
      } catch (err) {
        return { ok: false, error: `Not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
      }
    case 'timestamptz': {
      const date = new Date(text);
      return Number.isNaN(date.getTime()) ? { ok: false, error: `“${text}” is not a date and time` } : { ok: true, value: date.toISOString() };
    }
    default:
      return { ok: true, value: text };
  }
}

/** A boolean from text as PostgreSQL reads it (`t`, `yes`, `on`, `1`...); empty is NULL. */
export function parseBoolean(text: string): boolean | null | undefined {
  const t = text.trim().toLowerCase();
  if (t === '') return null;
  if (['t', 'true', 'y', 'yes', 'on', '1'].includes(t)) return true;
  if (['f', 'false', 'n', 'no', 'off', '0'].includes(t)) return false;
  return undefined;
}

/** The next state of a boolean cell on Space or click: NULL and false become true, true becomes false. */
export function toggled(value: unknown): boolean {
  return value !== true;
}

/** A pasted field's value: an empty field is NULL, anything else goes to the type's input function. */
export function fromPaste(text: string): string | null {
  return text === '' ? null : text;
}

/** `2024-03-01T10:00:00+01:00` in the browser's time zone, as `datetime-local` wants it. */
function localDateTime(value: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}
