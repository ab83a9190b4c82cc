//! Split by rows: the rows of a table for which a condition holds go to a new table with the
//! same columns and keys; the earlier model shows both as one table.
//!
//! ```text
//! split orders where amount >= 100 into big_orders:
//!
//! orders (id, item, amount)     orders (id, item, amount)    big_orders (id, item, amount)
//!   1  pen     5          →       1  pen     5                 2  desk  300
//!   2  desk  300                  3  ink    12
//!   3  ink    12
//! ```
//!
//! The condition becomes the function `strata."model_<ns>_<n>"`, one parameter per column of
//! the table named and typed like it, checked pure as a retype's `USING` expression is
//! ([`super::expression`]). Earlier models route each row they write by it.

use tokio_postgres::Transaction;

use super::{Conflict, ModelError, Op, Resolved, Table, Target, expression, looking, rows};
use crate::Error;
use crate::audit::steps::{Conversion, Parameter, Step};
use crate::audit::strata_name;

/// Split the rows of `table` for which `condition` (an SQL boolean expression over its columns)
/// holds off into the new table `into`: refused when the table has no single-column key, other
/// tables' foreign keys reference it, the name is taken, or the condition is not a valid, pure
/// expression that every row can compute.
pub(super) async fn split_rows(
    tx: &Transaction<'_>,
    target: &Target,
    table: &str,
    into: &str,
    condition: &str,
) -> Result<Resolved, ModelError> {
    let source = target.table(tx, table).await?;
    let mut conflicts = Vec::new();
    source.needs_key(&mut conflicts);
    target.new_table(tx, into, &mut conflicts).await?;
    conflicts.extend(referenced(tx, &source).await?);
    let conversion = Conversion {
        name: target.function(),
        parameters: source
            .relation
            .columns
            .iter()
            .map(|column| Parameter { name: column.name.clone(), type_name: column.type_name.clone() })
            .collect(),
        to: "boolean".to_string(),
        expression: condition.to_string(),
    };
    let count = match expression::check(tx, &conversion, "the condition").await? {
        Some(refused) => {
            conflicts.push(refused);
            0
        }
        None => moved(tx, &source, &conversion).await?.unwrap_or_else(|refused| {
            conflicts.push(refused);
            0
        }),
    };
    let arguments: Vec<String> = conversion.parameters.iter().map(|parameter| parameter.name.clone()).collect();
    let creates =
        vec![format!("table {}.{into} ({})", target.name, rows(count)), format!("function strata.{}", conversion.name)];
    let steps = vec![
        Step::CreateFunction { conversion: conversion.clone() },
        Step::SplitRows {
            relid: source.relid,
            into: into.to_string(),
            function: conversion.name.clone(),
            arguments: arguments.clone(),
            part: None,
        },
    ];
    let op = Op::SplitRows {
        table: table.to_string(),
        into: into.to_string(),
        condition: condition.to_string(),
        function: conversion.name,
        arguments,
    };
    Ok(Resolved { op, creates, removes: Vec::new(), rows: count, conflicts, steps })
}

/// The foreign keys of other tables (or of the table itself) that reference `table`: their rows
/// could not follow a row moved to the new table. Among them, values an earlier step took away
/// (a dropped column's, a merged table's links), kept for the earlier models by the table's key.
async fn referenced(tx: &Transaction<'_>, table: &Table) -> Result<Vec<Conflict>, Error> {
    let label = table.label();
    Ok(table
        .references(tx, None)
        .await?
        .into_iter()
        .map(|reference| {
            let key = format!("{:?} of {}", reference.name, reference.on);
            let reason = match reference.kept {
                true => format!(
                    "values of {label:?} that an earlier model step took away (a column dropped, or the links of a \
                     table merged back) are kept for the earlier models by its rows' keys (the foreign key {key}), \
                     and could not follow the rows split off; split the rows before that step (undo it, split, then \
                     make it again)"
                ),
                false => format!(
                    "the foreign key {key} references {label:?}, and could not follow its rows into the new table; \
                     drop it first (or split the rows of the table it is on)"
                ),
            };
            Conflict::Refused { reason }
        })
        .collect())
}

/// How many rows of `table` the condition (made `conversion`, a valid and pure function) moves;
/// a refusal when it fails on a row (PostgreSQL's message). Nothing stays.
async fn moved(tx: &Transaction<'_>, table: &Table, conversion: &Conversion) -> Result<Result<i64, Conflict>, Error> {
    let arguments = conversion
        .parameters
        .iter()
        .map(|parameter| Ok(format!("t.{}", super::name_of(&parameter.name)?)))
        .collect::<Result<Vec<_>, Error>>()?;
    let sql = format!(
        "SELECT count(*) FROM {} t WHERE {}({}) IS TRUE",
        table.name,
        strata_name(conversion.name.as_str())?,
        arguments.join(", ")
    );
    let counted = async {
        expression::create(tx, conversion).await?;
        let row = tx.query_one(&sql, &[]).await.map_err(Error::postgres("computing the condition"))?;
        Ok(row.get::<_, i64>(0))
    };
    looking(tx, "the condition cannot be computed for every row", counted).await
}
