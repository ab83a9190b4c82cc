//! Strata's own schema, created by versioned migrations.
//!
//! Each migration is SQL embedded in the binary. [`migrate`] applies the ones a database lacks,
//! in order, inside the caller's transaction and under an advisory lock, and records each in its
//! set's ledger (`strata.schema_migration` for [`SYSTEM`], `strata.user_migration` for [`USER`]).
//! Running it again changes nothing, and two Strata processes starting at once do not race.

use tokio_postgres::Transaction;

use crate::Error;

/// One step of Strata's schema.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Its number; migrations apply in ascending order.
    pub version: i32,
    /// A short description, recorded with it.
    pub name: &'static str,
    /// The statements.
    pub sql: &'static str,
}

/// A list of migrations and the table in schema `strata` that records which were applied.
#[derive(Debug, Clone, Copy)]
pub struct Migrations<'a> {
    /// The ledger table's name (a constant, never user text).
    pub ledger: &'static str,
    /// The migrations, by ascending version.
    pub list: &'a [Migration],
}

impl<'a> Migrations<'a> {
    /// Every migration of the set.
    pub fn iter(&self) -> impl Iterator<Item = &'a Migration> + use<'a> {
        self.list.iter()
    }
}

/// The system database's migrations (users, sessions, tokens, the registry of databases).
pub const SYSTEM: Migrations<'static> = Migrations {
    ledger: "schema_migration",
    list: &[Migration {
        version: 1,
        name: "user database registry",
        sql: include_str!("../migrations/0001_user_database.sql"),
    }],
};

/// Every user database's migrations: the audit trail and the actions (DESIGN §6).
pub const USER: Migrations<'static> = Migrations {
    ledger: "user_migration",
    list: &[
        Migration { version: 1, name: "audit trail", sql: include_str!("../migrations/user/0001_audit.sql") },
        Migration { version: 2, name: "models", sql: include_str!("../migrations/user/0002_models.sql") },
    ],
};

/// Applies the migrations of `set` that the database lacks and returns their versions. The caller
/// commits.
pub async fn migrate(tx: &Transaction<'_>, set: Migrations<'_>) -> Result<Vec<i32>, Error> {
    let ledger = set.ledger;
    // One lock for every Strata process on this database, held until the transaction ends.
    tx.execute("SELECT pg_advisory_xact_lock(hashtext('strata.migrate'))", &[])
        .await
        .map_err(Error::postgres("waiting for the migration lock"))?;
    tx.batch_execute(&format!(
        "SET LOCAL client_min_messages = warning;
         CREATE SCHEMA IF NOT EXISTS strata;
         CREATE TABLE IF NOT EXISTS strata.{ledger} (
             version     integer PRIMARY KEY,
             name        text NOT NULL,
             applied_at  timestamptz NOT NULL DEFAULT now()
         );"
    ))
    .await
    .map_err(Error::postgres(format!("creating strata.{ledger}")))?;
    let newest: Option<i32> = tx
        .query_one(&format!("SELECT max(version) FROM strata.{ledger}"), &[])
        .await
        .map_err(Error::postgres(format!("reading strata.{ledger}")))?
        .get(0);
    let newest = newest.unwrap_or(0);
    let known = set.iter().map(|m| m.version).max().unwrap_or(0);
    if newest > known {
        let database: String = tx
            .query_one("SELECT current_database()", &[])
            .await
            .map_err(Error::postgres("reading the database name"))?
            .get(0);
        return Err(Error::NewerSchema { database, found: newest, known });
    }
    let mut applied = Vec::new();
    for migration in set.iter().filter(|m| m.version > newest) {
        let context = format!("applying migration {} ({})", migration.version, migration.name);
        tx.batch_execute(migration.sql).await.map_err(Error::postgres(context.clone()))?;
        tx.execute(
            &format!("INSERT INTO strata.{ledger} (version, name) VALUES ($1, $2)"),
            &[&migration.version, &migration.name],
        )
        .await
        .map_err(Error::postgres(context))?;
        applied.push(migration.version);
    }
    Ok(applied)
}
