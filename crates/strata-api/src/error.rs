//! [`ApiError`]: every failure as an RFC 9457 problem document.

use axum::Json;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};
use strata_db::audit::undo::UndoError;
use strata_db::load::LoadError;
use strata_db::model::ModelError;
use strata_import::ImportError;
use utoipa::ToSchema;

/// Where Strata's problem types live; a problem's `type` is this followed by its kind.
pub const PROBLEM_TYPES: &str = "https://strata.dev/problems/";

/// An RFC 9457 problem document, the body of every error response. Some problems add extension
/// members beside these (`column`, `array`, `row`, `value`, `current`, `missing`, `line`,
/// `conflicts`, `undone_by`, `preview`, `models`, `actions`), listed with the endpoint. Typed
/// problems (`type` is `https://strata.dev/problems/` and one of `invalid-value`, `row-conflict`, `retype-refused`,
/// `missing`, `undo-conflict`, `already-undone`, `not-undone`, `undo-unavailable`,
/// `model-conflict`, `read-by-models`, `model-mismatch`, `entity-conflict`) say what went wrong
/// for programs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What happened this time, and what to do about it.
    pub detail: String,
    /// For a 400 caused by one request parameter: its name (a query key such as `limit` or a
    /// column filter, or a body field).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// Members particular to the problem (such as an import error's `line` and `column`).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extensions: Map<String, Value>,
}

/// An error a handler returns; renders as `application/problem+json`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    detail: String,
    parameter: Option<String>,
    /// The problem type after [`PROBLEM_TYPES`]; `about:blank` when none.
    kind: Option<&'static str>,
    /// Extension members, added to the problem document.
    extensions: Vec<(String, Value)>,
}

impl ApiError {
    /// An error with `status` and a message for the user.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError { status, detail: detail.into(), parameter: None, kind: None, extensions: Vec::new() }
    }

    /// The same error with the problem type `PROBLEM_TYPES` + `kind` (such as `retype-refused`).
    pub fn with_type(mut self, kind: &'static str) -> ApiError {
        self.kind = Some(kind);
        self
    }

    /// The same error with the extension member `name`.
    pub fn with(mut self, name: &str, value: impl Serialize) -> ApiError {
        match serde_json::to_value(value) {
            Ok(value) => {
                self.extensions.push((name.to_string(), value));
                self
            }
            Err(err) => ApiError::internal(format!("problem member {name} is not JSON: {err}")),
        }
    }

    /// The problem document this error renders as.
    pub fn problem(&self) -> Problem {
        Problem {
            kind: self.kind.map_or_else(|| "about:blank".into(), |kind| format!("{PROBLEM_TYPES}{kind}")),
            title: self.status.canonical_reason().unwrap_or("Error").into(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            parameter: self.parameter.clone(),
            extensions: self.extensions.iter().cloned().collect(),
        }
    }

    /// 400 for a malformed request parameter, named in the detail and in `parameter`.
    pub fn bad_parameter(parameter: impl Into<String>, reason: impl std::fmt::Display) -> ApiError {
        let parameter = parameter.into();
        let detail = format!("parameter `{parameter}`: {reason}");
        ApiError { parameter: Some(parameter), ..ApiError::new(StatusCode::BAD_REQUEST, detail) }
    }

    /// 500 for Strata's own failure: `detail` is logged, the caller gets a generic message.
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        tracing::error!("internal error: {detail}");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Strata failed unexpectedly; the server log has the details")
    }

    /// 409 for a request that clashes with what exists.
    pub fn conflict(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, detail)
    }

    /// 422 for a well-formed request that cannot be done to this resource.
    pub fn unprocessable(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
    }

    /// 413 for a request body over a limit.
    pub fn too_large(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, detail)
    }

    /// 413 for a request body over the route's limit, naming `body` in `parameter`.
    pub fn body_too_large(reason: impl std::fmt::Display) -> ApiError {
        ApiError { status: StatusCode::PAYLOAD_TOO_LARGE, ..ApiError::bad_parameter("body", reason) }
    }

    /// 404 for a path that names nothing.
    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, detail)
    }
}

impl From<strata_db::Error> for ApiError {
    fn from(err: strata_db::Error) -> ApiError {
        use strata_db::Error;
        match err {
            Error::BadParameter { parameter, reason } => ApiError::bad_parameter(parameter, reason),
            Error::UnknownDatabase { .. } | Error::UnknownSchema { .. } | Error::UnknownTable { .. } => {
                ApiError::not_found(err.to_string())
            }
            Error::DatabaseExists { .. } => ApiError::conflict(err.to_string()),
            Error::NoPrimaryKey { .. } => ApiError::unprocessable(err.to_string()),
            Error::InvalidValue { ref column, array, row, ref value, .. } => ApiError::unprocessable(err.to_string())
                .with_type("invalid-value")
                .with("column", column.clone())
                .with("array", array)
                .with("row", row)
                .with("value", (**value).clone()),
            Error::RowConflict { ref current } => {
                let parse = |json: &str| {
                    serde_json::from_str::<Value>(json)
                        .map_err(|err| ApiError::internal(format!("PostgreSQL wrote invalid JSON: {err}")))
                };
                let current = current
                    .iter()
                    .map(|conflict| {
                        let (row, version, links) = match &conflict.row {
                            Some(row) => (parse(&row.json)?, row.version.clone(), parse(&row.links)?),
                            None => (Value::Null, None, Value::Null),
                        };
                        Ok(serde_json::json!({"key": conflict.key, "row": row, "version": version, "links": links}))
                    })
                    .collect::<Result<Vec<Value>, ApiError>>();
                match current {
                    Ok(current) => {
                        ApiError::conflict(err.to_string()).with_type("row-conflict").with("current", current)
                    }
                    Err(internal) => internal,
                }
            }
            Error::NotWritten { array, row } => {
                ApiError::unprocessable(err.to_string()).with("array", array).with("row", row)
            }
            Error::MissingRows { ref keys } => {
                let missing: Vec<Value> = keys.iter().cloned().map(Value::Object).collect();
                ApiError::not_found(err.to_string()).with("missing", missing)
            }
            Error::StillReferenced { .. } | Error::NotRestorable { .. } => ApiError::conflict(err.to_string()),
            Error::KeysInUse { ref keys, .. } => ApiError::conflict(err.to_string()).with("keys", keys.clone()),
            Error::ModelMismatch { .. } => ApiError::conflict(err.to_string()).with_type("model-mismatch"),
            // Connection messages name the server but never the password: safe to show.
            strata_db::Error::Connect { .. } | strata_db::Error::Pool(_) => {
                tracing::warn!("database unavailable: {err}");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, err.to_string())
            }
            other => {
                tracing::error!("internal error: {other}");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Strata failed unexpectedly; the server log has the details",
                )
            }
        }
    }
}

impl From<ImportError> for ApiError {
    /// A file that cannot be read as asked: 422, with the line (and column) when known.
    fn from(err: ImportError) -> ApiError {
        if let ImportError::Io(io) = &err {
            return ApiError::internal(io);
        }
        located(ApiError::unprocessable(err.to_string()), err.line(), err.column())
    }
}

impl From<LoadError> for ApiError {
    fn from(err: LoadError) -> ApiError {
        let (line, column) = (err.line(), err.column().map(str::to_string));
        match err {
            LoadError::Import(err) => err.into(),
            LoadError::Database(err) => err.into(),
            LoadError::TableExists(_) => ApiError::conflict(err.to_string()),
            LoadError::EntityConflicts(ref conflicts) => {
                ApiError::conflict(err.to_string()).with_type("entity-conflict").with("conflicts", conflicts)
            }
            LoadError::NoSuchTable(_) => ApiError::not_found(err.to_string()),
            LoadError::Name(_)
            | LoadError::Refused { .. }
            | LoadError::Mapping(_)
            | LoadError::NothingMapped { .. } => {
                located(ApiError::unprocessable(err.to_string()), line, column.as_deref())
            }
        }
    }
}

/// `error` with the extension members `line` and `column` where they are known.
fn located(mut error: ApiError, line: Option<u64>, column: Option<&str>) -> ApiError {
    if let Some(line) = line {
        error = error.with("line", line);
    }
    if let Some(column) = column {
        error = error.with("column", column);
    }
    error
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        (self.status, [(header::CONTENT_TYPE, "application/problem+json")], Json(problem)).into_response()
    }
}

impl From<strata_db::ddl::DdlError> for ApiError {
    fn from(err: strata_db::ddl::DdlError) -> ApiError {
        use strata_db::ddl::DdlError;
        let detail = err.to_string();
        match err {
            DdlError::Database(err) => ApiError::from(err),
            DdlError::Exists(_) | DdlError::PrimaryKey { .. } | DdlError::Dependents(_) => ApiError::conflict(detail),
            DdlError::UnknownColumn { .. } => ApiError::not_found(detail),
            DdlError::NotATable { .. } | DdlError::Refused(_) => ApiError::unprocessable(detail),
            DdlError::SchemaNotEmpty { tables, .. } => ApiError::conflict(detail).with("tables", tables),
            DdlError::Referenced { referenced_by, .. } => ApiError::conflict(detail).with(
                "referenced_by",
                referenced_by.into_iter().map(crate::tables::Reference::from).collect::<Vec<_>>(),
            ),
            DdlError::RetypeRefused { preview, .. } => match crate::columns::RetypePreview::try_from(preview) {
                Ok(preview) => ApiError::unprocessable(detail).with_type("retype-refused").with("preview", preview),
                Err(err) => err,
            },
        }
    }
}

impl From<ModelError> for ApiError {
    /// A refused step is a 409 `model-conflict` with its `preview`; a table earlier models read
    /// is a 409 `read-by-models` with those `models` and the `actions` to undo; a structure
    /// change PostgreSQL refused is answered as for the columns API.
    fn from(err: ModelError) -> ApiError {
        let detail = err.to_string();
        match err {
            ModelError::Refused(preview) => ApiError::conflict(detail)
                .with_type("model-conflict")
                .with("preview", crate::models::ModelPreview::from(*preview)),
            ModelError::ReadByModels { models, actions, .. } => ApiError::conflict(detail)
                .with_type("read-by-models")
                .with("models", models.into_iter().map(crate::models::Model::from).collect::<Vec<_>>())
                .with("actions", actions),
            ModelError::Ddl(err) => err.into(),
            ModelError::Database(err) => err.into(),
        }
    }
}

impl From<UndoError> for ApiError {
    /// An unknown action is a 404 `missing`; a refused undo or redo is a 409 typed by why:
    /// `undo-conflict` (with `conflicts`), `already-undone` (with `undone_by`), `not-undone`,
    /// `undo-unavailable` (a table it changed is gone, or its history was pruned).
    fn from(err: UndoError) -> ApiError {
        let detail = err.to_string();
        match err {
            UndoError::UnknownAction(_) => ApiError::not_found(detail).with_type("missing"),
            UndoError::AlreadyUndone { by, .. } => {
                ApiError::conflict(detail).with_type("already-undone").with("undone_by", by)
            }
            UndoError::NotUndone(_) => ApiError::conflict(detail).with_type("not-undone"),
            UndoError::Conflict { conflicts, .. } => ApiError::conflict(detail)
                .with_type("undo-conflict")
                .with("conflicts", conflicts.into_iter().map(crate::actions::UndoConflict::from).collect::<Vec<_>>()),
            UndoError::Unavailable { .. } => ApiError::conflict(detail).with_type("undo-unavailable"),
            UndoError::Structure(err) => err.into(),
            UndoError::Database(err) => err.into(),
        }
    }
}

/// The answer for any `/api` path that is not a route.
pub async fn unknown_route(uri: Uri) -> ApiError {
    ApiError::not_found(format!("{} is not an API endpoint; the list is at /api/docs", uri.path()))
}
