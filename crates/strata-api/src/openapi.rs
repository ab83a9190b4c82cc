//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::OpenApi;

/// Strata's API description, served at `/api/openapi.json` and browsed at `/api/docs`.
#[derive(OpenApi)]
#[openapi(
    info(title = "Strata API", description = "Everything the Strata web app does, for scripts too."),
    paths(
        crate::health::health,
        crate::databases::list,
        crate::databases::create,
        crate::schemas::list,
        crate::tables::list,
        crate::tables::get,
        crate::rows::list,
        crate::rows::insert,
        crate::rows::update,
        crate::rows::delete,
        crate::rows::get,
    ),
    components(schemas(
        crate::health::Health,
        crate::error::Problem,
        crate::databases::Database,
        crate::databases::NewDatabase,
        crate::schemas::Schema,
        crate::tables::Table,
        crate::tables::TableDetail,
        crate::tables::Column,
        crate::tables::ForeignKey,
        crate::rows::RowsPage,
        crate::rows::WrittenRows,
        crate::rows::NewRows,
        crate::rows::RowUpdate,
        crate::rows::RowUpdates,
        crate::rows::RowKeys,
        crate::rows::Deleted,
        crate::rows::ReferencedBy,
        crate::rows::RecordView,
    )),
    tags(
        (name = "system", description = "Strata itself"),
        (name = "databases", description = "User databases and their schemas"),
        (name = "tables", description = "Tables, their structure and their rows"),
    )
)]
pub struct ApiDoc;

/// The document with the crate's version filled in.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}
