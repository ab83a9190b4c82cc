//! Changing a user database's structure: schemas ([`schema`]), tables ([`table`]) and columns
//! ([`column`], with the retype preview in [`retype`]), with column types resolved by PostgreSQL
//! ([`types`]).
//!
//! Every function runs in the caller's transaction and never commits. Names are validated as
//! [`Ident`]s and reach SQL only through their quoting; types are spelled by PostgreSQL's
//! `format_type`. PostgreSQL's refusals come back as [`DdlError`]s that say what to do:
//! a name that is taken, objects that depend on what is dropped, values a new type refuses.
//!
//! ```no_run
//! # async fn run(tx: &tokio_postgres::Transaction<'_>) -> Result<(), strata_db::ddl::DdlError> {
//! use strata_db::ddl::{self, NewColumn, TablePath};
//!
//! ddl::schema::create(tx, "sales").await?;
//! let columns = [NewColumn { name: "Order Date".into(), type_name: "date".into(), nullable: true }];
//! let created = ddl::table::create(tx, TablePath::new("shop", "sales", "orders"), &columns).await?;
//! assert_eq!(created.primary_key, ["id"]);
//! # Ok(()) }
//! ```

pub mod column;
pub mod retype;
pub mod schema;
pub mod table;
pub mod types;

use strata_sql::{Ident, QualifiedName};
use tokio_postgres::Transaction;

use crate::Error;
use crate::catalog::{self, Relation, RelationKind};
use crate::error::describe_source;
pub use retype::{RetypePreview, RetypeSample};

/// A table named by database, schema and name, as in a URL.
#[derive(Debug, Clone, Copy)]
pub struct TablePath<'a> {
    /// The database (for messages).
    pub database: &'a str,
    /// The schema.
    pub schema: &'a str,
    /// The table.
    pub table: &'a str,
}

impl<'a> TablePath<'a> {
    /// The table `schema.table` of `database`.
    pub fn new(database: &'a str, schema: &'a str, table: &'a str) -> TablePath<'a> {
        TablePath { database, schema, table }
    }
}

/// A column to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewColumn {
    /// Its name.
    pub name: String,
    /// Its type as the user wrote it (`integer`, `varchar(20)`).
    pub type_name: String,
    /// Whether it may hold NULL.
    pub nullable: bool,
}

/// A table that references another through a foreign key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The referencing table's schema.
    pub schema: String,
    /// The referencing table.
    pub table: String,
    /// The foreign key constraint.
    pub constraint: String,
}

/// Why a change to a database's structure was not made. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum DdlError {
    /// A bad parameter, an unknown database, schema or table, or a failed statement.
    #[error(transparent)]
    Database(#[from] Error),
    /// The name is taken.
    #[error("{0}; choose another name")]
    Exists(String),
    /// The table has no such column.
    #[error("the table {schema:?}.{table:?} has no column {column:?}")]
    UnknownColumn {
        /// The schema.
        schema: String,
        /// The table.
        table: String,
        /// The name asked for.
        column: String,
    },
    /// The relation is a view or another kind of relation, not a table.
    #[error("{schema:?}.{table:?} is a {kind}, not a table; Strata changes the structure of tables only")]
    NotATable {
        /// The schema.
        schema: String,
        /// The relation.
        table: String,
        /// What it is (`view`, ...).
        kind: &'static str,
    },
    /// A schema to drop holds tables, and cascade was not asked for.
    #[error(
        "the schema {schema:?} is not empty: it holds {}; drop them first, or drop the schema with cascade",
        tables.iter().map(|t| format!("{t:?}")).collect::<Vec<_>>().join(", ")
    )]
    SchemaNotEmpty {
        /// The schema.
        schema: String,
        /// Its tables and views.
        tables: Vec<String>,
    },
    /// A table to drop is referenced by foreign keys of other tables, and cascade was not asked for.
    #[error(
        "{schema:?}.{table:?} is referenced by {}; drop those foreign keys first, or drop the table with cascade \
         (which drops them)",
        referenced_by.iter().map(|r| format!("{:?}.{:?} ({})", r.schema, r.table, r.constraint)).collect::<Vec<_>>().join(", ")
    )]
    Referenced {
        /// The schema.
        schema: String,
        /// The table.
        table: String,
        /// The tables whose foreign keys point at it.
        referenced_by: Vec<Reference>,
    },
    /// A primary key column cannot be dropped.
    #[error("{column:?} is the primary key of {table:?}, which rows are found by; it cannot be dropped")]
    PrimaryKey {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// Other objects (views, foreign keys, ...) depend on what was to be changed.
    #[error("{0}")]
    Dependents(String),
    /// Existing rows do not allow the change (such as NOT NULL on a column with NULLs).
    #[error("{0}")]
    Refused(String),
    /// Some values do not convert to the new type.
    #[error(
        "{column:?} cannot become {new_type}: {reason} ({failing} of {values} values do not convert); \
         nothing was changed: fix or clear those values, or choose another type",
        failing = preview.failing, values = preview.values, new_type = preview.type_name
    )]
    RetypeRefused {
        /// The column.
        column: String,
        /// PostgreSQL's error for the conversion.
        reason: String,
        /// Which values fail and why.
        preview: RetypePreview,
    },
}

/// A malformed parameter.
fn bad(parameter: &str, reason: impl Into<String>) -> Error {
    Error::BadParameter { parameter: parameter.to_string(), reason: reason.into() }
}

/// `text` as a new name, or a 400 naming `name`.
fn new_name(text: &str) -> Result<Ident, Error> {
    Ident::new(text).map_err(|err| bad("name", err.to_string()))
}

/// `text`, the name of something that exists (the catalog found it, so it is a valid name), as
/// an identifier; were it not one, the request's path would be at fault: a 400 naming `path`.
fn existing_name(text: &str) -> Result<Ident, Error> {
    Ident::new(text).map_err(|err| bad("path", err.to_string()))
}

/// An existing table (not a view), with its columns and keys.
pub(crate) async fn existing_table(
    tx: &Transaction<'_>,
    path: TablePath<'_>,
) -> Result<(Relation, QualifiedName), DdlError> {
    let relation = catalog::relation(tx, path.database, path.schema, path.table, true).await?;
    if relation.info.kind != RelationKind::Table {
        return Err(DdlError::NotATable {
            schema: path.schema.to_string(),
            table: path.table.to_string(),
            kind: relation.info.kind.as_str(),
        });
    }
    let name = QualifiedName::new(existing_name(path.schema)?, existing_name(path.table)?);
    Ok((relation, name))
}

/// Runs DDL; PostgreSQL's refusals become errors a user can act on.
async fn run(tx: &Transaction<'_>, sql: &str, doing: &str) -> Result<(), DdlError> {
    tx.batch_execute(sql).await.map_err(|source| refusal(Error::postgres(doing)(source)))
}

/// Sorts a failed statement's error by its SQLSTATE.
pub(crate) fn refusal(err: Error) -> DdlError {
    match err.code() {
        // duplicate_schema, duplicate_table, duplicate_column, duplicate_object
        Some("42P06" | "42P07" | "42701" | "42710") => DdlError::Exists(describe_source(&err)),
        // reserved_name: `pg_` prefixes
        Some("42939") => DdlError::Database(bad("name", describe_source(&err))),
        // dependent_objects_still_exist; feature_not_supported (a column a view uses)
        Some("2BP01" | "0A000") => DdlError::Dependents(describe_source(&err)),
        // data exceptions and integrity constraint violations
        Some(code) if code.starts_with("22") || code.starts_with("23") => DdlError::Refused(describe_source(&err)),
        _ => DdlError::Database(err),
    }
}

/// A savepoint, so one statement may fail without aborting the caller's transaction.
pub(crate) struct Savepoint<'a> {
    tx: &'a Transaction<'a>,
    name: &'static str,
}

impl<'a> Savepoint<'a> {
    pub(crate) async fn begin(tx: &'a Transaction<'a>, name: &'static str) -> Result<Savepoint<'a>, Error> {
        tx.batch_execute(&format!("SAVEPOINT {name}")).await.map_err(Error::postgres("making a savepoint"))?;
        Ok(Savepoint { tx, name })
    }

    pub(crate) async fn release(self) -> Result<(), Error> {
        let sql = format!("RELEASE SAVEPOINT {}", self.name);
        self.tx.batch_execute(&sql).await.map_err(Error::postgres("releasing a savepoint"))
    }

    pub(crate) async fn rollback(self) -> Result<(), Error> {
        let sql = format!("ROLLBACK TO SAVEPOINT {0}; RELEASE SAVEPOINT {0}", self.name);
        self.tx.batch_execute(&sql).await.map_err(Error::postgres("rolling back to a savepoint"))
    }
}
