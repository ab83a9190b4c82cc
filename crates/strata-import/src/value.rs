//! Reading one cell's text as a typed value. Inference asks "does this fit?", loading asks
//! "what is it?"; both use these functions, so what was inferred is exactly what loads.
//!
//! Every parser takes the cell trimmed of surrounding white space and accepts only what it can
//! read without losing anything: `00501` is not an integer (its zeros matter), `1.50` is a
//! numeric that keeps its scale, and `03/04/2024` is a date whose order the column decides.

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};

use crate::types::{DateOrder, OrderSet};

/// `true`/`false`, `yes`/`no`, `t`/`f`, in any case. `0`/`1` are numbers, not booleans.
pub fn parse_bool(text: &str) -> Option<bool> {
    const TRUE: [&str; 3] = ["true", "yes", "t"];
    const FALSE: [&str; 3] = ["false", "no", "f"];
    if text.len() > 5 {
        return None;
    }
    if TRUE.iter().any(|t| t.eq_ignore_ascii_case(text)) {
        Some(true)
    } else if FALSE.iter().any(|f| f.eq_ignore_ascii_case(text)) {
        Some(false)
    } else {
        None
    }
}

/// An integer without a plus sign or leading zeros (`-12`, `0`; not `007`, `+1`, `1.0`).
pub fn parse_int(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || has_leading_zero(digits) {
        return None;
    }
    text.parse().ok()
}

fn has_leading_zero(digits: &str) -> bool {
    digits.len() > 1 && digits.starts_with('0')
}

/// A decimal number as PostgreSQL's `numeric` input reads it: `-12.50`, `0.5`, `1e6`. With
/// `decimal_comma`, `1,5` is read as `1.5` (and `1.5` is not a number). Returns the number in
/// PostgreSQL's notation, every digit kept.
pub fn parse_numeric(text: &str, decimal_comma: bool) -> Option<String> {
    let point = if decimal_comma { b',' } else { b'.' };
    let bytes = text.as_bytes();
    let mut i = usize::from(bytes.first() == Some(&b'-'));
    let int_start = i;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = &text[int_start..i];
    let mut frac_digits = "";
    if i < bytes.len() && bytes[i] == point {
        let start = i + 1;
        i = start;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = &text[start..i];
    }
    if (int_digits.is_empty() && frac_digits.is_empty()) || has_leading_zero(int_digits) {
        return None;
    }
    let mut exponent = "";
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        let start = i;
        i += 1;
        if i < bytes.len() && (bytes[i] == b'-' || bytes[i] == b'+') {
            i += 1;
        }
        let digits_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == digits_start || i - digits_start > 4 {
            return None;
        }
        exponent = &text[start..i];
    }
    if i != bytes.len() {
        return None;
    }
    if !decimal_comma {
        return Some(text.to_string());
    }
    let sign = if int_start == 1 { "-" } else { "" };
    let int_digits = if int_digits.is_empty() { "0" } else { int_digits };
    let fraction = if frac_digits.is_empty() { String::new() } else { format!(".{frac_digits}") };
    Some(format!("{sign}{int_digits}{fraction}{exponent}"))
}

/// A date: `2024-03-04` and `2024/03/04` (year first: unambiguous), or `04/03/2024`,
/// `4.3.2024`, `04-03-2024` (day and month in an order the column decides). Returns the date
/// for each order in `orders` that reads it, as the set of orders that can.
pub(crate) fn date_orders(text: &str) -> Option<(OrderSet, DateParts)> {
    let parts = DateParts::split(text)?;
    let orders = parts.orders();
    (!orders.is_empty()).then_some((orders, parts))
}

/// Reads a date with a resolved order.
pub fn parse_date(text: &str, order: DateOrder) -> Option<NaiveDate> {
    DateParts::split(text)?.date(order)
}

/// The three numbers of a date and which one is the four-digit year.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DateParts {
    first: u32,
    second: u32,
    third: u32,
    year_first: bool,
}

impl DateParts {
    fn split(text: &str) -> Option<DateParts> {
        let bytes = text.as_bytes();
        let separator = *bytes.iter().find(|b| !b.is_ascii_digit())?;
        if !matches!(separator, b'-' | b'/' | b'.') {
            return None;
        }
        let mut groups = text.split(char::from(separator));
        let (a, b, c) = (groups.next()?, groups.next()?, groups.next()?);
        if groups.next().is_some() {
            return None;
        }
        let number = |group: &str, lengths: &[usize]| {
            (lengths.contains(&group.len()) && group.bytes().all(|b| b.is_ascii_digit()))
                .then(|| group.parse::<u32>().ok())
                .flatten()
        };
        if a.len() == 4 {
            // Year first is always year-month-day.
            return Some(DateParts {
                first: number(a, &[4])?,
                second: number(b, &[1, 2])?,
                third: number(c, &[1, 2])?,
                year_first: true,
            });
        }
        Some(DateParts {
            first: number(a, &[1, 2])?,
            second: number(b, &[1, 2])?,
            third: number(c, &[4])?,
            year_first: false,
        })
    }

    fn orders(self) -> OrderSet {
        if self.year_first {
            return if self.date(DateOrder::Ymd).is_some() { OrderSet::ANY } else { OrderSet::NONE };
        }
        [DateOrder::Dmy, DateOrder::Mdy]
            .into_iter()
            .filter(|order| self.date(*order).is_some())
            .fold(OrderSet::NONE, |set, order| set.union(OrderSet::one(order)))
    }

    fn date(self, order: DateOrder) -> Option<NaiveDate> {
        let (year, month, day) = match (self.year_first, order) {
            (true, _) => (self.first, self.second, self.third),
            (false, DateOrder::Dmy) => (self.third, self.second, self.first),
            // Year first is not a reading of a date whose year comes last; month-first is the
            // nearest convention (and what ymd locales' spreadsheets export).
            (false, DateOrder::Mdy | DateOrder::Ymd) => (self.third, self.first, self.second),
        };
        NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
    }
}

/// A time of day: `13:45`, `13:45:30`, `13:45:30.123456`, `1:45 PM`.
pub fn parse_time(text: &str) -> Option<NaiveTime> {
    // `split_at_checked`: the last two bytes may be inside a character (`10€`).
    let (clock, meridiem) = match text.len().checked_sub(2).and_then(|at| text.split_at_checked(at)) {
        Some((clock, m)) if m.eq_ignore_ascii_case("am") || m.eq_ignore_ascii_case("pm") => {
            (clock.trim_end(), Some(m.eq_ignore_ascii_case("pm")))
        }
        _ => (text, None),
    };
    let mut groups = clock.splitn(3, ':');
    let hour = two_digits(groups.next()?, &[1, 2])?;
    let minute = two_digits(groups.next()?, &[2])?;
    let (second, micro) = match groups.next() {
        None => (0, 0),
        Some(rest) => {
            let (whole, fraction) = rest.split_once('.').unwrap_or((rest, ""));
            (two_digits(whole, &[2])?, micros(fraction)?)
        }
    };
    let hour = match meridiem {
        None => hour,
        Some(_) if !(1..=12).contains(&hour) => return None,
        Some(pm) => hour % 12 + if pm { 12 } else { 0 },
    };
    NaiveTime::from_hms_micro_opt(hour, minute, second, micro)
}

fn two_digits(group: &str, lengths: &[usize]) -> Option<u32> {
    (lengths.contains(&group.len()) && group.bytes().all(|b| b.is_ascii_digit())).then(|| group.parse().ok())?
}

/// Up to six fraction digits as microseconds; more digits are refused rather than rounded.
fn micros(fraction: &str) -> Option<u32> {
    if fraction.len() > 6 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let padded = format!("{fraction:0<6}");
    padded.parse().ok()
}

/// A timestamp: a date, `T` or a space, a time, and for `timestamptz` an offset (`Z`,
/// `+02:00`, `+0200`, `+02`). Returns the date and time parts and the offset, if any.
pub fn split_timestamp(text: &str) -> Option<(&str, &str, Option<FixedOffset>)> {
    let at = text.find(['T', ' '])?;
    let (date, rest) = (&text[..at], text[at + 1..].trim_start());
    if rest.ends_with(['Z', 'z']) {
        return Some((date, &rest[..rest.len() - 1], FixedOffset::east_opt(0)));
    }
    let sign_at = rest.rfind(['+', '-']);
    match sign_at {
        Some(at) if rest[..at].contains(':') => {
            let offset = parse_offset(&rest[at..])?;
            Some((date, rest[..at].trim_end(), Some(offset)))
        }
        _ => Some((date, rest, None)),
    }
}

fn parse_offset(text: &str) -> Option<FixedOffset> {
    let (sign, digits) = text.split_at(1);
    let digits: String = digits.chars().filter(|c| *c != ':').collect();
    if !matches!(digits.len(), 2 | 4) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = if digits.len() == 4 { digits[2..].parse().ok()? } else { 0 };
    let seconds = (hours * 60 + minutes) * 60;
    FixedOffset::east_opt(if sign == "-" { -seconds } else { seconds })
}

/// A timestamp without time zone, with the date read in `order`.
pub fn parse_timestamp(text: &str, order: DateOrder) -> Option<NaiveDateTime> {
    match split_timestamp(text)? {
        (date, time, None) => Some(parse_date(date, order)?.and_time(parse_time(time)?)),
        _ => None,
    }
}

/// A timestamp with an offset, as UTC.
pub fn parse_timestamptz(text: &str, order: DateOrder) -> Option<NaiveDateTime> {
    match split_timestamp(text)? {
        (date, time, Some(offset)) => {
            let local = parse_date(date, order)?.and_time(parse_time(time)?);
            Some(offset.from_local_datetime(&local).single()?.naive_utc())
        }
        _ => None,
    }
}

/// A JSON object or array (scalars are better served by the other types).
pub fn is_json_container(text: &str) -> bool {
    (text.starts_with('{') || text.starts_with('[')) && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_are_words_not_digits() {
        for (text, value) in [("true", true), ("FALSE", false), ("Yes", true), ("no", false), ("t", true), ("F", false)]
        {
            assert_eq!(parse_bool(text), Some(value), "{text}");
        }
        for text in ["1", "0", "y", "truee", "", "nope"] {
            assert_eq!(parse_bool(text), None, "{text}");
        }
    }

    #[test]
    fn integers_keep_their_zeros_meaningful() {
        assert_eq!(parse_int("42"), Some(42));
        assert_eq!(parse_int("-7"), Some(-7));
        assert_eq!(parse_int("0"), Some(0));
        assert_eq!(parse_int("9223372036854775807"), Some(i64::MAX));
        for text in ["00501", "+1", "1.0", "", "-", "9223372036854775808", "1 000", "1e3"] {
            assert_eq!(parse_int(text), None, "{text}");
        }
    }

    #[test]
    fn numerics_keep_every_digit() {
        assert_eq!(parse_numeric("12.50", false).as_deref(), Some("12.50"));
        assert_eq!(parse_numeric("-0.000001", false).as_deref(), Some("-0.000001"));
        assert_eq!(
            parse_numeric("123456789012345678901234567890.123", false).as_deref(),
            Some("123456789012345678901234567890.123")
        );
        assert_eq!(parse_numeric("1e6", false).as_deref(), Some("1e6"));
        assert_eq!(parse_numeric(".5", false).as_deref(), Some(".5"));
        assert_eq!(parse_numeric("1,5", true).as_deref(), Some("1.5"));
        assert_eq!(parse_numeric("-,5", true).as_deref(), Some("-0.5"));
        for text in ["1,5", "007.5", "1.2.3", "abc", "", ".", "-", "1e", "NaN", "Infinity", "1e99999"] {
            assert_eq!(parse_numeric(text, false), None, "{text}");
        }
        assert_eq!(parse_numeric("1.5", true), None, "a decimal comma file has no decimal points");
    }

    #[test]
    fn dates_report_the_orders_that_read_them() {
        let orders = |text| date_orders(text).map(|(o, _)| o);
        assert_eq!(orders("2024-03-04"), Some(OrderSet::ANY), "ISO reads the same in any order");
        assert_eq!(orders("13/04/2024"), Some(OrderSet::one(DateOrder::Dmy)));
        assert_eq!(orders("04/13/2024"), Some(OrderSet::one(DateOrder::Mdy)));
        assert_eq!(orders("03/04/2024"), Some(OrderSet::one(DateOrder::Dmy).union(OrderSet::one(DateOrder::Mdy))));
        for text in ["2024-02-30", "31/31/2024", "555-1234", "1/2/24", "2024-03-04-05", "20240304", "03/04/2024 "] {
            assert_eq!(orders(text), None, "{text}");
        }
        assert_eq!(parse_date("4.3.2024", DateOrder::Dmy), NaiveDate::from_ymd_opt(2024, 3, 4));
        assert_eq!(parse_date("03/04/2024", DateOrder::Mdy), NaiveDate::from_ymd_opt(2024, 3, 4));
        assert_eq!(parse_date("2024/03/04", DateOrder::Dmy), NaiveDate::from_ymd_opt(2024, 3, 4));
    }

    #[test]
    fn times_and_timestamps() {
        assert_eq!(parse_time("13:45"), NaiveTime::from_hms_opt(13, 45, 0));
        assert_eq!(parse_time("9:05:07.25"), NaiveTime::from_hms_micro_opt(9, 5, 7, 250_000));
        assert_eq!(parse_time("1:45 PM"), NaiveTime::from_hms_opt(13, 45, 0));
        assert_eq!(parse_time("12:00 am"), NaiveTime::from_hms_opt(0, 0, 0));
        for text in ["25:00", "13:45 PM", "1:2", "12:30:00.1234567", "noon", "10€", "5 €", "1:45 ™"] {
            assert_eq!(parse_time(text), None, "{text}");
        }
        let at = |y, m, d, h, mi, s| NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, mi, s).unwrap();
        assert_eq!(parse_timestamp("2024-03-04 10:30:00", DateOrder::Mdy), Some(at(2024, 3, 4, 10, 30, 0)));
        assert_eq!(parse_timestamp("2024-03-04T10:30", DateOrder::Mdy), Some(at(2024, 3, 4, 10, 30, 0)));
        assert_eq!(parse_timestamp("2024-03-04T10:30Z", DateOrder::Mdy), None);
        assert_eq!(parse_timestamptz("2024-03-04T10:30:00Z", DateOrder::Mdy), Some(at(2024, 3, 4, 10, 30, 0)));
        assert_eq!(parse_timestamptz("2024-03-04 10:30:00+02:00", DateOrder::Mdy), Some(at(2024, 3, 4, 8, 30, 0)));
        assert_eq!(parse_timestamptz("04/03/2024 10:30-0130", DateOrder::Dmy), Some(at(2024, 3, 4, 12, 0, 0)));
    }

    #[test]
    fn json_means_objects_and_arrays() {
        assert!(is_json_container(r#"{"a": [1, 2]}"#));
        assert!(is_json_container("[]"));
        assert!(!is_json_container("{not json}"));
        assert!(!is_json_container("42"));
    }
}
