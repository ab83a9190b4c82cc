//! The history of one record (every version, with who and when) and the table's deleted rows,
//! read from its history table; restore of deleted rows with their old keys.

use serde_json::{Map, Value};
use tokio_postgres::{GenericClient, Transaction};

use crate::Error;
use crate::ddl::TablePath;

/// What a change did to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// It was inserted.
    Insert,
    /// It was updated.
    Update,
    /// It was deleted.
    Delete,
}

/// One version of a row: a change and the row as it left it.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    /// The action that changed it.
    pub action: i64,
    /// When, RFC 3339.
    pub at: String,
    /// Who.
    pub user: String,
    /// The action's summary.
    pub summary: String,
    /// What the change did.
    pub change: Change,
    /// The row after the change, as the rows API shows rows (`None` once deleted).
    pub values: Option<Map<String, Value>>,
    /// The columns the change set to another value (every column for an insert).
    pub changed: Vec<String>,
}

/// A deleted row that can be restored.
#[derive(Debug, Clone, PartialEq)]
pub struct DeletedRow {
    /// Its primary key, as text.
    pub key: String,
    /// Its values when it was deleted, as the rows API shows rows.
    pub values: Map<String, Value>,
    /// The action that deleted it.
    pub action: i64,
    /// When, RFC 3339.
    pub at: String,
    /// Who.
    pub user: String,
}

/// Every version of the row with primary key `key` (as text) of table `path`, newest first;
/// empty when history has none.
pub async fn row_history(client: &impl GenericClient, path: TablePath<'_>, key: &str) -> Result<Vec<Version>, Error> {
    let _ = (client, path, key);
    todo!("audit::history::row_history")
}

/// The rows of `path` deleted and not back since, newest deletion first, at most `limit`.
pub async fn deleted_rows(
    client: &impl GenericClient,
    path: TablePath<'_>,
    limit: i64,
) -> Result<Vec<DeletedRow>, Error> {
    let _ = (client, path, limit);
    todo!("audit::history::deleted_rows")
}

/// Puts the deleted rows `keys` of `path` back with their old keys and values, in the caller's
/// transaction and action; returns how many. A key that is in use again, or never was deleted,
/// is an error and nothing is restored.
pub async fn restore(tx: &Transaction<'_>, path: TablePath<'_>, keys: &[String]) -> Result<u64, Error> {
    let _ = (tx, path, keys);
    todo!("audit::history::restore")
}
