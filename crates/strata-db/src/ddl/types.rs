//! Column types as users name them (`integer`, `varchar(20)`, `numeric(10,2)`,
//! `timestamp(3) with time zone`), resolved by PostgreSQL and spelled back by `format_type`.
//!
//! The user's text never reaches SQL: the name without its modifier goes to `regtype` as a bound
//! parameter, the modifier's digits are parsed here and encoded as the type's `typmod`, and the
//! SQL spelling is whatever `format_type(oid, typmod)` answers.

use std::fmt;

use tokio_postgres::Transaction;
use tokio_postgres::types::Oid;

use super::{Savepoint, bad};
use crate::Error;

/// PostgreSQL's variable-length header, part of the `typmod` of string and numeric types.
const VARHDRSZ: i32 = 4;

// The built-in types that take a modifier (OIDs fixed in `pg_type.dat`).
const BPCHAR: Oid = 1042;
const VARCHAR: Oid = 1043;
const TIME: Oid = 1083;
const TIMESTAMP: Oid = 1114;
const TIMESTAMPTZ: Oid = 1184;
const INTERVAL: Oid = 1186;
const TIMETZ: Oid = 1266;
const BIT: Oid = 1560;
const VARBIT: Oid = 1562;
const NUMERIC: Oid = 1700;

/// A type PostgreSQL knows, spelled by `format_type` (so it is valid SQL, quoted where needed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlType {
    sql: String,
    has_modifier: bool,
}

impl SqlType {
    /// The type's SQL spelling, such as `character varying(20)`.
    pub fn as_str(&self) -> &str {
        &self.sql
    }

    /// Whether the type carries a modifier (a length, precision or scale).
    pub fn has_modifier(&self) -> bool {
        self.has_modifier
    }
}

/// Renders PostgreSQL's own spelling of the type.
impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sql)
    }
}

/// Resolves the type the user named; [`Error::BadParameter`] naming `type` if PostgreSQL knows
/// no such type, it cannot be a column's type, or its modifier does not fit it.
pub async fn resolve(tx: &Transaction<'_>, name: &str) -> Result<SqlType, Error> {
    let (base, modifiers) = split_modifier(name).map_err(|reason| bad("type", format!("{name:?}: {reason}")))?;
    let savepoint = Savepoint::begin(tx, "strata_type").await?;
    let found = tx
        .query_one(
            "SELECT t.oid, CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem ELSE t.oid END, \
                    t.typtype::text, t.typisdefined \
             FROM pg_type t WHERE t.oid = $1::text::regtype",
            &[&base],
        )
        .await;
    let found = match found {
        Ok(row) => {
            savepoint.release().await?;
            row
        }
        Err(err) => {
            savepoint.rollback().await?;
            let reason = crate::error::describe(&err);
            return Err(bad("type", format!("{reason}; use a type PostgreSQL knows, such as text, integer or date")));
        }
    };
    let (oid, element, kind, defined): (Oid, Oid, String, bool) =
        (found.get(0), found.get(1), found.get(2), found.get(3));
    if kind == "p" || !defined {
        return Err(bad("type", format!("{name:?} is not a type a column can have")));
    }
    let typmod = typmod(element, &modifiers).map_err(|reason| bad("type", format!("{name:?}: {reason}")))?;
    let row = tx
        .query_one("SELECT format_type($1, $2)", &[&oid, &typmod])
        .await
        .map_err(Error::postgres("naming the type"))?;
    Ok(SqlType { sql: row.get(0), has_modifier: typmod != -1 })
}

/// Splits `varchar(20)` into `varchar` and `[20]`, and `timestamp(3) with time zone` into
/// `timestamp with time zone` and `[3]`. Parentheses inside a quoted name are part of it.
fn split_modifier(name: &str) -> Result<(String, Vec<i32>), String> {
    let mut quoted = false;
    for (at, c) in name.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => {
                let close = name[at..].find(')').map(|end| at + end).ok_or("a modifier's `(` has no `)`")?;
                let modifiers = name[at + 1..close]
                    .split(',')
                    .map(|part| part.trim().parse::<i32>())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| "a type's modifiers are whole numbers, as in varchar(20) or numeric(10,2)")?;
                let after = name[close + 1..].trim_start();
                let space = if after.is_empty() || after.starts_with('[') { "" } else { " " };
                return Ok((format!("{}{space}{after}", name[..at].trim()), modifiers));
            }
            _ => {}
        }
    }
    Ok((name.trim().to_string(), Vec::new()))
}

/// The `typmod` encoding of `modifiers` for the (element) type `oid`, as each type's `typmodin`
/// function computes it; -1 for none.
fn typmod(oid: Oid, modifiers: &[i32]) -> Result<i32, String> {
    let within = |value: i32, low: i32, high: i32, what: &str| {
        if (low..=high).contains(&value) { Ok(value) } else { Err(format!("{what} must be from {low} to {high}")) }
    };
    match (oid, modifiers) {
        (_, []) => Ok(-1),
        (BPCHAR | VARCHAR, [length]) => Ok(within(*length, 1, 10_485_760, "the length")? + VARHDRSZ),
        (NUMERIC, [precision]) => Ok((within(*precision, 1, 1000, "the precision")? << 16) + VARHDRSZ),
        (NUMERIC, [precision, scale]) => {
            let precision = within(*precision, 1, 1000, "the precision")?;
            Ok(((precision << 16) | within(*scale, 0, precision, "the scale")?) + VARHDRSZ)
        }
        (TIME | TIMETZ | TIMESTAMP | TIMESTAMPTZ, [precision]) => within(*precision, 0, 6, "the precision"),
        // INTERVAL_TYPMOD(precision, INTERVAL_FULL_RANGE): every field, a fractional precision.
        (INTERVAL, [precision]) => Ok((0x7FFF << 16) | within(*precision, 0, 6, "the precision")?),
        (BIT | VARBIT, [length]) => within(*length, 1, 83_886_080, "the length"),
        _ => Err("this type takes no such modifier (lengths and precisions go with varchar, char, numeric, \
                  bit, time, timestamp and interval)"
            .to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, base: &str, modifiers: &[i32]) {
        assert_eq!(split_modifier(name), Ok((base.to_string(), modifiers.to_vec())), "{name}");
    }

    #[test]
    fn splits_the_modifier_off() {
        check("integer", "integer", &[]);
        check(" varchar(20) ", "varchar", &[20]);
        check("numeric (10, 2)", "numeric", &[10, 2]);
        check("timestamp(3) with time zone", "timestamp with time zone", &[3]);
        check("varchar(5)[]", "varchar[]", &[5]);
        check(r#""my(type)""#, r#""my(type)""#, &[]);
        assert!(split_modifier("numeric(10").is_err());
        assert!(split_modifier("numeric(a)").is_err());
    }

    #[test]
    fn encodes_typmods_like_postgres() {
        assert_eq!(typmod(VARCHAR, &[20]), Ok(24));
        assert_eq!(typmod(NUMERIC, &[10, 2]), Ok((10 << 16 | 2) + 4));
        assert_eq!(typmod(TIMESTAMPTZ, &[3]), Ok(3));
        assert_eq!(typmod(23, &[]), Ok(-1));
        assert!(typmod(23, &[4]).is_err());
        assert!(typmod(NUMERIC, &[2, 3]).is_err());
        assert!(typmod(VARCHAR, &[0]).is_err());
    }
}
