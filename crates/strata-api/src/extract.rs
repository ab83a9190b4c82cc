//! Extractors whose rejections are problem+json like every other error: axum's own answer
//! malformed paths, queries and bodies with plain text.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// Path parameters (`axum::extract::Path`), rejected as a 400 problem.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Path(value))
            .map_err(|err: PathRejection| ApiError::bad_parameter("path", err.body_text()))
    }
}

/// The query string as key/value pairs in order, percent-decoded.
pub struct QueryPairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(pairs)| QueryPairs(pairs))
            .map_err(|err: QueryRejection| ApiError::bad_parameter("query", err.body_text()))
    }
}

/// A JSON body (`axum::Json`), rejected as a problem naming `body`: 413 over the size limit, else 400.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        axum::Json::<T>::from_request(req, state).await.map(|axum::Json(value)| Json(value)).map_err(
            |err: JsonRejection| match err.status() {
                StatusCode::PAYLOAD_TOO_LARGE => ApiError::body_too_large(format!(
                    "the request body is over its limit ({} MiB for rows, {} MiB for other requests); \
                     send less at a time",
                    crate::ROWS_BODY_LIMIT >> 20,
                    crate::BODY_LIMIT >> 20
                )),
                _ => ApiError::bad_parameter("body", err.body_text()),
            },
        )
    }
}

/// `?cascade=true|false` (default false): whether a drop takes what depends on it along.
pub struct Cascade(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for Cascade {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let QueryPairs(pairs) = QueryPairs::from_request_parts(parts, state).await?;
        match pairs.iter().find(|(key, _)| key == "cascade").map(|(_, value)| value.as_str()) {
            None | Some("false") => Ok(Cascade(false)),
            Some("true") => Ok(Cascade(true)),
            Some(other) => Err(ApiError::bad_parameter("cascade", format!("{other:?} is not `true` or `false`"))),
        }
    }
}
