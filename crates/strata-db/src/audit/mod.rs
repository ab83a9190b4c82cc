//! The audit trail (DESIGN §6): every change to an audited table is kept in a typed history
//! table, grouped into [`action`]s that can be undone and redone ([`undo`]), with the history of
//! each record and restore of deleted rows ([`history`]), structure changes with their inverses
//! ([`steps`]) and trimming ([`prune`]).
//!
//! PostgreSQL does the recording, so changes made with `psql` are kept too: each audited table has
//! three statement-level triggers with transition tables (`strata.record_changes`, in the user
//! database's migration) that append the statement's rows to `strata."history_<oid>"` in one
//! `INSERT ... SELECT`. Updates and deletes keep the old row; inserts keep the key. A history
//! column is named after the column's number and type (`c3_1700`), so renames need nothing and a
//! retype starts a new column instead of converting what history holds. Every entry belongs to
//! the action the transaction set with [`action::begin`], or to one `external` action per
//! transaction.
//!
//! ```no_run
//! # async fn run(tx: &tokio_postgres::Transaction<'_>) -> Result<(), strata_db::Error> {
//! use strata_db::audit::action::{self, ActionKind};
//!
//! let id = action::begin(tx, ActionKind::Edit, "Edited 1 cell in orders").await?;
//! tx.execute("UPDATE public.orders SET qty = 2 WHERE id = 1", &[]).await.unwrap();
//! # let _ = id; Ok(()) }
//! ```

pub mod action;
mod audited;
pub mod history;
pub mod prune;
pub mod steps;
pub mod undo;

use strata_sql::{Ident, QualifiedName};
use tokio_postgres::{GenericClient, Transaction};

use crate::{Error, migrate};

/// Prepares a user database for Strata, in the caller's transaction: applies the user database's
/// migrations and audits every table with a single-column primary key not audited yet. Returns
/// how many tables were newly audited.
pub async fn install(tx: &Transaction<'_>) -> Result<i32, Error> {
    migrate::migrate(tx, migrate::USER).await?;
    let audited = tx
        .query_one("SELECT strata.audit_all()", &[])
        .await
        .map_err(Error::postgres("auditing the database's tables"))?;
    Ok(audited.get(0))
}

/// Audits `table` (its quoted SQL name, as a [`QualifiedName`] displays) from now on if it is not
/// yet (cheap when it is). A table without a single-column primary key cannot be audited: false,
/// and nothing changes. So for a view (an earlier model's): its writes land in tables, which
/// are audited themselves.
pub async fn track(client: &impl GenericClient, table: &str) -> Result<bool, Error> {
    let row = client
        .query_one(
            "SELECT CASE WHEN c.relkind IN ('r', 'p') THEN strata.audit_table(c.oid) ELSE false END \
             FROM pg_class c WHERE c.oid = $1::text::regclass",
            &[&table],
        )
        .await
        .map_err(Error::postgres(format!("auditing {table}")))?;
    Ok(row.get(0))
}

/// `name`, a name PostgreSQL gave or keeps (catalog names always fit), as an identifier; a
/// failure is reported rather than panicking.
pub(crate) fn ident(name: impl Into<String>) -> Result<Ident, Error> {
    let name = name.into();
    Ident::new(name.as_str())
        .map_err(|err| Error::BadParameter { parameter: "name".into(), reason: format!("{name:?}: {err}") })
}

/// The object `name` of schema `strata` (a history or kept column's table, a retype's
/// function), quoted; a failure is reported as by [`ident`].
pub(crate) fn strata_name(name: impl Into<String>) -> Result<QualifiedName, Error> {
    Ok(QualifiedName::new(ident("strata")?, ident(name)?))
}
