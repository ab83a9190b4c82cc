//! Models (DESIGN §5): co-existing, writable versions of a schema's tables.
//!
//! A schema starts with one model, its tables. Each step (an [`Op`]: extract columns into a
//! linked table, move columns along a link, split columns or rows off, rename, retype, add or
//! drop a column) changes the physical tables in one transaction and makes the next model, so
//! the physical tables are always the newest model. Every earlier model stays readable and writable as plain views in a
//! PostgreSQL schema of its own (`public_v1`, ...), generated from the catalog
//! (`strata.model`): [`mapping`] composes each earlier model's tables as one query over the
//! physical tables, `view` renders them, `trigger` writes INSTEAD OF triggers that route a row
//! written through an earlier model into the physical tables (`grouped` those of a table merged
//! since), and [`bulk`] does the same for a
//! whole staged file with set-based SQL.
//!
//! Every step is an action with recorded [`crate::audit::steps::Step`]s, so undo puts back the
//! earlier physical tables (same ids, types and values) and regenerates the views. Once a schema
//! has models, the grid's structure changes are steps too ([`TableChange`]).

pub mod bulk;
mod catalog;
mod generate;
mod grouped;
pub mod mapping;
mod ops;
mod routing;
mod table_change;
mod trigger;
mod union;
mod view;

use serde::{Deserialize, Serialize};

pub(crate) use catalog::has_models;
pub use catalog::{ModelInfo, list};
pub use generate::{ModelColumn, ModelDetail, ModelLink, ModelTable, build_views, describe, drop_views, mappings};
pub use ops::describe as describe_conflict;
pub use ops::{Applied, Change, Conflict, ModelError, Preview, apply, preview};
pub use table_change::TableChange;

/// One step, as recorded in `strata.model.op` (JSON tagged by `"op"`): an operator with
/// everything needed to map the model after it back to the model before it
/// ([`Op::backward`]). Tables and columns are named as they were in the models the step joins
/// (`table` and `column` in the model before; `to`, `into`, `link` in the model after).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Extracts `columns` of `table` into the new table `into` (one row per distinct `key`,
    /// with a surrogate key `id`), linked from `table` by the new foreign key column `link`,
    /// which takes the place of the first extracted column.
    Extract {
        /// The table.
        table: String,
        /// The columns extracted, in the table's order.
        columns: Vec<String>,
        /// Each extracted column's index among the table's columns, before the step.
        positions: Vec<usize>,
        /// The new table.
        into: String,
        /// The extracted columns that identify a row of `into` (unique there).
        key: Vec<String>,
        /// The new foreign key column of `table`.
        link: String,
    },
    /// Moves `columns` of `table` to the table `to` that `table`'s foreign key column `link`
    /// references (each row of `to` takes the one value its referencing rows agree on).
    Move {
        /// The table the columns leave.
        table: String,
        /// The columns moved, in the table's order.
        columns: Vec<String>,
        /// Each moved column's index among `table`'s columns, before the step.
        positions: Vec<usize>,
        /// The foreign key column of `table`.
        link: String,
        /// The referenced table, which gets the columns.
        to: String,
        /// `to`'s columns that identify its rows (a unique constraint), if it has them: a row
        /// written through the earlier model finds or creates its `to` row by them.
        key: Option<Vec<String>>,
    },
    /// Splits `columns` off `table` into the new table `into`, one row per row of `table` with
    /// the same key (its key is also a foreign key to `table`).
    SplitColumns {
        /// The table.
        table: String,
        /// The columns split off, in the table's order.
        columns: Vec<String>,
        /// Each column's index among the table's columns, before the step.
        positions: Vec<usize>,
        /// The new table.
        into: String,
    },
    /// Merges the table `from`, which `table`'s foreign key column `link` references, back into
    /// `table` (an extraction's inverse): `from`'s columns but its key take `link`'s place, each
    /// row of `table` holding the values of the row it linked to; `from` goes. The links stay in
    /// `strata.<kept>` (`id`, `value`) so the earlier model still shows `from` and its links.
    Merge {
        /// The table that links to `from`.
        table: String,
        /// Its foreign key column.
        link: String,
        /// `link`'s index among `table`'s columns, before the step; `columns` take its place.
        link_position: usize,
        /// The table merged.
        from: String,
        /// `from`'s key column, which `link` references.
        key: String,
        /// Its type, as `format_type` spells it.
        key_type: String,
        /// `from`'s other columns, in its order: they move into `table`.
        columns: Vec<String>,
        /// Each column's index among `from`'s columns (the key's too, `key_position`), before
        /// the step.
        positions: Vec<usize>,
        /// The key's index among `from`'s columns.
        key_position: usize,
        /// The table in schema `strata` keeping each row's link by the row's key.
        kept: String,
    },
    /// Splits the rows of `table` for which `condition` holds off into the new table `into`,
    /// with the same columns and keys.
    SplitRows {
        /// The table.
        table: String,
        /// The new table.
        into: String,
        /// The condition, as the user typed it (for people).
        condition: String,
        /// The function in schema `strata` that computes it from `arguments`.
        function: String,
        /// The columns of `table` passed to `function`, in order (its parameters are named and
        /// typed like them).
        arguments: Vec<String>,
    },
    /// Renames `table` to `to`.
    RenameTable {
        /// The table.
        table: String,
        /// Its new name.
        to: String,
    },
    /// Renames `column` of `table` to `to`.
    RenameColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its new name.
        to: String,
    },
    /// Converts `column` of `table` from `old_type` to `type_name`, by a cast or by the user's
    /// `USING` expression (made the function `strata.<function>(old value)`).
    Retype {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its type before, as `format_type` spells it.
        old_type: String,
        /// Its new type, as `format_type` spells it.
        type_name: String,
        /// The user's `USING` expression, as typed (for people).
        using: Option<String>,
        /// The function in schema `strata` that computes it.
        function: Option<String>,
    },
    /// Adds `column` to `table`.
    AddColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its type, as `format_type` spells it.
        type_name: String,
    },
    /// Drops `column` of `table`; its values stay in `strata.<kept>` (`id`, `value`) so earlier
    /// models keep them, and can still write them.
    DropColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its type, as `format_type` spells it.
        type_name: String,
        /// Its index among the table's columns, before the step.
        position: usize,
        /// The table in schema `strata` keeping its values by the row's key.
        kept: String,
    },
}
