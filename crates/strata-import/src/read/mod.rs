//! Readers: one per family of formats, each filling [`Row`]s.

mod csv;
mod json;
mod sheet;

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::ImportError;
use crate::format::Format;
use crate::plan::Source;
use crate::row::Row;

/// A stream of records from one file.
pub(crate) trait Records {
    /// Reads the next record into `row`; `false` at the end.
    fn next(&mut self, row: &mut Row) -> Result<bool, ImportError>;

    /// Column names the format itself defines (JSON keys, complete once every record was read),
    /// or `None` when the first row may be a header.
    fn keys(&self) -> Option<&[String]> {
        None
    }

    /// The sheet being read, for workbooks.
    fn sheet(&self) -> Option<&str> {
        None
    }

    /// Every sheet of the workbook, for workbooks.
    fn sheets(&self) -> Vec<String> {
        Vec::new()
    }

    /// Things worth telling the user, once every record was read.
    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Opens `path` as `source` says. `read` counts the file's bytes as they are read.
pub(crate) fn open(path: &Path, source: &Source, read: Arc<AtomicU64>) -> Result<Box<dyn Records>, ImportError> {
    let file = Counting { inner: File::open(path)?, read };
    Ok(match source.format {
        Format::Csv | Format::Tsv => Box::new(csv::CsvRecords::new(file, source)?),
        Format::Json | Format::Ndjson => Box::new(json::JsonRecords::new(file, source)),
        Format::Xlsx | Format::Xls | Format::Ods => {
            let size = file.inner.metadata()?.len();
            let records = sheet::SheetRecords::open(path, source)?;
            // calamine reads the whole workbook up front.
            file.read.store(size, Ordering::Relaxed);
            Box::new(records)
        }
    })
}

/// A reader that counts what passes through it, for progress.
pub(crate) struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}
