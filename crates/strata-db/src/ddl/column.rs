//! Adding, renaming, retyping and dropping columns.
//!
//! A retype converts every value with `USING column::new_type`; if PostgreSQL refuses one, the
//! column is left as it was and [`DdlError::RetypeRefused`] carries the [`retype`](super::retype)
//! preview of which values fail and why.
//!
//! Each change is a step of the transaction's action ([`steps`]), so it can be undone: a dropped
//! column's definition and values are kept (and it comes back at the end of the table), a retype
//! keeps the old values.

use strata_sql::{Ident, QualifiedName};
use tokio_postgres::Transaction;

use super::{
    DdlError, NewColumn, Savepoint, TablePath, bad, existing_name, existing_table, new_name, refusal, retype, types,
};
use crate::audit::steps::{self, ColumnDefinition, Step};
use crate::catalog::{self, Column, Relation};
use crate::error::describe_source;

/// What to change about a column; at least one is set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnChange {
    /// A new name.
    pub name: Option<String>,
    /// A new type, as the user wrote it.
    pub type_name: Option<String>,
}

/// Adds `column` to the table `path` and returns the table.
pub async fn add(tx: &Transaction<'_>, path: TablePath<'_>, column: &NewColumn) -> Result<Relation, DdlError> {
    let (table, sql_type) = addable(tx, path, column).await?;
    let definition = ColumnDefinition::new(&column.name, sql_type.as_str(), !column.nullable);
    let relid = steps::relid(tx, &table).await?;
    steps::perform(tx, Step::AddColumn { relid, column: definition, kept: None }).await?;
    Ok(catalog::relation(tx, path.database, path.schema, path.table, true).await?)
}

/// The table `path` and the type of `column`, a column it can get: its name is one, its type
/// one PostgreSQL knows. Changes nothing.
pub(crate) async fn addable(
    tx: &Transaction<'_>,
    path: TablePath<'_>,
    column: &NewColumn,
) -> Result<(QualifiedName, types::SqlType), DdlError> {
    let (_, table) = existing_table(tx, path).await?;
    new_name(&column.name)?;
    Ok((table, super::table::column_type(tx, column).await?))
}

/// Retypes and/or renames the column `name` of the table `path`, and returns the table.
pub async fn alter(
    tx: &Transaction<'_>,
    path: TablePath<'_>,
    name: &str,
    change: &ColumnChange,
) -> Result<Relation, DdlError> {
    let Altered { relation, table, retype, rename } = check(tx, path, name, change).await?;
    if let Some(new_type) = &retype {
        convert(tx, &relation, &table, find(&relation, path, name)?, new_type).await?;
    }
    if let Some(new) = rename {
        let relid = steps::relid(tx, &table).await?;
        steps::perform(tx, Step::RenameColumn { relid, from: name.to_string(), to: new.as_str().to_string() }).await?;
    }
    Ok(catalog::relation(tx, path.database, path.schema, path.table, true).await?)
}

/// A column change checked against the table: what really changes (a type or a name the column
/// has already is no change).
pub(crate) struct Altered {
    /// The table.
    pub(crate) relation: Relation,
    /// Its name.
    pub(crate) table: QualifiedName,
    /// The new type, if the column changes type.
    pub(crate) retype: Option<types::SqlType>,
    /// The new name, if the column is renamed.
    pub(crate) rename: Option<Ident>,
}

/// Checks `change` to the column `name` of the table `path`: the column exists, the new name is
/// one, the new type is one PostgreSQL knows. Changes nothing.
pub(crate) async fn check(
    tx: &Transaction<'_>,
    path: TablePath<'_>,
    name: &str,
    change: &ColumnChange,
) -> Result<Altered, DdlError> {
    if change.name.is_none() && change.type_name.is_none() {
        return Err(bad("body", "give the column a new `name`, a new `type`, or both").into());
    }
    let (relation, table) = existing_table(tx, path).await?;
    let column = find(&relation, path, name)?;
    let old = existing_name(name)?;
    let retype = match &change.type_name {
        Some(type_name) => Some(types::resolve(tx, type_name).await?).filter(|new| new.as_str() != column.type_name),
        None => None,
    };
    let rename = change.name.as_deref().map(new_name).transpose()?.filter(|new| *new != old);
    Ok(Altered { relation, table, retype, rename })
}

/// Converts every value of `column` to `new_type` inside a savepoint; when PostgreSQL refuses,
/// rolls back and previews which values fail.
async fn convert(
    tx: &Transaction<'_>,
    relation: &Relation,
    table: &QualifiedName,
    column: &Column,
    new_type: &types::SqlType,
) -> Result<(), DdlError> {
    let relid = steps::relid(tx, table).await?;
    let step = Step::Retype {
        relid,
        column: column.name.clone(),
        type_name: new_type.as_str().to_string(),
        collation: None,
        kept: None,
        using: None,
    };
    let savepoint = Savepoint::begin(tx, "strata_retype").await?;
    let err = match steps::perform_unsorted(tx, step).await {
        Ok(()) => return Ok(savepoint.release().await?),
        Err(DdlError::Database(err)) => err,
        Err(other) => {
            savepoint.rollback().await?;
            return Err(other);
        }
    };
    savepoint.rollback().await?;
    // Data exceptions, constraint violations, and no cast or a default that does not convert.
    let converting = err
        .code()
        .is_some_and(|code| code.starts_with("22") || code.starts_with("23") || code == "42846" || code == "42804");
    if !converting {
        return Err(refusal(err));
    }
    let preview = retype::probe(tx, relation, table, column, new_type).await?;
    Err(DdlError::RetypeRefused { column: column.name.clone(), reason: describe_source(&err), preview })
}

/// Drops the column `name` of the table `path`; never a primary key column.
pub async fn drop(tx: &Transaction<'_>, path: TablePath<'_>, name: &str) -> Result<(), DdlError> {
    let table = droppable(tx, path, name).await?;
    let relid = steps::relid(tx, &table).await?;
    steps::perform(tx, Step::DropColumn { relid, name: name.to_string() }).await
}

/// The table `path`, when its column `name` exists and is not of its primary key.
pub(crate) async fn droppable(
    tx: &Transaction<'_>,
    path: TablePath<'_>,
    name: &str,
) -> Result<QualifiedName, DdlError> {
    let (relation, table) = existing_table(tx, path).await?;
    find(&relation, path, name)?;
    if relation.primary_key.iter().any(|key| key == name) {
        return Err(DdlError::PrimaryKey { table: path.table.to_string(), column: name.to_string() });
    }
    existing_name(name)?;
    Ok(table)
}

/// The column `name` of `relation`, or [`DdlError::UnknownColumn`].
pub(super) fn find<'r>(relation: &'r Relation, path: TablePath<'_>, name: &str) -> Result<&'r Column, DdlError> {
    relation.column(name).ok_or_else(|| DdlError::UnknownColumn {
        schema: path.schema.to_string(),
        table: path.table.to_string(),
        column: name.to_string(),
    })
}
