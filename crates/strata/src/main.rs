//! The `strata` binary: parses the command line, sets up logging, runs a command, and turns
//! errors into one clear message and a non-zero exit code.

mod audit;
mod cli;
mod config;
mod connect;
mod exec;
mod import;
mod model;
mod out;
mod serve;
mod signals;

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use crate::cli::{AuditCommand, Cli, Command};
use crate::config::{Database, FileConfig, Serve};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The server narrates its life; other commands speak only when something is wrong.
    let default_log = if matches!(cli.command, Command::Serve(_)) { "info" } else { "warn" };
    let result = FileConfig::load(cli.config.as_deref()).and_then(|file| {
        init_logging(&file, default_log);
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
        runtime.block_on(run(cli.command, file))
    });
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, file: FileConfig) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(args) => serve::run(Serve::resolve(args, &file)?).await.map(|()| ExitCode::SUCCESS),
        Command::Import(mut args) => {
            let database = Database::resolve(std::mem::take(&mut args.database), &file)?;
            import::run(args, database).await.map(|()| ExitCode::SUCCESS)
        }
        Command::Psql(args) => {
            let database = Database::resolve(args.database, &file)?;
            exec::run(database, args.db, "psql".into(), args.args).await
        }
        Command::Exec(mut args) => {
            let database = Database::resolve(args.database, &file)?;
            let program = args.command.remove(0);
            exec::run(database, args.db, program, args.command).await
        }
        Command::Actions(args) => audit::actions(args, &file).await.map(|()| ExitCode::SUCCESS),
        Command::Undo(args) => audit::undo(args, &file).await.map(|()| ExitCode::SUCCESS),
        Command::Redo(args) => audit::redo(args, &file).await.map(|()| ExitCode::SUCCESS),
        Command::History(args) => audit::history(args, &file).await.map(|()| ExitCode::SUCCESS),
        Command::Restore(args) => audit::restore(args, &file).await.map(|()| ExitCode::SUCCESS),
        Command::Audit(AuditCommand::Prune(args)) => audit::prune(args, &file).await.map(|()| ExitCode::SUCCESS),
        Command::Model(command) => model::run(command, &file).await.map(|()| ExitCode::SUCCESS),
    }
}

/// Logs go to stderr, filtered by `RUST_LOG`, else the file's `log`, else `default`.
fn init_logging(file: &FileConfig, default: &str) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(file.log.as_deref().unwrap_or(default)))
        .unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}
