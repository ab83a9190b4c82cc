//! The PostgreSQL types an import can produce, and the date orders it can read.

use std::fmt;

/// A column type inferred from data, narrowest first: the order of the variants is the order of
/// preference when several fit every value of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ColumnType {
    /// `boolean`: true/false, yes/no, t/f.
    Boolean,
    /// `integer` (32 bits).
    Integer,
    /// `bigint` (64 bits).
    BigInt,
    /// `numeric` without a typmod: every digit kept.
    Numeric,
    /// `date`.
    Date,
    /// `timestamp without time zone`.
    Timestamp,
    /// `timestamp with time zone`.
    TimestampTz,
    /// `time without time zone`.
    Time,
    /// `jsonb`: objects and arrays.
    Jsonb,
    /// `text`: fits everything.
    Text,
}

impl ColumnType {
    /// Every type, narrowest first.
    pub const ALL: [ColumnType; 10] = [
        ColumnType::Boolean,
        ColumnType::Integer,
        ColumnType::BigInt,
        ColumnType::Numeric,
        ColumnType::Date,
        ColumnType::Timestamp,
        ColumnType::TimestampTz,
        ColumnType::Time,
        ColumnType::Jsonb,
        ColumnType::Text,
    ];

    /// The type as PostgreSQL spells it (`format_type`), usable in DDL.
    pub fn sql_name(self) -> &'static str {
        match self {
            ColumnType::Boolean => "boolean",
            ColumnType::Integer => "integer",
            ColumnType::BigInt => "bigint",
            ColumnType::Numeric => "numeric",
            ColumnType::Date => "date",
            ColumnType::Timestamp => "timestamp without time zone",
            ColumnType::TimestampTz => "timestamp with time zone",
            ColumnType::Time => "time without time zone",
            ColumnType::Jsonb => "jsonb",
            ColumnType::Text => "text",
        }
    }

    /// The type PostgreSQL's `format_type` names `name`, if it is one imports produce.
    pub fn from_sql_name(name: &str) -> Option<ColumnType> {
        ColumnType::ALL.into_iter().find(|t| t.sql_name() == name)
    }

    /// Whether values are dates or times whose day/month order matters.
    pub fn is_date_like(self) -> bool {
        matches!(self, ColumnType::Date | ColumnType::Timestamp | ColumnType::TimestampTz)
    }

    pub(crate) fn bit(self) -> u16 {
        1 << self as u16
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.sql_name())
    }
}

impl std::str::FromStr for ColumnType {
    type Err = String;

    /// Reads a type name as PostgreSQL spells it or its common aliases (`int`, `int8`,
    /// `timestamptz`, `bool`, ...), ignoring case.
    fn from_str(text: &str) -> Result<ColumnType, String> {
        let name = text.trim().to_ascii_lowercase();
        let found = match name.as_str() {
            "int" | "int4" => Some(ColumnType::Integer),
            "int8" => Some(ColumnType::BigInt),
            "decimal" => Some(ColumnType::Numeric),
            "bool" => Some(ColumnType::Boolean),
            "timestamp" => Some(ColumnType::Timestamp),
            "timestamptz" => Some(ColumnType::TimestampTz),
            "time" => Some(ColumnType::Time),
            other => ColumnType::from_sql_name(other),
        };
        found.ok_or_else(|| {
            let known = ColumnType::ALL.iter().map(|t| t.sql_name()).collect::<Vec<_>>().join(", ");
            format!("an import cannot make a column of type {text:?}; choose one of {known}")
        })
    }
}

/// A set of column types, as a bit mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct TypeSet(u16);

impl TypeSet {
    pub(crate) const ALL: TypeSet = TypeSet((1 << 10) - 1);
    pub(crate) const TEXT: TypeSet = TypeSet(1 << ColumnType::Text as u16);

    pub(crate) fn of(types: &[ColumnType]) -> TypeSet {
        TypeSet(types.iter().fold(0, |bits, t| bits | t.bit()) | ColumnType::Text.bit())
    }

    pub(crate) fn contains(self, t: ColumnType) -> bool {
        self.0 & t.bit() != 0
    }

    pub(crate) fn intersect(self, other: TypeSet) -> TypeSet {
        TypeSet(self.0 & other.0)
    }

    pub(crate) fn union(self, other: TypeSet) -> TypeSet {
        TypeSet(self.0 | other.0)
    }

    pub(crate) fn without(self, t: ColumnType) -> TypeSet {
        TypeSet(self.0 & !t.bit())
    }

    /// The narrowest type in the set; text when only text is left.
    pub(crate) fn narrowest(self) -> ColumnType {
        ColumnType::ALL.into_iter().find(|t| self.contains(*t)).unwrap_or(ColumnType::Text)
    }
}

/// The order of day, month and year in dates such as `03/04/2024`. Month first is the
/// default when nothing else says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DateOrder {
    /// Day, month, year (most of the world).
    Dmy,
    /// Month, day, year (the United States).
    #[default]
    Mdy,
    /// Year, month, day (ISO 8601, East Asia).
    Ymd,
}

impl DateOrder {
    /// `dmy`, `mdy` or `ymd`.
    pub fn as_str(self) -> &'static str {
        match self {
            DateOrder::Dmy => "dmy",
            DateOrder::Mdy => "mdy",
            DateOrder::Ymd => "ymd",
        }
    }

    /// The order the system locale (`LC_ALL`, `LC_TIME`, `LANG`) suggests: month first for
    /// the United States and a few others, year first for East Asia, day first elsewhere; `None`
    /// when no locale is set (or it is C/POSIX).
    pub fn from_locale(locale: &str) -> Option<DateOrder> {
        let territory = locale.split(['.', '@']).next()?.split('_').nth(1)?;
        Some(match territory {
            "US" | "PH" | "BZ" | "FM" | "MH" | "PW" => DateOrder::Mdy,
            "CN" | "JP" | "KR" | "TW" | "HU" | "LT" | "MN" => DateOrder::Ymd,
            _ => DateOrder::Dmy,
        })
    }
}

impl std::str::FromStr for DateOrder {
    type Err = String;

    fn from_str(text: &str) -> Result<DateOrder, String> {
        match text.to_ascii_lowercase().as_str() {
            "dmy" => Ok(DateOrder::Dmy),
            "mdy" => Ok(DateOrder::Mdy),
            "ymd" => Ok(DateOrder::Ymd),
            _ => Err(format!("unknown date order {text:?}; use dmy, mdy or ymd")),
        }
    }
}

/// A set of date orders still consistent with a column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OrderSet(u8);

impl OrderSet {
    pub(crate) const ANY: OrderSet = OrderSet(0b111);
    pub(crate) const NONE: OrderSet = OrderSet(0);

    pub(crate) fn one(order: DateOrder) -> OrderSet {
        OrderSet(1 << order as u8)
    }

    pub(crate) fn union(self, other: OrderSet) -> OrderSet {
        OrderSet(self.0 | other.0)
    }

    pub(crate) fn intersect(self, other: OrderSet) -> OrderSet {
        OrderSet(self.0 & other.0)
    }

    pub(crate) fn contains(self, order: DateOrder) -> bool {
        self.0 & (1 << order as u8) != 0
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The single order left, if exactly one is.
    pub(crate) fn only(self) -> Option<DateOrder> {
        let orders = [DateOrder::Dmy, DateOrder::Mdy, DateOrder::Ymd];
        let mut left = orders.into_iter().filter(|o| self.contains(*o));
        let first = left.next()?;
        left.next().is_none().then_some(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_suggest_date_orders() {
        assert_eq!(DateOrder::from_locale("en_US.UTF-8"), Some(DateOrder::Mdy));
        assert_eq!(DateOrder::from_locale("de_DE.UTF-8"), Some(DateOrder::Dmy));
        assert_eq!(DateOrder::from_locale("en_GB"), Some(DateOrder::Dmy));
        assert_eq!(DateOrder::from_locale("ja_JP.UTF-8"), Some(DateOrder::Ymd));
        assert_eq!(DateOrder::from_locale("C.UTF-8"), None);
        assert_eq!(DateOrder::from_locale("POSIX"), None);
    }

    #[test]
    fn type_names_and_aliases_parse() {
        assert_eq!("Integer".parse(), Ok(ColumnType::Integer));
        assert_eq!("int8".parse(), Ok(ColumnType::BigInt));
        assert_eq!("timestamptz".parse(), Ok(ColumnType::TimestampTz));
        assert_eq!("timestamp with time zone".parse(), Ok(ColumnType::TimestampTz));
        assert_eq!(" text ".parse(), Ok(ColumnType::Text));
        assert!("double precision".parse::<ColumnType>().is_err());
        assert!("uuid".parse::<ColumnType>().is_err());
    }

    #[test]
    fn the_narrowest_type_wins() {
        let set = TypeSet::of(&[ColumnType::BigInt, ColumnType::Numeric]);
        assert_eq!(set.narrowest(), ColumnType::BigInt);
        assert_eq!(TypeSet::TEXT.narrowest(), ColumnType::Text);
        assert!(TypeSet::ALL.contains(ColumnType::Jsonb));
    }
}
