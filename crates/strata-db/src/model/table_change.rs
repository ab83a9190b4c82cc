//! The grid's structure changes (the tables and columns API: rename a table; add, rename, retype
//! or drop a column; delete a table) in a schema that has models.
//!
//! Made directly ([`crate::ddl`]), such a change would break the chain of models: the steps
//! recorded since an earlier model name the tables and columns as they were, and its views read
//! them. So once a schema has models, each change is a model step instead ([`super::apply`] with
//! the matching [`Change`]), and the model before it keeps its views; a column renamed and
//! retyped at once is two steps. A table an earlier model reads (one a step made or changed)
//! cannot be deleted; one no step touched, which earlier models show as it is, goes from them
//! too. A schema without models is changed directly, and gets none.
//!
//! ```no_run
//! # async fn run(tx: &tokio_postgres::Transaction<'_>) -> Result<(), strata_db::model::ModelError> {
//! use strata_db::audit::action::{self, ActionKind};
//! use strata_db::ddl::TablePath;
//! use strata_db::model::TableChange;
//!
//! let change = TableChange::begin(tx, TablePath::new("shop", "public", "orders")).await?;
//! // `model` when the schema has models, else `drop_column`.
//! action::begin(tx, change.kind(ActionKind::DropColumn), "Deleted column Note from orders").await?;
//! change.drop_column(tx, "Note").await?;
//! # Ok(()) }
//! ```

use strata_sql::QualifiedName;
use tokio_postgres::Transaction;

use super::mapping::Mapping;
use super::{Change, Conflict, ModelError, ModelInfo, Preview};
use crate::Error;
use crate::audit::action::ActionKind;
use crate::audit::steps::{self, Step};
use crate::catalog::{self, Relation};
use crate::ddl::column::{Altered, ColumnChange};
use crate::ddl::{self, DdlError, NewColumn, TablePath};

/// A structure change of one table about to be made: the table is locked, and whether its
/// schema has models decides how the change is made.
#[derive(Debug, Clone, Copy)]
pub struct TableChange<'a> {
    /// The table.
    path: TablePath<'a>,
    /// Whether its schema has models (rows in `strata.model`).
    models: bool,
}

impl<'a> TableChange<'a> {
    /// Starts a structure change of the table `path` (a table, not a view): locks it, so that no
    /// model step of its schema is made meanwhile, and looks its schema's models up.
    pub async fn begin(tx: &Transaction<'_>, path: TablePath<'a>) -> Result<TableChange<'a>, DdlError> {
        let (_, table) = ddl::existing_table(tx, path).await?;
        let sql = format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE");
        tx.batch_execute(&sql).await.map_err(Error::postgres(format!("locking {table}")))?;
        let models = super::catalog::has_models(tx, path.schema).await?;
        Ok(TableChange { path, models })
    }

    /// The kind of action a change the grid calls `direct` is: a model step when the schema has
    /// models and a model records the change (renaming a table, adding, changing or dropping a
    /// column), else `direct`.
    pub fn kind(&self, direct: ActionKind) -> ActionKind {
        match direct {
            ActionKind::RenameTable | ActionKind::AddColumn | ActionKind::AlterColumn | ActionKind::DropColumn
                if self.models =>
            {
                ActionKind::Model
            }
            other => other,
        }
    }

    /// Renames the table to `to` (nothing when it is called that) and returns it.
    pub async fn rename(&self, tx: &Transaction<'_>, to: &str) -> Result<Relation, ModelError> {
        if !self.models {
            return Ok(ddl::table::rename(tx, self.path, to).await?);
        }
        if ddl::table::renamed(tx, self.path, to).await?.is_some() {
            self.step(tx, Change::RenameTable { table: self.path.table.to_string(), to: to.to_string() }).await?;
        }
        Ok(self.relation(tx, to).await?)
    }

    /// Adds `column` and returns the table. With models the column may hold NULL: rows written
    /// through the earlier models, which do not have it, leave it empty.
    pub async fn add_column(&self, tx: &Transaction<'_>, column: &NewColumn) -> Result<Relation, ModelError> {
        if !self.models {
            return Ok(ddl::column::add(tx, self.path, column).await?);
        }
        let (_, sql_type) = ddl::column::addable(tx, self.path, column).await?;
        if !column.nullable {
            return Err(DdlError::Refused(format!(
                "{:?} cannot be NOT NULL: {:?} has models, and rows written through the earlier ones, which do not \
                 have the column, leave it empty; add it without NOT NULL",
                column.name, self.path.schema
            ))
            .into());
        }
        let change = Change::AddColumn {
            table: self.path.table.to_string(),
            column: column.name.clone(),
            type_name: sql_type.as_str().to_string(),
        };
        self.step(tx, change).await?;
        Ok(self.relation(tx, self.path.table).await?)
    }

    /// Retypes and/or renames the column `name` (with models: one step each, the retype first)
    /// and returns the table. Values the new type refuses are a
    /// [`DdlError::RetypeRefused`] as without models; values earlier models would read back
    /// differently refuse the step ([`ModelError::Refused`]).
    pub async fn alter_column(
        &self,
        tx: &Transaction<'_>,
        name: &str,
        change: &ColumnChange,
    ) -> Result<Relation, ModelError> {
        if !self.models {
            return Ok(ddl::column::alter(tx, self.path, name, change).await?);
        }
        let Altered { retype, rename, .. } = ddl::column::check(tx, self.path, name, change).await?;
        let table = self.path.table.to_string();
        if let Some(new_type) = retype {
            let type_name = new_type.as_str();
            let retype = Change::Retype {
                table: table.clone(),
                column: name.to_string(),
                type_name: type_name.to_string(),
                using: None,
                lossy: false,
            };
            match self.step(tx, retype).await {
                Err(ModelError::Refused(preview)) => {
                    return Err(self.refused_retype(tx, name, type_name, preview).await?);
                }
                done => done?,
            }
        }
        if let Some(to) = rename {
            self.step(tx, Change::RenameColumn { table, column: name.to_string(), to: to.as_str().to_string() })
                .await?;
        }
        Ok(self.relation(tx, self.path.table).await?)
    }

    /// A refused retype of the column `name` to `type_name`, answered as the grid's retype
    /// answers one when the new type refuses values (with rows that hold them); else the step's
    /// own refusal.
    async fn refused_retype(
        &self,
        tx: &Transaction<'_>,
        name: &str,
        type_name: &str,
        preview: Box<Preview>,
    ) -> Result<ModelError, DdlError> {
        if !preview.conflicts.iter().any(|conflict| matches!(conflict, Conflict::Value { .. })) {
            return Ok(ModelError::Refused(preview));
        }
        let found = ddl::retype::preview(tx, self.path, name, type_name).await?;
        let Some(reason) = found.samples.first().map(|sample| sample.error.clone()) else {
            return Ok(ModelError::Refused(preview));
        };
        Ok(DdlError::RetypeRefused { column: name.to_string(), reason, preview: found }.into())
    }

    /// Drops the column `name` (never one of the primary key); with models its values stay for
    /// the earlier ones.
    pub async fn drop_column(&self, tx: &Transaction<'_>, name: &str) -> Result<(), ModelError> {
        if !self.models {
            return Ok(ddl::column::drop(tx, self.path, name).await?);
        }
        ddl::column::droppable(tx, self.path, name).await?;
        self.step(tx, Change::DropColumn { table: self.path.table.to_string(), column: name.to_string() }).await
    }

    /// Deletes the table as [`ddl::table::drop`] does; with models, only if no earlier model
    /// reads it ([`ModelError::ReadByModels`]), and the earlier models' views of it (the table as
    /// it is) go with it.
    pub async fn drop(&self, tx: &Transaction<'_>, cascade: bool) -> Result<(), ModelError> {
        if !self.models {
            return Ok(ddl::table::drop(tx, self.path, cascade).await?);
        }
        let schema = self.path.schema.to_string();
        let mapped = super::mappings(tx, &schema).await?;
        let (_, table) = ddl::existing_table(tx, self.path).await?;
        let models = readers(&mapped, &table);
        if let Some(first) = models.first().map(|model| model.id) {
            let actions = mapped.iter().rev().filter(|(model, _)| model.id > first).filter_map(|(m, _)| m.action);
            return Err(ModelError::ReadByModels {
                table: self.path.table.to_string(),
                actions: actions.collect(),
                models,
            });
        }
        steps::perform(tx, Step::DropModelViews { schema: schema.clone() }).await?;
        ddl::table::drop(tx, self.path, cascade).await?;
        steps::perform(tx, Step::BuildModelViews { schema }).await?;
        Ok(())
    }

    /// Makes `change` a model step.
    async fn step(&self, tx: &Transaction<'_>, change: Change) -> Result<(), ModelError> {
        super::apply(tx, self.path.schema, &change).await.map(|_| ())
    }

    /// The table `name` of the schema.
    async fn relation(&self, tx: &Transaction<'_>, name: &str) -> Result<Relation, Error> {
        catalog::relation(tx, self.path.database, self.path.schema, name, true).await
    }
}

/// The earlier models that read `table` other than as it is: through a step that made or changed
/// it. (Each earlier model also shows the tables no step touched, as they are.)
fn readers(mapped: &[(ModelInfo, Mapping)], table: &QualifiedName) -> Vec<ModelInfo> {
    let current = mapped.iter().find(|(model, _)| model.current);
    let as_it_is = current.and_then(|(_, mapping)| mapping.table(table.name.as_str()));
    mapped
        .iter()
        .filter(|(model, mapping)| {
            !model.current
                && mapping
                    .tables
                    .iter()
                    .any(|logical| Some(logical) != as_it_is && logical.nodes.iter().any(|node| &node.table == table))
        })
        .map(|(model, _)| model.clone())
        .collect()
}
