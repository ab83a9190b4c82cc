//! Renaming a table: earlier models keep the old name.

use tokio_postgres::Transaction;

use super::{ModelError, Op, Resolved, Target};
use crate::audit::steps::Step;

/// Rename `table` to `to`; earlier models keep the old name.
pub(super) async fn rename(
    tx: &Transaction<'_>,
    target: &Target,
    table: &str,
    to: &str,
) -> Result<Resolved, ModelError> {
    let source = target.table(tx, table).await?;
    let mut conflicts = Vec::new();
    target.new_table(tx, to, &mut conflicts).await?;
    let schema = target.name.as_str();
    let steps = vec![Step::RenameTable { relid: source.relid, name: to.to_string() }];
    Ok(Resolved {
        op: Op::RenameTable { table: table.to_string(), to: to.to_string() },
        creates: vec![format!("table {schema}.{to}")],
        removes: vec![format!("table {schema}.{table}")],
        rows: 0,
        conflicts,
        steps,
    })
}
