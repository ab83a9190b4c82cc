//! Structure changes of actions, each recorded in `strata.action_step` with its inverse, so a
//! schema action undoes by its recorded inverse: a deleted table is kept (moved into schema
//! `strata`, see [`Step::TrashTable`]), a dropped column's values are kept, a retype keeps the old
//! values.
//!
//! Every change is a [`Step`]. Running one ([`perform`]) computes its inverse from the state just
//! before it, makes the change, and records both under the transaction's current action, with a
//! `strata.action_table` row (`schema_change`) for each table it touched. [`undo`] performs an
//! action's inverses in reverse order the same way, so an undo records steps of its own and a
//! redo (the undo of an undo) needs no code of its own.
//!
//! Values are kept in tables `strata."kept_<action>_<seq>"` (`key`, `value`, typed as the table's
//! key and the column were), named after the action and step that kept them, so [`forget`] finds
//! them when the action is pruned.
//!
//! Definitions that are kept to be replayed (defaults, constraints, indexes, views) are read with
//! `search_path` set to `pg_catalog`, so PostgreSQL spells every name they use schema-qualified
//! and they mean the same whatever the search path when they are replayed.

mod column;
mod extract;
mod model;
mod moving;
mod rows;
mod schema;
mod split;
mod table;

use serde::{Deserialize, Serialize};
use strata_sql::QualifiedName;
use tokio_postgres::Transaction;

pub(crate) use column::describe_all;
pub use column::{ColumnDefinition, Destination, IndexDefinition, NamedDefinition};
pub use model::{Conversion, ModelRow, Parameter};
pub(crate) use table::dependent_views;
pub use table::{ForeignKey, Renamed, Trashed};

use crate::Error;
use crate::audit::{ident, strata_name};
use crate::ddl::{DdlError, refusal};

/// One structure change, as recorded in `strata.action_step` (JSON tagged by `"step"`). Tables
/// are named by oid (`relid`), which renames and moves keep, so a step applies to its table
/// wherever it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Creates the schema `name`.
    CreateSchema {
        /// The schema.
        name: String,
    },
    /// Drops the schema `name`, which must be empty.
    DropSchema {
        /// The schema.
        name: String,
    },
    /// Renames the schema `from` to `to`.
    RenameSchema {
        /// The schema's name.
        from: String,
        /// Its new name.
        to: String,
    },
    /// Moves a table into the trash: foreign keys between it and other tables are dropped, its
    /// indexes and sequences renamed `deleted_<oid>`, and it becomes `strata."deleted_<relid>"`
    /// with its data, ids, constraints, triggers and history.
    TrashTable {
        /// The table.
        relid: u32,
        /// Its schema when it was trashed (for people).
        schema: String,
        /// Its name when it was trashed (for people).
        name: String,
    },
    /// Brings a table back from the trash as `schema.name`, with its indexes' and sequences' names
    /// and the foreign keys the trash dropped.
    UntrashTable {
        /// The table.
        relid: u32,
        /// The schema it comes back to.
        schema: String,
        /// The name it gets back.
        name: String,
        /// Its indexes and sequences, and the names they get back.
        renamed: Vec<Renamed>,
        /// The foreign keys to add again.
        foreign_keys: Vec<ForeignKey>,
    },
    /// Renames a table.
    RenameTable {
        /// The table.
        relid: u32,
        /// Its new name.
        name: String,
    },
    /// Drops a view, keeping its definition.
    DropView {
        /// The view.
        relid: u32,
    },
    /// Creates a view.
    CreateView {
        /// Its schema.
        schema: String,
        /// Its name.
        name: String,
        /// Its query, as `pg_get_viewdef` spells it.
        definition: String,
    },
    /// Adds a column (at the end of the table), filled from `kept` when it is a dropped column
    /// coming back.
    AddColumn {
        /// The table.
        relid: u32,
        /// The column.
        column: ColumnDefinition,
        /// The kept `(key, value)` table to fill it from.
        kept: Option<String>,
    },
    /// Drops a column, keeping its definition and its values.
    DropColumn {
        /// The table.
        relid: u32,
        /// The column.
        name: String,
    },
    /// Renames a column.
    RenameColumn {
        /// The table.
        relid: u32,
        /// The column's name.
        from: String,
        /// Its new name.
        to: String,
    },
    /// Converts a column to another type, keeping its old values; with `kept`, the exact values
    /// come back from that table (a retype undone).
    Retype {
        /// The table.
        relid: u32,
        /// The column.
        column: String,
        /// The new type, as `format_type` spells it.
        type_name: String,
        /// The collation (schema-qualified and quoted), when not the new type's.
        collation: Option<String>,
        /// The kept `(key, value)` table with the values to restore.
        kept: Option<String>,
        /// The function in schema `strata` that converts each value (a model's retype with
        /// `USING`); none for a cast.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        using: Option<String>,
    },
    /// Moves `columns` of a table into the new table `into` of its schema, one row per distinct
    /// `key` (numbered in order of first appearance), linked from the table by the new column
    /// `link`; with `part`, that table is brought back from the trash instead.
    Extract {
        /// The table.
        relid: u32,
        /// The columns.
        columns: Vec<String>,
        /// The new table's name.
        into: String,
        /// The columns that identify its rows.
        key: Vec<String>,
        /// The new foreign key column.
        link: String,
        /// The new table in the trash (a redo).
        part: Option<Trashed>,
        /// The link as it was before a merge undone by this step, given back with its type,
        /// NOT NULL, constraints (its foreign key's name and actions), indexes and history; a
        /// new link is a plain `bigint` with a foreign key named by PostgreSQL.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        was: Option<ColumnDefinition>,
    },
    /// Puts `columns` back into a table from the table `part` its column `link` references,
    /// drops `link` and moves `part` to the trash (an extract undone).
    Merge {
        /// The table.
        relid: u32,
        /// The table the columns were extracted into.
        part: u32,
        /// The link column.
        link: String,
        /// The columns that identify `part`'s rows.
        key: Vec<String>,
        /// The columns, as they were.
        columns: Vec<ColumnDefinition>,
    },
    /// Moves `columns` of a table to the table `to` that its foreign key column `link`
    /// references.
    MoveColumns {
        /// The table.
        relid: u32,
        /// The columns.
        columns: Vec<String>,
        /// The link column.
        link: String,
        /// The referenced table.
        to: u32,
    },
    /// Puts `columns` back into a table from the table `to` that its column `link` references,
    /// and drops them there (a move undone).
    ReturnColumns {
        /// The table.
        relid: u32,
        /// The link column.
        link: String,
        /// The referenced table.
        to: u32,
        /// The columns, as they were.
        columns: Vec<ColumnDefinition>,
    },
    /// Moves `columns` of a table into the new table `schema.into`, keyed and referencing it as
    /// the table, where they are called `names`; with `part`, that table is brought back from the
    /// trash instead.
    SplitColumns {
        /// The table.
        relid: u32,
        /// The columns.
        columns: Vec<String>,
        /// The new table's schema.
        schema: String,
        /// The new table's name.
        into: String,
        /// The columns' names there.
        names: Vec<String>,
        /// The new table in the trash (a redo).
        part: Option<Trashed>,
        /// Whether the columns keep their defaults, NOT NULL and CHECK constraints there (a
        /// split, under the same names); a dropped column's kept values do not.
        #[serde(default)]
        carry: bool,
    },
    /// Copies the values of `column` of a table into the new table `strata.into` (`id`, `value`),
    /// keyed as the table and referencing it, one row per row with a value; the column stays (the
    /// links a merge keeps for the earlier models). Undone by moving the copy to the trash.
    CopyColumn {
        /// The table.
        relid: u32,
        /// The column.
        column: String,
        /// The new table's name in schema `strata`.
        into: String,
    },
    /// Puts `columns` back into a table from `part` (where they are called `names`), by key, and
    /// moves `part` to the trash (a split undone).
    JoinColumns {
        /// The table.
        relid: u32,
        /// The table split off.
        part: u32,
        /// The columns' names in `part`.
        names: Vec<String>,
        /// The columns, as they were.
        columns: Vec<ColumnDefinition>,
    },
    /// Moves the rows of a table for which `strata.<function>(arguments)` holds into the new
    /// table `into` of its schema, made with the same columns and keys (drawn from the table's
    /// key's sequence); with `part`, that table is brought back from the trash instead.
    SplitRows {
        /// The table.
        relid: u32,
        /// The new table's name.
        into: String,
        /// The condition's function in schema `strata`.
        function: String,
        /// The table's columns passed to it, in order.
        arguments: Vec<String>,
        /// The new table in the trash (a redo).
        part: Option<Trashed>,
    },
    /// Moves every row of `part` back into a table, with its key, and moves `part` to the trash
    /// (a split by rows undone).
    JoinRows {
        /// The table.
        relid: u32,
        /// The table split off.
        part: u32,
        /// The condition's function in schema `strata` (for the redo).
        function: String,
        /// The table's columns passed to it, in order.
        arguments: Vec<String>,
    },
    /// Creates a retype's conversion function (or a split's condition).
    CreateFunction {
        /// The function.
        conversion: Conversion,
    },
    /// Drops a retype's conversion function (or a split's condition).
    DropFunction {
        /// The function.
        conversion: Conversion,
    },
    /// Drops the views of every earlier model of the schema `schema`.
    DropModelViews {
        /// The schema.
        schema: String,
    },
    /// Builds the views of every earlier model of the schema `schema` from the catalog.
    BuildModelViews {
        /// The schema.
        schema: String,
    },
    /// Adds models of the schema `namespace` to the catalog.
    AddModel {
        /// The schema's oid.
        namespace: u32,
        /// The models, oldest first.
        models: Vec<ModelRow>,
    },
    /// Removes the newest models of the schema `namespace` from the catalog.
    RemoveModel {
        /// The schema's oid.
        namespace: u32,
        /// The models' numbers.
        numbers: Vec<i32>,
    },
}

/// A step made: its inverse, and the tables it changed.
struct Done {
    inverse: Step,
    tables: Vec<u32>,
}

/// Where a step is recorded: its action and its place in the action.
#[derive(Debug, Clone, Copy)]
struct Position {
    action: i64,
    seq: i32,
}

impl Position {
    /// The table that keeps values for the step at this position.
    fn kept(self) -> String {
        format!("kept_{}_{}", self.action, self.seq)
    }
}

impl Step {
    /// Makes the change; returns its inverse and the tables it touched.
    async fn execute(&self, tx: &Transaction<'_>, at: Position) -> Result<Done, DdlError> {
        match self {
            Step::CreateSchema { name } => schema::create(tx, name).await,
            Step::DropSchema { name } => schema::drop(tx, name).await,
            Step::RenameSchema { from, to } => schema::rename(tx, from, to).await,
            Step::TrashTable { relid, .. } => table::trash(tx, *relid).await,
            Step::UntrashTable { relid, schema, name, renamed, foreign_keys } => {
                table::untrash(tx, *relid, schema, name, renamed, foreign_keys).await
            }
            Step::RenameTable { relid, name } => table::rename(tx, *relid, name).await,
            Step::DropView { relid } => table::drop_view(tx, *relid).await,
            Step::CreateView { schema, name, definition } => table::create_view(tx, schema, name, definition).await,
            Step::AddColumn { relid, column, kept } => column::add(tx, *relid, column, kept.as_deref()).await,
            Step::DropColumn { relid, name } => column::drop(tx, *relid, name, at).await,
            Step::RenameColumn { relid, from, to } => column::rename(tx, *relid, from, to).await,
            Step::Retype { relid, column, type_name, collation, kept, using } => {
                let to = column::NewType { type_name, collation: collation.as_deref(), using: using.as_deref() };
                column::retype(tx, *relid, column, to, kept.as_deref(), at).await
            }
            Step::Extract { relid, columns, into, key, link, part, was } => {
                let asked = extract::Extraction {
                    relid: *relid,
                    columns,
                    into,
                    key,
                    link,
                    part: part.as_ref(),
                    was: was.as_ref(),
                };
                extract::extract(tx, asked).await
            }
            Step::Merge { relid, part, link, key, columns } => {
                extract::merge(tx, *relid, *part, link, key, columns).await
            }
            Step::MoveColumns { relid, columns, link, to } => {
                moving::move_columns(tx, *relid, columns, link, *to).await
            }
            Step::ReturnColumns { relid, link, to, columns } => {
                moving::return_columns(tx, *relid, link, *to, columns).await
            }
            Step::SplitColumns { relid, columns, schema, into, names, part, carry } => {
                let asked =
                    split::Split { relid: *relid, columns, schema, into, names, part: part.as_ref(), carry: *carry };
                split::split(tx, asked).await
            }
            Step::JoinColumns { relid, part, names, columns } => split::join(tx, *relid, *part, names, columns).await,
            Step::CopyColumn { relid, column, into } => split::copy(tx, *relid, column, into).await,
            Step::SplitRows { relid, into, function, arguments, part } => {
                let asked = rows::Split { relid: *relid, into, function, arguments, part: part.as_ref() };
                rows::split(tx, asked).await
            }
            Step::JoinRows { relid, part, function, arguments } => {
                rows::join(tx, *relid, *part, function, arguments).await
            }
            Step::CreateFunction { conversion } => model::create_function(tx, conversion).await,
            Step::DropFunction { conversion } => model::drop_function(tx, conversion).await,
            Step::DropModelViews { schema } => model::drop_views(tx, schema).await,
            Step::BuildModelViews { schema } => model::build_views(tx, schema).await,
            Step::AddModel { namespace, models } => model::add(tx, *namespace, models).await,
            Step::RemoveModel { namespace, numbers } => model::remove(tx, *namespace, numbers).await,
        }
    }
}

/// Makes `step` and records it under the transaction's current action; PostgreSQL's refusals
/// become [`DdlError`]s a user can act on.
pub(crate) async fn perform(tx: &Transaction<'_>, step: Step) -> Result<(), DdlError> {
    perform_unsorted(tx, step).await.map_err(|err| match err {
        DdlError::Database(err) => refusal(err),
        other => other,
    })
}

/// [`perform`], leaving PostgreSQL's errors as they are (for a caller that looks at their code).
pub(crate) async fn perform_unsorted(tx: &Transaction<'_>, step: Step) -> Result<(), DdlError> {
    let at = next_position(tx).await?;
    let done = step.execute(tx, at).await?;
    record(tx, at, &to_json(&step)?, &done.inverse, &done.tables).await?;
    Ok(())
}

/// Records that the table `relid` (`table`) was created by the current action; its inverse moves
/// it to the trash.
pub(crate) async fn created(tx: &Transaction<'_>, relid: u32, table: &QualifiedName) -> Result<(), Error> {
    let (schema, name) = (table.schema.as_str().to_string(), table.name.as_str().to_string());
    let forward = serde_json::json!({ "step": "create_table", "relid": relid, "schema": schema, "name": name });
    let at = next_position(tx).await?;
    record(tx, at, &forward.to_string(), &Step::TrashTable { relid, schema, name }, &[relid]).await
}

/// The oid of the existing `table`.
pub(crate) async fn relid(tx: &Transaction<'_>, table: &QualifiedName) -> Result<u32, Error> {
    let row = tx
        .query_one("SELECT $1::text::regclass::oid", &[&table.to_string()])
        .await
        .map_err(Error::postgres(format!("looking up {table}")))?;
    Ok(row.get(0))
}

/// Whether action `id` changed structure (has steps).
pub async fn has_steps(tx: &Transaction<'_>, id: i64) -> Result<bool, Error> {
    let row = tx
        .query_one("SELECT EXISTS (SELECT 1 FROM strata.action_step WHERE action = $1)", &[&id])
        .await
        .map_err(Error::postgres("reading the action's steps"))?;
    Ok(row.get(0))
}

/// The steps that only rename (a schema, a table, a column), as recorded in `forward->>'step'`.
const RENAMES: [&str; 3] = ["rename_schema", "rename_table", "rename_column"];

/// SQL that is true when action `action` (an SQL expression) changed more than names: a step
/// that is not a rename, or a structure change recorded without steps.
pub(crate) fn changes_more_than_names(action: &str) -> String {
    let renames = RENAMES.map(|step| format!("'{step}'")).join(", ");
    format!(
        "(NOT EXISTS (SELECT 1 FROM strata.action_step s WHERE s.action = {action}) \
          OR EXISTS (SELECT 1 FROM strata.action_step s WHERE s.action = {action} \
                     AND s.forward->>'step' NOT IN ({renames})))"
    )
}

/// Whether action `id` changed structure by renaming only (rows do not care what their table or
/// column is called), whatever its kind.
pub(crate) async fn only_renames(tx: &Transaction<'_>, id: i64) -> Result<bool, Error> {
    let row = tx
        .query_one(
            "SELECT count(*) > 0 AND bool_and(forward->>'step' = ANY($2)) FROM strata.action_step WHERE action = $1",
            &[&id, &RENAMES.as_slice()],
        )
        .await
        .map_err(Error::postgres("reading the action's steps"))?;
    Ok(row.get::<_, Option<bool>>(0).unwrap_or(false))
}

/// Applies the inverses of action `id`'s steps in reverse order, recording each as a step (with
/// its own inverse) of the transaction's current action. A step that cannot be undone any more
/// (a deleted table's name is taken now, its schema is gone) is a [`DdlError`] saying why, and
/// the caller's transaction must then be rolled back.
///
/// An action undone and redone is undone by the inverses its newest redo recorded: the redo
/// made the changes again, and what the first undo consumed (kept values put back) the redo
/// kept anew.
pub async fn undo(tx: &Transaction<'_>, id: i64) -> Result<(), DdlError> {
    // The action and the redos of it (at an even depth of the tree of undos), newest first.
    let rows = tx
        .query(
            "WITH RECURSIVE tree (id, depth) AS ( \
                 SELECT $1::bigint, 0 \
                 UNION ALL SELECT a.id, t.depth + 1 FROM strata.action a JOIN tree t ON a.undoes = t.id), \
             latest AS (SELECT t.id FROM tree t WHERE t.depth % 2 = 0 \
                        AND EXISTS (SELECT 1 FROM strata.action_step s WHERE s.action = t.id) \
                        ORDER BY t.id DESC LIMIT 1) \
             SELECT s.inverse::text FROM strata.action_step s JOIN latest ON s.action = latest.id ORDER BY s.seq DESC",
            &[&id],
        )
        .await
        .map_err(Error::postgres("reading the action's steps"))?;
    for row in rows {
        let inverse: String = row.get(0);
        let step: Step = serde_json::from_str(&inverse).map_err(|err| {
            DdlError::Refused(format!("action {id} has a structure change this Strata cannot undo ({err})"))
        })?;
        perform(tx, step).await?;
    }
    Ok(())
}

/// Drops what action `id`'s steps kept to be undone: its kept values (`strata."kept_<id>_*"`)
/// and the tables it moved to the trash (a deleted table, or the table a model step made, the
/// step undone) that are still there and that no later action changed (with their history). For prune: the action can no longer be undone afterwards.
pub async fn forget(tx: &Transaction<'_>, id: i64) -> Result<(), Error> {
    let kept = tx
        .query(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'strata' AND c.relkind = 'r' AND starts_with(c.relname, format('kept_%s_', $1::bigint))",
            &[&id],
        )
        .await
        .map_err(Error::postgres("looking for the action's kept values"))?;
    // Moved there by a deletion (`relid`), or by a model step undone (`part`).
    let trashed = tx
        .query(
            "SELECT c.oid, c.relname::text FROM strata.action_step s \
             JOIN pg_class c ON c.oid = (CASE s.forward->>'step' WHEN 'trash_table' THEN s.forward->>'relid' \
                                         ELSE s.forward->>'part' END)::oid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE s.action = $1 AND s.forward->>'step' IN ('trash_table', 'merge', 'join_columns', 'join_rows') \
               AND n.nspname = 'strata' AND c.relname = 'deleted_' || c.oid \
               AND NOT EXISTS (SELECT 1 FROM strata.action_table t \
                               WHERE t.relid = c.oid AND t.schema_change AND t.action > $1)",
            &[&id],
        )
        .await
        .map_err(Error::postgres("looking for the action's deleted tables"))?;
    for row in &kept {
        let table = strata_name(row.get::<_, String>(0))?;
        tx.batch_execute(&format!("DROP TABLE {table}")).await.map_err(Error::postgres("dropping kept values"))?;
    }
    for row in &trashed {
        let (relid, name): (u32, String) = (row.get(0), row.get(1));
        let history = strata_name(format!("history_{relid}"))?;
        let sql = format!("DROP TABLE {} CASCADE; DROP TABLE IF EXISTS {history}", strata_name(name)?);
        tx.batch_execute(&sql).await.map_err(Error::postgres("dropping a deleted table"))?;
        tx.execute("DELETE FROM strata.audited WHERE relid = $1", &[&relid])
            .await
            .map_err(Error::postgres("forgetting a deleted table"))?;
    }
    Ok(())
}

/// The next step's position in the transaction's current action.
async fn next_position(tx: &Transaction<'_>) -> Result<Position, Error> {
    let row = tx
        .query_one(
            "SELECT x.action, coalesce(max(s.seq), 0) + 1 FROM (SELECT strata.current_action() AS action) x \
             LEFT JOIN strata.action_step s ON s.action = x.action GROUP BY x.action",
            &[],
        )
        .await
        .map_err(Error::postgres("numbering the action's step"))?;
    Ok(Position { action: row.get(0), seq: row.get(1) })
}

/// Stores a step made at `at`, with its inverse, and the tables it changed.
async fn record(
    tx: &Transaction<'_>,
    at: Position,
    forward: &str,
    inverse: &Step,
    tables: &[u32],
) -> Result<(), Error> {
    tx.execute(
        "INSERT INTO strata.action_step (action, seq, forward, inverse) VALUES ($1, $2, $3::text::jsonb, $4::text::jsonb)",
        &[&at.action, &at.seq, &forward, &to_json(inverse)?],
    )
    .await
    .map_err(Error::postgres("recording the structure change"))?;
    tx.execute(
        "INSERT INTO strata.action_table (action, relid, schema_change) \
         SELECT $1, t, true FROM unnest($2::oid[]) t ON CONFLICT DO NOTHING",
        &[&at.action, &tables],
    )
    .await
    .map_err(Error::postgres("recording the tables changed"))?;
    Ok(())
}

fn to_json(step: &Step) -> Result<String, Error> {
    serde_json::to_string(step)
        .map_err(|err| Error::BadParameter { parameter: "step".into(), reason: format!("cannot be recorded: {err}") })
}

/// The table or view `relid` as it is named now.
async fn relation_name(tx: &Transaction<'_>, relid: u32) -> Result<QualifiedName, DdlError> {
    let row = tx
        .query_opt(
            "SELECT n.nspname::text, c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.oid = $1",
            &[&relid],
        )
        .await
        .map_err(Error::postgres("looking up the table"))?;
    let Some(row) = row else {
        return Err(DdlError::Refused(format!(
            "the table this change was made to (oid {relid}) no longer exists, so it cannot be changed back"
        )));
    };
    Ok(QualifiedName::new(ident(row.get::<_, String>(0))?, ident(row.get::<_, String>(1))?))
}

/// Runs `sql` (statements that make a change).
async fn run(tx: &Transaction<'_>, sql: &str, doing: &str) -> Result<(), Error> {
    tx.batch_execute(sql).await.map_err(Error::postgres(doing))
}

/// Sets `search_path` to `pg_catalog` for this transaction, so definitions read now name every
/// object schema-qualified; returns the path to restore with [`restore_search_path`].
async fn qualify_names(tx: &Transaction<'_>) -> Result<String, Error> {
    let row = tx
        .query_one("SELECT current_setting('search_path'), set_config('search_path', 'pg_catalog', true)", &[])
        .await
        .map_err(Error::postgres("setting the search path"))?;
    Ok(row.get(0))
}

async fn restore_search_path(tx: &Transaction<'_>, path: &str) -> Result<(), Error> {
    tx.execute("SELECT set_config('search_path', $1, true)", &[&path])
        .await
        .map_err(Error::postgres("restoring the search path"))?;
    Ok(())
}

/// Runs `sql` with the audit trigger off: restoring kept values puts back a state, it is not a
/// change of its own. If `sql` fails, the setting stays `off`: the transaction is aborted then, and
/// rolling it back (or back to a savepoint taken before, as undo does) restores the setting too.
async fn unaudited(tx: &Transaction<'_>, sql: &str, doing: &str) -> Result<(), Error> {
    let row = tx
        .query_one("SELECT current_setting('strata.audit', true), set_config('strata.audit', 'off', true)", &[])
        .await
        .map_err(Error::postgres("pausing the audit trail"))?;
    let before: Option<String> = row.get(0);
    run(tx, sql, doing).await?;
    tx.execute("SELECT set_config('strata.audit', $1, true)", &[&before.unwrap_or_default()])
        .await
        .map_err(Error::postgres("resuming the audit trail"))?;
    Ok(())
}
