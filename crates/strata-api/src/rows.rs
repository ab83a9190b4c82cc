//! `GET /api/v1/databases/{db}/schemas/{schema}/tables/{table}/rows`: a page of rows, with
//! PostgREST's query syntax (parsed and rendered by `strata_db::rows`).

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::value::RawValue;
use strata_db::rows::RowQuery;
use utoipa::ToSchema;

use crate::extract::{Path, QueryPairs};
use crate::{ApiError, AppState};

/// One page of rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowsPage {
    /// The rows, each an object keyed by column name in column order. `bigint` and `numeric`
    /// values are strings (every digit kept); other types are PostgreSQL's `to_json`.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<Box<RawValue>>,
    /// Pass as `after` for the next page; null on the last page.
    pub next: Option<String>,
    /// The table's estimated row count (`pg_class.reltuples`), ignoring filters; null if unknown.
    pub estimated_total: Option<i64>,
    /// The exact count of matching rows; present only with `count=exact`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exact_total: Option<i64>,
}

/// Reads a page of rows, sorted, filtered and searched, keyset-paginated.
///
/// Any other query key is a column filter, `COLUMN=OPERATOR.VALUE` with the operators `eq`, `neq`,
/// `gt`, `gte`, `lt`, `lte`, `like`, `ilike` (`*` is a wildcard), `is` (`null`, `true`, `false`,
/// `unknown`) and `in` (`in.(a,b,"c,d")`), each optionally after `not.`. Filters combine with AND.
/// The order always ends with the primary key, so pages are stable; tables without one answer 422.
#[utoipa::path(
    get,
    path = "/api/v1/databases/{db}/schemas/{schema}/tables/{table}/rows",
    tag = "tables",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("table" = String, Path, description = "The table or view"),
        ("select" = Option<String>, Query, description = "Columns to return, `a,b,\"Order Date\"`; default all"),
        ("order" = Option<String>, Query,
         description = "Sort keys, `City.asc,\"Order Date\".desc.nullsfirst`; the primary key is appended"),
        ("limit" = Option<u32>, Query, description = "Rows per page, 1 to 1000; default 100"),
        ("after" = Option<String>, Query, description = "The previous page's `next` cursor"),
        ("q" = Option<String>, Query, description = "Case-insensitive substring searched in every text column"),
        ("count" = Option<String>, Query, description = "`exact` to count the matching rows"),
    ),
    responses(
        (status = 200, description = "A page of rows", body = RowsPage),
        (status = 400, description = "A malformed parameter, named in `parameter`", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 404, description = "No such database, schema or table", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 422, description = "The table has no primary key to page by", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Path((db, schema, table)): Path<(String, String, String)>,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<RowsPage>, ApiError> {
    let query = RowQuery::parse(pairs.iter().map(|(key, value)| (key.as_str(), value.as_str())))?;
    let client = state.databases.client(&db).await?;
    let page = strata_db::rows::read(&**client, &db, &schema, &table, &query).await?;
    let rows = page
        .rows
        .into_iter()
        .map(RawValue::from_string)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| ApiError::internal(format!("PostgreSQL wrote a row that is not JSON: {err}")))?;
    Ok(Json(RowsPage { rows, next: page.next, estimated_total: page.estimated_total, exact_total: page.exact_total }))
}
