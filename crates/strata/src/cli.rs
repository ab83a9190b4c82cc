//! The command line, as clap parses it. Everything here is raw: [`crate::config`] resolves it
//! against the environment and `strata.toml` into settings.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand};
use strata_db::model::bulk::EntityConflicts;

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
    /// List the changes made to a database (actions), newest first.
    Actions(ActionsArgs),
    /// Undo an action, as a new action; refused if later actions changed the same data.
    Undo(UndoArgs),
    /// Redo an undone action.
    Redo(RedoArgs),
    /// Show every version of a row, newest first.
    History(HistoryArgs),
    /// Put deleted rows back, with their old keys.
    Restore(RestoreArgs),
    /// Look after the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Refine a schema's data model step by step; every earlier model stays readable and
    /// writable as views in a schema of its own (public_v1, ...).
    #[command(subcommand)]
    Model(ModelCommand),
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

/// The database an audit or model command works on, and how it answers.
#[derive(Debug, Args)]
pub struct AuditTarget {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Database in the embedded cluster [default: main].
    #[arg(long, short = 'd', value_name = "NAME")]
    pub db: Option<String>,

    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `strata actions`.
#[derive(Debug, Args)]
pub struct ActionsArgs {
    /// Only actions that changed this table: `schema.table`, or a table in `public`.
    #[arg(long, value_name = "T")]
    pub table: Option<String>,

    /// Show at most this many, 1 to 1000.
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=1000))]
    pub limit: i64,

    #[command(flatten)]
    pub target: AuditTarget,
}

/// `strata undo`.
#[derive(Debug, Args)]
pub struct UndoArgs {
    /// The action to undo (its id, as `strata actions` lists it).
    #[arg(value_name = "ACTION_ID")]
    pub id: i64,

    /// Undo the later actions in the way first, newest first.
    #[arg(long)]
    pub cascade: bool,

    #[command(flatten)]
    pub target: AuditTarget,
}

/// `strata redo`.
#[derive(Debug, Args)]
pub struct RedoArgs {
    /// The undone action to redo.
    #[arg(value_name = "ACTION_ID")]
    pub id: i64,

    #[command(flatten)]
    pub target: AuditTarget,
}

/// `strata history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The table: `schema.table`, or a table in `public`.
    #[arg(long, value_name = "T")]
    pub table: String,

    /// The row's primary key value.
    #[arg(long, value_name = "KEY")]
    pub row: String,

    #[command(flatten)]
    pub target: AuditTarget,
}

/// `strata restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The table: `schema.table`, or a table in `public`.
    #[arg(long, value_name = "T")]
    pub table: String,

    /// A deleted row's primary key value; repeat for several.
    #[arg(long = "row", value_name = "KEY", required = true)]
    pub rows: Vec<String>,

    #[command(flatten)]
    pub target: AuditTarget,
}

/// `strata audit ...`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Forget the actions made before a date, and what was kept to undo them.
    Prune(PruneArgs),
}

/// `strata audit prune`.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Forget actions older than this: a date or timestamp PostgreSQL reads (2026-01-01).
    #[arg(long, value_name = "DATE")]
    pub before: String,

    #[command(flatten)]
    pub target: AuditTarget,
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

    /// Append to this existing table instead, matching columns by name. A table of an earlier
    /// model is appended to in that model's format (--schema public_v1).
    #[arg(long, value_name = "TABLE", conflicts_with = "table")]
    pub append_to: Option<String>,

    /// Appending to a table of an earlier model: what to do with rows that disagree with the
    /// rows they link to (a customer's city): cancel (write nothing, list them), update those
    /// rows to the file's values, or keep them as they are.
    #[arg(long, value_name = "WHAT", default_value = "cancel", requires = "append_to",
          value_parser = parse_with(parse_entity_conflicts))]
    pub entity_conflicts: EntityConflicts,

    /// Read the file and report what would be created, without writing anything.
    #[arg(long)]
    pub dry_run: bool,

    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `--entity-conflicts`: `cancel`, `update` or `keep`.
fn parse_entity_conflicts(text: &str) -> Result<EntityConflicts, String> {
    match text {
        "cancel" => Ok(EntityConflicts::Cancel),
        "update" => Ok(EntityConflicts::Update),
        "keep" => Ok(EntityConflicts::Keep),
        _ => Err("use cancel, update or keep".into()),
    }
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

/// `strata model ...`: one step each, or the list.
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// List the schema's models, oldest first.
    List(ModelListArgs),
    /// Extract columns into a new table, one row per distinct key, linked by a new foreign key.
    Extract(ExtractArgs),
    /// Move columns along a foreign key to the table it references.
    Move(MoveArgs),
    /// Merge the table a link column references back into the table (an extraction's inverse).
    #[command(after_help = MERGE_EXAMPLES)]
    Merge(MergeArgs),
    /// Split columns off into a new table with the same key (one row per row), or the rows for
    /// which a condition holds into a new table with the same columns.
    #[command(after_help = SPLIT_EXAMPLES)]
    Split(SplitArgs),
    /// Rename a table, or one of its columns.
    Rename(RenameArgs),
    /// Change a column's type, by a cast or an expression.
    Retype(RetypeArgs),
    /// Add a column.
    AddColumn(AddColumnArgs),
    /// Drop a column; earlier models keep its values.
    DropColumn(DropColumnArgs),
}

/// `strata model list`.
#[derive(Debug, Args)]
pub struct ModelListArgs {
    /// The schema [default: public].
    #[arg(long, value_name = "S", default_value = "public")]
    pub schema: String,

    #[command(flatten)]
    pub target: AuditTarget,
}

/// What every step takes: where, and whether to make it or only say what it would do.
#[derive(Debug, Args)]
pub struct StepArgs {
    /// The schema [default: public].
    #[arg(long, value_name = "S", default_value = "public")]
    pub schema: String,

    /// Say what the step would do (and what refuses it), changing nothing.
    #[arg(long)]
    pub dry_run: bool,

    #[command(flatten)]
    pub target: AuditTarget,
}

/// The columns a step takes.
#[derive(Debug, Args)]
pub struct ColumnList {
    /// The columns, comma-separated ("Customer Name,City"; `\,` for a comma in a name, `\\` for
    /// a backslash), or the flag repeated.
    #[arg(long = "columns", value_name = "A,B", required = true)]
    pub columns: Vec<String>,
}

/// `strata model extract`.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// The table.
    #[arg(long, value_name = "T")]
    pub table: String,

    #[command(flatten)]
    pub columns: ColumnList,

    /// The new table.
    #[arg(long, value_name = "NAME")]
    pub into: String,

    /// The extracted columns that identify a row of the new table, as for --columns [default:
    /// all of them].
    #[arg(long, value_name = "A,B")]
    pub key: Vec<String>,

    #[command(flatten)]
    pub step: StepArgs,
}

/// `strata model move`.
#[derive(Debug, Args)]
pub struct MoveArgs {
    /// The table.
    #[arg(long, value_name = "T")]
    pub table: String,

    #[command(flatten)]
    pub columns: ColumnList,

    /// The foreign key column to move them along.
    #[arg(long, value_name = "COLUMN")]
    pub link: String,

    #[command(flatten)]
    pub step: StepArgs,
}

/// `strata model merge`'s examples, below its options.
const MERGE_EXAMPLES: &str = r#"Examples:
  # Fold customers back into orders: its columns take the place of customers_id.
  strata model merge --table orders --link customers_id
  # Only say what it would do, and what would refuse it.
  strata model merge --table orders --link customers_id --dry-run"#;

/// `strata model merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The table that links to the one to merge.
    #[arg(long, value_name = "T")]
    pub table: String,

    /// Its foreign key column: the table it references is merged back and goes (earlier models
    /// keep it).
    #[arg(long, value_name = "COLUMN")]
    pub link: String,

    #[command(flatten)]
    pub step: StepArgs,
}

/// `strata model split`'s examples, below its options.
const SPLIT_EXAMPLES: &str = r#"Examples:
  # Columns: one row of people_notes per row of people, with the same id.
  strata model split --table people --columns "Note,Photo" --into people_notes
  # Rows: the orders over 100 move to big_orders, keys and all.
  strata model split --table orders --rows 'amount > 100' --into big_orders
  # A column named with capitals or spaces is double-quoted, as in SQL.
  strata model split --table orders --rows "\"Order Date\" < '2024-01-01'" --into old_orders"#;

/// `strata model split`.
#[derive(Debug, Args)]
pub struct SplitArgs {
    /// The table.
    #[arg(long, value_name = "T")]
    pub table: String,

    #[command(flatten)]
    pub by: SplitBy,

    /// The new table.
    #[arg(long, value_name = "NAME")]
    pub into: String,

    #[command(flatten)]
    pub step: StepArgs,
}

/// What a split takes off a table: columns or rows, exactly one of them.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct SplitBy {
    /// The columns to split off, comma-separated ("Note,Photo"; `\,` for a comma in a name, `\\`
    /// for a backslash), or the flag repeated.
    #[arg(long, value_name = "A,B")]
    pub columns: Vec<String>,

    /// The rows to split off: an SQL condition over the table's columns, named as they are
    /// ('amount > 100'); the rows for which it is true move to the new table.
    #[arg(long, value_name = "CONDITION", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub rows: Option<String>,
}

/// `strata model rename`.
#[derive(Debug, Args)]
pub struct RenameArgs {
    /// The table.
    #[arg(long, value_name = "T")]
    pub table: String,

    /// Rename this column of the table instead of the table.
    #[arg(long, value_name = "C")]
    pub column: Option<String>,

    /// The new name.
    #[arg(long, value_name = "NEW")]
    pub to: String,

    #[command(flatten)]
    pub step: StepArgs,
}

/// `strata model retype`.
#[derive(Debug, Args)]
pub struct RetypeArgs {
    /// The table.
    #[arg(long, value_name = "T")]
    pub table: String,

    /// The column.
    #[arg(long, value_name = "C")]
    pub column: String,

    /// The new type, such as integer or numeric(10,2).
    #[arg(long = "type", value_name = "TYPE")]
    pub type_name: String,

    /// An SQL expression over the column computing the new value, such as "Price" * 100.
    #[arg(long, value_name = "EXPR")]
    pub using: Option<String>,

    /// Accept that earlier models read some values differently ('007' becomes 7, read back as '7').
    #[arg(long)]
    pub lossy: bool,

    #[command(flatten)]
    pub step: StepArgs,
}

/// `strata model add-column`.
#[derive(Debug, Args)]
pub struct AddColumnArgs {
    /// The table.
    #[arg(long, value_name = "T")]
    pub table: String,

    /// The new column.
    #[arg(long, value_name = "C")]
    pub column: String,

    /// Its type, such as text or date.
    #[arg(long = "type", value_name = "TYPE")]
    pub type_name: String,

    #[command(flatten)]
    pub step: StepArgs,
}

/// `strata model drop-column`.
#[derive(Debug, Args)]
pub struct DropColumnArgs {
    /// The table.
    #[arg(long, value_name = "T")]
    pub table: String,

    /// The column.
    #[arg(long, value_name = "C")]
    pub column: String,

    #[command(flatten)]
    pub step: StepArgs,
}

#[cfg(test)]
mod tests {
    use clap::error::ErrorKind;
    use clap::{CommandFactory, Parser};

    use super::Cli;

    /// How clap refuses `strata model ARGS`.
    fn refusal(args: &[&str]) -> ErrorKind {
        match Cli::try_parse_from([&["strata", "model"], args].concat()) {
            Ok(cli) => panic!("{args:?} parsed as {cli:?}"),
            Err(err) => err.kind(),
        }
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_split_takes_exactly_one_of_columns_and_rows() {
        let both = ["split", "--table", "t", "--columns", "a", "--rows", "a > 1", "--into", "x"];
        assert_eq!(refusal(&both), ErrorKind::ArgumentConflict);
        assert_eq!(refusal(&["split", "--table", "t", "--into", "x"]), ErrorKind::MissingRequiredArgument);
        assert_eq!(refusal(&["split", "--table", "t", "--rows", "", "--into", "x"]), ErrorKind::InvalidValue);
        assert_eq!(refusal(&["split", "--table", "t", "--rows", "a > 1"]), ErrorKind::MissingRequiredArgument);
        assert_eq!(
            refusal(&["split", "--table", "t", "--rows", "a > 1", "--rows", "b", "--into", "x"]),
            ErrorKind::ArgumentConflict
        );
    }

    #[test]
    fn a_merge_needs_its_table_and_link() {
        assert_eq!(refusal(&["merge", "--table", "t"]), ErrorKind::MissingRequiredArgument);
        assert_eq!(refusal(&["merge", "--link", "l"]), ErrorKind::MissingRequiredArgument);
        assert_eq!(refusal(&["merge", "--table", "t", "--link", "l", "--columns", "a"]), ErrorKind::UnknownArgument);
    }

    #[test]
    fn the_help_of_merge_and_split_shows_examples() {
        for (command, example) in [("merge", "--link customers_id"), ("split", "--rows 'amount > 100'")] {
            let mut cli = Cli::command();
            let help = cli.find_subcommand_mut("model").unwrap().find_subcommand_mut(command).unwrap().render_help();
            let help = help.to_string();
            assert!(help.contains("Examples:") && help.contains(example), "{help}");
        }
    }
}
