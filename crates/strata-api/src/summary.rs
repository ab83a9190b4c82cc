//! The summaries of actions, as people read them in the history ("Edited 3 cells in orders"):
//! the user's own names, counts with thousands separators. The CLI's import uses them too.

pub use strata_db::count;

/// `n` `noun`s, singular for one: `1 row`, `1,000 rows`.
fn counted(n: u64, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{} {noun}s", count(n)) }
}

/// Rows inserted: "Added 3 rows to orders".
pub fn insert(table: &str, rows: u64) -> String {
    format!("Added {} to {table}", counted(rows, "row"))
}

/// Cells of one row changed: "Edited 1 cell in orders".
pub fn edit(table: &str, cells: u64) -> String {
    format!("Edited {} in {table}", counted(cells, "cell"))
}

/// A block written (updates of several rows, maybe rows added):
/// "Pasted 9 cells into orders (1 row added)".
pub fn paste(table: &str, cells: u64, added: u64) -> String {
    let cells = counted(cells, "cell");
    match added {
        0 => format!("Pasted {cells} into {table}"),
        added => format!("Pasted {cells} into {table} ({} added)", counted(added, "row")),
    }
}

/// Rows deleted: "Deleted 2 rows from orders".
pub fn delete(table: &str, rows: u64) -> String {
    format!("Deleted {} from {table}", counted(rows, "row"))
}

/// A file loaded: "Imported orders.csv into orders (1,000,000 rows)", or
/// "Appended orders.csv to orders (1,000 rows)".
pub fn import(file: &str, table: &str, rows: u64, append: bool) -> String {
    let rows = counted(rows, "row");
    if append {
        format!("Appended {file} to {table} ({rows})")
    } else {
        format!("Imported {file} into {table} ({rows})")
    }
}

/// Deleted rows put back: "Restored 2 rows in orders".
pub fn restore(table: &str, rows: u64) -> String {
    format!("Restored {} in {table}", counted(rows, "row"))
}

/// A schema or table created, renamed or deleted: "Created table orders", "Renamed schema a to b".
pub fn structure(verb: Verb, what: &str, name: &str) -> String {
    match verb {
        Verb::Create => format!("Created {what} {name}"),
        Verb::Rename { to } => format!("Renamed {what} {name} to {to}"),
        Verb::Delete => format!("Deleted {what} {name}"),
    }
}

/// What [`structure`] did.
pub enum Verb<'a> {
    /// Created it.
    Create,
    /// Renamed it to `to`.
    Rename {
        /// The new name.
        to: &'a str,
    },
    /// Deleted it.
    Delete,
}

/// A column added: "Added column Note to orders".
pub fn add_column(table: &str, column: &str) -> String {
    format!("Added column {column} to {table}")
}

/// A column renamed and/or retyped: "Renamed column a to b in orders", "Changed the type of qty
/// in orders to integer", or both.
pub fn alter_column(table: &str, column: &str, renamed: Option<&str>, retyped: Option<&str>) -> String {
    match (renamed, retyped) {
        (Some(name), None) => format!("Renamed column {column} to {name} in {table}"),
        (None, Some(type_name)) => format!("Changed the type of {column} in {table} to {type_name}"),
        (Some(name), Some(type_name)) => {
            format!("Renamed column {column} to {name} in {table} and changed its type to {type_name}")
        }
        (None, None) => format!("Changed column {column} in {table}"),
    }
}

/// A column deleted: "Deleted column Note from orders".
pub fn drop_column(table: &str, column: &str) -> String {
    format!("Deleted column {column} from {table}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_read_as_the_contract_says() {
        assert_eq!(insert("orders", 3), "Added 3 rows to orders");
        assert_eq!(insert("orders", 1), "Added 1 row to orders");
        assert_eq!(edit("orders", 1), "Edited 1 cell in orders");
        assert_eq!(paste("orders", 9, 1), "Pasted 9 cells into orders (1 row added)");
        assert_eq!(paste("orders", 4, 0), "Pasted 4 cells into orders");
        assert_eq!(delete("orders", 2), "Deleted 2 rows from orders");
        assert_eq!(
            import("orders.csv", "orders", 1_000_000, false),
            "Imported orders.csv into orders (1,000,000 rows)"
        );
        assert_eq!(import("orders.csv", "orders", 1000, true), "Appended orders.csv to orders (1,000 rows)");
        assert_eq!(structure(Verb::Create, "table", "orders"), "Created table orders");
        assert_eq!(structure(Verb::Rename { to: "sales" }, "table", "orders"), "Renamed table orders to sales");
        assert_eq!(structure(Verb::Delete, "schema", "old"), "Deleted schema old");
        assert_eq!(add_column("orders", "Note"), "Added column Note to orders");
        assert_eq!(alter_column("orders", "a", Some("b"), None), "Renamed column a to b in orders");
        assert_eq!(
            alter_column("orders", "qty", None, Some("integer")),
            "Changed the type of qty in orders to integer"
        );
        assert_eq!(drop_column("orders", "Note"), "Deleted column Note from orders");
        assert_eq!(restore("orders", 2), "Restored 2 rows in orders");
    }
}
