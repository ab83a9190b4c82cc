//! The history of one record (every version, with who and when) and the table's deleted rows,
//! read from its history table; restore of deleted rows with their old keys.

use serde_json::{Map, Value};
use tokio_postgres::{GenericClient, Transaction};

use tokio_postgres::error::SqlState;

use super::audited::{self, AuditedTable};
use super::steps;
use crate::ddl::TablePath;
use crate::{Error, catalog};

/// What a change did to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// It was inserted.
    Insert,
    /// It was updated.
    Update,
    /// It was deleted.
    Delete,
}

/// One version of a row: a change and the row as it left it.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    /// The action that changed it.
    pub action: i64,
    /// When, RFC 3339.
    pub at: String,
    /// Who.
    pub user: String,
    /// The action's summary.
    pub summary: String,
    /// What the change did.
    pub change: Change,
    /// The row after the change, as the rows API shows rows (`None` once deleted).
    pub values: Option<Map<String, Value>>,
    /// The columns the change set to another value (every column for an insert).
    pub changed: Vec<String>,
}

/// A deleted row that can be restored.
#[derive(Debug, Clone, PartialEq)]
pub struct DeletedRow {
    /// Its primary key, as text.
    pub key: String,
    /// Its values when it was deleted, as the rows API shows rows.
    pub values: Map<String, Value>,
    /// The action that deleted it.
    pub action: i64,
    /// When, RFC 3339.
    pub at: String,
    /// Who.
    pub user: String,
}

/// Every version of the row with primary key `key` (as text) of table `path`, newest first;
/// empty when history has none.
pub async fn row_history(client: &impl GenericClient, path: TablePath<'_>, key: &str) -> Result<Vec<Version>, Error> {
    let Some(table) = audited(client, path).await? else { return Ok(Vec::new()) };
    let (name, history, column, hkey, typ) =
        (&table.table, &table.history, &table.key().ident, &table.key().history, &table.key_type);
    // Each entry holds the row as it was before its change; the row a change left is the next
    // entry's old row, or the current row after the newest change.
    let sql = format!(
        "WITH e AS (SELECT h._seq, h._action, h._op, CASE WHEN h._op <> 'I' THEN {old} END AS old \
                    FROM {history} h WHERE h.{hkey} = $1::text::{typ}) \
         SELECT e._action, to_json(a.at)#>>'{{}}', a.actor, a.summary, e._op::text, \
                CASE WHEN lead(e._seq) OVER w IS NULL \
                     THEN (SELECT {current} FROM {name} p WHERE p.{column} = $1::text::{typ}) \
                     ELSE lead(e.old) OVER w END, \
                e.old \
         FROM e JOIN strata.action a ON a.id = e._action \
         WINDOW w AS (ORDER BY e._seq) ORDER BY e._seq DESC",
        old = table.json("h", true),
        current = table.json("p", false),
    );
    let rows = client.query(&sql, &[&key]).await.map_err(key_error("reading the row's history"))?;
    Ok(rows
        .iter()
        .map(|row| {
            let after = object(row.get(5));
            let before = object(row.get(6));
            let change = match (row.get::<_, &str>(4), &after) {
                ("I", _) => Change::Insert,
                ("D", _) | (_, None) => Change::Delete,
                _ => Change::Update,
            };
            let changed = match change {
                Change::Delete => Vec::new(),
                _ => table
                    .columns
                    .iter()
                    .filter(|column| {
                        let value =
                            |row: &Option<Map<String, Value>>| row.as_ref().map(|r| r.get(&column.name).cloned());
                        change == Change::Insert || value(&before) != value(&after)
                    })
                    .map(|column| column.name.clone())
                    .collect(),
            };
            Version {
                action: row.get(0),
                at: row.get(1),
                user: row.get(2),
                summary: row.get(3),
                change,
                values: after,
                changed,
            }
        })
        .collect())
}

/// SQL that is true when the deletion `d` (a history entry) came before a structure change of
/// table `$relid` that is in effect (not undone, not only renames): the history columns hold the
/// deleted row in columns that are not the table's now, so its values cannot be read back.
fn restructured_since(relid: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM strata.action_table t JOIN strata.action a ON a.id = t.action \
                 WHERE t.relid = {relid} AND t.schema_change AND t.action > d._action \
                   AND (a.undoes IS NULL OR a.undoes < d._action) AND NOT strata.action_undone(a.id) \
                   AND {})",
        steps::changes_more_than_names("a.id")
    )
}

/// The rows of `path` deleted and not back since, newest deletion first, at most `limit`. Rows
/// deleted before a later structure change of the table are left out: their values cannot be
/// shown (or restored) as they were.
pub async fn deleted_rows(
    client: &impl GenericClient,
    path: TablePath<'_>,
    limit: i64,
) -> Result<Vec<DeletedRow>, Error> {
    let Some(table) = audited(client, path).await? else { return Ok(Vec::new()) };
    let (name, history, column, hkey) = (&table.table, &table.history, &table.key().ident, &table.key().history);
    let sql = format!(
        "WITH newest AS (SELECT h.{hkey} AS k, max(h._seq) AS s FROM {history} h GROUP BY 1) \
         SELECT d.{hkey}::text, {old}, d._action, to_json(a.at)#>>'{{}}', a.actor \
         FROM newest n JOIN {history} d ON d._seq = n.s AND d._op = 'D' \
         JOIN strata.action a ON a.id = d._action \
         WHERE NOT EXISTS (SELECT 1 FROM {name} p WHERE p.{column} = n.k) AND NOT {restructured} \
         ORDER BY d._seq DESC LIMIT $1",
        old = table.json("d", true),
        restructured = restructured_since("$2::text::regclass"),
    );
    let rows = client
        .query(&sql, &[&limit.clamp(1, 1000), &table.table.to_string()])
        .await
        .map_err(Error::postgres("reading the deleted rows"))?;
    Ok(rows
        .iter()
        .map(|row| DeletedRow {
            key: row.get(0),
            values: object(row.get(1)).unwrap_or_default(),
            action: row.get(2),
            at: row.get(3),
            user: row.get(4),
        })
        .collect())
}

/// Puts the deleted rows `keys` of `path` back with their old keys and values, in the caller's
/// transaction and action; returns how many. A key that is in use again, or never was deleted,
/// is an error and nothing is restored.
pub async fn restore(tx: &Transaction<'_>, path: TablePath<'_>, keys: &[String]) -> Result<u64, Error> {
    let table = audited(tx, path).await?;
    let Some(table) = table else {
        return Err(missing("key", keys.to_vec()));
    };
    let (name, history, column, hkey, typ) =
        (&table.table, &table.history, &table.key().ident, &table.key().history, &table.key_type);
    let wanted = format!(
        "WITH wanted AS (SELECT DISTINCT x.given, x.given::{typ} AS k FROM unnest($1::text[]) AS x(given)), \
              newest AS (SELECT h.{hkey} AS k, max(h._seq) AS s FROM {history} h \
                         WHERE h.{hkey} IN (SELECT k FROM wanted) GROUP BY 1)"
    );
    let sql = format!(
        "{wanted} SELECT w.given, EXISTS (SELECT 1 FROM {name} p WHERE p.{column} = w.k), coalesce(d._op = 'D', false), \
                coalesce({restructured}, false) \
         FROM wanted w LEFT JOIN newest n ON n.k = w.k LEFT JOIN {history} d ON d._seq = n.s ORDER BY w.given",
        restructured = restructured_since("$2::text::regclass"),
    );
    let rows =
        tx.query(&sql, &[&keys, &table.table.to_string()]).await.map_err(key_error("looking for the deleted rows"))?;
    let in_use: Vec<String> = rows.iter().filter(|row| row.get(1)).map(|row| row.get(0)).collect();
    if !in_use.is_empty() {
        return Err(Error::KeysInUse { table: table.label.clone(), keys: in_use });
    }
    let unknown: Vec<String> = rows.iter().filter(|row| !row.get::<_, bool>(2)).map(|row| row.get(0)).collect();
    if !unknown.is_empty() {
        return Err(missing(&table.key().name, unknown));
    }
    let stale: Vec<String> = rows.iter().filter(|row| row.get(3)).map(|row| row.get(0)).collect();
    if !stale.is_empty() {
        return Err(Error::NotRestorable {
            reason: format!(
                "rows {} of {} were deleted before a later change to the table's columns, so their values cannot \
                 be restored as they were; undo that change first, or add the rows again by hand",
                stale.join(", "),
                table.label
            ),
        });
    }
    let columns = table.columns.iter().map(|c| c.ident.to_string()).collect::<Vec<_>>().join(", ");
    let values = table.columns.iter().map(|c| format!("d.{}", c.history)).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "{wanted} INSERT INTO {name} ({columns}){overriding} \
         SELECT {values} FROM newest n JOIN {history} d ON d._seq = n.s AND d._op = 'D'",
        overriding = table.overriding()
    );
    tx.execute(&sql, &[&keys]).await.map_err(|err| {
        // A key taken meanwhile by a concurrent transaction (checked above, taken since).
        if err.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            Error::KeysInUse { table: table.label.clone(), keys: keys.to_vec() }
        } else {
            Error::postgres(format!("restoring rows of {}", table.label))(err)
        }
    })
}

/// The audited table `path`; `None` for a relation without history (a view, a table without a
/// single-column key); [`Error::UnknownTable`] and the like when there is no such relation.
async fn audited(client: &impl GenericClient, path: TablePath<'_>) -> Result<Option<AuditedTable>, Error> {
    match audited::by_name(client, path.schema, path.table).await? {
        Some(table) => Ok(Some(table)),
        None => catalog::relation(client, path.database, path.schema, path.table, false).await.map(|_| None),
    }
}

/// A JSON object read from PostgreSQL (`None` for SQL NULL).
fn object(value: Option<Value>) -> Option<Map<String, Value>> {
    match value {
        Some(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// Keys that name no deleted row, as [`Error::MissingRows`] says them.
fn missing(column: &str, keys: Vec<String>) -> Error {
    let keys = keys.into_iter().map(|key| Map::from_iter([(column.to_string(), Value::String(key))])).collect();
    Error::MissingRows { keys }
}

/// A key that is not a value of the key's type is the caller's mistake, not a failure.
fn key_error(context: &'static str) -> impl FnOnce(tokio_postgres::Error) -> Error {
    move |err| match err.code() {
        Some(code) if code.code().starts_with("22") => {
            Error::BadParameter { parameter: "key".into(), reason: crate::error::describe(&err) }
        }
        _ => Error::postgres(context)(err),
    }
}
