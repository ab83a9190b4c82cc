//! Extract and move: columns of a table go to another table that the table links to, one value
//! per linked row, so both check first that the rows sharing a link agree on every column
//! (the functional dependency); rows that disagree refuse the step, listed by key.
//!
//! ```text
//! extract orders (Customer Email, City) into customers, key Customer Email:
//!
//! orders (id, item, Customer Email, City)      orders (id, item, customers_id)
//!   1  pen  a@x  Lisbon                 →        1  pen  1       customers (id, Customer Email, City)
//!   2  ink  a@x  Lisbon                          2  ink  1         1  a@x  Lisbon
//!   3  cap  NULL NULL                            3  cap  NULL
//! ```

use strata_sql::Ident;
use tokio_postgres::Transaction;
use tokio_postgres::types::ToSql;

use super::{Conflict, ModelError, Op, Resolved, Table, Target, free_name, looking, name_of, rows};
use crate::Error;
use crate::audit::steps::{Destination, Step};

/// Extract `columns` of `table` into the new table `into`, one row per distinct `key` (all the
/// columns when empty), linked from `table` by a new column: refused while rows sharing a key
/// disagree on a column.
pub(super) async fn extract(
    tx: &Transaction<'_>,
    target: &Target,
    table: &str,
    columns: &[String],
    into: &str,
    key: &[String],
) -> Result<Resolved, ModelError> {
    let source = target.table(tx, table).await?;
    let mut conflicts = Vec::new();
    source.needs_key(&mut conflicts);
    let (names, positions) = source.pick(columns, &mut conflicts);
    let mut chosen: Vec<String> = Vec::new();
    for name in key {
        if !chosen.contains(name) {
            chosen.push(name.clone());
        }
    }
    let key = if chosen.is_empty() { names.clone() } else { chosen };
    for name in &key {
        if !columns.contains(name) {
            conflicts.push(Conflict::Refused {
                reason: format!("the key column {name:?} is not one of the columns extracted; extract it too"),
            });
        }
    }
    target.new_table(tx, into, &mut conflicts).await?;
    let link = free_name(into, "_id", |name| source.relation.column(name).is_some());
    conflicts.extend(source.entangled(tx, &names).await?);
    let (entities, linked) = match conflicts.is_empty() {
        true => {
            let filter = |alias: &str| nonnull(alias, &names);
            let advice = "choose a key that tells them apart, or make them agree first";
            let found = groups(tx, &source, &key, &names, &filter, advice).await?;
            agreed(found, &mut conflicts)
        }
        false => (0, 0),
    };
    let schema = target.name.as_str();
    let creates = vec![
        format!("table {schema}.{into} ({})", rows(entities)),
        format!("column {table}.{link} (linking {})", rows(linked)),
    ];
    let mut removes: Vec<String> = names.iter().map(|name| format!("column {table}.{name}")).collect();
    removes.extend(source.lost(tx, &names, Destination::NewTable).await?);
    let steps = vec![Step::Extract {
        relid: source.relid,
        columns: names.clone(),
        into: into.to_string(),
        key: key.clone(),
        link: link.clone(),
        part: None,
        was: None,
    }];
    let op = Op::Extract { table: table.to_string(), columns: names, positions, into: into.to_string(), key, link };
    Ok(Resolved { op, creates, removes, rows: entities + linked, conflicts, steps })
}

/// Move `columns` of `table` to the table its foreign key column `link` references: refused
/// while rows linking to one row disagree on a column, or a row without a link has a value.
pub(super) async fn move_columns(
    tx: &Transaction<'_>,
    target: &Target,
    table: &str,
    columns: &[String],
    link: &str,
) -> Result<Resolved, ModelError> {
    let source = target.table(tx, table).await?;
    let mut conflicts = Vec::new();
    source.needs_key(&mut conflicts);
    let (names, positions) = source.pick(columns, &mut conflicts);
    if names.iter().any(|name| name == link) {
        conflicts.push(Conflict::Refused { reason: format!("{link:?} is the link the columns move along; it stays") });
    }
    let foreign_key = source.relation.foreign_keys.iter().find(|key| key.columns.len() == 1 && key.columns[0] == link);
    let referenced = match foreign_key {
        None => {
            conflicts.push(Conflict::Refused {
                reason: format!("{link:?} is not a foreign key column of {table:?}; columns move along a link"),
            });
            None
        }
        Some(key) if key.referenced_schema != target.name => {
            conflicts.push(Conflict::Refused {
                reason: format!(
                    "{link:?} links to a table of another schema ({:?}); columns move within a schema",
                    key.referenced_schema
                ),
            });
            None
        }
        Some(key) => {
            let to = target.table(tx, &key.referenced_table).await?;
            if to.key() != Some(key.referenced_columns[0].as_str()) {
                conflicts.push(Conflict::Refused {
                    reason: format!("{link:?} does not reference the primary key of {:?}", key.referenced_table),
                });
            }
            for name in &names {
                if to.relation.column(name).is_some() {
                    conflicts.push(Conflict::Refused {
                        reason: format!("{:?} already has a column {name:?}; rename one of them first", to.label()),
                    });
                }
            }
            Some(to)
        }
    };
    conflicts.extend(source.entangled(tx, &names).await?);
    let to_name = referenced.as_ref().map_or_else(String::new, |to| to.label().to_string());
    let key = match &referenced {
        Some(to) => unique_columns(tx, to).await?,
        None => None,
    };
    let updated = match (conflicts.is_empty(), &referenced) {
        (true, Some(_)) => {
            let link_ident = name_of(link)?;
            let filter = |alias: &str| format!("{alias}{link_ident} IS NOT NULL");
            let advice = format!(
                "the rows linking to one row of {to_name:?} must agree to move the column there: make them agree \
                 first, or extract the columns into a new table with a key instead"
            );
            let found = groups(tx, &source, &[link.to_string()], &names, &filter, &advice).await?;
            let (updated, _) = agreed(found, &mut conflicts);
            let unlinked = unlinked(tx, &source, &link_ident, &names).await?;
            if unlinked > 0 {
                conflicts.push(Conflict::Refused {
                    reason: format!(
                        "{} of {table:?} have no {link:?} but a value in the columns moved, which would be lost; \
                         link them or clear those values first",
                        rows(unlinked)
                    ),
                });
            }
            updated
        }
        _ => 0,
    };
    let creates = names.iter().map(|name| format!("column {to_name}.{name}")).collect();
    let mut removes: Vec<String> = names.iter().map(|name| format!("column {table}.{name}")).collect();
    removes.extend(source.lost(tx, &names, Destination::ExistingTable).await?);
    let steps = match &referenced {
        Some(to) => vec![Step::MoveColumns {
            relid: source.relid,
            columns: names.clone(),
            link: link.to_string(),
            to: to.relid,
        }],
        None => Vec::new(),
    };
    let op = Op::Move { table: table.to_string(), columns: names, positions, link: link.to_string(), to: to_name, key };
    Ok(Resolved { op, creates, removes, rows: updated, conflicts, steps })
}

/// `num_nonnulls(...) > 0` over `names`, each after `alias`: the row has a value in one of them.
pub(super) fn nonnull(alias: &str, names: &[String]) -> String {
    let list = names.iter().filter_map(|name| Ident::new(name.as_str()).ok()).map(|name| format!("{alias}{name}"));
    format!("num_nonnulls({}) > 0", list.collect::<Vec<_>>().join(", "))
}

/// The columns of `table`'s first unique constraint (by age), which identify its rows.
async fn unique_columns(tx: &Transaction<'_>, table: &Table) -> Result<Option<Vec<String>>, Error> {
    let row = tx
        .query_opt(
            "SELECT ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, i) \
                          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.i) \
             FROM pg_constraint c WHERE c.conrelid = $1 AND c.contype = 'u' ORDER BY c.oid LIMIT 1",
            &[&table.relid],
        )
        .await
        .map_err(Error::postgres("reading the table's unique constraints"))?;
    Ok(row.map(|row| row.get(0)))
}

/// How many rows of `table` have no `link` but a value in one of `names`.
async fn unlinked(tx: &Transaction<'_>, table: &Table, link: &Ident, names: &[String]) -> Result<i64, Error> {
    let sql = format!("SELECT count(*) FROM {} WHERE {link} IS NULL AND {}", table.name, nonnull("", names));
    let row = tx.query_one(&sql, &[]).await.map_err(Error::postgres("counting the rows without a link"))?;
    Ok(row.get(0))
}

/// At most this many conflicts are listed.
const MAX_CONFLICTS: usize = 20;

/// At most this many values of a conflict are shown.
const MAX_VALUES: i64 = 5;

/// The rows of a table grouped by a key.
struct Groups {
    /// How many distinct keys.
    keys: i64,
    /// How many rows.
    rows: i64,
    /// Keys whose rows disagree on a column (as text), with the values.
    conflicts: Vec<Conflict>,
}

/// The counts of `found`, its conflicts moved to `conflicts`.
fn agreed(found: Result<Groups, Conflict>, conflicts: &mut Vec<Conflict>) -> (i64, i64) {
    match found {
        Ok(groups) => {
            conflicts.extend(groups.conflicts);
            (groups.keys, groups.rows)
        }
        Err(refused) => {
            conflicts.push(refused);
            (0, 0)
        }
    }
}

/// Groups the rows of `table` that `filter` keeps (a condition on a row alias) by `key` and
/// finds the keys whose rows disagree on one of `columns` (the key's own included: values equal
/// to PostgreSQL may still read differently, as `1.0` and `1.00`), each conflict with `advice`
/// (what to do). Values are compared as text, which is what every model reads.
async fn groups(
    tx: &Transaction<'_>,
    table: &Table,
    key: &[String],
    columns: &[String],
    filter: &(dyn Fn(&str) -> String + Sync),
    advice: &str,
) -> Result<Result<Groups, Conflict>, Error> {
    let work = async {
        let primary = name_of(table.key().unwrap_or_default())?;
        let keys = key.iter().map(|name| name_of(name)).collect::<Result<Vec<_>, _>>()?;
        let checked = columns.iter().map(|name| name_of(name)).collect::<Result<Vec<_>, _>>()?;
        let pairs = keys.iter().enumerate().map(|(i, name)| format!("${}::text, {name}", i + 1));
        let bad = checked.iter().map(|name| {
            format!(
                "(min({name}::text COLLATE \"C\") IS DISTINCT FROM max({name}::text COLLATE \"C\") \
                  OR count({name}) NOT IN (0, count(*)))"
            )
        });
        let sql = format!(
            "WITH g AS MATERIALIZED ( \
                 SELECT json_build_object({pairs})::text AS key, count(*) AS n, min({primary}) AS first, \
                        ARRAY[{bad}] AS bad \
                 FROM {table} WHERE {filter} GROUP BY {grouped}) \
             SELECT (SELECT count(*) FROM g), (SELECT coalesce(sum(n), 0)::int8 FROM g), \
                    b.key, b.n, b.first::text, b.bad \
             FROM (SELECT) AS one LEFT JOIN (SELECT * FROM g WHERE true = ANY(bad) ORDER BY first LIMIT {MAX_CONFLICTS}) b \
               ON true ORDER BY b.first",
            pairs = pairs.collect::<Vec<_>>().join(", "),
            bad = bad.collect::<Vec<_>>().join(", "),
            table = table.name,
            filter = filter(""),
            grouped = keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        );
        let params: Vec<&(dyn ToSql + Sync)> = key.iter().map(|name| name as &(dyn ToSql + Sync)).collect();
        let found = tx.query(&sql, &params).await.map_err(Error::postgres("grouping the rows by the key"))?;
        let mut conflicts = Vec::new();
        for row in &found {
            let Some(text) = row.get::<_, Option<String>>(2) else { continue };
            let bad: Vec<bool> = row.get(5);
            let first: String = row.get(4);
            // PostgreSQL wrote the object, so it parses.
            let key_values: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&text).unwrap_or_default();
            for (column, _) in checked.iter().zip(&bad).filter(|(_, bad)| **bad) {
                if conflicts.len() == MAX_CONFLICTS {
                    break;
                }
                let sql = format!(
                    "SELECT DISTINCT t.{column}::text FROM {table} t JOIN {table} r ON r.{primary}::text = $1 \
                     WHERE {filter} AND {same} ORDER BY 1 LIMIT {MAX_VALUES}",
                    table = table.name,
                    filter = filter("t."),
                    same = keys
                        .iter()
                        .map(|k| format!("t.{k} IS NOT DISTINCT FROM r.{k}"))
                        .collect::<Vec<_>>()
                        .join(" AND "),
                );
                let values = tx.query(&sql, &[&first]).await.map_err(Error::postgres("reading conflicting values"))?;
                conflicts.push(Conflict::Dependency {
                    key: key_values.clone(),
                    column: column.as_str().to_string(),
                    values: values.iter().map(|row| row.get(0)).collect(),
                    rows: row.get(3),
                    advice: advice.to_string(),
                });
            }
        }
        let (keys, rows) = found.first().map_or((0, 0), |row| (row.get(0), row.get(1)));
        Ok(Groups { keys, rows, conflicts })
    };
    looking(tx, "the rows cannot be grouped by the key", work).await
}
