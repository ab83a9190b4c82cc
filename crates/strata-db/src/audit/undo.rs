//! Undo and redo (DESIGN §6): an action's inverse applied, set-based and in reverse order, as a
//! new action that records what it undid; a redo is the undo of that undo. An undo whose rows or
//! columns a later action changed is refused with the conflicts, or undoes those later actions
//! first (newest first) when asked to cascade. Each call is one transaction's work: nothing is
//! ever half undone.

mod conflict;
mod table;

use tokio_postgres::Transaction;
use tokio_postgres::error::SqlState;

use self::table::TableUndo;
use super::action::{self, ActionInfo, ActionKind};
use super::audited::AuditedTable;
use super::steps;
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
    /// The action cannot be undone any more: a table it changed is gone (dropped outside
    /// Strata), its history was pruned, or rows of other tables that it does not know of hold on
    /// to its rows by a foreign key.
    #[error("action {id} cannot be undone: {reason}")]
    Unavailable {
        /// The action.
        id: i64,
        /// Why, for people.
        reason: String,
    },
    /// A structure step's inverse was refused (a deleted table's name is taken again, ...).
    #[error(transparent)]
    Structure(#[from] crate::ddl::DdlError),
    /// A statement failed.
    #[error(transparent)]
    Database(#[from] Error),
}

/// Undoes action `id` (and, with `cascade`, the later actions in its way) as new actions of kind
/// `undo`, in the caller's transaction.
pub async fn undo(tx: &Transaction<'_>, id: i64, cascade: bool) -> Result<Undone, UndoError> {
    let target = locked(tx, id).await?.ok_or(UndoError::UnknownAction(id))?;
    if target.undone {
        return Err(UndoError::AlreadyUndone { id, by: target.undone_by.unwrap_or(id) });
    }
    all_or_nothing(tx, revert(tx, id, Pending::of(tx, target).await?, cascade)).await
}

/// Redoes the undone action `id`: undoes the undo in effect, as a new action of kind `redo`.
pub async fn redo(tx: &Transaction<'_>, id: i64) -> Result<Undone, UndoError> {
    let target = locked(tx, id).await?.ok_or(UndoError::UnknownAction(id))?;
    let Some(undoer) = target.undone_by.filter(|_| target.undone) else {
        return Err(UndoError::NotUndone(id));
    };
    let undo = locked(tx, undoer).await?.ok_or(UndoError::UnknownAction(undoer))?;
    all_or_nothing(tx, revert(tx, id, Pending::of(tx, undo).await?, false)).await
}

/// The action `id` as it is now, its row locked until the transaction ends: an undo or redo of
/// the same action in another transaction waits, then sees it undone (or redone) and refuses.
async fn locked(tx: &Transaction<'_>, id: i64) -> Result<Option<ActionInfo>, Error> {
    tx.execute("SELECT FROM strata.action WHERE id = $1 FOR UPDATE", &[&id])
        .await
        .map_err(Error::postgres("locking the action"))?;
    // Read after the lock, in a statement of its own: it sees what the other transaction did.
    action::get(tx, id).await
}

/// An action to revert, and the action that will record it.
struct Pending {
    target: ActionInfo,
    kind: ActionKind,
    summary: String,
}

impl Pending {
    /// Reverting `target`: an undo (`Undid: …`) of an action or of a redo, a redo (`Redid: …`) of
    /// an undo; either way named after the action at the start of the chain of undos.
    async fn of(tx: &Transaction<'_>, target: ActionInfo) -> Result<Pending, Error> {
        let row = tx
            .query_one(
                "WITH RECURSIVE chain (id, undoes, depth) AS ( \
                     SELECT id, undoes, 0 FROM strata.action WHERE id = $1 \
                     UNION ALL SELECT a.id, a.undoes, c.depth + 1 FROM strata.action a JOIN chain c ON a.id = c.undoes) \
                 SELECT c.depth, a.summary FROM chain c JOIN strata.action a ON a.id = c.id \
                 ORDER BY c.depth DESC LIMIT 1",
                &[&target.id],
            )
            .await
            .map_err(Error::postgres("reading what the action undid"))?;
        let (undos, first): (i32, String) = (row.get(0), row.get(1));
        Ok(if undos % 2 == 0 {
            Pending { target, kind: ActionKind::Undo, summary: format!("Undid: {first}") }
        } else {
            Pending { target, kind: ActionKind::Redo, summary: format!("Redid: {first}") }
        })
    }
}

/// Runs `work` so that on failure nothing of it stays in the caller's transaction (a cascade may
/// have undone later actions before finding it cannot go on).
async fn all_or_nothing(
    tx: &Transaction<'_>,
    work: impl Future<Output = Result<Undone, UndoError>>,
) -> Result<Undone, UndoError> {
    let savepoint = |sql: &'static str| async move {
        tx.batch_execute(sql).await.map_err(Error::postgres("keeping the undo all or nothing"))
    };
    savepoint("SAVEPOINT strata_undo").await?;
    match work.await {
        Ok(done) => {
            savepoint("RELEASE SAVEPOINT strata_undo").await?;
            Ok(done)
        }
        Err(err) => {
            savepoint("ROLLBACK TO SAVEPOINT strata_undo").await?;
            savepoint("RELEASE SAVEPOINT strata_undo").await?;
            Err(err)
        }
    }
}

/// Reverts `first`; with `cascade`, first the later actions in its way, newest first, looking
/// again after each (one may have been undone by another meanwhile). `asked` is the action the
/// caller named, for the error.
async fn revert(tx: &Transaction<'_>, asked: i64, first: Pending, cascade: bool) -> Result<Undone, UndoError> {
    let mut stack = vec![first];
    let mut actions = Vec::new();
    while let Some(top) = stack.last() {
        let id = top.target.id;
        if stack.len() > 1 && locked(tx, id).await?.is_none_or(|now| now.undone) {
            stack.pop();
            continue;
        }
        match prepare(tx, &top.target).await? {
            Ok(parts) => {
                actions.push(apply(tx, top, parts).await?);
                stack.pop();
            }
            Err(conflicts) => {
                // Only later actions, each once: what is still in the way after undoing it stays so.
                let newest = conflicts.iter().map(|c| c.action.id).max().filter(|newest| {
                    *newest > id && !actions.iter().any(|made: &ActionInfo| made.undoes == Some(*newest))
                });
                let Some(newest) = newest.filter(|_| cascade) else {
                    return Err(UndoError::Conflict { action: asked, conflicts });
                };
                let Some(later) = conflicts.into_iter().map(|c| c.action).find(|a| a.id == newest) else {
                    return Err(UndoError::UnknownAction(newest));
                };
                stack.push(Pending::of(tx, later).await?);
            }
        }
    }
    Ok(Undone { actions })
}

/// Locks and reads what reverting `target` takes, table by table; or what is in its way, newest
/// action first.
async fn prepare(
    tx: &Transaction<'_>,
    target: &ActionInfo,
) -> Result<Result<Vec<TableUndo>, Vec<Conflict>>, UndoError> {
    let structure = conflict::structure(tx, target).await?;
    if !structure.is_empty() {
        return Ok(Err(structure));
    }
    let mut parts = Vec::new();
    for relid in table::tables(tx, target.id).await? {
        let unavailable = |reason: &str| UndoError::Unavailable { id: target.id, reason: reason.to_string() };
        let Some(audited) = AuditedTable::load(tx, relid).await? else {
            return Err(unavailable(if forgotten(tx, relid).await? {
                "a table it changed was deleted and its history pruned"
            } else {
                "a table it changed no longer exists (it was deleted outside Strata)"
            }));
        };
        let part = TableUndo::prepare(tx, target.id, relid, audited)
            .await?
            .ok_or_else(|| unavailable("its history was pruned"))?;
        parts.push(part);
    }
    let mut conflicts = Vec::new();
    for part in &parts {
        let found = part.conflicts(tx, target.id).await?;
        conflicts.extend(conflict::rows(tx, target, &part.table.label, found).await?);
    }
    if conflicts.is_empty() {
        return Ok(Ok(parts));
    }
    for part in parts {
        part.finish(tx).await?;
    }
    conflicts.sort_by_key(|conflict| std::cmp::Reverse(conflict.action.id));
    Ok(Err(conflicts))
}

/// Reverts `pending.target` as a new action: its rows (children deleted before parents, parents
/// inserted before children), then its structure steps.
async fn apply(tx: &Transaction<'_>, pending: &Pending, parts: Vec<TableUndo>) -> Result<ActionInfo, UndoError> {
    let target = pending.target.id;
    let id = action::begin(tx, pending.kind, &pending.summary).await?;
    tx.execute("UPDATE strata.action SET undoes = $2 WHERE id = $1", &[&id, &target])
        .await
        .map_err(Error::postgres("recording the undo"))?;
    tx.execute("UPDATE strata.action SET undone_by = $1 WHERE id = $2", &[&id, &target])
        .await
        .map_err(Error::postgres("recording the undo"))?;
    let blocked = |part: &TableUndo| {
        let table = part.table.label.clone();
        move |err| referenced(target, &table, err)
    };
    for part in parts.iter().rev() {
        part.delete(tx).await.map_err(blocked(part))?;
    }
    for part in &parts {
        part.insert(tx).await.map_err(blocked(part))?;
    }
    for part in &parts {
        part.update(tx).await.map_err(blocked(part))?;
    }
    for part in parts {
        part.finish(tx).await?;
    }
    if steps::has_steps(tx, target).await? {
        steps::undo(tx, target).await?;
    }
    action::get(tx, id).await?.ok_or(UndoError::UnknownAction(id))
}

/// A foreign key that stops putting `table`'s rows back, said for people: rows of another table,
/// added later by actions that do not conflict (they changed another table), reference rows the
/// undo deletes, or rows the undo puts back refer to rows that are gone now. Other errors as
/// they are.
fn referenced(id: i64, table: &str, err: Error) -> UndoError {
    let Error::Postgres { source, .. } = &err else { return err.into() };
    let Some(violation) = source.as_db_error().filter(|db| *db.code() == SqlState::FOREIGN_KEY_VIOLATION) else {
        return err.into();
    };
    // PostgreSQL names the referencing table and the constraint.
    let referencing = match (violation.schema(), violation.table()) {
        (Some(schema), Some(name)) => format!("{schema}.{name}"),
        _ => "another table".to_string(),
    };
    let constraint = violation.constraint().unwrap_or("a foreign key");
    let reason = if referencing == table {
        format!(
            "rows of {table} would refer to rows that are gone now (foreign key {constraint}); put those back first"
        )
    } else {
        format!(
            "rows of {table} are referenced by rows added later in {referencing} (foreign key {constraint}); \
             undo those first"
        )
    };
    UndoError::Unavailable { id, reason }
}

/// Whether the table `relid` is unknown to the audit trail: prune forgot it (or it never was
/// audited).
async fn forgotten(tx: &Transaction<'_>, relid: tokio_postgres::types::Oid) -> Result<bool, Error> {
    let row = tx
        .query_one("SELECT NOT EXISTS (SELECT 1 FROM strata.audited WHERE relid = $1)", &[&relid])
        .await
        .map_err(Error::postgres("looking for the table's history"))?;
    Ok(row.get(0))
}
