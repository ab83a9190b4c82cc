//! A model's tables as queries over the physical tables, and how each step maps the model after
//! it back to the model before it.
//!
//! The newest model of a schema is its physical tables: [`Mapping::physical`] reads them. Every
//! earlier model is found by walking the steps backwards from there ([`Op::backward`]): a step
//! that made model N + 1 from model N knows how to express model N's tables in terms of model
//! N + 1's, and since model N + 1's are already expressed over the physical tables, so are model
//! N's. Whatever the number of steps, a model's table is one [`LogicalTable`]: an anchor table
//! with a tree of to-one joins, which [`super::view`] renders as one view over the physical
//! tables (never a view on a view).

use strata_sql::QualifiedName;
use tokio_postgres::GenericClient;

use super::Op;
use crate::Error;
use crate::audit::ident;

/// A model: its tables, each a query over the physical tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// Its tables, by name.
    pub tables: Vec<LogicalTable>,
}

/// One table of a model: the rows of its anchor (`nodes[0]`), with columns read from the anchor
/// and from tables joined to it one row at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogicalTable {
    /// Its name in the model.
    pub name: String,
    /// The physical tables it reads: the anchor first, then each joined table after the node it
    /// is joined to.
    pub nodes: Vec<Node>,
    /// Its columns in the model's order.
    pub columns: Vec<LogicalColumn>,
    /// The tables its rows were split into by a condition since this model (split by rows),
    /// each read like this one with the same columns: the table shows its anchor's rows and
    /// theirs, and a row written goes to the first part whose condition holds, else here.
    pub parts: Vec<Part>,
    /// Set (to a column's name) when the table has one row per distinct value of that column
    /// among its anchor's rows: a table since merged into the table that linked to it, whose
    /// rows now hold its values. That column is its key.
    pub grouped: Option<String>,
    /// Links whose target's values the anchor's rows now hold themselves (a table merged since):
    /// writing the link copies them from another row with the same link.
    pub fills: Vec<Fill>,
    /// Columns the model does not show (added since, a link extracted since) that its parts'
    /// conditions read, each named by a tag unique among them ([`Argument::stored`]): an UPDATE
    /// routes its row by their stored values.
    pub hidden: Vec<LogicalColumn>,
}

/// Rows of a model's table that a later step split off into a table of their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The rows, read like the table they were split from, with the same columns.
    pub table: LogicalTable,
    /// The function in schema `strata` that holds for the part's rows.
    pub condition: QualifiedName,
    /// What is passed to it, one per parameter.
    pub arguments: Vec<Argument>,
}

/// One argument of a part's condition: a column of the model's table, converted to the type it
/// had when the rows were split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Argument {
    /// The model's column, if the model has it.
    pub column: Option<String>,
    /// Otherwise the tag of the hidden column holding it ([`LogicalTable::hidden`], NULL where
    /// none does, as for a row inserted through the model).
    pub stored: Option<String>,
    /// Conversions applied in order to the model's value.
    pub writes: Vec<Write>,
}

/// A link of a model's table to a table since merged into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fill {
    /// The model's link column.
    pub link: String,
    /// The anchor's columns that hold the values of the row linked to.
    pub columns: Vec<String>,
}

/// A physical table a model's table reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The table, as it is named now.
    pub table: QualifiedName,
    /// Its single-column primary key; empty for a table without one (which can only be an
    /// anchor, read and written by PostgreSQL's own updatable views).
    pub key: String,
    /// How it is joined.
    pub link: Link,
    /// Its generated columns, which PostgreSQL computes: a write through a model leaves them out.
    pub generated: Vec<String>,
}

/// How a node is joined to the node before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// The table's rows are the model table's rows.
    Anchor,
    /// `nodes[parent].column` references this node's key: many rows may share one row of this
    /// table (an extracted entity). A write finds the entity by `unique` (columns of this node
    /// that identify it, with a unique constraint), or creates it; without `unique` it can only
    /// update the entity the row links to.
    Reference {
        /// The node holding the foreign key.
        parent: usize,
        /// The foreign key column in that node's table.
        column: String,
        /// This table's columns that identify an entity (`UNIQUE NULLS NOT DISTINCT`).
        unique: Option<Vec<String>>,
    },
    /// This node's key is `nodes[parent]`'s key: one row at most per parent row (a table split
    /// by columns, the kept values of a dropped column).
    Extension {
        /// The node it extends.
        parent: usize,
    },
}

/// A column of a model's table: a physical column, converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicalColumn {
    /// Its name in the model.
    pub name: String,
    /// Its type in the model, as `format_type` spells it.
    pub type_name: String,
    /// The node whose table holds it.
    pub node: usize,
    /// The physical column.
    pub column: String,
    /// Casts applied in order to the physical value to read it (types as `format_type` spells
    /// them): empty unless the column was retyped since this model.
    pub reads: Vec<String>,
    /// Conversions applied in order to a value written through this model to get the physical
    /// value; the inverse of `reads`.
    pub writes: Vec<Write>,
}

/// One conversion of a written value towards the physical column's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// `CAST(value AS type)`, the type as `format_type` spells it.
    Cast(String),
    /// `function(value)`: a retype's `USING` expression, made a function by the step.
    Function(QualifiedName),
}

/// Why a model could not be mapped to the physical tables: the catalog and the tables disagree
/// (a table or column a step names is gone, changed outside Strata).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {reason}")]
pub struct MappingError {
    /// The table or column concerned.
    pub what: String,
    /// What is wrong.
    pub reason: String,
}

fn broken(what: impl Into<String>, reason: impl Into<String>) -> MappingError {
    MappingError { what: what.into(), reason: reason.into() }
}

impl Mapping {
    /// The newest model of `schema`: its tables, each read as it is.
    pub async fn physical(client: &impl GenericClient, schema: &str) -> Result<Mapping, Error> {
        let rows = client
            .query(
                "SELECT c.relname::text, \
                        coalesce((SELECT a.attname::text FROM pg_constraint k \
                                  JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] \
                                  WHERE k.conrelid = c.oid AND k.contype = 'p' AND cardinality(k.conkey) = 1), ''), \
                        ARRAY(SELECT a.attname::text FROM pg_attribute a \
                              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum), \
                        ARRAY(SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a \
                              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum), \
                        ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 \
                              AND NOT a.attisdropped AND a.attgenerated <> '' ORDER BY a.attnum) \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname",
                &[&schema],
            )
            .await
            .map_err(Error::postgres("reading the schema's tables"))?;
        let schema = ident(schema)?;
        let mut tables = Vec::with_capacity(rows.len());
        for row in rows {
            let name: String = row.get(0);
            let names: Vec<String> = row.get(2);
            let types: Vec<String> = row.get(3);
            let table = QualifiedName::new(schema.clone(), ident(name.clone())?);
            let node = Node { table, key: row.get(1), link: Link::Anchor, generated: row.get(4) };
            let columns = names
                .into_iter()
                .zip(types)
                .map(|(name, type_name)| LogicalColumn {
                    column: name.clone(),
                    name,
                    type_name,
                    node: 0,
                    reads: Vec::new(),
                    writes: Vec::new(),
                })
                .collect();
            tables.push(LogicalTable { name, nodes: vec![node], columns, ..LogicalTable::default() });
        }
        Ok(Mapping { tables })
    }

    /// The table `name`.
    pub fn table(&self, name: &str) -> Option<&LogicalTable> {
        self.tables.iter().find(|table| table.name == name)
    }

    fn table_mut(&mut self, name: &str) -> Result<&mut LogicalTable, MappingError> {
        self.tables.iter_mut().find(|table| table.name == name).ok_or_else(|| broken(name, "the table is missing"))
    }

    fn take(&mut self, name: &str) -> Result<LogicalTable, MappingError> {
        let at = self.tables.iter().position(|table| table.name == name);
        let at = at.ok_or_else(|| broken(name, "the table is missing"))?;
        Ok(self.tables.remove(at))
    }
}

impl LogicalTable {
    /// The column `name`.
    pub fn column(&self, name: &str) -> Option<&LogicalColumn> {
        self.columns.iter().find(|column| column.name == name)
    }

    /// Whether PostgreSQL can write through this table's view on its own: one physical table,
    /// read without conversions.
    pub fn is_plain(&self) -> bool {
        self.nodes.len() == 1
            && self.columns.iter().all(|column| column.reads.is_empty())
            && self.parts.is_empty()
            && self.grouped.is_none()
            && self.fills.is_empty()
    }

    /// The model's key column: the anchor's key, read as it is (the grouping column of a
    /// grouped table).
    pub fn key(&self) -> Option<&LogicalColumn> {
        if let Some(grouped) = &self.grouped {
            return self.column(grouped);
        }
        let key = &self.nodes.first()?.key;
        self.columns.iter().find(|c| c.node == 0 && &c.column == key && c.reads.is_empty())
    }

    fn column_mut(&mut self, name: &str) -> Result<&mut LogicalColumn, MappingError> {
        let table = self.name.clone();
        self.columns
            .iter_mut()
            .find(|column| column.name == name)
            .ok_or_else(|| broken(format!("{table}.{name}"), "the column is missing"))
    }

    fn take_column(&mut self, name: &str) -> Result<LogicalColumn, MappingError> {
        let at = self.columns.iter().position(|column| column.name == name);
        let at = at.ok_or_else(|| broken(format!("{}.{name}", self.name), "the column is missing"))?;
        Ok(self.columns.remove(at))
    }

    /// The physical column a plain column of this table reads (a link or key column, which
    /// must not be converted).
    fn plain(&self, name: &str) -> Result<(usize, String), MappingError> {
        let column =
            self.column(name).ok_or_else(|| broken(format!("{}.{name}", self.name), "the column is missing"))?;
        if !column.reads.is_empty() {
            return Err(broken(format!("{}.{name}", self.name), "a link or key column was retyped"));
        }
        Ok((column.node, column.column.clone()))
    }

    /// Joins `other`'s nodes to this table through `link` (for `other`'s anchor) and brings its
    /// columns `names` in, the first at index `positions[0]` of this table's columns and so on
    /// (`positions` ascending). A node joined the same way as one this table has already (the
    /// same table through the same link, as when columns were extracted and more were moved to
    /// the same table later) is that node: one join, and writes find its rows by every column
    /// the model shows of it.
    fn pull(
        &mut self,
        other: &LogicalTable,
        link: Link,
        names: &[String],
        positions: &[usize],
    ) -> Result<(), MappingError> {
        if !other.parts.is_empty() {
            return Err(broken(&other.name, "a table split by rows since cannot be joined"));
        }
        // A table merged since into this one holds its values in this table's own rows.
        let merged = other.grouped.is_some() && other.nodes[0].table == self.nodes[0].table;
        if other.grouped.is_some() && !merged {
            return Err(broken(&other.name, "a table merged since into another cannot be joined here"));
        }
        let mut index = Vec::with_capacity(other.nodes.len());
        for node in &other.nodes {
            if merged && index.is_empty() {
                index.push(0);
                continue;
            }
            let link = match &node.link {
                Link::Anchor => link.clone(),
                Link::Reference { parent, column, unique } => {
                    Link::Reference { parent: index[*parent], column: column.clone(), unique: unique.clone() }
                }
                Link::Extension { parent } => Link::Extension { parent: index[*parent] },
            };
            index.push(self.join(Node { link, ..node.clone() }));
        }
        let mut placed: Vec<(usize, LogicalColumn)> = Vec::with_capacity(names.len());
        for (name, &position) in names.iter().zip(positions) {
            let column =
                other.column(name).ok_or_else(|| broken(format!("{}.{name}", other.name), "the column is missing"))?;
            placed.push((position, LogicalColumn { node: index[column.node], ..column.clone() }));
        }
        placed.sort_by_key(|(position, _)| *position);
        for (position, column) in placed {
            let at = position.min(self.columns.len());
            self.columns.insert(at, column);
        }
        Ok(())
    }
}

impl LogicalTable {
    /// The node joined to the anchor that `node` is, or is joined under.
    fn branch(&self, node: usize) -> usize {
        let mut at = node;
        loop {
            match self.nodes[at].link {
                Link::Reference { parent: 0, .. } | Link::Extension { parent: 0 } | Link::Anchor => return at,
                Link::Reference { parent, .. } | Link::Extension { parent } => at = parent,
            }
        }
    }

    /// Drops the nodes no column reads any more (nor any node under them), as when every
    /// column a join was made for moved away in an earlier model.
    fn prune(&mut self) {
        for part in &mut self.parts {
            part.table.prune();
        }
        let mut used = vec![false; self.nodes.len()];
        used[0] = true;
        for column in self.columns.iter().chain(&self.hidden) {
            let mut at = column.node;
            while !used[at] {
                used[at] = true;
                at = match self.nodes[at].link {
                    Link::Anchor => 0,
                    Link::Reference { parent, .. } | Link::Extension { parent } => parent,
                };
            }
        }
        let mut index = Vec::with_capacity(self.nodes.len());
        let mut kept = 0;
        for &keep in &used {
            index.push(kept);
            kept += usize::from(keep);
        }
        let nodes = std::mem::take(&mut self.nodes);
        self.nodes = nodes
            .into_iter()
            .zip(&used)
            .filter(|(_, keep)| **keep)
            .map(|(mut node, _)| {
                match &mut node.link {
                    Link::Anchor => {}
                    Link::Reference { parent, .. } | Link::Extension { parent } => *parent = index[*parent],
                }
                node
            })
            .collect();
        for column in self.columns.iter_mut().chain(&mut self.hidden) {
            column.node = index[column.node];
        }
    }

    /// Adds `node` unless a node joins the same table the same way; its index either way.
    fn join(&mut self, node: Node) -> usize {
        let same = self.nodes.iter().position(|have| {
            have.table == node.table
                && match (&have.link, &node.link) {
                    (Link::Reference { parent: a, column: x, .. }, Link::Reference { parent: b, column: y, .. }) => {
                        a == b && x == y
                    }
                    (Link::Extension { parent: a }, Link::Extension { parent: b }) => a == b,
                    _ => false,
                }
        });
        let Some(at) = same else {
            self.nodes.push(node);
            return self.nodes.len() - 1;
        };
        if let (Link::Reference { unique: have @ None, .. }, Link::Reference { unique: Some(found), .. }) =
            (&mut self.nodes[at].link, node.link)
        {
            *have = Some(found);
        }
        at
    }
}

impl Op {
    /// Model N (the one this step was applied to), given model N + 1 (the one it made), both over
    /// the physical tables as they are now.
    pub fn backward(&self, mut later: Mapping) -> Result<Mapping, MappingError> {
        match self {
            Op::RenameTable { table, to } => later.table_mut(to)?.each(&mut |t| {
                t.name = table.clone();
                Ok(())
            })?,
            Op::RenameColumn { table, column, to } => {
                let table = later.table_mut(table)?;
                table.each(&mut |t| {
                    t.column_mut(to)?.name = column.clone();
                    for name in t.grouped.iter_mut().chain(t.fills.iter_mut().map(|fill| &mut fill.link)) {
                        if name == to {
                            *name = column.clone();
                        }
                    }
                    Ok(())
                })?;
                table.arguments(to, &mut |argument| argument.column = Some(column.clone()));
            }
            Op::AddColumn { table, column, .. } => {
                let table = later.table_mut(table)?;
                let tag = table.tag(column)?;
                table.each(&mut |t| t.conceal(column, tag.as_deref()))?;
                table.stored(column, tag);
            }
            Op::DropColumn { table, column, type_name, position, kept } => {
                let kept = kept_table(kept, column, type_name)?;
                later.table_mut(table)?.each(&mut |t| {
                    if t.grouped.is_some() {
                        return Err(broken(format!("{}.{column}", t.name), "dropped before its table was merged"));
                    }
                    t.pull(&kept, Link::Extension { parent: 0 }, std::slice::from_ref(column), &[*position])
                })?;
            }
            Op::Retype { table, column, old_type, function, .. } => {
                let table = later.table_mut(table)?;
                let mut conversion = None;
                table.each(&mut |t| {
                    let column = t.column_mut(column)?;
                    let write = match function {
                        Some(function) => Write::Function(strata_table(function)?),
                        None => Write::Cast(column.type_name.clone()),
                    };
                    column.reads.push(old_type.clone());
                    column.writes.insert(0, write.clone());
                    column.type_name = old_type.clone();
                    conversion = Some(write);
                    Ok(())
                })?;
                if let Some(write) = conversion {
                    table.arguments(column, &mut |argument| argument.writes.insert(0, write.clone()));
                }
            }
            Op::Extract { table, columns, positions, into, key, link } => {
                let entity = later.take(into)?;
                let unique = key
                    .iter()
                    .map(|name| match entity.plain(name)? {
                        (0, physical) => Ok(physical),
                        _ => Err(broken(format!("{into}.{name}"), "the key column was moved")),
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .ok();
                let table = later.table_mut(table)?;
                let tag = table.tag(link)?;
                table.each(&mut |t| {
                    let (parent, column) = t.plain(link)?;
                    t.conceal(link, tag.as_deref())?;
                    t.fills.retain(|fill| &fill.link != link);
                    let unique = unique.clone();
                    t.pull(&entity, Link::Reference { parent, column, unique }, columns, positions)
                })?;
                table.stored(link, tag);
            }
            Op::Move { table, columns, positions, link, to, key } => {
                let mut entity = later.take(to)?;
                let unique = match key {
                    Some(key) => key
                        .iter()
                        .map(|name| match entity.plain(name)? {
                            (0, physical) => Ok(Some(physical)),
                            _ => Ok(None),
                        })
                        .collect::<Result<Option<Vec<_>>, MappingError>>()?,
                    None => None,
                };
                later.table_mut(table)?.each(&mut |t| {
                    let (parent, column) = t.plain(link)?;
                    let unique = unique.clone();
                    t.pull(&entity, Link::Reference { parent, column, unique }, columns, positions)
                })?;
                for name in columns {
                    entity.take_column(name)?;
                }
                later.tables.push(entity);
            }
            Op::SplitColumns { table, columns, positions, into } => {
                let part = later.take(into)?;
                later
                    .table_mut(table)?
                    .each(&mut |t| t.pull(&part, Link::Extension { parent: 0 }, columns, positions))?;
            }
            Op::Merge { table, link, link_position, from, key, key_type, columns, positions, key_position, kept } => {
                let merged = later.table_mut(table)?;
                if !merged.parts.is_empty() || merged.grouped.is_some() {
                    return Err(broken(table, "split by rows or merged itself since the merge"));
                }
                let links = kept_table(kept, link, key_type)?;
                let mut entity = LogicalTable {
                    name: from.clone(),
                    nodes: merged.nodes.clone(),
                    grouped: Some(key.clone()),
                    ..LogicalTable::default()
                };
                let mut placed = Vec::with_capacity(columns.len() + 1);
                for (name, &position) in columns.iter().zip(positions) {
                    placed.push((position, merged.take_column(name)?));
                }
                let filled = stored(merged, from, placed.iter().map(|(_, column)| column))?;
                merged.pull(&links, Link::Extension { parent: 0 }, std::slice::from_ref(link), &[*link_position])?;
                merged.fills.push(Fill { link: link.clone(), columns: filled });
                let (node, column) = merged.plain(link)?;
                let node = entity.join(merged.nodes[node].clone());
                let type_name = key_type.clone();
                let key = LogicalColumn { name: key.clone(), type_name, node, column, reads: vec![], writes: vec![] };
                placed.push((*key_position, key));
                placed.sort_by_key(|(position, _)| *position);
                entity.columns = placed.into_iter().map(|(_, column)| column).collect();
                later.tables.push(entity);
            }
            Op::SplitRows { table, into, function, arguments, .. } => {
                let mut part = later.take(into)?;
                part.name = table.clone();
                let condition = strata_table(function)?;
                let arguments = arguments
                    .iter()
                    .map(|name| Argument { column: Some(name.clone()), stored: None, writes: Vec::new() })
                    .collect();
                later.table_mut(table)?.parts.insert(0, Part { table: part, condition, arguments });
            }
        }
        for table in &mut later.tables {
            table.prune();
        }
        later.tables.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(later)
    }
}

/// The anchor's columns a fill copies for `columns`, the columns of `from` merged into `table`
/// (taken from it), as they are stored, whatever they were retyped to since: a column still in
/// the anchor itself; for columns extracted since, the anchor's link to the table they went to,
/// when nothing but merged columns went there. Refused for a column that left the anchor
/// otherwise (dropped, split off, or extracted with columns of the table's own), which a fill
/// could not copy.
fn stored<'a>(
    table: &LogicalTable,
    from: &str,
    columns: impl Iterator<Item = &'a LogicalColumn>,
) -> Result<Vec<String>, MappingError> {
    let mut filled: Vec<String> = Vec::new();
    for column in columns {
        let physical = match column.node {
            0 => Some(column.column.clone()),
            node => {
                let branch = table.branch(node);
                let shared = table.columns.iter().any(|other| other.node != 0 && table.branch(other.node) == branch);
                match &table.nodes[branch].link {
                    Link::Reference { column: link, .. } if !shared => Some(link.clone()),
                    _ => None,
                }
            }
        };
        let Some(physical) = physical else {
            return Err(broken(
                format!("{}.{}", table.name, column.name),
                format!(
                    "the column was merged into it from {from:?} and has left it since (dropped, split off, or \
                     extracted with columns of its own), so the model before the merge could not copy it when a \
                     row links to a row of {from:?}; undo that step first"
                ),
            ));
        };
        if !filled.contains(&physical) {
            filled.push(physical);
        }
    }
    Ok(filled)
}

/// The kept table `strata.<kept>` (`id`, `value`) of a column `column` of type `type_name`, as
/// a table of one column to join by key.
fn kept_table(kept: &str, column: &str, type_name: &str) -> Result<LogicalTable, MappingError> {
    Ok(LogicalTable {
        name: kept.to_string(),
        nodes: vec![Node { table: strata_table(kept)?, key: "id".into(), link: Link::Anchor, generated: Vec::new() }],
        columns: vec![LogicalColumn {
            name: column.to_string(),
            type_name: type_name.to_string(),
            node: 0,
            column: "value".into(),
            reads: Vec::new(),
            writes: Vec::new(),
        }],
        ..LogicalTable::default()
    })
}

impl LogicalTable {
    /// Applies `edit` to this table and to every part split off it by rows (which have the
    /// same columns).
    fn each(
        &mut self,
        edit: &mut impl FnMut(&mut LogicalTable) -> Result<(), MappingError>,
    ) -> Result<(), MappingError> {
        edit(self)?;
        for part in &mut self.parts {
            part.table.each(edit)?;
        }
        Ok(())
    }

    /// The tag under which `column` is kept hidden when the model loses it: `None` when no
    /// condition of its parts (or theirs) reads it, else unique among this table's hidden
    /// columns and its parts'.
    fn tag(&mut self, column: &str) -> Result<Option<String>, MappingError> {
        let mut read = false;
        self.arguments(column, &mut |_| read = true);
        if !read {
            return Ok(None);
        }
        let mut taken = Vec::new();
        self.each(&mut |t| {
            taken.extend(t.hidden.iter().map(|hidden| hidden.name.clone()));
            Ok(())
        })?;
        Ok((0..).map(|n| format!("{column}#{n}")).find(|tag| !taken.contains(tag)))
    }

    /// Takes `column` out of the model's columns, keeping it hidden as `tag` if given.
    fn conceal(&mut self, column: &str, tag: Option<&str>) -> Result<(), MappingError> {
        let mut taken = self.take_column(column)?;
        if let Some(tag) = tag {
            taken.name = tag.to_string();
            self.hidden.push(taken);
        }
        Ok(())
    }

    /// Makes the arguments that read `column`, which the model loses, read its hidden `tag`.
    fn stored(&mut self, column: &str, tag: Option<String>) {
        self.arguments(column, &mut |argument| {
            argument.column = None;
            argument.stored = tag.clone();
        });
    }

    /// Applies `edit` to each argument of its parts' conditions (and theirs) that reads `column`.
    fn arguments(&mut self, column: &str, edit: &mut impl FnMut(&mut Argument)) {
        for part in &mut self.parts {
            for argument in &mut part.arguments {
                if argument.column.as_deref() == Some(column) {
                    edit(argument);
                }
            }
            part.table.arguments(column, edit);
        }
    }
}

/// The object `name` of schema `strata`, or why it cannot be named.
fn strata_table(name: &str) -> Result<QualifiedName, MappingError> {
    crate::audit::strata_name(name).map_err(|err| broken(name, err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(schema: &str, table: &str) -> QualifiedName {
        QualifiedName::new(ident(schema).unwrap(), ident(table).unwrap())
    }

    fn plain(table: &str, columns: &[(&str, &str)]) -> LogicalTable {
        LogicalTable {
            name: table.into(),
            nodes: vec![Node { table: name("s", table), key: "id".into(), link: Link::Anchor, generated: Vec::new() }],
            columns: columns
                .iter()
                .map(|(column, type_name)| LogicalColumn {
                    name: column.to_string(),
                    type_name: type_name.to_string(),
                    node: 0,
                    column: column.to_string(),
                    reads: Vec::new(),
                    writes: Vec::new(),
                })
                .collect(),
            ..LogicalTable::default()
        }
    }

    fn names(table: &LogicalTable) -> Vec<&str> {
        table.columns.iter().map(|c| c.name.as_str()).collect()
    }

    fn extract(table: &str, columns: &[&str], positions: &[usize], into: &str, key: &[&str], link: &str) -> Op {
        let strings = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Op::Extract {
            table: table.into(),
            columns: strings(columns),
            positions: positions.to_vec(),
            into: into.into(),
            key: strings(key),
            link: link.into(),
        }
    }

    #[test]
    fn extract_maps_the_flat_table_back_through_a_join() {
        let later = Mapping {
            tables: vec![
                plain("customers", &[("id", "bigint"), ("email", "text"), ("city", "text")]),
                plain("orders", &[("id", "bigint"), ("customers_id", "bigint"), ("qty", "integer")]),
            ],
        };
        let op = extract("orders", &["email", "city"], &[1, 2], "customers", &["email"], "customers_id");
        let earlier = op.backward(later).unwrap();
        assert_eq!(earlier.tables.len(), 1);
        let orders = &earlier.tables[0];
        assert_eq!(names(orders), ["id", "email", "city", "qty"]);
        assert_eq!(orders.nodes.len(), 2);
        assert_eq!(
            orders.nodes[1].link,
            Link::Reference { parent: 0, column: "customers_id".into(), unique: Some(vec!["email".into()]) }
        );
        assert_eq!((orders.columns[2].node, orders.columns[2].column.as_str()), (1, "city"));
        assert!(!orders.is_plain());
        assert_eq!(orders.key().unwrap().name, "id");
    }

    #[test]
    fn two_extractions_compose_into_one_tree_over_three_tables() {
        // Model 3 (physical): orders → customers → cities.
        let physical = Mapping {
            tables: vec![
                plain("cities", &[("id", "bigint"), ("city", "text")]),
                plain("customers", &[("id", "bigint"), ("email", "text"), ("cities_id", "bigint")]),
                plain("orders", &[("id", "bigint"), ("customers_id", "bigint"), ("qty", "integer")]),
            ],
        };
        let second = extract("customers", &["city"], &[2], "cities", &["city"], "cities_id");
        let first = extract("orders", &["email", "city"], &[1, 2], "customers", &["email"], "customers_id");
        let model2 = second.backward(physical).unwrap();
        let model1 = first.backward(model2).unwrap();
        let orders = &model1.tables[0];
        assert_eq!(names(orders), ["id", "email", "city", "qty"]);
        let tables: Vec<&str> = orders.nodes.iter().map(|n| n.table.name.as_str()).collect();
        assert_eq!(tables, ["orders", "customers", "cities"]);
        assert_eq!(
            orders.nodes[2].link,
            Link::Reference { parent: 1, column: "cities_id".into(), unique: Some(vec!["city".into()]) }
        );
        assert_eq!((orders.columns[2].node, orders.columns[2].column.as_str()), (2, "city"));
    }

    #[test]
    fn columns_moved_to_an_extracted_table_share_its_join() {
        // Model 3 (physical): orders → customers, which got city by a move after the extraction.
        let physical = Mapping {
            tables: vec![
                plain("customers", &[("id", "bigint"), ("email", "text"), ("city", "text")]),
                plain("orders", &[("id", "bigint"), ("customers_id", "bigint")]),
            ],
        };
        let moved = Op::Move {
            table: "orders".into(),
            columns: vec!["city".into()],
            positions: vec![2],
            link: "customers_id".into(),
            to: "customers".into(),
            key: Some(vec!["email".into()]),
        };
        let extracted = extract("orders", &["email"], &[1], "customers", &["email"], "customers_id");
        let model1 = extracted.backward(moved.backward(physical).unwrap()).unwrap();
        let orders = &model1.tables[0];
        assert_eq!(names(orders), ["id", "email", "city"]);
        assert_eq!(orders.nodes.len(), 2, "one join to customers: {:?}", orders.nodes);
        assert!(orders.columns[1..].iter().all(|column| column.node == 1));
    }

    #[test]
    fn renames_and_retypes_apply_newest_first() {
        let physical = Mapping { tables: vec![plain("people", &[("id", "bigint"), ("age", "numeric")])] };
        let retype = Op::Retype {
            table: "people".into(),
            column: "age".into(),
            old_type: "text".into(),
            type_name: "numeric".into(),
            using: None,
            function: None,
        };
        let rename = Op::RenameColumn { table: "People".into(), column: "Age".into(), to: "age".into() };
        let table = Op::RenameTable { table: "People".into(), to: "people".into() };
        // Steps made in the order: rename column, rename table, retype.
        let model3 = retype.backward(physical).unwrap();
        let model2 = table.backward(model3).unwrap();
        let model1 = rename.backward(model2).unwrap();
        let people = model1.table("People").unwrap();
        let age = people.column("Age").unwrap();
        assert_eq!((age.type_name.as_str(), age.column.as_str()), ("text", "age"));
        assert_eq!(age.reads, ["text"]);
        assert_eq!(age.writes, [Write::Cast("numeric".into())]);
        assert!(!people.is_plain());
    }

    #[test]
    fn a_dropped_column_comes_back_from_its_kept_table_where_it_was() {
        let physical = Mapping { tables: vec![plain("t", &[("id", "bigint"), ("b", "text")])] };
        let drop = Op::DropColumn {
            table: "t".into(),
            column: "a".into(),
            type_name: "date".into(),
            position: 1,
            kept: "kept_model_1_2".into(),
        };
        let model1 = drop.backward(physical.clone()).unwrap();
        let t = &model1.tables[0];
        assert_eq!(names(t), ["id", "a", "b"]);
        assert_eq!(t.nodes[1].link, Link::Extension { parent: 0 });
        assert_eq!(t.nodes[1].table.to_string(), "\"strata\".\"kept_model_1_2\"");
        let add = Op::AddColumn { table: "t".into(), column: "b".into(), type_name: "text".into() };
        assert_eq!(names(&add.backward(physical).unwrap().tables[0]), ["id"]);
    }

    #[test]
    fn a_missing_table_or_column_is_an_error_not_a_panic() {
        let physical = Mapping { tables: vec![plain("t", &[("id", "bigint")])] };
        let op = Op::RenameColumn { table: "t".into(), column: "x".into(), to: "y".into() };
        let err = op.backward(physical.clone()).unwrap_err();
        assert_eq!(err.what, "t.y");
        let op = extract("t", &["a"], &[1], "gone", &["a"], "gone_id");
        assert!(op.backward(physical).is_err());
    }
    #[test]
    fn a_merged_table_comes_back_grouped_over_the_rows_that_hold_its_values() {
        // Model 3 (physical): orders flat again, the links kept in strata.kept_links.
        let physical = Mapping {
            tables: vec![plain("orders", &[("id", "bigint"), ("email", "text"), ("city", "text"), ("qty", "integer")])],
        };
        let merge = Op::Merge {
            table: "orders".into(),
            link: "customers_id".into(),
            link_position: 1,
            from: "customers".into(),
            key: "id".into(),
            key_type: "bigint".into(),
            columns: vec!["email".into(), "city".into()],
            positions: vec![1, 2],
            key_position: 0,
            kept: "kept_links".into(),
        };
        let model2 = merge.backward(physical).unwrap();
        let customers = model2.table("customers").unwrap();
        assert_eq!(names(customers), ["id", "email", "city"]);
        assert_eq!(customers.grouped.as_deref(), Some("id"));
        assert_eq!(customers.key().unwrap().name, "id");
        assert_eq!(customers.nodes[0].table.name.as_str(), "orders");
        assert_eq!((customers.columns[0].node, customers.columns[0].column.as_str()), (1, "value"));
        let orders = model2.table("orders").unwrap();
        assert_eq!(names(orders), ["id", "customers_id", "qty"]);
        assert_eq!(orders.fills, [Fill { link: "customers_id".into(), columns: vec!["email".into(), "city".into()] }]);
        assert!(!orders.is_plain() && !customers.is_plain());

        // Model 1, before the extraction: the flat orders read their own columns, no join.
        let extract = extract("orders", &["email", "city"], &[1, 2], "customers", &["email"], "customers_id");
        let model1 = extract.backward(model2).unwrap();
        let orders = &model1.tables[0];
        assert_eq!(names(orders), ["id", "email", "city", "qty"]);
        assert_eq!(orders.nodes.len(), 1, "{:?}", orders.nodes);
        assert!(orders.fills.is_empty());
        assert!(orders.is_plain());
    }

    #[test]
    fn rows_split_off_come_back_as_a_part_read_like_the_table() {
        let physical = Mapping {
            tables: vec![
                plain("big", &[("id", "bigint"), ("amount", "numeric")]),
                plain("orders", &[("id", "bigint"), ("amount", "numeric")]),
            ],
        };
        let split = Op::SplitRows {
            table: "orders".into(),
            into: "big".into(),
            condition: "amount > 100".into(),
            function: "model_1_2".into(),
            arguments: vec!["id".into(), "amount".into()],
        };
        let retype = Op::Retype {
            table: "orders".into(),
            column: "amount".into(),
            old_type: "text".into(),
            type_name: "numeric".into(),
            using: None,
            function: None,
        };
        let model2 = split.backward(physical).unwrap();
        assert_eq!(model2.tables.len(), 1);
        let orders = &model2.tables[0];
        assert_eq!(orders.parts.len(), 1);
        assert_eq!(orders.parts[0].table.nodes[0].table.name.as_str(), "big");
        assert_eq!(orders.parts[0].table.name, "orders");
        assert!(!orders.is_plain());
        // A retype made before the split converts both the table's and the part's column, and
        // the condition's argument back to the type it was written for.
        let model1 = retype.backward(model2).unwrap();
        let orders = &model1.tables[0];
        assert_eq!(orders.column("amount").unwrap().reads, ["text"]);
        assert_eq!(orders.parts[0].table.column("amount").unwrap().reads, ["text"]);
        assert_eq!(orders.parts[0].arguments[1].writes, [Write::Cast("numeric".into())]);
        let select = crate::model::view::select(orders).unwrap();
        assert!(select.contains(" UNION ALL "), "{select}");
    }

    #[test]
    fn a_column_a_condition_reads_stays_hidden_where_the_model_lacks_it() {
        let physical = Mapping {
            tables: vec![
                plain("big", &[("id", "bigint"), ("prio", "text")]),
                plain("orders", &[("id", "bigint"), ("prio", "text")]),
            ],
        };
        let split = Op::SplitRows {
            table: "orders".into(),
            into: "big".into(),
            condition: "prio = 'high'".into(),
            function: "model_1_3".into(),
            arguments: vec!["id".into(), "prio".into()],
        };
        let add = Op::AddColumn { table: "orders".into(), column: "prio".into(), type_name: "text".into() };
        let model1 = add.backward(split.backward(physical).unwrap()).unwrap();
        let orders = &model1.tables[0];
        assert_eq!(names(orders), ["id"]);
        let argument = &orders.parts[0].arguments[1];
        assert_eq!((argument.column.as_deref(), argument.stored.as_deref()), (None, Some("prio#0")));
        for table in [orders, &orders.parts[0].table] {
            let hidden: Vec<(&str, &str)> = table.hidden.iter().map(|c| (c.name.as_str(), c.column.as_str())).collect();
            assert_eq!(hidden, [("prio#0", "prio")], "{}", table.nodes[0].table);
        }
    }
}
