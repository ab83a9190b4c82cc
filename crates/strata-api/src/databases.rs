//! `/api/v1/databases`: the user databases on Strata's server; creating one.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::extract::Json;
use crate::{ApiError, AppState};

/// A user database.
#[derive(Debug, Serialize, ToSchema)]
pub struct Database {
    /// Its name, exactly as PostgreSQL stores it.
    #[schema(example = "shop")]
    pub name: String,
    /// Its size on disk in bytes.
    #[schema(example = 7_602_176)]
    pub size_bytes: i64,
}

impl From<strata_db::DatabaseInfo> for Database {
    fn from(info: strata_db::DatabaseInfo) -> Database {
        Database { name: info.name, size_bytes: info.size_bytes }
    }
}

/// The body of `POST /databases`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewDatabase {
    /// Any name of at most 63 bytes (UTF-8); quotes, spaces and unicode are kept as given.
    #[schema(example = "Sales 2024")]
    pub name: String,
}

/// Lists the databases Strata may open: every database on the server that allows connections,
/// is not a template nor Strata's system database, and grants CONNECT to Strata's role.
#[utoipa::path(
    get,
    path = "/api/v1/databases",
    tag = "databases",
    responses((status = 200, description = "The user databases, by name", body = Vec<Database>))
)]
pub async fn list(State(state): State<AppState>) -> Result<axum::Json<Vec<Database>>, ApiError> {
    let databases = state.databases.list().await?;
    Ok(axum::Json(databases.into_iter().map(Database::from).collect()))
}

/// Creates a database and registers it as a Strata user database.
#[utoipa::path(
    post,
    path = "/api/v1/databases",
    tag = "databases",
    request_body = NewDatabase,
    responses(
        (status = 201, description = "Created", body = Database),
        (status = 400, description = "The name is empty, has a NUL or is over 63 bytes", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 409, description = "A database of that name exists", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    Json(body): Json<NewDatabase>,
) -> Result<impl IntoResponse, ApiError> {
    let created = state.databases.create(&body.name).await?;
    let location = format!("/api/v1/databases/{}", strata_db::percent_encode(&created.name));
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], axum::Json(Database::from(created))))
}
