//! Undo and redo (DESIGN §6): an action's inverse applied, set-based and in reverse order, as a
//! new action that records what it undid; a redo is the undo of that undo. An undo whose rows or
//! columns a later action changed is refused with the conflicts, or undoes those later actions
//! first (newest first) when asked to cascade. Each call is one transaction's work: nothing is
//! ever half undone.

use tokio_postgres::Transaction;

use super::action::ActionInfo;
use crate::Error;

/// What an undo or redo did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undone {
    /// The actions made, in the order they were applied (with `cascade`, the newest undone first;
    /// the last one reverted the action asked for).
    pub actions: Vec<ActionInfo>,
}

/// A later action that changed what an undo would revert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The later action.
    pub action: ActionInfo,
    /// The table, `schema.table`.
    pub table: String,
    /// Keys (as text) of the rows it changed, at most 20.
    pub keys: Vec<String>,
    /// How many rows conflict in all.
    pub rows: i64,
    /// The columns it changed that the undo would revert (empty: whole rows, or the structure).
    pub columns: Vec<String>,
    /// What happened, for people ("row 7 was deleted later", "the column was dropped later").
    pub reason: String,
}

/// Why an undo or redo was not made. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum UndoError {
    /// No action has this id.
    #[error("there is no action {0}")]
    UnknownAction(i64),
    /// The action is undone already.
    #[error("action {id} is already undone (by action {by}); redo it instead")]
    AlreadyUndone {
        /// The action.
        id: i64,
        /// The undo in effect.
        by: i64,
    },
    /// A redo of an action that is not undone.
    #[error("action {0} is not undone, so there is nothing to redo")]
    NotUndone(i64),
    /// Later actions changed what the undo would revert.
    #[error(
        "action {action} cannot be undone: {} later action(s) changed the same rows or columns; undo them first, \
         or undo with cascade to undo them too",
        conflicts.len()
    )]
    Conflict {
        /// The action asked for.
        action: i64,
        /// What conflicts, newest action first.
        conflicts: Vec<Conflict>,
    },
    /// A statement failed.
    #[error(transparent)]
    Database(#[from] Error),
}

/// Undoes action `id` (and, with `cascade`, the later actions in its way) as new actions of kind
/// `undo`, in the caller's transaction.
pub async fn undo(tx: &Transaction<'_>, id: i64, cascade: bool) -> Result<Undone, UndoError> {
    let _ = (tx, id, cascade);
    todo!("audit::undo")
}

/// Redoes the undone action `id`: undoes the undo in effect, as a new action of kind `redo`.
pub async fn redo(tx: &Transaction<'_>, id: i64) -> Result<Undone, UndoError> {
    let _ = (tx, id);
    todo!("audit::redo")
}
