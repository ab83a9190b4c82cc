//! `strata exec` and `strata psql`: other programs on Strata's database.
//!
//! The child gets `DATABASE_URL` and libpq's `PG*` variables for the database `UserDatabase`
//! resolves.

use std::ffi::OsString;
use std::process::ExitCode;

use anyhow::Context;
use tokio::process::Command;

use crate::config::Database;
use crate::connect::UserDatabase;
use crate::signals::shutdown_requested;

/// Runs `program args` against `database` (named `db`, or the default) and returns its exit code.
pub async fn run(
    database: Database,
    db: Option<String>,
    program: OsString,
    args: Vec<OsString>,
) -> anyhow::Result<ExitCode> {
    let database = UserDatabase::open(database, db).await?;
    let address = &database.address;
    let mut command = Command::new(&program);
    command.args(args).env("DATABASE_URL", address.libpq_url());
    for name in ["PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSERVICE"] {
        command.env_remove(name);
    }
    command.envs(address.libpq_env());
    let mut child = command.spawn().with_context(|| format!("cannot run {}", program.to_string_lossy()))?;
    // Ctrl-C reaches the child directly (same terminal); we just keep waiting for it, as a shell does.
    let status = loop {
        tokio::select! {
            status = child.wait() => break status.context("waiting for the program")?,
            () = shutdown_requested() => {}
        }
    };
    database.close().await;
    Ok(match status.code() {
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}
