//! Retention: history is kept until `strata audit prune --before DATE` trims it.

use strata_sql::QualifiedName;
use tokio_postgres::Transaction;

use super::{ident, steps};
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
    let ids = tx
        .query("SELECT id FROM strata.action WHERE at < $1::text::timestamptz ORDER BY id", &[&before])
        .await
        .map_err(|err| match err.code() {
        Some(code) if code.code().starts_with("22") => Error::BadParameter {
            parameter: "before".into(),
            reason: format!("{} (give a date such as 2026-01-01)", crate::error::describe(&err)),
        },
        _ => Error::postgres("finding the actions to prune")(err),
    })?;
    let ids: Vec<i64> = ids.iter().map(|row| row.get(0)).collect();
    if ids.is_empty() {
        return Ok(Pruned::default());
    }
    let with_steps = tx
        .query("SELECT DISTINCT action FROM strata.action_step WHERE action = ANY($1) ORDER BY 1", &[&ids])
        .await
        .map_err(Error::postgres("reading the steps to forget"))?;
    for row in with_steps {
        steps::forget(tx, row.get(0)).await?;
    }
    // Every history table, also those of tables dropped since.
    let histories = tx
        .query(
            "SELECT a.history FROM strata.audited a \
             WHERE EXISTS (SELECT 1 FROM pg_class c WHERE c.relname = a.history \
                           AND c.relnamespace = 'strata'::regnamespace)",
            &[],
        )
        .await
        .map_err(Error::postgres("listing the history tables"))?;
    let mut history_rows = 0;
    for row in histories {
        let history = QualifiedName::new(ident("strata")?, ident(row.get::<_, String>(0))?);
        let deleted = tx
            .execute(&format!("DELETE FROM {history} WHERE _action = ANY($1)"), &[&ids])
            .await
            .map_err(Error::postgres("pruning history"))?;
        history_rows += i64::try_from(deleted).unwrap_or(i64::MAX);
    }
    forget_dropped_tables(tx).await?;
    let actions = tx
        .execute("DELETE FROM strata.action WHERE id = ANY($1)", &[&ids])
        .await
        .map_err(Error::postgres("pruning actions"))?;
    Ok(Pruned { actions: i64::try_from(actions).unwrap_or(i64::MAX), history_rows })
}

/// Forgets the tables that no longer exist (dropped outside Strata, or deleted and forgotten):
/// their history tables and their `strata.audited` rows, so a table that gets the same oid later
/// is not taken for them. Later actions that changed them can then only be told their history
/// was pruned.
async fn forget_dropped_tables(tx: &Transaction<'_>) -> Result<(), Error> {
    let gone = tx
        .query(
            "DELETE FROM strata.audited a WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = a.relid) \
             RETURNING a.history",
            &[],
        )
        .await
        .map_err(Error::postgres("forgetting dropped tables"))?;
    for row in gone {
        let history = QualifiedName::new(ident("strata")?, ident(row.get::<_, String>(0))?);
        tx.batch_execute(&format!("DROP TABLE IF EXISTS {history}"))
            .await
            .map_err(Error::postgres("dropping the history of a dropped table"))?;
    }
    Ok(())
}
