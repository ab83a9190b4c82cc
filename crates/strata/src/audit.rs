//! The audit trail on the command line: `strata actions`, `undo`, `redo`, `history`, `restore`
//! and `audit prune`, each one transaction on the user database (`strata_db::audit`), printed
//! for people or, with `--json`, as the HTTP API answers.

use std::fmt::Write as _;

use anyhow::Context;
use serde::Serialize;
use serde_json::{Value, json};
use strata_api::{ActionJson, Actions, Restored, RowHistory, Version, summary};
use strata_db::audit::action::{self, ActionFilter, ActionInfo, ActionKind};
use strata_db::audit::history;
use strata_db::audit::prune;
use strata_db::audit::undo::{self, UndoError, Undone};
use strata_db::ddl::TablePath;
use strata_db::tokio_postgres::{Client, Transaction};

use crate::cli::{ActionsArgs, AuditTarget, HistoryArgs, PruneArgs, RedoArgs, RestoreArgs, UndoArgs};
use crate::config::{Database, FileConfig};
use crate::connect::UserDatabase;
use crate::out;

/// `strata actions`: a table of actions, newest first.
pub async fn actions(args: ActionsArgs, file: &FileConfig) -> anyhow::Result<()> {
    let table = args.table.as_deref().map(table_name).transpose()?;
    let filter = ActionFilter { table, limit: Some(args.limit), ..ActionFilter::default() };
    let json = args.target.json;
    let actions = with_client(args.target, file, async |client, _| Ok(action::list(&*client, &filter).await?)).await?;
    if json {
        return print_json(&actions.into_iter().map(ActionJson::from).collect::<Vec<_>>());
    }
    out::text(action_table(&actions))?;
    Ok(())
}

/// `strata undo`.
pub async fn undo(args: UndoArgs, file: &FileConfig) -> anyhow::Result<()> {
    let (id, cascade) = (args.id, args.cascade);
    let json = args.target.json;
    let undone = in_transaction(args.target, file, async |tx, _| undone(undo::undo(tx, id, cascade).await)).await?;
    print_undone(undone, json)
}

/// `strata redo`.
pub async fn redo(args: RedoArgs, file: &FileConfig) -> anyhow::Result<()> {
    let (id, json) = (args.id, args.target.json);
    let undone = in_transaction(args.target, file, async |tx, _| undone(undo::redo(tx, id).await)).await?;
    print_undone(undone, json)
}

/// `strata history`: every version of a row.
pub async fn history(args: HistoryArgs, file: &FileConfig) -> anyhow::Result<()> {
    let (schema, table) = table_name(&args.table)?;
    let json = args.target.json;
    let versions = with_client(args.target, file, async |client, db| {
        Ok(history::row_history(&*client, TablePath::new(db, &schema, &table), &args.row).await?)
    })
    .await?;
    let versions: Vec<Version> = versions.into_iter().map(Version::from).collect();
    if json {
        return print_json(&RowHistory { versions });
    }
    if versions.is_empty() {
        out::line(format_args!("No history for row {} of {schema}.{table}.", args.row))?;
    }
    for version in versions {
        let changed = if version.changed.is_empty() { String::new() } else { version.changed.join(", ") };
        out::line(format_args!(
            "action {}  {}  {}  {}  {}  {}",
            version.action,
            when(&version.at),
            version.user,
            version.change,
            changed,
            version.summary
        ))?;
        if let Some(values) = version.values {
            out::line(format_args!("    {}", Value::Object(values)))?;
        }
    }
    Ok(())
}

/// `strata restore`: deleted rows back, as one `restore` action.
pub async fn restore(args: RestoreArgs, file: &FileConfig) -> anyhow::Result<()> {
    let (schema, table) = table_name(&args.table)?;
    let json = args.target.json;
    let rows = args.rows;
    let (restored, info) = in_transaction(args.target, file, async |tx, db| {
        // Described once the count is known: a key given twice is restored once.
        let id = action::begin(tx, ActionKind::Restore, &summary::restore(&table, 0)).await?;
        let restored = history::restore(tx, TablePath::new(db, &schema, &table), &rows).await?;
        action::describe(tx, id, &summary::restore(&table, restored), None).await?;
        let info = action::get(tx, id).await?.context("the restore's action is gone")?;
        Ok((restored, info))
    })
    .await?;
    if json {
        return print_json(&Restored { restored, action: info.into() });
    }
    out::line(format_args!("{} (action {})", info.summary, info.id))?;
    Ok(())
}

/// `strata audit prune`.
pub async fn prune(args: PruneArgs, file: &FileConfig) -> anyhow::Result<()> {
    let (before, json) = (args.before, args.target.json);
    let pruned = in_transaction(args.target, file, async |tx, _| Ok(prune::prune(tx, &before).await?)).await?;
    if json {
        return print_json(&json!({ "actions": pruned.actions, "history_rows": pruned.history_rows }));
    }
    out::line(format_args!(
        "Forgot {} actions made before {before} and {} history rows.",
        summary::count(pruned.actions.unsigned_abs()),
        summary::count(pruned.history_rows.unsigned_abs())
    ))?;
    Ok(())
}

/// Runs `work` with a connection to the user database `target` names and that database's name,
/// then closes it.
pub(crate) async fn with_client<T>(
    target: AuditTarget,
    file: &FileConfig,
    work: impl AsyncFnOnce(&mut Client, &str) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let database = Database::resolve(target.database, file)?;
    let database = UserDatabase::open(database, target.db).await?;
    let mut client = database.address.connect().await?;
    let name = database.address.database().unwrap_or_default().to_string();
    let done = work(&mut client, &name).await;
    drop(client);
    database.close().await;
    done
}

/// Runs `work` in one transaction on the user database `target` names, committed if it succeeds.
pub(crate) async fn in_transaction<T>(
    target: AuditTarget,
    file: &FileConfig,
    work: impl AsyncFnOnce(&Transaction<'_>, &str) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    with_client(target, file, async |client, name| {
        let tx = client.transaction().await.context("starting a transaction")?;
        let done = work(&tx, name).await?;
        tx.commit().await.context("committing")?;
        Ok(done)
    })
    .await
}

/// `--table`: `schema.table` or a table in `public`.
fn table_name(text: &str) -> anyhow::Result<(String, String)> {
    strata_api::table_name(text).map_err(|reason| anyhow::anyhow!("invalid --table: {reason}"))
}

/// An undo's or redo's outcome, its refusal as one message with a line per conflict.
fn undone(result: Result<Undone, UndoError>) -> anyhow::Result<Undone> {
    let err = match result {
        Ok(undone) => return Ok(undone),
        Err(err) => err,
    };
    let mut message = err.to_string();
    match err {
        UndoError::Conflict { conflicts, .. } => {
            for conflict in conflicts {
                let rows = match conflict.keys.len() as i64 {
                    0 => String::new(),
                    shown if shown < conflict.rows => {
                        format!(", rows {} and {} more", conflict.keys.join(", "), conflict.rows - shown)
                    }
                    _ => format!(", rows {}", conflict.keys.join(", ")),
                };
                let columns = if conflict.columns.is_empty() {
                    String::new()
                } else {
                    format!(", columns {}", conflict.columns.join(", "))
                };
                let _ = write!(
                    message,
                    "\n  action {} ({}, {} at {}): {}{rows}{columns}: {}",
                    conflict.action.id,
                    conflict.action.summary,
                    conflict.action.user,
                    when(&conflict.action.at),
                    conflict.table,
                    conflict.reason
                );
            }
            Err(anyhow::Error::msg(message))
        }
        other => Err(other.into()),
    }
}

/// What an undo or redo made: one line per action ("Action 9: Undid: Edited 1 cell in orders"),
/// or `{"actions": [...]}` as the API answers.
fn print_undone(undone: Undone, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(&Actions::from(undone));
    }
    for made in undone.actions {
        out::line(format_args!("Action {}: {}", made.id, made.summary))?;
    }
    Ok(())
}

/// Actions as a table: id, when, user, kind, summary, rows, state.
fn action_table(actions: &[ActionInfo]) -> String {
    let headers = ["ID", "WHEN", "USER", "KIND", "SUMMARY", "ROWS", "STATE"];
    let rows = actions.iter().map(|a| {
        let state = match (a.undone, a.undone_by) {
            (true, Some(by)) => format!("undone by {by}"),
            (true, None) => "undone".into(),
            (false, _) => String::new(),
        };
        [
            a.id.to_string(),
            when(&a.at),
            a.user.clone(),
            a.kind.clone(),
            a.summary.clone(),
            summary::count(a.rows.unsigned_abs()),
            state,
        ]
    });
    let mut table = aligned(headers, rows);
    if actions.is_empty() {
        table.push_str("No actions yet.\n");
    }
    table
}

/// `rows` under `headers` in columns two spaces apart, each as wide as its widest cell.
pub(crate) fn aligned<const N: usize>(headers: [&str; N], rows: impl IntoIterator<Item = [String; N]>) -> String {
    let rows: Vec<[String; N]> = rows.into_iter().collect();
    let mut widths = headers.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut table = String::new();
    for row in std::iter::once(headers.map(String::from)).chain(rows) {
        let cells: Vec<String> = row.iter().zip(widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        let _ = writeln!(table, "{}", cells.join("  ").trim_end());
    }
    table
}

/// A timestamp as people read it: `2026-11-26 04:20:13`, its zone and fraction left out.
pub(crate) fn when(at: &str) -> String {
    at.get(..19).unwrap_or(at).replace('T', " ")
}

/// `value` as one line of JSON on stdout.
pub(crate) fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    out::line(serde_json::to_string(value)?)?;
    Ok(())
}
