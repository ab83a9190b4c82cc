//! Retention: history is kept until `strata audit prune --before DATE` trims it.

use tokio_postgres::Transaction;

use crate::Error;

/// What a prune removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pruned {
    /// Actions forgotten.
    pub actions: i64,
    /// History rows deleted.
    pub history_rows: i64,
}

/// Forgets the actions that began before `before` (a timestamp PostgreSQL reads, such as
/// `2026-01-01`), their history, and the data kept to undo them (deleted tables and columns), in
/// the caller's transaction. They can no longer be undone.
pub async fn prune(tx: &Transaction<'_>, before: &str) -> Result<Pruned, Error> {
    let _ = (tx, before);
    todo!("audit::prune")
}
