//! `GET /api/v1/health`: is Strata up, and which PostgreSQL is it using?

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{ApiError, AppState};

/// Strata's health.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` in a 200 response.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// The PostgreSQL server's version.
    #[schema(example = "15.19")]
    pub postgres_version: String,
    /// `embedded` (Strata's own cluster) or `external` (a `DATABASE_URL`).
    #[schema(example = "embedded")]
    pub database: &'static str,
}

/// Reports that Strata and its database answer.
#[utoipa::path(
    get,
    path = "/api/v1/health",
    tag = "system",
    responses(
        (status = 200, description = "Strata and its database are up", body = Health),
        (status = 503, description = "The database does not answer", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let client = state.system.client().await?;
    let postgres_version = strata_db::server_version(&client).await?;
    Ok(Json(Health { status: "ok", postgres_version, database: state.system.address.kind().as_str() }))
}
