//! `/api/v1/databases/{db}/schemas/{schema}/tables/{table}/rows`: a page of rows with PostgREST's
//! query syntax (parsed and rendered by `strata_db::rows`); inserting, updating (optionally only
//! if unchanged since read) and deleting rows, each request one transaction
//! (`strata_db::rows::write`); and one record with the rows that reference it (`.../rows/{key}`).

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use strata_db::audit::action::ActionKind;
use strata_db::rows::{RowQuery, record, write};
use utoipa::ToSchema;

use crate::extract::{Json, Path, QueryPairs};
use crate::{Acted, ApiError, AppState, summary};

/// JSON that PostgreSQL wrote, passed through unparsed.
fn raw(json: String) -> Result<Box<RawValue>, ApiError> {
    RawValue::from_string(json).map_err(|err| ApiError::internal(format!("PostgreSQL wrote invalid JSON: {err}")))
}

/// One page of rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowsPage {
    /// The rows, each an object keyed by column name in column order. `bigint` and `numeric`
    /// values are strings (every digit kept); other types are PostgreSQL's `to_json`.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<Box<RawValue>>,
    /// Each row's version (opaque; send it back with an update to refuse overwriting a change).
    pub versions: Vec<Option<String>>,
    /// Each row's links: for every single-column foreign key, `{column: summary of the referenced
    /// row | null}`, the summary being its first text column (else its key) as text.
    #[schema(value_type = Vec<Object>)]
    pub links: Vec<Box<RawValue>>,
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
/// `gt`, `gte`, `lt`, `lte`, `like`, `ilike` (`*` is a wildcard, `\*` a literal star; `\%`, `\_` and
/// `\\` match `%`, `_` and `\` literally), `is` (`null`, `true`, `false`,
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
) -> Result<axum::Json<RowsPage>, ApiError> {
    let query = RowQuery::parse(pairs.iter().map(|(key, value)| (key.as_str(), value.as_str())))?;
    let client = state.databases.client(&db).await?;
    let page = strata_db::rows::read(&**client, &db, &schema, &table, &query).await?;
    Ok(axum::Json(RowsPage {
        rows: page.rows.into_iter().map(raw).collect::<Result<_, _>>()?,
        versions: page.versions,
        links: page.links.into_iter().map(raw).collect::<Result<_, _>>()?,
        next: page.next,
        estimated_total: page.estimated_total,
        exact_total: page.exact_total,
    }))
}

/// Rows as written, in request order, with their versions and links.
#[derive(Debug, Serialize, ToSchema)]
pub struct WrittenRows {
    /// The rows as read back after the write, encoded as in a page.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<Box<RawValue>>,
    /// Each row's new version.
    pub versions: Vec<Option<String>>,
    /// Each row's links, as in a page.
    #[schema(value_type = Vec<Object>)]
    pub links: Vec<Box<RawValue>>,
}

impl WrittenRows {
    fn new(rows: Vec<strata_db::rows::Row>) -> Result<WrittenRows, ApiError> {
        let mut written = WrittenRows { rows: Vec::new(), versions: Vec::new(), links: Vec::new() };
        for row in rows {
            written.rows.push(raw(row.json)?);
            written.versions.push(row.version);
            written.links.push(raw(row.links)?);
        }
        Ok(written)
    }
}

/// Rows to insert.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewRows {
    /// 1 to 1000 rows, each `{column: value}`; omitted columns take their defaults. `null` is
    /// NULL; a string, number or boolean is read by the column type's input function (`"12"`,
    /// `12`, `"2024-03-01"`, `true`); arrays and objects go to array and json columns.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<Map<String, Value>>,
}

/// One row's update.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RowUpdate {
    /// The row's primary key, `{column: value}`.
    #[schema(value_type = Object)]
    pub key: Map<String, Value>,
    /// The version read with the row: if the row changed since, nothing is written (409).
    /// Omitted: overwrite.
    pub version: Option<String>,
    /// The new values, `{column: value}`, read as for inserts.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub set: Map<String, Value>,
}

/// Rows to update, and rows to insert in the same transaction (a paste that runs past the
/// last row): either list may be empty or absent, not both.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RowUpdates {
    /// Up to 1000 updates, applied in order.
    #[serde(default)]
    pub updates: Vec<RowUpdate>,
    /// Up to 1000 rows to insert after the updates, each `{column: value}` as for `POST`.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub inserts: Vec<Map<String, Value>>,
}

/// Rows as updated, and the inserted rows when the request gave any.
#[derive(Debug, Serialize, ToSchema)]
pub struct UpdatedRows {
    /// The updated rows as read back, in the order of `updates`.
    #[serde(flatten)]
    pub updated: WrittenRows,
    /// The inserted rows as read back, in the order of `inserts`; present only when the request
    /// had `inserts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inserted: Option<WrittenRows>,
}

/// Rows to delete.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RowKeys {
    /// 1 to 1000 primary keys, each `{column: value}`.
    #[schema(value_type = Vec<Object>)]
    pub keys: Vec<Map<String, Value>>,
}

/// How many rows were deleted.
#[derive(Debug, Serialize, ToSchema)]
pub struct Deleted {
    /// The number of rows deleted.
    pub deleted: u64,
}

/// The rows of one foreign key that reference a record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferencedBy {
    /// The referencing table's schema.
    pub schema: String,
    /// The referencing table.
    pub table: String,
    /// The foreign key constraint.
    pub constraint: String,
    /// The referencing columns.
    pub columns: Vec<String>,
    /// The referencing table's primary key columns.
    pub primary_key: Vec<String>,
    /// The first 50 referencing rows, by primary key.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<Box<RawValue>>,
    /// How many rows reference the record.
    pub total: i64,
}

/// One record with what references it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordView {
    /// The row, encoded as in a page.
    #[schema(value_type = Object)]
    pub row: Box<RawValue>,
    /// Its version.
    pub version: Option<String>,
    /// Its links, as in a page.
    #[schema(value_type = Object)]
    pub links: Box<RawValue>,
    /// For every foreign key pointing at the table, the rows that reference this one.
    pub referenced_by: Vec<ReferencedBy>,
}

/// Inserts rows, all or none.
///
/// A value the column refuses (bad syntax, out of range, NOT NULL, unique, foreign key, check) is
/// a 422 of type `invalid-value` with the extension members `column` (null if unknown), `row`
/// (the index in `rows`) and `value` (as sent). An unknown or generated column is a 400 naming it.
#[utoipa::path(
    post,
    path = "/api/v1/databases/{db}/schemas/{schema}/tables/{table}/rows",
    tag = "tables",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("table" = String, Path, description = "The table"),
    ),
    request_body = NewRows,
    responses(
        (status = 201, description = "The rows as inserted, in request order", body = WrittenRows,
         headers(("Strata-Action" = i64, description = "The action this write made, to undo it by"))),
        (status = 400, description = "A malformed body, an unknown column, or not 1 to 1000 rows",
         body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such database, schema or table", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 413, description = "A body over 32 MiB (`parameter` is `body`)", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 422, description = "A value its column refuses (`column`, `row`, `value`), or no primary key",
         body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn insert(
    State(state): State<AppState>,
    Path((db, schema, table)): Path<(String, String, String)>,
    Json(body): Json<NewRows>,
) -> Result<Acted<(StatusCode, axum::Json<WrittenRows>)>, ApiError> {
    let acted = state
        .act(
            &db,
            ActionKind::Insert,
            async |tx| write::insert(tx, &db, &schema, &table, &body.rows, "rows").await,
            |rows| summary::insert(&table, rows.len() as u64),
        )
        .await?;
    Ok(Acted { action: acted.action, value: (StatusCode::CREATED, axum::Json(WrittenRows::new(acted.value)?)) })
}

/// Updates rows by primary key and inserts rows, all in one transaction: all or none.
///
/// The body is `{"updates": [{key, version?, set}], "inserts": [{column: value}]}`; either list
/// may be empty or absent, not both, and each holds at most 1000 items. The updates are applied
/// first, in order, then the inserts (omitted columns take their defaults), so a paste that
/// changes rows and adds new ones below them is one request.
///
/// An update with a `version` is refused if the row changed since it was read; an update of a
/// row that is gone is refused too. Then nothing is written and the answer is a 409 of type
/// `row-conflict` whose extension `current` lists `{key, row, version, links}` for each such row
/// as it is now (`row`, `version` and `links` null if deleted). A refused value is a 422 of type
/// `invalid-value` as for inserts, whose extension `array` says which list the row is in
/// (`updates` or `inserts`) and `row` its index there; nothing is written.
///
/// The answer is `{rows, versions, links}` for the updates (empty lists when there were none),
/// plus `inserted: {rows, versions, links}` when the request had inserts.
#[utoipa::path(
    patch,
    path = "/api/v1/databases/{db}/schemas/{schema}/tables/{table}/rows",
    tag = "tables",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("table" = String, Path, description = "The table"),
    ),
    request_body = RowUpdates,
    responses(
        (status = 200, description = "The rows after the update, in request order, and the inserted rows",
         body = UpdatedRows,
         headers(("Strata-Action" = i64, description = "The action this write made, to undo it by"))),
        (status = 400, description = "A malformed body or key, an unknown column, no updates nor inserts, or \
         more than 1000 of either", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such database, schema or table", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 409, description = "Rows changed or deleted since read (`current`)", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 413, description = "A body over 32 MiB (`parameter` is `body`)", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 422, description = "A value its column refuses (`column`, `array`, `row`, `value`)",
         body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    Path((db, schema, table)): Path<(String, String, String)>,
    Json(body): Json<RowUpdates>,
) -> Result<Acted<axum::Json<UpdatedRows>>, ApiError> {
    if body.updates.is_empty() && body.inserts.is_empty() {
        return Err(ApiError::bad_parameter("updates", "give `updates`, `inserts` or both, each 1 to 1000 rows"));
    }
    let updates: Vec<write::Update> = body
        .updates
        .into_iter()
        .map(|update| write::Update { key: update.key, version: update.version, set: update.set })
        .collect();
    let inserts = body.inserts;
    let (kind, summary) = update_summary(&table, &updates, &inserts);
    let acted = state
        .act(
            &db,
            kind,
            async |tx| {
                let updated = if updates.is_empty() {
                    Vec::new()
                } else {
                    write::update(tx, &db, &schema, &table, &updates).await?
                };
                let inserted = if inserts.is_empty() {
                    None
                } else {
                    Some(write::insert(tx, &db, &schema, &table, &inserts, "inserts").await?)
                };
                Ok::<_, strata_db::Error>((updated, inserted))
            },
            |_| summary,
        )
        .await?;
    let (updated, inserted) = acted.value;
    let answer = axum::Json(UpdatedRows {
        updated: WrittenRows::new(updated)?,
        inserted: inserted.map(WrittenRows::new).transpose()?,
    });
    Ok(Acted { action: acted.action, value: answer })
}

/// The kind and summary of a `PATCH`: an edit of one row's cells, or a paste (several rows,
/// or rows added).
fn update_summary(table: &str, updates: &[write::Update], inserts: &[Map<String, Value>]) -> (ActionKind, String) {
    let cells = updates.iter().map(|update| update.set.len()).chain(inserts.iter().map(Map::len)).sum::<usize>();
    if updates.len() == 1 && inserts.is_empty() {
        (ActionKind::Edit, summary::edit(table, cells as u64))
    } else {
        (ActionKind::Paste, summary::paste(table, cells as u64, inserts.len() as u64))
    }
}

/// Deletes rows by primary key, all or none: if any key has no row, the answer is a 404 whose
/// extension `missing` lists those keys, and nothing is deleted.
#[utoipa::path(
    delete,
    path = "/api/v1/databases/{db}/schemas/{schema}/tables/{table}/rows",
    tag = "tables",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("table" = String, Path, description = "The table"),
    ),
    request_body = RowKeys,
    responses(
        (status = 200, description = "How many rows were deleted", body = Deleted,
         headers(("Strata-Action" = i64, description = "The action this write made, to undo it by"))),
        (status = 400, description = "A malformed body or key, or not 1 to 1000 keys", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 404, description = "No such database, schema or table, or keys without rows (`missing`)",
         body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Other rows still reference a row", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    Path((db, schema, table)): Path<(String, String, String)>,
    Json(body): Json<RowKeys>,
) -> Result<Acted<axum::Json<Deleted>>, ApiError> {
    let acted = state
        .act(
            &db,
            ActionKind::Delete,
            async |tx| write::delete(tx, &db, &schema, &table, &body.keys).await,
            |deleted| summary::delete(&table, *deleted),
        )
        .await?;
    Ok(acted.map(|deleted| axum::Json(Deleted { deleted })))
}

/// Reads one record by primary key, with the first 50 rows of each foreign key that references it.
#[utoipa::path(
    get,
    path = "/api/v1/databases/{db}/schemas/{schema}/tables/{table}/rows/{key}",
    tag = "tables",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("table" = String, Path, description = "The table"),
        ("key" = String, Path, description = "The primary key value as text; for a composite key the values \
         in key order joined by `,`, a value with `,` or `\"` double-quoted (`\"\"` for `\"`)"),
    ),
    responses(
        (status = 200, description = "The record", body = RecordView),
        (status = 400, description = "A key that does not fit the key columns", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 404, description = "No such database, schema, table or row (`missing`)", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    Path((db, schema, table, key)): Path<(String, String, String, String)>,
) -> Result<axum::Json<RecordView>, ApiError> {
    let client = state.databases.client(&db).await?;
    let found = record::record(&**client, &db, &schema, &table, &key).await?;
    let referenced_by = found
        .referenced_by
        .into_iter()
        .map(|referencing| {
            Ok(ReferencedBy {
                schema: referencing.schema,
                table: referencing.table,
                constraint: referencing.constraint,
                columns: referencing.columns,
                primary_key: referencing.primary_key,
                rows: referencing.rows.into_iter().map(raw).collect::<Result<_, ApiError>>()?,
                total: referencing.total,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(axum::Json(RecordView {
        row: raw(found.row.json)?,
        version: found.row.version,
        links: raw(found.row.links)?,
        referenced_by,
    }))
}
