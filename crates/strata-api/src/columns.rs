//! `/api/v1/databases/{db}/schemas/{schema}/tables/{table}/columns[/{column}]`: adding,
//! renaming, retyping and dropping a column, and previewing a retype.
//!
//! In a schema with models each change is a model step (`strata_db::model::TableChange`), an
//! action of kind `model`, so the earlier models keep reading the column as it was; a step
//! refused is a 409 `model-conflict` as from the models API.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use strata_db::audit::action::ActionKind;
use strata_db::ddl::{self, TablePath};
use utoipa::ToSchema;

use crate::extract::{Path, QueryPairs};
use crate::tables::TableDetail;
use crate::{Acted, ApiError, AppState, summary};

/// A column to add.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewColumn {
    /// Its name: any name of at most 63 bytes (UTF-8), kept exactly as given.
    #[schema(example = "Order Date")]
    pub name: String,
    /// A type PostgreSQL knows: `text`, `integer`, `bigint`, `numeric(10,2)`, `varchar(20)`,
    /// `date`, `timestamptz`, `boolean`, `jsonb`, `uuid`, ...
    #[serde(rename = "type")]
    #[schema(example = "date")]
    pub type_name: String,
    /// Whether it may be NULL; default true.
    pub nullable: Option<bool>,
}

impl From<NewColumn> for ddl::NewColumn {
    fn from(column: NewColumn) -> ddl::NewColumn {
        ddl::NewColumn { name: column.name, type_name: column.type_name, nullable: column.nullable.unwrap_or(true) }
    }
}

/// What to change about a column: a new name, a new type, or both.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ColumnChange {
    /// The new name.
    #[schema(example = "Shipped on")]
    pub name: Option<String>,
    /// The new type; every value is converted (`USING column::type`), or nothing changes.
    #[serde(rename = "type")]
    #[schema(example = "date")]
    pub type_name: Option<String>,
}

/// What converting a column to a type would do.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetypePreview {
    /// The new type as PostgreSQL spells it.
    #[serde(rename = "type")]
    #[schema(example = "integer")]
    pub type_name: String,
    /// The column's non-null values.
    pub values: i64,
    /// How many of them would not convert.
    pub failing: i64,
    /// Up to 20 rows whose value would not convert, in primary key order.
    pub samples: Vec<RetypeSample>,
}

/// A row whose value would not convert.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetypeSample {
    /// The row's primary key, `{column: value}` (`bigint`/`numeric` as strings).
    #[schema(value_type = Object)]
    pub key: Box<RawValue>,
    /// The value, as text.
    #[schema(example = "abc")]
    pub value: String,
    /// PostgreSQL's error for it.
    #[schema(example = "invalid input syntax for type integer: \"abc\"")]
    pub error: String,
}

impl TryFrom<ddl::RetypePreview> for RetypePreview {
    type Error = ApiError;

    fn try_from(preview: ddl::RetypePreview) -> Result<RetypePreview, ApiError> {
        let samples = preview
            .samples
            .into_iter()
            .map(|sample| {
                let key = RawValue::from_string(sample.key)
                    .map_err(|err| ApiError::internal(format!("PostgreSQL wrote a key that is not JSON: {err}")))?;
                Ok(RetypeSample { key, value: sample.value, error: sample.error })
            })
            .collect::<Result<_, ApiError>>()?;
        Ok(RetypePreview { type_name: preview.type_name, values: preview.values, failing: preview.failing, samples })
    }
}

/// Adds a column.
#[utoipa::path(
    post,
    path = "/api/v1/databases/{db}/schemas/{schema}/tables/{table}/columns",
    tag = "tables",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("table" = String, Path, description = "The table"),
    ),
    request_body = NewColumn,
    responses(
        (status = 201, description = "Added; the table", body = TableDetail,
         headers(("Strata-Action" = i64, description = "The action this write made, to undo it by"))),
        (status = 400, description = "A bad name (`name`) or a type PostgreSQL does not know (`type`)",
         body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such database, schema or table", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 409, description = "A column of that name exists, or (a schema with models) the step is refused: \
         type `.../model-conflict` with the `preview`", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 422, description = "Not a table, or NOT NULL on a table with rows or in a schema with models",
         body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn add(
    State(state): State<AppState>,
    Path((db, schema, table)): Path<(String, String, String)>,
    crate::extract::Json(body): crate::extract::Json<NewColumn>,
) -> Result<Acted<(StatusCode, Json<TableDetail>)>, ApiError> {
    let column: ddl::NewColumn = body.into();
    let acted = state
        .act_on_table(
            TablePath::new(&db, &schema, &table),
            ActionKind::AddColumn,
            async |tx, change| change.add_column(tx, &column).await,
            |_| summary::add_column(&table, &column.name),
        )
        .await?;
    Ok(acted.map(|relation| (StatusCode::CREATED, Json(TableDetail::from(relation)))))
}

/// Renames and/or retypes a column. A retype converts every value; if any does not convert,
/// nothing changes and the answer is a 422 `retype-refused` whose `preview` says which. In a
/// schema with models, a rename and a retype together are two steps of one action.
#[utoipa::path(
    patch,
    path = "/api/v1/databases/{db}/schemas/{schema}/tables/{table}/columns/{column}",
    tag = "tables",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("table" = String, Path, description = "The table"),
        ("column" = String, Path, description = "The column"),
    ),
    request_body = ColumnChange,
    responses(
        (status = 200, description = "Changed; the table", body = TableDetail,
         headers(("Strata-Action" = i64, description = "The action this write made, to undo it by"))),
        (status = 400, description = "A bad name (`name`) or a type PostgreSQL does not know (`type`)",
         body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such database, schema, table or column", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 409, description = "A column of the new name exists, or a view depends on the column, or (a \
         schema with models) the step is refused: type `.../model-conflict` with the `preview`",
         body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Values do not convert: type `.../retype-refused`, with the `preview`",
         body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn alter(
    State(state): State<AppState>,
    Path((db, schema, table, column)): Path<(String, String, String, String)>,
    crate::extract::Json(body): crate::extract::Json<ColumnChange>,
) -> Result<Acted<Json<TableDetail>>, ApiError> {
    let change = ddl::column::ColumnChange { name: body.name, type_name: body.type_name };
    let acted = state
        .act_on_table(
            TablePath::new(&db, &schema, &table),
            ActionKind::AlterColumn,
            async |tx, table_change| table_change.alter_column(tx, &column, &change).await,
            |relation| {
                let name = change.name.as_deref().unwrap_or(&column);
                // The new type as PostgreSQL spells it, not as it was asked for (`int` → `integer`).
                let retyped =
                    change.type_name.as_ref().and_then(|_| relation.column(name)).map(|c| c.type_name.as_str());
                summary::alter_column(&table, &column, change.name.as_deref(), retyped)
            },
        )
        .await?;
    Ok(acted.map(|relation| Json(TableDetail::from(relation))))
}

/// Drops a column (never one of the primary key).
#[utoipa::path(
    delete,
    path = "/api/v1/databases/{db}/schemas/{schema}/tables/{table}/columns/{column}",
    tag = "tables",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("table" = String, Path, description = "The table"),
        ("column" = String, Path, description = "The column"),
    ),
    responses(
        (status = 204, description = "Dropped",
         headers(("Strata-Action" = i64, description = "The action this write made, to undo it by"))),
        (status = 404, description = "No such database, schema, table or column", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 409, description = "A primary key column, or one other objects depend on, or (a schema with \
         models) the step is refused: type `.../model-conflict` with the `preview`", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn drop(
    State(state): State<AppState>,
    Path((db, schema, table, column)): Path<(String, String, String, String)>,
) -> Result<Acted<StatusCode>, ApiError> {
    let acted = state
        .act_on_table(
            TablePath::new(&db, &schema, &table),
            ActionKind::DropColumn,
            async |tx, change| change.drop_column(tx, &column).await,
            |()| summary::drop_column(&table, &column),
        )
        .await?;
    Ok(acted.map(|()| StatusCode::NO_CONTENT))
}

/// Previews converting a column to `type`: how many values would fail, with up to 20 of them
/// and PostgreSQL's reason for each. Changes nothing.
#[utoipa::path(
    get,
    path = "/api/v1/databases/{db}/schemas/{schema}/tables/{table}/columns/{column}/retype",
    tag = "tables",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("table" = String, Path, description = "The table"),
        ("column" = String, Path, description = "The column"),
        ("type" = String, Query, description = "The new type, such as `integer` or `numeric(10,2)`"),
    ),
    responses(
        (status = 200, description = "What the retype would do", body = RetypePreview),
        (status = 400, description = "No `type`, or one PostgreSQL does not know", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 404, description = "No such database, schema, table or column", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn retype_preview(
    State(state): State<AppState>,
    Path((db, schema, table, column)): Path<(String, String, String, String)>,
    QueryPairs(pairs): QueryPairs,
) -> Result<Json<RetypePreview>, ApiError> {
    let Some((_, type_name)) = pairs.iter().find(|(key, _)| key == "type") else {
        return Err(ApiError::bad_parameter("type", "give the new type, as in ?type=integer"));
    };
    // The probe's temporary function is rolled back with the transaction: a preview changes nothing.
    let path = TablePath::new(&db, &schema, &table);
    let preview = state.read_only(&db, async |tx| ddl::retype::preview(tx, path, &column, type_name).await).await?;
    Ok(Json(RetypePreview::try_from(preview)?))
}
