//! Merge: a linked table folded back into the table that links to it (an extraction's inverse).

use tokio_postgres::Transaction;

use super::{Conflict, ModelError, Resolved, Target};

/// Merge the table `table`'s foreign key column `link` references back into `table`.
pub(super) async fn merge(
    _tx: &Transaction<'_>,
    _target: &Target,
    table: &str,
    link: &str,
) -> Result<Resolved, ModelError> {
    let _ = (table, link, Conflict::Refused { reason: String::new() });
    unimplemented!("H2")
}
