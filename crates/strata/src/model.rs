//! `strata model`: a schema's data models (`list`), and one step each (`extract`, `move`,
//! `merge`, `split` by columns or by rows, `rename`, `retype`, `add-column`, `drop-column`) made as one action of kind `model`
//! in one transaction (`strata_db::model::apply`), or previewed with `--dry-run` (nothing
//! changes). A refused step changes nothing and fails with one line per conflict. With `--json`
//! each prints what the HTTP API answers: the models, the preview, or the step made.

use std::fmt::Write as _;

use anyhow::Context;
use strata_api::{Model, ModelApplied, ModelPreview};
use strata_db::audit::action::{self, ActionKind};
use strata_db::model::{self, Change, ModelError, Preview};

use crate::audit::{aligned, in_transaction, print_json, when, with_client};
use crate::cli::{ColumnList, ModelCommand, ModelListArgs, SplitBy, StepArgs};
use crate::config::FileConfig;
use crate::out;

/// Runs `strata model ...`.
pub async fn run(command: ModelCommand, file: &FileConfig) -> anyhow::Result<()> {
    let (change, step) = match command {
        ModelCommand::List(args) => return list(args, file).await,
        ModelCommand::Extract(args) => {
            let key = names(&args.key)?;
            let change = Change::Extract { table: args.table, columns: columns(&args.columns)?, into: args.into, key };
            (change, args.step)
        }
        ModelCommand::Move(args) => {
            (Change::Move { table: args.table, columns: columns(&args.columns)?, link: args.link }, args.step)
        }
        ModelCommand::Merge(args) => (Change::Merge { table: args.table, link: args.link }, args.step),
        ModelCommand::Split(args) => (split(args.table, args.by, args.into)?, args.step),
        ModelCommand::Rename(args) => {
            let change = match args.column {
                Some(column) => Change::RenameColumn { table: args.table, column, to: args.to },
                None => Change::RenameTable { table: args.table, to: args.to },
            };
            (change, args.step)
        }
        ModelCommand::Retype(args) => {
            let change = Change::Retype {
                table: args.table,
                column: args.column,
                type_name: args.type_name,
                using: args.using,
                lossy: args.lossy,
            };
            (change, args.step)
        }
        ModelCommand::AddColumn(args) => {
            (Change::AddColumn { table: args.table, column: args.column, type_name: args.type_name }, args.step)
        }
        ModelCommand::DropColumn(args) => (Change::DropColumn { table: args.table, column: args.column }, args.step),
    };
    if step.dry_run { dry_run(&change, step, file).await } else { apply(&change, step, file).await }
}

/// `strata model list`: the models as a table, oldest first.
async fn list(args: ModelListArgs, file: &FileConfig) -> anyhow::Result<()> {
    let (schema, json) = (args.schema, args.target.json);
    let models = with_client(args.target, file, async |client, db| {
        strata_db::catalog::schema_must_exist(&*client, db, &schema).await?;
        Ok(model::list(&*client, &schema).await?)
    })
    .await?;
    let models: Vec<Model> = models.into_iter().map(Model::from).collect();
    if json {
        return print_json(&models);
    }
    let rows = models.iter().map(|m| {
        [
            m.id.to_string(),
            m.name.clone(),
            m.created_at.as_deref().map(when).unwrap_or_default(),
            m.pg_schema.clone(),
            if m.current { "current".into() } else { "views".into() },
            m.action.map(|id| id.to_string()).unwrap_or_default(),
            m.summary.clone(),
        ]
    });
    out::text(aligned(["ID", "NAME", "MADE", "SCHEMA", "AS", "ACTION", "STEP"], rows))?;
    Ok(())
}

/// Makes the step as one action; a refusal rolls everything back.
async fn apply(change: &Change, step: StepArgs, file: &FileConfig) -> anyhow::Result<()> {
    let (schema, json) = (step.schema, step.target.json);
    let made = in_transaction(step.target, file, async |tx, _| {
        let id = action::begin(tx, ActionKind::Model, ActionKind::Model.as_str()).await?;
        let applied = model::apply(tx, &schema, change).await?;
        action::describe(tx, id, &applied.preview.summary, None).await?;
        // The model the step was made from, now views: where to find it.
        let models = model::list(tx, &schema).await?;
        let earlier = models.iter().rev().find(|m| !m.current).map(|m| (m.name.clone(), m.pg_schema.clone()));
        Ok((id, applied, earlier))
    })
    .await;
    // A refusal is an error, so the transaction (the action with it) was rolled back.
    let (id, applied, earlier) = match made.map_err(anyhow::Error::downcast::<ModelError>) {
        Ok(made) => made,
        Err(Ok(ModelError::Refused(preview))) => return refused(*preview, json, "refused"),
        Err(Ok(other)) => return Err(other.into()),
        Err(Err(other)) => return Err(other),
    };
    if json {
        return print_json(&ModelApplied::from(applied));
    }
    let mut text = format!("{} (action {id})\n", applied.preview.summary);
    text.push_str(&changes(&applied.preview));
    let _ = write!(text, "Model {} is now the tables of {schema}", applied.model.name);
    if let Some((name, pg_schema)) = earlier {
        let _ = write!(text, "; model {name} stays readable and writable in schema {pg_schema}");
    }
    out::line(format_args!("{text}."))?;
    Ok(())
}

/// Says what the step would do, in a transaction that is rolled back.
async fn dry_run(change: &Change, step: StepArgs, file: &FileConfig) -> anyhow::Result<()> {
    let (schema, json) = (step.schema, step.target.json);
    let preview = with_client(step.target, file, async |client, db| {
        let tx = client.transaction().await.context("starting a transaction")?;
        strata_db::catalog::schema_must_exist(&tx, db, &schema).await?;
        let preview = model::preview(&tx, &schema, change).await?;
        // Nothing a preview tried stays.
        tx.rollback().await.context("ending the preview")?;
        Ok(preview)
    })
    .await?;
    if !preview.conflicts.is_empty() {
        return refused(preview, json, "would be refused");
    }
    if json {
        return print_json(&ModelPreview::from(preview));
    }
    out::line(format_args!(
        "Would make: {} (dry run, nothing changed)\n{}",
        preview.summary,
        changes(&preview).trim_end()
    ))?;
    Ok(())
}

/// What a step creates, removes and writes, a line each.
fn changes(preview: &Preview) -> String {
    let mut text = String::new();
    for created in &preview.creates {
        let _ = writeln!(text, "  creates {created}");
    }
    for removed in &preview.removes {
        let _ = writeln!(text, "  removes {removed}");
    }
    let _ = writeln!(text, "  writes  {} rows", strata_api::summary::count(preview.rows.unsigned_abs()));
    text
}

/// A refused step: its preview as JSON on stdout with `--json`, and an error that names each
/// conflict on a line of its own.
fn refused(preview: Preview, json: bool, verdict: &str) -> anyhow::Result<()> {
    let mut message = format!("{}: {verdict}, nothing was changed", preview.summary);
    for conflict in &preview.conflicts {
        let _ = write!(message, "\n  {}", model::describe_conflict(conflict));
    }
    if json {
        print_json(&ModelPreview::from(preview))?;
    }
    Err(anyhow::Error::msg(message))
}

/// `strata model split`'s step: by rows with `--rows`, else by columns (clap lets exactly one
/// of them through).
fn split(table: String, by: SplitBy, into: String) -> anyhow::Result<Change> {
    Ok(match by.rows {
        Some(condition) => Change::SplitRows { table, into, condition },
        None => Change::SplitColumns { table, columns: names(&by.columns)?, into },
    })
}

/// The columns of `--columns`, every value split.
fn columns(list: &ColumnList) -> anyhow::Result<Vec<String>> {
    names(&list.columns)
}

/// Names given as comma-separated lists, each flag's value split at commas not escaped as `\,`
/// (`\\` is a backslash; any other backslash stays as it is).
fn names(values: &[String]) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    for value in values {
        let mut name = String::new();
        let mut chars = value.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if matches!(chars.peek(), Some(',' | '\\')) => name.extend(chars.next()),
                ',' => names.push(std::mem::take(&mut name)),
                c => name.push(c),
            }
        }
        names.push(name);
    }
    if names.iter().any(String::is_empty) {
        anyhow::bail!("an empty column name in {values:?}; separate names with single commas");
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{Change, names, split};
    use crate::cli::{Cli, Command, ModelCommand};

    /// The step `strata model ARGS` asks for.
    fn asked(args: &[&str]) -> Change {
        let cli =
            Cli::try_parse_from([&["strata", "model"], args].concat()).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        match cli.command {
            Command::Model(ModelCommand::Split(args)) => split(args.table, args.by, args.into).unwrap(),
            Command::Model(ModelCommand::Merge(args)) => Change::Merge { table: args.table, link: args.link },
            other => panic!("{args:?} parsed as {other:?}"),
        }
    }

    #[test]
    fn a_split_takes_columns_or_rows() {
        let table = r#"Order "lines"; --"#;
        assert_eq!(
            asked(&["split", "--table", table, "--rows", r#""Zoë's qty" > 100 AND note <> ''"#, "--into", "big"]),
            Change::SplitRows {
                table: table.into(),
                into: "big".into(),
                condition: r#""Zoë's qty" > 100 AND note <> ''"#.into()
            }
        );
        assert_eq!(
            asked(&["split", "--table", table, "--columns", r"Note,Sales\, net", "--into", "notes"]),
            Change::SplitColumns {
                table: table.into(),
                columns: vec!["Note".into(), "Sales, net".into()],
                into: "notes".into()
            }
        );
    }

    #[test]
    fn a_merge_takes_the_table_and_its_link() {
        assert_eq!(
            asked(&["merge", "--table", "orders", "--link", "Client's \"id\"", "--schema", "s", "--dry-run", "--json"]),
            Change::Merge { table: "orders".into(), link: "Client's \"id\"".into() }
        );
    }

    #[test]
    fn column_lists_split_at_unescaped_commas() {
        let split = |values: &[&str]| names(&values.iter().map(|v| v.to_string()).collect::<Vec<_>>()).unwrap();
        assert_eq!(split(&["A,B"]), ["A", "B"]);
        assert_eq!(split(&["Customer Name", "City"]), ["Customer Name", "City"]);
        assert_eq!(split(&[r"Sales\, net,Zoë's"]), ["Sales, net", "Zoë's"]);
        assert_eq!(split(&[r"a\\,b"]), [r"a\", "b"]);
        assert_eq!(split(&[r#"C:\dir,"; drop table x; --"#]), [r"C:\dir", r#""; drop table x; --"#]);
        assert!(names(&["A,,B".to_string()]).is_err());
        assert!(names(&["A,".to_string()]).is_err());
    }
}
