//! Column steps: rename, retype (by a cast or a `USING` expression), add and drop. Earlier
//! models keep the old name, read the old type (converted back), do without the added column,
//! and keep the dropped column's values, in `strata."kept_model_<relid>_<attnum>"`.
//!
//! ```text
//! retype orders.qty to integer:        model 1 reads qty::text    model 2: qty integer
//! drop orders.note:                     model 1 reads note from strata.kept_model_…(id, value)
//! ```

use tokio_postgres::Transaction;

use super::extract::nonnull;
use super::{Conflict, ModelError, Op, Resolved, Table, Target, expression, looking, name_of, rows};
use crate::Error;
use crate::audit::steps::{ColumnDefinition, Conversion, Destination, Parameter, Step};
use crate::audit::strata_name;
use crate::ddl::types;

/// At most this many values are listed.
const MAX_VALUES: i64 = 20;

/// Rename `column` of `table` to `to`; earlier models keep the old name.
pub(super) async fn rename(
    tx: &Transaction<'_>,
    target: &Target,
    table: &str,
    column: &str,
    to: &str,
) -> Result<Resolved, ModelError> {
    let source = target.table(tx, table).await?;
    let mut conflicts = Vec::new();
    exists(&source, column, &mut conflicts);
    source.new_column(to, &mut conflicts);
    let steps = vec![Step::RenameColumn { relid: source.relid, from: column.to_string(), to: to.to_string() }];
    Ok(Resolved {
        op: Op::RenameColumn { table: table.to_string(), column: column.to_string(), to: to.to_string() },
        creates: vec![format!("column {table}.{to}")],
        removes: vec![format!("column {table}.{column}")],
        rows: 0,
        conflicts,
        steps,
    })
}

/// A retype as asked.
pub(super) struct Retype<'a> {
    /// The column.
    pub(super) column: &'a str,
    /// The new type as the user wrote it.
    pub(super) type_name: &'a str,
    /// The user's `USING` expression.
    pub(super) using: Option<&'a str>,
    /// Whether earlier models may read values differently.
    pub(super) lossy: bool,
}

/// Convert `column` of `table` to a new type, by a cast or a pure `USING` expression: refused
/// for values the new type refuses and, unless lossy, values earlier models would read back
/// differently.
pub(super) async fn retype(
    tx: &Transaction<'_>,
    target: &Target,
    table: &str,
    asked: Retype<'_>,
) -> Result<Resolved, ModelError> {
    let Retype { column, type_name, using, lossy } = asked;
    let source = target.table(tx, table).await?;
    let mut conflicts = Vec::new();
    exists(&source, column, &mut conflicts);
    let old = source.relation.column(column).map_or_else(String::new, |found| found.type_name.clone());
    let new = types::resolve(tx, type_name).await?.as_str().to_string();
    if new == old {
        conflicts.push(Conflict::Refused { reason: format!("{table:?}.{column:?} is {new} already") });
    }
    let linked = source.relation.foreign_keys.iter().any(|key| key.columns.iter().any(|name| name == column));
    if source.relation.primary_key.iter().any(|name| name == column)
        || linked
        || referenced(tx, &source, column).await?
    {
        conflicts.push(Conflict::Refused {
            reason: format!(
                "{column:?} is a key or a link of {table:?}, which earlier models join by; it keeps its type"
            ),
        });
    }
    let conversion = using.map(|expression| Conversion {
        name: target.function(),
        parameters: vec![Parameter { name: column.to_string(), type_name: old.clone() }],
        to: new.clone(),
        expression: expression.to_string(),
    });
    if conflicts.is_empty() {
        conflicts.extend(probe(tx, &source, column, &new, conversion.as_ref(), lossy).await?);
    }
    let count: i64 = tx
        .query_one(&format!("SELECT count(*) FROM {}", source.name), &[])
        .await
        .map_err(Error::postgres("counting the rows"))?
        .get(0);
    let mut creates = vec![format!("column {table}.{column} as {new}")];
    let mut steps = Vec::new();
    if let Some(conversion) = &conversion {
        creates.push(format!("function strata.{}", conversion.name));
        steps.push(Step::CreateFunction { conversion: conversion.clone() });
    }
    let function = conversion.map(|conversion| conversion.name);
    steps.push(Step::Retype {
        relid: source.relid,
        column: column.to_string(),
        type_name: new.clone(),
        collation: None,
        kept: None,
        using: function.clone(),
    });
    let op = Op::Retype {
        table: table.to_string(),
        column: column.to_string(),
        old_type: old.clone(),
        type_name: new,
        using: using.map(str::to_string),
        function,
    };
    let removes = vec![format!("column {table}.{column} as {old}")];
    Ok(Resolved { op, creates, removes, rows: count, conflicts, steps })
}

/// Whether another table's foreign key references `column` of `table`.
async fn referenced(tx: &Transaction<'_>, table: &Table, column: &str) -> Result<bool, Error> {
    let row = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.confrelid \
                            AND a.attnum = ANY(c.confkey) \
                            WHERE c.confrelid = $1 AND c.contype = 'f' AND a.attname = $2)",
            &[&table.relid, &column],
        )
        .await
        .map_err(Error::postgres("looking for foreign keys to the column"))?;
    Ok(row.get(0))
}

/// The values of `column` the retype to `new` refuses or that earlier models would read back
/// differently (unless `lossy`), most frequent first. Nothing stays: the conversion function
/// and the probe are made inside savepoints rolled back after.
async fn probe(
    tx: &Transaction<'_>,
    table: &Table,
    column: &str,
    new: &str,
    conversion: Option<&Conversion>,
    lossy: bool,
) -> Result<Vec<Conflict>, Error> {
    let Some(found) = table.relation.column(column) else { return Ok(Vec::new()) };
    let old = found.type_name.as_str();
    let define = || async {
        match conversion {
            Some(conversion) => expression::create(tx, conversion).await,
            None => Ok(()),
        }
    };
    if let Some(refused) = match conversion {
        Some(conversion) => expression::check(tx, conversion, "the USING expression").await?,
        None => None,
    } {
        return Ok(vec![refused]);
    }
    let back = format!("earlier models read {column:?} as {old}, and {new} does not convert back to it");
    let cast = async {
        let sql = format!("SELECT CAST(NULL::{new} AS {old})");
        tx.execute(&sql, &[]).await.map_err(Error::postgres("converting back"))
    };
    if let Err(refused) = looking(tx, &back, cast).await? {
        return Ok(vec![refused]);
    }
    let values = async {
        define().await?;
        let convert = match conversion {
            Some(conversion) => format!("{}(CAST(v AS {old}))", strata_name(conversion.name.as_str())?),
            None => format!("CAST(v AS {old})"),
        };
        // Type names are `format_type`'s and the function's name is quoted: no user text.
        let body = format!(
            "DECLARE converted {new}; back text; \
             BEGIN \
                 converted := CAST({convert} AS {new}); \
                 BEGIN \
                     back := CAST(CAST(converted AS {old}) AS text); \
                 EXCEPTION WHEN others THEN \
                     RETURN 'earlier models cannot read it back: ' || SQLERRM; \
                 END; \
                 IF exact AND back IS DISTINCT FROM v THEN \
                     RETURN 'earlier models would read it back as ' || coalesce(quote_literal(back), 'NULL'); \
                 END IF; \
                 RETURN NULL; \
             EXCEPTION WHEN others THEN \
                 RETURN SQLERRM; \
             END"
        );
        let mut tag = "$probe$".to_string();
        while body.contains(&tag) {
            tag.insert(1, '_');
        }
        let sql = format!(
            "CREATE FUNCTION pg_temp.strata_model_probe(v text, exact boolean) RETURNS text LANGUAGE plpgsql \
             AS {tag}{body}{tag}"
        );
        tx.batch_execute(&sql).await.map_err(Error::postgres("creating the probe"))?;
        let name = name_of(column)?;
        let sql = format!(
            "WITH d AS (SELECT {name}::text AS v, count(*) AS n FROM {table} GROUP BY 1), \
                  p AS MATERIALIZED (SELECT v, n, pg_temp.strata_model_probe(v, $1) AS reason FROM d \
                                     WHERE v IS NOT NULL OR $2) \
             SELECT v, n, reason FROM p WHERE reason IS NOT NULL ORDER BY n DESC, v LIMIT {MAX_VALUES}",
            table = table.name,
        );
        let rows =
            tx.query(&sql, &[&!lossy, &conversion.is_some()]).await.map_err(Error::postgres("probing the values"))?;
        Ok(rows
            .iter()
            .map(|row| Conflict::Value {
                column: column.to_string(),
                value: row.get(0),
                rows: row.get(1),
                reason: row.get(2),
            })
            .collect())
    };
    Ok(looking(tx, "the values could not be checked", values).await?.unwrap_or_else(|refused| vec![refused]))
}

/// Add `column` of type `type_name` to `table`; earlier models do without it.
pub(super) async fn add(
    tx: &Transaction<'_>,
    target: &Target,
    table: &str,
    column: &str,
    type_name: &str,
) -> Result<Resolved, ModelError> {
    let source = target.table(tx, table).await?;
    let mut conflicts = Vec::new();
    source.new_column(column, &mut conflicts);
    let sql_type = types::resolve(tx, type_name).await?.as_str().to_string();
    let definition = ColumnDefinition::new(column, &sql_type, false);
    Ok(Resolved {
        op: Op::AddColumn { table: table.to_string(), column: column.to_string(), type_name: sql_type.clone() },
        creates: vec![format!("column {table}.{column} ({sql_type})")],
        removes: Vec::new(),
        rows: 0,
        conflicts,
        steps: vec![Step::AddColumn { relid: source.relid, column: definition, kept: None }],
    })
}

/// Drop `column` of `table`, its values kept for earlier models in
/// `strata."kept_model_<relid>_<attnum>"`; the preview lists what goes with it (default,
/// constraints, indexes).
pub(super) async fn drop(
    tx: &Transaction<'_>,
    target: &Target,
    table: &str,
    column: &str,
) -> Result<Resolved, ModelError> {
    let source = target.table(tx, table).await?;
    let mut conflicts = Vec::new();
    source.needs_key(&mut conflicts);
    let (names, positions) = source.pick(&[column.to_string()], &mut conflicts);
    conflicts.extend(source.entangled(tx, &names).await?);
    let found = source.relation.column(column);
    let kept = format!("kept_model_{}_{}", source.relid, found.map_or(0, |found| found.position));
    let type_name = found.map_or_else(String::new, |found| found.type_name.clone());
    let count: i64 = match found {
        Some(_) => {
            let sql = format!("SELECT count(*) FROM {} WHERE {}", source.name, nonnull("", &names));
            tx.query_one(&sql, &[]).await.map_err(Error::postgres("counting the values kept"))?.get(0)
        }
        None => 0,
    };
    let mut removes = vec![format!("column {table}.{column}")];
    removes.extend(source.lost(tx, &names, Destination::Nowhere).await?);
    let steps = vec![Step::SplitColumns {
        relid: source.relid,
        columns: names,
        schema: "strata".to_string(),
        into: kept.clone(),
        names: vec!["value".to_string()],
        part: None,
        carry: false,
    }];
    Ok(Resolved {
        op: Op::DropColumn {
            table: table.to_string(),
            column: column.to_string(),
            type_name,
            position: positions.first().copied().unwrap_or_default(),
            kept: kept.clone(),
        },
        creates: vec![format!("table strata.{kept} ({}, kept for the earlier models)", rows(count))],
        removes,
        rows: count,
        conflicts,
        steps,
    })
}

/// Says in `conflicts` when `table` has no column `column`.
fn exists(table: &Table, column: &str, conflicts: &mut Vec<Conflict>) {
    if table.relation.column(column).is_none() {
        conflicts.push(Conflict::Refused { reason: format!("{:?} has no column {column:?}", table.label()) });
    }
}
