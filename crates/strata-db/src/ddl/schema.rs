//! Creating, renaming and dropping schemas, each a step of the transaction's action
//! ([`steps`]). A schema deleted with cascade has its tables moved to the trash first, so the
//! deletion can be undone.

use strata_sql::{Ident, QualifiedName};
use tokio_postgres::Transaction;

use super::{DdlError, bad, existing_name, new_name};
use crate::audit::steps::{self, Step};
use crate::catalog::RelationKind;
use crate::{Error, catalog, model};

/// `text` as a new schema's name: not one of the schemas Strata does not show as user schemas.
fn schema_name(text: &str) -> Result<Ident, Error> {
    if ["strata", "information_schema"].contains(&text) || text.starts_with("pg_") {
        return Err(bad("name", format!("{text:?} is reserved for PostgreSQL and Strata's own schemas")));
    }
    new_name(text)
}

/// Creates the schema `name`; [`DdlError::Exists`] if it exists.
pub async fn create(tx: &Transaction<'_>, name: &str) -> Result<String, DdlError> {
    schema_name(name)?;
    steps::perform(tx, Step::CreateSchema { name: name.to_string() }).await?;
    Ok(name.to_string())
}

/// Renames the user schema `schema` to `name` (a no-op if they are equal). The views of its
/// earlier models are made again around the rename: their triggers name the tables they write.
pub async fn rename(tx: &Transaction<'_>, database: &str, schema: &str, name: &str) -> Result<String, DdlError> {
    catalog::schema_must_exist(tx, database, schema).await?;
    let (old, new) = (existing_name(schema)?, schema_name(name)?);
    if old == new {
        return Ok(name.to_string());
    }
    let (from, to) = (old.as_str().to_string(), new.as_str().to_string());
    let models = model::has_models(tx, schema).await?;
    if models {
        steps::perform(tx, Step::DropModelViews { schema: from.clone() }).await?;
    }
    steps::perform(tx, Step::RenameSchema { from, to: to.clone() }).await?;
    if models {
        steps::perform(tx, Step::BuildModelViews { schema: to }).await?;
    }
    Ok(name.to_string())
}

/// Deletes the user schema `schema`; unless `cascade`, only if it holds no tables or views
/// ([`DdlError::SchemaNotEmpty`] lists them), and only if it has no earlier models
/// ([`DdlError::Refused`]). With `cascade`, its views are dropped and its tables
/// moved to the trash (as [`table::drop`](super::table::drop) with cascade does) first; other
/// objects in it (types, functions, sequences of no table) make it [`DdlError::Dependents`].
pub async fn drop(tx: &Transaction<'_>, database: &str, schema: &str, cascade: bool) -> Result<(), DdlError> {
    let relations = catalog::relations(tx, database, schema).await?;
    if model::has_models(tx, schema).await? {
        return Err(DdlError::Refused(format!(
            "{schema:?} has earlier models (its steps are in the History); undo its model steps first, newest \
             first, then delete it"
        )));
    }
    if !cascade && !relations.is_empty() {
        let tables = relations.into_iter().map(|table| table.name).collect();
        return Err(DdlError::SchemaNotEmpty { schema: schema.to_string(), tables });
    }
    let name = existing_name(schema)?;
    let mut views = Vec::new();
    for view in relations.iter().filter(|relation| relation.kind == RelationKind::View) {
        views.push(steps::relid(tx, &QualifiedName::new(name.clone(), existing_name(&view.name)?)).await?);
    }
    // Newest first, so a view over another goes before it.
    views.sort_unstable_by(|a, b| b.cmp(a));
    for relid in views {
        steps::perform(tx, Step::DropView { relid }).await?;
    }
    for table in relations.iter().filter(|relation| relation.kind == RelationKind::Table) {
        let table = QualifiedName::new(name.clone(), existing_name(&table.name)?);
        super::table::trash(tx, &table, true).await?;
    }
    steps::perform(tx, Step::DropSchema { name: schema.to_string() }).await
}
