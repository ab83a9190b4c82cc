//! [`Row`]: one record of any format, as typed cells over one reused text buffer.
//!
//! Readers fill a `Row` per record; inference and encoding read it through [`Cell`] views. The
//! buffer is reused from row to row, so reading a million rows allocates almost nothing.

use std::ops::Range;

use chrono::{NaiveDateTime, NaiveTime};

/// One cell's value as its reader saw it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// No value: becomes NULL.
    Empty,
    /// Text, to be typed by inference (CSV fields, spreadsheet strings, JSON strings).
    Text(&'a str),
    /// A boolean cell.
    Bool(bool),
    /// An integer cell.
    Int(i64),
    /// A floating-point spreadsheet cell.
    Float(f64),
    /// An exact decimal number (JSON keeps its digits).
    Number(&'a str),
    /// A date-time cell (spreadsheet dates; midnight for dates).
    DateTime(NaiveDateTime),
    /// A time-of-day cell.
    Time(NaiveTime),
    /// A nested JSON value (object or array), as JSON text.
    Json(&'a str),
}

#[derive(Debug, Clone)]
enum Slot {
    Empty,
    Text(Range<usize>),
    Bool(bool),
    Int(i64),
    Float(f64),
    Number(Range<usize>),
    DateTime(NaiveDateTime),
    Time(NaiveTime),
    Json(Range<usize>),
}

/// A record: its line in the file and its cells.
#[derive(Debug, Clone, Default)]
pub struct Row {
    line: u64,
    text: String,
    slots: Vec<Slot>,
}

impl Row {
    /// Empties the row for the record starting at `line` (1-based; the sheet row or JSON record
    /// number for formats without lines).
    pub fn start(&mut self, line: u64) {
        self.line = line;
        self.text.clear();
        self.slots.clear();
    }

    /// Where the record starts.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// How many cells it has.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether it has no cells.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Adds a cell.
    pub fn push(&mut self, cell: Cell<'_>) {
        let slot = match cell {
            Cell::Empty => Slot::Empty,
            Cell::Text("") => Slot::Empty,
            Cell::Text(text) => Slot::Text(self.store(text)),
            Cell::Bool(value) => Slot::Bool(value),
            Cell::Int(value) => Slot::Int(value),
            Cell::Float(value) => Slot::Float(value),
            Cell::Number(text) => Slot::Number(self.store(text)),
            Cell::DateTime(value) => Slot::DateTime(value),
            Cell::Time(value) => Slot::Time(value),
            Cell::Json(text) => Slot::Json(self.store(text)),
        };
        self.slots.push(slot);
    }

    /// Adds text cells at once: `fields` are ranges of `text` (a CSV record), each a cell.
    pub fn push_fields(&mut self, text: &str, fields: impl Iterator<Item = Range<usize>>) {
        let offset = self.text.len();
        self.text.push_str(text);
        for field in fields {
            self.slots.push(if field.is_empty() {
                Slot::Empty
            } else {
                Slot::Text(field.start + offset..field.end + offset)
            });
        }
    }

    fn store(&mut self, text: &str) -> Range<usize> {
        let start = self.text.len();
        self.text.push_str(text);
        start..self.text.len()
    }

    /// Cell `index`, or [`Cell::Empty`] past the end (a short row).
    pub fn get(&self, index: usize) -> Cell<'_> {
        match self.slots.get(index) {
            None | Some(Slot::Empty) => Cell::Empty,
            Some(Slot::Text(range)) => Cell::Text(&self.text[range.clone()]),
            Some(Slot::Bool(value)) => Cell::Bool(*value),
            Some(Slot::Int(value)) => Cell::Int(*value),
            Some(Slot::Float(value)) => Cell::Float(*value),
            Some(Slot::Number(range)) => Cell::Number(&self.text[range.clone()]),
            Some(Slot::DateTime(value)) => Cell::DateTime(*value),
            Some(Slot::Time(value)) => Cell::Time(*value),
            Some(Slot::Json(range)) => Cell::Json(&self.text[range.clone()]),
        }
    }

    /// Drops cells past `len`.
    pub fn truncate(&mut self, len: usize) {
        self.slots.truncate(len);
    }
}

impl Cell<'_> {
    /// Whether the cell holds nothing (empty, or only white space).
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as a header or preview shows it.
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) | Cell::Number(text) | Cell::Json(text) => (*text).to_string(),
            Cell::Bool(value) => value.to_string(),
            Cell::Int(value) => value.to_string(),
            Cell::Float(value) => value.to_string(),
            Cell::DateTime(value) => value.to_string(),
            Cell::Time(value) => value.to_string(),
        }
    }
}
