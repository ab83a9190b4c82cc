//! `/api/v1/databases/{db}/schemas[/{schema}]`: the user schemas of a database; creating,
//! renaming and dropping one.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use strata_db::audit::action::ActionKind;
use strata_db::ddl;
use utoipa::ToSchema;

use crate::extract::{Cascade, Json, Path};
use crate::summary::{self, Verb};
use crate::{Acted, ApiError, AppState};

/// A schema; also the body that creates or renames one.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Schema {
    /// Its name: any name of at most 63 bytes (UTF-8), kept exactly as given.
    #[schema(example = "public")]
    pub name: String,
}

/// Lists the database's user schemas (not PostgreSQL's own, nor Strata's `strata`, nor those
/// holding an earlier model's views: the schema's models name them).
#[utoipa::path(
    get,
    path = "/api/v1/databases/{db}/schemas",
    tag = "databases",
    params(("db" = String, Path, description = "The database")),
    responses(
        (status = 200, description = "The schemas, by name; an earlier model's views' schema (`public_v1`) is \
         left out, though its tables open", body = Vec<Schema>),
        (status = 404, description = "No such database", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn list(State(state): State<AppState>, Path(db): Path<String>) -> Result<axum::Json<Vec<Schema>>, ApiError> {
    let client = state.databases.client(&db).await?;
    let schemas = strata_db::catalog::schemas(&**client).await?;
    Ok(axum::Json(schemas.into_iter().map(|name| Schema { name }).collect()))
}

/// Creates a schema.
#[utoipa::path(
    post,
    path = "/api/v1/databases/{db}/schemas",
    tag = "databases",
    params(("db" = String, Path, description = "The database")),
    request_body = Schema,
    responses(
        (status = 201, description = "Created", body = Schema,
         headers(("Strata-Action" = i64, description = "The action this write made, to undo it by"))),
        (status = 400, description = "The name is empty, has a NUL, is over 63 bytes or starts with `pg_`",
         body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such database", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 409, description = "A schema of that name exists", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    Path(db): Path<String>,
    Json(body): Json<Schema>,
) -> Result<Acted<impl IntoResponse>, ApiError> {
    let acted = state
        .act(
            &db,
            ActionKind::CreateSchema,
            async |tx| ddl::schema::create(tx, &body.name).await,
            |name| summary::structure(Verb::Create, "schema", name),
        )
        .await?;
    Ok(acted.map(|name| (StatusCode::CREATED, axum::Json(Schema { name }))))
}

/// Renames a schema.
#[utoipa::path(
    patch,
    path = "/api/v1/databases/{db}/schemas/{schema}",
    tag = "databases",
    params(("db" = String, Path, description = "The database"), ("schema" = String, Path, description = "The schema")),
    request_body = Schema,
    responses(
        (status = 200, description = "Renamed", body = Schema,
         headers(("Strata-Action" = i64, description = "The action this write made, to undo it by"))),
        (status = 400, description = "A bad name", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 404, description = "No such database or schema", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 409, description = "A schema of the new name exists", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn rename(
    State(state): State<AppState>,
    Path((db, schema)): Path<(String, String)>,
    Json(body): Json<Schema>,
) -> Result<Acted<axum::Json<Schema>>, ApiError> {
    let acted = state
        .act(
            &db,
            ActionKind::RenameSchema,
            async |tx| ddl::schema::rename(tx, &db, &schema, &body.name).await,
            |name| summary::structure(Verb::Rename { to: name }, "schema", &schema),
        )
        .await?;
    Ok(acted.map(|name| axum::Json(Schema { name })))
}

/// Drops a schema: an empty one, or with `cascade=true` everything in it.
#[utoipa::path(
    delete,
    path = "/api/v1/databases/{db}/schemas/{schema}",
    tag = "databases",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("cascade" = Option<bool>, Query, description = "Drop the schema's tables and views too"),
    ),
    responses(
        (status = 204, description = "Dropped",
         headers(("Strata-Action" = i64, description = "The action this write made, to undo it by"))),
        (status = 404, description = "No such database or schema", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 409, description = "The schema is not empty; its tables and views are in `tables`",
         body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn drop(
    State(state): State<AppState>,
    Path((db, schema)): Path<(String, String)>,
    Cascade(cascade): Cascade,
) -> Result<Acted<StatusCode>, ApiError> {
    let acted = state
        .act(
            &db,
            ActionKind::DeleteSchema,
            async |tx| ddl::schema::drop(tx, &db, &schema, cascade).await,
            |()| summary::structure(Verb::Delete, "schema", &schema),
        )
        .await?;
    Ok(acted.map(|()| StatusCode::NO_CONTENT))
}
