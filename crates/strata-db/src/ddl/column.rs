//! Adding, renaming, retyping and dropping columns.
//!
//! A retype converts every value with `USING column::new_type`; if PostgreSQL refuses one, the
//! column is left as it was and [`DdlError::RetypeRefused`] carries the [`retype`](super::retype)
//! preview of which values fail and why.

use strata_sql::QualifiedName;
use tokio_postgres::Transaction;

use super::{
    DdlError, NewColumn, Savepoint, TablePath, bad, existing_name, existing_table, new_name, refusal, retype, run,
    types,
};
use crate::Error;
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
    let (_, table) = existing_table(tx, path).await?;
    let definition = super::table::definition(tx, column).await?;
    run(tx, &format!("ALTER TABLE {table} ADD COLUMN {definition}"), "adding the column").await?;
    Ok(catalog::relation(tx, path.database, path.schema, path.table, true).await?)
}

/// Retypes and/or renames the column `name` of the table `path`, and returns the table.
pub async fn alter(
    tx: &Transaction<'_>,
    path: TablePath<'_>,
    name: &str,
    change: &ColumnChange,
) -> Result<Relation, DdlError> {
    if change.name.is_none() && change.type_name.is_none() {
        return Err(bad("body", "give the column a new `name`, a new `type`, or both").into());
    }
    let (relation, table) = existing_table(tx, path).await?;
    let column = find(&relation, path, name)?;
    let old = existing_name(name)?;
    if let Some(type_name) = &change.type_name {
        let new_type = types::resolve(tx, type_name).await?;
        if new_type.as_str() != column.type_name {
            convert(tx, &relation, &table, column, &new_type).await?;
        }
    }
    if let Some(new) = &change.name {
        let new = new_name(new)?;
        if new != old {
            run(tx, &format!("ALTER TABLE {table} RENAME COLUMN {old} TO {new}"), "renaming the column").await?;
        }
    }
    Ok(catalog::relation(tx, path.database, path.schema, path.table, true).await?)
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
    let name = existing_name(&column.name)?;
    let sql = format!("ALTER TABLE {table} ALTER COLUMN {name} TYPE {new_type} USING {name}::{new_type}");
    let savepoint = Savepoint::begin(tx, "strata_retype").await?;
    let Err(source) = tx.batch_execute(&sql).await else {
        return Ok(savepoint.release().await?);
    };
    savepoint.rollback().await?;
    let err = Error::postgres(format!("changing the type of {name}"))(source);
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
    let (relation, table) = existing_table(tx, path).await?;
    find(&relation, path, name)?;
    if relation.primary_key.iter().any(|key| key == name) {
        return Err(DdlError::PrimaryKey { table: path.table.to_string(), column: name.to_string() });
    }
    run(tx, &format!("ALTER TABLE {table} DROP COLUMN {}", existing_name(name)?), "dropping the column").await
}

/// The column `name` of `relation`, or [`DdlError::UnknownColumn`].
pub(super) fn find<'r>(relation: &'r Relation, path: TablePath<'_>, name: &str) -> Result<&'r Column, DdlError> {
    relation.column(name).ok_or_else(|| DdlError::UnknownColumn {
        schema: path.schema.to_string(),
        table: path.table.to_string(),
        column: name.to_string(),
    })
}
