//! Column steps: add, drop (keeping the definition and the values), rename and retype (keeping
//! the old values).
//!
//! A dropped column comes back at the end of the table (PostgreSQL cannot insert a column
//! between others), with its type and modifier, collation, NOT NULL, default or generation
//! expression, its single-column CHECK, UNIQUE, foreign key and exclusion constraints and its
//! single-column indexes, and every row's value (by the table's key). Its history column
//! `c<old attnum>_<type>` is renamed after the new attnum, so its history continues. A column that
//! was an identity comes back as a plain column with its values. A table without a single-column
//! primary key keeps no values: its column comes back empty.

use serde::{Deserialize, Serialize};
use strata_sql::{Ident, QualifiedName};
use tokio_postgres::Transaction;

use super::{
    Done, Position, Step, ident, qualify_names, relation_name, restore_search_path, run, strata_name, unaudited,
};
use crate::Error;
use crate::ddl::{DdlError, Savepoint};

/// A column as it is added: what a new column is given, or all a dropped column had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnDefinition {
    /// Its name.
    pub name: String,
    /// Its type with modifier, as `format_type` spells it.
    pub type_name: String,
    /// Its collation (schema-qualified and quoted), when not its type's.
    pub collation: Option<String>,
    /// Whether it is NOT NULL.
    pub not_null: bool,
    /// Its default expression.
    pub default: Option<String>,
    /// Its generation expression (a stored generated column).
    pub generated: Option<String>,
    /// Its single-column constraints (not NOT NULL).
    pub constraints: Vec<NamedDefinition>,
    /// Its single-column indexes that belong to no constraint.
    pub indexes: Vec<IndexDefinition>,
    /// The history column it had (`c<attnum>_<type oid>`), which continues as its new one.
    pub history: Option<String>,
}

impl ColumnDefinition {
    /// A new column: a name, a type (`format_type`'s spelling) and NOT NULL or not.
    pub(crate) fn new(name: &str, type_name: &str, not_null: bool) -> ColumnDefinition {
        ColumnDefinition {
            name: name.to_string(),
            type_name: type_name.to_string(),
            collation: None,
            not_null,
            default: None,
            generated: None,
            constraints: Vec::new(),
            indexes: Vec::new(),
            history: None,
        }
    }
}

/// Where a step moves a column out of its table to, which decides what of the column goes
/// along with its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// A new table holding the rows that had values (extract, split): the column's DEFAULT,
    /// NOT NULL and CHECK constraints hold there as they did, over the same values.
    NewTable,
    /// An existing table (move): its rows that no row links to get NULL, so only the column's
    /// DEFAULT goes along.
    ExistingTable,
    /// Nowhere: the column is dropped (its values are kept for earlier models only).
    Nowhere,
}

impl ColumnDefinition {
    /// Its default, when it goes along to `to`: not one drawing from a sequence, which belongs
    /// to the column and goes with it.
    fn default_to(&self, to: Destination) -> Option<&str> {
        match to {
            Destination::Nowhere => None,
            _ => self.default.as_deref().filter(|default| !default.contains("nextval(")),
        }
    }

    /// Its CHECK constraints (over this column only), when they go along to `to`.
    fn checks_to(&self, to: Destination) -> impl Iterator<Item = &NamedDefinition> {
        self.constraints
            .iter()
            .filter(move |constraint| to == Destination::NewTable && constraint.definition.starts_with("CHECK"))
    }

    /// What the column loses, in the table `table`, going to `to`, for people: "default of
    /// orders.City", "check constraint q_pos on orders.Qty", "foreign key orders_x_fkey",
    /// "index orders_lower_idx on orders.City".
    pub fn lost(&self, table: &str, to: Destination) -> Vec<String> {
        let column = format!("{table}.{}", self.name);
        let mut lost = Vec::new();
        if self.default.is_some() && self.default_to(to).is_none() {
            lost.push(format!("default of {column}"));
        }
        if self.not_null && to != Destination::NewTable {
            lost.push(format!("NOT NULL of {column}"));
        }
        let kept: Vec<&NamedDefinition> = self.checks_to(to).collect();
        for constraint in self.constraints.iter().filter(|constraint| !kept.contains(constraint)) {
            let name = &constraint.name;
            lost.push(match constraint.definition.split(' ').next() {
                Some("CHECK") => format!("check constraint {name} on {column}"),
                Some("UNIQUE") => format!("unique constraint {name} on {column}"),
                Some("FOREIGN") => format!("foreign key {name}"),
                Some("EXCLUDE") => format!("exclusion constraint {name} on {column}"),
                _ => format!("constraint {name} on {column}"),
            });
        }
        lost.extend(self.indexes.iter().map(|index| format!("index {} on {column}", index.name)));
        lost
    }
}

/// Gives the column `column` of `table` (where a step moved it to `to`, under the same name,
/// with its values) what goes along with it: its default, NOT NULL and CHECK constraints, as
/// [`Destination`] says.
pub(super) async fn carry(
    tx: &Transaction<'_>,
    table: &QualifiedName,
    column: &ColumnDefinition,
    to: Destination,
) -> Result<(), DdlError> {
    let name = ident(column.name.as_str())?;
    let mut changes = Vec::new();
    if let Some(default) = column.default_to(to) {
        changes.push(format!("ALTER COLUMN {name} SET DEFAULT {default}"));
    }
    if column.not_null && to == Destination::NewTable {
        changes.push(format!("ALTER COLUMN {name} SET NOT NULL"));
    }
    for check in column.checks_to(to) {
        changes.push(format!("ADD CONSTRAINT {} {}", ident(check.name.as_str())?, check.definition));
    }
    if !changes.is_empty() {
        run(tx, &format!("ALTER TABLE {table} {}", changes.join(", ")), "carrying the column's constraints over")
            .await?;
    }
    Ok(())
}

/// A constraint: its name and `pg_get_constraintdef`'s spelling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedDefinition {
    /// Its name.
    pub name: String,
    /// Its definition.
    pub definition: String,
}

/// An index: its name, whether it is unique, and its definition from `USING` on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexDefinition {
    /// Its name.
    pub name: String,
    /// Whether it is unique.
    pub unique: bool,
    /// `USING btree (column) ...` as `pg_get_indexdef` spells it.
    pub using: String,
}

pub(super) async fn add(
    tx: &Transaction<'_>,
    relid: u32,
    column: &ColumnDefinition,
    kept: Option<&str>,
) -> Result<Done, DdlError> {
    let table = relation_name(tx, relid).await?;
    let name = add_column(tx, relid, &table, column, true).await?;
    if let Some(kept) = kept {
        fill(tx, relid, &table, &name, kept).await?;
    }
    finish_column(tx, &table, column, false).await?;
    Ok(Done { inverse: Step::DropColumn { relid, name: column.name.clone() }, tables: vec![relid] })
}

/// Adds `column` to `table` (the table `relid`) with its type and collation, and its default or
/// generation expression when `default`, and continues its history; returns its name.
pub(super) async fn add_column(
    tx: &Transaction<'_>,
    relid: u32,
    table: &QualifiedName,
    column: &ColumnDefinition,
    default: bool,
) -> Result<Ident, DdlError> {
    let name = ident(column.name.as_str())?;
    let mut sql = format!("ALTER TABLE {table} ADD COLUMN {name} {}", column.type_name);
    if let Some(collation) = &column.collation {
        sql.push_str(&format!(" COLLATE {collation}"));
    }
    match (&column.generated, &column.default) {
        (Some(generated), _) => sql.push_str(&format!(" GENERATED ALWAYS AS ({generated}) STORED")),
        (None, Some(expression)) if default => sql.push_str(&format!(" DEFAULT {expression}")),
        _ => {}
    }
    run(tx, &sql, "adding the column").await?;
    if let Some(history) = &column.history {
        continue_history(tx, relid, &column.name, history).await?;
    }
    Ok(name)
}

/// Gives a column added (and filled) what else it had: its default when `default` (it was
/// added without, so its rows were not filled with it), NOT NULL, constraints and indexes.
pub(super) async fn finish_column(
    tx: &Transaction<'_>,
    table: &QualifiedName,
    column: &ColumnDefinition,
    default: bool,
) -> Result<(), DdlError> {
    let name = ident(column.name.as_str())?;
    if let (true, None, Some(expression)) = (default, &column.generated, &column.default) {
        let sql = format!("ALTER TABLE {table} ALTER COLUMN {name} SET DEFAULT {expression}");
        run(tx, &sql, "giving the column its default").await?;
    }
    if column.not_null {
        run(tx, &format!("ALTER TABLE {table} ALTER COLUMN {name} SET NOT NULL"), "making the column NOT NULL").await?;
    }
    for constraint in &column.constraints {
        let sql = format!(
            "ALTER TABLE {table} ADD CONSTRAINT {} {}",
            ident(constraint.name.as_str())?,
            constraint.definition
        );
        run(tx, &sql, "adding the column's constraint").await?;
    }
    for index in &column.indexes {
        let unique = if index.unique { "UNIQUE " } else { "" };
        let sql = format!("CREATE {unique}INDEX {} ON {table} {}", ident(index.name.as_str())?, index.using);
        run(tx, &sql, "indexing the column").await?;
    }
    Ok(())
}

/// Adds `columns` back to `table` (the table `relid`) as they were, filled from the table
/// `from` (`p`) joined to `table` (`t`) by the condition `on`: `names[i]` of `from` fills
/// `columns[i]`, and rows `from` has nothing for stay NULL. The values are put back with the
/// audit trail off: they are restored, not changed.
pub(super) async fn put_back(
    tx: &Transaction<'_>,
    relid: u32,
    table: &QualifiedName,
    columns: &[ColumnDefinition],
    from: &QualifiedName,
    names: &[String],
    on: &str,
) -> Result<(), DdlError> {
    let mut sets = Vec::with_capacity(columns.len());
    for (column, name) in columns.iter().zip(names) {
        let added = add_column(tx, relid, table, column, false).await?;
        sets.push(format!("{added} = p.{}", ident(name.as_str())?));
    }
    let sql = format!("UPDATE {table} t SET {} FROM {from} p WHERE {on}", sets.join(", "));
    unaudited(tx, &sql, "putting the columns' values back").await?;
    for column in columns {
        finish_column(tx, table, column, true).await?;
    }
    Ok(())
}

/// Drops the columns `names` of `table` in one statement.
pub(super) async fn drop_columns(
    tx: &Transaction<'_>,
    table: &QualifiedName,
    names: &[String],
) -> Result<(), DdlError> {
    let drops = names
        .iter()
        .map(|name| Ok(format!("DROP COLUMN {}", ident(name.as_str())?)))
        .collect::<Result<Vec<_>, Error>>()?;
    run(tx, &format!("ALTER TABLE {table} {}", drops.join(", ")), "dropping the columns").await?;
    Ok(())
}

pub(super) async fn drop(tx: &Transaction<'_>, relid: u32, name: &str, at: Position) -> Result<Done, DdlError> {
    let table = relation_name(tx, relid).await?;
    let column = describe(tx, relid, name).await?;
    let ident = ident(name)?;
    let kept = match column.generated {
        Some(_) => None,
        None => keep(tx, relid, &table, &ident, at).await?,
    };
    run(tx, &format!("ALTER TABLE {table} DROP COLUMN {ident}"), "dropping the column").await?;
    Ok(Done { inverse: Step::AddColumn { relid, column, kept }, tables: vec![relid] })
}

pub(super) async fn rename(tx: &Transaction<'_>, relid: u32, from: &str, to: &str) -> Result<Done, DdlError> {
    let table = relation_name(tx, relid).await?;
    let sql = format!("ALTER TABLE {table} RENAME COLUMN {} TO {}", ident(from)?, ident(to)?);
    run(tx, &sql, "renaming the column").await?;
    Ok(Done { inverse: Step::RenameColumn { relid, from: to.to_string(), to: from.to_string() }, tables: vec![relid] })
}

/// A column's type to convert to.
pub(super) struct NewType<'a> {
    /// `format_type`'s spelling.
    pub(super) type_name: &'a str,
    /// Its collation, when not the type's.
    pub(super) collation: Option<&'a str>,
    /// The function of schema `strata` that converts a value, when not a cast.
    pub(super) using: Option<&'a str>,
}

/// Converts the column with `USING column::type` (or `USING CAST(strata.using(column) AS
/// type)`); with `kept` (a retype undone), a value that does not convert back becomes NULL first,
/// and every value is then restored exactly.
pub(super) async fn retype(
    tx: &Transaction<'_>,
    relid: u32,
    column: &str,
    to: NewType<'_>,
    kept: Option<&str>,
    at: Position,
) -> Result<Done, DdlError> {
    let table = relation_name(tx, relid).await?;
    let name = ident(column)?;
    let path = qualify_names(tx).await?;
    let row = tx
        .query_opt(
            "SELECT format_type(a.atttypid, a.atttypmod), a.attnotnull, \
                    CASE WHEN a.attcollation <> t.typcollation THEN format('%I.%I', cn.nspname, co.collname) END \
             FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
             LEFT JOIN pg_collation co ON co.oid = a.attcollation \
             LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace \
             WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped",
            &[&relid, &column],
        )
        .await
        .map_err(Error::postgres("reading the column's type"))?;
    restore_search_path(tx, &path).await?;
    let Some(row) = row else {
        return Err(no_column(&table, column));
    };
    let (old_type, not_null, old_collation): (String, bool, Option<String>) = (row.get(0), row.get(1), row.get(2));
    let keeping = keep(tx, relid, &table, &name, at).await?;
    let type_name = match to.collation {
        Some(collation) => format!("{} COLLATE {collation}", to.type_name),
        None => to.type_name.to_string(),
    };
    let value = match to.using {
        Some(function) => format!("CAST({}({name}) AS {})", strata_name(function)?, to.type_name),
        None => format!("{name}::{}", to.type_name),
    };
    let convert = format!("ALTER TABLE {table} ALTER COLUMN {name} TYPE {type_name} USING {value}");
    match kept {
        None => run(tx, &convert, "changing the column's type").await?,
        Some(kept) => {
            let savepoint = Savepoint::begin(tx, "strata_retype_back").await?;
            let emptied = match tx.batch_execute(&convert).await {
                Ok(()) => {
                    savepoint.release().await?;
                    false
                }
                Err(_) => {
                    savepoint.rollback().await?;
                    let nullable = match not_null {
                        true => format!("ALTER TABLE {table} ALTER COLUMN {name} DROP NOT NULL; "),
                        false => String::new(),
                    };
                    let sql = format!("{nullable}ALTER TABLE {table} ALTER COLUMN {name} TYPE {type_name} USING NULL");
                    run(tx, &sql, "changing the column's type back").await?;
                    not_null
                }
            };
            fill(tx, relid, &table, &name, kept).await?;
            if emptied {
                let sql = format!("ALTER TABLE {table} ALTER COLUMN {name} SET NOT NULL");
                run(tx, &sql, "making the column NOT NULL again").await?;
            }
        }
    }
    let inverse = Step::Retype {
        relid,
        column: column.to_string(),
        type_name: old_type,
        collation: old_collation,
        kept: keeping,
        using: None,
    };
    Ok(Done { inverse, tables: vec![relid] })
}

fn no_column(table: &QualifiedName, column: &str) -> DdlError {
    DdlError::Refused(format!("{table} has no column {column:?} any more, so the change cannot be undone"))
}

/// All the column `name` of the table `relid` has, to add it back as it was.
pub(super) async fn describe(tx: &Transaction<'_>, relid: u32, name: &str) -> Result<ColumnDefinition, DdlError> {
    let path = qualify_names(tx).await?;
    let column = tx
        .query_opt(
            "SELECT a.attnum, format_type(a.atttypid, a.atttypmod), a.attnotnull, \
                    CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END, \
                    CASE WHEN a.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END, \
                    CASE WHEN a.attcollation <> t.typcollation THEN format('%I.%I', cn.nspname, co.collname) END, \
                    strata.history_column(a.attnum, a.atttypid) \
             FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             LEFT JOIN pg_collation co ON co.oid = a.attcollation \
             LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace \
             WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped",
            &[&relid, &name],
        )
        .await
        .map_err(Error::postgres("reading the column's definition"))?;
    let Some(column) = column else {
        restore_search_path(tx, &path).await?;
        return Err(no_column(&relation_name(tx, relid).await?, name));
    };
    let attnum: i16 = column.get(0);
    let constraints = tx
        .query(
            "SELECT conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE conrelid = $1 AND conkey = ARRAY[$2::int2] AND contype IN ('c', 'u', 'f', 'x') ORDER BY oid",
            &[&relid, &attnum],
        )
        .await
        .map_err(Error::postgres("reading the column's constraints"))?;
    // Indexes of no constraint whose only column (in keys, expressions or predicate) is this one.
    let indexes = tx
        .query(
            "SELECT ic.relname::text, i.indisunique, substr(d.def, length(d.prefix) + 1) \
             FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid \
             JOIN pg_namespace n ON n.oid = tc.relnamespace \
             CROSS JOIN LATERAL (SELECT pg_get_indexdef(i.indexrelid) AS def, \
                 format('CREATE %sINDEX %I ON %I.%I ', CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END, \
                        ic.relname, n.nspname, tc.relname) AS prefix) d \
             WHERE i.indrelid = $1 AND starts_with(d.def, d.prefix) \
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = $1 AND c.conindid = i.indexrelid) \
               AND EXISTS (SELECT 1 FROM pg_depend p WHERE p.classid = 'pg_class'::regclass \
                           AND p.objid = i.indexrelid AND p.refobjid = $1 AND p.refobjsubid = $2) \
               AND NOT EXISTS (SELECT 1 FROM pg_depend p WHERE p.classid = 'pg_class'::regclass \
                               AND p.objid = i.indexrelid AND p.refobjid = $1 AND p.refobjsubid NOT IN (0, $2)) \
             ORDER BY i.indexrelid",
            &[&relid, &i32::from(attnum)],
        )
        .await
        .map_err(Error::postgres("reading the column's indexes"))?;
    restore_search_path(tx, &path).await?;
    Ok(ColumnDefinition {
        name: name.to_string(),
        type_name: column.get(1),
        not_null: column.get(2),
        default: column.get(3),
        generated: column.get(4),
        collation: column.get(5),
        history: Some(column.get(6)),
        constraints: constraints
            .iter()
            .map(|row| NamedDefinition { name: row.get(0), definition: row.get(1) })
            .collect(),
        indexes: indexes
            .iter()
            .map(|row| IndexDefinition { name: row.get(0), unique: row.get(1), using: row.get(2) })
            .collect(),
    })
}

/// The definitions of the columns `names` of the table `relid`.
pub(crate) async fn describe_all(
    tx: &Transaction<'_>,
    relid: u32,
    names: &[String],
) -> Result<Vec<ColumnDefinition>, DdlError> {
    let mut columns = Vec::with_capacity(names.len());
    for name in names {
        columns.push(describe(tx, relid, name).await?);
    }
    Ok(columns)
}

/// The single key column of `table` (the table `relid`), which a change that finds rows by key
/// needs.
pub(super) async fn required_key(tx: &Transaction<'_>, relid: u32, table: &QualifiedName) -> Result<Ident, DdlError> {
    key_column(tx, relid).await?.ok_or_else(|| {
        DdlError::Refused(format!("{table} has no single-column primary key, and this change finds its rows by key"))
    })
}

/// The table's single key column, if it has one.
pub(super) async fn key_column(tx: &Transaction<'_>, relid: u32) -> Result<Option<Ident>, Error> {
    let row = tx
        .query_opt(
            "SELECT a.attname::text FROM pg_index i \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] \
             WHERE i.indrelid = $1 AND i.indisprimary AND i.indnkeyatts = 1",
            &[&relid],
        )
        .await
        .map_err(Error::postgres("reading the table's key"))?;
    row.map(|row| ident(row.get::<_, String>(0))).transpose()
}

/// Keeps `(key, value)` of every row's `column` in `strata."kept_<action>_<seq>"`; its name, or
/// `None` for a table without a single-column key.
async fn keep(
    tx: &Transaction<'_>,
    relid: u32,
    table: &QualifiedName,
    column: &Ident,
    at: Position,
) -> Result<Option<String>, Error> {
    let Some(key) = key_column(tx, relid).await? else {
        return Ok(None);
    };
    let kept = at.kept();
    let sql =
        format!("CREATE TABLE {} AS SELECT {key} AS key, {column} AS value FROM {table}", strata_name(kept.as_str())?);
    run(tx, &sql, "keeping the column's values").await?;
    Ok(Some(kept))
}

/// Puts the kept values back into `column` (by key, the audit trail off), then drops the kept table.
async fn fill(
    tx: &Transaction<'_>,
    relid: u32,
    table: &QualifiedName,
    column: &Ident,
    kept: &str,
) -> Result<(), Error> {
    let kept = strata_name(kept)?;
    let restore = match key_column(tx, relid).await? {
        Some(key) => format!("UPDATE {table} t SET {column} = k.value FROM {kept} k WHERE t.{key} = k.key; "),
        None => String::new(),
    };
    unaudited(tx, &format!("{restore}DROP TABLE {kept}"), "restoring the column's values").await
}

/// Renames the history column the column had (`history`) after its new attnum, so its history
/// continues; nothing if the table is not audited or never had that history column.
async fn continue_history(tx: &Transaction<'_>, relid: u32, column: &str, history: &str) -> Result<(), Error> {
    let row = tx
        .query_opt(
            "SELECT a.history, strata.history_column(c.attnum, c.atttypid) \
             FROM strata.audited a JOIN pg_attribute c ON c.attrelid = a.relid AND c.attname = $2 \
             WHERE a.relid = $1 AND EXISTS (SELECT 1 FROM pg_attribute h \
                 WHERE h.attrelid = to_regclass(format('strata.%I', a.history)) AND h.attname = $3 AND NOT h.attisdropped)",
            &[&relid, &column, &history],
        )
        .await
        .map_err(Error::postgres("looking up the column's history"))?;
    let Some(row) = row else {
        return Ok(());
    };
    let (table, new): (String, String) = (row.get(0), row.get(1));
    let sql = format!("ALTER TABLE {} RENAME COLUMN {} TO {}", strata_name(table)?, ident(history)?, ident(new)?);
    run(tx, &sql, "continuing the column's history").await
}
