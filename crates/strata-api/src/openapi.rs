//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::OpenApi;

/// Strata's API description, served at `/api/openapi.json` and browsed at `/api/docs`.
#[derive(OpenApi)]
#[openapi(
    info(title = "Strata API", description = "Everything the Strata web app does, for scripts too."),
    paths(crate::health::health),
    components(schemas(crate::health::Health, crate::error::Problem)),
    tags((name = "system", description = "Strata itself"))
)]
pub struct ApiDoc;

/// The document with the crate's version filled in.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}
