//! Split by columns: columns of a table go to a new table with the same key, one row per row
//! that has a value in them.
//!
//! ```text
//! split people (photo, cv) into people_files:
//!
//! people (id, name, photo, cv)        people (id, name)    people_files (id → people, photo, cv)
//!   1  Ana  p1.png  NULL        →       1  Ana               1  p1.png  NULL
//!   2  Ben  NULL    NULL                2  Ben
//! ```

use tokio_postgres::Transaction;

use super::extract::nonnull;
use super::{ModelError, Op, Resolved, Target, rows};
use crate::Error;
use crate::audit::steps::{Destination, Step};

/// Split `columns` off `table` into the new table `into`, keyed as `table` and referencing it,
/// one row per row with a value in them; the columns keep their defaults, NOT NULL and CHECK
/// constraints there.
pub(super) async fn split(
    tx: &Transaction<'_>,
    target: &Target,
    table: &str,
    columns: &[String],
    into: &str,
) -> Result<Resolved, ModelError> {
    let source = target.table(tx, table).await?;
    let mut conflicts = Vec::new();
    source.needs_key(&mut conflicts);
    let (names, positions) = source.pick(columns, &mut conflicts);
    target.new_table(tx, into, &mut conflicts).await?;
    conflicts.extend(source.entangled(tx, &names).await?);
    let count = match names.is_empty() {
        true => 0,
        false => {
            let sql = format!("SELECT count(*) FROM {} WHERE {}", source.name, nonnull("", &names));
            tx.query_one(&sql, &[]).await.map_err(Error::postgres("counting the rows split off"))?.get(0)
        }
    };
    let creates = vec![format!("table {}.{into} ({})", target.name, rows(count))];
    let mut removes: Vec<String> = names.iter().map(|name| format!("column {table}.{name}")).collect();
    removes.extend(source.lost(tx, &names, Destination::NewTable).await?);
    let steps = vec![Step::SplitColumns {
        relid: source.relid,
        columns: names.clone(),
        schema: target.name.clone(),
        into: into.to_string(),
        names: names.clone(),
        part: None,
        carry: true,
    }];
    let op = Op::SplitColumns { table: table.to_string(), columns: names, positions, into: into.to_string() };
    Ok(Resolved { op, creates, removes, rows: count, conflicts, steps })
}
