//! `strata exec` and `strata psql`: other programs on Strata's database.
//!
//! The child gets `DATABASE_URL` and libpq's `PG*` variables. With the embedded database, a
//! running `strata serve` is joined; otherwise the cluster runs for the child's lifetime.

use std::ffi::OsString;
use std::process::ExitCode;

use anyhow::Context;
use strata_db::SystemDatabase;
use strata_db::embedded::EmbeddedServer;
use tokio::process::Command;

use crate::config::Database;
use crate::signals::shutdown_requested;

/// Runs `program args` against `database` (named `db`, or the default) and returns its exit code.
pub async fn run(
    database: Database,
    db: Option<String>,
    program: OsString,
    args: Vec<OsString>,
) -> anyhow::Result<ExitCode> {
    let (address, embedded) = match database {
        Database::External(address) => (address, None),
        Database::Embedded(options) => {
            let server = EmbeddedServer::open(&options).await?;
            // A fresh cluster has no system database until something creates it.
            let system = SystemDatabase::open(&server.address()).await?;
            (system.address, Some(server))
        }
    };
    let address = match db {
        Some(name) => address.with_database(&name),
        None => address,
    };
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
    if let Some(server) = embedded {
        server.close().await;
    }
    Ok(match status.code() {
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}
