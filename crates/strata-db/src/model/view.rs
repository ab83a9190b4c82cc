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

/// The view's query.
pub(super) fn select(table: &LogicalTable) -> Result<String, Error> {
    let columns = (0..table.columns.len())
        .map(|index| Ok(format!("{} AS {}", read(table, index)?, ident(table.columns[index].name.as_str())?)))
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(format!("SELECT {} FROM {}", columns.join(", "), from(table, 0)?))
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
    let column = &table.columns[index];
    let physical = format!("{}.{}", alias(column.node), ident(column.column.as_str())?);
    Ok(column.reads.iter().fold(physical, |value, type_name| format!("CAST({value} AS {type_name})")))
}

/// `value`, written through the model's `column`, converted to the physical column's type.
pub(super) fn write(column: &LogicalColumn, value: String) -> String {
    column.writes.iter().fold(value, |value, write| match write {
        Write::Cast(type_name) => format!("CAST({value} AS {type_name})"),
        Write::Function(function) => format!("{function}({value})"),
    })
}
