//! `/api/v1/databases/{db}/actions`: the audit trail (every change, newest first, with who, when
//! and what), and undoing and redoing an action (`strata_db::audit::undo`).

use axum::extract::State;
use serde::Serialize;
use strata_db::audit::action::{self, ActionFilter, ActionInfo};
use strata_db::audit::undo::{self, Conflict, Undone};
use utoipa::ToSchema;

use crate::extract::{Cascade, Path, QueryPairs};
use crate::{Acted, ApiError, AppState};

/// An action: one user intent (an edit, a paste, an import, a column dropped, an undo), or one
/// transaction made outside Strata.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionJson {
    /// Its id; later actions have larger ids.
    #[schema(example = 5)]
    pub id: i64,
    /// When it began, RFC 3339.
    #[schema(example = "2026-11-26T04:20:13.154561+00:00")]
    pub at: String,
    /// Who made it (the PostgreSQL role).
    #[schema(example = "postgres")]
    pub user: String,
    /// What kind of change: `insert`, `edit`, `paste`, `delete`, `import`, `append`,
    /// `create_table`, `rename_table`, `delete_table`, `create_schema`, `rename_schema`,
    /// `delete_schema`, `add_column`, `alter_column`, `drop_column`, `model`, `restore`, `undo`,
    /// `redo` or `external`.
    #[schema(example = "edit")]
    pub kind: String,
    /// What it did, for people.
    #[schema(example = "Edited 3 cells in orders")]
    pub summary: String,
    /// How many rows it changed.
    #[schema(example = 3)]
    pub rows: i64,
    /// The action it undid (an undo), or whose undo it undid (a redo).
    pub undoes: Option<i64>,
    /// The newest action that undid it.
    pub undone_by: Option<i64>,
    /// Whether its changes are undone now.
    pub undone: bool,
    /// The tables it changed that still exist, `schema.table`.
    #[schema(example = json!(["public.orders"]))]
    pub tables: Vec<String>,
}

impl From<ActionInfo> for ActionJson {
    fn from(info: ActionInfo) -> ActionJson {
        ActionJson {
            id: info.id,
            at: info.at,
            user: info.user,
            kind: info.kind,
            summary: info.summary,
            rows: info.rows,
            undoes: info.undoes,
            undone_by: info.undone_by,
            undone: info.undone,
            tables: info.tables,
        }
    }
}

/// A list of actions.
#[derive(Debug, Serialize, ToSchema)]
pub struct Actions {
    /// The actions: newest first in a listing; in the order applied after an undo or redo.
    pub actions: Vec<ActionJson>,
}

impl From<Undone> for Actions {
    fn from(undone: Undone) -> Actions {
        Actions { actions: undone.actions.into_iter().map(ActionJson::from).collect() }
    }
}

/// A later action in the way of an undo.
#[derive(Debug, Serialize, ToSchema)]
pub struct UndoConflict {
    /// The later action.
    pub action: ActionJson,
    /// The table, `schema.table`.
    #[schema(example = "public.orders")]
    pub table: String,
    /// Keys (as text) of the rows it changed, at most 20.
    #[schema(example = json!(["7"]))]
    pub keys: Vec<String>,
    /// How many rows conflict in all.
    pub rows: i64,
    /// The columns it changed that the undo would revert (empty: whole rows, or the structure).
    #[schema(example = json!(["qty"]))]
    pub columns: Vec<String>,
    /// What happened, for people.
    #[schema(example = "row 7 was changed later")]
    pub reason: String,
}

impl From<Conflict> for UndoConflict {
    fn from(conflict: Conflict) -> UndoConflict {
        UndoConflict {
            action: conflict.action.into(),
            table: conflict.table,
            keys: conflict.keys,
            rows: conflict.rows,
            columns: conflict.columns,
            reason: conflict.reason,
        }
    }
}

/// Lists actions, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/databases/{db}/actions",
    tag = "actions",
    params(
        ("db" = String, Path, description = "The database"),
        ("table" = Option<String>, Query,
         description = "Only actions that changed this table: `schema.table` (parts may be double-quoted, \
                        `\"my.schema\".orders`), or a table in `public`"),
        ("user" = Option<String>, Query, description = "Only this user's actions"),
        ("before" = Option<i64>, Query, description = "Only actions with smaller ids: the last id of a page, for the next"),
        ("limit" = Option<i64>, Query, description = "At most this many, 1 to 1000; default 50"),
    ),
    responses(
        (status = 200, description = "The actions, newest first", body = Actions),
        (status = 400, description = "A malformed parameter, named in `parameter`", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 404, description = "No such database", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Path(db): Path<String>,
    QueryPairs(pairs): QueryPairs,
) -> Result<axum::Json<Actions>, ApiError> {
    let mut filter = ActionFilter::default();
    for (key, value) in pairs {
        let number =
            |value: &str| value.parse::<i64>().map_err(|_| ApiError::bad_parameter(&key, "give a whole number"));
        match key.as_str() {
            "table" => {
                filter.table = Some(table_name(&value).map_err(|reason| ApiError::bad_parameter("table", reason))?)
            }
            "user" => filter.user = Some(value),
            "before" => filter.before = Some(number(&value)?),
            "limit" => match number(&value)? {
                limit @ 1..=1000 => filter.limit = Some(limit),
                _ => return Err(ApiError::bad_parameter("limit", "give 1 to 1000")),
            },
            _ => return Err(ApiError::bad_parameter(key, "unknown parameter; use table, user, before or limit")),
        }
    }
    let client = state.databases.client(&db).await?;
    let actions = action::list(&**client, &filter).await?;
    Ok(axum::Json(Actions { actions: actions.into_iter().map(ActionJson::from).collect() }))
}

/// Reads one action.
#[utoipa::path(
    get,
    path = "/api/v1/databases/{db}/actions/{id}",
    tag = "actions",
    params(("db" = String, Path, description = "The database"), ("id" = i64, Path, description = "The action")),
    responses(
        (status = 200, description = "The action", body = ActionJson),
        (status = 404, description = "No such database, or action (type `.../missing`)", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    Path((db, id)): Path<(String, i64)>,
) -> Result<axum::Json<ActionJson>, ApiError> {
    let client = state.databases.client(&db).await?;
    match action::get(&**client, id).await? {
        Some(info) => Ok(axum::Json(info.into())),
        None => Err(ApiError::from(undo::UndoError::UnknownAction(id))),
    }
}

/// Undoes an action, as a new action of kind `undo`; with `cascade=true`, the later actions in
/// its way are undone first, newest first. One transaction: all of it or nothing.
///
/// A later action that changed the same rows or columns is a 409 of type `.../undo-conflict`
/// whose extension `conflicts` lists `{action, table, keys, rows, columns, reason}`; an action
/// undone already is a 409 of type `.../already-undone` with `undone_by`; one that cannot be
/// undone any more (a table it changed was dropped outside Strata, its history pruned) is a 409
/// of type `.../undo-unavailable`.
#[utoipa::path(
    post,
    path = "/api/v1/databases/{db}/actions/{id}/undo",
    tag = "actions",
    params(
        ("db" = String, Path, description = "The database"),
        ("id" = i64, Path, description = "The action"),
        ("cascade" = Option<bool>, Query, description = "Undo the later actions in the way too"),
    ),
    responses(
        (status = 200, description = "The undo actions made, in the order applied", body = Actions,
         headers(("Strata-Action" = i64, description = "The last action made"))),
        (status = 404, description = "No such database, or action (type `.../missing`)", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 409, description = "Conflicts (type `.../undo-conflict`, `conflicts`), or undone already \
         (type `.../already-undone`, `undone_by`)", body = crate::error::Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn undo(
    State(state): State<AppState>,
    Path((db, id)): Path<(String, i64)>,
    Cascade(cascade): Cascade,
) -> Result<Acted<axum::Json<Actions>>, ApiError> {
    answer(state.in_transaction(&db, async |tx| undo::undo(tx, id, cascade).await).await?)
}

/// Redoes an undone action: undoes the undo in effect, as a new action of kind `redo`.
///
/// An action that is not undone is a 409 of type `.../not-undone`; a later change in the way is a
/// 409 of type `.../undo-conflict` as for an undo.
#[utoipa::path(
    post,
    path = "/api/v1/databases/{db}/actions/{id}/redo",
    tag = "actions",
    params(("db" = String, Path, description = "The database"), ("id" = i64, Path, description = "The action")),
    responses(
        (status = 200, description = "The redo action made", body = Actions,
         headers(("Strata-Action" = i64, description = "The action made"))),
        (status = 404, description = "No such database, or action (type `.../missing`)", body = crate::error::Problem,
         content_type = "application/problem+json"),
        (status = 409, description = "Not undone (type `.../not-undone`), or conflicts (type `.../undo-conflict`)",
         body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn redo(
    State(state): State<AppState>,
    Path((db, id)): Path<(String, i64)>,
) -> Result<Acted<axum::Json<Actions>>, ApiError> {
    answer(state.in_transaction(&db, async |tx| undo::redo(tx, id).await).await?)
}

/// The answer to an undo or redo: the actions made, the last one in the header.
fn answer(undone: Undone) -> Result<Acted<axum::Json<Actions>>, ApiError> {
    let Some(last) = undone.actions.last() else {
        return Err(ApiError::internal("an undo made no action"));
    };
    Ok(Acted { action: last.id, value: axum::Json(undone.into()) })
}

/// A table named as `schema.table` or `table` (in `public`), each part as is or double-quoted
/// as in SQL (`"my.schema"."Order ""lines"""`); split at the first dot outside quotes (an
/// unquoted table part is the rest, dots and all).
pub fn table_name(text: &str) -> Result<(String, String), String> {
    let malformed = || format!("{text:?} is not `schema.table` or a table name");
    let (first, rest) = name_part(text).ok_or_else(malformed)?;
    match rest.strip_prefix('.') {
        None if rest.is_empty() => Ok(("public".into(), first)),
        None => Err(malformed()),
        Some(rest) if rest.starts_with('"') => match name_part(rest) {
            Some((table, "")) => Ok((first, table)),
            _ => Err(malformed()),
        },
        Some("") => Err(malformed()),
        Some(rest) => Ok((first, rest.to_string())),
    }
}

/// One name at the start of `text` and what follows it: a double-quoted name (`""` is a quote),
/// or everything up to the first dot. `None` if empty or an unclosed quote.
fn name_part(text: &str) -> Option<(String, &str)> {
    let Some(quoted) = text.strip_prefix('"') else {
        let end = text.find('.').unwrap_or(text.len());
        return (end > 0).then(|| (text[..end].to_string(), &text[end..]));
    };
    let mut name = String::new();
    let mut chars = quoted.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' if chars.peek().is_some_and(|&(_, next)| next == '"') => {
                name.push('"');
                chars.next();
            }
            '"' => return (!name.is_empty()).then(|| (name, &quoted[i + 1..])),
            c => name.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::table_name;

    fn parsed(text: &str) -> (String, String) {
        table_name(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn table_names_read_as_in_sql() {
        assert_eq!(parsed("orders"), ("public".into(), "orders".into()));
        assert_eq!(parsed("sales.orders"), ("sales".into(), "orders".into()));
        assert_eq!(parsed("sales.order.lines"), ("sales".into(), "order.lines".into()));
        assert_eq!(parsed(r#""my.schema"."Order ""lines""""#), ("my.schema".into(), r#"Order "lines""#.into()));
        assert_eq!(parsed("\"Sales\"\"\""), ("public".into(), "Sales\"".into()));
        for bad in ["", ".orders", "sales.", r#""open"#, r#""""#, r#""a"b"#, r#""a".""#] {
            assert!(table_name(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
