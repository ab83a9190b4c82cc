//! The audit trail from the command line, the real binary against real PostgreSQL: `strata
//! import` as an action, an edit made with psql as an `external` action, `strata actions`,
//! `undo` (refused with the conflicts, then with `--cascade`), `redo`, `history`, `restore` and
//! `audit prune`.

mod common;

use std::process::Output;

use common::{Target, run, strata};
use serde_json::{Value, json};

impl Target {
    /// `strata ARGS` on this database: its output and stderr.
    fn strata(&self, args: &[&str]) -> (Output, String) {
        let mut command = strata(args);
        command.args(self.database_args());
        run(command)
    }

    /// `strata ARGS --json`, which must succeed: its JSON.
    fn json(&self, args: &[&str]) -> Value {
        let (output, stderr) = self.strata(&[args, &["--json"]].concat());
        assert!(output.status.success(), "strata {args:?}: {stderr}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
    }

    /// `strata ARGS`, which must fail with one message on stderr: the message.
    #[track_caller]
    fn refused(&self, args: &[&str]) -> String {
        let (output, stderr) = self.strata(args);
        assert_eq!(output.status.code(), Some(1), "strata {args:?} should fail: {stderr}");
        assert!(output.stdout.is_empty(), "{}", String::from_utf8_lossy(&output.stdout));
        stderr
    }

    /// The newest action's id.
    fn newest(&self) -> i64 {
        self.json(&["actions", "--limit", "1"])[0]["id"].as_i64().unwrap()
    }

    /// A table `orders` imported from a CSV named `orders.csv`, rows 1 to 3 with qty = id.
    fn orders(&self) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("orders.csv");
        std::fs::write(&file, "id,qty\n1,1\n2,2\n3,3\n").unwrap();
        let mut command = strata(&["import", file.to_str().unwrap(), "--json"]);
        let (output, stderr) = run(command.args(self.database_args()));
        assert!(output.status.success(), "{stderr}");
    }
}

#[test]
fn an_edit_made_with_psql_is_an_action_that_undoes_and_redoes() {
    let target = Target::new();
    target.orders();
    target.sql("UPDATE orders SET qty = 20 WHERE id = 2");

    let actions = target.json(&["actions"]);
    let external = &actions[0];
    assert_eq!(external["kind"], "external", "{actions}");
    assert_eq!(external["summary"], "Changes made outside Strata");
    assert_eq!(external["rows"], 1);
    assert_eq!(external["tables"], json!(["public.orders"]));
    for field in ["at", "user", "undoes", "undone_by", "undone"] {
        assert!(external.get(field).is_some(), "no {field}: {external}");
    }
    assert_eq!(actions[1]["kind"], "import");
    assert_eq!(actions[1]["summary"], "Imported orders.csv into orders (3 rows)");
    assert_eq!(actions[1]["rows"], 3);
    let edit = external["id"].as_i64().unwrap();

    let undone = target.json(&["undo", &edit.to_string()]);
    assert_eq!(undone["actions"][0]["kind"], "undo", "{undone}");
    assert_eq!(undone["actions"][0]["undoes"], edit);
    assert_eq!(target.sql("SELECT qty FROM orders WHERE id = 2"), "2");

    let (output, stderr) = target.strata(&["redo", &edit.to_string()]);
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Redid: Changes made outside Strata"), "{stdout}");
    assert_eq!(target.sql("SELECT qty FROM orders WHERE id = 2"), "20");

    // The table for people: a header, and the undone action marked.
    let (output, stderr) = target.strata(&["actions", "--table", "public.orders"]);
    assert!(output.status.success(), "{stderr}");
    let table = String::from_utf8_lossy(&output.stdout);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["ID", "WHEN", "USER", "KIND", "SUMMARY", "ROWS", "STATE"]);
    // The edit is redone, so the undo is the one undone, by the redo.
    let (undo, redo) = (undone["actions"][0]["id"].as_i64().unwrap(), target.newest());
    let line = |id: i64| table.lines().find(|line| line.starts_with(&format!("{id} "))).unwrap_or_default();
    assert!(line(undo).contains("Undid: Changes made outside Strata"), "{table}");
    assert!(line(undo).trim_end().ends_with(&format!("undone by {redo}")), "{table}");
    assert!(!line(edit).contains("undone"), "{table}");

    let message = target.refused(&["undo", "987654"]);
    assert_eq!(message.trim(), "error: there is no action 987654", "{message}");
    let message = target.refused(&["redo", &edit.to_string()]);
    assert!(message.contains("is not undone"), "{message}");
}

#[test]
fn an_undo_in_conflict_lists_the_conflicts_and_changes_nothing_until_cascade() {
    let target = Target::new();
    target.orders();
    target.sql("UPDATE orders SET qty = 10 WHERE id = 1");
    let first = target.newest();
    target.sql("UPDATE orders SET qty = 11 WHERE id = 1");
    let later = target.newest();

    let message = target.refused(&["undo", &first.to_string()]);
    let lines: Vec<&str> = message.lines().collect();
    assert!(lines[0].starts_with(&format!("error: action {first} cannot be undone")), "{message}");
    assert_eq!(lines.len(), 2, "one line per conflict: {message}");
    assert!(lines[1].contains(&format!("action {later} ")), "{message}");
    assert!(lines[1].contains("public.orders") && lines[1].contains("rows 1") && lines[1].contains("qty"), "{message}");
    assert_eq!(target.sql("SELECT qty FROM orders WHERE id = 1"), "11", "nothing changed");

    let undone = target.json(&["undo", &first.to_string(), "--cascade"]);
    let undid: Vec<&Value> = undone["actions"].as_array().unwrap().iter().map(|a| &a["undoes"]).collect();
    assert_eq!(undid, [&json!(later), &json!(first)], "{undone}");
    assert_eq!(target.sql("SELECT qty FROM orders WHERE id = 1"), "1");
}

#[test]
fn history_restore_and_prune() {
    let target = Target::new();
    target.orders();
    target.sql("DELETE FROM orders WHERE id = 2");

    let history = target.json(&["history", "--table", "orders", "--row", "2"]);
    assert_eq!(history["versions"][0]["change"], "delete", "{history}");
    let deleted = target.json(&["actions", "--limit", "1"]);

    // A key given twice is restored once, and the summary says so.
    let restored = target.json(&["restore", "--table", "public.orders", "--row", "2", "--row", "2"]);
    assert_eq!(restored["restored"], 1, "{restored}");
    assert_eq!(restored["action"]["kind"], "restore");
    assert_eq!(restored["action"]["summary"], "Restored 1 row in orders");
    assert_eq!(target.sql("SELECT qty FROM orders WHERE id = 2"), "2");
    let message = target.refused(&["restore", "--table", "orders", "--row", "2"]);
    assert!(message.contains("again"), "{message}");
    let message = target.refused(&["history", "--table", "\"open", "--row", "2"]);
    assert!(message.contains("invalid --table"), "{message}");

    let pruned = target.json(&["audit", "prune", "--before", "2000-01-01"]);
    assert_eq!(pruned, json!({"actions": 0, "history_rows": 0}));
    let pruned = target.json(&["audit", "prune", "--before", "tomorrow"]);
    assert!(pruned["actions"].as_i64() >= Some(3), "{pruned}");
    let message = target.refused(&["undo", &deleted[0]["id"].to_string()]);
    assert!(message.contains("no action"), "{message}");
}
