//! Workbooks (XLSX, XLS, ODS) through calamine. Cell types are kept: numbers stay numbers and
//! cells formatted as dates arrive as dates, whatever the workbook's display format.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use calamine::{Data, DataType, Ods, Range, Reader, Sheets, Xls, Xlsx, open_workbook, open_workbook_auto};

use super::Records;
use crate::error::ImportError;
use crate::format::Format;
use crate::plan::Source;
use crate::row::{Cell, Row};

pub(crate) struct SheetRecords {
    sheet: String,
    sheets: Vec<String>,
    range: Range<Data>,
    next: usize,
    first_line: u64,
    errors: u64,
    first_error: Option<(u64, String)>,
}

impl SheetRecords {
    pub(crate) fn open(path: &Path, source: &Source) -> Result<SheetRecords, ImportError> {
        let mut workbook = open_workbook_of(path, source.format)?;
        let names = workbook.sheet_names();
        let (sheet, range) = match &source.sheet {
            Some(name) => {
                if !names.contains(name) {
                    let available = names.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ");
                    return Err(ImportError::NoSuchSheet { name: name.clone(), available });
                }
                (name.clone(), workbook.worksheet_range(name).map_err(|e| ImportError::Sheet(e.to_string()))?)
            }
            None => first_non_empty(&mut workbook, &names)?,
        };
        let first_line = range.start().map_or(1, |(row, _)| u64::from(row) + 1);
        Ok(SheetRecords { sheet, sheets: names, range, next: 0, first_line, errors: 0, first_error: None })
    }
}

/// calamine picks a reader by the file's extension; a misnamed workbook (an ODS saved as `.xlsx`)
/// is then read as the format its bytes showed.
fn open_workbook_of(path: &Path, format: Format) -> Result<Sheets<BufReader<File>>, ImportError> {
    open_workbook_auto(path)
        .or_else(|by_name| {
            let by_bytes = match format {
                Format::Xlsx => open_workbook::<Xlsx<_>, _>(path).map(Sheets::Xlsx).ok(),
                Format::Xls => open_workbook::<Xls<_>, _>(path).map(Sheets::Xls).ok(),
                Format::Ods => open_workbook::<Ods<_>, _>(path).map(Sheets::Ods).ok(),
                _ => None,
            };
            by_bytes.ok_or(by_name)
        })
        .map_err(|e| ImportError::Sheet(e.to_string()))
}

fn first_non_empty(
    workbook: &mut Sheets<BufReader<File>>,
    names: &[String],
) -> Result<(String, Range<Data>), ImportError> {
    for name in names {
        let range = workbook.worksheet_range(name).map_err(|e| ImportError::Sheet(e.to_string()))?;
        if !range.is_empty() {
            return Ok((name.clone(), range));
        }
    }
    Err(ImportError::Empty("every sheet of the workbook is empty"))
}

impl Records for SheetRecords {
    fn next(&mut self, row: &mut Row) -> Result<bool, ImportError> {
        let Some(cells) = self.range.rows().nth(self.next) else { return Ok(false) };
        let line = self.first_line + self.next as u64;
        self.next += 1;
        row.start(line);
        let mut text;
        for data in cells {
            match data {
                Data::Empty => row.push(Cell::Empty),
                Data::Int(n) => row.push(Cell::Int(*n)),
                Data::Float(f) => row.push(Cell::Float(*f)),
                Data::Bool(b) => row.push(Cell::Bool(*b)),
                Data::String(s) | Data::DateTimeIso(s) => row.push(Cell::Text(s)),
                // ODS time cells are durations (`PT13H45M00S`); one under a day is a time of day.
                Data::DurationIso(s) => match data.as_time() {
                    Some(time) => row.push(Cell::Time(time)),
                    None => row.push(Cell::Text(s)),
                },
                Data::DateTime(value) => match value.as_datetime() {
                    // A value below one day is a time of day.
                    Some(at) if value.as_f64() < 1.0 => row.push(Cell::Time(at.time())),
                    Some(at) => row.push(Cell::DateTime(at)),
                    None => {
                        text = value.as_f64().to_string();
                        row.push(Cell::Text(&text));
                    }
                },
                Data::Error(error) => {
                    self.errors += 1;
                    self.first_error.get_or_insert((line, error.to_string()));
                    row.push(Cell::Empty);
                }
            }
        }
        Ok(true)
    }

    fn sheet(&self) -> Option<&str> {
        Some(&self.sheet)
    }

    fn sheets(&self) -> Vec<String> {
        self.sheets.clone()
    }

    fn warnings(&self) -> Vec<String> {
        match &self.first_error {
            Some((line, error)) => vec![format!(
                "{} cells held spreadsheet errors (the first, {error}, in row {line}); they were imported as empty",
                self.errors
            )],
            None => Vec::new(),
        }
    }
}
