//! An earlier model's tables as views: one `SELECT` over the physical tables per table, the
//! anchor joined to each table it reads, each column cast back to the model's type.
//!
//! ```text
//! CREATE VIEW "public_v1"."orders" WITH (security_invoker = true) AS
//! SELECT t0."id" AS "id", t1."Customer Email" AS "Customer Email", t1."City" AS "City", t0."amount" AS "amount"
//! FROM "public"."orders" t0 LEFT JOIN "public"."customers" t1 ON t1."id" = t0."customers_id"
//! ```
//!
//! Node `i` of the table is always aliased `t<i>`, here and in the triggers and set-based writes
//! that reuse these pieces.

use strata_sql::QualifiedName;

use super::mapping::{Link, LogicalColumn, LogicalTable, Write};
use crate::Error;
use crate::audit::ident;

/// `CREATE VIEW` for `table` as `view`.
pub(super) fn create(view: &QualifiedName, table: &LogicalTable) -> Result<String, Error> {
    Ok(format!("CREATE VIEW {view} WITH (security_invoker = true) AS {}", select(table)?))
}

/// The view's query: the rows of its anchor (one per distinct value of the grouping column for a
/// grouped table), then those of each part split off it by rows, with the same columns.
pub(super) fn select(table: &LogicalTable) -> Result<String, Error> {
    let names: Vec<&str> = table.columns.iter().map(|column| column.name.as_str()).collect();
    rows(table, &names)
}

/// The rows of `table` and of its parts, with the columns `names` in that order.
fn rows(table: &LogicalTable, names: &[&str]) -> Result<String, Error> {
    let mut sql = select_as(table, names)?;
    for part in &table.parts {
        sql.push_str(" UNION ALL ");
        sql.push_str(&rows(&part.table, names)?);
    }
    Ok(sql)
}

/// The rows of `table`'s anchor, with its columns `names` in that order.
fn select_as(table: &LogicalTable, names: &[&str]) -> Result<String, Error> {
    let columns = names
        .iter()
        .map(|name| {
            let index =
                table.columns.iter().position(|column| column.name == *name).ok_or_else(|| Error::BadParameter {
                    parameter: "model".into(),
                    reason: format!("a part of {:?} split off by rows has no column {name:?}", table.name),
                })?;
            Ok(format!("{} AS {}", read(table, index)?, ident(*name)?))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let from = from(table, 0)?;
    let Some(grouped) = table.grouped.as_deref() else {
        return Ok(format!("SELECT {} FROM {from}", columns.join(", ")));
    };
    let by = table.columns.iter().position(|column| column.name == grouped).ok_or_else(|| Error::BadParameter {
        parameter: "model".into(),
        reason: format!("{:?} has no column {grouped:?} to group its rows by", table.name),
    })?;
    let by = read(table, by)?;
    let first = match table.nodes[0].key.as_str() {
        "" => String::new(),
        key => format!(", {}.{}", alias(0), ident(key)?),
    };
    Ok(format!(
        "SELECT DISTINCT ON ({by}) {} FROM {from} WHERE {by} IS NOT NULL ORDER BY {by}{first}",
        columns.join(", ")
    ))
}

/// The alias of node `node`.
pub(super) fn alias(node: usize) -> String {
    format!("t{node}")
}

/// The `FROM` list of the nodes under `root` (itself included): `root`'s table, then each node
/// under it left-joined to its parent.
pub(super) fn from(table: &LogicalTable, root: usize) -> Result<String, Error> {
    let mut sql = format!("{} {}", table.nodes[root].table, alias(root));
    let mut included = vec![root];
    for (index, node) in table.nodes.iter().enumerate().skip(root + 1) {
        let on = match &node.link {
            Link::Anchor => continue,
            Link::Reference { parent, column, .. } if included.contains(parent) => {
                format!(
                    "{}.{} = {}.{}",
                    alias(index),
                    ident(node.key.as_str())?,
                    alias(*parent),
                    ident(column.as_str())?
                )
            }
            Link::Extension { parent } if included.contains(parent) => {
                let parent_key = ident(table.nodes[*parent].key.as_str())?;
                format!("{}.{} = {}.{parent_key}", alias(index), ident(node.key.as_str())?, alias(*parent))
            }
            Link::Reference { .. } | Link::Extension { .. } => continue,
        };
        included.push(index);
        sql.push_str(&format!(" LEFT JOIN {} {} ON {on}", node.table, alias(index)));
    }
    Ok(sql)
}

/// Column `index` of the model as read from its node: the physical column cast through `reads`.
pub(super) fn read(table: &LogicalTable, index: usize) -> Result<String, Error> {
    read_column(&table.columns[index])
}

/// `column` as read from its node: the physical column cast through `reads`.
pub(super) fn read_column(column: &LogicalColumn) -> Result<String, Error> {
    let physical = format!("{}.{}", alias(column.node), ident(column.column.as_str())?);
    Ok(column.reads.iter().fold(physical, |value, type_name| format!("CAST({value} AS {type_name})")))
}

/// `value`, written through the model's `column`, converted to the physical column's type.
pub(super) fn write(column: &LogicalColumn, value: String) -> String {
    convert(&column.writes, value)
}

/// `value` converted by `writes`, in order.
pub(super) fn convert(writes: &[Write], value: String) -> String {
    writes.iter().fold(value, |value, write| match write {
        Write::Cast(type_name) => format!("CAST({value} AS {type_name})"),
        Write::Function(function) => format!("{function}({value})"),
    })
}
