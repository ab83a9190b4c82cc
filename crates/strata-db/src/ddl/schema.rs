//! Creating, renaming and dropping schemas.

use strata_sql::Ident;
use tokio_postgres::Transaction;

use super::{DdlError, bad, existing_name, new_name, run};
use crate::{Error, catalog};

/// `text` as a new schema's name: not one of the schemas Strata does not show as user schemas.
fn schema_name(text: &str) -> Result<Ident, Error> {
    if ["strata", "information_schema"].contains(&text) || text.starts_with("pg_") {
        return Err(bad("name", format!("{text:?} is reserved for PostgreSQL and Strata's own schemas")));
    }
    new_name(text)
}

/// Creates the schema `name`; [`DdlError::Exists`] if it exists.
pub async fn create(tx: &Transaction<'_>, name: &str) -> Result<String, DdlError> {
    let schema = schema_name(name)?;
    run(tx, &format!("CREATE SCHEMA {schema}"), "creating the schema").await?;
    Ok(name.to_string())
}

/// Renames the user schema `schema` to `name` (a no-op if they are equal).
pub async fn rename(tx: &Transaction<'_>, database: &str, schema: &str, name: &str) -> Result<String, DdlError> {
    catalog::schema_must_exist(tx, database, schema).await?;
    let (old, new) = (existing_name(schema)?, schema_name(name)?);
    if old != new {
        run(tx, &format!("ALTER SCHEMA {old} RENAME TO {new}"), "renaming the schema").await?;
    }
    Ok(name.to_string())
}

/// Drops the user schema `schema`; unless `cascade`, only if it holds no tables or views
/// ([`DdlError::SchemaNotEmpty`] lists them).
pub async fn drop(tx: &Transaction<'_>, database: &str, schema: &str, cascade: bool) -> Result<(), DdlError> {
    let tables = catalog::relations(tx, database, schema).await?;
    if !cascade && !tables.is_empty() {
        let tables = tables.into_iter().map(|table| table.name).collect();
        return Err(DdlError::SchemaNotEmpty { schema: schema.to_string(), tables });
    }
    let mode = if cascade { "CASCADE" } else { "RESTRICT" };
    run(tx, &format!("DROP SCHEMA {} {mode}", existing_name(schema)?), "dropping the schema").await
}
