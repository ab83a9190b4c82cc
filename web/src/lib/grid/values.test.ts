import { describe, expect, it } from 'vitest';
import { displayText, editorKind, fromInput, fromPaste, isEdited, isTextType, parseBoolean, toInput, toggled } from './values';

describe('editorKind', () => {
  it.each([
    ['integer', 'number'],
    ['bigint', 'number'],
    ['smallint', 'number'],
    ['numeric', 'number'],
    ['numeric(10,2)', 'number'],
    ['real', 'number'],
    ['double precision', 'number'],
    ['boolean', 'boolean'],
    ['date', 'date'],
    ['timestamp without time zone', 'timestamp'],
    ['timestamp(3) without time zone', 'timestamp'],
    ['timestamp with time zone', 'timestamptz'],
    ['json', 'json'],
    ['jsonb', 'json'],
    ['integer[]', 'json'],
    ['text', 'text'],
    ['character varying(20)', 'text'],
    ['uuid', 'text'],
    ['"My Type"', 'text'],
  ])('%s edits as %s', (type, kind) => expect(editorKind(type)).toBe(kind));

  it('knows string types', () => {
    expect(isTextType('character varying(20)')).toBe(true);
    expect(isTextType('text')).toBe(true);
    expect(isTextType('integer')).toBe(false);
    expect(isTextType('uuid')).toBe(false);
  });
});

describe('fromInput', () => {
  it('reads numbers as trimmed text so no digit is lost', () => {
    expect(fromInput('number', ' 12 ')).toEqual({ ok: true, value: '12' });
    expect(fromInput('number', '12345678901234567890.5')).toEqual({ ok: true, value: '12345678901234567890.5' });
    expect(fromInput('number', 'abc')).toEqual({ ok: true, value: 'abc' });
  });
  it('reads an empty editor as NULL except for text', () => {
    for (const kind of ['number', 'date', 'timestamp', 'timestamptz', 'json', 'boolean'] as const) {
      expect(fromInput(kind, '')).toEqual({ ok: true, value: null });
    }
    expect(fromInput('text', '')).toEqual({ ok: true, value: '' });
    expect(fromInput('text', '', false)).toEqual({ ok: true, value: null });
  });
  it('reads dates and timestamps as ISO text', () => {
    expect(fromInput('date', '2024-03-01')).toEqual({ ok: true, value: '2024-03-01' });
    expect(fromInput('timestamp', '2024-03-01T10:30')).toEqual({ ok: true, value: '2024-03-01T10:30' });
    const tz = fromInput('timestamptz', '2024-03-01T10:30:00');
    expect(tz.ok && new Date(tz.value as string).getTime()).toBe(new Date('2024-03-01T10:30:00').getTime());
    expect(fromInput('timestamptz', 'soon').ok).toBe(false);
  });
  it('validates JSON', () => {
    expect(fromInput('json', '{"a": [1, 2]}')).toEqual({ ok: true, value: { a: [1, 2] } });
    expect(fromInput('json', '"x"')).toEqual({ ok: true, value: 'x' });
    const bad = fromInput('json', '{a}');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/^Not valid JSON/);
  });
  it('reads booleans as PostgreSQL does', () => {
    expect(fromInput('boolean', 'yes')).toEqual({ ok: true, value: true });
    expect(fromInput('boolean', 'F')).toEqual({ ok: true, value: false });
    expect(fromInput('boolean', 'maybe').ok).toBe(false);
    expect(parseBoolean(' ')).toBeNull();
  });
  it('keeps unicode text as typed', () => {
    expect(fromInput('text', ' Zoë 🍎 ')).toEqual({ ok: true, value: ' Zoë 🍎 ' });
  });
});

describe('toInput and display', () => {
  it('shows stored values in editors', () => {
    expect(toInput('number', '12.50')).toBe('12.50');
    expect(toInput('number', 3)).toBe('3');
    expect(toInput('text', null)).toBe('');
    expect(toInput('date', '2024-03-01')).toBe('2024-03-01');
    expect(toInput('timestamp', '2024-03-01T10:30:00.123456')).toBe('2024-03-01T10:30:00');
    expect(toInput('json', { a: 1 })).toBe('{\n  "a": 1\n}');
    expect(toInput('json', [1, 2])).toBe('[1,2]');
  });
  it('converts a timestamptz to local time and back to the same instant', () => {
    const local = toInput('timestamptz', '2024-03-01T10:30:00+00:00');
    expect(local).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    const back = fromInput('timestamptz', local);
    expect(back).toEqual({ ok: true, value: '2024-03-01T10:30:00.000Z' });
  });
  it('displays values as text and NULL as null', () => {
    expect(displayText(null)).toBeNull();
    expect(displayText(true)).toBe('true');
    expect(displayText({ a: 1 })).toBe('{"a":1}');
    expect(displayText('x')).toBe('x');
  });
  it('toggles booleans and reads pasted fields', () => {
    expect(toggled(null)).toBe(true);
    expect(toggled(false)).toBe(true);
    expect(toggled(true)).toBe(false);
    expect(fromPaste('')).toBeNull();
    expect(fromPaste('0')).toBe('0');
  });
});

// Review item 8: Enter on an untouched timestamp editor truncated its fractional seconds.
describe('isEdited', () => {
  const stored = '2024-03-01T10:00:00.123456';
  it('keeps a value the editor cannot show exactly when nothing was typed', () => {
    const text = toInput('timestamp', stored);
    const parsed = fromInput('timestamp', text);
    expect(parsed.ok && isEdited('timestamp', stored, parsed.value, text)).toBe(false);
    const zoned = '2024-03-01T10:00:00.5+00:00';
    const shown = toInput('timestamptz', zoned);
    const back = fromInput('timestamptz', shown);
    expect(back.ok && isEdited('timestamptz', zoned, back.value, shown)).toBe(false);
  });
  it('saves a changed text', () => {
    expect(isEdited('timestamp', stored, '2024-03-01T11:00:00', '2024-03-01T11:00:00')).toBe(true);
    expect(isEdited('number', '5', '6', '6')).toBe(true);
    expect(isEdited('number', '5', '5', '5')).toBe(false);
  });
  it('saves NULL whatever the text', () => {
    expect(isEdited('text', 'abc', null, 'abc')).toBe(true);
    expect(isEdited('text', null, null, '')).toBe(false);
  });
});
