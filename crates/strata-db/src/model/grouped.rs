//! INSTEAD OF triggers of grouped tables: an earlier model's view of a table since merged into
//! the table that linked to it, one row per distinct link among that table's rows.
//!
//! A row of it exists only through the rows that link to it, so only its attributes can be
//! written: an UPDATE writes them into every row of the group (the anchor's rows whose link is
//! the row's key). Inserting, deleting and changing the key are refused with a hint.
//!
//! ```text
//! UPDATE "public_v2"."customers" SET city = 'Porto' WHERE id = 1;
//!   → UPDATE "public"."orders" t0 SET city = CASE WHEN NEW.city IS DISTINCT FROM OLD.city THEN NEW.city ELSE t0.city END
//!       WHERE t0.id IN (SELECT t0.id FROM "public"."orders" t0 LEFT JOIN "strata"."kept_model_…" t1 ON t1.id = t0.id
//!                       WHERE t1.value = OLD.id) AND (NEW.city IS DISTINCT FROM OLD.city);
//! ```

use strata_sql::{Ident, QualifiedName};

use super::mapping::LogicalTable;
use super::trigger::{attach, block, changed, column_name, new, raise};
use super::view::{self, alias};
use crate::Error;
use crate::audit::ident;

/// The hint of a refused insert or delete.
const THROUGH_LINKS: &str = "Its rows are the distinct links of the rows that link to it: write those rows instead.";

/// The statements that create the trigger function `function` for `view` (showing the grouped
/// `table`) and attach it. `oids` holds each node's table's oid, for messages.
pub(super) fn create(
    function: &QualifiedName,
    trigger: &Ident,
    view: &QualifiedName,
    table: &LogicalTable,
    oids: &[u32],
) -> Result<[String; 2], Error> {
    Ok(attach(function, trigger, view, &body(table, oids)?))
}

/// The function's body: the refusals, then the one UPDATE of the group's rows.
fn body(table: &LogicalTable, oids: &[u32]) -> Result<String, Error> {
    let anchor = format!("(SELECT relname FROM pg_catalog.pg_class WHERE oid = {})", oids[0]);
    let mut lines = Vec::new();
    for (operation, verb) in [("INSERT", "insert into"), ("DELETE", "delete from")] {
        let message = format!(
            "format('cannot {verb} %I through this model: its rows exist only through the rows of %I that link \
             to them', TG_TABLE_NAME, {anchor})"
        );
        lines.push(format!("IF TG_OP = '{operation}' THEN {} END IF;", raise(&message, Some(THROUGH_LINKS))));
    }
    let by = table.grouped.as_deref().unwrap_or_default();
    let (key_index, anchor_key) = match (table.columns.iter().position(|c| c.name == by), table.nodes[0].key.as_str()) {
        (Some(index), key) if !key.is_empty() => (index, ident(key)?),
        _ => {
            let message = "format('%I cannot be changed through this model; change it in the newest model', \
                           TG_TABLE_NAME)";
            lines.push(raise(message, None));
            return Ok(block("", &indent(&lines)));
        }
    };
    let message = format!(
        "format('cannot change %I of %I through this model: it is the link the rows of %I share', {}, \
         TG_TABLE_NAME, {anchor})",
        column_name(key_index)
    );
    let hint = "Change the link of the rows that link to it instead.";
    lines.push(format!("IF {} THEN {} END IF;", changed(table, key_index)?, raise(&message, Some(hint))));
    let (mut sets, mut changes) = (Vec::new(), Vec::new());
    for (index, column) in table.columns.iter().enumerate().filter(|(index, _)| *index != key_index) {
        let change = changed(table, index)?;
        if column.node != 0 {
            let message = format!(
                "format('cannot change %I of %I through this model: it is kept in another table since; change it \
                 in the newest model', {}, TG_TABLE_NAME)",
                column_name(index)
            );
            lines.push(format!("IF {change} THEN {} END IF;", raise(&message, None)));
            continue;
        }
        let name = ident(column.column.as_str())?;
        let value = view::write(column, new(table, index)?);
        sets.push(format!("{name} = CASE WHEN {change} THEN {value} ELSE {me}.{name} END", me = alias(0)));
        changes.push(change);
    }
    if !sets.is_empty() {
        let me = alias(0);
        lines.push(format!(
            "UPDATE {physical} AS {me} SET {sets} WHERE {me}.{anchor_key} IN \
             (SELECT {me}.{anchor_key} FROM {from} WHERE {group} = OLD.{key}) AND ({changes});",
            physical = table.nodes[0].table,
            sets = sets.join(", "),
            from = view::from(table, 0)?,
            group = view::read(table, key_index)?,
            key = ident(by)?,
            changes = changes.join(" OR "),
        ));
    }
    lines.push("RETURN NEW;".into());
    Ok(block("", &indent(&lines)))
}

/// `lines` as the block's statements, one a line.
fn indent(lines: &[String]) -> String {
    lines.iter().map(|line| format!("  {line}\n")).collect()
}
