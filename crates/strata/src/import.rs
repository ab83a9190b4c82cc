//! `strata import`: a spreadsheet into a new, natively typed table (or appended to one).
//!
//! The file is read twice (`strata_import::plan`, then the load), both times on blocking
//! threads, with a progress bar on a terminal. Creating and loading the table is one
//! transaction and one action (`import` or `append`, "Imported orders.csv into orders (1,000
//! rows)"): an error, or Ctrl-C, leaves the database as it was.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use strata_api::summary;
use strata_db::audit::action::{self, ActionKind};
use strata_db::load::{self, Destination, LoadError, Loaded, ProgressFn};
use strata_import::{DateOrder, ImportOptions, Phase, Plan, Progress, names};
use strata_sql::{Ident, QualifiedName};

use crate::cli::ImportArgs;
use crate::config::Database;
use crate::connect::UserDatabase;
use crate::out;

/// Runs `strata import`.
pub async fn run(args: ImportArgs, database: Database) -> anyhow::Result<()> {
    let started = Instant::now();
    let input = Input::open(&args.file)?;
    let shown = input.shown.clone();
    let options = ImportOptions {
        format: args.format,
        sheet: args.sheet.clone(),
        delimiter: args.delimiter,
        encoding: args.encoding,
        header: args.no_header.then_some(false),
        date_order: args.date_order,
        default_date_order: locale_date_order(),
    };
    let bar = Bar::new(args.json);
    let plan = {
        let (path, mut report) = (input.path().to_path_buf(), bar.reporter());
        tokio::task::spawn_blocking(move || strata_import::plan(&path, &options, &mut report))
            .await?
            .with_context(|| shown.clone())?
    };
    let schema = Ident::new(args.schema.clone().unwrap_or_else(|| "public".into())).context("invalid --schema")?;

    if args.dry_run {
        bar.finish();
        let table = match (&args.append_to, &args.table) {
            (Some(table), _) | (None, Some(table)) => table.clone(),
            (None, None) => names::table_name_from_path(&input.stem),
        };
        let table = QualifiedName::new(schema, Ident::new(table).context("invalid table name")?);
        return report(&args, &plan, &table, None, started);
    }

    let database = UserDatabase::open(database, args.db.clone()).await?;
    let mut client = database.address.connect().await?;
    let tx = client.transaction().await.context("starting the import")?;
    tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}")).await.context("creating the schema")?;
    let destination = match (&args.append_to, &args.table) {
        (Some(name), _) => Destination::Append {
            table: Ident::new(name.as_str()).context("invalid --append-to")?,
            mapping: load::Mapping::new(),
            entity_conflicts: args.entity_conflicts,
        },
        (None, Some(name)) => Destination::Create(Ident::new(name.as_str()).context("invalid --table")?),
        (None, None) => Destination::CreateFree(names::table_name_from_path(&input.stem)),
    };
    let append = matches!(destination, Destination::Append { .. });
    let kind = if append { ActionKind::Append } else { ActionKind::Import };
    let action = action::begin(&tx, kind, kind.as_str()).await?;
    let progress: ProgressFn = Box::new(bar.reporter());
    let (table, loaded) = load::import(&tx, &schema, &destination, input.path(), &plan, progress)
        .await
        .map_err(|err| match err {
            LoadError::EntityConflicts(_) => {
                anyhow::anyhow!("{err}\n--entity-conflicts update or --entity-conflicts keep says which")
            }
            err => err.into(),
        })
        .with_context(|| shown.clone())?;
    let summary = summary::import(&input.name, table.name.as_str(), loaded.rows, append);
    // COPY into a new table is not in its history: the loader counts the action's rows.
    action::describe(&tx, action, &summary, i64::try_from(loaded.rows).ok()).await?;
    tx.commit().await.context("committing the import")?;
    drop(client);
    database.close().await;
    bar.finish();
    report(&args, &plan, &table, Some(&loaded), started)
}

/// The file to read: the named file, or standard input spooled to a temporary file (the import
/// reads its input twice).
struct Input {
    path: PathBuf,
    stem: PathBuf,
    shown: String,
    /// Its file name, for the action's summary.
    name: String,
    _spool: Option<tempfile::NamedTempFile>,
}

impl Input {
    fn open(file: &Path) -> anyhow::Result<Input> {
        if file == Path::new("-") {
            let mut spool = tempfile::NamedTempFile::new().context("creating a temporary file for standard input")?;
            std::io::copy(&mut std::io::stdin().lock(), &mut spool).context("reading standard input")?;
            let path = spool.path().to_path_buf();
            let shown = String::from("standard input");
            return Ok(Input { path, stem: "-".into(), name: shown.clone(), shown, _spool: Some(spool) });
        }
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
        Ok(Input {
            path: file.to_path_buf(),
            stem: file.to_path_buf(),
            shown: file.display().to_string(),
            name: file
                .file_name()
                .map_or_else(|| file.display().to_string(), |name| name.to_string_lossy().into_owned()),
            _spool: None,
        })
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

/// The date order the environment's locale suggests, else month first.
fn locale_date_order() -> DateOrder {
    ["LC_ALL", "LC_TIME", "LANG"]
        .iter()
        .filter_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .find_map(|locale| DateOrder::from_locale(&locale))
        .unwrap_or_default()
}

/// A progress bar on stderr, drawn only on a terminal and never with `--json`.
#[derive(Clone)]
struct Bar {
    bar: ProgressBar,
}

impl Bar {
    fn new(json: bool) -> Bar {
        let bar = if json || !std::io::stderr().is_terminal() { ProgressBar::hidden() } else { ProgressBar::new(0) };
        bar.set_style(
            ProgressStyle::with_template("{msg:8} [{bar:30}] {bytes}/{total_bytes} {human_pos} rows ({eta})")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        Bar { bar }
    }

    fn reporter(&self) -> impl FnMut(Progress) + Send + 'static {
        let bar = self.bar.clone();
        move |progress: Progress| {
            bar.set_message(match progress.phase {
                Phase::Reading => "reading",
                Phase::Loading => "loading",
            });
            bar.set_length(progress.total_bytes);
            bar.set_position(progress.bytes);
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

fn report(
    args: &ImportArgs,
    plan: &Plan,
    table: &QualifiedName,
    loaded: Option<&Loaded>,
    started: Instant,
) -> anyhow::Result<()> {
    let rows = loaded.map_or(plan.rows, |l| l.rows);
    let columns: Vec<_> =
        plan.columns.iter().map(|c| json!({ "name": c.name, "type": c.column_type.sql_name() })).collect();
    let mut warnings = plan.warnings.clone();
    warnings.extend(loaded.and_then(|l| l.unmapped_warning(table)));
    let source = &plan.source;
    if args.json {
        let output = json!({
            "table": table.name.as_str(),
            "schema": table.schema.as_str(),
            "rows": rows,
            "columns": columns,
            "id_column": loaded.and_then(|l| l.id_column.clone()),
            "format": source.format.as_str(),
            "sheet": source.sheet,
            "encoding": source.encoding.name(),
            "delimiter": char::from(source.delimiter).to_string(),
            "header": source.header,
            "date_order": plan.date_order.as_str(),
            "appended": args.append_to.is_some(),
            "dry_run": args.dry_run,
            "warnings": warnings,
        });
        out::line(output)?;
        return Ok(());
    }
    let verb = match (args.dry_run, args.append_to.is_some()) {
        (true, false) => "Would import",
        (true, true) => "Would append",
        (false, false) => "Imported",
        (false, true) => "Appended",
    };
    let preposition = if args.append_to.is_some() { "to" } else { "into" };
    out::line(format_args!(
        "{verb} {rows} rows {preposition} {}.{} in {:.1} s",
        table.schema.as_str(),
        table.name.as_str(),
        started.elapsed().as_secs_f64()
    ))?;
    for column in &plan.columns {
        out::line(format_args!("  {:<30} {}", column.name, column.column_type.sql_name()))?;
    }
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    Ok(())
}
