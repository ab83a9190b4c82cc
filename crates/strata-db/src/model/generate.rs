//! Generates every earlier model of a schema from the catalog: one PostgreSQL schema per earlier
//! model, holding a view per table with INSTEAD OF triggers where PostgreSQL cannot write through
//! the view itself.

use tokio_postgres::{GenericClient, Transaction};

use super::ModelInfo;
use super::mapping::Mapping;
use crate::Error;

/// Every model of `schema`, oldest first, with its tables over the physical tables.
pub async fn mappings(client: &impl GenericClient, schema: &str) -> Result<Vec<(ModelInfo, Mapping)>, Error> {
    let _ = (client, schema);
    todo!("generation")
}

/// Drops the views of every earlier model of `schema` (their PostgreSQL schemas), so its
/// physical tables can change.
pub async fn drop_views(tx: &Transaction<'_>, schema: &str) -> Result<(), Error> {
    let _ = (tx, schema);
    todo!("generation")
}

/// Creates the views and triggers of every earlier model of `schema` from the catalog.
pub async fn build_views(tx: &Transaction<'_>, schema: &str) -> Result<(), Error> {
    let _ = (tx, schema);
    todo!("generation")
}

/// One model's tables for people (the model diagram).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ModelDetail {
    /// The model.
    pub model: ModelInfo,
    /// Its tables, by name.
    pub tables: Vec<ModelTable>,
}

/// A table of a model.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ModelTable {
    /// Its name in the model.
    pub name: String,
    /// The PostgreSQL schema it is read from (the model's `pg_schema`).
    pub pg_schema: String,
    /// Its key column, if it has one.
    pub key: Option<String>,
    /// Its columns in order.
    pub columns: Vec<ModelColumn>,
    /// Its links to other tables of the model.
    pub links: Vec<ModelLink>,
}

/// A column of a model's table, and where it is kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ModelColumn {
    /// Its name in the model.
    pub name: String,
    /// Its type in the model.
    pub type_name: String,
    /// The physical table that holds it (`schema.table`).
    pub table: String,
    /// The physical column.
    pub column: String,
}

/// A foreign key between two tables of a model.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ModelLink {
    /// The linking column.
    pub column: String,
    /// The model's table it references.
    pub table: String,
}

/// Model `id` of `schema` with its tables; [`Error::BadParameter`] when there is no such model.
pub async fn describe(client: &impl GenericClient, schema: &str, id: i32) -> Result<ModelDetail, Error> {
    let _ = (client, schema, id);
    todo!("generation")
}
