//! The two passes of an import: [`plan`] reads every row to decide how to read the file and
//! what each column is; [`encode`] reads it again and writes binary COPY for the loader.
//!
//! Both passes walk the rows the same way (`Shape`), so every row the plan counted is a row
//! the load writes, and a problem (a NUL byte, a row with too many fields) surfaces in the
//! first pass, before anything touches the database.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use encoding_rs::{Encoding, UTF_8};

use crate::copy::CopyEncoder;
use crate::error::ImportError;
use crate::format::Format;
use crate::infer::{Column, InferOptions};
use crate::names;
use crate::options::ImportOptions;
use crate::read::{self, Records};
use crate::row::Row;
use crate::sniff;
use crate::types::{ColumnType, DateOrder};

/// PostgreSQL's 1600-column limit, less the surrogate key.
const MAX_COLUMNS: usize = 1599;
/// How often (in rows) progress is reported.
const PROGRESS_EVERY: u64 = 16 * 1024;
/// How many bytes of COPY data are handed over at a time.
const CHUNK_BYTES: usize = 1 << 20;
/// How many data rows a plan keeps as a sample to show.
pub const SAMPLE_ROWS: usize = 50;

/// How the file is read: decided by [`plan`], then fixed.
#[derive(Debug, Clone)]
pub struct Source {
    /// The format.
    pub format: Format,
    /// The text encoding (UTF-8 for workbooks and JSON).
    pub encoding: &'static Encoding,
    /// The delimiter of delimited text.
    pub delimiter: u8,
    /// The workbook's sheet.
    pub sheet: Option<String>,
    /// Every sheet of the workbook, in order (empty for other formats).
    pub sheets: Vec<String>,
    /// Whether the first row is a header (never for JSON, whose keys name the columns).
    pub header: bool,
    /// JSON keys in column order.
    pub keys: Vec<String>,
}

/// One column of the table to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedColumn {
    /// The PostgreSQL column name (at most 63 bytes, unique).
    pub name: String,
    /// Which cell of a row it comes from.
    pub source: usize,
    /// Its type.
    pub column_type: ColumnType,
    /// How its dates read (date-like columns).
    pub date_order: Option<DateOrder>,
}

/// Everything decided about a file. A caller may change `columns` (rename, retype, drop) before
/// loading; values that then do not fit are errors at load time.
#[derive(Debug, Clone)]
pub struct Plan {
    /// How to read the file.
    pub source: Source,
    /// The columns, in table order.
    pub columns: Vec<PlannedColumn>,
    /// Data rows (the header excluded, blank rows skipped).
    pub rows: u64,
    /// Whether `1,5` reads as a number.
    pub decimal_comma: bool,
    /// The order used for columns whose dates read either way.
    pub date_order: DateOrder,
    /// Things the user should know: short rows, renamed headers, assumed date orders.
    pub warnings: Vec<String>,
    /// The first data rows (at most [`SAMPLE_ROWS`]) as their cells display, indexed by
    /// [`PlannedColumn::source`]; `None` for an empty cell.
    pub sample: Vec<Vec<Option<String>>>,
}

/// Which pass is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading the file to infer types.
    Reading,
    /// Reading it again into the database.
    Loading,
}

/// Progress of a pass.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// The pass.
    pub phase: Phase,
    /// Bytes of the file read so far.
    pub bytes: u64,
    /// The file's size.
    pub total_bytes: u64,
    /// Rows read so far.
    pub rows: u64,
}

/// Decides how to read `path` and what its columns are, reading every row once.
pub fn plan(path: &Path, options: &ImportOptions, progress: &mut dyn FnMut(Progress)) -> Result<Plan, ImportError> {
    let total_bytes = std::fs::metadata(path)?.len();
    let head = read_head(path)?;
    if head.iter().all(u8::is_ascii_whitespace) {
        return Err(ImportError::Empty("it is empty"));
    }
    let sniffed = Format::sniff(&head);
    let format = options
        .format
        .or_else(|| sniffed.is_spreadsheet().then_some(sniffed))
        .or_else(|| Format::from_path(path))
        .unwrap_or(sniffed);
    let text = matches!(format, Format::Csv | Format::Tsv);
    let encoding = match options.encoding {
        Some(encoding) => encoding,
        None if text => sniff::encoding(&head),
        None => UTF_8,
    };
    let delimiter = match (options.delimiter, format) {
        (Some(delimiter), _) => delimiter,
        (None, Format::Tsv) => b'\t',
        (None, _) => sniff::delimiter(&encoding.decode(&head).0),
    };
    if options.sheet.is_some() && !format.is_spreadsheet() {
        return Err(ImportError::Options(format!("only workbooks have sheets, and this file is {format}")));
    }
    let mut source = Source {
        format,
        encoding,
        delimiter,
        sheet: options.sheet.clone(),
        sheets: Vec::new(),
        header: false,
        keys: Vec::new(),
    };
    let infer = InferOptions { decimal_comma: text && delimiter == b';', json_source: format.is_json() };

    let scan = match scan(path, &source, infer, total_bytes, progress) {
        // The sample looked like UTF-8 and the rest was not: detect over the whole file.
        Err(ImportError::Encoding { .. }) if options.encoding.is_none() && source.encoding == UTF_8 && text => {
            source.encoding = sniff::encoding_of_file(path)?;
            scan(path, &source, infer, total_bytes, progress)?
        }
        other => other?,
    };
    let preferred = options.date_order.unwrap_or(options.default_date_order);
    decide(scan, source, infer, options.header, preferred)
}

/// What each COPY row starts with, before the plan's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leading {
    /// Nothing.
    Nothing,
    /// The row's number, from 1, as a `bigint` (a new table's key).
    RowNumber,
    /// The row's line in the file, as a `bigint` (to find a row the database refuses).
    Line,
}

/// Writes the binary COPY stream of `plan`'s file into `out`, one chunk at a time, each row
/// starting with `leading`. Returns the rows written.
pub fn encode(
    path: &Path,
    plan: &Plan,
    leading: Leading,
    out: &mut dyn FnMut(Vec<u8>) -> Result<(), ImportError>,
    progress: &mut dyn FnMut(Progress),
) -> Result<u64, ImportError> {
    let total_bytes = std::fs::metadata(path)?.len();
    let read = Arc::new(AtomicU64::new(0));
    let mut records = read::open(path, &plan.source, read.clone())?;
    let mut shape = Shape::new(plan.source.format);
    let mut row = Row::default();
    if plan.source.header {
        shape.first(records.as_mut(), &mut row)?;
    }
    let json = plan.source.format.is_json();
    let mut encoder = CopyEncoder::new(&plan.columns, plan.decimal_comma, json, leading != Leading::Nothing);
    let mut rows = 0;
    while shape.next(records.as_mut(), &mut row)? {
        rows += 1;
        let number = if leading == Leading::Line { row.line() } else { rows };
        encoder.row(i64::try_from(number).unwrap_or(i64::MAX), &row)?;
        if encoder.buffered() >= CHUNK_BYTES {
            out(encoder.take())?;
        }
        if rows % PROGRESS_EVERY == 0 {
            progress(Progress { phase: Phase::Loading, bytes: read.load(Ordering::Relaxed), total_bytes, rows });
        }
    }
    encoder.finish();
    out(encoder.take())?;
    progress(Progress { phase: Phase::Loading, bytes: total_bytes, total_bytes, rows });
    Ok(rows)
}

fn read_head(path: &Path) -> Result<Vec<u8>, ImportError> {
    let mut head = Vec::with_capacity(sniff::SAMPLE_BYTES);
    File::open(path)?.take(sniff::SAMPLE_BYTES as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// What the first pass saw.
struct Scan {
    first: Option<Row>,
    columns: Vec<Column>,
    rows: u64,
    keys: Option<Vec<String>>,
    sheet: Option<String>,
    sheets: Vec<String>,
    shape: Shape,
    warnings: Vec<String>,
    /// The first rows after `first`, at most `SAMPLE_ROWS` (one may be dropped for the header).
    sample: Vec<Row>,
}

fn scan(
    path: &Path,
    source: &Source,
    infer: InferOptions,
    total_bytes: u64,
    progress: &mut dyn FnMut(Progress),
) -> Result<Scan, ImportError> {
    let read = Arc::new(AtomicU64::new(0));
    let mut records = read::open(path, source, read.clone())?;
    let json = source.format.is_json();
    let mut shape = Shape::new(source.format);
    let mut row = Row::default();
    let first = if json {
        None
    } else if shape.first(records.as_mut(), &mut row)? {
        Some(row.clone())
    } else {
        return Err(ImportError::Empty("it has no rows"));
    };
    if shape.width > MAX_COLUMNS {
        return Err(ImportError::TooManyColumns(shape.width));
    }
    let mut columns = vec![Column::default(); shape.width];
    let mut rows = 0;
    let mut sample = Vec::new();
    while shape.next(records.as_mut(), &mut row)? {
        if sample.len() < SAMPLE_ROWS {
            sample.push(row.clone());
        }
        if row.len() > columns.len() {
            if row.len() > MAX_COLUMNS {
                return Err(ImportError::TooManyColumns(row.len()));
            }
            columns.resize(row.len(), Column::default());
        }
        for (index, column) in columns.iter_mut().enumerate() {
            column.observe(row.get(index), infer);
        }
        rows += 1;
        if rows % PROGRESS_EVERY == 0 {
            progress(Progress { phase: Phase::Reading, bytes: read.load(Ordering::Relaxed), total_bytes, rows });
        }
    }
    progress(Progress { phase: Phase::Reading, bytes: total_bytes, total_bytes, rows });
    let keys = records.keys().map(<[String]>::to_vec);
    if keys.as_ref().is_some_and(Vec::is_empty) {
        return Err(ImportError::Empty("it has no objects with keys"));
    }
    Ok(Scan {
        first,
        columns,
        rows,
        keys,
        sheet: records.sheet().map(str::to_string),
        sheets: records.sheets(),
        shape,
        warnings: records.warnings(),
        sample,
    })
}

/// Turns what the first pass saw into the plan: header or not, names, types, warnings.
fn decide(
    mut scan: Scan,
    mut source: Source,
    infer: InferOptions,
    header: Option<bool>,
    preferred: DateOrder,
) -> Result<Plan, ImportError> {
    let mut warnings = Vec::new();
    let header_texts: Option<Vec<String>> = match (&scan.keys, &scan.first) {
        (Some(keys), _) => Some(keys.clone()),
        (None, Some(first)) => {
            let is_header = header.unwrap_or_else(|| looks_like_header(first, &scan.columns, infer, preferred));
            source.header = is_header;
            if is_header {
                // A row longer than the header is a mistake; without a header it is just wider.
                if let Some((line, found)) = scan.shape.wide {
                    return Err(ImportError::ExtraFields { line, expected: scan.shape.width, found });
                }
                Some((0..scan.columns.len()).map(|i| first.get(i).display()).collect())
            } else {
                for (index, column) in scan.columns.iter_mut().enumerate() {
                    column.observe(first.get(index), infer);
                }
                scan.rows += 1;
                scan.sample.insert(0, first.clone());
                scan.sample.truncate(SAMPLE_ROWS);
                None
            }
        }
        (None, None) => None,
    };
    // Trailing columns with neither a name nor a value are trailing delimiters, not columns.
    let named = |index: usize| header_texts.as_ref().and_then(|h| h.get(index)).is_some_and(|h| !h.trim().is_empty());
    while scan.columns.len() > 1 && scan.columns.last().is_some_and(Column::is_empty) && !named(scan.columns.len() - 1)
    {
        scan.columns.pop();
    }
    let names = names::column_names(header_texts.as_deref(), scan.columns.len(), &mut warnings);
    let mut ambiguous = Vec::new();
    let columns = names
        .into_iter()
        .zip(&scan.columns)
        .enumerate()
        .map(|(source, (name, column))| {
            let inferred = column.resolve(preferred);
            if inferred.ambiguous_order {
                ambiguous.push(format!("{name:?}"));
            }
            PlannedColumn { name, source, column_type: inferred.column_type, date_order: inferred.date_order }
        })
        .collect();
    if !ambiguous.is_empty() {
        let other = if preferred == DateOrder::Dmy { "mdy" } else { "dmy" };
        warnings.push(format!(
            "the dates in {} read either day first or month first; read as {} (choose the date order {other} if that is wrong)",
            ambiguous.join(", "),
            preferred.as_str()
        ));
    }
    if scan.shape.short_rows > 0 {
        warnings.push(format!(
            "{} rows had fewer fields than the header (the first at line {}); their missing cells are empty",
            scan.shape.short_rows, scan.shape.first_short_line
        ));
    }
    if scan.shape.blank_rows > 0 {
        warnings.push(format!("{} empty rows were skipped", scan.shape.blank_rows));
    }
    warnings.extend(scan.warnings);
    source.sheet = scan.sheet.or(source.sheet);
    source.sheets = scan.sheets;
    source.keys = scan.keys.unwrap_or_default();
    let width = scan.columns.len();
    let sample = scan
        .sample
        .iter()
        .map(|row| (0..width).map(|i| Some(row.get(i)).filter(|c| !c.is_blank()).map(|c| c.display())).collect())
        .collect();
    Ok(Plan {
        source,
        columns,
        rows: scan.rows,
        decimal_comma: infer.decimal_comma,
        date_order: preferred,
        warnings,
        sample,
    })
}

/// The first row is a header unless it reads as data: some cell has the type its column has
/// (numbers over numbers, dates over dates), or is typed in a workbook.
fn looks_like_header(first: &Row, columns: &[Column], infer: InferOptions, preferred: DateOrder) -> bool {
    !columns.iter().enumerate().any(|(index, column)| {
        let cell = first.get(index);
        let typed_cell = !matches!(cell, crate::row::Cell::Text(_) | crate::row::Cell::Empty);
        let column_type = column.resolve(preferred).column_type;
        typed_cell || (column_type != ColumnType::Text && !cell.is_blank() && Column::admits(cell, column_type, infer))
    })
}

/// The row discipline both passes share: blank rows skipped; in delimited text, rows shorter
/// than the first are padded (and counted), and the first row with extra non-empty fields is
/// noted (an error when the first row is a header). In workbooks and JSON a value beyond the
/// header is simply a column of its own.
struct Shape {
    ragged_is_error: bool,
    width: usize,
    wide: Option<(u64, usize)>,
    short_rows: u64,
    first_short_line: u64,
    blank_rows: u64,
}

impl Shape {
    fn new(format: Format) -> Shape {
        let ragged_is_error = matches!(format, Format::Csv | Format::Tsv);
        Shape { ragged_is_error, width: 0, wide: None, short_rows: 0, first_short_line: 0, blank_rows: 0 }
    }

    /// Reads the first non-blank row, which sets the width: all its fields in delimited text,
    /// up to its last non-blank cell in a workbook (whose rows all span the used range).
    fn first(&mut self, records: &mut dyn Records, row: &mut Row) -> Result<bool, ImportError> {
        while records.next(row)? {
            if let Some(last) = (0..row.len()).rev().find(|i| !row.get(*i).is_blank()) {
                self.width = if self.ragged_is_error { row.len() } else { last + 1 };
                row.truncate(self.width);
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Reads the next non-blank row, checked against the width.
    fn next(&mut self, records: &mut dyn Records, row: &mut Row) -> Result<bool, ImportError> {
        while records.next(row)? {
            if (0..row.len()).all(|i| row.get(i).is_blank()) {
                self.blank_rows += 1;
                continue;
            }
            if self.ragged_is_error {
                if row.len() > self.width {
                    if (self.width..row.len()).any(|i| !row.get(i).is_blank()) {
                        self.wide.get_or_insert((row.line(), row.len()));
                    } else {
                        row.truncate(self.width);
                    }
                } else if row.len() < self.width {
                    if self.short_rows == 0 {
                        self.first_short_line = row.line();
                    }
                    self.short_rows += 1;
                }
            }
            return Ok(true);
        }
        Ok(false)
    }
}
