import { describe, expect, it } from 'vitest';
import { formatTsv, parseDelimited, sniffDelimiter } from './tsv';

describe('formatTsv', () => {
  it('joins cells with tabs and lines with newlines', () => {
    expect(formatTsv([['a', 'b'], ['c', 'd']])).toBe('a\tb\nc\td');
  });
  it('writes NULL as an empty field', () => {
    expect(formatTsv([[null, 'x', null]])).toBe('\tx\t');
  });
  it('quotes fields with tabs, newlines and quotes', () => {
    expect(formatTsv([['a\tb', 'line1\nline2', 'say "hi"', 'cr\r']])).toBe(
      '"a\tb"\t"line1\nline2"\t"say ""hi"""\t"cr\r"',
    );
  });
  it('leaves commas and unicode alone', () => {
    expect(formatTsv([['1,5', 'Zoë 🍎']])).toBe('1,5\tZoë 🍎');
  });
});

describe('parseDelimited', () => {
  const check = (text: string, expected: string[][], delimiter = '\t') =>
    expect(parseDelimited(text, delimiter)).toEqual(expected);

  it('reads plain rows', () => check('a\tb\nc\td', [['a', 'b'], ['c', 'd']]));
  it('ignores one trailing newline', () => check('a\tb\n', [['a', 'b']]));
  it('reads CRLF and a trailing CRLF', () => check('a\tb\r\nc\td\r\n', [['a', 'b'], ['c', 'd']]));
  it('reads lone CR line ends', () => check('a\rb', [['a'], ['b']]));
  it('keeps empty fields', () => check('\tx\t', [['', 'x', '']]));
  it('keeps an empty line in the middle', () => check('a\n\nb', [['a'], [''], ['b']]));
  it('reads a single value', () => check('42', [['42']]));
  it('reads nothing from an empty string', () => check('', []));
  it('reads quoted fields with tabs, newlines and quotes', () =>
    check('"a\tb"\t"line1\r\nline2"\t"say ""hi"""\n', [['a\tb', 'line1\r\nline2', 'say "hi"']]));
  it('keeps quotes inside an unquoted field', () => check('5" pipe\tx', [['5" pipe', 'x']]));
  it('reads an unclosed quote to the end', () => check('"abc\tdef', [['abc\tdef']]));
  it('keeps ragged rows ragged', () => check('a\tb\tc\nd\ne\tf', [['a', 'b', 'c'], ['d'], ['e', 'f']]));
  it('keeps unicode', () => check('Zoë\t🍎\n日本\tß', [['Zoë', '🍎'], ['日本', 'ß']]));
  it('reads CSV with a comma delimiter', () => check('a,"b,c",d\r\n1,2,3', [['a', 'b,c', 'd'], ['1', '2', '3']], ','));
  it('round-trips what formatTsv writes', () => {
    const cells = [['a\tb', 'x\ny', '"q"'], ['', 'Zoë', '1,5']];
    expect(parseDelimited(formatTsv(cells))).toEqual(cells);
  });
});

describe('sniffDelimiter', () => {
  it('prefers tabs, then CSV when the clipboard says so', () => {
    expect(sniffDelimiter('a\tb,c', true)).toBe('\t');
    expect(sniffDelimiter('a,b', true)).toBe(',');
    expect(sniffDelimiter('1,5', false)).toBe('\t');
  });
});
