//! Split by columns and its inverse, join: columns of a table moved into a new table with the
//! same key (one row per row that has a value in them); and back.
//!
//! ```text
//! people (id, name, photo, cv)       people (id, name)     people_files (id → people, photo, cv)
//!   1  Ana  p1.png  NULL        →      1  Ana                1  p1.png  NULL
//!   2  Ben  NULL    NULL               2  Ben
//! ```
//!
//! A column dropped from the newest model is split off the same way into
//! `strata."kept_model_<relid>_<attnum>"` (`id`, `value`), so earlier models keep reading and
//! writing it. A merge copies the link it removes the same way ([`copy`]), the column staying
//! until the merge drops it. Join puts the columns back from the part (no copy is kept) and moves the part to
//! the trash, so splitting again (a redo) brings the same table back, with its oid and history.

use strata_import::names;
use strata_sql::{Ident, QualifiedName};
use tokio_postgres::Transaction;

use super::column::{ColumnDefinition, Destination, carry, describe_all, drop_columns, put_back, required_key};
use super::extract::{idents, listed, typed};
use super::table::{Trashed, put_in_trash, take_from_trash};
use super::{Done, Step, ident, relation_name, run};
use crate::ddl::DdlError;
use crate::{Error, audit};

/// What a split is asked to do.
pub(super) struct Split<'a> {
    pub(super) relid: u32,
    pub(super) columns: &'a [String],
    pub(super) schema: &'a str,
    pub(super) into: &'a str,
    pub(super) names: &'a [String],
    pub(super) part: Option<&'a Trashed>,
    pub(super) carry: bool,
}

/// Moves `columns` of the table `relid` into the new table `schema.into` (or brings that table
/// back from the trash, a redo), with their defaults, NOT NULL and CHECK constraints when
/// `carry`; returns [`Step::JoinColumns`] as the inverse.
pub(super) async fn split(tx: &Transaction<'_>, asked: Split<'_>) -> Result<Done, DdlError> {
    let Split { relid, columns, schema, into, names, part, carry: carried } = asked;
    let table = relation_name(tx, relid).await?;
    let key = required_key(tx, relid, &table).await?;
    let definitions = describe_all(tx, relid, columns).await?;
    let target = QualifiedName::new(ident(schema)?, ident(into)?);
    let part_relid = match part {
        Some(trashed) => {
            take_from_trash(tx, trashed, schema, into).await?;
            trashed.relid
        }
        None => {
            let part = create_part(tx, relid, &table, &key, &target, &definitions, names).await?;
            for column in definitions.iter().filter(|_| carried) {
                carry(tx, &target, column, Destination::NewTable).await?;
            }
            part
        }
    };
    drop_columns(tx, &table, columns).await?;
    let inverse = Step::JoinColumns { relid, part: part_relid, names: names.to_vec(), columns: definitions };
    Ok(Done { inverse, tables: vec![relid, part_relid] })
}

/// Copies `column` of the table `relid` into the new table `strata.into` (`id`, `value`), keyed
/// as the table and referencing it, one row per row with a value, indexed by value (the earlier
/// models look rows up by it); the column stays. Returns [`Step::TrashTable`] of the copy as the
/// inverse, whose own inverse brings it back (a redo).
pub(super) async fn copy(tx: &Transaction<'_>, relid: u32, column: &str, into: &str) -> Result<Done, DdlError> {
    let table = relation_name(tx, relid).await?;
    let key = required_key(tx, relid, &table).await?;
    let definitions = describe_all(tx, relid, &[column.to_string()]).await?;
    let target = QualifiedName::new(ident("strata")?, ident(into)?);
    let names = ["value".to_string()];
    let part = create_part(tx, relid, &table, &key, &target, &definitions, &names).await?;
    run(tx, &format!("CREATE INDEX ON {target} ({})", ident("value")?), "indexing the copied values").await?;
    let inverse = Step::TrashTable { relid: part, schema: "strata".to_string(), name: into.to_string() };
    Ok(Done { inverse, tables: vec![relid, part] })
}

/// Creates `target`, keyed as `table` and referencing it, with `columns` named `names`, holding
/// the rows of `table` that have a value in any of them; audited from then on. Returns its oid.
async fn create_part(
    tx: &Transaction<'_>,
    relid: u32,
    table: &QualifiedName,
    key: &Ident,
    target: &QualifiedName,
    columns: &[ColumnDefinition],
    names: &[String],
) -> Result<u32, DdlError> {
    let key_type: String = tx
        .query_one(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = $1 AND attname = $2",
            &[&relid, &key.as_str()],
        )
        .await
        .map_err(Error::postgres("reading the key's type"))?
        .get(0);
    let part_key = ident(names::id_column_name(names))?;
    let mut definitions =
        vec![format!("{part_key} {key_type} PRIMARY KEY REFERENCES {table} ({key}) ON DELETE CASCADE")];
    for (name, column) in names.iter().zip(columns) {
        definitions.push(typed(name, column)?);
    }
    let sources = listed("t.", &idents(&columns.iter().map(|column| column.name.clone()).collect::<Vec<_>>())?);
    let sql = format!(
        "CREATE TABLE {target} ({}); \
         INSERT INTO {target} ({part_key}, {}) SELECT t.{key}, {sources} FROM {table} t WHERE num_nonnulls({sources}) > 0",
        definitions.join(", "),
        listed("", &idents(names)?),
    );
    run(tx, &sql, "creating the table split off").await?;
    audit::track(tx, &target.to_string()).await?;
    Ok(super::relid(tx, target).await?)
}

/// Puts `columns` back into the table `relid` from the table `part` split off (where they are
/// called `names`), by key, as they were, and moves `part` to the trash; returns
/// [`Step::SplitColumns`] bringing it back as the inverse.
pub(super) async fn join(
    tx: &Transaction<'_>,
    relid: u32,
    part: u32,
    names: &[String],
    columns: &[ColumnDefinition],
) -> Result<Done, DdlError> {
    let table = relation_name(tx, relid).await?;
    let key = required_key(tx, relid, &table).await?;
    let from = relation_name(tx, part).await?;
    let part_key = required_key(tx, part, &from).await?;
    put_back(tx, relid, &table, columns, &from, names, &format!("p.{part_key} = t.{key}")).await?;
    let (_, trashed) = put_in_trash(tx, part).await?;
    let mut tables = vec![relid];
    tables.extend(trashed.tables());
    let inverse = Step::SplitColumns {
        relid,
        columns: columns.iter().map(|column| column.name.clone()).collect(),
        schema: from.schema.as_str().to_string(),
        into: from.name.as_str().to_string(),
        names: names.to_vec(),
        part: Some(trashed),
        carry: false,
    };
    Ok(Done { inverse, tables })
}
