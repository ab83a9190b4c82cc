//! Writing rows, each call all or nothing in the caller's transaction: [`insert`] new rows
//! (omitted columns take their defaults), [`update`] rows by key (only if unchanged since read
//! when a version is given), [`delete`] rows by key. Inserts and updates answer with the rows
//! as read back, in request order.
//!
//! Values are JSON, parsed by PostgreSQL as `json_populate_record` parses them: null is NULL, a
//! string's, number's or boolean's text goes to the column type's input function, arrays and
//! objects become arrays, `json`/`jsonb` and composites. Each row is one statement (all sent
//! at once, pipelined), so a refused value names its row; after a data error the row's values
//! are tried one by one to name the column. Versions are checked on rows locked `FOR UPDATE`,
//! so of two writers holding the same version exactly one wins.
//!
//! The caller passes a transaction (the functions use a savepoint to inspect failures) and
//! commits it; after an error it must roll back.

use std::collections::HashMap;

use futures_util::future::join_all;
use serde_json::{Map, Value};
use tokio_postgres::types::ToSql;
use tokio_postgres::{GenericClient, Statement};

use super::keys::{self, Key, KeyList};
use super::project::{Projection, Row, by_keys};
use super::{bad, ident, table_name};
use crate::Error;
use crate::error::describe;

/// The most rows one request may write.
pub const MAX_ROWS: usize = 1000;

/// One row to update.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Update {
    /// The row's primary key, `{pkcol: value}`.
    pub key: Map<String, Value>,
    /// The version the caller read; the update is refused if the row has another. `None`
    /// overwrites whatever is there.
    pub version: Option<String>,
    /// The new values by column.
    pub set: Map<String, Value>,
}

/// A row an update conflicts with, as it is now.
#[derive(Debug, Clone, PartialEq)]
pub struct Current {
    /// The key as sent.
    pub key: Map<String, Value>,
    /// The row now; `None` if it was deleted.
    pub row: Option<Row>,
}

/// A one-row statement that failed: the row's index and the driver's error.
struct Refusal(usize, tokio_postgres::Error);

/// What writing needs to know about a table.
struct Target {
    projection: Projection,
    /// Generated columns, which PostgreSQL computes and nobody writes.
    generated: Vec<String>,
    /// The table's name as SQL.
    table: String,
}

impl Target {
    async fn load(client: &impl GenericClient, database: &str, schema: &str, table: &str) -> Result<Target, Error> {
        let projection = Projection::load(client, database, schema, table).await?;
        let relation = &projection.relation;
        if relation.primary_key.is_empty() {
            return Err(Error::NoPrimaryKey { schema: relation.schema.clone(), table: relation.info.name.clone() });
        }
        let generated =
            relation.columns.iter().filter(|column| column.generated).map(|column| column.name.clone()).collect();
        let table = table_name(relation)?;
        crate::audit::track(client, &table).await?;
        Ok(Target { projection, generated, table })
    }

    /// The columns `values` names, each an existing column that may be written.
    fn columns(&self, values: &Map<String, Value>, parameter: &str) -> Result<Vec<String>, Error> {
        let relation = &self.projection.relation;
        values
            .keys()
            .map(|name| {
                if relation.column(name).is_none() {
                    return Err(bad(name, format!("{parameter}: {:?} has no column {name:?}", relation.info.name)));
                }
                if self.generated.contains(name) {
                    return Err(bad(
                        name,
                        format!("{parameter}: {name:?} is a generated column; PostgreSQL computes it"),
                    ));
                }
                Ok(name.clone())
            })
            .collect()
    }

    /// `RETURNING p.pk1::text, ...`.
    fn returning(&self) -> Result<String, Error> {
        let keys = self.projection.relation.primary_key.iter().map(|name| Ok(format!("p.{}::text", ident(name)?)));
        Ok(format!(" RETURNING {}", keys.collect::<Result<Vec<_>, Error>>()?.join(", ")))
    }

    /// `a, b` and `v.a, v.b` for `columns`.
    fn lists(&self, columns: &[String]) -> Result<(String, String), Error> {
        let names = columns.iter().map(|name| ident(name)).collect::<Result<Vec<_>, Error>>()?;
        let plain = names.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        let from_v = names.iter().map(|name| format!("v.{name}")).collect::<Vec<_>>().join(", ");
        Ok((plain, from_v))
    }

    /// The row `json_populate_record` makes of `$1` (JSON as text), as `v`.
    fn populated(&self) -> String {
        format!("json_populate_record(NULL::{}, $1::text::json) AS v", self.table)
    }

    /// The statement inserting a row that gives `columns`.
    fn insert_sql(&self, columns: &[String]) -> Result<String, Error> {
        let returning = self.returning()?;
        if columns.is_empty() {
            return Ok(format!("INSERT INTO {} AS p DEFAULT VALUES{returning}", self.table));
        }
        let (names, values) = self.lists(columns)?;
        Ok(format!("INSERT INTO {} AS p ({names}) SELECT {values} FROM {}{returning}", self.table, self.populated()))
    }

    /// The statement updating `columns` of the row whose key is `$2, $3, ...`.
    fn update_sql(&self, columns: &[String]) -> Result<String, Error> {
        let set = columns
            .iter()
            .map(|name| Ok(format!("{0} = v.{0}", ident(name)?)))
            .collect::<Result<Vec<_>, Error>>()?
            .join(", ");
        let matches = keys::equals(&self.projection.relation, "p", |i| format!("${}::text", i + 2))?;
        Ok(format!(
            "UPDATE {} AS p SET {set} FROM {} WHERE {matches}{}",
            self.table,
            self.populated(),
            self.returning()?
        ))
    }

    /// The key of a row a statement returned.
    fn key_of(&self, row: &tokio_postgres::Row) -> Key {
        (0..self.projection.relation.primary_key.len()).map(|at| row.get(at)).collect()
    }

    /// The rows of `keys` as written, in order; a row that cannot be read back (row-level
    /// security hides it, a trigger moved it) is [`Error::NotWritten`], its index in `array`.
    async fn read_back(
        &self,
        client: &impl GenericClient,
        keys: &[Key],
        array: &'static str,
    ) -> Result<Vec<Row>, Error> {
        let rows = by_keys(client, &self.projection, keys).await?;
        rows.into_iter().enumerate().map(|(row, found)| found.ok_or(Error::NotWritten { array, row })).collect()
    }

    /// Why row `row`'s statement failed: a 422 naming the column when the failure is the
    /// value's, else Strata's error. Runs after the savepoint was rolled back.
    async fn refused(
        &self,
        client: &impl GenericClient,
        values: &Map<String, Value>,
        array: &'static str,
        Refusal(row, err): Refusal,
    ) -> Error {
        let Some(db) = err.as_db_error() else { return Error::postgres("writing rows")(err) };
        let code = db.code().code();
        let column = if code.starts_with("22") {
            self.refusing_column(client, values).await
        } else if code.starts_with("23") || code == "428C9" || code == "P0001" {
            match (db.column(), db.constraint()) {
                (Some(column), _) => Some(column.to_string()),
                (None, Some(constraint)) => self.constraint_column(client, constraint).await,
                (None, None) => None,
            }
        } else {
            return Error::postgres("writing rows")(err);
        };
        let value = column.as_ref().and_then(|name| values.get(name)).cloned().unwrap_or(Value::Null);
        Error::InvalidValue { column, array, row, value: Box::new(value), reason: describe(&err) }
    }

    /// The first of `values` its column's type refuses on its own.
    async fn refusing_column(&self, client: &impl GenericClient, values: &Map<String, Value>) -> Option<String> {
        for (name, value) in values {
            let sql = format!("SELECT v.{} IS NULL FROM {}", ident(name).ok()?, self.populated());
            let one = Value::Object(Map::from_iter([(name.clone(), value.clone())])).to_string();
            if client.query_one(&sql, &[&one]).await.is_err() {
                return Some(name.clone());
            }
        }
        None
    }

    /// The column of a single-column constraint (or unique index) of the table.
    async fn constraint_column(&self, client: &impl GenericClient, constraint: &str) -> Option<String> {
        let rows = client
            .query(
                "SELECT DISTINCT a.attname::text FROM pg_attribute a \
                 WHERE a.attrelid = to_regclass($2) AND a.attnum > 0 AND a.attnum = ANY(coalesce( \
                     (SELECT c.conkey FROM pg_constraint c WHERE c.conname = $1 AND c.conrelid = to_regclass($2)), \
                     (SELECT x.indkey::int2[] FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
                      WHERE i.relname = $1 AND x.indrelid = to_regclass($2))))",
                &[&constraint, &self.table],
            )
            .await
            .ok()?;
        match rows.as_slice() {
            [row] => Some(row.get(0)),
            _ => None,
        }
    }

    /// Prepares one statement per distinct column list.
    async fn prepare(
        &self,
        client: &impl GenericClient,
        columns: &[&Vec<String>],
        sql: impl Fn(&[String]) -> Result<String, Error>,
    ) -> Result<HashMap<Vec<String>, Statement>, Error> {
        let mut statements = HashMap::new();
        for &list in columns {
            if !statements.contains_key(list) {
                let statement = client.prepare(&sql(list)?).await.map_err(Error::postgres("preparing a write"))?;
                statements.insert(list.clone(), statement);
            }
        }
        Ok(statements)
    }
}

/// Runs one statement per row, pipelined; the first failure by row order stops all (the rest
/// fail with it, the transaction being aborted).
async fn each_row(
    client: &impl GenericClient,
    statements: impl Iterator<Item = (&Statement, Vec<&(dyn ToSql + Sync)>)>,
) -> Result<Vec<Option<tokio_postgres::Row>>, Refusal> {
    let results =
        join_all(statements.map(|(statement, params)| async move { client.query_opt(statement, &params).await })).await;
    results.into_iter().enumerate().map(|(at, result)| result.map_err(|err| Refusal(at, err))).collect()
}

const SAVEPOINT: &str = "SAVEPOINT strata_write";
const RELEASE: &str = "RELEASE SAVEPOINT strata_write";
const ROLLBACK: &str = "ROLLBACK TO SAVEPOINT strata_write";

async fn savepoint(client: &impl GenericClient, statement: &str) -> Result<(), Error> {
    client.batch_execute(statement).await.map_err(Error::postgres("managing the write's savepoint"))
}

/// Checks the request's size: 1 to [`MAX_ROWS`] items.
fn check_count(parameter: &str, count: usize) -> Result<(), Error> {
    if count == 0 || count > MAX_ROWS {
        return Err(bad(parameter, format!("give 1 to {MAX_ROWS} rows at a time, not {count}")));
    }
    Ok(())
}

/// Inserts `rows` into `schema.table`; returns them as read back, in order. `array` names the
/// request's array of rows in errors (`rows`, `inserts`).
pub async fn insert(
    client: &impl GenericClient,
    database: &str,
    schema: &str,
    table: &str,
    rows: &[Map<String, Value>],
    array: &'static str,
) -> Result<Vec<Row>, Error> {
    check_count(array, rows.len())?;
    let target = Target::load(client, database, schema, table).await?;
    let columns = rows
        .iter()
        .enumerate()
        .map(|(at, row)| target.columns(row, &format!("{array}[{at}]")))
        .collect::<Result<Vec<_>, Error>>()?;
    let statements =
        target.prepare(client, &columns.iter().collect::<Vec<_>>(), |list| target.insert_sql(list)).await?;
    let json: Vec<String> = rows.iter().map(|row| Value::Object(row.clone()).to_string()).collect();
    savepoint(client, SAVEPOINT).await?;
    let calls = columns.iter().zip(&json).map(|(list, json)| {
        let params: Vec<&(dyn ToSql + Sync)> = if list.is_empty() { Vec::new() } else { vec![json] };
        (&statements[list], params)
    });
    match each_row(client, calls).await {
        Ok(written) => {
            savepoint(client, RELEASE).await?;
            let keys = written
                .iter()
                .enumerate()
                .map(|(row, returned)| {
                    returned.as_ref().map(|returned| target.key_of(returned)).ok_or(Error::NotWritten { array, row })
                })
                .collect::<Result<Vec<Key>, Error>>()?;
            target.read_back(client, &keys, array).await
        }
        Err(refusal) => {
            savepoint(client, ROLLBACK).await?;
            let values = &rows[refusal.0];
            Err(target.refused(client, values, array, refusal).await)
        }
    }
}

/// Applies `updates` to `schema.table` in order; returns the rows after, in order. If a row
/// has another version than given, or is gone, nothing is written: [`Error::RowConflict`].
pub async fn update(
    client: &impl GenericClient,
    database: &str,
    schema: &str,
    table: &str,
    updates: &[Update],
) -> Result<Vec<Row>, Error> {
    check_count("updates", updates.len())?;
    let target = Target::load(client, database, schema, table).await?;
    let relation = &target.projection.relation;
    let mut columns = Vec::with_capacity(updates.len());
    let mut keys = Vec::with_capacity(updates.len());
    for (at, update) in updates.iter().enumerate() {
        keys.push(keys::from_json(relation, &update.key, &format!("updates[{at}].key"))?);
        columns.push(target.columns(&update.set, &format!("updates[{at}].set"))?);
    }
    let changing: Vec<usize> = (0..updates.len()).filter(|&at| !columns[at].is_empty()).collect();
    let lists: Vec<&Vec<String>> = changing.iter().map(|&at| &columns[at]).collect();
    let statements = target.prepare(client, &lists, |list| target.update_sql(list)).await?;
    let json: Vec<String> = updates.iter().map(|update| Value::Object(update.set.clone()).to_string()).collect();

    savepoint(client, SAVEPOINT).await?;
    let versions = match keys::lock(client, relation, &keys).await {
        Ok(versions) => versions,
        Err(err) => {
            savepoint(client, ROLLBACK).await?;
            return Err(refused_key(client, relation, &keys, err, |at| format!("updates[{at}].key")).await);
        }
    };
    let conflicts: Vec<usize> = (0..updates.len())
        .filter(|&at| match (&versions[at], &updates[at].version) {
            (None, _) => true,
            (Some(now), Some(read)) => now != read,
            (Some(_), None) => false,
        })
        .collect();
    if !conflicts.is_empty() {
        let conflicting: Vec<Key> = conflicts.iter().map(|&at| keys[at].clone()).collect();
        let rows = by_keys(client, &target.projection, &conflicting).await?;
        let current =
            conflicts.iter().zip(rows).map(|(&at, row)| Current { key: updates[at].key.clone(), row }).collect();
        return Err(Error::RowConflict { current });
    }

    let calls = changing.iter().map(|&at| {
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&json[at]];
        params.extend(keys[at].iter().map(|value| value as &(dyn ToSql + Sync)));
        (&statements[&columns[at]], params)
    });
    match each_row(client, calls).await {
        Ok(written) => {
            savepoint(client, RELEASE).await?;
            for (&at, row) in changing.iter().zip(&written) {
                match row {
                    // The key itself may have been set.
                    Some(row) => keys[at] = target.key_of(row),
                    // The row is locked, so it is not gone: a trigger skipped it, row-level
                    // security hides it, or an earlier update in this request moved its key.
                    None => return Err(Error::NotWritten { array: "updates", row: at }),
                }
            }
            target.read_back(client, &keys, "updates").await
        }
        Err(Refusal(nth, err)) => {
            savepoint(client, ROLLBACK).await?;
            let at = changing[nth];
            Err(target.refused(client, &updates[at].set, "updates", Refusal(at, err)).await)
        }
    }
}

/// Deletes the rows of `keys` from `schema.table`; returns how many. If a key has no row,
/// nothing is deleted: [`Error::MissingRows`].
pub async fn delete(
    client: &impl GenericClient,
    database: &str,
    schema: &str,
    table: &str,
    keys: &[Map<String, Value>],
) -> Result<u64, Error> {
    check_count("keys", keys.len())?;
    let target = Target::load(client, database, schema, table).await?;
    let relation = &target.projection.relation;
    let texts = keys
        .iter()
        .enumerate()
        .map(|(at, key)| keys::from_json(relation, key, &format!("keys[{at}]")))
        .collect::<Result<Vec<_>, Error>>()?;
    savepoint(client, SAVEPOINT).await?;
    let versions = match keys::lock(client, relation, &texts).await {
        Ok(versions) => versions,
        Err(err) => {
            savepoint(client, ROLLBACK).await?;
            return Err(refused_key(client, relation, &texts, err, |at| format!("keys[{at}]")).await);
        }
    };
    let missing: Vec<_> =
        keys.iter().zip(&versions).filter(|(_, version)| version.is_none()).map(|(key, _)| key.clone()).collect();
    if !missing.is_empty() {
        return Err(Error::MissingRows { keys: missing });
    }
    let list = KeyList::new(relation, &texts)?;
    let sql = format!("DELETE FROM {} AS p USING {} WHERE {}", target.table, list.from, list.matches);
    match client.execute(&sql, &list.bound()).await {
        Ok(deleted) => {
            savepoint(client, RELEASE).await?;
            Ok(deleted)
        }
        Err(err) if err.code().is_some_and(|code| code.code() == "23503") => {
            Err(Error::StillReferenced { reason: describe(&err) })
        }
        Err(err) => Err(Error::postgres("deleting rows")(err)),
    }
}

/// A failed key lookup: the key value its column refuses (a 400), else the error itself.
async fn refused_key(
    client: &impl GenericClient,
    relation: &crate::catalog::Relation,
    keys: &[Key],
    err: Error,
    parameter: impl Fn(usize) -> String,
) -> Error {
    if !err.code().is_some_and(|code| code.starts_with("22")) {
        return err;
    }
    keys::refused(client, relation, keys, parameter).await.unwrap_or(err)
}
