//! Type inference over every value of a column.
//!
//! A [`Column`] starts with every type possible and removes those a value does not fit; what
//! is left after the last row, narrowest first, is the column's type. Dates also narrow the set
//! of day/month orders that read every value, so one `13/04/2024` decides a whole column.

use chrono::Timelike;

use crate::row::Cell;
use crate::types::{ColumnType, DateOrder, OrderSet, TypeSet};
use crate::value;

use ColumnType::*;

/// What inference needs to know about the file as a whole.
#[derive(Debug, Clone, Copy, Default)]
pub struct InferOptions {
    /// `1,5` is a number (files delimited by `;`).
    pub decimal_comma: bool,
    /// Every value may go into a `jsonb` column (JSON sources: scalars are JSON too).
    pub json_source: bool,
}

/// The evidence gathered about one column.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    candidates: TypeSet,
    orders: OrderSet,
    saw_container: bool,
    saw_date: bool,
    values: u64,
}

impl Default for Column {
    fn default() -> Column {
        Column { candidates: TypeSet::ALL, orders: OrderSet::ANY, saw_container: false, saw_date: false, values: 0 }
    }
}

/// A column's resolved type and how its dates read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inferred {
    /// The type.
    pub column_type: ColumnType,
    /// The day/month order for date-like columns.
    pub date_order: Option<DateOrder>,
    /// Whether the values left the order open, so `date_order` is the preference.
    pub ambiguous_order: bool,
}

impl Column {
    /// Narrows the column by one cell.
    pub fn observe(&mut self, cell: Cell<'_>, options: InferOptions) {
        if self.candidates == TypeSet::TEXT || cell.is_blank() {
            return;
        }
        self.values += 1;
        let fits = match cell {
            Cell::Empty => return,
            Cell::Text(text) => self.fits_text(text.trim(), options),
            Cell::Bool(_) => TypeSet::of(&[Boolean]),
            Cell::Int(n) => fits_int(n),
            Cell::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => fits_int(f as i64),
            Cell::Float(f) if f.is_finite() => TypeSet::of(&[Numeric]),
            Cell::Float(_) => TypeSet::TEXT,
            Cell::Number(text) => match value::parse_int(text) {
                Some(n) => fits_int(n),
                None if value::parse_numeric(text, false).is_some() => TypeSet::of(&[Numeric]),
                None => TypeSet::TEXT,
            },
            Cell::DateTime(at) if at.time().num_seconds_from_midnight() == 0 && at.time().nanosecond() == 0 => {
                TypeSet::of(&[Date, Timestamp, TimestampTz])
            }
            Cell::DateTime(_) => TypeSet::of(&[Timestamp, TimestampTz]),
            Cell::Time(_) => TypeSet::of(&[Time]),
            Cell::Json(_) => {
                self.saw_container = true;
                TypeSet::of(&[Jsonb])
            }
        };
        let fits = if options.json_source { fits.union(TypeSet::of(&[Jsonb])) } else { fits };
        self.candidates = self.candidates.intersect(fits);
    }

    fn fits_text(&mut self, text: &str, options: InferOptions) -> TypeSet {
        let wanted = self.candidates;
        let mut fits = TypeSet::TEXT;
        let Some(first) = text.bytes().next() else { return fits };
        if wanted.contains(Boolean) && value::parse_bool(text).is_some() {
            return TypeSet::of(&[Boolean]);
        }
        if first.is_ascii_digit() || first == b'-' || first == b'.' || first == b',' {
            if wanted.intersect(TypeSet::of(&[Integer, BigInt, Numeric])) != TypeSet::TEXT {
                if let Some(n) = value::parse_int(text) {
                    return fits_int(n);
                }
                if value::parse_numeric(text, options.decimal_comma).is_some() {
                    return TypeSet::of(&[Numeric]);
                }
            }
            if wanted.intersect(TypeSet::of(&[Date, Timestamp, TimestampTz])) != TypeSet::TEXT {
                fits = fits.union(self.fits_date_like(text));
            }
            if wanted.contains(Time) && value::parse_time(text).is_some() {
                fits = fits.union(TypeSet::of(&[Time]));
            }
        } else if (first == b'{' || first == b'[') && wanted.contains(Jsonb) && value::is_json_container(text) {
            self.saw_container = true;
            fits = fits.union(TypeSet::of(&[Jsonb]));
        }
        fits
    }

    /// Dates and timestamps, narrowing the day/month orders.
    fn fits_date_like(&mut self, text: &str) -> TypeSet {
        if let Some((orders, _)) = value::date_orders(text) {
            return self.with_orders(orders, TypeSet::of(&[Date, Timestamp, TimestampTz]));
        }
        let Some((date, time, offset)) = value::split_timestamp(text) else { return TypeSet::TEXT };
        let (Some((orders, _)), Some(_)) = (value::date_orders(date), value::parse_time(time)) else {
            return TypeSet::TEXT;
        };
        let fits = if offset.is_some() { TypeSet::of(&[TimestampTz]) } else { TypeSet::of(&[Timestamp]) };
        self.with_orders(orders, fits)
    }

    fn with_orders(&mut self, orders: OrderSet, fits: TypeSet) -> TypeSet {
        self.saw_date = true;
        let left = self.orders.intersect(orders);
        if left.is_empty() {
            // Day-first and month-first values in one column: it holds no dates we can trust.
            return TypeSet::TEXT;
        }
        self.orders = left;
        fits
    }

    /// Whether no cell of the column held a value.
    pub fn is_empty(&self) -> bool {
        self.values == 0
    }

    /// Whether `cell` alone could be a value of `column_type`.
    pub fn admits(cell: Cell<'_>, column_type: ColumnType, options: InferOptions) -> bool {
        let mut column = Column::default();
        column.observe(cell, options);
        column.candidates.contains(column_type)
    }

    /// The column's type; an ambiguous day/month order follows `preferred`.
    pub fn resolve(&self, preferred: DateOrder) -> Inferred {
        let mut candidates = self.candidates;
        if !self.saw_container {
            candidates = candidates.without(Jsonb);
        }
        let column_type = if self.values == 0 { Text } else { candidates.narrowest() };
        let dated = matches!(column_type, Date | Timestamp | TimestampTz) && self.saw_date;
        let (date_order, ambiguous_order) = match (dated, self.orders.only()) {
            (false, _) => (None, false),
            (true, Some(order)) => (Some(order), false),
            (true, None) if self.orders == OrderSet::ANY => (Some(DateOrder::Ymd), false),
            (true, None) => (Some(preferred), true),
        };
        Inferred { column_type, date_order, ambiguous_order }
    }
}

fn fits_int(n: i64) -> TypeSet {
    if i32::try_from(n).is_ok() { TypeSet::of(&[Integer, BigInt, Numeric]) } else { TypeSet::of(&[BigInt, Numeric]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn infer_with(values: &[&str], options: InferOptions, preferred: DateOrder) -> Inferred {
        let mut column = Column::default();
        for text in values {
            column.observe(Cell::Text(text), options);
        }
        column.resolve(preferred)
    }

    fn check(values: &[&str], expected: ColumnType) {
        let inferred = infer_with(values, InferOptions::default(), DateOrder::Mdy);
        assert_eq!(inferred.column_type, expected, "{values:?}");
    }

    #[test]
    fn the_narrowest_type_that_fits_every_value() {
        check(&["true", "no", "T", ""], Boolean);
        check(&["1", "0", "1"], Integer);
        check(&["1", "2147483648"], BigInt);
        check(&["1", "2.50", "-3"], Numeric);
        check(&["1", "99999999999999999999999"], Numeric);
        check(&["2024-01-05", "2023-12-31"], Date);
        check(&["2024-01-05", "2024-01-05 10:00"], Timestamp);
        check(&["2024-01-05T10:00Z", "2024-01-05T10:00+02:00"], TimestampTz);
        check(&["2024-01-05 10:00", "2024-01-05T10:00Z"], Text);
        check(&["10:00", "23:59:59"], Time);
        check(&[r#"{"a": 1}"#, "[1, 2]"], Jsonb);
        check(&[r#"{"a": 1}"#, "plain"], Text);
        check(&["hello", "1"], Text);
        check(&["", " "], Text);
    }

    #[test]
    fn zeros_phones_and_mixtures_stay_text() {
        check(&["00501", "12345"], Text);
        check(&["+1 555 0100", "+44 20 7946 0958"], Text);
        check(&["555-0100"], Text);
        check(&["1", "0", "1", "yes"], Text);
        check(&["0", "1"], Integer);
    }

    #[test]
    fn one_unambiguous_date_decides_the_order() {
        let inferred = infer_with(&["03/04/2024", "13/04/2024"], InferOptions::default(), DateOrder::Mdy);
        assert_eq!(inferred, Inferred { column_type: Date, date_order: Some(DateOrder::Dmy), ambiguous_order: false });
        let inferred = infer_with(&["03/04/2024", "04/13/2024"], InferOptions::default(), DateOrder::Dmy);
        assert_eq!(inferred.date_order, Some(DateOrder::Mdy));
        let inferred = infer_with(&["03/04/2024", "05/06/2024"], InferOptions::default(), DateOrder::Dmy);
        assert_eq!(inferred, Inferred { column_type: Date, date_order: Some(DateOrder::Dmy), ambiguous_order: true });
        let inferred = infer_with(&["13/04/2024", "04/13/2024"], InferOptions::default(), DateOrder::Dmy);
        assert_eq!(inferred.column_type, Text, "contradicting orders are not dates");
        let inferred = infer_with(&["2024-04-03"], InferOptions::default(), DateOrder::Dmy);
        assert!(!inferred.ambiguous_order);
    }

    #[test]
    fn decimal_commas_only_when_asked() {
        let options = InferOptions { decimal_comma: true, ..InferOptions::default() };
        assert_eq!(infer_with(&["1,5", "2"], options, DateOrder::Mdy).column_type, Numeric);
        check(&["1,5", "2"], Text);
    }

    #[test]
    fn typed_cells() {
        let mut column = Column::default();
        for cell in [Cell::Float(1.0), Cell::Int(7), Cell::Float(2.5)] {
            column.observe(cell, InferOptions::default());
        }
        assert_eq!(column.resolve(DateOrder::Mdy).column_type, Numeric);

        let json = InferOptions { json_source: true, ..InferOptions::default() };
        let mut column = Column::default();
        column.observe(Cell::Json("{}"), json);
        column.observe(Cell::Text("plain"), json);
        assert_eq!(column.resolve(DateOrder::Mdy).column_type, Jsonb);
        let mut column = Column::default();
        column.observe(Cell::Text("plain"), json);
        assert_eq!(column.resolve(DateOrder::Mdy).column_type, Text);
    }
}
