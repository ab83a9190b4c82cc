//! PostgreSQL's binary COPY format, written straight from [`Row`]s.
//!
//! Each value is converted by the same parsers inference used (`crate::value`), with the
//! column's resolved type and date order, and written in PostgreSQL's binary representation
//! (see the `COPY` documentation, "Binary Format", and each type's `*send` function). A value
//! that does not convert is an error naming its line and column, never a silent NULL.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use crate::error::ImportError;
use crate::plan::PlannedColumn;
use crate::row::{Cell, Row};
use crate::types::{ColumnType, DateOrder};
use crate::value;

const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";

/// Encodes rows into a buffer that the caller drains into `COPY ... FROM STDIN (FORMAT binary)`.
#[derive(Debug)]
pub struct CopyEncoder<'a> {
    columns: &'a [PlannedColumn],
    decimal_comma: bool,
    json_source: bool,
    with_id: bool,
    buffer: Vec<u8>,
    scratch: String,
}

impl<'a> CopyEncoder<'a> {
    /// An encoder for `columns`; with `with_id`, each row starts with a `bigint` (see
    /// [`crate::Leading`]).
    pub fn new(columns: &'a [PlannedColumn], decimal_comma: bool, json_source: bool, with_id: bool) -> Self {
        let mut buffer = Vec::with_capacity(1 << 20);
        buffer.extend_from_slice(SIGNATURE);
        buffer.extend_from_slice(&0i32.to_be_bytes()); // flags
        buffer.extend_from_slice(&0i32.to_be_bytes()); // header extension length
        CopyEncoder { columns, decimal_comma, json_source, with_id, buffer, scratch: String::new() }
    }

    /// Bytes encoded and not yet taken.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Takes the encoded bytes.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::replace(&mut self.buffer, Vec::with_capacity(1 << 20))
    }

    /// Ends the stream.
    pub fn finish(&mut self) {
        self.buffer.extend_from_slice(&(-1i16).to_be_bytes());
    }

    /// Encodes one row; cells past the row's end are NULL.
    pub fn row(&mut self, id: i64, row: &Row) -> Result<(), ImportError> {
        let fields = self.columns.len() + usize::from(self.with_id);
        let fields = i16::try_from(fields).map_err(|_| ImportError::TooManyColumns(fields))?;
        self.buffer.extend_from_slice(&fields.to_be_bytes());
        if self.with_id {
            self.field(&id.to_be_bytes());
        }
        for (index, column) in self.columns.iter().enumerate() {
            let cell = row.get(column.source);
            if cell.is_blank() && !matches!(cell, Cell::Text(_) if column.column_type == ColumnType::Text) {
                self.null();
                continue;
            }
            if !self.value(column, cell)? {
                let shown = cell.display();
                return Err(ImportError::value(row.line(), &self.columns[index].name, &shown, column.column_type));
            }
        }
        Ok(())
    }

    fn null(&mut self) {
        self.buffer.extend_from_slice(&(-1i32).to_be_bytes());
    }

    fn field(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
        self.buffer.extend_from_slice(bytes);
    }

    /// Writes `cell` as `column`'s type; `false` when it does not convert.
    fn value(&mut self, column: &PlannedColumn, cell: Cell<'_>) -> Result<bool, ImportError> {
        let order = column.date_order.unwrap_or(DateOrder::Ymd);
        let text = match cell {
            Cell::Text(text) => Some(text.trim()),
            _ => None,
        };
        match column.column_type {
            ColumnType::Text => {
                let shown;
                let bytes: &str = match cell {
                    Cell::Text(text) | Cell::Number(text) | Cell::Json(text) => text,
                    Cell::DateTime(at) if at.time() == NaiveTime::MIN => {
                        shown = at.date().to_string();
                        &shown
                    }
                    other => {
                        shown = other.display();
                        &shown
                    }
                };
                if bytes.len() > i32::MAX as usize {
                    return Ok(false);
                }
                self.field(bytes.as_bytes());
            }
            ColumnType::Boolean => {
                let Some(b) = (match cell {
                    Cell::Bool(b) => Some(b),
                    _ => text.and_then(value::parse_bool),
                }) else {
                    return Ok(false);
                };
                self.field(&[u8::from(b)]);
            }
            ColumnType::Integer | ColumnType::BigInt => {
                let Some(n) = integer(cell) else { return Ok(false) };
                if column.column_type == ColumnType::Integer {
                    let Ok(n) = i32::try_from(n) else { return Ok(false) };
                    self.field(&n.to_be_bytes());
                } else {
                    self.field(&n.to_be_bytes());
                }
            }
            ColumnType::Numeric => {
                let decimal = match cell {
                    Cell::Text(text) => value::parse_numeric(text.trim(), self.decimal_comma),
                    Cell::Number(text) => value::parse_numeric(text, false),
                    Cell::Int(n) => Some(n.to_string()),
                    Cell::Float(f) if f.is_finite() => Some(f.to_string()),
                    _ => None,
                };
                let Some(decimal) = decimal else { return Ok(false) };
                let Some(bytes) = numeric(&decimal) else { return Ok(false) };
                self.field(&bytes);
            }
            ColumnType::Date => {
                let date = match cell {
                    Cell::DateTime(at) if at.time() == NaiveTime::MIN => Some(at.date()),
                    _ => text.and_then(|t| value::parse_date(t, order)),
                };
                let Some(date) = date else { return Ok(false) };
                self.field(&days(date).to_be_bytes());
            }
            ColumnType::Timestamp | ColumnType::TimestampTz => {
                let at = match cell {
                    Cell::DateTime(at) => Some(at),
                    _ => text.and_then(|t| timestamp(t, order, column.column_type)),
                };
                let Some(micros) = at.and_then(micros_since_2000) else { return Ok(false) };
                self.field(&micros.to_be_bytes());
            }
            ColumnType::Time => {
                let time = match cell {
                    Cell::Time(time) => Some(time),
                    _ => text.and_then(value::parse_time),
                };
                let Some(time) = time else { return Ok(false) };
                let micros =
                    i64::from(time.num_seconds_from_midnight()) * 1_000_000 + i64::from(time.nanosecond() / 1000);
                self.field(&micros.to_be_bytes());
            }
            ColumnType::Jsonb => {
                self.scratch.clear();
                self.scratch.push('\u{1}'); // jsonb's binary format version
                match cell {
                    Cell::Json(json) | Cell::Number(json) => self.scratch.push_str(json),
                    Cell::Text(text) if self.json_source => {
                        self.scratch.push_str(&serde_json::Value::String(text.to_string()).to_string());
                    }
                    Cell::Text(text) if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() => {
                        self.scratch.push_str(text);
                    }
                    Cell::Bool(b) => self.scratch.push_str(if b { "true" } else { "false" }),
                    Cell::Int(n) => self.scratch.push_str(&n.to_string()),
                    Cell::Float(f) if f.is_finite() => self.scratch.push_str(&f.to_string()),
                    _ => return Ok(false),
                }
                let scratch = std::mem::take(&mut self.scratch);
                self.field(scratch.as_bytes());
                self.scratch = scratch;
            }
        }
        Ok(true)
    }
}

fn integer(cell: Cell<'_>) -> Option<i64> {
    match cell {
        Cell::Int(n) => Some(n),
        Cell::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
        Cell::Text(text) => value::parse_int(text.trim()),
        Cell::Number(text) => value::parse_int(text),
        _ => None,
    }
}

fn timestamp(text: &str, order: DateOrder, column_type: ColumnType) -> Option<NaiveDateTime> {
    if let Some(date) = value::parse_date(text, order) {
        return Some(date.and_time(NaiveTime::MIN));
    }
    match column_type {
        ColumnType::TimestampTz => value::parse_timestamptz(text, order),
        _ => value::parse_timestamp(text, order),
    }
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date")
}

fn days(date: NaiveDate) -> i32 {
    i32::try_from((date - epoch()).num_days()).expect("chrono dates fit in i32 days")
}

fn micros_since_2000(at: NaiveDateTime) -> Option<i64> {
    (at - epoch().and_time(NaiveTime::MIN)).num_microseconds()
}

/// PostgreSQL's binary `numeric`: digit count, weight, sign, display scale, then base-10000
/// digits. `decimal` is in PostgreSQL's notation (`-12.50`, `.5`, `1.5e-3`).
fn numeric(decimal: &str) -> Option<Vec<u8>> {
    let (negative, unsigned) = match decimal.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, decimal),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], unsigned[at + 1..].parse::<i32>().ok()?),
        None => (unsigned, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // The value is digits × 10^(point - len), with the decimal point `point` digits in.
    let digits: Vec<u8> = int_part.bytes().chain(frac_part.bytes()).map(|b| b - b'0').collect();
    let point = i32::try_from(int_part.len()).ok()? + exponent;
    let scale = (i32::try_from(frac_part.len()).ok()? - exponent).max(0);
    // Align to groups of four digits around the decimal point.
    let lead = (4 - point.rem_euclid(4)) % 4;
    let first_group_exp = (point + lead) / 4 - 1; // weight of the first group
    let total = digits.len() as i32 + lead;
    let groups_len = (total + 3) / 4;
    let mut groups: Vec<i16> = Vec::with_capacity(groups_len as usize);
    for g in 0..groups_len {
        let mut value = 0i16;
        for k in 0..4 {
            let index = g * 4 + k - lead;
            let digit = if index >= 0 { digits.get(index as usize).copied().unwrap_or(0) } else { 0 };
            value = value * 10 + i16::from(digit);
        }
        groups.push(value);
    }
    let mut weight = first_group_exp;
    let leading_zeros = groups.iter().take_while(|g| **g == 0).count();
    groups.drain(..leading_zeros);
    weight -= leading_zeros as i32;
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    let sign: u16 = if negative && !groups.is_empty() { 0x4000 } else { 0 };
    let mut out = Vec::with_capacity(8 + groups.len() * 2);
    out.extend_from_slice(&i16::try_from(groups.len()).ok()?.to_be_bytes());
    out.extend_from_slice(&i16::try_from(weight).ok()?.to_be_bytes());
    out.extend_from_slice(&sign.to_be_bytes());
    out.extend_from_slice(&u16::try_from(scale).ok()?.to_be_bytes());
    for group in groups {
        out.extend_from_slice(&group.to_be_bytes());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (ndigits, weight, sign, dscale, digits)
    fn decode(bytes: &[u8]) -> (i16, i16, u16, u16, Vec<i16>) {
        let word = |i: usize| [bytes[i], bytes[i + 1]];
        let digits = (8..bytes.len()).step_by(2).map(|i| i16::from_be_bytes(word(i))).collect();
        (
            i16::from_be_bytes(word(0)),
            i16::from_be_bytes(word(2)),
            u16::from_be_bytes(word(4)),
            u16::from_be_bytes(word(6)),
            digits,
        )
    }

    #[test]
    fn numerics_in_base_10000() {
        assert_eq!(decode(&numeric("12.50").unwrap()), (2, 0, 0, 2, vec![12, 5000]));
        assert_eq!(decode(&numeric("123456789").unwrap()), (3, 2, 0, 0, vec![1, 2345, 6789]));
        assert_eq!(decode(&numeric("-0.0001").unwrap()), (1, -1, 0x4000, 4, vec![1]));
        assert_eq!(decode(&numeric("0").unwrap()), (0, 0, 0, 0, vec![]));
        assert_eq!(decode(&numeric("0.00").unwrap()), (0, 0, 0, 2, vec![]));
        assert_eq!(decode(&numeric("1e6").unwrap()), (1, 1, 0, 0, vec![100]));
        assert_eq!(decode(&numeric("1.5e-3").unwrap()), (1, -1, 0, 4, vec![15]));
        assert_eq!(decode(&numeric(".5").unwrap()), (1, -1, 0, 1, vec![5000]));
        assert_eq!(decode(&numeric("10000").unwrap()), (1, 1, 0, 0, vec![1]));
    }
}
