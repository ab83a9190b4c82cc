//! The command line, as clap parses it. Everything here is raw: [`crate::config`] resolves it
//! against the environment and `strata.toml` into settings.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Strata: spreadsheets into real PostgreSQL databases.
#[derive(Debug, Parser)]
#[command(name = "strata", version, about, propagate_version = true)]
pub struct Cli {
    /// Configuration file [default: ./strata.toml when present].
    #[arg(long, global = true, env = "STRATA_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Strata's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app and the HTTP API.
    Serve(ServeArgs),
    /// Open psql on Strata's database (the embedded one unless --database-url is given).
    Psql(PsqlArgs),
    /// Run a program with PG* variables and DATABASE_URL pointing at Strata's database.
    Exec(ExecArgs),
}

/// Where the database is: `--database-url`, else the embedded cluster in `--data-dir`.
#[derive(Debug, Args, Default)]
pub struct DatabaseArgs {
    /// PostgreSQL URL (postgres://user:password@host:port/database) to use instead of the
    /// embedded database.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Where the embedded database lives [default: $XDG_DATA_HOME/strata; /var/lib/strata for root].
    #[arg(long, env = "STRATA_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Directory of PostgreSQL's server programs for the embedded database [default: searched].
    #[arg(long, env = "PG_BINDIR", value_name = "DIR")]
    pub pg_bindir: Option<PathBuf>,
}

/// `strata serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "STRATA_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,

    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// `strata psql`.
#[derive(Debug, Args)]
pub struct PsqlArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Database to open [default: the URL's, or `strata` for the embedded one].
    #[arg(long, short = 'd', value_name = "NAME")]
    pub db: Option<String>,

    /// Arguments for psql, after `--`.
    #[arg(last = true, value_name = "PSQL_ARGS")]
    pub args: Vec<OsString>,
}

/// `strata exec`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Database the variables name [default: the URL's, or `strata` for the embedded one].
    #[arg(long, short = 'd', value_name = "NAME")]
    pub db: Option<String>,

    /// The program and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}
