//! What stands in the way of an undo, said for people: later changes to the rows an action
//! touched (found by [`super::table::TableUndo::conflicts`]) and later structure changes.
//!
//! A data action conflicts with every later structure change of its tables. A structure action
//! conflicts with every later action on its tables, rows or structure, except that an action
//! whose steps only rename conflicts only with later structure changes (rows do not care what
//! their table or columns are called). A model step (DESIGN §5) also conflicts with every later
//! model step of the same schema, whatever tables it changed: models form a chain, and only the
//! newest can go. Later actions that are undone, and undos of actions that came after the one
//! undone (they cancel out), are no conflict.

use tokio_postgres::Transaction;

use super::Conflict;
use super::table::KeyConflicts;
use crate::Error;
use crate::audit::action::{self, ActionInfo};
use crate::audit::steps;

/// The later structure changes in the way of undoing `target`, newest first.
pub(super) async fn structure(tx: &Transaction<'_>, target: &ActionInfo) -> Result<Vec<Conflict>, Error> {
    let renames = steps::only_renames(tx, target.id).await?;
    let rows = tx
        .query(
            "SELECT later.action, later.relid, bool_or(later.schema_change), \
                    coalesce((SELECT format('%s.%s', n.nspname, c.relname) FROM pg_class c \
                              JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = later.relid), \
                             'a table deleted since') \
             FROM strata.action_table mine \
             JOIN strata.action_table later ON later.relid = mine.relid AND later.action > mine.action \
             JOIN strata.action a ON a.id = later.action \
             WHERE mine.action = $1 AND (later.schema_change OR (mine.schema_change AND NOT $2)) \
               AND (a.undoes IS NULL OR a.undoes < $1) AND NOT strata.action_undone(a.id) \
             GROUP BY later.action, later.relid ORDER BY later.action DESC, later.relid",
            &[&target.id, &renames],
        )
        .await
        .map_err(Error::postgres("looking for later structure changes"))?;
    let mut conflicts = Vec::with_capacity(rows.len());
    for row in &rows {
        let (later, structure, table): (i64, bool, String) = (row.get(0), row.get(2), row.get(3));
        let Some(action) = action::get(tx, later).await? else { continue };
        let reason = if structure {
            format!("the structure of {table} was changed later (action {later}: {})", action.summary)
        } else {
            format!("rows of {table} were changed later (action {later}: {})", action.summary)
        };
        conflicts.push(Conflict { rows: action.rows, action, table, keys: Vec::new(), columns: Vec::new(), reason });
    }
    conflicts.extend(models(tx, target).await?);
    conflicts.sort_by_key(|conflict| std::cmp::Reverse(conflict.action.id));
    Ok(conflicts)
}

/// The later model steps of the schemas whose models `target` changed.
async fn models(tx: &Transaction<'_>, target: &ActionInfo) -> Result<Vec<Conflict>, Error> {
    let rows = tx
        .query(
            "SELECT DISTINCT later.action, coalesce(n.nspname::text, 'a schema deleted since') \
             FROM strata.action_step mine \
             JOIN strata.action_step later ON later.action > mine.action \
                  AND later.forward->>'step' IN ('add_model', 'remove_model') \
                  AND later.forward->'namespace' = mine.forward->'namespace' \
             JOIN strata.action a ON a.id = later.action \
             LEFT JOIN pg_namespace n ON n.oid = (mine.forward->>'namespace')::oid \
             WHERE mine.action = $1 AND mine.forward->>'step' IN ('add_model', 'remove_model') \
               AND (a.undoes IS NULL OR a.undoes < $1) AND NOT strata.action_undone(a.id) \
             ORDER BY 1 DESC",
            &[&target.id],
        )
        .await
        .map_err(Error::postgres("looking for later model steps"))?;
    let mut conflicts = Vec::with_capacity(rows.len());
    for row in &rows {
        let (later, schema): (i64, String) = (row.get(0), row.get(1));
        let Some(action) = action::get(tx, later).await? else { continue };
        let reason = format!("a later step made another model of {schema} (action {later}: {})", action.summary);
        conflicts.push(Conflict {
            rows: action.rows,
            action,
            table: schema,
            keys: Vec::new(),
            columns: Vec::new(),
            reason,
        });
    }
    Ok(conflicts)
}

/// The conflicts of later row changes in `table`; changes nobody recorded (made with the audit
/// off) are charged to `target` itself, as there is no later action to name.
pub(super) async fn rows(
    tx: &Transaction<'_>,
    target: &ActionInfo,
    table: &str,
    found: Vec<KeyConflicts>,
) -> Result<Vec<Conflict>, Error> {
    let mut conflicts = Vec::with_capacity(found.len());
    for keys in found {
        let action = match keys.action {
            Some(later) => action::get(tx, later).await?,
            None => None,
        };
        let reason = reason(&keys, action.is_none());
        conflicts.push(Conflict {
            action: action.unwrap_or_else(|| target.clone()),
            table: table.to_string(),
            rows: keys.rows,
            reason,
            keys: keys.keys,
            columns: keys.columns,
        });
    }
    Ok(conflicts)
}

/// "row 7 was deleted later", "3 rows were changed later (qty, price)".
fn reason(keys: &KeyConflicts, unrecorded: bool) -> String {
    let changed = keys.rows - keys.deleted - keys.reinserted;
    let rows = |n: i64| match (n, keys.keys.first()) {
        (1, Some(key)) if keys.rows == 1 => format!("row {key} was"),
        (1, _) => "1 row was".to_string(),
        (n, _) => format!("{n} rows were"),
    };
    let mut parts = Vec::new();
    if keys.deleted > 0 {
        parts.push(format!("{} deleted later", rows(keys.deleted)));
    }
    if keys.reinserted > 0 {
        parts.push(format!("{} added again later", rows(keys.reinserted)));
    }
    if changed > 0 {
        parts.push(format!("{} changed later ({})", rows(changed), keys.columns.join(", ")));
    }
    let said = parts.join("; ");
    if unrecorded { format!("{said}, without a record in the audit trail") } else { said }
}
