//! The model operators: a user's [`Change`] checked and previewed ([`preview`]) or made
//! ([`apply`]) as one step, recorded with its inverse.

use serde::{Deserialize, Serialize};
use tokio_postgres::Transaction;

use super::Op;
use crate::Error;
use crate::ddl::DdlError;

/// A step as a user asks for it (the CLI's and the API's input), before Strata resolves it into
/// an [`Op`] (positions, link names, old types).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    /// Extract `columns` of `table` into a new table `into`, one row per distinct `key` (all the
    /// columns when none).
    Extract {
        /// The table.
        table: String,
        /// The columns to extract.
        columns: Vec<String>,
        /// The new table's name.
        into: String,
        /// The columns that identify a row of the new table; all of `columns` when empty.
        #[serde(default)]
        key: Vec<String>,
    },
    /// Move `columns` of `table` along its foreign key column `link` to the table it references.
    Move {
        /// The table.
        table: String,
        /// The columns to move.
        columns: Vec<String>,
        /// The foreign key column to move them along.
        link: String,
    },
    /// Split `columns` off `table` into a new table `into` (one row per row, same key).
    SplitColumns {
        /// The table.
        table: String,
        /// The columns to split off.
        columns: Vec<String>,
        /// The new table's name.
        into: String,
    },
    /// Rename `table` to `to`.
    RenameTable {
        /// The table.
        table: String,
        /// Its new name.
        to: String,
    },
    /// Rename `column` of `table` to `to`.
    RenameColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its new name.
        to: String,
    },
    /// Convert `column` of `table` to the type `type_name`, by a cast or by `using` (an SQL
    /// expression over the column).
    Retype {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The new type, as the user typed it.
        type_name: String,
        /// An SQL expression computing the new value from the column's.
        #[serde(default)]
        using: Option<String>,
        /// Accept that earlier models read some values differently (converted back from the
        /// new type: `'007'` → `7` → `'7'`); without it such values refuse the step.
        #[serde(default)]
        lossy: bool,
    },
    /// Add `column` of type `type_name` to `table`.
    AddColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its type, as the user typed it.
        type_name: String,
    },
    /// Drop `column` of `table` (its values stay for earlier models).
    DropColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
}

/// What a step will do, before it is made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preview {
    /// The step as it will be recorded.
    pub op: Op,
    /// What it does, for people.
    pub summary: String,
    /// What it creates ("table public.customers (10,000 rows)", "column orders.customers_id",
    /// "schema public_v1 with the earlier model's views").
    pub creates: Vec<String>,
    /// What it removes from the newest model (kept for the earlier ones).
    pub removes: Vec<String>,
    /// How many rows it writes.
    pub rows: i64,
    /// Why it cannot be made as asked; empty when it can.
    pub conflicts: Vec<Conflict>,
}

/// A reason a step is refused, with the data that shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Conflict {
    /// Rows with the same key disagree on a column that would be extracted or moved: which
    /// value should the one row of the new table hold?
    Dependency {
        /// The key's values, by column.
        key: serde_json::Map<String, serde_json::Value>,
        /// The column they disagree on.
        column: String,
        /// Some of the values (up to 5), as text.
        values: Vec<Option<String>>,
        /// How many rows share the key.
        rows: i64,
    },
    /// Values the new type refuses (a retype), or that would read back differently through the
    /// earlier model.
    Value {
        /// The column.
        column: String,
        /// The value, as text.
        value: Option<String>,
        /// How many rows hold it.
        rows: i64,
        /// PostgreSQL's reason, or what it would read back as.
        reason: String,
    },
    /// Anything else that stops the step (a name taken, a column missing, a link lacking).
    Refused {
        /// What is wrong and what to do.
        reason: String,
    },
}

/// A step made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Applied {
    /// The preview it was made from.
    pub preview: Preview,
    /// The model it made.
    pub model: super::ModelInfo,
}

/// Why a step was not made. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The preview found conflicts.
    #[error("{}", .0.conflicts.first().map(describe).unwrap_or_default())]
    Refused(Box<Preview>),
    /// A structure change PostgreSQL refused (a name taken, ...).
    #[error(transparent)]
    Ddl(#[from] DdlError),
    /// A database error.
    #[error(transparent)]
    Database(#[from] Error),
}

/// One conflict in a sentence.
pub fn describe(conflict: &Conflict) -> String {
    match conflict {
        Conflict::Dependency { key, column, values, rows } => {
            let values = values.iter().map(|v| v.as_deref().unwrap_or("NULL")).collect::<Vec<_>>().join(", ");
            format!(
                "{rows} rows with {} disagree on {column:?} ({values}); choose a key that tells them apart, or make \
                 them agree first",
                serde_json::Value::Object(key.clone())
            )
        }
        Conflict::Value { column, value, rows, reason } => {
            format!("{rows} rows of {column:?} hold {}: {reason}", value.as_deref().unwrap_or("NULL"))
        }
        Conflict::Refused { reason } => reason.clone(),
    }
}

/// Checks `change` against `schema`'s newest model and says what it would do, in the caller's
/// transaction, changing nothing.
pub async fn preview(tx: &Transaction<'_>, schema: &str, change: &Change) -> Result<Preview, ModelError> {
    let _ = (tx, schema, change);
    todo!("model operators")
}

/// Makes `change` a step of `schema`: the physical tables change, the model before it keeps
/// views in a schema of its own, and the step is recorded under the transaction's current
/// action. Refused (changing nothing) when its preview has conflicts.
pub async fn apply(tx: &Transaction<'_>, schema: &str, change: &Change) -> Result<Applied, ModelError> {
    let _ = (tx, schema, change);
    todo!("model operators")
}
