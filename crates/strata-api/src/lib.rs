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

mod actions;
mod columns;
mod databases;
mod error;
mod extract;
mod health;
mod history;
mod imports;
mod models;
mod openapi;
mod rows;
mod schemas;
pub mod summary;
mod tables;
mod web;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue};
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::routing::{get, patch, post};
use strata_db::audit::action::{self, ActionKind};
use strata_db::ddl::TablePath;
use strata_db::model::TableChange;
use strata_db::tokio_postgres::Transaction;
use strata_db::{Databases, SystemDatabase};
use tower_http::trace::TraceLayer;
use utoipa_swagger_ui::SwaggerUi;

pub use actions::{ActionJson, Actions, table_name};
pub use error::ApiError;
pub use history::{Restored, RowHistory, Version};
pub use models::{Model, ModelApplied, ModelPreview};
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

    /// Runs the write `work` as one action of `kind` in one transaction on the user database
    /// `db`: begins the action (`audit::action::begin`), runs `work`, describes the action with
    /// `summary` of what `work` returned (counts are known only then), and commits. On an error
    /// the transaction is dropped, which rolls it back, action and all. Every write handler goes
    /// through here.
    pub(crate) async fn act<T, E>(
        &self,
        db: &str,
        kind: ActionKind,
        work: impl AsyncFnOnce(&Transaction<'_>) -> Result<T, E>,
        summary: impl FnOnce(&T) -> String,
    ) -> Result<Acted<T>, ApiError>
    where
        ApiError: From<E>,
    {
        self.in_transaction::<_, ApiError>(db, async |tx| acting(tx, kind, work, summary).await).await
    }

    /// Runs a structure change of the table `path` as [`AppState::act`] does, the table locked
    /// first: in a schema with models the change is made as model steps, an action of kind
    /// `model` (`strata_db::model::TableChange` says which, and makes it).
    pub(crate) async fn act_on_table<T, E>(
        &self,
        path: TablePath<'_>,
        kind: ActionKind,
        work: impl AsyncFnOnce(&Transaction<'_>, &TableChange<'_>) -> Result<T, E>,
        summary: impl FnOnce(&T) -> String,
    ) -> Result<Acted<T>, ApiError>
    where
        ApiError: From<E>,
    {
        self.in_transaction::<_, ApiError>(path.database, async |tx| {
            let change = TableChange::begin(tx, path).await?;
            acting(tx, change.kind(kind), async |tx| work(tx, &change).await, summary).await
        })
        .await
    }

    /// Runs `work` in one transaction on the user database `db` and commits it if `work`
    /// succeeds; on an error the transaction is dropped, which rolls it back. For the writes
    /// that make their own actions (undo, redo, an import's load).
    pub(crate) async fn in_transaction<T, E>(
        &self,
        db: &str,
        work: impl AsyncFnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, ApiError>
    where
        ApiError: From<E>,
    {
        self.transaction(db, Ending::Commit, work).await
    }

    /// Runs `work` in a transaction on the user database `db` that is always rolled back: a
    /// read that needs one (a retype preview's probe) leaves nothing behind, no action either.
    pub(crate) async fn read_only<T, E>(
        &self,
        db: &str,
        work: impl AsyncFnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, ApiError>
    where
        ApiError: From<E>,
    {
        self.transaction(db, Ending::Rollback, work).await
    }

    async fn transaction<T, E>(
        &self,
        db: &str,
        ending: Ending,
        work: impl AsyncFnOnce(&Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, ApiError>
    where
        ApiError: From<E>,
    {
        let mut client = self.databases.client(db).await?;
        let tx = client.transaction().await.map_err(strata_db::Error::postgres("starting a transaction"))?;
        let done = work(&tx).await?;
        match ending {
            Ending::Commit => tx.commit().await.map_err(strata_db::Error::postgres("committing"))?,
            Ending::Rollback => tx.rollback().await.map_err(strata_db::Error::postgres("ending a read"))?,
        }
        Ok(done)
    }
}

/// Begins an action of `kind` in `tx`, runs `work`, and describes the action with `summary` of
/// what `work` returned.
async fn acting<T, E>(
    tx: &Transaction<'_>,
    kind: ActionKind,
    work: impl AsyncFnOnce(&Transaction<'_>) -> Result<T, E>,
    summary: impl FnOnce(&T) -> String,
) -> Result<Acted<T>, ApiError>
where
    ApiError: From<E>,
{
    let action = action::begin(tx, kind, kind.as_str()).await?;
    let done = work(tx).await?;
    action::describe(tx, action, &summary(&done), None).await?;
    Ok(Acted { action, value: done })
}

/// How [`AppState::transaction`] ends a transaction whose work succeeded.
enum Ending {
    Commit,
    Rollback,
}

/// The response header naming the action a write made (the last one, when it made several).
pub const ACTION_HEADER: HeaderName = HeaderName::from_static("strata-action");

/// What a write returned, and the action it was: answers with `value`'s response plus the
/// header [`ACTION_HEADER`].
pub(crate) struct Acted<T> {
    /// The action's id.
    pub action: i64,
    /// What the work returned, then the response made of it.
    pub value: T,
}

impl<T> Acted<T> {
    /// The same action with its value turned into `f(value)` (the response).
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Acted<U> {
        Acted { action: self.action, value: f(self.value) }
    }
}

impl<T: IntoResponse> IntoResponse for Acted<T> {
    fn into_response(self) -> Response {
        (AppendHeaders([(ACTION_HEADER, HeaderValue::from(self.action))]), self.value).into_response()
    }
}

/// The whole HTTP surface, one route table.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(health::health))
        .route("/databases", get(databases::list).post(databases::create))
        .route("/databases/{db}/actions", get(actions::list))
        .route("/databases/{db}/actions/{id}", get(actions::get))
        .route("/databases/{db}/actions/{id}/undo", post(actions::undo))
        .route("/databases/{db}/actions/{id}/redo", post(actions::redo))
        .route("/databases/{db}/schemas", get(schemas::list).post(schemas::create))
        .route("/databases/{db}/schemas/{schema}", patch(schemas::rename).delete(schemas::drop))
        .route("/databases/{db}/schemas/{schema}/models", get(models::list).post(models::apply))
        .route("/databases/{db}/schemas/{schema}/models/preview", post(models::preview))
        .route("/databases/{db}/schemas/{schema}/models/{id}", get(models::get))
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
        .route("/databases/{db}/schemas/{schema}/tables/{table}/rows/{key}/history", get(history::row))
        .route("/databases/{db}/schemas/{schema}/tables/{table}/deleted", get(history::deleted))
        .route("/databases/{db}/schemas/{schema}/tables/{table}/deleted/restore", post(history::restore))
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
