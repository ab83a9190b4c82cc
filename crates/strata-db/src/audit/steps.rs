//! Structure changes of actions, each recorded in `strata.action_step` with its inverse, so a
//! schema action undoes by its recorded inverse DDL: a deleted table is kept (moved into schema
//! `strata`), a dropped column's values are kept, a retype keeps the old values.

use tokio_postgres::Transaction;

use crate::Error;

/// Whether action `id` changed structure (has steps).
pub async fn has_steps(tx: &Transaction<'_>, id: i64) -> Result<bool, Error> {
    let row = tx
        .query_one("SELECT EXISTS (SELECT 1 FROM strata.action_step WHERE action = $1)", &[&id])
        .await
        .map_err(Error::postgres("reading the action's steps"))?;
    Ok(row.get(0))
}

/// Applies the inverses of action `id`'s steps in reverse order, recording each as a step (with
/// its own inverse) of the transaction's current action.
pub async fn undo(tx: &Transaction<'_>, id: i64) -> Result<(), Error> {
    let _ = (tx, id);
    todo!("audit::steps::undo")
}

/// Drops what action `id`'s steps kept to be undone (deleted tables, dropped columns' values), for
/// prune.
pub async fn forget(tx: &Transaction<'_>, id: i64) -> Result<(), Error> {
    let _ = (tx, id);
    todo!("audit::steps::forget")
}
