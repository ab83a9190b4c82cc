//! Loading an import into PostgreSQL: a new table, or rows appended to an existing one.
//!
//! Both run inside the caller's transaction: the caller commits, and any failure (a bad value,
//! a full disk, a dropped connection, Ctrl-C) leaves nothing behind. The file is encoded to
//! binary COPY on a thread of its own while this task streams the chunks to the server, so
//! parsing and PostgreSQL's work overlap.
//!
//! A new table is created, filled with `COPY ... (FORMAT binary, FREEZE)` (its rows need no
//! later vacuum to be visible to all), then given its primary key (one index build beats a
//! million inserts into it) and analyzed so row estimates are right at once.
//!
//! Both are recorded in the audit trail: a new table is audited after its COPY (the imported rows
//! are not history; undoing the import moves the table to the trash) and is a structure step of
//! the transaction's action; a table appended to is audited before the rows go in, so they are
//! history like any insert.
//!
//! An append to a view of an earlier model (DESIGN §5) goes through [`model::bulk::insert`]:
//! set-based statements into the physical tables (which record the history), not the view's
//! row-by-row triggers.

use std::collections::BTreeMap;
use std::path::Path;
use std::pin::pin;

use bytes::Bytes;
use futures_util::SinkExt;
use strata_import::{ColumnType, ImportError, Leading, Plan, PlannedColumn, Progress, names};
use strata_sql::{Ident, IdentError, QualifiedName};
use tokio::sync::mpsc;
use tokio_postgres::{GenericClient, Transaction};

use crate::Error;
use crate::audit::{self, steps};
use crate::model;
use crate::model::bulk::{BulkError, EntityConflict, EntityConflicts};

/// Chunks of COPY data in flight between the encoder and the server.
const CHUNKS_IN_FLIGHT: usize = 4;

/// Why a load failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read or a value did not convert.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// PostgreSQL refused or failed.
    #[error(transparent)]
    Database(#[from] Error),
    /// A name cannot be a PostgreSQL name.
    #[error(transparent)]
    Name(#[from] IdentError),
    /// The table to create exists already.
    #[error("the table {0} already exists; choose another name, or append to it")]
    TableExists(String),
    /// The table to append to does not exist.
    #[error("there is no table {0} to append to")]
    NoSuchTable(String),
    /// The table refused a row (a value its type or constraints do not accept).
    #[error("{}: {reason}", refused_at(row))]
    Refused {
        /// Which row, column and value.
        row: RefusedRow,
        /// What PostgreSQL said.
        reason: String,
    },
    /// A column mapping for an append that cannot apply.
    #[error("{0}")]
    Mapping(String),
    /// No column of the file matches a column of the table.
    #[error("no column of the file matches a column of {table} (its columns: {columns})")]
    NothingMapped {
        /// The table.
        table: String,
        /// Its columns.
        columns: String,
    },
    /// Rows appended through an earlier model disagree with the rows they link to (an extracted
    /// customer's city), under [`EntityConflicts::Cancel`]: nothing was written.
    #[error("{}", entity_conflicts(.0))]
    EntityConflicts(Vec<EntityConflict>),
}

impl LoadError {
    /// The line of the file the error is at, when it is at one.
    pub fn line(&self) -> Option<u64> {
        match self {
            LoadError::Import(err) => err.line(),
            LoadError::Refused { row, .. } => Some(row.line),
            _ => None,
        }
    }

    /// The column (of the file, or of the table appended to) whose value is to blame, when one is.
    pub fn column(&self) -> Option<&str> {
        match self {
            LoadError::Import(err) => err.column(),
            LoadError::Refused { row, .. } => row.column.as_deref(),
            _ => None,
        }
    }
}

/// How many conflicts [`LoadError::EntityConflicts`] lists; the rest are counted.
const CONFLICTS_LISTED: usize = 20;

/// The conflicts of an append, one line each: which entity, which column, its value and the file's.
fn entity_conflicts(conflicts: &[EntityConflict]) -> String {
    let rows: i64 = conflicts.iter().map(|c| c.rows).sum();
    let mut text = format!(
        "{rows} rows of the file disagree with the rows they link to; nothing was written. Correct the file, \
         or choose to update those rows to the file's values or to keep them"
    );
    let value = |value: &Option<String>| value.as_ref().map_or_else(|| "NULL".to_string(), |v| format!("{v:?}"));
    for conflict in conflicts.iter().take(CONFLICTS_LISTED) {
        text.push_str(&format!(
            "\n  {} {}: {:?} is {}, the file says {} ({} rows)",
            conflict.table,
            serde_json::Value::Object(conflict.key.clone()),
            conflict.column,
            value(&conflict.existing),
            value(&conflict.written),
            conflict.rows
        ));
    }
    if conflicts.len() > CONFLICTS_LISTED {
        text.push_str(&format!("\n  and {} more", conflicts.len() - CONFLICTS_LISTED));
    }
    text
}

fn refused_at(row: &RefusedRow) -> String {
    match (&row.column, &row.value) {
        (Some(column), Some(value)) => format!("line {}, column {column:?}: {value:?} was refused", row.line),
        (Some(column), None) => format!("line {}, column {column:?}: the empty value was refused", row.line),
        _ => format!("line {}: the row was refused", row.line),
    }
}

/// What a load did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// Rows written.
    pub rows: u64,
    /// The surrogate key's column (new tables).
    pub id_column: Option<String>,
    /// File columns that matched no table column and were left out (appends).
    pub unmapped: Vec<String>,
}

impl Loaded {
    /// The warning about file columns an append left out, if it left any.
    pub fn unmapped_warning(&self, table: &QualifiedName) -> Option<String> {
        if self.unmapped.is_empty() {
            return None;
        }
        let names: Vec<String> = self.unmapped.iter().map(|n| format!("{n:?}")).collect();
        Some(format!("columns not in {table} were left out: {}", names.join(", ")))
    }
}

/// A progress callback that can travel to the encoding thread.
pub type ProgressFn = Box<dyn FnMut(Progress) + Send>;

/// Whether `table` exists (as a table, view or other relation).
pub async fn relation_exists(tx: &Transaction<'_>, table: &QualifiedName) -> Result<bool, Error> {
    let row = tx
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table.to_string()])
        .await
        .map_err(Error::postgres("looking up the table"))?;
    Ok(row.get(0))
}

/// `name`, or `name_2`, `name_3`, … whichever names no relation in `schema` yet.
pub async fn free_table_name(client: &impl GenericClient, schema: &Ident, name: &str) -> Result<Ident, LoadError> {
    let rows = client
        .query(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = $1 AND (c.relname = $2 OR starts_with(c.relname, $2 || '_'))",
            &[&schema.as_str(), &name],
        )
        .await
        .map_err(Error::postgres("looking for a free table name"))?;
    let taken = rows.iter().map(|row| row.get::<_, String>(0)).collect();
    Ok(Ident::new(names::unique(name, &taken))?)
}

/// Where an import's rows go, in the schema [`import`] is given.
#[derive(Debug, Clone)]
pub enum Destination {
    /// A new table of this name (an error if the name is taken).
    Create(Ident),
    /// A new table named this, or `name_2`, `name_3`, … whichever is free.
    CreateFree(String),
    /// An existing table; see [`append`] for `mapping` and `entity_conflicts`.
    Append {
        /// The table.
        table: Ident,
        /// Plan column name → table column (`None`: leave the column out).
        mapping: Mapping,
        /// For a view of an earlier model: what to do with rows that disagree with the rows
        /// they link to.
        entity_conflicts: EntityConflicts,
    },
}

/// For an append, the table column chosen for some of the plan's columns (by the plan column's
/// name), or `None` to leave one out; columns it does not name are matched by name.
pub type Mapping = BTreeMap<String, Option<String>>;

/// Loads `plan`'s file into `destination` in `schema`, in the caller's transaction: the one
/// orchestration the CLI and the API share. Returns the table written and what was done.
pub async fn import(
    tx: &Transaction<'_>,
    schema: &Ident,
    destination: &Destination,
    path: &Path,
    plan: &Plan,
    progress: ProgressFn,
) -> Result<(QualifiedName, Loaded), LoadError> {
    match destination {
        Destination::Create(name) => {
            let table = QualifiedName::new(schema.clone(), name.clone());
            let loaded = create_and_load(tx, &table, path, plan, progress).await?;
            Ok((table, loaded))
        }
        Destination::CreateFree(name) => {
            let table = QualifiedName::new(schema.clone(), free_table_name(tx, schema, name).await?);
            let loaded = create_and_load(tx, &table, path, plan, progress).await?;
            Ok((table, loaded))
        }
        Destination::Append { table, mapping, entity_conflicts } => {
            let table = QualifiedName::new(schema.clone(), table.clone());
            let loaded = append(tx, &table, path, plan, mapping, *entity_conflicts, progress).await?;
            Ok((table, loaded))
        }
    }
}

/// Creates `table` with `plan`'s columns and a surrogate key, and loads the file into it.
pub async fn create_and_load(
    tx: &Transaction<'_>,
    table: &QualifiedName,
    path: &Path,
    plan: &Plan,
    progress: ProgressFn,
) -> Result<Loaded, LoadError> {
    if relation_exists(tx, table).await? {
        return Err(LoadError::TableExists(table.to_string()));
    }
    let names: Vec<String> = plan.columns.iter().map(|c| c.name.clone()).collect();
    let id = Ident::new(names::id_column_name(&names))?;
    let columns = idents(&names)?;
    let create = format!(
        "CREATE TABLE {table} ({id} bigint GENERATED BY DEFAULT AS IDENTITY, {})",
        definitions(&columns, &plan.columns)
    );
    tx.batch_execute(&create).await.map_err(Error::postgres(format!("creating {table}")))?;

    let copy =
        format!("COPY {table} ({}) FROM STDIN (FORMAT binary, FREEZE)", list(std::iter::once(&id).chain(&columns)));
    let rows = copy_file(tx, &copy, path, plan, Leading::RowNumber, progress).await?;
    tx.batch_execute(&format!(
        "ALTER TABLE {table} ADD PRIMARY KEY ({id});
         ALTER TABLE {table} ALTER COLUMN {id} RESTART WITH {next};
         ANALYZE {table};",
        next = rows + 1
    ))
    .await
    .map_err(Error::postgres(format!("indexing {table}")))?;
    audit::track(tx, &table.to_string()).await?;
    steps::created(tx, steps::relid(tx, table).await?, table).await?;
    Ok(Loaded { rows, id_column: Some(id.as_str().to_string()), unmapped: Vec::new() })
}

/// A column of an existing table.
#[derive(PartialEq)]
struct TableColumn {
    name: String,
    /// `format_type`'s spelling, already quoted by PostgreSQL where needed.
    sql_type: String,
    /// Identity or generated: never written by an import.
    automatic: bool,
}

/// Appends the file's rows to `table`, converting values to the table's types. A plan column
/// goes where `mapping` says; one it does not name goes to the table column of the same name
/// (exactly, else ignoring case) not chosen by `mapping`. Columns of the file that match nothing
/// are left out and reported; the table's other columns take their defaults.
///
/// `table` may be a view of an earlier model: the rows then go into the physical tables
/// set-based ([`model::bulk::insert`]), finding or creating the rows they link to, and rows that
/// disagree with those are dealt with as `entity_conflicts` says.
pub async fn append(
    tx: &Transaction<'_>,
    table: &QualifiedName,
    path: &Path,
    plan: &Plan,
    mapping: &Mapping,
    entity_conflicts: EntityConflicts,
    progress: ProgressFn,
) -> Result<Loaded, LoadError> {
    if !relation_exists(tx, table).await? {
        return Err(LoadError::NoSuchTable(table.to_string()));
    }
    audit::track(tx, &table.to_string()).await?;
    let target = table_columns(tx, table).await?;
    let chosen: Vec<&String> = mapping.values().flatten().collect();
    let mut mapped = plan.clone();
    mapped.columns.clear();
    let mut targets = Vec::new();
    let mut unmapped = Vec::new();
    for column in &plan.columns {
        let found = match mapping.get(&column.name) {
            Some(None) => continue,
            Some(Some(name)) => Some(mapped_target(table, &target, &targets, &column.name, name)?),
            None => {
                let free = |t: &&TableColumn| !t.automatic && !chosen.contains(&&t.name) && !targets.contains(t);
                let exact = target.iter().filter(free).find(|t| t.name == column.name);
                let loose = || {
                    let lower = column.name.to_lowercase();
                    let mut matches = target.iter().filter(free).filter(|t| t.name.to_lowercase() == lower);
                    matches.next().filter(|_| matches.next().is_none())
                };
                exact.or_else(loose)
            }
        };
        match found {
            Some(found) => {
                let mut column = column.clone();
                column.column_type = ColumnType::from_sql_name(&found.sql_type).unwrap_or(ColumnType::Text);
                mapped.columns.push(column);
                targets.push(found);
            }
            None => unmapped.push(column.name.clone()),
        }
    }
    if targets.is_empty() {
        let columns = target.iter().map(|t| format!("{:?}", t.name)).collect::<Vec<_>>().join(", ");
        return Err(LoadError::NothingMapped { table: table.to_string(), columns });
    }

    // Stage in our own types, then let PostgreSQL convert into the table's (casts it applies
    // the same way to every writer), all in this transaction.
    let staging = Ident::new("strata_import_staging")?;
    let line = Ident::new("line")?;
    let staged: Vec<Ident> = (1..=targets.len()).map(|i| Ident::new(format!("c{i}"))).collect::<Result<_, _>>()?;
    tx.batch_execute(&format!(
        "CREATE TEMP TABLE {staging} ({line} bigint, {}) ON COMMIT DROP",
        definitions(&staged, &mapped.columns)
    ))
    .await
    .map_err(Error::postgres("creating the staging table"))?;
    let copy = format!("COPY {staging} ({}) FROM STDIN (FORMAT binary)", list(std::iter::once(&line).chain(&staged)));
    let rows = copy_file(tx, &copy, path, &mapped, Leading::Line, progress).await?;

    let names = idents(&targets.iter().map(|t| t.name.clone()).collect::<Vec<_>>())?;
    let values: Vec<String> = staged.iter().zip(&targets).map(|(name, t)| conversion(name, t)).collect();
    let append = Append { tx, table, names: &names, values: &values, staging: &staging, line: &line, entity_conflicts };
    tx.batch_execute("SAVEPOINT strata_append").await.map_err(Error::postgres("appending"))?;
    if let Err(err) = append.insert(None).await {
        tx.batch_execute("ROLLBACK TO SAVEPOINT strata_append").await.map_err(Error::postgres("appending"))?;
        let refused = match err {
            BulkError::Conflicts(conflicts) => return Err(LoadError::EntityConflicts(conflicts)),
            BulkError::Database(refused) => refused,
        };
        let probe = Probe { append: &append, staged: &staged };
        return Err(match probe.refused_row(&targets).await {
            Ok(Some((row, reason))) => LoadError::Refused { row, reason },
            _ => LoadError::Database(refused),
        });
    }
    tx.batch_execute(&format!("DROP TABLE {staging}")).await.map_err(Error::postgres("dropping the staging table"))?;
    Ok(Loaded { rows, id_column: None, unmapped })
}

/// The staged rows on their way into the target.
struct Append<'a> {
    tx: &'a Transaction<'a>,
    table: &'a QualifiedName,
    /// The target's columns written.
    names: &'a [Ident],
    /// For each, the staged column converted to its type.
    values: &'a [String],
    staging: &'a Ident,
    /// The staging table's column holding each row's line in the file.
    line: &'a Ident,
    entity_conflicts: EntityConflicts,
}

impl Append<'_> {
    /// Inserts the staged rows (those up to line `last`, when given) into the target: set-based
    /// into the physical tables when it is a view of an earlier model, else by one
    /// `INSERT ... SELECT`. The same way whether all rows go in or a probe tries some.
    async fn insert(&self, last: Option<i64>) -> Result<(), BulkError> {
        let (table, staging, line) = (self.table, self.staging, self.line);
        let named: Vec<String> =
            self.values.iter().zip(self.names).map(|(value, name)| format!("{value} AS {name}")).collect();
        // `last` is a line number counted by the import, not a value from the file.
        let up_to = last.map(|last| format!(" WHERE {line} <= {last}")).unwrap_or_default();
        let rows = format!("SELECT {} FROM {staging}{up_to}", named.join(", "));
        if model::bulk::insert(self.tx, table, self.names, &rows, self.entity_conflicts).await?.is_none() {
            let insert = format!("INSERT INTO {table} ({}) {rows}", list(self.names));
            self.tx.batch_execute(&insert).await.map_err(Error::postgres(format!("appending to {table}")))?;
        }
        Ok(())
    }
}

/// The column of `table` an explicit mapping names for the file's column `source`.
fn mapped_target<'a>(
    table: &QualifiedName,
    columns: &'a [TableColumn],
    taken: &[&TableColumn],
    source: &str,
    name: &str,
) -> Result<&'a TableColumn, LoadError> {
    let Some(found) = columns.iter().find(|t| t.name == name) else {
        let names = columns.iter().map(|t| format!("{:?}", t.name)).collect::<Vec<_>>().join(", ");
        return Err(LoadError::Mapping(format!(
            "{table} has no column {name:?} for {source:?} (its columns: {names})"
        )));
    };
    if found.automatic {
        return Err(LoadError::Mapping(format!(
            "{table}'s column {name:?} fills itself (identity or generated); map {source:?} to another column"
        )));
    }
    if taken.iter().any(|t| t.name == found.name) {
        return Err(LoadError::Mapping(format!("two columns of the file go to {name:?}; map each to its own column")));
    }
    Ok(found)
}

/// A row the table refused: where it is in the file, and the column and value to blame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedRow {
    /// The row's line in the file.
    pub line: u64,
    /// The column whose value did not convert, if one did not (else a constraint refused the row).
    pub column: Option<String>,
    /// That value, as staged from the file.
    pub value: Option<String>,
}

/// The pieces of a failed append needed to find the row the table refused.
struct Probe<'a> {
    append: &'a Append<'a>,
    /// The staged columns, one per target column.
    staged: &'a [Ident],
}

impl Probe<'_> {
    /// Bisects the staged lines for the first line whose rows, with those before it, the insert
    /// refuses (each try in a savepoint that is rolled back, by the same path as the append, so
    /// an earlier model's view is written set-based here too), then finds the column whose
    /// conversion fails on it. Returns that row and the refusal's own reason, which is about
    /// that line: the lines before it went in without one.
    async fn refused_row(&self, targets: &[&TableColumn]) -> Result<Option<(RefusedRow, String)>, Error> {
        let Append { tx, staging, line, .. } = *self.append;
        let bounds = tx
            .query_one(&format!("SELECT min({line}), max({line}) FROM {staging}"), &[])
            .await
            .map_err(Error::postgres("finding the refused row"))?;
        let (Some(mut low), Some(mut high)) = (bounds.get::<_, Option<i64>>(0), bounds.get::<_, Option<i64>>(1)) else {
            return Ok(None);
        };
        // Invariant: the lines up to `high` are refused (for `reason`), those before `low` are not.
        let Some(mut reason) = self.refusal(high).await? else {
            return Ok(None);
        };
        while low < high {
            let middle = low + (high - low) / 2;
            match self.refusal(middle).await? {
                Some(refused) => (high, reason) = (middle, refused),
                None => low = middle + 1,
            }
        }
        let mut refused = RefusedRow { line: u64::try_from(low).unwrap_or(0), column: None, value: None };
        // Each value alone into a column of the target's type, as the insert would assign it.
        let probe = Ident::new("strata_probe_column").expect("a short name");
        for ((name, value), target) in self.staged.iter().zip(self.append.values).zip(targets) {
            let setup = format!("CREATE TEMP TABLE {probe} (x {})", target.sql_type);
            let assign = format!("INSERT INTO {probe} SELECT {value} FROM {staging} WHERE {line} = $1");
            let failed =
                self.fails(&setup, &assign, &low).await.map_err(Error::postgres("finding the refused value"))?;
            if failed {
                let sql = format!("SELECT {name}::text FROM {staging} WHERE {line} = $1");
                refused.column = Some(target.name.clone());
                refused.value =
                    tx.query_one(&sql, &[&low]).await.map_err(Error::postgres("finding the refused value"))?.get(0);
                break;
            }
        }
        Ok(Some((refused, reason)))
    }

    /// Why the insert of the lines up to `last` fails, if it does; either way, nothing of it stays.
    async fn refusal(&self, last: i64) -> Result<Option<String>, Error> {
        let tx = self.append.tx;
        let savepoint = || Error::postgres("trying some of the rows");
        tx.batch_execute("SAVEPOINT strata_probe").await.map_err(savepoint())?;
        let reason = match self.append.insert(Some(last)).await {
            Ok(()) => None,
            Err(BulkError::Database(err)) => Some(crate::error::describe_source(&err)),
            Err(conflicts @ BulkError::Conflicts(_)) => Some(conflicts.to_string()),
        };
        tx.batch_execute("ROLLBACK TO SAVEPOINT strata_probe").await.map_err(savepoint())?;
        Ok(reason)
    }

    /// Whether `sql` (given `line`) fails, after `setup`; either way, nothing of it stays.
    async fn fails(&self, setup: &str, sql: &str, line: &i64) -> Result<bool, tokio_postgres::Error> {
        let tx = self.append.tx;
        tx.batch_execute("SAVEPOINT strata_probe").await?;
        tx.batch_execute(setup).await?;
        let failed = tx.execute(sql, &[line]).await.is_err();
        tx.batch_execute("ROLLBACK TO SAVEPOINT strata_probe").await?;
        Ok(failed)
    }
}

/// How a staged column becomes the target's type. Types the import produces itself need no
/// conversion; text into a character type goes by assignment, so a value too long for
/// `varchar(n)` is an error (an explicit cast would silently cut it); anything else is cast.
fn conversion(staged: &Ident, target: &TableColumn) -> String {
    let same_type = ColumnType::from_sql_name(&target.sql_type).is_some();
    if same_type || target.sql_type.starts_with("character") {
        staged.to_string()
    } else {
        format!("CAST({staged} AS {})", target.sql_type)
    }
}

async fn table_columns(tx: &Transaction<'_>, table: &QualifiedName) -> Result<Vec<TableColumn>, Error> {
    let rows = tx
        .query(
            "SELECT attname::text, format_type(atttypid, atttypmod), attidentity <> '' OR attgenerated <> ''
             FROM pg_attribute WHERE attrelid = $1::text::regclass AND attnum > 0 AND NOT attisdropped
             ORDER BY attnum",
            &[&table.to_string()],
        )
        .await
        .map_err(Error::postgres("reading the table's columns"))?;
    Ok(rows.iter().map(|r| TableColumn { name: r.get(0), sql_type: r.get(1), automatic: r.get(2) }).collect())
}

/// Streams the file's binary COPY into the statement `copy`, encoding on a thread of its own.
async fn copy_file(
    tx: &Transaction<'_>,
    copy: &str,
    path: &Path,
    plan: &Plan,
    leading: Leading,
    mut progress: ProgressFn,
) -> Result<u64, LoadError> {
    let sink = tx.copy_in::<_, Bytes>(copy).await.map_err(Error::postgres("starting COPY"))?;
    let mut sink = pin!(sink);
    let (chunks, mut received) = mpsc::channel::<Vec<u8>>(CHUNKS_IN_FLIGHT);
    let (path, plan) = (path.to_path_buf(), plan.clone());
    let encoder = std::thread::Builder::new()
        .name("import-encoder".into())
        .spawn(move || {
            let mut send = |chunk: Vec<u8>| {
                chunks.blocking_send(chunk).map_err(|_| {
                    ImportError::Io(std::io::Error::new(
                        std::io::ErrorKind::BrokenPipe,
                        "the database stopped the load",
                    ))
                })
            };
            strata_import::encode(&path, &plan, leading, &mut send, &mut *progress)
        })
        .map_err(ImportError::Io)?;
    let mut sent = Ok(());
    while let Some(chunk) = received.recv().await {
        if let Err(err) = sink.send(Bytes::from(chunk)).await {
            sent = Err(err);
            break;
        }
    }
    drop(received);
    let encoded = encoder.join().unwrap_or_else(|_| Err(ImportError::Options("the import encoder crashed".into())));
    // The server's complaint explains a broken pipe on our side, so it comes first.
    sent.map_err(Error::postgres("loading the rows"))?;
    let rows = encoded?;
    let copied = sink.as_mut().finish().await.map_err(Error::postgres("finishing COPY"))?;
    debug_assert_eq!(copied, rows);
    Ok(rows)
}

/// `"name" type, ...` for a column list.
fn definitions(names: &[Ident], columns: &[PlannedColumn]) -> String {
    let pairs = names.iter().zip(columns);
    pairs.map(|(name, column)| format!("{name} {}", column.column_type.sql_name())).collect::<Vec<_>>().join(", ")
}

fn idents(names: &[String]) -> Result<Vec<Ident>, IdentError> {
    names.iter().map(|n| Ident::new(n.as_str())).collect()
}

fn list<'a>(names: impl IntoIterator<Item = &'a Ident>) -> String {
    names.into_iter().map(Ident::to_string).collect::<Vec<_>>().join(", ")
}
