//! `strata model` as a user runs it, the real binary against real PostgreSQL: the list, a step
//! previewed (`--dry-run`), refused (exit 1, a line per conflict, nothing changed) and made, an
//! import appended in the earlier model's format (`--append-to T --schema public_v1`, entity
//! conflicts listed, then updated), undo, a step of every kind, and a merge and a split by rows
//! each the whole way.

mod common;

use std::path::PathBuf;
use std::process::{Output, Stdio};

use common::{Target, run, strata};
use serde_json::{Value, json};

const ORDERS: &str = r#"Order "lines"; --"#;
const CUSTOMERS: &str = r#"Client's "list""#;

impl Target {
    /// `strata ARGS` on this database: its output, its stdout and its stderr.
    fn strata_out(&self, args: &[&str]) -> (Output, String, String) {
        let mut command = strata(args);
        command.args(self.database_args()).env_remove("LC_ALL").env_remove("LC_TIME").env_remove("LANG");
        let (output, stderr) = run(command);
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        (output, stdout, stderr)
    }

    /// `strata ARGS`, which must succeed: its stdout.
    #[track_caller]
    fn ok(&self, args: &[&str]) -> String {
        let (output, stdout, stderr) = self.strata_out(args);
        assert!(output.status.success(), "strata {args:?}: {stderr}");
        stdout
    }

    /// `strata ARGS --json`, which must succeed: its JSON.
    #[track_caller]
    fn json(&self, args: &[&str]) -> Value {
        let stdout = self.ok(&[args, &["--json"]].concat());
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
    }

    /// `strata ARGS`, which must exit 1: its stdout and stderr.
    #[track_caller]
    fn refused(&self, args: &[&str]) -> (String, String) {
        let (output, stdout, stderr) = self.strata_out(args);
        assert_eq!(output.status.code(), Some(1), "strata {args:?} should fail: {stdout} {stderr}");
        (stdout, stderr)
    }

    /// How many models `public` has.
    fn models(&self) -> usize {
        self.json(&["model", "list"]).as_array().unwrap().len()
    }
}

/// A CSV file `name` with `content`, in a directory that lives as long as the value.
struct Csv {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Csv {
    fn new(name: &str, content: &str) -> Csv {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        Csv { _dir: dir, path }
    }

    fn path(&self) -> &str {
        self.path.to_str().unwrap()
    }
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The orders as `id|email|city|qty`, by id, read from the schema's tables.
fn flat(target: &Target) -> String {
    target.sql(&format!(
        r#"SELECT string_agg(concat_ws('|', id, "Customer Email", "City", "Zoë's qty"), ', ' ORDER BY id) FROM {}"#,
        quoted(ORDERS)
    ))
}

#[test]
fn a_schema_lists_its_models_and_bad_arguments_are_refused() {
    let target = Target::new();
    let models = target.json(&["model", "list"]);
    assert_eq!(models[0]["name"], "v1", "{models}");
    assert_eq!(models[0]["pg_schema"], "public");
    assert_eq!(models[0]["current"], true);
    assert_eq!(models.as_array().unwrap().len(), 1);
    let table = target.ok(&["model", "list", "--schema", "public"]);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["ID", "NAME", "MADE", "SCHEMA", "AS", "ACTION", "STEP"], "{table}");
    assert!(table.lines().nth(1).unwrap().contains("The tables as imported"), "{table}");

    let (_, message) = target.refused(&["model", "list", "--schema", "nope"]);
    assert!(message.contains("nope"), "{message}");
    let (_, message) = target.refused(&["model", "extract", "--table", "t", "--columns", "A,,B", "--into", "x"]);
    assert!(message.contains("empty column name"), "{message}");

    // Usage errors are clap's: exit 2.
    for args in [
        &["model", "extract", "--table", "t", "--into", "x"][..],
        &["model", "retype", "--table", "t", "--column", "c"],
        &["model", "split", "--table", "t", "--into", "x"],
        &["model", "split", "--table", "t", "--columns", "a", "--rows", "a > 1", "--into", "x"],
        &["model", "split", "--table", "t", "--rows", "", "--into", "x"],
        &["model", "merge", "--table", "t"],
        &["import", "x.csv", "--entity-conflicts", "keep"],
        &["import", "x.csv", "--append-to", "t", "--entity-conflicts", "merge"],
    ] {
        let (output, _, stderr) = target.strata_out(args);
        assert_eq!(output.status.code(), Some(2), "strata {args:?}: {stderr}");
    }
}

#[test]
fn an_extraction_is_previewed_refused_made_appended_to_and_undone() {
    let target = Target::new();
    let orders = Csv::new("orders.csv", "Customer Email,City,Zoë's qty\na@x,Lisbon,1\nb@x,Porto,2\na@x,Faro,3\n,,4\n");
    target.ok(&["import", orders.path(), "--table", ORDERS]);
    let extract = ["model", "extract", "--table", ORDERS, "--columns", "Customer Email,City", "--into", CUSTOMERS];
    let keyed = [&extract[..], &["--key", "Customer Email"]].concat();

    // a@x lives in Lisbon and Faro: refused, with the key on a line of its own.
    let (stdout, message) = target.refused(&keyed);
    assert!(stdout.is_empty(), "{stdout}");
    let lines: Vec<&str> = message.lines().collect();
    assert!(lines[0].starts_with("error: ") && lines[0].contains("refused, nothing was changed"), "{message}");
    assert_eq!(lines.len(), 2, "one line per conflict: {message}");
    assert!(lines[1].contains("a@x") && lines[1].contains("City"), "{message}");
    let (stdout, _) = target.refused(&[&keyed[..], &["--json"]].concat());
    let preview: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(preview["conflicts"][0]["kind"], "dependency", "{preview}");
    let (_, message) = target.refused(&[&keyed[..], &["--dry-run"]].concat());
    assert!(message.contains("would be refused"), "{message}");
    assert_eq!(target.models(), 1, "nothing changed");

    // Keyed by email and city, each pair is a customer.
    let dry = target.ok(&[&extract[..], &["--dry-run"]].concat());
    assert!(dry.starts_with("Would make: "), "{dry}");
    assert!(dry.contains("creates") && dry.contains(CUSTOMERS), "{dry}");
    let preview = target.json(&[&extract[..], &["--dry-run"]].concat());
    assert_eq!(preview["op"]["op"], "extract", "{preview}");
    assert_eq!(preview["conflicts"], json!([]));
    assert_eq!(target.models(), 1, "a dry run changes nothing");

    target.sql(&format!(r#"UPDATE {} SET "City" = 'Lisbon' WHERE id = 3"#, quoted(ORDERS)));
    let before = flat(&target);
    let made = target.ok(&keyed);
    assert!(made.contains(CUSTOMERS) && made.contains("(action "), "{made}");
    assert!(made.contains("public_v1"), "where the earlier model is: {made}");
    let models = target.json(&["model", "list"]);
    assert_eq!(models[0]["pg_schema"], "public_v1", "{models}");
    assert_eq!(models[1]["current"], true, "{models}");
    let step = models[1]["action"].as_i64().expect("the step's action");
    let actions = target.json(&["actions", "--limit", "1"]);
    assert_eq!(actions[0]["kind"], "model", "{actions}");

    // Appending in the flat model's format: a@x said to live in Porto is a conflict.
    let more = Csv::new("more.csv", "Customer Email,City,Zoë's qty\na@x,Porto,5\nc@x,Faro,6\n");
    let append = ["import", more.path(), "--append-to", ORDERS, "--schema", "public_v1"];
    let (_, message) = target.refused(&append);
    assert!(message.contains("Lisbon") && message.contains("Porto"), "{message}");
    assert!(message.contains("--entity-conflicts"), "{message}");
    target.ok(&[&append[..], &["--entity-conflicts", "update"]].concat());
    let city = format!(r#"SELECT "City" FROM {} WHERE "Customer Email" = 'a@x'"#, quoted(CUSTOMERS));
    assert_eq!(target.sql(&city), "Porto");
    let count = format!("SELECT count(*) FROM public_v1.{}", quoted(ORDERS));
    assert_eq!(target.sql(&count), "6");

    target.ok(&["undo", &step.to_string(), "--cascade"]);
    assert_eq!(target.models(), 1);
    assert_eq!(flat(&target), before);
}

#[test]
fn a_step_of_every_kind_from_the_command_line() {
    let target = Target::new();
    let people = Csv::new("people.csv", "Full Name,Age,Note,Team\nAda,36,first,Red\nBob,7,,Blue\nCy,36,x,Red\n");
    target.ok(&["import", people.path()]);
    let persons = r#"Persons "x""#;
    let steps: [&[&str]; 8] = [
        &["rename", "--table", "people", "--to", persons],
        &["rename", "--table", persons, "--column", "Full Name", "--to", "Name, full"],
        &["add-column", "--table", persons, "--column", "Score", "--type", "integer"],
        &["retype", "--table", persons, "--column", "Age", "--type", "numeric", "--using", r#""Age"::numeric"#],
        &["split", "--table", persons, "--columns", r"Note,Name\, full", "--into", "notes"],
        &["drop-column", "--table", persons, "--column", "Score"],
        &["extract", "--table", persons, "--columns", "Team", "--into", "teams"],
        &["move", "--table", persons, "--columns", "Age", "--link", "teams_id"],
    ];
    for (n, step) in steps.iter().enumerate() {
        let made = target.json(&[&["model"], *step].concat());
        assert_eq!(made["model"]["name"], format!("v{}", n + 2), "{step:?}: {made}");
    }
    let models = target.json(&["model", "list"]);
    assert_eq!(models.as_array().unwrap().len(), 9, "{models}");
    assert!(models.as_array().unwrap().iter().all(|m| !m["summary"].as_str().unwrap().is_empty()));
    // The first model still reads as imported.
    let first = format!(
        r#"SELECT string_agg("Full Name" || ':' || "Age", ',' ORDER BY id) FROM {}.people"#,
        quoted(models[0]["pg_schema"].as_str().unwrap())
    );
    assert_eq!(target.sql(&first), "Ada:36,Bob:7,Cy:36");
    // A column list escapes its commas.
    assert_eq!(target.sql(r#"SELECT count("Name, full") FROM notes"#), "3");
}

/// A merge from the command line: refused along a column that is no link, previewed, made along
/// the link an extraction made (the orders hold their customers' values again, model 2 still
/// reads the customers), and undone.
#[test]
fn a_merge_is_previewed_refused_made_and_undone() {
    let target = Target::new();
    let orders = Csv::new("orders.csv", "Customer Email,City,Zoë's qty\na@x,Lisbon,1\nb@x,Porto,2\na@x,Lisbon,3\n");
    target.ok(&["import", orders.path(), "--table", ORDERS]);
    let before = flat(&target);
    let (_, message) = target.refused(&["model", "merge", "--table", ORDERS, "--link", "City"]);
    assert!(message.contains("refused, nothing was changed"), "{message}");
    let extract = ["model", "extract", "--table", ORDERS, "--columns", "Customer Email,City", "--into", CUSTOMERS];
    let extracted = target.json(&[&extract[..], &["--key", "Customer Email"]].concat());
    let link = extracted["preview"]["op"]["link"].as_str().expect("the link column").to_string();

    let merge = ["model", "merge", "--table", ORDERS, "--link", &link];
    let dry = target.ok(&[&merge[..], &["--dry-run"]].concat());
    assert!(dry.starts_with("Would make: Merged") && dry.contains(CUSTOMERS), "{dry}");
    assert_eq!(target.models(), 2, "a dry run changes nothing");
    let made = target.ok(&merge);
    assert!(made.contains("(action ") && made.contains("public_v2"), "{made}");
    assert_eq!(flat(&target), before);
    let customers = format!("SELECT string_agg(\"City\", ',' ORDER BY \"City\") FROM public_v2.{}", quoted(CUSTOMERS));
    assert_eq!(target.sql(&customers), "Lisbon,Porto");
    let gone = format!("SELECT to_regclass('public.{}') IS NULL", quoted(CUSTOMERS).replace('\'', "''"));
    assert_eq!(target.sql(&gone), "t");

    let models = target.json(&["model", "list"]);
    let step = models[2]["action"].as_i64().expect("the merge's action");
    target.ok(&["undo", &step.to_string()]);
    assert_eq!(target.models(), 2);
    assert_eq!(target.sql(&customers.replace("public_v2.", "")), "Lisbon,Porto");
}

/// A split by rows from the command line: a condition PostgreSQL rejects is refused with its
/// reason, the split previewed and made (each row in the table its condition sends it to, the
/// earlier model reading them all), and undone.
#[test]
fn rows_are_split_previewed_refused_made_and_undone() {
    let target = Target::new();
    let orders = Csv::new("orders.csv", "Customer Email,City,Zoë's qty\na@x,Lisbon,1\nb@x,Porto,2\na@x,Faro,3\n");
    target.ok(&["import", orders.path(), "--table", ORDERS]);
    let before = flat(&target);
    const BIG: &str = r#"Big "orders"; --"#;
    let split = |condition: &'static str| ["model", "split", "--table", ORDERS, "--rows", condition, "--into", BIG];
    let (_, message) = target.refused(&split("\"Zoë's qty\" >"));
    assert!(message.contains("refused, nothing was changed") && message.lines().count() == 2, "{message}");
    assert_eq!(target.models(), 1);

    let over_one = split("\"Zoë's qty\" > 1");
    let preview = target.json(&[&over_one[..], &["--dry-run"]].concat());
    assert_eq!(preview["op"]["op"], "split_rows", "{preview}");
    assert_eq!(preview["conflicts"], json!([]), "{preview}");
    let made = target.json(&over_one);
    assert_eq!(made["model"]["name"], "v2", "{made}");
    let ids = |table: &str| target.sql(&format!("SELECT string_agg(id::text, ',' ORDER BY id) FROM {table}"));
    assert_eq!(ids(&quoted(ORDERS)), "1");
    assert_eq!(ids(&quoted(BIG)), "2,3");
    assert_eq!(ids(&format!("public_v1.{}", quoted(ORDERS))), "1,2,3");

    let step = made["model"]["action"].as_i64().expect("the split's action");
    target.ok(&["undo", &step.to_string()]);
    assert_eq!(target.models(), 1);
    assert_eq!(flat(&target), before);
}

/// An append through an earlier model that the tables refuse names the line the refusal is
/// about, with that line's own reason: the lines are tried the set-based way the append went,
/// not through the view's row triggers (which once blamed line 2 for line 4's value).
#[test]
fn regression_an_append_through_an_earlier_model_blames_the_refused_line() {
    let target = Target::new();
    let orders = Csv::new("orders.csv", "Customer Email,City,Zoë's qty\na@x,Lisbon,1\nb@x,Porto,2\n");
    target.ok(&["import", orders.path(), "--table", ORDERS]);
    let extract = ["model", "extract", "--table", ORDERS, "--columns", "Customer Email,City", "--into", CUSTOMERS];
    target.ok(&[&extract[..], &["--key", "Customer Email"]].concat());
    target.sql(&format!(r#"ALTER TABLE {} ADD CONSTRAINT "positive" CHECK ("Zoë's qty" > 0)"#, quoted(ORDERS)));

    let more =
        Csv::new("more.csv", "Customer Email,City,Zoë's qty\na@x,Lisbon,5\nd@x,Faro,6\nb@x,Porto,-1\ne@x,Beja,7\n");
    let (_, message) = target.refused(&["import", more.path(), "--append-to", ORDERS, "--schema", "public_v1"]);
    assert!(message.contains("line 4") && !message.contains("line 2"), "{message}");
    assert!(message.contains("positive") && message.contains("-1"), "{message}");
    assert_eq!(target.sql(&format!("SELECT count(*) FROM {}", quoted(ORDERS))), "2", "nothing was appended");
}

/// A reader that stops early (`strata model list | head -1`) is no error: the command ends as
/// if it had printed everything, without a panic about the closed pipe.
#[test]
fn regression_output_to_a_closed_pipe_is_no_panic() {
    let target = Target::new();
    for args in [&["model", "list"][..], &["model", "list", "--json"], &["actions"]] {
        let mut command = strata(args);
        command.args(target.database_args()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        // The reader is gone before the command, which first asks the database, prints.
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "strata {args:?}: {:?} {stderr}", output.status);
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
