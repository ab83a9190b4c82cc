//! How Strata writes names into SQL.
//!
//! PostgreSQL names (tables, columns, schemas, databases, roles) are user data in Strata: a
//! spreadsheet header such as `Order "Date"` or `"; drop table x; --` becomes a real column
//! name. This crate is the only place that turns a name into SQL text, so there is exactly one
//! quoting function to get right.
//!
//! - [`Ident`] is a validated PostgreSQL identifier (non-empty, no NUL, at most 63 bytes). It
//!   renders itself quoted through [`Display`](std::fmt::Display).
//! - [`QualifiedName`] is `schema.name`.
//!
//! ```
//! use strata_sql::Ident;
//!
//! let column = Ident::new(r#"Order "Date""#).unwrap();
//! assert_eq!(format!("SELECT {column} FROM t"), r#"SELECT "Order ""Date""" FROM t"#);
//! assert!(Ident::new("x".repeat(64)).is_err());
//! ```
#![deny(missing_docs)]

mod ident;

pub use ident::{Ident, IdentError, MAX_IDENT_BYTES, QualifiedName};
