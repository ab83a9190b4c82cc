//! Writes many rows through an earlier model's table at once, set-based: the rows (staged by the
//! caller, for example an import's COPY) go into the physical tables with one statement per
//! table instead of one trigger call per row.

use serde::{Deserialize, Serialize};
use strata_sql::{Ident, QualifiedName};
use tokio_postgres::Transaction;

use crate::Error;

/// What to do when a written row's key names an existing entity (a row of an extracted table)
/// whose other columns differ from the row's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityConflicts {
    /// Write nothing and report the rows.
    #[default]
    Cancel,
    /// Update the entities to the written values (every row sharing one sees the change).
    Update,
    /// Keep the entities as they are; the written rows link to them.
    Keep,
}

/// A written row whose entity differs from what it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntityConflict {
    /// The extracted table.
    pub table: String,
    /// The entity's key, by column.
    pub key: serde_json::Map<String, serde_json::Value>,
    /// The column that differs.
    pub column: String,
    /// The entity's value, as text.
    pub existing: Option<String>,
    /// The written value, as text.
    pub written: Option<String>,
    /// How many written rows say so.
    pub rows: i64,
}

/// Why a bulk write was not made.
#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    /// Written rows disagree with existing entities (under [`EntityConflicts::Cancel`]), or
    /// with each other.
    #[error("{} written rows disagree with the rows of {} they link to", .0.len(), .0.first().map(|c| c.table.as_str()).unwrap_or(""))]
    Conflicts(Vec<EntityConflict>),
    /// A database error.
    #[error(transparent)]
    Database(#[from] Error),
}

/// When `target` is a view of an earlier model that PostgreSQL cannot write by itself, inserts
/// the rows of `rows` (a query whose columns are named as `columns`, the view's columns) into
/// the physical tables set-based and returns how many rows were written; `None` when `target`
/// is not such a view (the caller inserts as usual).
pub async fn insert(
    tx: &Transaction<'_>,
    target: &QualifiedName,
    columns: &[Ident],
    rows: &str,
    conflicts: EntityConflicts,
) -> Result<Option<u64>, BulkError> {
    let _ = (tx, target, columns, rows, conflicts);
    todo!("bulk writes")
}
