//! `/api/v1/databases/{db}/schemas/{schema}/tables[/{table}]`: tables and views, and one
//! table's columns and keys; creating, renaming and dropping a table.
//!
//! In a schema with models a rename is a model step, and a table an earlier model reads is not
//! dropped (`strata_db::model::TableChange`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use strata_db::audit::action::ActionKind;
use strata_db::catalog;
use strata_db::ddl::{self, TablePath};
use utoipa::ToSchema;

use crate::columns::NewColumn;
use crate::extract::{Cascade, Path};
use crate::summary::{self, Verb};
use crate::{Acted, ApiError, AppState};

/// A table or view in a listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct Table {
    /// Its name.
    #[schema(example = "orders")]
    pub name: String,
    /// `table`, `view`, `materialized_view` or `foreign_table`.
    #[schema(example = "table")]
    pub kind: &'static str,
    /// PostgreSQL's estimate of its rows (`pg_class.reltuples`); null if it was never analyzed
    /// or is a view.
    #[schema(example = 1_000_000)]
    pub estimated_rows: Option<i64>,
}

impl From<catalog::RelationInfo> for Table {
    fn from(info: catalog::RelationInfo) -> Table {
        Table { name: info.name, kind: info.kind.as_str(), estimated_rows: info.estimated_rows }
    }
}

/// A column.
#[derive(Debug, Serialize, ToSchema)]
pub struct Column {
    /// Its name.
    #[schema(example = "Order Date")]
    pub name: String,
    /// Its type as PostgreSQL's `format_type` spells it.
    #[serde(rename = "type")]
    #[schema(example = "date")]
    pub type_name: String,
    /// Whether it may be NULL.
    pub nullable: bool,
    /// Its default expression, if any.
    #[schema(example = "now()")]
    pub default: Option<String>,
    /// Its position (1-based; dropped columns leave gaps).
    pub position: i16,
    /// Numbered by PostgreSQL (`GENERATED ... AS IDENTITY`).
    pub identity: bool,
    /// Computed by PostgreSQL (`GENERATED ALWAYS AS (...) STORED`); never written.
    pub generated: bool,
}

/// A foreign key.
#[derive(Debug, Serialize, ToSchema)]
pub struct ForeignKey {
    /// The constraint's name.
    pub name: String,
    /// The referencing columns, in key order.
    pub columns: Vec<String>,
    /// The referenced table's schema.
    pub referenced_schema: String,
    /// The referenced table.
    pub referenced_table: String,
    /// The referenced columns, matching `columns`.
    pub referenced_columns: Vec<String>,
    /// For a single-column key, the referenced table's column whose text is a row's summary in
    /// `links` (its first text column, else its primary key): what a link picker shows and
    /// searches. Null for a composite key.
    pub label_column: Option<String>,
}

/// A table with its columns and keys.
#[derive(Debug, Serialize, ToSchema)]
pub struct TableDetail {
    /// Its schema.
    pub schema: String,
    /// Its name.
    pub name: String,
    /// `table`, `view`, `materialized_view` or `foreign_table`.
    pub kind: &'static str,
    /// PostgreSQL's estimate of its rows; null if never analyzed or a view.
    pub estimated_rows: Option<i64>,
    /// Its columns in position order.
    pub columns: Vec<Column>,
    /// The primary key's columns in key order; empty if it has none.
    pub primary_key: Vec<String>,
    /// Its foreign keys.
    pub foreign_keys: Vec<ForeignKey>,
}

impl From<catalog::Relation> for TableDetail {
    fn from(relation: catalog::Relation) -> TableDetail {
        TableDetail {
            schema: relation.schema,
            name: relation.info.name,
            kind: relation.info.kind.as_str(),
            estimated_rows: relation.info.estimated_rows,
            columns: relation
                .columns
                .into_iter()
                .map(|column| Column {
                    name: column.name,
                    type_name: column.type_name,
                    nullable: column.nullable,
                    default: column.default,
                    position: column.position,
                    identity: column.identity,
                    generated: column.generated,
                })
                .collect(),
            primary_key: relation.primary_key,
            foreign_keys: relation
                .foreign_keys
                .into_iter()
                .map(|key| ForeignKey {
                    name: key.name,
                    columns: key.columns,
                    referenced_schema: key.referenced_schema,
                    referenced_table: key.referenced_table,
                    referenced_columns: key.referenced_columns,
                    label_column: key.label_column,
                })
                .collect(),
        }
    }
}

/// The body that creates a table.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTable {
    /// Its name: any name of at most 63 bytes (UTF-8), kept exactly as given.
    #[schema(example = "orders")]
    pub name: String,
    /// Its columns, after the surrogate key `id` (`_id` if a column is named `id`).
    #[serde(default)]
    pub columns: Vec<NewColumn>,
}

/// The body that renames a table.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TableName {
    /// The new name.
    #[schema(example = "orders 2024")]
    pub name: String,
}

/// A foreign key of another table that references this one.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reference {
    /// The referencing table's schema.
    pub schema: String,
    /// The referencing table.
    pub table: String,
    /// The foreign key constraint.
    pub constraint: String,
}

impl From<ddl::Reference> for Reference {
    fn from(reference: ddl::Reference) -> Reference {
        Reference { schema: reference.schema, table: reference.table, constraint: reference.constraint }
    }
}

/// Lists the tables and views of a schema with their estimated sizes.
#[utoipa::path(
    get,
    path = "/api/v1/databases/{db}/schemas/{schema}/tables",
    tag = "tables",
    params(("db" = String, Path, description = "The database"), ("schema" = String, Path, description = "The schema")),
    responses(
        (status = 200, description = "Tables and views, by name", body = Vec<Table>),
        (status = 404, description = "No such database or schema", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Path((db, schema)): Path<(String, String)>,
) -> Result<Json<Vec<Table>>, ApiError> {
    let client = state.databases.client(&db).await?;
    let relations = catalog::relations(&**client, &db, &schema).await?;
    Ok(Json(relations.into_iter().map(Table::from).collect()))
}

/// Describes a table or view: columns, primary key, foreign keys.
#[utoipa::path(
    get,
    path = "/api/v1/databases/{db}/schemas/{schema}/tables/{table}",
    tag = "tables",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("table" = String, Path, description = "The table or view"),
    ),
    responses(
        (status = 200, description = "The table", body = TableDetail),
        (status = 404, description = "No such database, schema or table", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    Path((db, schema, table)): Path<(String, String, String)>,
) -> Result<Json<TableDetail>, ApiError> {
    let client = state.databases.client(&db).await?;
    let relation = catalog::relation(&**client, &db, &schema, &table, true).await?;
    Ok(Json(TableDetail::from(relation)))
}

/// Creates a table: a surrogate key `id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY`
/// (named `_id` if a column is named `id`), then the given columns.
#[utoipa::path(
    post,
    path = "/api/v1/databases/{db}/schemas/{schema}/tables",
    tag = "tables",
    params(("db" = String, Path, description = "The database"), ("schema" = String, Path, description = "The schema")),
    request_body = NewTable,
    responses(
        (status = 201, description = "Created", body = TableDetail,
         headers(("Strata-Action" = i64, description = "The action this write made, to undo it by"))),
        (status = 400, description = "A bad name (`name`) or a type PostgreSQL does not know (`type`)",
         body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such database or schema", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 409, description = "A table of that name exists", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    Path((db, schema)): Path<(String, String)>,
    crate::extract::Json(body): crate::extract::Json<NewTable>,
) -> Result<Acted<(StatusCode, Json<TableDetail>)>, ApiError> {
    let columns: Vec<ddl::NewColumn> = body.columns.into_iter().map(ddl::NewColumn::from).collect();
    let acted = state
        .act(
            &db,
            ActionKind::CreateTable,
            async |tx| ddl::table::create(tx, TablePath::new(&db, &schema, &body.name), &columns).await,
            |relation| summary::structure(Verb::Create, "table", &relation.info.name),
        )
        .await?;
    Ok(acted.map(|relation| (StatusCode::CREATED, Json(TableDetail::from(relation)))))
}

/// Renames a table (in a schema with models, as a model step: the earlier models keep its name).
#[utoipa::path(
    patch,
    path = "/api/v1/databases/{db}/schemas/{schema}/tables/{table}",
    tag = "tables",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("table" = String, Path, description = "The table"),
    ),
    request_body = TableName,
    responses(
        (status = 200, description = "Renamed", body = TableDetail,
         headers(("Strata-Action" = i64, description = "The action this write made, to undo it by"))),
        (status = 400, description = "A bad name", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 404, description = "No such database, schema or table", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 409, description = "A table of the new name exists, or (a schema with models) the step is \
         refused: type `.../model-conflict` with the `preview`", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 422, description = "Not a table (a view, ...)", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn rename(
    State(state): State<AppState>,
    Path((db, schema, table)): Path<(String, String, String)>,
    crate::extract::Json(body): crate::extract::Json<TableName>,
) -> Result<Acted<Json<TableDetail>>, ApiError> {
    let acted = state
        .act_on_table(
            TablePath::new(&db, &schema, &table),
            ActionKind::RenameTable,
            async |tx, change| change.rename(tx, &body.name).await,
            |relation| summary::structure(Verb::Rename { to: &relation.info.name }, "table", &table),
        )
        .await?;
    Ok(acted.map(|relation| Json(TableDetail::from(relation))))
}

/// Drops a table; one that other tables reference only with `cascade=true` (which drops their
/// foreign keys, and views over the table). In a schema with models, never one an earlier model
/// reads (a step made or changed it): undo those steps first.
#[utoipa::path(
    delete,
    path = "/api/v1/databases/{db}/schemas/{schema}/tables/{table}",
    tag = "tables",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("table" = String, Path, description = "The table"),
        ("cascade" = Option<bool>, Query, description = "Drop foreign keys and views that depend on it too"),
    ),
    responses(
        (status = 204, description = "Dropped",
         headers(("Strata-Action" = i64, description = "The action this write made, to undo it by"))),
        (status = 404, description = "No such database, schema or table", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 409, description = "Other tables reference it (listed in `referenced_by`), or views depend on it, \
         or earlier models read it: type `.../read-by-models` with those `models` and the `actions` to undo",
         body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a table (a view, ...)", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn drop(
    State(state): State<AppState>,
    Path((db, schema, table)): Path<(String, String, String)>,
    Cascade(cascade): Cascade,
) -> Result<Acted<StatusCode>, ApiError> {
    let acted = state
        .act_on_table(
            TablePath::new(&db, &schema, &table),
            ActionKind::DeleteTable,
            async |tx, change| change.drop(tx, cascade).await,
            |()| summary::structure(Verb::Delete, "table", &table),
        )
        .await?;
    Ok(acted.map(|()| StatusCode::NO_CONTENT))
}
