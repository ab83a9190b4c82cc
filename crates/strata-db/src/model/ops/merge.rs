//! Merge: a linked table folded back into the table that links to it (an extraction's inverse).
//! Each row takes the values of the row it linked to; the links stay in a kept table so the
//! earlier model still shows the merged table (one row per link) and the link column.
//!
//! ```text
//! merge orders.customers_id:
//!
//! orders (id, item, customers_id)                         orders (id, item, email, city)
//!   1  pen  1       customers (id, email, city)      →      1  pen  a@x  Lisbon
//!   2  ink  1         1  a@x  Lisbon                        2  ink  a@x  Lisbon
//!   3  cap  NULL                                            3  cap  NULL NULL
//!                                                         strata.kept_model_… (id, value): (1, 1), (2, 1)
//! ```
//!
//! Undo extracts the columns again by the merged table's unique key, so the merged table must
//! have one over its other columns, and every one of its rows must be linked to (the earlier
//! model could not show it otherwise, nor could undo link it again).

use tokio_postgres::Transaction;

use super::extract::nonnull;
use super::{Conflict, ModelError, Op, Resolved, Table, Target, name_of, rows};
use crate::Error;
use crate::audit::steps::{self, ColumnDefinition, Step};
use crate::model::generate;

/// At most this many unlinked rows are named.
const MAX_KEYS: i64 = 20;

/// Merge the table `table`'s foreign key column `link` references back into `table`: refused
/// unless the merge can be shown by the earlier models and undone exactly.
pub(super) async fn merge(
    tx: &Transaction<'_>,
    target: &Target,
    table: &str,
    link: &str,
) -> Result<Resolved, ModelError> {
    let source = target.table(tx, table).await?;
    let mut conflicts = Vec::new();
    source.needs_key(&mut conflicts);
    let from = referenced(tx, target, &source, link, &mut conflicts).await?;
    let link_column = source.relation.column(link);
    let link_position = source.relation.columns.iter().position(|column| column.name == link).unwrap_or_default();
    if let Some(found) = link_column.filter(|found| found.type_name != "bigint") {
        conflicts.push(Conflict::Refused {
            reason: format!(
                "{link:?} is {}, and undoing the merge would link the rows again with a bigint column (as \
                 extract makes them), changing its type; only a bigint link can be merged",
                found.type_name
            ),
        });
    }
    conflicts.extend(source.entangled(tx, &[link.to_string()]).await?);
    let merged = match &from {
        Some(from) => Merged::check(tx, target, &source, from, link, &mut conflicts).await?,
        None => Merged::default(),
    };
    let written = linked(tx, &source, link).await?;
    let kept = format!("kept_model_{}_{}", source.relid, link_column.map_or(0, |found| found.position));
    let not_null = link_column.is_some_and(|found| !found.nullable);
    let label = from.as_ref().map_or("", |from| from.label());
    let mut removes = vec![format!("column {table}.{link}")];
    removes.extend(from.as_ref().map(|from| format!("table {}.{}", target.name, from.label())));
    removes.extend(merged.definitions.iter().flat_map(|column| dropped(label, column)));
    let mut creates: Vec<String> = merged.columns.iter().map(|name| format!("column {table}.{name}")).collect();
    creates.push(format!("table strata.{kept} ({}, the links kept for the earlier models)", rows(written)));
    let steps = match &from {
        Some(from) => vec![
            Step::CopyColumn { relid: source.relid, column: link.to_string(), into: kept.clone() },
            Step::Merge {
                relid: source.relid,
                part: from.relid,
                link: link.to_string(),
                key: merged.unique.unwrap_or_default(),
                columns: merged.definitions.into_iter().map(|column| moved(column, not_null)).collect(),
            },
        ],
        None => Vec::new(),
    };
    let op = Op::Merge {
        table: table.to_string(),
        link: link.to_string(),
        link_position,
        from: label.to_string(),
        key: merged.key,
        key_type: merged.key_type,
        columns: merged.columns,
        positions: merged.positions,
        key_position: merged.key_position,
        kept,
    };
    Ok(Resolved { op, creates, removes, rows: written, conflicts, steps })
}

/// What a merge takes from the merged table: nothing while that table is unknown.
#[derive(Default)]
struct Merged {
    /// Its key column.
    key: String,
    /// That column's type.
    key_type: String,
    /// That column's place among its columns.
    key_position: usize,
    /// Its other columns.
    columns: Vec<String>,
    /// Their places among its columns.
    positions: Vec<usize>,
    /// Its unique key over other columns than its key (which undo re-links by).
    unique: Option<Vec<String>>,
    /// Its other columns as they are.
    definitions: Vec<ColumnDefinition>,
}

impl Merged {
    /// What merging `from` (the table `link` of `source` references) into `source` takes; says
    /// in `conflicts` why it cannot.
    async fn check(
        tx: &Transaction<'_>,
        target: &Target,
        source: &Table,
        from: &Table,
        link: &str,
        conflicts: &mut Vec<Conflict>,
    ) -> Result<Merged, ModelError> {
        let key = from.key().unwrap_or_default().to_string();
        let others: Vec<String> = from
            .relation
            .columns
            .iter()
            .filter(|column| column.name != key)
            .map(|column| column.name.clone())
            .collect();
        let (columns, positions) = from.pick(&others, conflicts);
        for name in &columns {
            if source.relation.column(name).is_some() {
                conflicts.push(Conflict::Refused {
                    reason: format!("{:?} already has a column {name:?}; rename one of them first", source.label()),
                });
            }
        }
        for reference in from.references(tx, Some((source, link))).await? {
            conflicts.push(Conflict::Refused {
                reason: format!(
                    "the foreign key {:?} of {} references {:?} too, and would lose it; merge along that link \
                     instead, or drop the foreign key first",
                    reference.name,
                    reference.on,
                    from.label()
                ),
            });
        }
        let unique = unique_key(tx, from, &key).await?;
        if unique.is_none() {
            conflicts.push(Conflict::Refused {
                reason: format!(
                    "{:?} has no unique constraint over columns other than its key, which undoing the merge links \
                     the rows of {:?} by; add one (UNIQUE NULLS NOT DISTINCT) first",
                    from.label(),
                    source.label()
                ),
            });
        }
        reshaped(tx, target, source, from, conflicts).await?;
        if conflicts.is_empty() {
            unlinked(tx, source, from, link, &key, conflicts).await?;
            empty(tx, from, &columns, conflicts).await?;
        }
        let key_type = from.relation.column(&key).map_or_else(String::new, |found| found.type_name.clone());
        let key_position = from.relation.columns.iter().position(|column| column.name == key).unwrap_or_default();
        let definitions = steps::describe_all(tx, from.relid, &columns).await?;
        Ok(Merged { key, key_type, key_position, columns, positions, unique, definitions })
    }
}

/// The table `link` of `source` references by a single-column foreign key to its single-column
/// primary key, in the same schema; says in `conflicts` why not when it does not.
async fn referenced(
    tx: &Transaction<'_>,
    target: &Target,
    source: &Table,
    link: &str,
    conflicts: &mut Vec<Conflict>,
) -> Result<Option<Table>, ModelError> {
    let table = source.label();
    let foreign_key = source.relation.foreign_keys.iter().find(|key| key.columns.iter().any(|name| name == link));
    let reason = match foreign_key {
        None => format!("{link:?} is not a foreign key column of {table:?}; a merge follows a link"),
        Some(key) if key.columns.len() != 1 => {
            format!(
                "{link:?} is part of the foreign key {:?} over several columns; a merge follows a one-column link",
                key.name
            )
        }
        Some(key) if key.referenced_schema != target.name => format!(
            "{link:?} links to a table of another schema ({:?}); a merge stays within a schema",
            key.referenced_schema
        ),
        Some(key) if key.referenced_table == table => {
            format!("{link:?} links {table:?} to itself; a table cannot be merged into itself")
        }
        Some(key) => {
            let from = target.table(tx, &key.referenced_table).await?;
            if from.key() == Some(key.referenced_columns[0].as_str()) {
                return Ok(Some(from));
            }
            format!(
                "{link:?} does not reference the single-column primary key of {:?}; a merge follows a link to it",
                key.referenced_table
            )
        }
    };
    conflicts.push(Conflict::Refused { reason });
    Ok(None)
}

/// The columns of `table`'s first unique constraint (by age) without its key column `key`.
async fn unique_key(tx: &Transaction<'_>, table: &Table, key: &str) -> Result<Option<Vec<String>>, Error> {
    let row = tx
        .query_opt(
            "SELECT ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, i) \
                          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.i) AS names \
             FROM pg_constraint c WHERE c.conrelid = $1 AND c.contype = 'u' \
               AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.conrelid \
                               AND a.attnum = ANY(c.conkey) AND a.attname = $2) \
             ORDER BY c.oid LIMIT 1",
            &[&table.relid, &key],
        )
        .await
        .map_err(Error::postgres("reading the merged table's unique constraints"))?;
    Ok(row.map(|row| row.get(0)))
}

/// Says in `conflicts` when an earlier model splits `source` or `from` by rows, or shows a table
/// merged into `from` since: the merged table's earlier models could not show those.
async fn reshaped(
    tx: &Transaction<'_>,
    target: &Target,
    source: &Table,
    from: &Table,
    conflicts: &mut Vec<Conflict>,
) -> Result<(), Error> {
    let mut split = Vec::new();
    let mut merged = false;
    for (_, mapping) in generate::mappings(tx, &target.name).await? {
        for table in &mapping.tables {
            let anchor = &table.nodes[0].table;
            let parts = table.parts.iter().map(|part| &part.table.nodes[0].table);
            for found in [source, from] {
                let divided =
                    !table.parts.is_empty() && (anchor == &found.name || parts.clone().any(|p| p == &found.name));
                if divided && !split.contains(&found.label()) {
                    split.push(found.label());
                }
            }
            merged |= anchor == &from.name && (table.grouped.is_some() || !table.fills.is_empty());
        }
    }
    for name in split {
        conflicts.push(Conflict::Refused {
            reason: format!(
                "{name:?} was split by rows, which the earlier models show as one table; a merge cannot show it \
                 in them; undo the split first"
            ),
        });
    }
    if merged {
        conflicts.push(Conflict::Refused {
            reason: format!(
                "another table was merged into {:?}, which the earlier models show through it; undo that merge \
                 first",
                from.label()
            ),
        });
    }
    Ok(())
}

/// Says in `conflicts` which rows of `from` no row of `source` links to by `link` (up to
/// [`MAX_KEYS`] of them, by key).
async fn unlinked(
    tx: &Transaction<'_>,
    source: &Table,
    from: &Table,
    link: &str,
    key: &str,
    conflicts: &mut Vec<Conflict>,
) -> Result<(), Error> {
    let (link, column) = (name_of(link)?, name_of(key)?);
    let sql = format!(
        "SELECT f.{column}::text, count(*) OVER () FROM {from} f \
         WHERE NOT EXISTS (SELECT 1 FROM {source} t WHERE t.{link} = f.{column}) ORDER BY f.{column} LIMIT {MAX_KEYS}",
        from = from.name,
        source = source.name,
    );
    let found = tx.query(&sql, &[]).await.map_err(Error::postgres("looking for rows no row links to"))?;
    let Some(first) = found.first() else { return Ok(()) };
    let count: i64 = first.get(1);
    let keys: Vec<String> = found.iter().map(|row| row.get(0)).collect();
    let more = if count > MAX_KEYS { ", ..." } else { "" };
    conflicts.push(Conflict::Refused {
        reason: format!(
            "{} of {:?} have no row of {:?} linking to them ({key} {}{more}), and the merge would lose them; \
             delete them first, or link rows to them",
            rows(count),
            from.label(),
            source.label(),
            keys.join(", ")
        ),
    });
    Ok(())
}

/// Says in `conflicts` when a row of `from` has no value but its key: undoing the merge could
/// not tell the rows linking to it from the rows linking nowhere.
async fn empty(
    tx: &Transaction<'_>,
    from: &Table,
    columns: &[String],
    conflicts: &mut Vec<Conflict>,
) -> Result<(), Error> {
    if columns.is_empty() {
        return Ok(());
    }
    let sql = format!("SELECT count(*) FROM {} WHERE NOT ({})", from.name, nonnull("", columns));
    let count: i64 = tx.query_one(&sql, &[]).await.map_err(Error::postgres("looking for empty rows"))?.get(0);
    if count > 0 {
        conflicts.push(Conflict::Refused {
            reason: format!(
                "{} of {:?} have no value but their key, which undoing the merge could not link again; give them \
                 a value or delete them first",
                rows(count),
                from.label()
            ),
        });
    }
    Ok(())
}

/// How many rows of `source` link somewhere by `link` (the rows the merge writes).
async fn linked(tx: &Transaction<'_>, source: &Table, link: &str) -> Result<i64, Error> {
    if source.relation.column(link).is_none() {
        return Ok(0);
    }
    let sql = format!("SELECT count(*) FROM {} WHERE {} IS NOT NULL", source.name, name_of(link)?);
    Ok(tx.query_one(&sql, &[]).await.map_err(Error::postgres("counting the linked rows"))?.get(0))
}

/// A column of the merged table as it is added to the table merged into: its type, collation,
/// default (not one drawing from the merged table's sequence) and CHECK constraints; NOT NULL
/// only when every row links (`not_null`); no unique constraints, foreign keys or indexes (which
/// stay with the merged table, for undo), nor its history.
fn moved(column: ColumnDefinition, not_null: bool) -> ColumnDefinition {
    let checks = column.constraints.into_iter().filter(|c| c.definition.starts_with("CHECK")).collect();
    ColumnDefinition {
        not_null: column.not_null && not_null,
        default: column.default.filter(|default| !default.contains("nextval(")),
        constraints: checks,
        indexes: Vec::new(),
        history: None,
        ..column
    }
}

/// What of `column` of `table` stays behind with the merged table, for the preview's
/// `removes`: its unique constraints, foreign keys and indexes.
fn dropped(table: &str, column: &ColumnDefinition) -> Vec<String> {
    let constraints = column.constraints.iter().filter(|c| !c.definition.starts_with("CHECK"));
    let mut lost: Vec<String> =
        constraints.map(|c| format!("constraint {} on {table}.{}", c.name, column.name)).collect();
    lost.extend(column.indexes.iter().map(|index| format!("index {} on {table}.{}", index.name, column.name)));
    lost
}
