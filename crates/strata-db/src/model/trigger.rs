//! INSTEAD OF triggers of an earlier model's views: one PL/pgSQL function per view that
//! PostgreSQL cannot write by itself, routing each written row into the physical tables.
//!
//! For the flat `orders` of a model before `customers` was extracted (`"Customer Email"` its
//! key, node 1), an INSERT runs, in short:
//!
//! ```text
//! IF num_nonnulls(NEW."Customer Email", NEW."City") > 0 THEN
//!   IF NEW."Customer Email" IS NOT NULL THEN
//!     SELECT t1."id" AS k, t1."Customer Email" AS c1, t1."City" AS c2 INTO strata.e1
//!       FROM "public"."customers" t1 WHERE t1."Customer Email" = NEW."Customer Email";
//!   ELSE
//!     SELECT ... WHERE (t1."Customer Email" = NEW."Customer Email" OR (t1."Customer Email" IS NULL AND NEW."Customer Email" IS NULL));
//!   END IF;
//!   IF NOT FOUND THEN
//!     INSERT INTO "public"."customers" AS t1 ("Customer Email", "City") VALUES (NEW."Customer Email", NEW."City")
//!       ON CONFLICT ("Customer Email") DO NOTHING RETURNING t1."id" INTO strata.k1;
//!     ...
//!   END IF;
//!   IF strata.k1 IS NULL THEN
//!     strata.k1 := strata.e1.k;
//!     IF strata.e1.c2 IS DISTINCT FROM NEW."City" THEN RAISE EXCEPTION USING ... END IF;
//!   END IF;
//! END IF;
//! INSERT INTO "public"."orders" AS t0 ("customers_id", "amount") VALUES (strata.k1, NEW."amount") RETURNING t0."id" INTO strata.k0;
//! NEW."id" := strata.k0;
//! ```
//!
//! Variables live in the block labelled `strata` and are always named through it
//! (`strata.k1`), with `#variable_conflict use_column`, so a column named like one (`k1`) is
//! never ambiguous.
//!
//! Written values and existing entities, one rule here and in [`super::bulk`]: on INSERT, a
//! written NULL for an entity's attribute is "not given" (an existing entity keeps its value),
//! a written non-NULL value that differs from an existing entity's is refused. On UPDATE, an
//! entity's attribute changes only where the statement changed it and only if the entity still
//! holds the value this row read (`IS NOT DISTINCT FROM` the OLD value, as the model reads it):
//! rows of one statement (or concurrent writers) that give one entity different values are
//! refused rather than the last one silently winning; writing the same new value twice is fine.
//!
//! An entity is looked up before it is created (so reusing one does not use up an id). The
//! lookup is NULL-safe (`UNIQUE NULLS NOT DISTINCT`) yet keeps PL/pgSQL's cached generic plans
//! on the unique index: plain equality when every identifying value is written, which is the
//! common case, and the NULL-safe comparison only otherwise. (Planning each statement for the
//! values at hand, `plan_cache_mode = force_custom_plan`, made a row through the flat model
//! about 2.5 times slower than one written directly; with cached plans it is about 1.5.)
//! Messages name tables and columns from the catalog at run time (by oid and column number), so
//! no name is ever written into the function as a literal.

use strata_sql::{Ident, QualifiedName};

use super::mapping::LogicalTable;
use super::routing::{Find, Routing};
use super::union;
use super::view::{self, alias};
use crate::Error;
use crate::audit::ident;

/// The statements that create the trigger function `function` for `view` (showing `table`) and
/// attach it. `oids` holds, for each of the table's branches ([`union::branches`]: one unless
/// its rows were split since), each node's table's oid, for messages; `whole`, whether the model
/// shows everything each branch's anchor stores ([`union::trigger_body`]).
pub(super) fn create(
    function: &QualifiedName,
    trigger: &Ident,
    view: &QualifiedName,
    table: &LogicalTable,
    oids: &[Vec<u32>],
    whole: &[bool],
) -> Result<[String; 2], Error> {
    let branches = union::branches(table);
    let blocks = branches
        .iter()
        .zip(oids)
        .map(|(branch, oids)| Body::new(&branch.table, oids).render())
        .collect::<Result<Vec<_>, Error>>()?;
    let body = match blocks.as_slice() {
        [block] => block.clone(),
        _ => union::trigger_body(view, table, &blocks, oids, whole)?,
    };
    Ok(attach(function, trigger, view, &body))
}

/// The statements that create the trigger function `function` with `body` and attach it to
/// `view` as `trigger`.
pub(super) fn attach(function: &QualifiedName, trigger: &Ident, view: &QualifiedName, body: &str) -> [String; 2] {
    [
        format!(
            "CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql \
             SET search_path FROM CURRENT AS {}",
            dollar_quoted(&format!("\n#variable_conflict use_column\n{body}"))
        ),
        format!(
            "CREATE TRIGGER {trigger} INSTEAD OF INSERT OR UPDATE OR DELETE ON {view} \
             FOR EACH ROW EXECUTE FUNCTION {function}()"
        ),
    ]
}

/// `body` between dollar quotes whose tag it does not contain (a name may contain `$strata$`).
fn dollar_quoted(body: &str) -> String {
    let tag = (0..)
        .map(|n| if n == 0 { "$strata$".to_string() } else { format!("$strata{n}$") })
        .find(|tag| !body.contains(tag.as_str()))
        .unwrap_or_default(); // The search is unbounded; a finite body misses some tag.
    format!("{tag}{body}{tag}")
}

/// Which write a piece of the function serves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Event {
    Insert,
    Update,
}

/// The function's body, written line by line.
struct Body<'a> {
    routing: Routing<'a>,
    table: &'a LogicalTable,
    oids: &'a [u32],
    text: String,
    depth: usize,
}

/// The hint of a refused write that would give a linked row another value.
const SAME_VALUES: &str = "Every row that links to it shows the same values.";

impl<'a> Body<'a> {
    fn new(table: &'a LogicalTable, oids: &'a [u32]) -> Body<'a> {
        Body { routing: Routing::new(table), table, oids, text: String::new(), depth: 1 }
    }

    fn line(&mut self, line: impl AsRef<str>) {
        for _ in 0..self.depth {
            self.text.push_str("  ");
        }
        self.text.push_str(line.as_ref());
        self.text.push('\n');
    }

    fn open(&mut self, line: impl AsRef<str>) {
        self.line(line);
        self.depth += 1;
    }

    fn close(&mut self, line: impl AsRef<str>) {
        self.depth -= 1;
        self.line(line);
    }

    /// Refuses the write: `message` is an SQL expression (a `format(...)` call), `hint` a
    /// constant sentence.
    fn raise(&mut self, message: &str, hint: Option<&str>) {
        self.line(raise(message, hint));
    }

    fn otherwise(&mut self, line: impl AsRef<str>) {
        self.depth -= 1;
        self.line(line);
        self.depth += 1;
    }

    fn render(mut self) -> Result<String, Error> {
        let key = self.table.key().map(|column| column.name.clone());
        let anchor_key = self.table.nodes[0].key.clone();
        let mut declare = String::from("DECLARE\n");
        for (index, node) in self.table.nodes.iter().enumerate() {
            if !node.key.is_empty() {
                let key_type = format!("{}.{}%TYPE", node.table, ident(node.key.as_str())?);
                declare.push_str(&format!(
                    "  {} {key_type};\n  {} {key_type};\n",
                    local(KEY, index),
                    local(OLD_KEY, index)
                ));
                declare.push_str(&format!("  {} record;\n", local(ENTITY, index)));
            }
        }
        for (fill, _, names) in self.fills()? {
            for (index, name) in names.iter().enumerate() {
                declare.push_str(&format!(
                    "  {} {}.{name}%TYPE;\n",
                    copy_local(fill, index),
                    self.table.nodes[0].table
                ));
            }
        }

        self.open("IF TG_OP = 'INSERT' THEN");
        for (fill, link, names) in self.fills()? {
            self.look_up(fill, link, &names, None)?;
        }
        self.insert_anchor()?;
        if let Some(key) = &key {
            self.line(format!("NEW.{} := {};", ident(key.as_str())?, var(0)));
        }
        self.line("RETURN NEW;");
        self.close("END IF;");

        let (Some(key), false) = (key, anchor_key.is_empty()) else {
            self.raise(
                "format('%I has no key column in this model, so its rows cannot be changed or deleted through it; \
                 change them in the newest model', TG_TABLE_NAME)",
                None,
            );
            return Ok(block(&declare, &self.text));
        };
        let key = ident(key)?;
        let anchor = &self.table.nodes[0];
        let (physical, anchor_key) = (anchor.table.clone(), ident(anchor_key)?);
        self.open("IF TG_OP = 'DELETE' THEN");
        self.line(format!("DELETE FROM {physical} t0 WHERE t0.{anchor_key} = OLD.{key};"));
        self.line("IF NOT FOUND THEN RETURN NULL; END IF;");
        self.line("RETURN OLD;");
        self.close("END IF;");

        let nodes: Vec<usize> = (0..self.table.nodes.len()).filter(|n| !self.table.nodes[*n].key.is_empty()).collect();
        let keys = nodes
            .iter()
            .map(|n| Ok(format!("{}.{}", alias(*n), ident(self.table.nodes[*n].key.as_str())?)))
            .collect::<Result<Vec<_>, Error>>()?;
        let mut vars: Vec<String> = nodes.iter().map(|n| var(*n)).collect();
        vars.extend(nodes.iter().map(|n| old_key(*n)));
        self.line(format!(
            "SELECT {keys}, {keys} INTO {} FROM {} WHERE t0.{anchor_key} = OLD.{key};",
            vars.join(", "),
            view::from(self.table, 0)?,
            keys = keys.join(", "),
        ));
        self.line("IF NOT FOUND THEN RETURN NULL; END IF;");
        self.update_node(0)?;
        self.refill(&format!("NEW.{key}"))?;
        self.line("RETURN NEW;");
        Ok(block(&declare, &self.text))
    }

    /// INSERT: the anchor's entities, the anchor (its key from its default when none is
    /// written), then its extensions.
    fn insert_anchor(&mut self) -> Result<(), Error> {
        for child in self.routing.nodes[0].references.clone() {
            self.resolve(child, Event::Insert)?;
        }
        match self.key_index() {
            Some(index) => {
                let without = self.insert_statement(0, Some(index), None)?;
                let with = self.insert_statement(0, None, None)?;
                self.open(format!("IF {} IS NULL THEN", new(self.table, index)?));
                self.line(without);
                self.otherwise("ELSE");
                self.line(with);
                self.close("END IF;");
            }
            None => {
                let statement = self.insert_statement(0, None, None)?;
                self.line(statement);
            }
        }
        self.insert_extensions(0, Event::Insert)
    }

    /// The links to tables merged since that the model shows (index in `fills`, model column,
    /// the anchor's columns a link copies); none without an anchor key.
    fn fills(&self) -> Result<Vec<(usize, usize, Vec<Ident>)>, Error> {
        if self.table.nodes[0].key.is_empty() {
            return Ok(Vec::new());
        }
        let mut found = Vec::new();
        for (index, fill) in self.table.fills.iter().enumerate() {
            let Some(link) = self.table.columns.iter().position(|column| column.name == fill.link) else { continue };
            let names = fill.columns.iter().map(|name| ident(name.as_str())).collect::<Result<Vec<_>, _>>()?;
            found.push((index, link, names));
        }
        Ok(found)
    }

    /// Looks up, for a written link `link` to a table merged since (`fills[fill]`), that table's
    /// values, which the anchor's rows hold themselves now (`names`), in another row with the
    /// same link (lowest key first; not the row `except`) into the fill's variables, which stay
    /// NULL for a NULL link; refuses, like a foreign key, a link no other row has (that table's
    /// rows exist only through the rows linking to them).
    fn look_up(&mut self, fill: usize, link: usize, names: &[Ident], except: Option<&str>) -> Result<(), Error> {
        let key = ident(self.table.nodes[0].key.as_str())?;
        let (written, read) = (new(self.table, link)?, view::read(self.table, link)?);
        let mut others = format!("{} WHERE {read} = {written}", view::from(self.table, 0)?);
        if let Some(row) = except {
            others.push_str(&format!(" AND t0.{key} <> {row}"));
        }
        self.open(format!("IF {written} IS NOT NULL THEN"));
        if names.is_empty() {
            self.line(format!("PERFORM FROM {others} LIMIT 1;"));
        } else {
            let picked: Vec<String> = names.iter().map(|name| format!("t0.{name}")).collect();
            let into: Vec<String> = (0..names.len()).map(|index| copy_var(fill, index)).collect();
            self.line(format!(
                "SELECT {} INTO {} FROM {others} ORDER BY t0.{key} LIMIT 1;",
                picked.join(", "),
                into.join(", ")
            ));
        }
        let message = format!(
            "format('%I = %L links to no row: the rows it links to exist only through the rows that share the \
             link, and no other row of %I has it', {}, {written}, TG_TABLE_NAME)",
            column_name(link)
        );
        self.open("IF NOT FOUND THEN");
        self.line(raise_as(
            "foreign_key_violation",
            &message,
            Some("Link to a value another row has, or leave it empty."),
        ));
        self.close("END IF;");
        self.close("END IF;");
        Ok(())
    }

    /// After an UPDATE of the anchor's row `row` (its key) that changed a link to a table merged
    /// since: copies that table's values from another row with the same link (see
    /// [`Body::look_up`]), or clears them for a NULL link.
    fn refill(&mut self, row: &str) -> Result<(), Error> {
        let anchor = self.table.nodes[0].clone();
        let key = ident(anchor.key.as_str())?;
        for (fill, link, names) in self.fills()? {
            self.open(format!("IF {} THEN", changed(self.table, link)?));
            self.look_up(fill, link, &names, Some(row))?;
            if !names.is_empty() {
                let sets: Vec<String> = names
                    .iter()
                    .enumerate()
                    .map(|(index, name)| format!("{name} = {}", copy_var(fill, index)))
                    .collect();
                self.line(format!("UPDATE {} AS t0 SET {} WHERE t0.{key} = {row};", anchor.table, sets.join(", ")));
            }
            self.close("END IF;");
        }
        Ok(())
    }

    /// `INSERT` of node `node`'s row: its columns (but `skip`), its references' links, and for an
    /// extension its parent's key; `conflict` is the `ON CONFLICT` clause.
    fn insert_statement(&self, node: usize, skip: Option<usize>, conflict: Option<String>) -> Result<String, Error> {
        let route = &self.routing.nodes[node];
        let physical = &self.table.nodes[node];
        let mut names = Vec::new();
        let mut values = Vec::new();
        if route.find == Find::Extension {
            let parent = self.routing.parent(node).unwrap_or(0);
            names.push(ident(physical.key.as_str())?);
            values.push(var(parent));
        }
        for &column in route.columns.iter().filter(|c| Some(**c) != skip) {
            let logical = &self.table.columns[column];
            names.push(ident(logical.column.as_str())?);
            values.push(view::write(logical, new(self.table, column)?));
        }
        for &child in &route.references {
            if let Some(link) = self.written_link(child)? {
                names.push(link);
                values.push(var(child));
            }
        }
        if node == 0 {
            for (fill, _, copied) in self.fills()? {
                values.extend((0..copied.len()).map(|index| copy_var(fill, index)));
                names.extend(copied);
            }
        }
        let target = format!("{} AS {}", physical.table, alias(node));
        let mut sql = if names.is_empty() {
            format!("INSERT INTO {target} DEFAULT VALUES")
        } else {
            let names: Vec<String> = names.iter().map(Ident::to_string).collect();
            format!("INSERT INTO {target} ({}) VALUES ({})", names.join(", "), values.join(", "))
        };
        if let Some(conflict) = conflict {
            sql.push_str(&format!(" {conflict}"));
        }
        if !physical.key.is_empty() {
            sql.push_str(&format!(" RETURNING {}.{} INTO {}", alias(node), ident(physical.key.as_str())?, var(node)));
        }
        sql.push(';');
        Ok(sql)
    }

    /// The link column a node's row writes for its referenced node `child` (from the child's
    /// key variable); none when the model shows the link as a column of its own.
    fn written_link(&self, child: usize) -> Result<Option<Ident>, Error> {
        match (&self.routing.nodes[child].find, self.routing.link_column(child)) {
            (Find::Link(_), _) | (_, None) => Ok(None),
            (_, Some((_, column))) => Ok(Some(ident(column)?)),
        }
    }

    /// The extensions of `node` that get a value: each inserted (or updated) with `node`'s key.
    fn insert_extensions(&mut self, node: usize, event: Event) -> Result<(), Error> {
        for child in self.routing.nodes[node].extensions.clone() {
            let subtree = self.routing.nodes[child].subtree.clone();
            self.open(format!("IF {} THEN", any_value(self.table, &subtree)?));
            self.insert_extension(child, event)?;
            self.close("END IF;");
        }
        Ok(())
    }

    /// Upserts the extension `node`'s row with its parent's key (its own entities first).
    fn insert_extension(&mut self, node: usize, event: Event) -> Result<(), Error> {
        for child in self.routing.nodes[node].references.clone() {
            self.resolve(child, event)?;
        }
        let physical = &self.table.nodes[node];
        let key = ident(physical.key.as_str())?;
        let mut sets = Vec::new();
        for &column in &self.routing.nodes[node].columns {
            let name = ident(self.table.columns[column].column.as_str())?;
            sets.push(format!("{name} = EXCLUDED.{name}"));
        }
        for &child in &self.routing.nodes[node].references {
            if let Some(link) = self.written_link(child)? {
                sets.push(format!("{link} = EXCLUDED.{link}"));
            }
        }
        let conflict = if sets.is_empty() {
            format!("ON CONFLICT ({key}) DO NOTHING")
        } else {
            format!("ON CONFLICT ({key}) DO UPDATE SET {}", sets.join(", "))
        };
        let statement = self.insert_statement(node, None, Some(conflict))?;
        self.line(statement);
        self.insert_extensions(node, event)
    }

    /// Finds (or creates) the row of the referenced node `node` the written row names, into its
    /// key variable (left NULL when every value it keeps is NULL). On UPDATE, only the columns
    /// the statement changed must agree with an existing row.
    fn resolve(&mut self, node: usize, event: Event) -> Result<(), Error> {
        let subtree = self.routing.nodes[node].subtree.clone();
        let any = any_value(self.table, &subtree)?;
        match self.routing.nodes[node].find.clone() {
            Find::Unique(unique) => {
                self.line(format!("{} := NULL;", var(node)));
                self.open(format!("IF {any} THEN"));
                self.lookup_unique(node, &unique)?;
                self.open("IF NOT FOUND THEN");
                for child in self.routing.nodes[node].references.clone() {
                    self.resolve(child, event)?;
                }
                let names = unique
                    .iter()
                    .map(|c| Ok(ident(self.table.columns[*c].column.as_str())?.to_string()))
                    .collect::<Result<Vec<_>, Error>>()?;
                let conflict = format!("ON CONFLICT ({}) DO NOTHING", names.join(", "));
                let insert = self.insert_statement(node, None, Some(conflict))?;
                self.line(insert);
                if self.routing.nodes[node].extensions.is_empty() {
                    self.open("IF NOT FOUND THEN");
                } else {
                    self.open("IF FOUND THEN");
                    self.insert_extensions(node, event)?;
                    self.otherwise("ELSE");
                }
                self.lookup_unique(node, &unique)?;
                self.close("END IF;");
                self.close("END IF;");
                self.open(format!("IF {} IS NULL THEN", var(node)));
                self.line(format!("{} := {}.k;", var(node), entity(node)));
                let compared: Vec<usize> = subtree.iter().copied().filter(|c| !unique.contains(c)).collect();
                let key = self.key_text(&unique)?;
                self.compare(node, &compared, &key, event)?;
                self.close("END IF;");
                self.close("END IF;");
            }
            Find::Link(link) => {
                let value = new(self.table, link)?;
                self.open(format!("IF {value} IS NULL THEN"));
                self.open(format!("IF {any} THEN"));
                let message = format!(
                    "format('cannot write %s without %I: they are kept in %I, in the row %I names', {}, {}, {}, {})",
                    names_text(&subtree),
                    column_name(link),
                    self.relation_name(node),
                    column_name(link)
                );
                self.raise(&message, None);
                self.close("END IF;");
                self.otherwise("ELSE");
                let key = format!("{}.{}", alias(node), ident(self.table.nodes[node].key.as_str())?);
                let lookup = self.lookup(node, &subtree, &format!("{key} = {value}"))?;
                self.line(lookup);
                self.open("IF FOUND THEN");
                let text = self.key_text(&[link])?;
                self.compare(node, &subtree, &text, event)?;
                self.close("END IF;");
                self.close("END IF;");
                self.line(format!("{} := {value};", var(node)));
            }
            Find::Nothing => {
                self.open(format!("IF {any} THEN"));
                self.cannot_write(node, &subtree);
                self.close("END IF;");
            }
            Find::Anchor | Find::Extension => {}
        }
        Ok(())
    }

    fn cannot_write(&mut self, node: usize, subtree: &[usize]) {
        let message = format!(
            "format('cannot write %s through this model: they are kept in %I, and this model has no columns \
             that find its rows; write them in %I', {}, {}, {})",
            names_text(subtree),
            self.relation_name(node),
            self.relation_name(node)
        );
        self.raise(&message, None);
    }

    /// `SELECT` of node `node`'s key and of the model's `columns` under it (as the model reads
    /// them) into its record variable.
    fn lookup(&self, node: usize, columns: &[usize], condition: &str) -> Result<String, Error> {
        let key = format!("{}.{} AS k", alias(node), ident(self.table.nodes[node].key.as_str())?);
        let mut list = vec![key];
        for &column in columns {
            list.push(format!("{} AS c{column}", view::read(self.table, column)?));
        }
        Ok(format!(
            "SELECT {} INTO {} FROM {} WHERE {condition};",
            list.join(", "),
            entity(node),
            view::from(self.table, node)?
        ))
    }

    /// Looks up the row of `node` whose `unique` columns equal the written ones, NULLs
    /// included: by plain equality when none is NULL.
    fn lookup_unique(&mut self, node: usize, unique: &[usize]) -> Result<(), Error> {
        let (mut equal, mut same, mut present) = (Vec::new(), Vec::new(), Vec::new());
        for &column in unique {
            let physical = format!("{}.{}", alias(node), ident(self.table.columns[column].column.as_str())?);
            let value = view::write(&self.table.columns[column], new(self.table, column)?);
            equal.push(format!("{physical} = {value}"));
            same.push(format!("({physical} = {value} OR ({physical} IS NULL AND {value} IS NULL))"));
            present.push(format!("{value} IS NOT NULL"));
        }
        let subtree = &self.routing.nodes[node].subtree;
        let (equal, same) =
            (self.lookup(node, subtree, &equal.join(" AND "))?, self.lookup(node, subtree, &same.join(" AND "))?);
        self.open(format!("IF {} THEN", present.join(" AND ")));
        self.line(equal);
        self.otherwise("ELSE");
        self.line(same);
        self.close("END IF;");
        Ok(())
    }

    /// `"Customer Email" = 'a@x'` for the written values of `columns`, as an SQL text expression.
    fn key_text(&self, columns: &[usize]) -> Result<String, Error> {
        let parts = columns
            .iter()
            .map(|&column| Ok(format!("format('%I = %L', {}, {})", column_name(column), new(self.table, column)?)))
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(format!("concat_ws(', ', {})", parts.join(", ")))
    }

    /// Refuses a written value of `columns` that differs from the found row's (on UPDATE, only
    /// where the statement changed it).
    fn compare(&mut self, node: usize, columns: &[usize], key: &str, event: Event) -> Result<(), Error> {
        for &column in columns {
            let written = new(self.table, column)?;
            let existing = format!("{}.c{column}", entity(node));
            // On INSERT a written NULL is not given (the entity keeps its value); on UPDATE only
            // the values the statement changed count.
            let differs = match event {
                Event::Insert => format!("{written} IS NOT NULL AND {existing} IS DISTINCT FROM {written}"),
                Event::Update => {
                    format!("{existing} IS DISTINCT FROM {written} AND {}", changed(self.table, column)?)
                }
            };
            let message = format!(
                "format('%I with %s already has %I = %L, not %L; change it in %I, or write the same value', \
                 {relation}, {key}, {name}, {existing}, {written}, {relation})",
                relation = self.relation_name(node),
                name = column_name(column),
            );
            self.open(format!("IF {differs} THEN"));
            self.raise(&message, Some(SAME_VALUES));
            self.close("END IF;");
        }
        Ok(())
    }

    /// UPDATE of node `node`'s row (its key variable holds its current key): its references
    /// first (re-pointed, or their rows updated), then its changed columns and links, then its
    /// extensions.
    fn update_node(&mut self, node: usize) -> Result<(), Error> {
        for child in self.routing.nodes[node].references.clone() {
            self.update_reference(child)?;
        }
        let physical = &self.table.nodes[node];
        let key = ident(physical.key.as_str())?;
        let me = alias(node);
        let (mut sets, mut changes, mut unchanged) = (Vec::new(), Vec::new(), Vec::new());
        let mut checked = self.routing.nodes[node].columns.clone();
        for &column in &self.routing.nodes[node].columns {
            let logical = &self.table.columns[column];
            let name = ident(logical.column.as_str())?;
            let change = changed(self.table, column)?;
            let value = view::write(logical, new(self.table, column)?);
            sets.push(format!("{name} = CASE WHEN {change} THEN {value} ELSE {me}.{name} END"));
            unchanged.push(format!(
                "(NOT ({change}) OR {} IS NOT DISTINCT FROM OLD.{})",
                view::read(self.table, column)?,
                ident(logical.name.as_str())?
            ));
            changes.push(change);
        }
        for &child in &self.routing.nodes[node].references {
            if let Some(link) = self.written_link(child)? {
                sets.push(format!("{link} = {}", var(child)));
                changes.push(format!("{me}.{link} IS DISTINCT FROM {}", var(child)));
                unchanged.push(format!("{me}.{link} IS NOT DISTINCT FROM {}", old_key(child)));
                checked.extend(self.routing.nodes[child].subtree.iter().copied());
            }
        }
        if !sets.is_empty() {
            // Only a row still as this row read it is changed: another row of the statement (or
            // another transaction) that changed it first makes this one a conflict, unless it
            // wrote the same values.
            self.line(format!(
                "UPDATE {} AS {me} SET {} WHERE {me}.{key} = {} AND ({}) AND {};",
                physical.table,
                sets.join(", "),
                var(node),
                changes.join(" OR "),
                unchanged.join(" AND ")
            ));
            checked.sort_unstable();
            self.changed_first(node, &checked)?;
        }
        if node == 0
            && !self.routing.nodes[0].extensions.is_empty()
            && let Some(index) = self.key_index()
        {
            self.line(format!("{} := {};", var(0), new(self.table, index)?));
        }
        for child in self.routing.nodes[node].extensions.clone() {
            let subtree = self.routing.nodes[child].subtree.clone();
            self.open(format!("IF {} IS NOT NULL THEN", var(child)));
            self.update_node(child)?;
            self.otherwise(format!("ELSIF {} THEN", any_value(self.table, &subtree)?));
            self.insert_extension(child, Event::Update)?;
            self.close("END IF;");
        }
        Ok(())
    }

    /// After an UPDATE of node `node`'s row that changed nothing: refuses a value of `columns`
    /// the statement changed that the row holds no more, written otherwise meanwhile.
    fn changed_first(&mut self, node: usize, columns: &[usize]) -> Result<(), Error> {
        let moved = columns.iter().map(|c| changed(self.table, *c)).collect::<Result<Vec<_>, Error>>()?;
        self.open(format!("IF NOT FOUND AND ({}) THEN", moved.join(" OR ")));
        let key = format!("{}.{}", alias(node), ident(self.table.nodes[node].key.as_str())?);
        let lookup = self.lookup(node, columns, &format!("{key} = {}", var(node)))?;
        self.line(lookup);
        let identity = self.identity_text(node)?;
        for (&column, moved) in columns.iter().zip(&moved) {
            let (written, now) = (new(self.table, column)?, format!("{}.c{column}", entity(node)));
            let message = format!(
                "format('%I with %s: %I was changed to %L by another row of this statement (or another \
                 transaction), and this row would make it %L; write one value per row of %I', \
                 {relation}, {identity}, {name}, {now}, {written}, {relation})",
                relation = self.relation_name(node),
                name = column_name(column),
            );
            self.open(format!("IF FOUND AND {moved} AND {now} IS DISTINCT FROM {written} THEN"));
            self.raise(&message, Some(SAME_VALUES));
            self.close("END IF;");
        }
        self.close("END IF;");
        Ok(())
    }

    /// What identifies node `node`'s row to people, as an SQL text expression: the columns that
    /// find it (`"Customer Email" = 'a@x'`), else its key.
    fn identity_text(&self, node: usize) -> Result<String, Error> {
        match &self.routing.nodes[node].find {
            Find::Unique(columns) => self.key_text(columns),
            Find::Link(link) => self.key_text(&[*link]),
            Find::Anchor | Find::Extension | Find::Nothing => Ok(format!(
                "format('%I = %L', (SELECT a.attname FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a \
                 ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] WHERE i.indrelid = {} AND i.indisprimary), {})",
                self.oids[node],
                var(node)
            )),
        }
    }

    /// UPDATE of the referenced node `node`: re-pointed when the columns that find it changed (or
    /// it was not linked), else its row updated.
    fn update_reference(&mut self, node: usize) -> Result<(), Error> {
        let subtree = self.routing.nodes[node].subtree.clone();
        let any = any_value(self.table, &subtree)?;
        match self.routing.nodes[node].find.clone() {
            Find::Unique(unique) => {
                let moved = unique.iter().map(|c| changed(self.table, *c)).collect::<Result<Vec<_>, Error>>()?;
                self.open(format!("IF NOT {any} THEN"));
                self.line(format!("{} := NULL;", var(node)));
                self.otherwise(format!("ELSIF {} IS NULL OR {} THEN", var(node), moved.join(" OR ")));
                self.resolve(node, Event::Update)?;
                self.otherwise("ELSE");
                self.update_node(node)?;
                self.close("END IF;");
            }
            Find::Link(link) => {
                self.open(format!("IF {} THEN", changed(self.table, link)?));
                self.resolve(node, Event::Update)?;
                self.otherwise(format!("ELSIF {} IS NOT NULL THEN", var(node)));
                self.update_node(node)?;
                self.otherwise(format!("ELSIF {any} THEN"));
                self.resolve(node, Event::Update)?;
                self.close("END IF;");
            }
            Find::Nothing => {
                self.open(format!("IF {} IS NOT NULL THEN", var(node)));
                self.update_node(node)?;
                self.otherwise(format!("ELSIF {any} THEN"));
                self.cannot_write(node, &subtree);
                self.close("END IF;");
            }
            Find::Anchor | Find::Extension => {}
        }
        Ok(())
    }

    /// The index of the model's key column, if it shows one.
    fn key_index(&self) -> Option<usize> {
        let key = self.table.key()?;
        self.table.columns.iter().position(|column| column.name == key.name)
    }

    /// The name of node `node`'s table, read from the catalog at run time.
    fn relation_name(&self, node: usize) -> String {
        format!("(SELECT relname FROM pg_catalog.pg_class WHERE oid = {})", self.oids[node])
    }
}

/// `RAISE` of a refused write: `message` is an SQL expression (a `format(...)` call), `hint` a
/// constant sentence.
pub(super) fn raise(message: &str, hint: Option<&str>) -> String {
    raise_as("P0001", message, hint)
}

/// [`raise`] with the SQLSTATE `code`.
pub(super) fn raise_as(code: &str, message: &str, hint: Option<&str>) -> String {
    let hint = hint.map(|hint| format!(", HINT = '{hint}'")).unwrap_or_default();
    format!("RAISE EXCEPTION USING ERRCODE = '{code}', MESSAGE = {message}{hint};")
}

/// The label of the function's block: every variable is named through it, and with
/// `#variable_conflict use_column` a column named like a variable is never ambiguous (no table
/// is ever aliased `strata`: nodes are `t<i>`).
const LABEL: &str = "strata";
/// Prefix of the key variables.
const KEY: &str = "k";
/// Prefix of the variables holding each node's key as the updated row had it.
const OLD_KEY: &str = "o";
/// Prefix of the record variables holding a node's row as found.
const ENTITY: &str = "e";
/// Prefix of the variables holding the values a written link to a table merged since copies.
const COPY: &str = "c";

/// The function's block (a union's has one per branch): its variables, declared in the
/// labelled block, and `statements`.
pub(super) fn block(declare: &str, statements: &str) -> String {
    format!("<<{LABEL}>>\n{declare}BEGIN\n{statements}END {LABEL};\n")
}

/// Variable `prefix` of node `node`, as declared.
fn local(prefix: &str, node: usize) -> String {
    format!("{prefix}{node}")
}

/// The key variable of node `node`.
fn var(node: usize) -> String {
    format!("{LABEL}.{}", local(KEY, node))
}

/// The variable holding node `node`'s key as the updated row had it.
fn old_key(node: usize) -> String {
    format!("{LABEL}.{}", local(OLD_KEY, node))
}

/// Variable `index` of the values fill `fill` copies, as declared.
fn copy_local(fill: usize, index: usize) -> String {
    format!("{COPY}{fill}_{index}")
}

/// Variable `index` of the values fill `fill` copies.
fn copy_var(fill: usize, index: usize) -> String {
    format!("{LABEL}.{}", copy_local(fill, index))
}

/// The record variable of node `node`'s row, as found.
fn entity(node: usize) -> String {
    format!("{LABEL}.{}", local(ENTITY, node))
}

/// The written value of model column `index`.
pub(super) fn new(table: &LogicalTable, index: usize) -> Result<String, Error> {
    Ok(format!("NEW.{}", ident(table.columns[index].name.as_str())?))
}

/// Whether an UPDATE changed model column `index`.
pub(super) fn changed(table: &LogicalTable, index: usize) -> Result<String, Error> {
    let name = ident(table.columns[index].name.as_str())?;
    Ok(format!("NEW.{name} IS DISTINCT FROM OLD.{name}"))
}

/// Whether any of `columns` is written non-NULL.
fn any_value(table: &LogicalTable, columns: &[usize]) -> Result<String, Error> {
    if columns.is_empty() {
        return Ok("false".into());
    }
    let values = columns.iter().map(|c| new(table, *c)).collect::<Result<Vec<_>, Error>>()?;
    Ok(format!("num_nonnulls({}) > 0", values.join(", ")))
}

/// The name of the view's column `index`, read from the catalog at run time.
pub(super) fn column_name(index: usize) -> String {
    format!("(SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = TG_RELID AND attnum = {})", index + 1)
}

/// `"City", "Country"`: the names of the view's `columns`, quoted, as an SQL text expression.
fn names_text(columns: &[usize]) -> String {
    let parts: Vec<String> = columns.iter().map(|c| format!("format('%I', {})", column_name(*c))).collect();
    format!("concat_ws(', ', {})", parts.join(", "))
}
