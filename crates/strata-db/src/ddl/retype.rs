//! The retype preview: which values of a column would not convert to a new type, and why.
//!
//! Values are probed once per distinct value (as text, converted back through the column's type
//! and then with the same cast the retype uses). PostgreSQL 16 and later check text input without
//! raising errors (`pg_input_is_valid`), which is used when the cast is exactly the input
//! function (a `text` or `varchar` column to a type without a modifier). Otherwise, and always on
//! PostgreSQL 15, each value is cast in a temporary plpgsql function that catches the error; it
//! lives in `pg_temp` and is dropped again, so nothing is left in the user's database.

use strata_sql::QualifiedName;
use tokio_postgres::Transaction;
use tokio_postgres::types::ToSql;

use super::{DdlError, TablePath, column, existing_name, existing_table, types};
use crate::Error;
use crate::catalog::{Column, JsonEncoding, Relation};

/// At most this many failing rows are shown.
pub const MAX_SAMPLES: i64 = 20;

/// What converting a column to a type would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetypePreview {
    /// The new type as PostgreSQL spells it.
    pub type_name: String,
    /// The column's non-null values.
    pub values: i64,
    /// How many of them would not convert.
    pub failing: i64,
    /// Up to [`MAX_SAMPLES`] failing rows, in primary key order.
    pub samples: Vec<RetypeSample>,
}

/// A row whose value would not convert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetypeSample {
    /// The row's primary key as a JSON object (`bigint` and `numeric` as strings), written by
    /// PostgreSQL; `{}` if the table has no primary key.
    pub key: String,
    /// The value as text.
    pub value: String,
    /// PostgreSQL's error for it.
    pub error: String,
}

/// Previews converting the column `name` of the table `path` to the type `type_name`.
pub async fn preview(
    tx: &Transaction<'_>,
    path: TablePath<'_>,
    name: &str,
    type_name: &str,
) -> Result<RetypePreview, DdlError> {
    let (relation, table) = existing_table(tx, path).await?;
    let column = column::find(&relation, path, name)?;
    let new_type = types::resolve(tx, type_name).await?;
    Ok(probe(tx, &relation, &table, column, &new_type).await?)
}

/// Counts and samples the values of `column` that do not convert to `new_type`.
pub(super) async fn probe(
    tx: &Transaction<'_>,
    relation: &Relation,
    table: &QualifiedName,
    column: &Column,
    new_type: &types::SqlType,
) -> Result<RetypePreview, Error> {
    let version: i32 = tx
        .query_one("SELECT current_setting('server_version_num')::int4", &[])
        .await
        .map_err(Error::postgres("reading the server's version"))?
        .get(0);
    let input_only = matches!(column.type_name.as_str(), "text" | "character varying") && !new_type.has_modifier();
    let checks_input = version >= 160_000 && input_only;
    let mut params: Vec<String> = Vec::new();
    let error = if checks_input {
        params.push(new_type.as_str().to_string());
        "CASE WHEN pg_input_is_valid(d.v, $1) THEN NULL ELSE (pg_input_error_info(d.v, $1)).message END".to_string()
    } else {
        create_probe_function(tx, &column.type_name, new_type).await?;
        "pg_temp.strata_retype_probe(d.v)".to_string()
    };

    let name = existing_name(&column.name)?;
    let mut key = Vec::new();
    let mut order = Vec::new();
    for key_column in relation.primary_key.iter().filter_map(|name| relation.column(name)) {
        let ident = existing_name(&key_column.name)?;
        params.push(key_column.name.clone());
        let cast = match key_column.encoding {
            JsonEncoding::Native => "",
            JsonEncoding::Text => "::text",
            JsonEncoding::TextArray => "::text[]",
        };
        key.push(format!("${}::text, x.{ident}{cast}", params.len()));
        order.push(format!("x.{ident}"));
    }
    let order = if order.is_empty() { String::new() } else { format!("ORDER BY {}", order.join(", ")) };
    let sql = format!(
        "WITH d AS (SELECT {name}::text AS v, count(*) AS n FROM {table} WHERE {name} IS NOT NULL GROUP BY 1), \
              p AS MATERIALIZED (SELECT d.v, d.n, {error} AS error FROM d), \
              s AS (SELECT row_number() OVER ({order}) AS i, json_build_object({key})::text AS key, \
                           x.{name}::text AS value, p.error \
                    FROM {table} x JOIN p ON p.v = x.{name}::text WHERE p.error IS NOT NULL {order} LIMIT {MAX_SAMPLES}) \
         SELECT (SELECT coalesce(sum(n), 0) FROM p)::int8, \
                (SELECT coalesce(sum(n), 0) FROM p WHERE error IS NOT NULL)::int8, s.key, s.value, s.error \
         FROM (SELECT) AS one LEFT JOIN s ON true ORDER BY s.i",
        key = key.join(", "),
    );
    let params: Vec<&(dyn ToSql + Sync)> = params.iter().map(|param| param as &(dyn ToSql + Sync)).collect();
    let rows = tx.query(&sql, &params).await.map_err(Error::postgres(format!("probing the values of {name}")))?;
    if !checks_input {
        tx.batch_execute("DROP FUNCTION pg_temp.strata_retype_probe(text)")
            .await
            .map_err(Error::postgres("dropping the probe function"))?;
    }
    let (values, failing) = rows.first().map(|row| (row.get(0), row.get(1))).unwrap_or((0, 0));
    let samples = rows
        .iter()
        .filter_map(|row| {
            Some(RetypeSample { key: row.get::<_, Option<String>>(2)?, value: row.get(3), error: row.get(4) })
        })
        .collect();
    Ok(RetypePreview { type_name: new_type.as_str().to_string(), values, failing, samples })
}

/// Creates `pg_temp.strata_retype_probe(text)`: the value converted through the column's type
/// `old` to `new`, answering NULL if that works and PostgreSQL's message if not.
async fn create_probe_function(tx: &Transaction<'_>, old: &str, new: &types::SqlType) -> Result<(), Error> {
    // Both types are `format_type`'s spelling; the body is quoted with a tag it does not contain.
    let body = format!("BEGIN PERFORM v::{old}::{new}; RETURN NULL; EXCEPTION WHEN others THEN RETURN SQLERRM; END");
    let mut tag = "$probe$".to_string();
    while body.contains(&tag) {
        tag.insert(1, '_');
    }
    let sql = format!(
        "CREATE OR REPLACE FUNCTION pg_temp.strata_retype_probe(v text) RETURNS text LANGUAGE plpgsql \
         AS {tag}{body}{tag}"
    );
    tx.batch_execute(&sql).await.map_err(Error::postgres("creating the probe function"))
}
