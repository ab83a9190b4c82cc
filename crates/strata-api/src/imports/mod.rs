//! `/api/v1/databases/{db}/schemas/{schema}/imports`: a spreadsheet into a table from the
//! browser, in steps.
//!
//! `POST` spools the upload (`upload`) and plans it with `strata_import::plan`, answering an
//! [`ImportPreview`]; `PATCH` re-plans with other options or renames, retypes and skips
//! columns; `commit` loads it in one transaction on a task of its own through
//! `strata_db::load::import` (what `strata import` runs too), while `events` streams its
//! progress. Sessions live in memory (`session`) and expire after an hour idle.

mod events;
mod session;
mod upload;

use std::collections::BTreeMap;
use std::path::{Path as FilePath, PathBuf};
use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use strata_db::audit::action::{self, ActionKind};
use strata_db::catalog;
use strata_db::load::{self, Destination, Mapping};
use strata_db::model::bulk::EntityConflicts;
use strata_import::{ColumnType, DateOrder, ImportOptions, Plan, names};
use strata_sql::{Ident, QualifiedName};
use utoipa::ToSchema;

use session::{Choice, Committed, Draft, Session};
pub use session::{ImportStatus, Sessions, State as ImportState};

use crate::extract::{self, Path, QueryPairs};
use crate::{ApiError, AppState, summary};

/// What an upload became: how the file reads, its columns and first rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportPreview {
    /// The import's id.
    pub id: String,
    /// The uploaded file's name.
    #[schema(example = "orders.csv")]
    pub file_name: String,
    /// `csv`, `tsv`, `xlsx`, `xls`, `ods`, `json` or `ndjson`.
    #[schema(example = "csv")]
    pub format: &'static str,
    /// The text encoding.
    #[schema(example = "UTF-8")]
    pub encoding: &'static str,
    /// The delimiter of delimited text (null for other formats).
    #[schema(example = ",")]
    pub delimiter: Option<String>,
    /// Whether the first row names the columns.
    pub header: bool,
    /// The workbook's sheet read.
    pub sheet: Option<String>,
    /// The workbook's sheets (empty for other formats).
    pub sheets: Vec<String>,
    /// How ambiguous dates read: `dmy`, `mdy` or `ymd`.
    #[schema(example = "mdy")]
    pub date_order: &'static str,
    /// Data rows in the file.
    pub rows: u64,
    /// A name for the new table, free in the schema.
    #[schema(example = "orders")]
    pub suggested_table: String,
    /// The file's columns, in order, as they would be created.
    pub columns: Vec<PreviewColumn>,
    /// The first data rows (at most 50), one text or null per column.
    pub preview: Vec<Vec<Option<String>>>,
    /// Things the user should know about the file.
    pub warnings: Vec<String>,
    /// Where the import is.
    pub state: ImportState,
}

/// A column of an import.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewColumn {
    /// Its name in the table.
    #[schema(example = "Order Date")]
    pub name: String,
    /// Its name as the file has it (the header, or `column_N`).
    #[schema(example = "Order Date")]
    pub source: String,
    /// Its type, as PostgreSQL spells it.
    #[serde(rename = "type")]
    #[schema(example = "date")]
    pub type_name: &'static str,
    /// Whether it is left out.
    pub skip: bool,
}

/// How to read the file; each given option replaces what was sniffed.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SourceOptions {
    /// One character, or `tab`.
    pub delimiter: Option<String>,
    /// An encoding label such as `utf-8`, `windows-1252`, `utf-16le`.
    pub encoding: Option<String>,
    /// Whether the first row names the columns.
    pub header: Option<bool>,
    /// `dmy`, `mdy` or `ymd`.
    pub date_order: Option<String>,
    /// The workbook's sheet.
    pub sheet: Option<String>,
}

impl SourceOptions {
    fn is_empty(&self) -> bool {
        let SourceOptions { delimiter, encoding, header, date_order, sheet } = self;
        delimiter.is_none() && encoding.is_none() && header.is_none() && date_order.is_none() && sheet.is_none()
    }

    /// `options` with these applied; a malformed one is a 400 naming it.
    fn apply(&self, mut options: ImportOptions) -> Result<ImportOptions, ApiError> {
        if let Some(delimiter) = &self.delimiter {
            let delimiter = ImportOptions::parse_delimiter(delimiter);
            options.delimiter = Some(delimiter.map_err(|e| ApiError::bad_parameter("delimiter", e))?);
        }
        if let Some(encoding) = &self.encoding {
            let encoding = ImportOptions::parse_encoding(encoding);
            options.encoding = Some(encoding.map_err(|e| ApiError::bad_parameter("encoding", e))?);
        }
        if let Some(header) = self.header {
            options.header = Some(header);
        }
        if let Some(order) = &self.date_order {
            options.date_order =
                Some(order.parse::<DateOrder>().map_err(|e| ApiError::bad_parameter("date_order", e))?);
        }
        if let Some(sheet) = &self.sheet {
            options.sheet = Some(sheet.clone());
        }
        Ok(options)
    }
}

/// Changes to an import: options to read the file again with, and the columns' names, types
/// and skips.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ImportChanges {
    /// How to read the file.
    #[serde(flatten)]
    pub source: SourceOptions,
    /// Every column, in the preview's order.
    pub columns: Option<Vec<ColumnChange>>,
}

/// A column as the user wants it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ColumnChange {
    /// Its name in the table.
    pub name: String,
    /// Its type: `text`, `integer`, `bigint`, `numeric`, `boolean`, `date`, `timestamp`,
    /// `timestamptz`, `time` or `jsonb`.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Whether to leave it out.
    #[serde(default)]
    pub skip: bool,
}

/// Where to load an import: a new `table`, or `append_to` an existing one.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ImportCommit {
    /// The new table's name.
    pub table: Option<String>,
    /// The existing table to append to.
    pub append_to: Option<String>,
    /// For an append: file column (its name or source) → table column, or null to leave it
    /// out. Columns not named go to the table column of the same name, if any.
    #[serde(default)]
    pub mapping: BTreeMap<String, Option<String>>,
    /// The schema of the table to make or append to, when it is not the import's: an earlier
    /// model's schema (such as `public_v1`) imports "in the format of" that model.
    #[serde(default)]
    pub schema: Option<String>,
    /// For an append to a table of an earlier model (a view in its schema, such as
    /// `public_v1`): what to do with rows that disagree with the rows they link to (the file
    /// says a customer's city is Porto, the customers table says Lisbon). `cancel` (the
    /// default) writes nothing and fails with a 409 `entity-conflict` listing them in
    /// `conflicts`; `update` changes the linked rows to the file's values; `keep` leaves them.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "cancel")]
    pub entity_conflicts: EntityConflicts,
}

/// Uploads a spreadsheet and plans its import.
#[utoipa::path(
    post,
    path = "/api/v1/databases/{db}/schemas/{schema}/imports",
    tag = "imports",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema to import into"),
        ("name" = Option<String>, Query, description = "The file's name, for a raw body (`pasted.tsv`)"),
        ("delimiter" = Option<String>, Query, description = "One character, or `tab`"),
        ("encoding" = Option<String>, Query, description = "An encoding label"),
        ("header" = Option<bool>, Query, description = "Whether the first row names the columns"),
        ("date_order" = Option<String>, Query, description = "`dmy`, `mdy` or `ymd`"),
        ("sheet" = Option<String>, Query, description = "The workbook's sheet"),
    ),
    request_body(content = String, description = "multipart/form-data with a `file` part, or the file as the body",
                 content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The file as planned", body = ImportPreview),
        (status = 400, description = "A malformed option", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 404, description = "No such database or schema", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 413, description = "Over 4 GiB", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 422, description = "The file cannot be read (`line` says where)", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 429, description = "The server holds as many imports as it may", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 507, description = "The uploads held would pass the server's budget", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn upload(
    State(state): State<AppState>,
    Path((db, schema)): Path<(String, String)>,
    QueryPairs(pairs): QueryPairs,
    request: Request,
) -> Result<impl IntoResponse, ApiError> {
    let mut name = None;
    let mut source = SourceOptions::default();
    for (key, value) in pairs {
        match key.as_str() {
            "name" => name = Some(value),
            "delimiter" => source.delimiter = Some(value),
            "encoding" => source.encoding = Some(value),
            "header" => {
                let header = value.parse().map_err(|_| ApiError::bad_parameter("header", "use true or false"))?;
                source.header = Some(header);
            }
            "date_order" => source.date_order = Some(value),
            "sheet" => source.sheet = Some(value),
            _ => return Err(ApiError::bad_parameter(key, "unknown parameter")),
        }
    }
    let options = source.apply(ImportOptions::default())?;
    schema_ident(&state, &db, &schema).await?;
    let upload = upload::receive(request, name, &state.imports).await?;
    let plan = plan(upload.file.to_path_buf(), options.clone()).await?;
    let session = Session::new(db, schema, upload.name, upload.file, Draft::new(options, plan))?;
    let session = state.imports.insert(session)?;
    Ok((StatusCode::CREATED, Json(preview(&state, &session).await?)))
}

/// Changes how an import reads its file, or its columns.
#[utoipa::path(
    patch,
    path = "/api/v1/databases/{db}/schemas/{schema}/imports/{id}",
    tag = "imports",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("id" = String, Path, description = "The import"),
    ),
    request_body = ImportChanges,
    responses(
        (status = 200, description = "The import as planned now", body = ImportPreview),
        (status = 400, description = "A malformed option or column", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 404, description = "No such import", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 409, description = "The import runs or is done, or changed meanwhile", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 422, description = "The file cannot be read so (`line` says where)", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn change(
    State(state): State<AppState>,
    Path((db, schema, id)): Path<(String, String, String)>,
    extract::Json(changes): extract::Json<ImportChanges>,
) -> Result<Json<ImportPreview>, ApiError> {
    let session = state.imports.get(&db, &schema, &id)?;
    session.editable()?;
    let base = session.draft();
    let mut draft = base.clone();
    if !changes.source.is_empty() {
        let options = changes.source.apply(draft.options.clone())?;
        let plan = plan(session.path()?, options.clone()).await?;
        draft = Draft::new(options, plan);
    }
    if let Some(columns) = &changes.columns {
        draft.choices = choices(&draft.plan, columns)?;
    }
    session.set_draft(&base, draft)?;
    Ok(Json(preview(&state, &session).await?))
}

/// Starts loading an import into a new table, or appending it to one.
#[utoipa::path(
    post,
    path = "/api/v1/databases/{db}/schemas/{schema}/imports/{id}/commit",
    tag = "imports",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("id" = String, Path, description = "The import"),
    ),
    request_body = ImportCommit,
    responses(
        (status = 202, description = "The load started; follow it with `GET .../events`", body = ImportStatus),
        (status = 400, description = "A malformed name or mapping", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 404, description = "No such import, or table to append to", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 409, description = "The table exists, or the import runs or is done", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn commit(
    State(state): State<AppState>,
    Path((db, schema, id)): Path<(String, String, String)>,
    extract::Json(commit): extract::Json<ImportCommit>,
) -> Result<impl IntoResponse, ApiError> {
    let session = state.imports.get(&db, &schema, &id)?;
    session.editable()?;
    let (schema_name, target) = resolve_destination(&state, &db, &schema, commit).await?;
    let (destination, plan) = session.begin(|draft| Ok((target.destination(draft)?, draft.load_plan())))?;
    session.spawn(run(state.clone(), session.clone(), schema_name, destination, plan));
    Ok((StatusCode::ACCEPTED, Json(session.status())))
}

/// An import's state and progress.
#[utoipa::path(
    get,
    path = "/api/v1/databases/{db}/schemas/{schema}/imports/{id}",
    tag = "imports",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("id" = String, Path, description = "The import"),
    ),
    responses(
        (status = 200, description = "The import's status", body = ImportStatus),
        (status = 404, description = "No such import", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn status(
    State(state): State<AppState>,
    Path((db, schema, id)): Path<(String, String, String)>,
) -> Result<Json<ImportStatus>, ApiError> {
    Ok(Json(state.imports.get(&db, &schema, &id)?.status()))
}

/// An import's progress as server-sent events: `progress`, then `done` or `failed`.
#[utoipa::path(
    get,
    path = "/api/v1/databases/{db}/schemas/{schema}/imports/{id}/events",
    tag = "imports",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("id" = String, Path, description = "The import"),
    ),
    responses(
        (status = 200, description = "`progress` events (`{rows_done, rows_total}`), then `done` or `failed` \
                                      with the ImportStatus", content_type = "text/event-stream", body = String),
        (status = 404, description = "No such import", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn events(
    State(state): State<AppState>,
    Path((db, schema, id)): Path<(String, String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    Ok(events::stream(state.imports.get(&db, &schema, &id)?.subscribe()))
}

/// Discards an import and its upload, stopping its load if one runs (nothing is written then).
#[utoipa::path(
    delete,
    path = "/api/v1/databases/{db}/schemas/{schema}/imports/{id}",
    tag = "imports",
    params(
        ("db" = String, Path, description = "The database"),
        ("schema" = String, Path, description = "The schema"),
        ("id" = String, Path, description = "The import"),
    ),
    responses(
        (status = 204, description = "Discarded"),
        (status = 404, description = "No such import", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn discard(
    State(state): State<AppState>,
    Path((db, schema, id)): Path<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    state.imports.remove(&db, &schema, &id)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Where a commit loads: a new table, free when asked, or an existing table's columns.
enum Target {
    Create(Ident),
    Append {
        table: Ident,
        name: String,
        relation: catalog::Relation,
        mapping: BTreeMap<String, Option<String>>,
        entity_conflicts: EntityConflicts,
    },
}

impl Target {
    /// The loader's destination for `draft`; an append's mapping is checked against it (400).
    fn destination(&self, draft: &Draft) -> Result<Destination, ApiError> {
        match self {
            Target::Create(name) => Ok(Destination::Create(name.clone())),
            Target::Append { table, name, relation, mapping: requested, entity_conflicts } => {
                let mapping = mapping(draft, requested, |column| relation.column(column).is_some(), name)?;
                Ok(Destination::Append { table: table.clone(), mapping, entity_conflicts: *entity_conflicts })
            }
        }
    }
}

/// The schema and table `commit` names, looked up: 404 for an unknown schema or table to
/// append to, 409 for a new table that exists, 400 for a malformed request.
async fn resolve_destination(
    state: &AppState,
    db: &str,
    schema: &str,
    commit: ImportCommit,
) -> Result<(Ident, Target), ApiError> {
    let schema = commit.schema.as_deref().unwrap_or(schema);
    let schema_name = schema_ident(state, db, schema).await?;
    let client = state.databases.client(db).await?;
    let target = match (commit.table, commit.append_to) {
        (Some(table), None) => {
            let name = Ident::new(table.as_str()).map_err(|e| ApiError::bad_parameter("table", e))?;
            match catalog::relation(&**client, db, schema, &table, false).await {
                Ok(_) => {
                    let table = QualifiedName::new(schema_name, name).to_string();
                    return Err(ApiError::from(load::LoadError::TableExists(table)));
                }
                Err(strata_db::Error::UnknownTable { .. }) => Target::Create(name),
                Err(err) => return Err(err.into()),
            }
        }
        (None, Some(table)) => {
            let name = Ident::new(table.as_str()).map_err(|e| ApiError::bad_parameter("append_to", e))?;
            let relation = catalog::relation(&**client, db, schema, &table, false).await?;
            Target::Append {
                table: name,
                name: table,
                relation,
                mapping: commit.mapping,
                entity_conflicts: commit.entity_conflicts,
            }
        }
        _ => {
            let reason = "name a new table in `table`, or an existing one in `append_to` (not both)";
            return Err(ApiError::bad_parameter("table", reason));
        }
    };
    Ok((schema_name, target))
}

/// The load: one transaction and one action (`import` or `append`, described with the rows
/// loaded), reporting its progress to the session.
async fn run(
    state: AppState,
    session: Arc<Session>,
    schema: Ident,
    destination: Destination,
    plan: Plan,
) -> Result<Committed, ApiError> {
    let append = matches!(destination, Destination::Append { .. });
    let kind = if append { ActionKind::Append } else { ActionKind::Import };
    let progress = {
        let session = session.clone();
        Box::new(move |progress| session.progress(progress))
    };
    state
        .in_transaction(&session.db, async |tx| {
            let action = action::begin(tx, kind, kind.as_str()).await?;
            let (table, loaded) = load::import(tx, &schema, &destination, &session.path()?, &plan, progress).await?;
            let summary = summary::import(&session.file_name, table.name.as_str(), loaded.rows, append);
            // COPY into a new table is not in its history: the loader counts the action's rows.
            let rows = i64::try_from(loaded.rows).ok();
            action::describe(tx, action, &summary, rows).await?;
            Ok::<_, ApiError>(Committed { table, loaded, action })
        })
        .await
}

/// The import's schema as a name; 404 if the database or schema does not exist.
async fn schema_ident(state: &AppState, db: &str, schema: &str) -> Result<Ident, ApiError> {
    let client = state.databases.client(db).await?;
    catalog::schema_must_exist(&**client, db, schema).await?;
    Ident::new(schema).map_err(|e| ApiError::bad_parameter("schema", e))
}

/// Plans the file on a blocking thread.
async fn plan(path: PathBuf, options: ImportOptions) -> Result<Plan, ApiError> {
    tokio::task::spawn_blocking(move || strata_import::plan(&path, &options, &mut |_| {}))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::from)
}

/// The user's column changes, checked against the plan: one per column, valid and unique
/// names, types an import makes.
fn choices(plan: &Plan, columns: &[ColumnChange]) -> Result<Vec<Choice>, ApiError> {
    if columns.len() != plan.columns.len() {
        let reason =
            format!("{} columns given; the file has {}, and each needs one", columns.len(), plan.columns.len());
        return Err(ApiError::bad_parameter("columns", reason));
    }
    let mut choices: Vec<Choice> = Vec::with_capacity(columns.len());
    for (change, planned) in columns.iter().zip(&plan.columns) {
        let bad = |reason: String| ApiError::bad_parameter("columns", format!("column {:?}: {reason}", planned.name));
        let column_type = change.type_name.parse::<ColumnType>().map_err(bad)?;
        Ident::new(change.name.as_str()).map_err(|e| bad(e.to_string()))?;
        if !change.skip && choices.iter().any(|c| !c.skip && c.name == change.name) {
            return Err(bad(format!("another column is named {:?} too; each needs its own name", change.name)));
        }
        choices.push(Choice { name: change.name.clone(), column_type, skip: change.skip });
    }
    if choices.iter().all(|c| c.skip) {
        return Err(ApiError::bad_parameter("columns", "every column is skipped; keep at least one"));
    }
    Ok(choices)
}

/// The loader's mapping from the request's: keys name a file column (as named now, or as the
/// file names it), values a column of `table` that `exists`.
fn mapping(
    draft: &Draft,
    requested: &BTreeMap<String, Option<String>>,
    exists: impl Fn(&str) -> bool,
    table: &str,
) -> Result<Mapping, ApiError> {
    let columns: Vec<(&String, &Choice)> =
        draft.plan.columns.iter().map(|c| &c.name).zip(&draft.choices).filter(|(_, c)| !c.skip).collect();
    let mut mapping = Mapping::new();
    for (key, target) in requested {
        let found = columns.iter().find(|(_, c)| &c.name == key).or_else(|| columns.iter().find(|(s, _)| *s == key));
        let Some((_, choice)) = found else {
            let reason = format!("the file has no column {key:?} (or it is skipped)");
            return Err(ApiError::bad_parameter("mapping", reason));
        };
        if let Some(target) = target
            && !exists(target)
        {
            let reason = format!("{table:?} has no column {target:?} for {key:?}");
            return Err(ApiError::bad_parameter("mapping", reason));
        }
        mapping.insert(choice.name.clone(), target.clone());
    }
    Ok(mapping)
}

/// The preview of `session` as it stands.
async fn preview(state: &AppState, session: &Session) -> Result<ImportPreview, ApiError> {
    let Draft { plan, choices, .. } = session.draft();
    let client = state.databases.client(&session.db).await?;
    let schema = Ident::new(session.schema.as_str()).map_err(|e| ApiError::bad_parameter("schema", e))?;
    let base = names::table_name_from_path(FilePath::new(&session.file_name));
    let suggested = load::free_table_name(&**client, &schema, &base).await?;
    let source = &plan.source;
    let text = matches!(source.format, strata_import::Format::Csv | strata_import::Format::Tsv);
    let columns = plan
        .columns
        .iter()
        .zip(&choices)
        .map(|(column, choice)| PreviewColumn {
            name: choice.name.clone(),
            source: column.name.clone(),
            type_name: choice.column_type.sql_name(),
            skip: choice.skip,
        })
        .collect();
    let rows = plan
        .sample
        .iter()
        .map(|row| plan.columns.iter().map(|c| row.get(c.source).cloned().flatten()).collect())
        .collect();
    Ok(ImportPreview {
        id: session.id.clone(),
        file_name: session.file_name.clone(),
        format: source.format.as_str(),
        encoding: source.encoding.name(),
        delimiter: text.then(|| char::from(source.delimiter).to_string()),
        header: source.header,
        sheet: source.sheet.clone(),
        sheets: source.sheets.clone(),
        date_order: plan.date_order.as_str(),
        rows: plan.rows,
        suggested_table: suggested.as_str().to_string(),
        columns,
        preview: rows,
        warnings: plan.warnings.clone(),
        state: session.status().state,
    })
}
