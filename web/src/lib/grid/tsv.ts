/**
 * Cells to and from the clipboard, in the format spreadsheets use.
 *
 * Excel, LibreOffice and Google Sheets put a range on the clipboard as
 * tab-separated lines; a field that holds a tab, a line break or a quote is
 * wrapped in `"` with inner quotes doubled. {@link formatTsv} writes that and
 * {@link parseDelimited} reads it back (also with `,` for CSV), accepting `\n`,
 * `\r\n` and `\r` line ends, one trailing line end, and ragged rows.
 *
 * ```ts
 * formatTsv([['a', 'b\tc'], [null, '1']]); // 'a\t"b\tc"\n\t1'
 * parseDelimited('a\t"b\tc"\r\n\t1\r\n'); // [['a', 'b\tc'], ['', '1']]
 * ```
 */

/** Formats rows of cells as TSV; `null` is an empty field. No trailing line end. */
export function formatTsv(rows: readonly (readonly (string | null)[])[]): string {
  return rows.map((row) => row.map(quoteField).join('\t')).join('\n');
}

function quoteField(value: string | null): string {
  if (value === null) return '';
  return /[\t\n\r"]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * Parses delimited text into rows of fields. A field that starts with `"` is
 * quoted: it ends at the next lone `"`, and `""` inside is one quote (text
 * after the closing quote up to the delimiter is kept, as spreadsheets do).
 * One line end at the very end does not make an empty last row.
 */
export function parseDelimited(text: string, delimiter = '\t'): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  const n = text.length;
  // Whether the current row has started (a line with just a delimiter has two empty fields).
  let pending = false;
  while (i < n) {
    const c = text[i];
    if (c === '"' && field === '') {
      // A quoted field: read up to the closing quote.
      i += 1;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote === -1) {
          field += text.slice(i);
          i = n;
          break;
        }
        field += text.slice(i, quote);
        if (text[quote + 1] === '"') {
          field += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      pending = true;
      continue;
    }
    if (c === delimiter) {
      row.push(field);
      field = '';
      pending = true;
      i += 1;
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      pending = false;
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += c;
      pending = true;
      i += 1;
    }
  }
  if (pending || field !== '') {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/**
 * Guesses the delimiter of pasted text: a tab if any line has one (what
 * spreadsheets write), else `,` when the clipboard said it is CSV, else a tab
 * (so a single pasted value with a comma stays one value).
 */
export function sniffDelimiter(text: string, isCsv: boolean): string {
  if (text.includes('\t')) return '\t';
  return isCsv ? ',' : '\t';
}
