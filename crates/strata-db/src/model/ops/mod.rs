//! The model operators: a user's [`Change`] checked and previewed ([`preview`]) or made
//! ([`apply`]) as one step, recorded with its inverse.
//!
//! A change is first resolved against the schema's newest model, its physical tables: the
//! columns' positions and types, a free name for a new link column, the name of a retype's
//! function. That gives the [`Op`] the catalog records, what the step creates and removes, the
//! conflicts that stop it, and the structure [`Step`]s that make it. One file per operator
//! family: [`extract`] (extract and move, which share the functional-dependency check),
//! [`merge`] (extract's inverse), [`split`], [`split_rows`], [`column`] (rename, retype, add and
//! drop a column) and [`table`] (rename); [`expression`] makes a user's expression (a retype's
//! `USING`, a split's condition) a function and checks it is pure.
//!
//! Applying records, under the caller's action, the earlier models' views dropped, the
//! physical steps, the new model's catalog rows and the views built again, so undoing the
//! action undoes the step with the audit trail's own machinery.
//!
//! ```no_run
//! # async fn run(tx: &tokio_postgres::Transaction<'_>) -> Result<(), strata_db::model::ModelError> {
//! use strata_db::audit::action::{self, ActionKind};
//! use strata_db::model::{self, Change};
//!
//! let change = Change::Extract {
//!     table: "orders".into(),
//!     columns: vec!["Customer Email".into(), "City".into()],
//!     into: "customers".into(),
//!     key: vec!["Customer Email".into()],
//! };
//! let preview = model::preview(tx, "public", &change).await?;
//! action::begin(tx, ActionKind::Model, &preview.summary).await?;
//! let applied = model::apply(tx, "public", &change).await?;
//! assert_eq!(applied.model.name, "v2");
//! # Ok(()) }
//! ```

mod column;
mod expression;
mod extract;
mod merge;
mod split;
mod split_rows;
mod table;

use serde::{Deserialize, Serialize};
use strata_sql::{Ident, QualifiedName};
use tokio_postgres::Transaction;

use super::{Op, catalog};
use crate::Error;
use crate::audit::steps::{self, Destination, ModelRow, Step};
use crate::catalog::{Relation, RelationKind};
use crate::ddl::DdlError;

/// A step as a user asks for it (the CLI's and the API's input), before Strata resolves it into
/// an [`Op`] (positions, link names, old types).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    /// Extract `columns` of `table` into a new table `into`, one row per distinct `key` (all the
    /// columns when none).
    Extract {
        /// The table.
        table: String,
        /// The columns to extract.
        columns: Vec<String>,
        /// The new table's name.
        into: String,
        /// The columns that identify a row of the new table; all of `columns` when empty.
        #[serde(default)]
        key: Vec<String>,
    },
    /// Move `columns` of `table` along its foreign key column `link` to the table it references.
    Move {
        /// The table.
        table: String,
        /// The columns to move.
        columns: Vec<String>,
        /// The foreign key column to move them along.
        link: String,
    },
    /// Split `columns` off `table` into a new table `into` (one row per row, same key).
    SplitColumns {
        /// The table.
        table: String,
        /// The columns to split off.
        columns: Vec<String>,
        /// The new table's name.
        into: String,
    },
    /// Merge the table that `table`'s foreign key column `link` references back into `table`:
    /// its columns (but its key) take `link`'s place and it goes (an extraction's inverse).
    Merge {
        /// The table that links to the one merged.
        table: String,
        /// Its foreign key column.
        link: String,
    },
    /// Split the rows of `table` for which `condition` (an SQL expression over its columns)
    /// holds off into a new table `into` with the same columns.
    SplitRows {
        /// The table.
        table: String,
        /// The new table's name.
        into: String,
        /// An SQL boolean expression over the table's columns.
        condition: String,
    },
    /// Rename `table` to `to`.
    RenameTable {
        /// The table.
        table: String,
        /// Its new name.
        to: String,
    },
    /// Rename `column` of `table` to `to`.
    RenameColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its new name.
        to: String,
    },
    /// Convert `column` of `table` to the type `type_name`, by a cast or by `using` (an SQL
    /// expression over the column).
    Retype {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The new type, as the user typed it.
        type_name: String,
        /// An SQL expression computing the new value from the column's.
        #[serde(default)]
        using: Option<String>,
        /// Accept that earlier models read some values differently (converted back from the
        /// new type: `'007'` → `7` → `'7'`); without it such values refuse the step.
        #[serde(default)]
        lossy: bool,
    },
    /// Add `column` of type `type_name` to `table`.
    AddColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its type, as the user typed it.
        type_name: String,
    },
    /// Drop `column` of `table` (its values stay for earlier models).
    DropColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
}

/// What a step will do, before it is made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preview {
    /// The step as it will be recorded.
    pub op: Op,
    /// What it does, for people.
    pub summary: String,
    /// What it creates ("table public.customers (10,000 rows)", "column orders.customers_id",
    /// "schema public_v1 with the earlier model's views").
    pub creates: Vec<String>,
    /// What it removes from the newest model (kept for the earlier ones).
    pub removes: Vec<String>,
    /// How many rows it writes.
    pub rows: i64,
    /// Why it cannot be made as asked; empty when it can.
    pub conflicts: Vec<Conflict>,
}

/// A reason a step is refused, with the data that shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Conflict {
    /// Rows with the same key disagree on a column that would be extracted or moved: which
    /// value should the one row of the new table hold?
    Dependency {
        /// The key's values, by column.
        key: serde_json::Map<String, serde_json::Value>,
        /// The column they disagree on.
        column: String,
        /// Some of the values (up to 5), as text.
        values: Vec<Option<String>>,
        /// How many rows share the key.
        rows: i64,
        /// What the user can do about it.
        advice: String,
    },
    /// Values the new type refuses (a retype), or that would read back differently through the
    /// earlier model.
    Value {
        /// The column.
        column: String,
        /// The value, as text.
        value: Option<String>,
        /// How many rows hold it.
        rows: i64,
        /// PostgreSQL's reason, or what it would read back as.
        reason: String,
    },
    /// Anything else that stops the step (a name taken, a column missing, a link lacking).
    Refused {
        /// What is wrong and what to do.
        reason: String,
    },
}

/// A step made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Applied {
    /// The preview it was made from.
    pub preview: Preview,
    /// The model it made.
    pub model: super::ModelInfo,
}

/// Why a step was not made. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The preview found conflicts.
    #[error("{}", .0.conflicts.first().map(describe).unwrap_or_default())]
    Refused(Box<Preview>),
    /// A structure change PostgreSQL refused (a name taken, ...).
    #[error(transparent)]
    Ddl(#[from] DdlError),
    /// A table to delete is read by earlier models of its schema (a step made or changed it),
    /// which would break without it.
    #[error("{}", read_by(table, models, actions))]
    ReadByModels {
        /// The table.
        table: String,
        /// The earlier models that read it, oldest first.
        models: Vec<super::ModelInfo>,
        /// The actions of the model steps made since the first of them, newest first: undone,
        /// the table can go.
        actions: Vec<i64>,
    },
    /// A database error.
    #[error(transparent)]
    Database(#[from] Error),
}

/// [`ModelError::ReadByModels`] in a sentence.
fn read_by(table: &str, models: &[super::ModelInfo], actions: &[i64]) -> String {
    let models = models.iter().map(|m| format!("{} (views in {:?})", m.name, m.pg_schema)).collect::<Vec<_>>();
    let actions = actions.iter().map(i64::to_string).collect::<Vec<_>>();
    format!(
        "{table:?} is part of the earlier models: {} read{} it, and would break without it; undo the model steps \
         made since (action{} {}) first, or merge it back into the table that links to it",
        models.join(", "),
        if models.len() == 1 { "s" } else { "" },
        if actions.len() == 1 { "" } else { "s" },
        actions.join(", ")
    )
}

/// One conflict in a sentence.
pub fn describe(conflict: &Conflict) -> String {
    match conflict {
        Conflict::Dependency { key, column, values, rows, advice } => {
            let values = values.iter().map(|v| v.as_deref().unwrap_or("NULL")).collect::<Vec<_>>().join(", ");
            format!(
                "{rows} rows with {} disagree on {column:?} ({values}); {advice}",
                serde_json::Value::Object(key.clone())
            )
        }
        Conflict::Value { column, value, rows, reason } => {
            format!("{rows} rows of {column:?} hold {}: {reason}", value.as_deref().unwrap_or("NULL"))
        }
        Conflict::Refused { reason } => reason.clone(),
    }
}

/// Checks `change` against `schema`'s newest model and says what it would do, in the caller's
/// transaction, changing nothing.
pub async fn preview(tx: &Transaction<'_>, schema: &str, change: &Change) -> Result<Preview, ModelError> {
    Ok(plan(tx, schema, change, false).await?.preview)
}

/// Makes `change` a step of `schema`: the physical tables change, the model before it keeps
/// views in a schema of its own, and the step is recorded under the transaction's current
/// action. Refused (changing nothing) when its preview has conflicts.
pub async fn apply(tx: &Transaction<'_>, schema: &str, change: &Change) -> Result<Applied, ModelError> {
    let Plan { preview, steps: physical, namespace, mut models } = plan(tx, schema, change, true).await?;
    if !preview.conflicts.is_empty() {
        return Err(ModelError::Refused(Box::new(preview)));
    }
    let action: i64 = tx
        .query_one("SELECT strata.current_action()", &[])
        .await
        .map_err(Error::postgres("reading the current action"))?
        .get(0);
    for model in models.iter_mut().filter(|model| model.op.is_some()) {
        model.action = Some(action);
    }
    super::mappings(tx, schema).await?;
    steps::perform(tx, Step::DropModelViews { schema: schema.to_string() }).await?;
    for step in physical {
        steps::perform(tx, step).await?;
    }
    steps::perform(tx, Step::AddModel { namespace, models }).await?;
    // A step the earlier models cannot be read through (a merged column moved on since, ...)
    // is refused as such (tables changed outside Strata before it were reported above).
    let built = steps::perform(tx, Step::BuildModelViews { schema: schema.to_string() }).await;
    if let Err(DdlError::Database(Error::ModelMismatch { model, reason, .. })) = built {
        let reason = format!(
            "model {model} could not be read from the tables after this step ({reason}); earlier models must stay \
             readable, so the step is refused: undo the steps since model {model} that it conflicts with, or leave \
             those columns where they are"
        );
        return Err(ModelError::Refused(Box::new(Preview {
            conflicts: vec![Conflict::Refused { reason }],
            ..preview
        })));
    }
    built?;
    let model = catalog::list(tx, schema).await?.pop().ok_or_else(|| Error::BadParameter {
        parameter: "schema".into(),
        reason: format!("{schema:?} has no model after the step"),
    })?;
    Ok(Applied { preview, model })
}

/// A change resolved: its preview, and what applying it records.
struct Plan {
    preview: Preview,
    /// The physical steps, in order.
    steps: Vec<Step>,
    /// The schema's oid.
    namespace: u32,
    /// The catalog rows the step adds.
    models: Vec<ModelRow>,
}

/// What an operator made of a change.
struct Resolved {
    op: Op,
    creates: Vec<String>,
    removes: Vec<String>,
    rows: i64,
    conflicts: Vec<Conflict>,
    steps: Vec<Step>,
}

/// Resolves `change`; with `lock`, every table it reads is locked first until the transaction
/// ends, so what the checks saw is what the step changes.
async fn plan(tx: &Transaction<'_>, schema: &str, change: &Change, lock: bool) -> Result<Plan, ModelError> {
    serialize(tx, schema).await?;
    let target = Target::find(tx, schema, lock).await?;
    let resolved = match change {
        Change::Extract { table, columns, into, key } => {
            extract::extract(tx, &target, table, columns, into, key).await?
        }
        Change::Move { table, columns, link } => extract::move_columns(tx, &target, table, columns, link).await?,
        Change::SplitColumns { table, columns, into } => split::split(tx, &target, table, columns, into).await?,
        Change::Merge { table, link } => merge::merge(tx, &target, table, link).await?,
        Change::SplitRows { table, into, condition } => {
            split_rows::split_rows(tx, &target, table, into, condition).await?
        }
        Change::RenameTable { table, to } => table::rename(tx, &target, table, to).await?,
        Change::RenameColumn { table, column, to } => column::rename(tx, &target, table, column, to).await?,
        Change::Retype { table, column, type_name, using, lossy } => {
            let asked = column::Retype { column, type_name, using: using.as_deref(), lossy: *lossy };
            column::retype(tx, &target, table, asked).await?
        }
        Change::AddColumn { table, column, type_name } => column::add(tx, &target, table, column, type_name).await?,
        Change::DropColumn { table, column } => column::drop(tx, &target, table, column).await?,
    };
    let Resolved { op, mut creates, removes, rows, mut conflicts, steps } = resolved;
    let (earlier, models) = catalog::next(tx, target.namespace, schema, &op).await?;
    if schema_exists(tx, &earlier.pg_schema).await? {
        conflicts.push(Conflict::Refused {
            reason: format!(
                "the views of model {} are to go to the schema {:?}, which exists; rename or drop that schema first",
                earlier.name, earlier.pg_schema
            ),
        });
    }
    creates.push(format!("schema {} with the views of model {}", earlier.pg_schema, earlier.name));
    let preview = Preview { summary: op.summary(), op, creates, removes, rows, conflicts };
    Ok(Plan { preview, steps, namespace: target.namespace, models })
}

/// Waits until no other transaction is previewing or making a step of `schema`, and keeps the
/// others waiting until this one ends: two steps planned at once would both number their model
/// after the same newest one, and lock the tables in different orders. Then this one sees the
/// other's step. Keyed on the two-integer form (`hashtext('strata.model')`, the schema's oid),
/// which never meets the one-integer keys of the migrations and the audit trail.
async fn serialize(tx: &Transaction<'_>, schema: &str) -> Result<(), Error> {
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('strata.model'), (oid::int8 - 2147483648)::int4) \
         FROM pg_namespace WHERE nspname = $1",
        &[&schema],
    )
    .await
    .map_err(Error::postgres("waiting for the other steps of the schema"))?;
    Ok(())
}

async fn schema_exists(tx: &Transaction<'_>, name: &str) -> Result<bool, Error> {
    let row = tx
        .query_one("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", &[&name])
        .await
        .map_err(Error::postgres("looking for a schema"))?;
    Ok(row.get(0))
}

/// A foreign key referencing a table.
struct Reference {
    /// The constraint's name.
    name: String,
    /// The table it is on, as `regclass` spells it.
    on: String,
    /// Whether that table keeps values an earlier model step took away (`strata.kept_model_…`).
    kept: bool,
}

/// The schema a change is made to, and the model the step will make.
struct Target {
    /// The schema.
    name: String,
    /// Its oid.
    namespace: u32,
    /// The database (for messages).
    database: String,
    /// The number of the model the step makes.
    number: i32,
    /// Whether the tables read are locked (the step is being made).
    lock: bool,
}

impl Target {
    /// The user schema `schema`, which must hold a newest model (not an earlier model's views).
    async fn find(tx: &Transaction<'_>, schema: &str, lock: bool) -> Result<Target, ModelError> {
        let database: String = tx
            .query_one("SELECT current_database()::text", &[])
            .await
            .map_err(Error::postgres("reading the database's name"))?
            .get(0);
        crate::catalog::schema_must_exist(tx, &database, schema).await?;
        let row = tx
            .query_one(
                "SELECT n.oid, coalesce((SELECT max(m.number) FROM strata.model m WHERE m.namespace = n.oid), 1) + 1, \
                        (SELECT format('model %s of %s', m.name, s.nspname) FROM strata.model m \
                         JOIN pg_namespace s ON s.oid = m.namespace \
                         WHERE m.pg_schema = n.nspname AND m.number < (SELECT max(l.number) FROM strata.model l \
                                                                      WHERE l.namespace = m.namespace)) \
                 FROM pg_namespace n WHERE n.nspname = $1",
                &[&schema],
            )
            .await
            .map_err(Error::postgres("reading the schema's models"))?;
        if let Some(earlier) = row.get::<_, Option<String>>(2) {
            return Err(ModelError::Database(Error::BadParameter {
                parameter: "schema".into(),
                reason: format!(
                    "{schema:?} holds the views of {earlier}; a step changes a schema's newest model, its tables"
                ),
            }));
        }
        Ok(Target { name: schema.to_string(), namespace: row.get(0), database, number: row.get(1), lock })
    }

    /// The table `name` of the schema, as it is now: locked against every other use first when
    /// the step is being made (it changes the table's structure anyway), so that what the checks
    /// read is what the step changes.
    async fn table(&self, tx: &Transaction<'_>, name: &str) -> Result<Table, ModelError> {
        let mut relation = crate::catalog::relation(tx, &self.database, &self.name, name, true).await?;
        if relation.info.kind != RelationKind::Table {
            return Err(DdlError::NotATable {
                schema: self.name.clone(),
                table: name.to_string(),
                kind: relation.info.kind.as_str(),
            }
            .into());
        }
        let qualified = QualifiedName::new(name_of(&self.name)?, name_of(name)?);
        if self.lock {
            let sql = format!("LOCK TABLE {qualified} IN ACCESS EXCLUSIVE MODE");
            tx.batch_execute(&sql).await.map_err(Error::postgres(format!("locking {qualified}")))?;
            relation = crate::catalog::relation(tx, &self.database, &self.name, name, true).await?;
        }
        let relid = steps::relid(tx, &qualified).await?;
        Ok(Table { name: qualified, relid, relation })
    }

    /// The name of the function in schema `strata` the step makes of a user's expression.
    fn function(&self) -> String {
        format!("model_{}_{}", self.namespace, self.number)
    }

    /// Checks that `name` can name a new table of the schema; says why not in `conflicts`.
    async fn new_table(&self, tx: &Transaction<'_>, name: &str, conflicts: &mut Vec<Conflict>) -> Result<(), Error> {
        if let Err(err) = Ident::new(name) {
            conflicts.push(Conflict::Refused { reason: format!("{name:?} cannot name a table: {err}") });
            return Ok(());
        }
        let row = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                                WHERE n.nspname = $1 AND c.relname = $2)",
                &[&self.name, &name],
            )
            .await
            .map_err(Error::postgres("looking for the name"))?;
        if row.get(0) {
            conflicts.push(Conflict::Refused {
                reason: format!(
                    "{:?} already has a table (or index or sequence) named {name:?}; choose another name",
                    self.name
                ),
            });
        }
        Ok(())
    }
}

/// A name the catalog gave, as an identifier.
fn name_of(name: &str) -> Result<Ident, Error> {
    Ident::new(name).map_err(|err| Error::BadParameter { parameter: "name".into(), reason: format!("{name:?}: {err}") })
}

/// A table of the newest model.
struct Table {
    /// Its name.
    name: QualifiedName,
    /// Its oid.
    relid: u32,
    /// Its columns and keys.
    relation: Relation,
}

impl Table {
    /// Its name in the schema.
    fn label(&self) -> &str {
        self.name.name.as_str()
    }

    /// Its single-column primary key.
    fn key(&self) -> Option<&str> {
        match self.relation.primary_key.as_slice() {
            [key] => Some(key),
            _ => None,
        }
    }

    /// The columns `names` to move to another table, in the table's order, with their positions;
    /// says in `conflicts` which are missing, repeated, the key or computed.
    fn pick(&self, names: &[String], conflicts: &mut Vec<Conflict>) -> (Vec<String>, Vec<usize>) {
        let table = self.label();
        if names.is_empty() {
            conflicts.push(Conflict::Refused {
                reason: format!("no column of {table:?} was named; name at least one column for the step to take"),
            });
        }
        let mut picked = Vec::new();
        for (at, name) in names.iter().enumerate() {
            if names[..at].contains(name) {
                conflicts.push(Conflict::Refused { reason: format!("the column {name:?} is named twice") });
                continue;
            }
            let Some(position) = self.relation.columns.iter().position(|column| &column.name == name) else {
                conflicts.push(Conflict::Refused { reason: format!("{table:?} has no column {name:?}") });
                continue;
            };
            let column = &self.relation.columns[position];
            if self.relation.primary_key.contains(name) {
                conflicts.push(Conflict::Refused {
                    reason: format!("{name:?} is the primary key of {table:?}, which its rows are found by; it stays"),
                });
            } else if column.generated || column.identity {
                conflicts.push(Conflict::Refused {
                    reason: format!(
                        "{name:?} of {table:?} is computed by PostgreSQL (generated or identity); it stays"
                    ),
                });
            }
            picked.push((position, name.clone()));
        }
        picked.sort();
        picked.into_iter().map(|(position, name)| (name, position)).unzip()
    }

    /// Refuses a change that needs a single-column primary key when the table has none.
    fn needs_key(&self, conflicts: &mut Vec<Conflict>) {
        if self.key().is_none() {
            conflicts.push(Conflict::Refused {
                reason: format!(
                    "{:?} has no single-column primary key, and this step finds its rows by key; add one first",
                    self.label()
                ),
            });
        }
    }

    /// Checks that `name` can name a new column of the table; says why not in `conflicts`.
    fn new_column(&self, name: &str, conflicts: &mut Vec<Conflict>) {
        if let Err(err) = Ident::new(name) {
            conflicts.push(Conflict::Refused { reason: format!("{name:?} cannot name a column: {err}") });
        } else if self.relation.column(name).is_some() {
            conflicts.push(Conflict::Refused {
                reason: format!("{:?} already has a column {name:?}; choose another name", self.label()),
            });
        }
    }

    /// What of the columns `names` (which exist) does not go along with them to `to`, for the
    /// preview's `removes`: "default of orders.City", "foreign key orders_x_fkey", ...
    async fn lost(&self, tx: &Transaction<'_>, names: &[String], to: Destination) -> Result<Vec<String>, ModelError> {
        let columns = steps::describe_all(tx, self.relid, names).await?;
        Ok(columns.iter().flat_map(|column| column.lost(self.label(), to)).collect())
    }

    /// The foreign keys that reference this table (its own included), but `except`'s over its
    /// column `except.1`, by table and name.
    async fn references(&self, tx: &Transaction<'_>, except: Option<(&Table, &str)>) -> Result<Vec<Reference>, Error> {
        let (relid, column) = except.map_or((0, ""), |(table, column)| (table.relid, column));
        let rows = tx
            .query(
                "SELECT c.conname::text, c.conrelid::regclass::text, \
                        n.nspname = 'strata' AND starts_with(r.relname, 'kept_model_') \
                 FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid \
                 JOIN pg_namespace n ON n.oid = r.relnamespace \
                 WHERE c.confrelid = $1 AND c.contype = 'f' \
                   AND NOT (c.conrelid = $2 AND c.conkey = ARRAY[(SELECT a.attnum FROM pg_attribute a \
                                                                  WHERE a.attrelid = $2 AND a.attname = $3)]) \
                 ORDER BY 2, 1",
                &[&self.relid, &relid, &column],
            )
            .await
            .map_err(Error::postgres("looking for the foreign keys to the table"))?;
        Ok(rows.iter().map(|row| Reference { name: row.get(0), on: row.get(1), kept: row.get(2) }).collect())
    }

    /// What else holds on to the columns `names` and would be lost with them: constraints and
    /// indexes over several columns, other tables' foreign keys, views (but earlier models').
    async fn entangled(&self, tx: &Transaction<'_>, names: &[String]) -> Result<Vec<Conflict>, Error> {
        let rows = tx
            .query(
                "SELECT a.attname::text, x.what FROM ( \
                     SELECT unnest(c.conkey) AS attnum, format('the constraint %I over several columns', c.conname) AS what \
                     FROM pg_constraint c WHERE c.conrelid = $1 AND cardinality(c.conkey) > 1 \
                     UNION ALL \
                     SELECT unnest(c.confkey), format('the foreign key %I of %s', c.conname, c.conrelid::regclass) \
                     FROM pg_constraint c WHERE c.confrelid = $1 AND c.contype = 'f' AND c.conrelid <> $1 \
                     UNION ALL \
                     SELECT d.refobjsubid, format('the index %s over several columns', d.objid::regclass) \
                     FROM pg_depend d JOIN pg_index i ON i.indexrelid = d.objid \
                     WHERE d.classid = 'pg_class'::regclass AND d.refobjid = $1 AND d.refobjsubid > 0 \
                       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = $1) \
                       AND (SELECT count(DISTINCT o.refobjsubid) FROM pg_depend o WHERE o.objid = d.objid \
                            AND o.classid = 'pg_class'::regclass AND o.refobjid = $1 AND o.refobjsubid > 0) > 1 \
                     UNION ALL \
                     SELECT d.refobjsubid, format('the view %s', r.ev_class::regclass) \
                     FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid \
                     JOIN pg_class v ON v.oid = r.ev_class JOIN pg_namespace vn ON vn.oid = v.relnamespace \
                     WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = $1 AND r.ev_class <> $1 \
                       AND NOT EXISTS (SELECT 1 FROM strata.model m WHERE m.pg_schema = vn.nspname)) x \
                 JOIN pg_attribute a ON a.attrelid = $1 AND a.attnum = x.attnum \
                 WHERE a.attname = ANY($2) GROUP BY 1, 2 ORDER BY 1, 2",
                &[&self.relid, &names],
            )
            .await
            .map_err(Error::postgres("looking for what depends on the columns"))?;
        Ok(rows
            .iter()
            .map(|row| {
                let (column, what): (String, String) = (row.get(0), row.get(1));
                Conflict::Refused {
                    reason: format!(
                        "{what} uses {column:?} of {:?} and would be lost; drop it first (and add it again after)",
                        self.label()
                    ),
                }
            })
            .collect())
    }
}

/// `name` followed by `suffix`, cut on a character boundary to fit a PostgreSQL name, with `_2`,
/// `_3`, ... added while `taken` says it is.
fn free_name(name: &str, suffix: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut attempt = 1;
    loop {
        let suffix = match attempt {
            1 => suffix.to_string(),
            _ => format!("{suffix}_{attempt}"),
        };
        let candidate = format!("{}{suffix}", catalog::fit(name, suffix.len()));
        if !taken(&candidate) {
            return candidate;
        }
        attempt += 1;
    }
}

/// "1 row", "10,000 rows".
fn rows(count: i64) -> String {
    let sign = if count < 0 { "-" } else { "" };
    format!("{sign}{} row{}", crate::count(count.unsigned_abs()), if count == 1 { "" } else { "s" })
}

/// Runs `work` inside a savepoint that is always rolled back, so what it creates to look
/// (a function, a probe) leaves nothing; a statement PostgreSQL refuses becomes a
/// [`Conflict::Refused`] saying `what` failed.
async fn looking<T>(
    tx: &Transaction<'_>,
    what: &str,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<Result<T, Conflict>, Error> {
    let savepoint = crate::ddl::Savepoint::begin(tx, "strata_model_preview").await?;
    let result = work.await;
    savepoint.rollback().await?;
    match result {
        Ok(found) => Ok(Ok(found)),
        Err(err) if err.code().is_some() => {
            Ok(Err(Conflict::Refused { reason: format!("{what}: {}", crate::error::describe_source(&err)) }))
        }
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_rows() {
        assert_eq!(rows(0), "0 rows");
        assert_eq!(rows(1), "1 row");
        assert_eq!(rows(999), "999 rows");
        assert_eq!(rows(10_000), "10,000 rows");
        assert_eq!(rows(1_234_567), "1,234,567 rows");
    }

    #[test]
    fn frees_names() {
        assert_eq!(free_name("customers", "_id", |_| false), "customers_id");
        assert_eq!(free_name("customers", "_id", |name| name == "customers_id"), "customers_id_2");
        let long = "é".repeat(40);
        let name = free_name(&long, "_id", |_| false);
        assert!(name.len() <= 63 && name.ends_with("_id"), "{name}");
    }
}
