//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::OpenApi;

/// Strata's API description, served at `/api/openapi.json` and browsed at `/api/docs`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Strata API",
        description = "Everything the Strata web app does, for scripts too. Every successful write answers \
                       with the header `Strata-Action`: the id of the action it made, to undo it by."
    ),
    paths(
        crate::health::health,
        crate::databases::list,
        crate::databases::create,
        crate::schemas::list,
        crate::schemas::create,
        crate::schemas::rename,
        crate::schemas::drop,
        crate::tables::list,
        crate::tables::get,
        crate::tables::create,
        crate::tables::rename,
        crate::tables::drop,
        crate::columns::add,
        crate::columns::alter,
        crate::columns::drop,
        crate::columns::retype_preview,
        crate::rows::list,
        crate::rows::insert,
        crate::rows::update,
        crate::rows::delete,
        crate::rows::get,
        crate::history::row,
        crate::history::deleted,
        crate::history::restore,
        crate::models::list,
        crate::models::get,
        crate::models::preview,
        crate::models::apply,
        crate::actions::list,
        crate::actions::get,
        crate::actions::undo,
        crate::actions::redo,
        crate::imports::upload,
        crate::imports::change,
        crate::imports::commit,
        crate::imports::status,
        crate::imports::events,
        crate::imports::discard,
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
        crate::tables::NewTable,
        crate::tables::TableName,
        crate::tables::Reference,
        crate::columns::NewColumn,
        crate::columns::ColumnChange,
        crate::columns::RetypePreview,
        crate::columns::RetypeSample,
        crate::rows::RowsPage,
        crate::rows::WrittenRows,
        crate::rows::UpdatedRows,
        crate::rows::NewRows,
        crate::rows::RowUpdate,
        crate::rows::RowUpdates,
        crate::rows::RowKeys,
        crate::rows::Deleted,
        crate::rows::ReferencedBy,
        crate::rows::RecordView,
        crate::history::Version,
        crate::history::RowHistory,
        crate::history::DeletedRow,
        crate::history::DeletedRows,
        crate::history::RestoreKeys,
        crate::history::Restored,
        crate::models::Model,
        crate::models::ModelDetail,
        crate::models::ModelTable,
        crate::models::ModelColumn,
        crate::models::ModelLink,
        crate::models::ModelChange,
        crate::models::ModelPreview,
        crate::models::ModelConflict,
        crate::models::ModelApplied,
        crate::actions::ActionJson,
        crate::actions::Actions,
        crate::actions::UndoConflict,
        crate::imports::ImportPreview,
        crate::imports::PreviewColumn,
        crate::imports::ImportChanges,
        crate::imports::ColumnChange,
        crate::imports::ImportCommit,
        crate::imports::ImportStatus,
        crate::imports::ImportState,
    )),
    tags(
        (name = "system", description = "Strata itself"),
        (name = "databases", description = "User databases and their schemas"),
        (name = "tables", description = "Tables, their structure and their rows"),
        (name = "imports", description = "Spreadsheets into tables: upload, preview, adjust, load"),
        (name = "models", description = "Data models: refine a schema's tables step by step (extract, move, merge, \
                                         split columns or rows, rename, retype, add or drop a column) while every earlier model stays \
                                         readable and writable as views"),
        (name = "actions", description = "The audit trail: every change as an action, undone and redone"),
    )
)]
pub struct ApiDoc;

/// The document with the crate's version filled in.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}
