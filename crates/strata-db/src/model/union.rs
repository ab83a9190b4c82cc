//! Writes through an earlier model's table whose rows were split by a condition since (split by
//! rows): a union of the tables holding them, its branches.
//!
//! Each branch is read and written as a table of its own (its parts left out). A row written
//! goes to the branch its values route it to: the first part whose condition holds
//! (`strata.<function>(arguments) IS TRUE`, each argument the written column converted to the
//! type it had when the rows were split), within it likewise, else the table's own anchor. The
//! row triggers route each row ([`trigger_body`]); the set-based writes route all rows at once
//! ([`super::bulk`]).
//!
//! A condition may read columns the model does not show (added since, a link extracted since).
//! An inserted row has no value for them (NULL is passed). An UPDATE routes its row again only
//! when it changes a column the model shows that a condition reads, and then passes, for the
//! columns the model lacks, the values stored in the row it changes ([`LogicalTable::hidden`]):
//! what the model cannot see never moves a row, nor is lost. A row routed elsewhere moves in the
//! physical tables, whole and with its key (deleted from one anchor, inserted into the other),
//! then takes the update there; where the two tables do not hold the same columns it cannot move
//! and the UPDATE is refused. A key is unique across the branches: writing one another branch
//! holds is refused as a unique violation.
//!
//! For `orders` split into `big_orders` where `amount >= 100`, the trigger runs, in short:
//!
//! ```text
//! IF TG_OP = 'INSERT' THEN
//!   IF NEW."id" IS NOT NULL AND (EXISTS (<big_orders' row NEW."id">) OR EXISTS (<orders'>)) THEN RAISE ...;
//!   IF strata."model_1_2"(NEW."id", NEW."amount") IS TRUE THEN strata_union.routed := 0;
//!   ELSE strata_union.routed := 1; END IF;
//!   strata_union.held := strata_union.routed;
//! ELSE
//!   IF EXISTS (SELECT 1 FROM "public"."big_orders" t0 WHERE t0."id" = OLD."id") THEN strata_union.held := 0;
//!   ELSIF EXISTS (SELECT 1 FROM "public"."orders" t0 WHERE t0."id" = OLD."id") THEN strata_union.held := 1;
//!   ELSE RETURN NULL; END IF;
//!   IF TG_OP = 'UPDATE' THEN
//!     <the same key check when NEW."id" differs from OLD."id">
//!     strata_union.routed := strata_union.held;
//!     IF NEW."id" IS DISTINCT FROM OLD."id" OR NEW."amount" IS DISTINCT FROM OLD."amount" THEN
//!       <route as for INSERT>
//!     END IF;
//!     IF strata_union.routed <> strata_union.held THEN <move the stored row>; END IF;
//!   END IF;
//! END IF;
//! IF strata_union.held = 0 THEN <big_orders' block> ELSIF strata_union.held = 1 THEN <orders' block> END IF;
//! ```

use strata_sql::{Ident, QualifiedName};

use super::mapping::{Argument, Link, LogicalColumn, LogicalTable, Part};
use super::trigger::raise_as;
use super::view::{self, alias};
use crate::Error;
use crate::audit::ident;

/// One table a union's rows are held in.
pub(super) struct Branch<'a> {
    /// Its rows, read and written as a table of their own.
    pub(super) table: LogicalTable,
    /// The parts' conditions a row's values must meet (`true`) or not (`false`) to go here.
    path: Vec<(&'a Part, bool)>,
}

impl Branch<'_> {
    /// Whether a row goes here, as SQL over its values: `value(argument)` is what a condition's
    /// argument reads, before its conversion.
    pub(super) fn route(&self, value: &impl Fn(&Argument) -> Result<String, Error>) -> Result<String, Error> {
        if self.path.is_empty() {
            return Ok("true".into());
        }
        let tests = self
            .path
            .iter()
            .map(|(part, holds)| {
                let test = condition(part, value)?;
                Ok(if *holds { test } else { format!("NOT ({test})") })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(tests.join(" AND "))
    }
}

/// The tables `table`'s rows are held in: its parts' (theirs first, recursively), then its own
/// anchor's, last. A table not split by rows is its only branch.
pub(super) fn branches(table: &LogicalTable) -> Vec<Branch<'_>> {
    let mut found = Vec::new();
    gather(table, Vec::new(), &mut found);
    found
}

/// Adds the branches of `table`, whose rows meet the conditions `path`, to `found`: each part's
/// (its condition holding, the earlier parts' not), then the anchor's (no part's holding).
fn gather<'a>(table: &'a LogicalTable, path: Vec<(&'a Part, bool)>, found: &mut Vec<Branch<'a>>) {
    let mut before = path;
    for part in &table.parts {
        let mut here = before.clone();
        here.push((part, true));
        gather(&part.table, here, found);
        before.push((part, false));
    }
    found.push(Branch { table: LogicalTable { parts: Vec::new(), ..table.clone() }, path: before });
}

/// `strata.<function>(arguments) IS TRUE` over the values `value` gives.
fn condition(part: &Part, value: &impl Fn(&Argument) -> Result<String, Error>) -> Result<String, Error> {
    let arguments = part
        .arguments
        .iter()
        .map(|argument| Ok(view::convert(&argument.writes, value(argument)?)))
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(format!("{}({}) IS TRUE", part.condition, arguments.join(", ")))
}

/// Every argument of the conditions of `table`'s parts, and of theirs.
fn arguments(table: &LogicalTable) -> Vec<&Argument> {
    let mut found = Vec::new();
    for part in &table.parts {
        found.extend(&part.arguments);
        found.extend(arguments(&part.table));
    }
    found
}

/// The trigger function's statements for the union `table` shown by `view`: the branch that
/// holds the changed row, the branch the written row routes to (moving it there), then that
/// branch's block (`blocks`, in [`branches`]' order). `oids` holds each branch's nodes' tables'
/// oids; `whole`, whether the model shows everything each branch's anchor stores.
pub(super) fn trigger_body(
    view: &QualifiedName,
    table: &LogicalTable,
    blocks: &[String],
    oids: &[Vec<u32>],
    whole: &[bool],
) -> Result<String, Error> {
    let branches = branches(table);
    let arguments = arguments(table);
    let hidden = hidden(&branches, &arguments);
    let mut text = format!(
        "<<{LABEL}>>\nDECLARE\n  routed integer;\n  held integer;\n  source oid;\n  target oid;\n  names text;\n"
    );
    for (index, (_, column)) in hidden.iter().enumerate() {
        text.push_str(&format!("  s{index} {};\n", column.type_name));
    }
    text.push_str("BEGIN\nIF TG_OP = 'INSERT' THEN\n");
    let Some(key) = table.key() else {
        // Without a key, the anchor's block refuses changing and deleting rows.
        text.push_str(&route(&branches, &|_| Ok("NULL".into()))?);
        text.push_str(&format!(
            "  {LABEL}.held := {LABEL}.routed;\nELSE\n  {LABEL}.held := {};\nEND IF;\n",
            branches.len() - 1
        ));
        return Ok(finish(text, blocks));
    };
    let position = table.columns.iter().position(|column| column.name == key.name).map_or(0, |at| at + 1);
    let key = ident(key.name.as_str())?;
    let new = |argument: &Argument| match (&argument.column, &argument.stored) {
        (Some(column), _) => Ok(format!("NEW.{}", ident(column.as_str())?)),
        (None, Some(tag)) => Ok(hidden
            .iter()
            .position(|(have, _)| have == tag)
            .map_or_else(|| "NULL".to_string(), |index| format!("{LABEL}.s{index}"))),
        (None, None) => Ok("NULL".to_string()),
    };
    text.push_str(&taken(&branches, &format!("NEW.{key} IS NOT NULL"), &key, position)?);
    text.push_str(&route(&branches, &|argument| {
        if argument.column.is_some() { new(argument) } else { Ok("NULL".into()) }
    })?);
    text.push_str(&format!("  {LABEL}.held := {LABEL}.routed;\nELSE\n"));
    text.push_str(&holder(&branches, &key)?);
    text.push_str("  IF TG_OP = 'UPDATE' THEN\n");
    text.push_str(&taken(&branches, &format!("NEW.{key} IS DISTINCT FROM OLD.{key}"), &key, position)?);
    text.push_str(&format!("  {LABEL}.routed := {LABEL}.held;\n"));
    let shown = changed(&arguments)?;
    if !shown.is_empty() {
        text.push_str(&format!("  IF {} THEN\n", shown.join(" OR ")));
        text.push_str(&stored(&branches, &hidden, &key)?);
        text.push_str(&route(&branches, &new)?);
        text.push_str("  END IF;\n");
    }
    text.push_str(&format!("  IF {LABEL}.routed <> {LABEL}.held THEN\n"));
    text.push_str(&relocate(&branches, view, oids, whole, &key)?);
    text.push_str(&format!("    {LABEL}.held := {LABEL}.routed;\n  END IF;\n  END IF;\nEND IF;\n"));
    Ok(finish(text, blocks))
}

/// Sets `held` to the branch holding the changed row (model key `OLD.key`); returns NULL when
/// none does (deleted meanwhile).
fn holder(branches: &[Branch<'_>], key: &Ident) -> Result<String, Error> {
    let mut text = String::new();
    for (index, branch) in branches.iter().enumerate() {
        let word = if index == 0 { "IF" } else { "ELSIF" };
        let (from, test) = holds(branch, &format!("OLD.{key}"))?;
        text.push_str(&format!(
            "  {word} EXISTS (SELECT 1 FROM {from} WHERE {test}) THEN\n    {LABEL}.held := {index};\n"
        ));
    }
    text.push_str("  ELSE\n    RETURN NULL;\n  END IF;\n");
    Ok(text)
}

/// The tests that an UPDATE changed a column the model shows that `arguments` read, once each.
fn changed(arguments: &[&Argument]) -> Result<Vec<String>, Error> {
    let mut shown: Vec<String> = Vec::new();
    for column in arguments.iter().filter_map(|argument| argument.column.as_deref()) {
        let column = ident(column)?;
        let test = format!("NEW.{column} IS DISTINCT FROM OLD.{column}");
        if !shown.contains(&test) {
            shown.push(test);
        }
    }
    Ok(shown)
}

/// `text` followed by each branch's block, run for the branch that holds the row.
fn finish(mut text: String, blocks: &[String]) -> String {
    for (index, block) in blocks.iter().enumerate() {
        let test = if index == 0 { "IF" } else { "ELSIF" };
        text.push_str(&format!("{test} {LABEL}.held = {index} THEN\n{block}"));
    }
    text.push_str(&format!("END IF;\nRETURN NULL;\nEND {LABEL};\n"));
    text
}

/// Sets `routed` to the branch whose route holds over the values `value` gives.
fn route(branches: &[Branch<'_>], value: &impl Fn(&Argument) -> Result<String, Error>) -> Result<String, Error> {
    let last = branches.len().saturating_sub(1);
    let mut text = String::new();
    for (index, branch) in branches.iter().enumerate() {
        let test = match index {
            0 => format!("  IF {} THEN\n", branch.route(value)?),
            _ if index == last => "  ELSE\n".to_string(),
            _ => format!("  ELSIF {} THEN\n", branch.route(value)?),
        };
        text.push_str(&format!("{test}    {LABEL}.routed := {index};\n"));
    }
    text.push_str("  END IF;\n");
    Ok(text)
}

/// The anchor of `branch` aliased `t0`, and the test that its row has the model key `value`.
fn holds(branch: &Branch<'_>, value: &str) -> Result<(String, String), Error> {
    let anchor = &branch.table.nodes[0];
    Ok((format!("{} {}", anchor.table, alias(0)), format!("{}.{} = {value}", alias(0), ident(anchor.key.as_str())?)))
}

/// Refuses, as a unique violation, a written key (`NEW.key`, when `when` holds) that a branch
/// holds already: keys are unique across the branches, as in the table before the split.
/// `position` is the key's column number in the view, to name it.
fn taken(branches: &[Branch<'_>], when: &str, key: &Ident, position: usize) -> Result<String, Error> {
    let found = branches
        .iter()
        .map(|branch| {
            let (from, test) = holds(branch, &format!("NEW.{key}"))?;
            Ok(format!("EXISTS (SELECT 1 FROM {from} WHERE {test})"))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let message = format!(
        "format('a row of %I with %I %s exists already (keys are unique across the tables its rows are split \
         into)', TG_TABLE_NAME, (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = TG_RELID AND a.attnum = \
         {position}), NEW.{key})"
    );
    let raise = raise_as("23505", &message, Some("Leave the key out to have one drawn, or write another."));
    Ok(format!("  IF {when} AND ({}) THEN\n    {raise}\n  END IF;\n", found.join(" OR ")))
}

/// The hidden columns the conditions read ([`LogicalTable::hidden`]), by tag, each as the first
/// branch holding it has it (for its type); those no branch holds are left out (NULL is passed).
fn hidden<'a>(branches: &'a [Branch<'_>], arguments: &[&Argument]) -> Vec<(String, &'a LogicalColumn)> {
    let mut found: Vec<(String, &LogicalColumn)> = Vec::new();
    for tag in arguments.iter().filter_map(|argument| argument.stored.as_ref()) {
        let column = branches.iter().find_map(|branch| branch.table.hidden.iter().find(|column| &column.name == tag));
        if let (Some(column), false) = (column, found.iter().any(|(have, _)| have == tag)) {
            found.push((tag.clone(), column));
        }
    }
    found
}

/// Reads the hidden columns `hidden` of the row (model key `OLD.key`) from the branch holding it
/// into `s<i>`: NULL where that branch lacks one.
fn stored(branches: &[Branch<'_>], hidden: &[(String, &LogicalColumn)], key: &Ident) -> Result<String, Error> {
    if hidden.is_empty() {
        return Ok(String::new());
    }
    let into = (0..hidden.len()).map(|index| format!("{LABEL}.s{index}")).collect::<Vec<_>>().join(", ");
    let mut text = String::new();
    for (index, branch) in branches.iter().enumerate() {
        let values = hidden
            .iter()
            .map(|(tag, column)| match branch.table.hidden.iter().find(|have| &have.name == tag) {
                Some(have) => Ok(format!("CAST({} AS {})", view::read_column(have)?, column.type_name)),
                None => Ok(format!("CAST(NULL AS {})", column.type_name)),
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let test = if index == 0 { "IF" } else { "ELSIF" };
        text.push_str(&format!(
            "    {test} {LABEL}.held = {index} THEN\n      SELECT {} INTO {into} FROM {} WHERE {}.{} = OLD.{key};\n",
            values.join(", "),
            view::from(&branch.table, 0)?,
            alias(0),
            ident(branch.table.nodes[0].key.as_str())?
        ));
    }
    text.push_str("    END IF;\n");
    Ok(text)
}

/// Moves the changed row (model key `OLD.key`) from the branch holding it to the branch it
/// routes to, with its key: where the two read the same joined tables and their anchors hold the
/// same columns, the stored row moves whole from one anchor to the other and takes the update
/// there; else, where the model shows all the row stores, it moves through `view` (deleted, then
/// inserted as written, each branch's block doing its part); else it cannot move losslessly and
/// the UPDATE is refused.
fn relocate(
    branches: &[Branch<'_>],
    view: &QualifiedName,
    oids: &[Vec<u32>],
    whole: &[bool],
    key: &Ident,
) -> Result<String, Error> {
    let anchors = oids.iter().map(|oids| oids.first().copied().unwrap_or_default().to_string()).collect::<Vec<_>>();
    let mut apart = Vec::new();
    for (from, a) in branches.iter().enumerate() {
        for (to, b) in branches.iter().enumerate() {
            if from != to && a.table.nodes[1..] != b.table.nodes[1..] {
                apart.push(format!("({from}, {to})"));
            }
        }
    }
    let columns = |relation: &str| {
        format!(
            "(SELECT array_agg(a.attname::text || ' ' || format_type(a.atttypid, a.atttypmod) ORDER BY a.attname) \
             FROM pg_attribute a WHERE a.attrelid = {relation} AND a.attnum > 0 AND NOT a.attisdropped)"
        )
    };
    let apart = match apart.is_empty() {
        true => String::new(),
        false => format!("({LABEL}.held, {LABEL}.routed) IN ({}) OR ", apart.join(", ")),
    };
    let message = format!(
        "format('row %s of %I cannot move to %s, where its values now route it: the two tables do not hold the \
         same columns', OLD.{key}, TG_TABLE_NAME, {LABEL}.target::regclass)"
    );
    let raise = raise_as(
        "P0001",
        &message,
        Some("Change the row in the newest model, where each table shows all its columns."),
    );
    let whole = whole.iter().enumerate().filter(|(_, whole)| **whole).map(|(index, _)| index.to_string());
    let whole = whole.collect::<Vec<_>>();
    let through_view = match whole.is_empty() {
        true => String::new(),
        false => format!(
            "      IF {LABEL}.held IN ({}) THEN\n        DELETE FROM {view} t WHERE t.{key} = OLD.{key};\n        \
             INSERT INTO {view} VALUES (NEW.*);\n        RETURN NEW;\n      END IF;\n",
            whole.join(", ")
        ),
    };
    Ok(format!(
        "    {LABEL}.source := (ARRAY[{anchors}]::oid[])[{LABEL}.held + 1];\n\
         \x20   {LABEL}.target := (ARRAY[{anchors}]::oid[])[{LABEL}.routed + 1];\n\
         \x20   IF {apart}{source} IS DISTINCT FROM {target} THEN\n{through_view}      {raise}\n    END IF;\n\
         \x20   SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO {LABEL}.names FROM pg_attribute a \
         WHERE a.attrelid = {LABEL}.source AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';\n\
         \x20   EXECUTE format('WITH d AS (DELETE FROM %s t WHERE t.%I = $1 RETURNING t.*) INSERT INTO %s (%s) \
         OVERRIDING SYSTEM VALUE SELECT %s FROM d', {LABEL}.source::regclass, (SELECT a.attname FROM pg_constraint k \
         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] WHERE k.conrelid = {LABEL}.source \
         AND k.contype = 'p'), {LABEL}.target::regclass, {LABEL}.names, {LABEL}.names) USING OLD.{key};\n",
        anchors = anchors.join(", "),
        source = columns(&format!("{LABEL}.source")),
        target = columns(&format!("{LABEL}.target")),
    ))
}

/// The physical columns of `table`'s anchor the model shows: its key, the columns it reads
/// there, and the links to the tables it joins.
pub(super) fn anchor_columns(table: &LogicalTable) -> Vec<String> {
    let mut shown = vec![table.nodes[0].key.clone()];
    shown.extend(table.columns.iter().filter(|column| column.node == 0).map(|column| column.column.clone()));
    shown.extend(table.nodes.iter().filter_map(|node| match &node.link {
        Link::Reference { parent: 0, column, .. } => Some(column.clone()),
        _ => None,
    }));
    shown
}

/// The label of the union's block, naming its variables.
const LABEL: &str = "strata_union";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::mapping::Node;
    use strata_sql::QualifiedName;

    /// A table `name` of one column `a`, split by the conditions `parts` (with their own parts).
    fn table(name: &str, parts: Vec<(&str, LogicalTable)>) -> LogicalTable {
        let qualified = |name: &str| QualifiedName::new(ident("s").unwrap(), ident(name).unwrap());
        let column = LogicalColumn {
            name: "a".into(),
            type_name: "text".into(),
            node: 0,
            column: "a".into(),
            reads: Vec::new(),
            writes: Vec::new(),
        };
        LogicalTable {
            name: name.into(),
            nodes: vec![Node { table: qualified(name), key: "id".into(), link: Link::Anchor, generated: Vec::new() }],
            columns: vec![column],
            parts: parts
                .into_iter()
                .map(|(function, table)| Part {
                    table,
                    condition: qualified(function),
                    arguments: vec![Argument { column: Some("a".into()), stored: None, writes: Vec::new() }],
                })
                .collect(),
            ..LogicalTable::default()
        }
    }

    fn check(table: &LogicalTable, expected: &[(&str, &str)]) {
        let value = |argument: &Argument| Ok(format!("v.{}", argument.column.as_deref().unwrap_or("?")));
        let found: Vec<(String, String)> = branches(table)
            .iter()
            .map(|branch| (branch.table.nodes[0].table.name.as_str().to_string(), branch.route(&value).unwrap()))
            .collect();
        let expected: Vec<(String, String)> = expected.iter().map(|(t, r)| (t.to_string(), r.to_string())).collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn a_table_not_split_is_its_only_branch() {
        check(&table("t", Vec::new()), &[("t", "true")]);
    }

    #[test]
    fn a_row_goes_to_the_first_part_whose_condition_holds_and_within_it_likewise() {
        let big = table("big", vec![("huge", table("huge", Vec::new()))]);
        let split = table("t", vec![("big", big), ("small", table("small", Vec::new()))]);
        check(
            &split,
            &[
                ("huge", "\"s\".\"big\"(v.a) IS TRUE AND \"s\".\"huge\"(v.a) IS TRUE"),
                ("big", "\"s\".\"big\"(v.a) IS TRUE AND NOT (\"s\".\"huge\"(v.a) IS TRUE)"),
                ("small", "NOT (\"s\".\"big\"(v.a) IS TRUE) AND \"s\".\"small\"(v.a) IS TRUE"),
                ("t", "NOT (\"s\".\"big\"(v.a) IS TRUE) AND NOT (\"s\".\"small\"(v.a) IS TRUE)"),
            ],
        );
    }
}
