//! `.../tables/{table}/rows/{key}/history` and `.../tables/{table}/deleted`: every version of a
//! record with who and when, the table's deleted rows, and restoring them with their old keys
//! (`strata_db::audit::history`).

use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use strata_db::audit::action::{self, ActionKind};
use strata_db::audit::history::{self, Change};
use strata_db::ddl::TablePath;
use utoipa::ToSchema;

use crate::actions::ActionJson;
use crate::extract::{Json, Path, QueryPairs};
use crate::{Acted, ApiError, AppState, summary};

/// One version of a row.
#[derive(Debug, Serialize, ToSchema)]
pub struct Version {
    /// The action that made it.
    #[schema(example = 5)]
    pub action: i64,
    /// When, RFC 3339.
    pub at: String,
    /// Who.
    #[schema(example = "postgres")]
    pub user: String,
    /// The action's summary.
    #[schema(example = "Edited 1 cell in orders")]
    pub summary: String,
    /// `insert`, `update` or `delete`.
    #[schema(example = "update")]
    pub change: &'static str,
    /// The row after the change, as rows are read (`bigint`/`numeric` as strings); null once deleted.
    #[schema(value_type = Option<Object>)]
    pub values: Option<Map<String, Value>>,
    /// The columns the change set to another value (every column for an insert).
    #[schema(example = json!(["qty"]))]
    pub changed: Vec<String>,
}

impl From<history::Version> for Version {
    fn from(version: history::Version) -> Version {
        Version {
            action: version.action,
            at: version.at,
            user: version.user,
            summary: version.summary,
            change: match version.change {
                Change::Insert => "insert",
                Change::Update => "update",
                Change::Delete => "delete",
            },
            values: version.values,
            changed: version.changed,
        }
    }
}

/// A row's versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowHistory {
    /// Newest first; empty when history has none.
    pub versions: Vec<Version>,
}

/// A deleted row.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeletedRow {
    /// Its primary key, as text.
    #[schema(example = "7")]
    pub key: String,
    /// Its values when it was deleted, as rows are read.
    #[schema(value_type = Object)]
    pub values: Map<String, Value>,
    /// The action that deleted it.
    pub action: i64,
    /// When, RFC 3339.
    pub at: String,
    /// Who.
    pub user: String,
}

/// A table's deleted rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeletedRows {
    /// Newest deletion first.
    pub rows: Vec<DeletedRow>,
}

/// Deleted rows to put back.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RestoreKeys {
    /// Their primary keys, as text (as `deleted` lists them).
    #[schema(example = json!(["7"]))]
    pub keys: Vec<String>,
}

/// What a restore did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Restored {
    /// How many rows are back.
    pub restored: u64,
    /// The restore's action.
    pub action: ActionJson,
}

/// Every version of a record, newest first, with who changed it and when.
#[utoipa::path(
    get,
    path = "/api/v1/databases/{db}/schemas/{schema}/tables/{table}/rows/{key}/history",
    tag = "tables",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("table" = String, Path, description = "The table"),
        ("key" = String, Path, description = "The primary key value as text"),
    ),
    responses(
        (status = 200, description = "The row's versions", body = RowHistory),
        (status = 404, description = "No such database, schema or table", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn row(
    State(state): State<AppState>,
    Path((db, schema, table, key)): Path<(String, String, String, String)>,
) -> Result<axum::Json<RowHistory>, ApiError> {
    let client = state.databases.client(&db).await?;
    let versions = history::row_history(&**client, TablePath::new(&db, &schema, &table), &key).await?;
    Ok(axum::Json(RowHistory { versions: versions.into_iter().map(Version::from).collect() }))
}

/// The table's deleted rows that are not back, newest deletion first.
#[utoipa::path(
    get,
    path = "/api/v1/databases/{db}/schemas/{schema}/tables/{table}/deleted",
    tag = "tables",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("table" = String, Path, description = "The table"),
        ("limit" = Option<i64>, Query, description = "At most this many, 1 to 1000; default 50"),
    ),
    responses(
        (status = 200, description = "The deleted rows", body = DeletedRows),
        (status = 400, description = "A malformed `limit`", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 404, description = "No such database, schema or table", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn deleted(
    State(state): State<AppState>,
    Path((db, schema, table)): Path<(String, String, String)>,
    QueryPairs(pairs): QueryPairs,
) -> Result<axum::Json<DeletedRows>, ApiError> {
    let mut limit = 50;
    for (key, value) in pairs {
        match (key.as_str(), value.parse::<i64>()) {
            ("limit", Ok(n @ 1..=1000)) => limit = n,
            ("limit", _) => return Err(ApiError::bad_parameter("limit", "give 1 to 1000")),
            _ => return Err(ApiError::bad_parameter(key, "unknown parameter; use limit")),
        }
    }
    let client = state.databases.client(&db).await?;
    let rows = history::deleted_rows(&**client, TablePath::new(&db, &schema, &table), limit).await?;
    let rows = rows
        .into_iter()
        .map(|row| DeletedRow { key: row.key, values: row.values, action: row.action, at: row.at, user: row.user })
        .collect();
    Ok(axum::Json(DeletedRows { rows }))
}

/// Puts deleted rows back with their old keys and values, as one action of kind `restore`: all
/// or none. Keys with no deleted row are a 404 listing them in `missing`; keys in use again are a
/// 409 listing them in `keys`.
#[utoipa::path(
    post,
    path = "/api/v1/databases/{db}/schemas/{schema}/tables/{table}/deleted/restore",
    tag = "tables",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("table" = String, Path, description = "The table"),
    ),
    request_body = RestoreKeys,
    responses(
        (status = 200, description = "Restored", body = Restored,
         headers(("Strata-Action" = i64, description = "The restore's action"))),
        (status = 400, description = "A malformed body, or no keys", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 404, description = "No such database, schema or table, or keys with no deleted row",
         body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Keys in use again (`keys`)", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn restore(
    State(state): State<AppState>,
    Path((db, schema, table)): Path<(String, String, String)>,
    Json(body): Json<RestoreKeys>,
) -> Result<Acted<axum::Json<Restored>>, ApiError> {
    if body.keys.is_empty() || body.keys.len() > 1000 {
        return Err(ApiError::bad_parameter("keys", "give 1 to 1000 keys"));
    }
    let acted = state
        .act(
            &db,
            ActionKind::Restore,
            async |tx| history::restore(tx, TablePath::new(&db, &schema, &table), &body.keys).await,
            |restored| summary::restore(&table, *restored),
        )
        .await?;
    let client = state.databases.client(&db).await?;
    let Some(info) = action::get(&**client, acted.action).await? else {
        return Err(ApiError::internal(format!("the restore's action {} is gone", acted.action)));
    };
    Ok(acted.map(|restored| axum::Json(Restored { restored, action: info.into() })))
}
