//! Strata's HTTP face: the JSON API under `/api/v1`, its OpenAPI document and Swagger UI under
//! `/api/docs`, and the web app embedded in the binary at `/`.
//!
//! [`router`] builds the one route table from an [`AppState`]. Handlers are thin: extract,
//! call a lower crate, answer; every error becomes an RFC 9457 `application/problem+json`
//! body through [`ApiError`].
//!
//! ```no_run
//! # async fn run(system: strata_db::SystemDatabase) {
//! let app = strata_api::router(strata_api::AppState::new(system));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```
#![deny(missing_docs)]

mod columns;
mod databases;
mod error;
mod extract;
mod health;
mod imports;
mod openapi;
mod rows;
mod schemas;
mod tables;
mod web;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, patch, post};
use strata_db::tokio_postgres::Transaction;
use strata_db::{Databases, SystemDatabase};
use tower_http::trace::TraceLayer;
use utoipa_swagger_ui::SwaggerUi;

pub use error::ApiError;
pub use openapi::ApiDoc;

/// The largest JSON body a request may send (axum's default), but for rows.
const BODY_LIMIT: usize = 2 << 20;
/// The largest body of a rows request: up to 1000 rows of a few KB each.
const ROWS_BODY_LIMIT: usize = 32 << 20;

/// What every handler may use: the system database and where it runs, and the user
/// databases next to it with a pool for each.
#[derive(Clone)]
pub struct AppState {
    system: SystemDatabase,
    databases: Databases,
    imports: imports::Sessions,
}

impl AppState {
    /// State over an open system database.
    pub fn new(system: SystemDatabase) -> AppState {
        AppState { databases: Databases::new(system.clone()), system, imports: imports::Sessions::default() }
    }

    /// Runs `work` in one transaction on the user database `db` and commits it if `work`
    /// succeeds; on an error the transaction is dropped, which rolls it back. Every write
    /// handler goes through here.
    pub(crate) async fn in_transaction<T, E>(
        &self,
        db: &str,
        work: impl AsyncFnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, ApiError>
    where
        ApiError: From<E>,
    {
        let mut client = self.databases.client(db).await?;
        let tx = client.transaction().await.map_err(strata_db::Error::postgres("starting a transaction"))?;
        let done = work(&tx).await?;
        tx.commit().await.map_err(strata_db::Error::postgres("committing"))?;
        Ok(done)
    }
}

/// The whole HTTP surface, one route table.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(health::health))
        .route("/databases", get(databases::list).post(databases::create))
        .route("/databases/{db}/schemas", get(schemas::list).post(schemas::create))
        .route("/databases/{db}/schemas/{schema}", patch(schemas::rename).delete(schemas::drop))
        .route("/databases/{db}/schemas/{schema}/tables", get(tables::list).post(tables::create))
        .route(
            "/databases/{db}/schemas/{schema}/tables/{table}",
            get(tables::get).patch(tables::rename).delete(tables::drop),
        )
        .route("/databases/{db}/schemas/{schema}/tables/{table}/columns", post(columns::add))
        .route(
            "/databases/{db}/schemas/{schema}/tables/{table}/columns/{column}",
            patch(columns::alter).delete(columns::drop),
        )
        .route("/databases/{db}/schemas/{schema}/tables/{table}/columns/{column}/retype", get(columns::retype_preview))
        .route(
            "/databases/{db}/schemas/{schema}/tables/{table}/rows",
            get(rows::list)
                .post(rows::insert)
                .patch(rows::update)
                .delete(rows::delete)
                .layer(DefaultBodyLimit::max(ROWS_BODY_LIMIT)),
        )
        .route("/databases/{db}/schemas/{schema}/tables/{table}/rows/{key}", get(rows::get))
        // Uploads stream to a file, so the 2 MB body limit gives way to the upload's own.
        .route("/databases/{db}/schemas/{schema}/imports", post(imports::upload).layer(DefaultBodyLimit::disable()))
        .route(
            "/databases/{db}/schemas/{schema}/imports/{id}",
            get(imports::status).patch(imports::change).delete(imports::discard),
        )
        .route("/databases/{db}/schemas/{schema}/imports/{id}/commit", post(imports::commit))
        .route("/databases/{db}/schemas/{schema}/imports/{id}/events", get(imports::events))
        .fallback(error::unknown_route)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state);
    Router::new()
        .nest("/api/v1", api)
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi::document()))
        .route("/api", get(error::unknown_route))
        .route("/api/{*rest}", get(error::unknown_route))
        .fallback(web::asset)
        .layer(TraceLayer::new_for_http())
}
