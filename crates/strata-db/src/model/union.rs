//! Writes through an earlier model's table whose rows were split by a condition since (split by
//! rows): a union of the tables holding them, its branches.
//!
//! Each branch is read and written as a table of its own (its parts left out). A row written
//! goes to the branch its values route it to: the first part whose condition holds
//! (`strata.<function>(arguments) IS TRUE`, each argument the written column converted to the
//! type it had when the rows were split, or NULL when the model lacks the column), within it
//! likewise, else the table's own anchor. The row triggers route each row
//! ([`trigger_body`]); the set-based writes route all rows at once ([`super::bulk`]).
//!
//! For `orders` split into `big_orders` where `amount >= 100`, the trigger runs, in short:
//!
//! ```text
//! IF TG_OP <> 'DELETE' THEN              -- where the written row goes
//!   IF strata."model_1_2"(NEW."id", NEW."amount") IS TRUE THEN strata_union.routed := 0;
//!   ELSE strata_union.routed := 1; END IF;
//! END IF;
//! IF TG_OP = 'INSERT' THEN strata_union.held := strata_union.routed;
//! ELSIF EXISTS (SELECT 1 FROM "public"."big_orders" t0 WHERE t0."id" = OLD."id") THEN strata_union.held := 0;
//! ELSIF EXISTS (SELECT 1 FROM "public"."orders" t0 WHERE t0."id" = OLD."id") THEN strata_union.held := 1;
//! ELSE RETURN NULL; END IF;
//! IF TG_OP = 'UPDATE' AND strata_union.held <> strata_union.routed THEN
//!   DELETE FROM "public_v1"."orders" t WHERE t."id" = OLD."id";
//!   INSERT INTO "public_v1"."orders" VALUES (NEW.*);
//!   RETURN NEW;
//! END IF;
//! IF strata_union.held = 0 THEN <big_orders' block> ELSIF strata_union.held = 1 THEN <orders' block> END IF;
//! ```
//!
//! A row an UPDATE routes to another branch moves there through the view itself (deleted, then
//! inserted with its key), so each branch's own trigger code does the writing.

use strata_sql::QualifiedName;

use super::mapping::{LogicalTable, Part};
use super::view;
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
    /// Whether a row goes here, as SQL over its values: `value(column)` is the model column
    /// `column`'s written value.
    pub(super) fn route(&self, value: &impl Fn(&str) -> Result<String, Error>) -> Result<String, Error> {
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

/// `strata.<function>(arguments) IS TRUE` over the written values.
fn condition(part: &Part, value: &impl Fn(&str) -> Result<String, Error>) -> Result<String, Error> {
    let arguments = part
        .arguments
        .iter()
        .map(|argument| match &argument.column {
            Some(column) => Ok(view::convert(&argument.writes, value(column)?)),
            None => Ok("NULL".to_string()),
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(format!("{}({}) IS TRUE", part.condition, arguments.join(", ")))
}

/// The trigger function's statements for the union `table` shown by `view`: the branch the
/// written row routes to, the branch that holds the changed row, then that branch's block
/// (`blocks`, in [`branches`]' order).
pub(super) fn trigger_body(view: &QualifiedName, table: &LogicalTable, blocks: &[String]) -> Result<String, Error> {
    let branches = branches(table);
    let last = branches.len().saturating_sub(1);
    let new = |column: &str| Ok(format!("NEW.{}", ident(column)?));
    let (routed, held) = (format!("{LABEL}.routed"), format!("{LABEL}.held"));
    let mut text = format!("<<{LABEL}>>\nDECLARE\n  routed integer;\n  held integer;\nBEGIN\n");
    text.push_str("IF TG_OP <> 'DELETE' THEN\n");
    for (index, branch) in branches.iter().enumerate() {
        let test = match index {
            0 => format!("  IF {} THEN\n", branch.route(&new)?),
            _ if index == last => "  ELSE\n".to_string(),
            _ => format!("  ELSIF {} THEN\n", branch.route(&new)?),
        };
        text.push_str(&format!("{test}    {routed} := {index};\n"));
    }
    text.push_str(&format!("  END IF;\nEND IF;\nIF TG_OP = 'INSERT' THEN\n  {held} := {routed};\n"));
    match table.key() {
        Some(key) => {
            let key = ident(key.name.as_str())?;
            for (index, branch) in branches.iter().enumerate() {
                let anchor = &branch.table.nodes[0];
                text.push_str(&format!(
                    "ELSIF EXISTS (SELECT 1 FROM {} t0 WHERE t0.{} = OLD.{key}) THEN\n  {held} := {index};\n",
                    anchor.table,
                    ident(anchor.key.as_str())?
                ));
            }
            text.push_str("ELSE\n  RETURN NULL;\nEND IF;\n");
            text.push_str(&format!(
                "IF TG_OP = 'UPDATE' AND {held} <> {routed} THEN\n  DELETE FROM {view} t WHERE t.{key} = OLD.{key};\n  \
                 INSERT INTO {view} VALUES (NEW.*);\n  RETURN NEW;\nEND IF;\n"
            ));
        }
        // Without a key, the anchor's block refuses changing and deleting rows.
        None => text.push_str(&format!("ELSE\n  {held} := {last};\nEND IF;\n")),
    }
    for (index, block) in blocks.iter().enumerate() {
        let test = match index {
            0 => format!("IF {held} = 0 THEN\n"),
            _ => format!("ELSIF {held} = {index} THEN\n"),
        };
        text.push_str(&test);
        text.push_str(block);
    }
    text.push_str(&format!("END IF;\nRETURN NULL;\nEND {LABEL};\n"));
    Ok(text)
}

/// The label of the union's block, naming its variables.
const LABEL: &str = "strata_union";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::mapping::{Argument, Link, LogicalColumn, Node};

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
            nodes: vec![Node { table: qualified(name), key: "id".into(), link: Link::Anchor }],
            columns: vec![column],
            parts: parts
                .into_iter()
                .map(|(function, table)| Part {
                    table,
                    condition: qualified(function),
                    arguments: vec![Argument { column: Some("a".into()), writes: Vec::new() }],
                })
                .collect(),
            ..LogicalTable::default()
        }
    }

    fn check(table: &LogicalTable, expected: &[(&str, &str)]) {
        let value = |column: &str| Ok(format!("v.{column}"));
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
