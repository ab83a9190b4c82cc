//! Schema steps: create, drop (empty: a deleted schema's tables go to the trash first, as steps of
//! their own) and rename.

use tokio_postgres::Transaction;

use super::{Done, Step, ident, run};
use crate::Error;
use crate::ddl::DdlError;

pub(super) async fn create(tx: &Transaction<'_>, name: &str) -> Result<Done, DdlError> {
    run(tx, &format!("CREATE SCHEMA {}", ident(name)?), "creating the schema").await?;
    Ok(Done { inverse: Step::DropSchema { name: name.to_string() }, tables: Vec::new() })
}

pub(super) async fn drop(tx: &Transaction<'_>, name: &str) -> Result<Done, DdlError> {
    run(tx, &format!("DROP SCHEMA {} RESTRICT", ident(name)?), "dropping the schema").await?;
    Ok(Done { inverse: Step::CreateSchema { name: name.to_string() }, tables: Vec::new() })
}

/// Renames the schema; every table in it changed its name, so each is a table the step touched.
pub(super) async fn rename(tx: &Transaction<'_>, from: &str, to: &str) -> Result<Done, DdlError> {
    run(tx, &format!("ALTER SCHEMA {} RENAME TO {}", ident(from)?, ident(to)?), "renaming the schema").await?;
    let rows = tx
        .query(
            "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY 1",
            &[&to],
        )
        .await
        .map_err(Error::postgres("listing the schema's tables"))?;
    let tables = rows.iter().map(|row| row.get(0)).collect();
    Ok(Done { inverse: Step::RenameSchema { from: to.to_string(), to: from.to_string() }, tables })
}
