//! Table steps: the trash (a deleted table kept whole in schema `strata`), renames, and the views
//! a deleted table takes with it.
//!
//! A trashed table keeps its oid, so its history, its `strata.audited` row and its triggers stay
//! as they are. It must not constrain the live tables any more, so the foreign keys between it and
//! other tables are dropped (and kept, to add back). Its indexes and sequences move into schema
//! `strata` with it, where names of other trashed tables' ones would clash, so they are renamed
//! `deleted_<oid>` too and get their names back with the table.

use serde::{Deserialize, Serialize};
use strata_sql::QualifiedName;
use tokio_postgres::Transaction;

use super::{Done, Step, ident, qualify_names, relation_name, restore_search_path, run, strata_name};
use crate::Error;
use crate::ddl::DdlError;

/// An index or sequence of a trashed table, and the name it had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renamed {
    /// The index or sequence.
    pub relid: u32,
    /// Its name before the trash.
    pub name: String,
}

/// A foreign key, kept to be added again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// The table it is on.
    pub relid: u32,
    /// The constraint's name.
    pub name: String,
    /// `pg_get_constraintdef`'s spelling, names schema-qualified.
    pub definition: String,
}

/// The name a table, index or sequence `relid` has in the trash.
fn trash_name(relid: u32) -> String {
    format!("deleted_{relid}")
}

/// A table in the trash and what it takes to bring it back as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trashed {
    /// The table.
    pub relid: u32,
    /// Its indexes and sequences, and the names they get back.
    pub renamed: Vec<Renamed>,
    /// The foreign keys to add again.
    pub foreign_keys: Vec<ForeignKey>,
}

impl Trashed {
    /// The tables the trash changed: the table and those its foreign keys joined it to.
    pub(super) fn tables(&self) -> Vec<u32> {
        let mut tables = vec![self.relid];
        tables.extend(self.foreign_keys.iter().map(|key| key.relid).filter(|other| *other != self.relid));
        tables
    }
}

pub(super) async fn trash(tx: &Transaction<'_>, relid: u32) -> Result<Done, DdlError> {
    let (table, trashed) = put_in_trash(tx, relid).await?;
    let tables = trashed.tables();
    let inverse = Step::UntrashTable {
        relid,
        schema: table.schema.as_str().to_string(),
        name: table.name.as_str().to_string(),
        renamed: trashed.renamed,
        foreign_keys: trashed.foreign_keys,
    };
    Ok(Done { inverse, tables })
}

/// Moves the table `relid` to the trash; returns the name it had and what brings it back.
pub(super) async fn put_in_trash(tx: &Transaction<'_>, relid: u32) -> Result<(QualifiedName, Trashed), DdlError> {
    let table = relation_name(tx, relid).await?;
    let foreign_keys = foreign_keys(tx, relid).await?;
    for key in &foreign_keys {
        let on = relation_name(tx, key.relid).await?;
        let sql = format!("ALTER TABLE {on} DROP CONSTRAINT {}", ident(key.name.as_str())?);
        run(tx, &sql, "dropping a foreign key of the deleted table").await?;
    }
    let renamed = companions(tx, relid).await?;
    for companion in &renamed {
        rename_relation(tx, companion.relid, &trash_name(companion.relid)).await?;
    }
    let trashed = ident(trash_name(relid))?;
    let sql = format!(
        "ALTER TABLE {table} RENAME TO {trashed}; ALTER TABLE {}.{trashed} SET SCHEMA {}",
        table.schema,
        ident("strata")?
    );
    run(tx, &sql, "moving the table to the trash").await?;
    Ok((table, Trashed { relid, renamed, foreign_keys }))
}

pub(super) async fn untrash(
    tx: &Transaction<'_>,
    relid: u32,
    schema: &str,
    name: &str,
    renamed: &[Renamed],
    foreign_keys: &[ForeignKey],
) -> Result<Done, DdlError> {
    let trashed = Trashed { relid, renamed: renamed.to_vec(), foreign_keys: foreign_keys.to_vec() };
    take_from_trash(tx, &trashed, schema, name).await?;
    let inverse = Step::TrashTable { relid, schema: schema.to_string(), name: name.to_string() };
    Ok(Done { inverse, tables: trashed.tables() })
}

/// Brings `trashed` back from the trash as `schema.name`, with its indexes' and sequences' names
/// and the foreign keys the trash dropped.
pub(super) async fn take_from_trash(
    tx: &Transaction<'_>,
    trashed: &Trashed,
    schema: &str,
    name: &str,
) -> Result<(), DdlError> {
    let Trashed { relid, renamed, foreign_keys } = trashed;
    let current = relation_name(tx, *relid).await?;
    if current != strata_name(trash_name(*relid))? {
        return Err(DdlError::Refused(format!(
            "the deleted table {schema:?}.{name:?} is not in the trash any more (it is {current}), so it cannot \
             be brought back"
        )));
    }
    let found = tx
        .query_one("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", &[&schema])
        .await
        .map_err(Error::postgres("looking for the schema"))?;
    if !found.get::<_, bool>(0) {
        return Err(DdlError::Refused(format!(
            "the schema {schema:?} of the deleted table {name:?} no longer exists; create it (or undo its deletion) \
             first"
        )));
    }
    for wanted in std::iter::once(name).chain(renamed.iter().map(|r| r.name.as_str())) {
        if name_taken(tx, schema, wanted).await? {
            return Err(DdlError::Refused(format!(
                "the deleted table {schema:?}.{name:?} cannot come back: the name {wanted:?} is taken in {schema:?} \
                 now; rename or delete that table first"
            )));
        }
    }
    let (home, name_ident) = (ident(schema)?, ident(name)?);
    let sql =
        format!("ALTER TABLE {current} SET SCHEMA {home}; ALTER TABLE {home}.{} RENAME TO {name_ident}", current.name);
    run(tx, &sql, "bringing the table back from the trash").await?;
    for companion in renamed {
        rename_relation(tx, companion.relid, &companion.name).await?;
    }
    for key in foreign_keys {
        let on = relation_name(tx, key.relid).await?;
        let sql = format!("ALTER TABLE {on} ADD CONSTRAINT {} {}", ident(key.name.as_str())?, key.definition);
        run(tx, &sql, "adding back a foreign key of the deleted table").await?;
    }
    Ok(())
}

pub(super) async fn rename(tx: &Transaction<'_>, relid: u32, name: &str) -> Result<Done, DdlError> {
    let table = relation_name(tx, relid).await?;
    run(tx, &format!("ALTER TABLE {table} RENAME TO {}", ident(name)?), "renaming the table").await?;
    let inverse = Step::RenameTable { relid, name: table.name.as_str().to_string() };
    Ok(Done { inverse, tables: vec![relid] })
}

pub(super) async fn drop_view(tx: &Transaction<'_>, relid: u32) -> Result<Done, DdlError> {
    let view = relation_name(tx, relid).await?;
    let path = qualify_names(tx).await?;
    let definition = tx
        .query_one("SELECT pg_get_viewdef($1::oid, true)", &[&relid])
        .await
        .map_err(Error::postgres("reading the view's definition"))?
        .get(0);
    restore_search_path(tx, &path).await?;
    run(tx, &format!("DROP VIEW {view} RESTRICT"), "dropping the view").await?;
    let inverse =
        Step::CreateView { schema: view.schema.as_str().to_string(), name: view.name.as_str().to_string(), definition };
    Ok(Done { inverse, tables: Vec::new() })
}

pub(super) async fn create_view(
    tx: &Transaction<'_>,
    schema: &str,
    name: &str,
    definition: &str,
) -> Result<Done, DdlError> {
    let view = QualifiedName::new(ident(schema)?, ident(name)?);
    run(tx, &format!("CREATE VIEW {view} AS {definition}"), "creating the view").await?;
    let relid = super::relid(tx, &view).await?;
    Ok(Done { inverse: Step::DropView { relid }, tables: Vec::new() })
}

/// The views that read the table `relid`, newest first (so a view over another goes first).
pub(crate) async fn dependent_views(tx: &Transaction<'_>, relid: u32) -> Result<Vec<(u32, String)>, Error> {
    let rows = tx
        .query(
            "SELECT DISTINCT r.ev_class, r.ev_class::regclass::text FROM pg_depend d \
             JOIN pg_rewrite r ON r.oid = d.objid \
             WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass \
               AND d.refobjid = $1 AND r.ev_class <> $1 \
             ORDER BY 1 DESC",
            &[&relid],
        )
        .await
        .map_err(Error::postgres("looking for views over the table"))?;
    Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
}

/// The foreign keys between the table `relid` and other tables, either way.
async fn foreign_keys(tx: &Transaction<'_>, relid: u32) -> Result<Vec<ForeignKey>, Error> {
    let path = qualify_names(tx).await?;
    let rows = tx
        .query(
            "SELECT conrelid, conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE contype = 'f' AND (conrelid = $1 OR confrelid = $1) AND conrelid <> confrelid ORDER BY oid",
            &[&relid],
        )
        .await
        .map_err(Error::postgres("reading the table's foreign keys"))?;
    restore_search_path(tx, &path).await?;
    Ok(rows.iter().map(|row| ForeignKey { relid: row.get(0), name: row.get(1), definition: row.get(2) }).collect())
}

/// The indexes and owned sequences of the table `relid`: they move with it.
async fn companions(tx: &Transaction<'_>, relid: u32) -> Result<Vec<Renamed>, Error> {
    let rows = tx
        .query(
            "SELECT c.oid, c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
             WHERE i.indrelid = $1 \
             UNION ALL \
             SELECT c.oid, c.relname::text FROM pg_depend d JOIN pg_class c ON c.oid = d.objid \
             WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = $1 \
               AND c.relkind = 'S' AND d.deptype IN ('a', 'i') \
             ORDER BY 1",
            &[&relid],
        )
        .await
        .map_err(Error::postgres("reading the table's indexes and sequences"))?;
    Ok(rows.iter().map(|row| Renamed { relid: row.get(0), name: row.get(1) }).collect())
}

/// Renames the index or sequence `relid`.
async fn rename_relation(tx: &Transaction<'_>, relid: u32, name: &str) -> Result<(), DdlError> {
    let relation = relation_name(tx, relid).await?;
    let kind: String = tx
        .query_one("SELECT relkind::text FROM pg_class WHERE oid = $1", &[&relid])
        .await
        .map_err(Error::postgres("looking up an index"))?
        .get(0);
    let noun = if kind == "S" { "SEQUENCE" } else { "INDEX" };
    let sql = format!("ALTER {noun} {relation} RENAME TO {}", ident(name)?);
    Ok(run(tx, &sql, "renaming the table's index or sequence").await?)
}

async fn name_taken(tx: &Transaction<'_>, schema: &str, name: &str) -> Result<bool, Error> {
    let row = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                            WHERE n.nspname = $1 AND c.relname = $2)",
            &[&schema, &name],
        )
        .await
        .map_err(Error::postgres("looking for a name"))?;
    Ok(row.get(0))
}
