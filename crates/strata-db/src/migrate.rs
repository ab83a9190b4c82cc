//! Strata's own schema, created by versioned migrations.
//!
//! Each migration is SQL embedded in the binary. [`migrate`] applies the ones a database lacks,
//! in order, inside the caller's transaction and under an advisory lock, and records each in
//! `strata.schema_migration`. Running it again changes nothing, and two Strata processes
//! starting at once do not race.

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

/// The system database's migrations (users, sessions, tokens, the registry of databases).
pub const SYSTEM: &[Migration] = &[Migration {
    version: 1,
    name: "user database registry",
    sql: include_str!("../migrations/0001_user_database.sql"),
}];

/// Applies the migrations `all` that the database lacks and returns their versions. The caller
/// commits.
pub async fn migrate(tx: &Transaction<'_>, all: &[Migration]) -> Result<Vec<i32>, Error> {
    // One lock for every Strata process on this database, held until the transaction ends.
    tx.execute("SELECT pg_advisory_xact_lock(hashtext('strata.migrate'))", &[])
        .await
        .map_err(Error::postgres("waiting for the migration lock"))?;
    tx.batch_execute(
        "CREATE SCHEMA IF NOT EXISTS strata;
         CREATE TABLE IF NOT EXISTS strata.schema_migration (
             version     integer PRIMARY KEY,
             name        text NOT NULL,
             applied_at  timestamptz NOT NULL DEFAULT now()
         );",
    )
    .await
    .map_err(Error::postgres("creating strata.schema_migration"))?;
    let newest: Option<i32> = tx
        .query_one("SELECT max(version) FROM strata.schema_migration", &[])
        .await
        .map_err(Error::postgres("reading strata.schema_migration"))?
        .get(0);
    let newest = newest.unwrap_or(0);
    let known = all.iter().map(|m| m.version).max().unwrap_or(0);
    if newest > known {
        let database: String = tx
            .query_one("SELECT current_database()", &[])
            .await
            .map_err(Error::postgres("reading the database name"))?
            .get(0);
        return Err(Error::NewerSchema { database, found: newest, known });
    }
    let mut applied = Vec::new();
    for migration in all.iter().filter(|m| m.version > newest) {
        let context = format!("applying migration {} ({})", migration.version, migration.name);
        tx.batch_execute(migration.sql).await.map_err(Error::postgres(context.clone()))?;
        tx.execute(
            "INSERT INTO strata.schema_migration (version, name) VALUES ($1, $2)",
            &[&migration.version, &migration.name],
        )
        .await
        .map_err(Error::postgres(context))?;
        applied.push(migration.version);
    }
    Ok(applied)
}
