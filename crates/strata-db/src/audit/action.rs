//! Actions: one user intent (an API call, an import, a paste, an undo) in one transaction,
//! described in `strata.action` with who, when, a summary and how many rows it changed.

use tokio_postgres::types::ToSql;
use tokio_postgres::{GenericClient, Row, Transaction};

use crate::Error;

/// What an action did, stored as its `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    /// Rows added.
    Insert,
    /// Cells changed.
    Edit,
    /// Rows deleted.
    Delete,
    /// A block pasted into the grid (updates and inserts).
    Paste,
    /// A file imported into a new table.
    Import,
    /// A file appended to a table.
    Append,
    /// A table created.
    CreateTable,
    /// A table renamed.
    RenameTable,
    /// A table deleted.
    DeleteTable,
    /// A schema created.
    CreateSchema,
    /// A schema renamed.
    RenameSchema,
    /// A schema deleted.
    DeleteSchema,
    /// A column added.
    AddColumn,
    /// A column renamed and/or retyped.
    AlterColumn,
    /// A column deleted.
    DropColumn,
    /// Deleted rows restored.
    Restore,
    /// A model step (DESIGN §5): extract, move, split, rename, retype, add or drop a column.
    Model,
    /// An action undone.
    Undo,
    /// An undone action redone.
    Redo,
    /// A transaction made outside Strata.
    External,
}

impl ActionKind {
    /// The name stored and shown (`edit`, `create_table`).
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Insert => "insert",
            ActionKind::Edit => "edit",
            ActionKind::Delete => "delete",
            ActionKind::Paste => "paste",
            ActionKind::Import => "import",
            ActionKind::Append => "append",
            ActionKind::CreateTable => "create_table",
            ActionKind::RenameTable => "rename_table",
            ActionKind::DeleteTable => "delete_table",
            ActionKind::CreateSchema => "create_schema",
            ActionKind::RenameSchema => "rename_schema",
            ActionKind::DeleteSchema => "delete_schema",
            ActionKind::AddColumn => "add_column",
            ActionKind::AlterColumn => "alter_column",
            ActionKind::DropColumn => "drop_column",
            ActionKind::Restore => "restore",
            ActionKind::Model => "model",
            ActionKind::Undo => "undo",
            ActionKind::Redo => "redo",
            ActionKind::External => "external",
        }
    }
}

/// Starts an action in the caller's transaction: every change until the transaction ends (or the
/// next `begin`) is recorded under it. Returns its id.
pub async fn begin(tx: &Transaction<'_>, kind: ActionKind, summary: &str) -> Result<i64, Error> {
    let row = tx
        .query_one(
            "WITH made AS (INSERT INTO strata.action (kind, summary) VALUES ($1, $2) RETURNING id) \
             SELECT id, set_config('strata.action_id', id::text, true) FROM made",
            &[&kind.as_str(), &summary],
        )
        .await
        .map_err(Error::postgres("starting the action"))?;
    Ok(row.get(0))
}

/// Sets the summary of action `id` once its work is known ("Imported orders.csv (1,000 rows)"),
/// and its row count when the triggers did not count them (a table filled by COPY).
pub async fn describe(tx: &Transaction<'_>, id: i64, summary: &str, rows: Option<i64>) -> Result<(), Error> {
    tx.execute(
        "UPDATE strata.action SET summary = $2, rows = coalesce($3, rows) WHERE id = $1",
        &[&id, &summary, &rows],
    )
    .await
    .map_err(Error::postgres("describing the action"))?;
    Ok(())
}

/// An action as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionInfo {
    /// Its id.
    pub id: i64,
    /// When it began, RFC 3339.
    pub at: String,
    /// Who made it (the PostgreSQL role until Strata has accounts).
    pub user: String,
    /// [`ActionKind::as_str`], or another kind a newer Strata wrote.
    pub kind: String,
    /// What it did, for people.
    pub summary: String,
    /// How many rows it changed.
    pub rows: i64,
    /// The action it undid (an undo), or redid (a redo undoes an undo).
    pub undoes: Option<i64>,
    /// The newest action that undid it.
    pub undone_by: Option<i64>,
    /// Whether its changes are undone now: an undo undid it and that undo is not undone itself.
    pub undone: bool,
    /// The tables it changed that still exist, as `schema.table`.
    pub tables: Vec<String>,
}

/// Which actions to list.
#[derive(Debug, Clone, Default)]
pub struct ActionFilter {
    /// Only actions that changed this table (its `schema.table` name, quoted as in SQL or not).
    pub table: Option<(String, String)>,
    /// Only actions older than this id (the next page).
    pub before: Option<i64>,
    /// Only actions of this user.
    pub user: Option<String>,
    /// At most this many (default 50, at most 1000).
    pub limit: Option<i64>,
}

/// The columns of [`ActionInfo`], read from `strata.action a`.
const INFO: &str = "a.id, to_json(a.at)#>>'{}', a.actor, a.kind, a.summary, a.rows, a.undoes, a.undone_by, \
    strata.action_undone(a.id), \
    ARRAY(SELECT format('%s.%s', n.nspname, c.relname) FROM strata.action_table t \
          JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE t.action = a.id AND n.nspname <> 'strata' GROUP BY n.nspname, c.relname ORDER BY 1)";

/// Actions newest first.
pub async fn list(client: &impl GenericClient, filter: &ActionFilter) -> Result<Vec<ActionInfo>, Error> {
    let limit = filter.limit.unwrap_or(50).clamp(1, 1000);
    let table = filter.table.as_ref().map(|(schema, table)| (schema.as_str(), table.as_str()));
    let (schema, table) = (table.map(|t| t.0), table.map(|t| t.1));
    let sql = format!(
        "SELECT {INFO} FROM strata.action a \
         WHERE ($1::bigint IS NULL OR a.id < $1) AND ($2::text IS NULL OR a.actor = $2) \
           AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM strata.action_table t \
                JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace \
                WHERE t.action = a.id AND n.nspname = $3 AND c.relname = $4)) \
         ORDER BY a.id DESC LIMIT $5"
    );
    let params: [&(dyn ToSql + Sync); 5] = [&filter.before, &filter.user, &schema, &table, &limit];
    let rows = client.query(&sql, &params).await.map_err(Error::postgres("listing actions"))?;
    Ok(rows.iter().map(info).collect())
}

/// The action `id`, if there is one.
pub async fn get(client: &impl GenericClient, id: i64) -> Result<Option<ActionInfo>, Error> {
    let sql = format!("SELECT {INFO} FROM strata.action a WHERE a.id = $1");
    let row = client.query_opt(&sql, &[&id]).await.map_err(Error::postgres("reading the action"))?;
    Ok(row.as_ref().map(info))
}

fn info(row: &Row) -> ActionInfo {
    ActionInfo {
        id: row.get(0),
        at: row.get(1),
        user: row.get(2),
        kind: row.get(3),
        summary: row.get(4),
        rows: row.get(5),
        undoes: row.get(6),
        undone_by: row.get(7),
        undone: row.get(8),
        tables: row.get(9),
    }
}
