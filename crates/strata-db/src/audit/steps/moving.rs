//! Moving columns along a link and back: each row of the referenced table takes the value its
//! referencing rows agree on (the operator checked that they do).
//!
//! ```text
//! orders (id, customer → customers, city)     orders (id, customer → customers)
//!   1  7  Lisbon                         →      1  7
//!   2  7  Lisbon                                2  7      customers (id, …, city)
//!                                                           7  …  Lisbon
//! ```
//!
//! Moving back puts every referencing row's value back from the referenced row and drops the
//! columns there again.

use strata_sql::QualifiedName;
use tokio_postgres::Transaction;

use super::column::{ColumnDefinition, Destination, carry, describe_all, drop_columns, put_back, required_key};
use super::extract::{idents, listed, typed};
use super::{Done, Step, ident, relation_name, run, unaudited};
use crate::ddl::DdlError;

/// Moves `columns` of the table `relid` to the table `to` its foreign key column `link`
/// references (each row there takes its referencing rows' value, the defaults go along);
/// returns [`Step::ReturnColumns`] as the inverse.
pub(super) async fn move_columns(
    tx: &Transaction<'_>,
    relid: u32,
    columns: &[String],
    link: &str,
    to: u32,
) -> Result<Done, DdlError> {
    let table = relation_name(tx, relid).await?;
    let key = required_key(tx, relid, &table).await?;
    let target = relation_name(tx, to).await?;
    let target_key = required_key(tx, to, &target).await?;
    let definitions = describe_all(tx, relid, columns).await?;
    let adds = definitions
        .iter()
        .map(|column| Ok(format!("ADD COLUMN {}", typed(&column.name, column)?)))
        .collect::<Result<Vec<_>, DdlError>>()?;
    run(tx, &format!("ALTER TABLE {target} {}", adds.join(", ")), "adding the moved columns").await?;
    let names = idents(columns)?;
    let link = ident(link)?;
    let sql = format!(
        "UPDATE {target} p SET {sets} \
         FROM (SELECT t.{link}, {values} FROM {table} t \
               JOIN (SELECT min({key}) AS first FROM {table} WHERE {link} IS NOT NULL GROUP BY {link}) f \
                 ON t.{key} = f.first) s \
         WHERE p.{target_key} = s.{link}",
        sets = names.iter().map(|name| format!("{name} = s.{name}")).collect::<Vec<_>>().join(", "),
        values = listed("t.", &names),
    );
    unaudited(tx, &sql, "moving the values").await?;
    for column in &definitions {
        carry(tx, &target, column, Destination::ExistingTable).await?;
    }
    drop_columns(tx, &table, columns).await?;
    let inverse = Step::ReturnColumns { relid, link: link.as_str().to_string(), to, columns: definitions };
    Ok(Done { inverse, tables: vec![relid, to] })
}

/// Puts `columns` back into the table `relid`, as they were, from the table `to` its column
/// `link` references (each row the value of the row it links to) and drops them there; returns
/// [`Step::MoveColumns`] as the inverse.
pub(super) async fn return_columns(
    tx: &Transaction<'_>,
    relid: u32,
    link: &str,
    to: u32,
    columns: &[ColumnDefinition],
) -> Result<Done, DdlError> {
    let table = relation_name(tx, relid).await?;
    let from: QualifiedName = relation_name(tx, to).await?;
    let from_key = required_key(tx, to, &from).await?;
    let names: Vec<String> = columns.iter().map(|column| column.name.clone()).collect();
    put_back(tx, relid, &table, columns, &from, &names, &format!("p.{from_key} = t.{}", ident(link)?)).await?;
    drop_columns(tx, &from, &names).await?;
    let inverse = Step::MoveColumns { relid, columns: names, link: link.to_string(), to };
    Ok(Done { inverse, tables: vec![relid, to] })
}
