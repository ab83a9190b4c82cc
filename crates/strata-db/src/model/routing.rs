//! Where a row written through an earlier model's table goes: for each physical table it reads,
//! the model's columns it keeps and how the row of that table is found.
//!
//! The row triggers (`trigger`) and the set-based writes ([`super::bulk`]) follow the same
//! routing: the anchor gets the row, an extension gets the anchor's key, and a referenced table
//! (an extracted entity) is found by the columns that identify it, created when new.

use super::mapping::{Link, LogicalTable};

/// A model's table, routed for writing.
pub(super) struct Routing<'a> {
    /// The table.
    pub table: &'a LogicalTable,
    /// One per node of the table, in the table's order.
    pub nodes: Vec<Route>,
}

/// One node of a table: what it keeps and how its row is found.
pub(super) struct Route {
    /// The model's columns kept in this node's table (indexes into the table's columns).
    pub columns: Vec<usize>,
    /// The model's columns kept in this node's table and in the tables joined under it.
    pub subtree: Vec<usize>,
    /// The nodes joined to this one by a reference (its link columns point at them).
    pub references: Vec<usize>,
    /// The nodes joined to this one as extensions (keyed by its key).
    pub extensions: Vec<usize>,
    /// How its row is found.
    pub find: Find,
}

/// How a node's row is found when a row of the model is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Find {
    /// The anchor: the written row itself.
    Anchor,
    /// By the key of the node it extends.
    Extension,
    /// A referenced row, found (or created) by these model columns, which are its unique
    /// columns read as they are.
    Unique(Vec<usize>),
    /// A referenced row named by this model column, the link column itself.
    Link(usize),
    /// A referenced row the model cannot name: only the row a written row already links to can
    /// be changed.
    Nothing,
}

impl<'a> Routing<'a> {
    /// Routes `table`.
    pub fn new(table: &'a LogicalTable) -> Routing<'a> {
        let count = table.nodes.len();
        let mut nodes: Vec<Route> = (0..count)
            .map(|node| Route {
                columns: columns_of(table, node),
                subtree: Vec::new(),
                references: Vec::new(),
                extensions: Vec::new(),
                find: find(table, node),
            })
            .collect();
        for (index, node) in table.nodes.iter().enumerate() {
            match &node.link {
                Link::Anchor => {}
                Link::Reference { parent, .. } => nodes[*parent].references.push(index),
                Link::Extension { parent } => nodes[*parent].extensions.push(index),
            }
        }
        // Children come after their parent in `nodes`, so walking backwards completes each
        // subtree before its parent needs it.
        for index in (0..count).rev() {
            let mut subtree = nodes[index].columns.clone();
            for child in nodes[index].references.iter().chain(&nodes[index].extensions) {
                subtree.extend(nodes[*child].subtree.iter().copied());
            }
            subtree.sort_unstable();
            nodes[index].subtree = subtree;
        }
        Routing { table, nodes }
    }

    /// The link column (in its parent's table) of the referenced node `node`.
    pub fn link_column(&self, node: usize) -> Option<(usize, &str)> {
        match &self.table.nodes[node].link {
            Link::Reference { parent, column, .. } => Some((*parent, column.as_str())),
            _ => None,
        }
    }

    /// The node `node` is joined to; none for the anchor.
    pub fn parent(&self, node: usize) -> Option<usize> {
        parent(self.table, node)
    }
}

/// The node `node` is joined to.
fn parent(table: &LogicalTable, node: usize) -> Option<usize> {
    match &table.nodes[node].link {
        Link::Anchor => None,
        Link::Reference { parent, .. } | Link::Extension { parent } => Some(*parent),
    }
}

/// The model's columns kept in node `node`'s table that a write sets: all but the table's
/// generated columns, which PostgreSQL computes.
fn columns_of(table: &LogicalTable, node: usize) -> Vec<usize> {
    let generated = &table.nodes[node].generated;
    (0..table.columns.len())
        .filter(|column| table.columns[*column].node == node && !generated.contains(&table.columns[*column].column))
        .collect()
}

/// A column of the model that reads `column` of node `node` as it is.
fn plain_column(table: &LogicalTable, node: usize, column: &str) -> Option<usize> {
    table.columns.iter().position(|c| c.node == node && c.column == column && c.reads.is_empty())
}

fn find(table: &LogicalTable, node: usize) -> Find {
    match &table.nodes[node].link {
        Link::Anchor => Find::Anchor,
        Link::Extension { .. } => Find::Extension,
        Link::Reference { parent, column, unique } => {
            if let Some(link) = plain_column(table, *parent, column) {
                return Find::Link(link);
            }
            let by = unique.as_ref().and_then(|unique| {
                unique.iter().map(|name| plain_column(table, node, name)).collect::<Option<Vec<_>>>()
            });
            match by {
                Some(columns) if !columns.is_empty() => Find::Unique(columns),
                _ => Find::Nothing,
            }
        }
    }
}
