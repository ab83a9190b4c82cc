//! Reading spreadsheets into natively typed PostgreSQL rows, without touching a database.
//!
//! An import is two passes over a seekable file:
//!
//! 1. [`plan`] sniffs what the user did not say ([`Format`], encoding, delimiter, header) and
//!    reads every row, narrowing each column to the narrowest [`ColumnType`] that fits all its
//!    values (`infer`). The result is a [`Plan`]: how to read the file and what each column
//!    is, plus warnings. A caller may adjust the plan's columns.
//! 2. [`encode`] reads the file again and writes PostgreSQL's binary COPY format (`copy`),
//!    converting each value with the same parsers inference used (`value`).
//!
//! Readers (`read`) turn CSV/TSV, workbooks (calamine) and JSON into [`Row`]s of [`Cell`]s.
//! Nothing here does database or network I/O: `strata-db` loads the bytes.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = std::env::temp_dir().join(format!("strata-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("Orders 2024.csv");
//! std::fs::write(&path, "Order,Date,Amount\n00501,13/04/2024,12.50\n00502,03/04/2024,7\n")?;
//!
//! let plan = strata_import::plan(&path, &Default::default(), &mut |_| {})?;
//! let types: Vec<_> = plan.columns.iter().map(|c| (c.name.as_str(), c.column_type.sql_name())).collect();
//! assert_eq!(types, [("Order", "text"), ("Date", "date"), ("Amount", "numeric")]);
//!
//! let mut copy = Vec::new();
//! let rows = strata_import::encode(&path, &plan, strata_import::Leading::RowNumber, &mut |chunk| Ok(copy.extend(chunk)), &mut |_| {})?;
//! assert_eq!(rows, 2);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod copy;
mod error;
mod format;
pub mod infer;
pub mod names;
mod options;
mod plan;
mod read;
pub mod row;
mod sniff;
mod types;
pub mod value;

pub use encoding_rs::Encoding;
pub use error::ImportError;
pub use format::Format;
pub use options::ImportOptions;
pub use plan::{Leading, Phase, Plan, PlannedColumn, Progress, SAMPLE_ROWS, Source, encode, plan};
pub use row::{Cell, Row};
pub use types::{ColumnType, DateOrder};
