//! `/api/v1/databases/{db}/schemas`: the user schemas of a database.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::extract::Path;
use crate::{ApiError, AppState};

/// A schema.
#[derive(Debug, Serialize, ToSchema)]
pub struct Schema {
    /// Its name.
    #[schema(example = "public")]
    pub name: String,
}

/// Lists the database's user schemas (not PostgreSQL's own, nor Strata's `strata`).
#[utoipa::path(
    get,
    path = "/api/v1/databases/{db}/schemas",
    tag = "databases",
    params(("db" = String, Path, description = "The database")),
    responses(
        (status = 200, description = "The schemas, by name", body = Vec<Schema>),
        (status = 404, description = "No such database", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn list(State(state): State<AppState>, Path(db): Path<String>) -> Result<Json<Vec<Schema>>, ApiError> {
    let client = state.databases.client(&db).await?;
    let schemas = strata_db::catalog::schemas(&**client).await?;
    Ok(Json(schemas.into_iter().map(|name| Schema { name }).collect()))
}
