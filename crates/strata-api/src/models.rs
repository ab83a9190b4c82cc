//! `/api/v1/databases/{db}/schemas/{schema}/models`: a schema's data models (DESIGN §5), one of
//! them with its tables for the diagram, and a step (extract, move, merge, split columns or rows,
//! rename, retype, add or drop a column) previewed or made (`strata_db::model`).
//!
//! A step is one action of kind `model`: undoing it (the actions API) puts the tables back. A
//! refused step is a 409 `model-conflict` whose `preview` lists the conflicts.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use strata_db::audit::action::ActionKind;
use strata_db::catalog;
use strata_db::model::{self, Applied, Change, Conflict, ModelInfo, Op, Preview};
use utoipa::ToSchema;

use crate::extract::Path;
use crate::{Acted, ApiError, AppState};

/// A model of a schema: its tables as they were after some step. The newest is the schema's
/// tables; each earlier one is views in a PostgreSQL schema of its own, readable and writable.
#[derive(Debug, Serialize, ToSchema)]
pub struct Model {
    /// Its number in the schema, 1 for the first.
    #[schema(example = 2)]
    pub id: i32,
    /// Its name.
    #[schema(example = "v2")]
    pub name: String,
    /// When it was made, RFC 3339; null for a schema's first model before any step.
    #[schema(example = "2026-11-26T04:20:13.154561Z")]
    pub created_at: Option<String>,
    /// How many steps led to it from the first model.
    #[schema(example = 1)]
    pub steps: i32,
    /// The PostgreSQL schema holding its tables (the newest model: the schema itself) or views.
    #[schema(example = "public")]
    pub pg_schema: String,
    /// Whether it is the newest model, the tables themselves.
    pub current: bool,
    /// The step that made it from the model before, as recorded (tagged by `op`, with what it
    /// resolved: positions, the new link column, old types); null for the first.
    #[schema(value_type = Option<Object>)]
    pub op: Option<Op>,
    /// What that step did, for people.
    #[schema(example = "Extracted Customer Name, City of orders into customers")]
    pub summary: String,
    /// The action that made it: undo it to go back.
    pub action: Option<i64>,
}

impl From<ModelInfo> for Model {
    fn from(info: ModelInfo) -> Model {
        Model {
            id: info.id,
            name: info.name,
            created_at: info.created_at,
            steps: info.steps,
            pg_schema: info.pg_schema,
            current: info.current,
            op: info.op,
            summary: info.summary,
            action: info.action,
        }
    }
}

/// A model with its tables, for the diagram.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelDetail {
    /// The model.
    pub model: Model,
    /// Its tables, by name.
    pub tables: Vec<ModelTable>,
}

/// A table of a model.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelTable {
    /// Its name in the model.
    #[schema(example = "orders")]
    pub name: String,
    /// The PostgreSQL schema it is read from.
    #[schema(example = "public_v1")]
    pub pg_schema: String,
    /// Its key column, if it has one.
    #[schema(example = "id")]
    pub key: Option<String>,
    /// Its columns in order.
    pub columns: Vec<ModelColumn>,
    /// Its links to the model's other tables.
    pub links: Vec<ModelLink>,
}

/// A column of a model's table, and where its values are kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelColumn {
    /// Its name in the model.
    #[schema(example = "City")]
    pub name: String,
    /// Its type in the model, as PostgreSQL spells it.
    #[schema(example = "text")]
    pub type_name: String,
    /// The table that holds it, `schema.table`.
    #[schema(example = "public.customers")]
    pub table: String,
    /// The column of that table.
    #[schema(example = "City")]
    pub column: String,
}

/// A foreign key between two tables of a model.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelLink {
    /// The linking column.
    #[schema(example = "customers_id")]
    pub column: String,
    /// The model's table it references.
    #[schema(example = "customers")]
    pub table: String,
}

impl From<model::ModelDetail> for ModelDetail {
    fn from(detail: model::ModelDetail) -> ModelDetail {
        let tables = detail
            .tables
            .into_iter()
            .map(|table| ModelTable {
                name: table.name,
                pg_schema: table.pg_schema,
                key: table.key,
                columns: table
                    .columns
                    .into_iter()
                    .map(|c| ModelColumn { name: c.name, type_name: c.type_name, table: c.table, column: c.column })
                    .collect(),
                links: table.links.into_iter().map(|l| ModelLink { column: l.column, table: l.table }).collect(),
            })
            .collect();
        ModelDetail { model: detail.model.into(), tables }
    }
}

/// A step to take, tagged by `op`. Names are the newest model's (the schema's tables).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum ModelChange {
    /// Extract `columns` of `table` into a new table `into`, one row per distinct `key` (all
    /// the columns when empty), linked from `table` by a new foreign key column.
    Extract {
        /// The table.
        table: String,
        /// The columns to extract.
        columns: Vec<String>,
        /// The new table's name.
        into: String,
        /// The columns that identify a row of the new table; all of `columns` when empty.
        #[serde(default)]
        key: Vec<String>,
    },
    /// Move `columns` of `table` along its foreign key column `link` to the table it references.
    Move {
        /// The table.
        table: String,
        /// The columns to move.
        columns: Vec<String>,
        /// The foreign key column to move them along.
        link: String,
    },
    /// Split `columns` off `table` into a new table `into`, one row per row, with the same key.
    SplitColumns {
        /// The table.
        table: String,
        /// The columns to split off.
        columns: Vec<String>,
        /// The new table's name.
        into: String,
    },
    /// Merge the table that `table`'s foreign key column `link` references back into `table`
    /// (an extraction's inverse): its columns but its key take `link`'s place, each row holding
    /// the values of the row it linked to, and it goes from the newest model.
    Merge {
        /// The table that links to the one merged.
        #[schema(example = "orders")]
        table: String,
        /// Its foreign key column.
        #[schema(example = "customers_id")]
        link: String,
    },
    /// Split the rows of `table` for which `condition` holds off into a new table `into` with
    /// the same columns; the rows keep their keys.
    SplitRows {
        /// The table.
        #[schema(example = "orders")]
        table: String,
        /// The new table's name.
        #[schema(example = "big_orders")]
        into: String,
        /// An SQL boolean expression over the table's columns, named as they are.
        #[schema(example = "amount > 100")]
        condition: String,
    },
    /// Rename `table` to `to`.
    RenameTable {
        /// The table.
        table: String,
        /// Its new name.
        to: String,
    },
    /// Rename `column` of `table` to `to`.
    RenameColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its new name.
        to: String,
    },
    /// Convert `column` of `table` to the type `type_name`, by a cast or by `using`.
    Retype {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The new type, such as `integer` or `numeric(10,2)`.
        type_name: String,
        /// An SQL expression over the column computing the new value (`"Price" * 100`).
        #[serde(default)]
        using: Option<String>,
        /// Accept that earlier models read some values differently (`'007'` → `7` → `'7'`);
        /// without it such values refuse the step.
        #[serde(default)]
        lossy: bool,
    },
    /// Add `column` of type `type_name` to `table`.
    AddColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its type.
        type_name: String,
    },
    /// Drop `column` of `table`; its values stay for the earlier models.
    DropColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
}

impl From<ModelChange> for Change {
    fn from(change: ModelChange) -> Change {
        match change {
            ModelChange::Extract { table, columns, into, key } => Change::Extract { table, columns, into, key },
            ModelChange::Move { table, columns, link } => Change::Move { table, columns, link },
            ModelChange::SplitColumns { table, columns, into } => Change::SplitColumns { table, columns, into },
            ModelChange::Merge { table, link } => Change::Merge { table, link },
            ModelChange::SplitRows { table, into, condition } => Change::SplitRows { table, into, condition },
            ModelChange::RenameTable { table, to } => Change::RenameTable { table, to },
            ModelChange::RenameColumn { table, column, to } => Change::RenameColumn { table, column, to },
            ModelChange::Retype { table, column, type_name, using, lossy } => {
                Change::Retype { table, column, type_name, using, lossy }
            }
            ModelChange::AddColumn { table, column, type_name } => Change::AddColumn { table, column, type_name },
            ModelChange::DropColumn { table, column } => Change::DropColumn { table, column },
        }
    }
}

/// What a step will do, before it is made.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelPreview {
    /// The step as it will be recorded (tagged by `op`).
    #[schema(value_type = Object)]
    pub op: Op,
    /// What it does, for people.
    #[schema(example = "Extracted Customer Name, City of orders into customers")]
    pub summary: String,
    /// What it creates.
    #[schema(example = json!(["table public.customers (10,000 rows)", "column orders.customers_id"]))]
    pub creates: Vec<String>,
    /// What it removes from the newest model (kept for the earlier ones).
    #[schema(example = json!(["column orders.City"]))]
    pub removes: Vec<String>,
    /// How many rows it writes.
    #[schema(example = 10_000)]
    pub rows: i64,
    /// Why it cannot be made as asked; empty when it can.
    pub conflicts: Vec<ModelConflict>,
}

impl From<Preview> for ModelPreview {
    fn from(preview: Preview) -> ModelPreview {
        // Taken apart whole, so a field added to `Preview` does not compile until it is here.
        let Preview { op, summary, creates, removes, rows, conflicts } = preview;
        let conflicts = conflicts.into_iter().map(ModelConflict::from).collect();
        ModelPreview { op, summary, creates, removes, rows, conflicts }
    }
}

/// A reason a step is refused, tagged by `kind`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelConflict {
    /// Rows with the same key disagree on a column to extract or move.
    Dependency {
        /// The key's values, by column.
        #[schema(value_type = Object, example = json!({"Customer Email": "a@x.org"}))]
        key: Map<String, Value>,
        /// The column they disagree on.
        #[schema(example = "City")]
        column: String,
        /// Some of the values (up to 5), as text.
        #[schema(example = json!(["Lisbon", "Porto"]))]
        values: Vec<Option<String>>,
        /// How many rows share the key.
        rows: i64,
        /// What to do about it.
        #[schema(example = "choose a key that tells them apart, or make them agree first")]
        advice: String,
    },
    /// A value the new type refuses, or that would read back differently through the earlier model.
    Value {
        /// The column.
        column: String,
        /// The value, as text.
        value: Option<String>,
        /// How many rows hold it.
        rows: i64,
        /// PostgreSQL's reason, or what it would read back as.
        reason: String,
    },
    /// Anything else in the way (a name taken, a column missing, a link lacking).
    Refused {
        /// What is wrong and what to do.
        reason: String,
    },
}

impl From<Conflict> for ModelConflict {
    fn from(conflict: Conflict) -> ModelConflict {
        match conflict {
            Conflict::Dependency { key, column, values, rows, advice } => {
                ModelConflict::Dependency { key, column, values, rows, advice }
            }
            Conflict::Value { column, value, rows, reason } => ModelConflict::Value { column, value, rows, reason },
            Conflict::Refused { reason } => ModelConflict::Refused { reason },
        }
    }
}

/// A step made.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelApplied {
    /// What it did.
    pub preview: ModelPreview,
    /// The model it made, now the newest.
    pub model: Model,
}

impl From<Applied> for ModelApplied {
    fn from(applied: Applied) -> ModelApplied {
        ModelApplied { preview: applied.preview.into(), model: applied.model.into() }
    }
}

/// Lists a schema's models, oldest first; a schema that never had a step has one.
#[utoipa::path(
    get,
    path = "/api/v1/databases/{db}/schemas/{schema}/models",
    tag = "models",
    params(("db" = String, Path, description = "The database"), ("schema" = String, Path, description = "The schema")),
    responses(
        (status = 200, description = "The models, oldest first", body = Vec<Model>),
        (status = 404, description = "No such database or schema", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Path((db, schema)): Path<(String, String)>,
) -> Result<Json<Vec<Model>>, ApiError> {
    let client = state.databases.client(&db).await?;
    catalog::schema_must_exist(&**client, &db, &schema).await?;
    let models = model::list(&**client, &schema).await?;
    Ok(Json(models.into_iter().map(Model::from).collect()))
}

/// Reads one model with its tables: each column with the table and column that hold it, and the
/// links between its tables.
#[utoipa::path(
    get,
    path = "/api/v1/databases/{db}/schemas/{schema}/models/{id}",
    tag = "models",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("id" = i32, Path, description = "The model's number"),
    ),
    responses(
        (status = 200, description = "The model and its tables", body = ModelDetail),
        (status = 404, description = "No such database, schema or model (type `.../missing`)",
         body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    Path((db, schema, id)): Path<(String, String, i32)>,
) -> Result<Json<ModelDetail>, ApiError> {
    let client = state.databases.client(&db).await?;
    catalog::schema_must_exist(&**client, &db, &schema).await?;
    let models = model::list(&**client, &schema).await?;
    if !models.iter().any(|m| m.id == id) {
        let reason = format!("{schema:?} has no model {id}; its models are numbered 1 to {}", models.len());
        return Err(ApiError::not_found(reason).with_type("missing"));
    }
    Ok(Json(model::describe(&**client, &schema, id).await?.into()))
}

/// Previews a step: what it would create and remove, the rows it would write, and the conflicts
/// that would refuse it. Changes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/databases/{db}/schemas/{schema}/models/preview",
    tag = "models",
    params(("db" = String, Path, description = "The database"), ("schema" = String, Path, description = "The schema")),
    request_body = ModelChange,
    responses(
        (status = 200, description = "What the step would do, conflicts included", body = ModelPreview),
        (status = 400, description = "A malformed body (`body`), or a type PostgreSQL does not know",
         body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such database or schema", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn preview(
    State(state): State<AppState>,
    Path((db, schema)): Path<(String, String)>,
    crate::extract::Json(change): crate::extract::Json<ModelChange>,
) -> Result<Json<ModelPreview>, ApiError> {
    let change = Change::from(change);
    // Probes made to preview (temporary functions, casts tried) are rolled back.
    let preview = state
        .read_only(&db, async |tx| {
            catalog::schema_must_exist(tx, &db, &schema).await?;
            model::preview(tx, &schema, &change).await
        })
        .await?;
    Ok(Json(preview.into()))
}

/// Makes a step, as one action of kind `model` (undo it through the actions API): the schema's
/// tables change, and the model before stays readable and writable as views in a schema of its
/// own. A step with conflicts is refused, changing nothing: a 409 of type `.../model-conflict`
/// whose extension `preview` lists them.
#[utoipa::path(
    post,
    path = "/api/v1/databases/{db}/schemas/{schema}/models",
    tag = "models",
    params(("db" = String, Path, description = "The database"), ("schema" = String, Path, description = "The schema")),
    request_body = ModelChange,
    responses(
        (status = 201, description = "Made; what it did and the new model", body = ModelApplied,
         headers(("Strata-Action" = i64, description = "The action this step made, to undo it by"))),
        (status = 400, description = "A malformed body (`body`), a bad name, or a type PostgreSQL does not know",
         body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such database, schema, table or column", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 409, description = "Refused: type `.../model-conflict` with the `preview` and its conflicts; \
         or a name taken", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "PostgreSQL refused the change", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn apply(
    State(state): State<AppState>,
    Path((db, schema)): Path<(String, String)>,
    crate::extract::Json(change): crate::extract::Json<ModelChange>,
) -> Result<Acted<(StatusCode, Json<ModelApplied>)>, ApiError> {
    let change = Change::from(change);
    let acted = state
        .act(
            &db,
            ActionKind::Model,
            async |tx| {
                catalog::schema_must_exist(tx, &db, &schema).await?;
                model::apply(tx, &schema, &change).await
            },
            |applied| applied.preview.summary.clone(),
        )
        .await?;
    Ok(acted.map(|applied| (StatusCode::CREATED, Json(ModelApplied::from(applied)))))
}
