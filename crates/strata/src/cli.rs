//! The command line, as clap parses it. Everything here is raw: [`crate::config`] resolves it
//! against the environment and `strata.toml` into settings.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

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
    /// Import a spreadsheet (CSV, TSV, XLSX, XLS, ODS, JSON) into a new, typed table.
    Import(ImportArgs),
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

/// `strata import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file to import; `-` reads standard input.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Name of the new table [default: the file's name without its extension].
    #[arg(long, value_name = "NAME")]
    pub table: Option<String>,

    /// Schema of the table [default: public].
    #[arg(long, value_name = "S")]
    pub schema: Option<String>,

    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Database in the embedded cluster [default: main].
    #[arg(long, short = 'd', value_name = "NAME")]
    pub db: Option<String>,

    /// The file's format [default: from its name or contents].
    #[arg(long, value_name = "FORMAT", value_parser = parse_with(strata_import::Format::from_str))]
    pub format: Option<strata_import::Format>,

    /// The workbook's sheet [default: the first non-empty one].
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,

    /// The delimiter of a text file, such as `;` or `tab` [default: sniffed].
    #[arg(long, value_name = "C", value_parser = parse_with(strata_import::ImportOptions::parse_delimiter))]
    pub delimiter: Option<u8>,

    /// The text encoding, such as utf-8, windows-1252, latin1, utf-16le [default: detected].
    #[arg(long, value_name = "E", value_parser = parse_with(strata_import::ImportOptions::parse_encoding))]
    pub encoding: Option<&'static strata_import::Encoding>,

    /// The first row is data, not column names.
    #[arg(long)]
    pub no_header: bool,

    /// How to read dates such as 03/04/2024 when the file does not decide [default: from the
    /// locale, else mdy].
    #[arg(long, value_name = "ORDER", value_parser = parse_with(strata_import::DateOrder::from_str))]
    pub date_order: Option<strata_import::DateOrder>,

    /// Append to this existing table instead, matching columns by name.
    #[arg(long, value_name = "TABLE", conflicts_with = "table")]
    pub append_to: Option<String>,

    /// Read the file and report what would be created, without writing anything.
    #[arg(long)]
    pub dry_run: bool,

    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Adapts a `fn(&str) -> Result<T, String>` to clap.
fn parse_with<T: Clone + Send + Sync + 'static>(
    parse: fn(&str) -> Result<T, String>,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static {
    move |text: &str| parse(text)
}

/// `strata psql`.
#[derive(Debug, Args)]
pub struct PsqlArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Database to open [default: the URL's, or `main` in the embedded cluster].
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

    /// Database the variables name [default: the URL's, or `main` in the embedded cluster].
    #[arg(long, short = 'd', value_name = "NAME")]
    pub db: Option<String>,

    /// The program and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}
