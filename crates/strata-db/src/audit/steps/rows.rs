//! Split by rows and its inverse, join: the rows of a table for which a condition holds moved
//! into a new table with the same columns and keys; and back.
//!
//! ```text
//! split orders where amount >= 100 into big_orders:
//!
//! orders (id, item, amount)     orders (id, item, amount)    big_orders (id, item, amount)
//!   1  pen     5          →       1  pen     5                 2  desk  300
//!   2  desk  300                  3  ink    12
//!   3  ink    12
//! ```
//!
//! The condition is a function in schema `strata` (a [`super::Step::CreateFunction`] made
//! before), called with the row's columns. The new table draws its keys from the table's key's
//! sequence, so a key is never in both. Rows move unaudited: a row moved is the same row. Join
//! moves every row back with its key and puts the new table in the trash, so splitting again (a
//! redo) brings the same table back, with its oid and history.

use strata_sql::{Ident, QualifiedName};
use tokio_postgres::Transaction;

use super::column::required_key;
use super::extract::{idents, listed};
use super::table::{Trashed, put_in_trash, take_from_trash};
use super::{Done, Step, ident, relation_name, run, strata_name, unaudited};
use crate::ddl::DdlError;
use crate::{Error, audit};

/// What a split by rows is asked to do.
pub(super) struct Split<'a> {
    /// The table.
    pub(super) relid: u32,
    /// The new table's name, in the table's schema.
    pub(super) into: &'a str,
    /// The condition's function in schema `strata`.
    pub(super) function: &'a str,
    /// The columns passed to it, in order.
    pub(super) arguments: &'a [String],
    /// The new table in the trash (a redo).
    pub(super) part: Option<&'a Trashed>,
}

/// Moves the rows of the table for which the condition holds into the new table `into` of its
/// schema (made like the table, or brought back from the trash); returns [`Step::JoinRows`] as
/// the inverse.
pub(super) async fn split(tx: &Transaction<'_>, asked: Split<'_>) -> Result<Done, DdlError> {
    let Split { relid, into, function, arguments, part } = asked;
    let table = relation_name(tx, relid).await?;
    let key = required_key(tx, relid, &table).await?;
    let target = QualifiedName::new(table.schema.clone(), ident(into)?);
    let part_relid = match part {
        Some(trashed) => {
            take_from_trash(tx, trashed, table.schema.as_str(), into).await?;
            trashed.relid
        }
        None => create_part(tx, relid, &table, &key, &target).await?,
    };
    let arguments_listed = listed("t.", &idents(arguments)?);
    let condition = format!("{}({arguments_listed}) IS TRUE", strata_name(function)?);
    move_rows(tx, relid, &table, &target, &condition).await?;
    let inverse =
        Step::JoinRows { relid, part: part_relid, function: function.to_string(), arguments: arguments.to_vec() };
    Ok(Done { inverse, tables: vec![relid, part_relid] })
}

/// Moves every row of the table `part` back into the table `relid`, with its key, and puts
/// `part` in the trash; returns [`Step::SplitRows`] bringing it back as the inverse.
pub(super) async fn join(
    tx: &Transaction<'_>,
    relid: u32,
    part: u32,
    function: &str,
    arguments: &[String],
) -> Result<Done, DdlError> {
    let table = relation_name(tx, relid).await?;
    let from = relation_name(tx, part).await?;
    move_rows(tx, relid, &from, &table, "true").await?;
    let (_, trashed) = put_in_trash(tx, part).await?;
    let mut tables = vec![relid];
    tables.extend(trashed.tables());
    let inverse = Step::SplitRows {
        relid,
        into: from.name.as_str().to_string(),
        function: function.to_string(),
        arguments: arguments.to_vec(),
        part: Some(trashed),
    };
    Ok(Done { inverse, tables })
}

/// Creates `target` like `table`: its columns with their types, collations, defaults, NOT NULL,
/// CHECK constraints and foreign keys, keyed by `key`, whose default draws from the sequence `table`'s key
/// draws from; audited from then on. Returns its oid.
async fn create_part(
    tx: &Transaction<'_>,
    relid: u32,
    table: &QualifiedName,
    key: &Ident,
    target: &QualifiedName,
) -> Result<u32, DdlError> {
    // An identity key is not copied as one (it would get a sequence of its own): its sequence
    // becomes the new key's default, as a serial key's is.
    let sequence: Option<u32> = tx
        .query_one(
            "SELECT pg_get_serial_sequence($1::oid::regclass::text, $2)::regclass::oid",
            &[&relid, &key.as_str()],
        )
        .await
        .map_err(Error::postgres("reading the key's sequence"))?
        .get(0);
    let mut sql = format!(
        "CREATE TABLE {target} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED \
         INCLUDING STORAGE INCLUDING COMPRESSION); \
         ALTER TABLE {target} ADD PRIMARY KEY ({key});"
    );
    if let Some(sequence) = sequence {
        // An oid, not a name: nothing the user wrote.
        sql.push_str(&format!(" ALTER TABLE {target} ALTER COLUMN {key} SET DEFAULT nextval('{sequence}'::regclass);"));
    }
    // The table's own foreign keys go along, as PostgreSQL spells them.
    let keys = tx
        .query(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1 AND contype = 'f' ORDER BY oid",
            &[&relid],
        )
        .await
        .map_err(Error::postgres("reading the table's foreign keys"))?;
    for key in keys {
        sql.push_str(&format!(" ALTER TABLE {target} ADD {};", key.get::<_, String>(0)));
    }
    run(tx, &sql, "creating the table split off").await?;
    audit::track(tx, &target.to_string()).await?;
    Ok(super::relid(tx, target).await?)
}

/// Moves the rows of `from` for which `condition` (over `t`) holds into `to`, with the same
/// columns (but generated ones, which `to` computes) and keys, unaudited.
async fn move_rows(
    tx: &Transaction<'_>,
    relid: u32,
    from: &QualifiedName,
    to: &QualifiedName,
    condition: &str,
) -> Result<(), DdlError> {
    let rows = tx
        .query(
            "SELECT attname::text FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped \
             AND attgenerated = '' ORDER BY attnum",
            &[&relid],
        )
        .await
        .map_err(Error::postgres("reading the table's columns"))?;
    let columns = idents(&rows.iter().map(|row| row.get(0)).collect::<Vec<String>>())?;
    let list = listed("", &columns);
    let sql = format!(
        "WITH moved AS (DELETE FROM {from} t WHERE {condition} RETURNING {}) \
         INSERT INTO {to} ({list}) OVERRIDING SYSTEM VALUE SELECT {list} FROM moved",
        listed("t.", &columns)
    );
    Ok(unaudited(tx, &sql, "moving the rows").await?)
}
