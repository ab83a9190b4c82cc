//! [`ImportError`]: why a file cannot be imported, saying where.

use std::io;

use crate::types::ColumnType;

/// A reason the import stops. Nothing is written when one occurs. Positions are 1-based lines
/// of the file (rows of a sheet, records of a JSON file).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Reading the file failed.
    #[error("cannot read the file: {0}")]
    Io(#[from] io::Error),
    /// A NUL byte, which no text format has and PostgreSQL cannot store in text.
    #[error(
        "line {line}: the file contains a NUL byte; it is binary, or not in the encoding {encoding} (choose another encoding)"
    )]
    Nul {
        /// Where.
        line: u64,
        /// The encoding used to read it.
        encoding: &'static str,
    },
    /// Bytes that are not valid in the file's declared encoding.
    #[error("line {line}: the text is not valid {encoding}; choose the file's encoding")]
    Encoding {
        /// Where.
        line: u64,
        /// The encoding used to read it.
        encoding: &'static str,
    },
    /// A row with more non-empty fields than the header.
    #[error("line {line}: {found} fields where the header has {expected}; quote fields that contain the delimiter")]
    ExtraFields {
        /// Where.
        line: u64,
        /// Fields in the header.
        expected: usize,
        /// Fields in this row.
        found: usize,
    },
    /// The CSV could not be parsed.
    #[error("line {line}: {message}")]
    Csv {
        /// Where.
        line: u64,
        /// What the parser said.
        message: String,
    },
    /// A value that does not fit its column's type (a chosen type, or an existing table's).
    #[error("line {line}, column {column:?}: {value:?} is not a valid {expected}")]
    Value {
        /// Where.
        line: u64,
        /// The column's name.
        column: String,
        /// The value, shortened if long.
        value: String,
        /// The column's type.
        expected: ColumnType,
    },
    /// A spreadsheet file could not be opened or read.
    #[error("cannot read the spreadsheet: {0}")]
    Sheet(String),
    /// `--sheet` names no sheet of the workbook.
    #[error("the workbook has no sheet {name:?}; its sheets are {available}")]
    NoSuchSheet {
        /// The requested sheet.
        name: String,
        /// The sheets it has, quoted and comma-separated.
        available: String,
    },
    /// JSON that is not an array of objects or objects one per line.
    #[error("line {line}: {message}")]
    Json {
        /// Where.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// No data at all.
    #[error("the file has no data: {0}")]
    Empty(&'static str),
    /// More columns than a PostgreSQL table can have.
    #[error("the file has {0} columns; a PostgreSQL table holds at most 1599 besides its id")]
    TooManyColumns(usize),
    /// An option that cannot apply.
    #[error("{0}")]
    Options(String),
}

impl ImportError {
    /// The line (sheet row, JSON record) the error is at, when it is at one.
    pub fn line(&self) -> Option<u64> {
        match self {
            ImportError::Nul { line, .. }
            | ImportError::Encoding { line, .. }
            | ImportError::ExtraFields { line, .. }
            | ImportError::Csv { line, .. }
            | ImportError::Value { line, .. }
            | ImportError::Json { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// The column whose value is to blame, when one is.
    pub fn column(&self) -> Option<&str> {
        match self {
            ImportError::Value { column, .. } => Some(column),
            _ => None,
        }
    }

    /// A value error, with long values cut for the message.
    pub(crate) fn value(line: u64, column: &str, value: &str, expected: ColumnType) -> ImportError {
        let mut shown: String = value.chars().take(60).collect();
        if shown.len() < value.len() {
            shown.push('…');
        }
        ImportError::Value { line, column: column.to_string(), value: shown, expected }
    }
}
