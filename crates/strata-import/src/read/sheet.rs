//! Workbooks (XLSX, XLS, ODS) through calamine. Cell types are kept: numbers stay numbers and
//! cells formatted as dates arrive as dates, whatever the workbook's display format.

use std::path::Path;

use calamine::{Data, Range, Reader, open_workbook_auto};

use super::Records;
use crate::error::ImportError;
use crate::plan::Source;
use crate::row::{Cell, Row};

pub(crate) struct SheetRecords {
    sheet: String,
    range: Range<Data>,
    next: usize,
    first_line: u64,
    errors: u64,
    first_error: Option<(u64, String)>,
}

impl SheetRecords {
    pub(crate) fn open(path: &Path, source: &Source) -> Result<SheetRecords, ImportError> {
        let mut workbook = open_workbook_auto(path).map_err(|e| ImportError::Sheet(e.to_string()))?;
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
        Ok(SheetRecords { sheet, range, next: 0, first_line, errors: 0, first_error: None })
    }
}

fn first_non_empty(
    workbook: &mut calamine::Sheets<std::io::BufReader<std::fs::File>>,
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
                Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => row.push(Cell::Text(s)),
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
