//! [`ApiError`]: every failure as an RFC 9457 problem document.

use axum::Json;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// Where problem types live: `{PROBLEM_TYPES}row-conflict` and so on.
const PROBLEM_TYPES: &str = "https://strata.dev/problems/";

/// An RFC 9457 problem document, the body of every error response. Some problems add extension
/// members beside these (`column`, `row`, `value`, `current`, `missing`), listed with the endpoint.
#[derive(Debug, Serialize, ToSchema)]
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
}

/// An error a handler returns; renders as `application/problem+json`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    detail: String,
    parameter: Option<String>,
    /// The problem type's last path segment (`row-conflict`); `None` for `about:blank`.
    kind: Option<&'static str>,
    /// Extension members, in order.
    extensions: Vec<(String, Value)>,
}

impl ApiError {
    /// An error with `status` and a message for the user.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError { status, detail: detail.into(), parameter: None, kind: None, extensions: Vec::new() }
    }

    /// The same error with a problem type, `https://strata.dev/problems/{kind}`.
    pub fn kind(self, kind: &'static str) -> ApiError {
        ApiError { kind: Some(kind), ..self }
    }

    /// The same error with an extension member.
    pub fn with(mut self, member: &str, value: impl Into<Value>) -> ApiError {
        self.extensions.push((member.to_string(), value.into()));
        self
    }

    /// 400 for a malformed request parameter, named in the detail and in `parameter`.
    pub fn bad_parameter(parameter: impl Into<String>, reason: impl std::fmt::Display) -> ApiError {
        let parameter = parameter.into();
        ApiError {
            parameter: Some(parameter.clone()),
            ..ApiError::new(StatusCode::BAD_REQUEST, format!("parameter `{parameter}`: {reason}"))
        }
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
            Error::InvalidValue { ref column, row, ref value, .. } => ApiError::unprocessable(err.to_string())
                .kind("invalid-value")
                .with("column", column.clone())
                .with("row", row)
                .with("value", (**value).clone()),
            Error::RowConflict { ref current } => {
                let current: Vec<Value> = current
                    .iter()
                    .map(|conflict| {
                        let row = conflict.row.as_ref();
                        serde_json::json!({
                            "key": conflict.key,
                            "row": row.and_then(|row| serde_json::from_str::<Value>(&row.json).ok()),
                            "version": row.and_then(|row| row.version.clone()),
                        })
                    })
                    .collect();
                ApiError::conflict(err.to_string()).kind("row-conflict").with("current", current)
            }
            Error::MissingRows { ref keys } => {
                let missing: Vec<Value> = keys.iter().cloned().map(Value::Object).collect();
                ApiError::not_found(err.to_string()).with("missing", missing)
            }
            Error::StillReferenced { .. } => ApiError::conflict(err.to_string()),
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = Problem {
            kind: self.kind.map_or_else(|| "about:blank".into(), |kind| format!("{PROBLEM_TYPES}{kind}")),
            title: self.status.canonical_reason().unwrap_or("Error").into(),
            status: self.status.as_u16(),
            detail: self.detail,
            parameter: self.parameter,
        };
        let mut body = match serde_json::to_value(problem) {
            Ok(Value::Object(members)) => members,
            _ => Map::new(),
        };
        for (member, value) in self.extensions {
            body.entry(member).or_insert(value);
        }
        (self.status, [(header::CONTENT_TYPE, "application/problem+json")], Json(body)).into_response()
    }
}

/// The answer for any `/api` path that is not a route.
pub async fn unknown_route(uri: Uri) -> ApiError {
    ApiError::not_found(format!("{} is not an API endpoint; the list is at /api/docs", uri.path()))
}
