//! One record by key, with the rows of other tables that reference it: for each foreign key
//! pointing at the table, the first [`REFERENCING_ROWS`] referencing rows (by their primary key)
//! and how many there are.

use tokio_postgres::GenericClient;

use super::keys::{self, Key};
use super::project::{Projection, Row, by_keys, row_json};
use super::{ident, table_name};
use crate::Error;
use crate::catalog::{self, USER_SCHEMA};

/// How many referencing rows a record shows per foreign key.
pub const REFERENCING_ROWS: i64 = 50;

/// A row with what references it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The row.
    pub row: Row,
    /// The foreign keys of other tables (or this one) that point at its table.
    pub referenced_by: Vec<Referencing>,
}

/// The rows of one foreign key that reference a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Referencing {
    /// The referencing table's schema.
    pub schema: String,
    /// The referencing table.
    pub table: String,
    /// The foreign key constraint's name.
    pub constraint: String,
    /// The referencing columns, in key order.
    pub columns: Vec<String>,
    /// The referencing table's primary key columns.
    pub primary_key: Vec<String>,
    /// The first referencing rows by primary key, each a JSON object.
    pub rows: Vec<String>,
    /// How many rows reference the record.
    pub total: i64,
}

/// The row of `schema.table` whose key is `key` (the URL form, see [`parse_key`](crate::rows::parse_key));
/// [`Error::MissingRows`] if there is none.
pub async fn record(
    client: &impl GenericClient,
    database: &str,
    schema: &str,
    table: &str,
    key: &str,
) -> Result<Record, Error> {
    let projection = Projection::load(client, database, schema, table).await?;
    let relation = &projection.relation;
    if relation.primary_key.is_empty() {
        return Err(Error::NoPrimaryKey { schema: relation.schema.clone(), table: relation.info.name.clone() });
    }
    let key = keys::parse(key, relation.primary_key.len())?;
    let keys = [key];
    let found = match by_keys(client, &projection, &keys).await {
        Ok(mut rows) => rows.pop().flatten(),
        Err(err) if err.code().is_some_and(|code| code.starts_with("22")) => {
            return Err(keys::refused(client, relation, &keys, |_| "key".to_string()).await.unwrap_or(err));
        }
        Err(err) => return Err(err),
    };
    let [key] = keys;
    let Some(row) = found else {
        return Err(Error::MissingRows { keys: vec![keys::to_json(relation, &key)] });
    };
    let mut referenced_by = Vec::new();
    for reference in references(client, schema, table).await? {
        referenced_by.push(referencing_rows(client, database, &projection, &key, reference).await?);
    }
    Ok(Record { row, referenced_by })
}

/// A foreign key pointing at the table: constraint, referencing schema, table and columns, and
/// the referenced columns.
struct Reference {
    constraint: String,
    schema: String,
    table: String,
    columns: Vec<String>,
    referenced: Vec<String>,
}

async fn references(client: &impl GenericClient, schema: &str, table: &str) -> Result<Vec<Reference>, Error> {
    let sql = format!(
        "SELECT c.conname::text, n.nspname::text, r.relname::text, \
                ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(num, i) \
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num ORDER BY k.i), \
                ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(num, i) \
                      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num ORDER BY k.i) \
         FROM pg_constraint c \
         JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace \
         JOIN pg_class t ON t.oid = c.confrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace \
         WHERE c.contype = 'f' AND tn.nspname = $1 AND t.relname = $2 AND {USER_SCHEMA} \
         ORDER BY 2, 3, 1"
    );
    let rows =
        client.query(&sql, &[&schema, &table]).await.map_err(Error::postgres("reading what references the table"))?;
    Ok(rows
        .iter()
        .map(|row| Reference {
            constraint: row.get(0),
            schema: row.get(1),
            table: row.get(2),
            columns: row.get(3),
            referenced: row.get(4),
        })
        .collect())
}

/// The first rows referencing the record `key` through `reference`, and their count.
async fn referencing_rows(
    client: &impl GenericClient,
    database: &str,
    target: &Projection,
    key: &Key,
    reference: Reference,
) -> Result<Referencing, Error> {
    let relation = catalog::relation(client, database, &reference.schema, &reference.table, false).await?;
    let names = |alias: &str, columns: &[String]| {
        columns.iter().map(|name| Ok(format!("{alias}.{}", ident(name)?))).collect::<Result<Vec<_>, Error>>()
    };
    let order = names("p", &relation.primary_key)?;
    let order = if order.is_empty() { String::new() } else { format!(" ORDER BY {}", order.join(", ")) };
    let sql = format!(
        "SELECT {row}, count(*) OVER () FROM {table} AS p \
         WHERE ({columns}) = (SELECT {referenced} FROM {target} AS x WHERE {matches}){order} LIMIT {REFERENCING_ROWS}",
        row = row_json(&relation.columns.iter().collect::<Vec<_>>())?,
        table = table_name(&relation)?,
        columns = names("p", &reference.columns)?.join(", "),
        referenced = names("x", &reference.referenced)?.join(", "),
        target = table_name(&target.relation)?,
        matches = keys::equals(&target.relation, "x", |i| format!("${}::text", i + 1))?,
    );
    let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
        key.iter().map(|value| value as &(dyn tokio_postgres::types::ToSql + Sync)).collect();
    let rows = client.query(&sql, &params).await.map_err(Error::postgres("reading referencing rows"))?;
    Ok(Referencing {
        schema: reference.schema,
        table: reference.table,
        constraint: reference.constraint,
        columns: reference.columns,
        primary_key: relation.primary_key,
        total: rows.first().map_or(0, |row| row.get(1)),
        rows: rows.iter().map(|row| row.get(0)).collect(),
    })
}
