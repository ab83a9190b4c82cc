//! `strata import` as a user runs it: the real binary against real PostgreSQL.
//!
//! With `TEST_DATABASE_URL`, each test gets a database of its own on that server and passes it
//! with `--database-url`. Without it, each test runs `strata serve` on a temporary data dir, and
//! every command joins that cluster with `--data-dir`. Tables are read back with `strata psql`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{Target, run, strata};
use serde_json::{Value, json};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../strata-import/tests/fixtures").join(name)
}

impl Target {
    /// `strata import ARGS` on this database, in no locale (so dates default to month first).
    fn import(&self, args: &[&str]) -> Command {
        let mut command = import(args);
        command.args(self.database_args());
        command
    }

    /// The columns of `table` (SQL: quoted, maybe qualified) as `\d` shows them, `name type`
    /// comma-separated.
    fn columns(&self, table: &str) -> String {
        self.sql(&format!(
            "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
             FROM pg_attribute WHERE attrelid = {}::regclass AND attnum > 0 AND NOT attisdropped",
            literal(table)
        ))
    }

    /// The tables of every user schema, `schema.table` one a line.
    fn tables(&self) -> String {
        self.sql(
            "SELECT string_agg(n.nspname || '.' || c.relname, E'\\n' ORDER BY n.nspname, c.relname)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'strata')",
        )
    }
}

/// `strata import ARGS` with no locale and no database.
fn import(args: &[&str]) -> Command {
    let mut command = strata(&["import"]);
    command.args(args).env_remove("LC_ALL").env_remove("LC_TIME").env_remove("LANG");
    command
}

/// A PostgreSQL identifier, quoted (for the SQL these tests read back with).
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The one JSON object a successful `--json` import prints.
fn reported(output: &Output, stderr: &str) -> Value {
    assert!(output.status.success(), "{}: {stderr}", output.status);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.lines().count(), 1, "one line of JSON: {stdout}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// The fields the contract names, from a `--json` report.
fn contract(report: &Value) -> Value {
    let fields = ["table", "schema", "rows", "columns", "encoding", "delimiter", "header", "date_order", "warnings"];
    Value::Object(fields.iter().map(|f| (f.to_string(), report[*f].clone())).collect())
}

/// A failed command's single line of stderr.
fn refused(output: &Output, stderr: &str) -> String {
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    stderr.trim_end().to_string()
}

fn columns(pairs: &[(&str, &str)]) -> Value {
    pairs.iter().map(|(name, column_type)| json!({ "name": name, "type": column_type })).collect()
}

#[test]
fn json_reports_the_import_and_the_default_name_is_made_unique() {
    let target = Target::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Orders 2024.csv");
    std::fs::copy(fixture("types.csv"), &path).unwrap();
    let file = path.display().to_string();

    let (output, stderr) = run(target.import(&[&file, "--json"]));
    let report = reported(&output, &stderr);
    assert_eq!(
        contract(&report),
        json!({
            "table": "Orders 2024",
            "schema": "public",
            "rows": 4,
            "columns": columns(&[
                ("flag", "boolean"),
                ("small", "integer"),
                ("big", "bigint"),
                ("amount", "numeric"),
                ("precise", "numeric"),
                ("day", "date"),
                ("moment", "timestamp without time zone"),
                ("moment_tz", "timestamp with time zone"),
                ("clock", "time without time zone"),
                ("doc", "jsonb"),
                ("label", "text"),
            ]),
            "encoding": "UTF-8",
            "delimiter": ",",
            "header": true,
            "date_order": "mdy",
            "warnings": [],
        })
    );
    assert_eq!(
        target.columns(&quote("Orders 2024")),
        "id bigint, flag boolean, small integer, big bigint, amount numeric, precise numeric, day date, \
         moment timestamp without time zone, moment_tz timestamp with time zone, clock time without time zone, \
         doc jsonb, label text"
    );
    assert_eq!(
        target.sql(r#"SELECT id, flag, big, amount, precise, moment_tz FROM "Orders 2024" ORDER BY id"#),
        "1|t|2147483648|12.50|123456789012345678901234567890.123|2024-01-05 10:30:00+00\n\
         2|f|-9223372036854775808|-0.5|0.000000000000000000001|2023-12-31 21:59:59+00\n\
         3|t|9223372036854775807|7|1000|2024-02-29 17:30:00+00\n\
         4|f|1|1.0|42|"
    );

    // The same file again: its name is taken, so it gets the next free one.
    let (output, stderr) = run(target.import(&[&file, "--json"]));
    assert_eq!(reported(&output, &stderr)["table"], "Orders 2024_2");
    assert_eq!(target.tables(), "public.Orders 2024\npublic.Orders 2024_2");
    assert_eq!(target.sql(r#"SELECT count(*) FROM "Orders 2024_2""#), "4");

    // Without --json: a summary on stdout, nothing on stderr.
    let (output, stderr) = run(target.import(&[&file]));
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("Imported 4 rows into public.Orders 2024_3 in "), "{stdout}");
    assert_eq!(stderr, "");
}

#[test]
fn standard_input_is_read_from_a_dash() {
    let target = Target::new();
    let mut child = target
        .import(&["-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = std::fs::read(fixture("semicolon_decimal_comma.csv")).unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &bytes).unwrap();
    let output = child.wait_with_output().unwrap();
    let report = reported(&output, &String::from_utf8_lossy(&output.stderr));
    assert_eq!((&report["table"], &report["delimiter"], &report["rows"]), (&json!("import"), &json!(";"), &json!(3)));
    assert_eq!(
        target.columns("import"),
        "id bigint, Produkt text, Preis numeric, Menge integer, Datum date, Code text"
    );
    assert_eq!(
        target.sql(r#"SELECT "Produkt", "Preis", "Menge", "Datum" FROM import ORDER BY id"#),
        "Äpfel|1.50|3|2024-04-13\nBirnen|12.5|10|2024-05-01\nKiwi|-0.25||2024-05-02"
    );
}

#[test]
fn dry_run_writes_nothing() {
    let target = Target::new();
    let file = fixture("types.csv").display().to_string();
    let (output, stderr) =
        run(target.import(&[&file, "--dry-run", "--json", "--schema", "fresh", "--table", "planned"]));
    let report = reported(&output, &stderr);
    assert_eq!((&report["table"], &report["schema"], &report["rows"]), (&json!("planned"), &json!("fresh"), &json!(4)));
    assert_eq!(report["dry_run"], true);
    assert_eq!(target.tables(), "");
    assert_eq!(target.sql("SELECT count(*) FROM pg_namespace WHERE nspname = 'fresh'"), "0");

    // It does not even connect: a dry run needs no database.
    let (output, stderr) = run(import(&[&file, "--dry-run", "--database-url", "postgres://nobody@127.0.0.1:1/none"]));
    assert!(output.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("Would import 4 rows into public.types in "));
}

#[test]
fn an_existing_table_is_refused_and_left_as_it_was() {
    let target = Target::new();
    let first = fixture("headerless.csv").display().to_string();
    let (output, stderr) = run(target.import(&[&first, "--table", "t"]));
    assert!(output.status.success(), "{stderr}");

    let second = fixture("types.csv").display().to_string();
    let (output, stderr) = run(target.import(&[&second, "--table", "t"]));
    assert_eq!(
        refused(&output, &stderr),
        format!(r#"error: {second}: the table "public"."t" already exists; choose another name, or append to it"#)
    );
    assert_eq!(target.columns("t"), "id bigint, column_1 integer, column_2 text, column_3 date");
    assert_eq!(target.sql("SELECT * FROM t ORDER BY id"), "1|1|Ana|2024-01-05\n2|2|Ben|2024-02-06");
}

#[test]
fn errors_name_the_file_and_the_line() {
    let target = Target::new();
    for (name, message) in [
        ("extra_fields.csv", "line 4: 3 fields where the header has 2; quote fields that contain the delimiter"),
        (
            "nul.csv",
            "line 3: the file contains a NUL byte; it is binary, or not in the encoding UTF-8 (choose another encoding)",
        ),
    ] {
        let file = fixture(name).display().to_string();
        let (output, stderr) = run(target.import(&[&file]));
        assert_eq!(refused(&output, &stderr), format!("error: {file}: {message}"));
    }
    assert_eq!(target.tables(), "");
}

/// A table `orders` with a key, a typed column of each kind, and one row.
fn orders(target: &Target, dir: &Path) {
    let path = dir.join("orders.csv");
    std::fs::write(&path, "name,qty,price,day,flag,note\nfirst,1,1.5,2024-01-01,true,kept\n").unwrap();
    let (output, stderr) = run(target.import(&[&path.display().to_string(), "--table", "orders"]));
    assert!(output.status.success(), "{stderr}");
    assert_eq!(
        target.columns("orders"),
        "id bigint, name text, qty integer, price numeric, day date, flag boolean, note text"
    );
}

#[test]
fn append_maps_columns_by_name_and_converts_values() {
    let target = Target::new();
    let dir = tempfile::tempdir().unwrap();
    orders(&target, dir.path());
    // No `note` column; an `extra` one; `QTY` in another case; values the file alone would type
    // otherwise (12 an integer, dates day first, yes/no).
    let more = dir.path().join("more.csv");
    std::fs::write(&more, "name,QTY,price,day,flag,extra\nAna,7,12,13/04/2024,yes,x\nBen,8,2.50,14/04/2024,no,y\n")
        .unwrap();
    let (output, stderr) = run(target.import(&[&more.display().to_string(), "--append-to", "orders", "--json"]));
    let report = reported(&output, &stderr);
    assert_eq!((&report["table"], &report["rows"], &report["appended"]), (&json!("orders"), &json!(2), &json!(true)));
    assert_eq!(report["warnings"], json!([r#"columns not in "public"."orders" were left out: "extra""#]));
    assert_eq!(
        target.sql("SELECT * FROM orders ORDER BY id"),
        "1|first|1|1.5|2024-01-01|t|kept\n2|Ana|7|12|2024-04-13|t|\n3|Ben|8|2.50|2024-04-14|f|"
    );
}

#[test]
fn a_bad_value_on_append_is_named_and_changes_nothing() {
    let target = Target::new();
    let dir = tempfile::tempdir().unwrap();
    orders(&target, dir.path());
    let more = dir.path().join("more.csv");
    std::fs::write(&more, "name,qty\nAna,7\nBen,seven\n").unwrap();
    let file = more.display().to_string();
    let (output, stderr) = run(target.import(&[&file, "--append-to", "orders"]));
    assert_eq!(
        refused(&output, &stderr),
        format!(r#"error: {file}: line 3, column "qty": "seven" is not a valid integer"#)
    );
    assert_eq!(target.sql("SELECT count(*) FROM orders"), "1");
}

#[test]
fn no_header_numbers_the_columns() {
    let target = Target::new();
    let file = fixture("text_only.csv").display().to_string();
    let (output, stderr) = run(target.import(&[&file, "--no-header", "--json"]));
    let report = reported(&output, &stderr);
    assert_eq!((&report["header"], &report["rows"]), (&json!(false), &json!(2)));
    assert_eq!(target.columns("text_only"), "id bigint, column_1 text, column_2 text");
    assert_eq!(target.sql("SELECT column_1, column_2 FROM text_only ORDER BY id"), "Ana|Lisbon\nBen|Paris");
}

#[test]
fn date_order_comes_from_the_flag_else_the_locale_else_month_first() {
    let target = Target::new();
    let file = fixture("ambiguous_dates.csv").display().to_string();
    let (output, stderr) = run(target.import(&[&file, "--date-order", "dmy", "--json"]));
    let report = reported(&output, &stderr);
    assert_eq!(report["date_order"], "dmy");
    assert_eq!(
        report["warnings"],
        json!([
            r#"the dates in "when", "at" read either day first or month first; read as dmy (choose the date order mdy if that is wrong)"#
        ])
    );
    assert_eq!(
        target.sql("SELECT \"when\", at FROM ambiguous_dates ORDER BY id"),
        "2024-04-03|2024-04-03 10:00:00\n2024-06-05|2024-06-05 23:30:15"
    );

    // The locale decides when the flag does not (dry runs: nothing to write).
    let order = |command: &mut Command| {
        let (output, stderr) = run(command.args([file.as_str(), "--dry-run", "--json"]));
        reported(&output, &stderr)["date_order"].as_str().unwrap().to_string()
    };
    assert_eq!(order(import(&[]).env("LC_ALL", "de_DE.UTF-8")), "dmy");
    assert_eq!(order(import(&[]).env("LANG", "en_US.UTF-8")), "mdy");
    assert_eq!(order(import(&[]).env("LC_TIME", "ja_JP.UTF-8")), "ymd");
    assert_eq!(order(import(&["--date-order", "mdy"]).env("LC_ALL", "en_GB.UTF-8")), "mdy");
    assert_eq!(order(&mut import(&[])), "mdy");
}

#[test]
fn workbooks_sheets_and_hostile_names() {
    let target = Target::new();
    let file = fixture("book.xlsx").display().to_string();
    let schema = "Sales \"2024\"";
    let table = "x\"; drop table y; --";
    let (output, stderr) =
        run(target.import(&[&file, "--sheet", "Third Name", "--schema", schema, "--table", table, "--json"]));
    let report = reported(&output, &stderr);
    assert_eq!(
        (&report["format"], &report["sheet"], &report["schema"], &report["table"]),
        (&json!("xlsx"), &json!("Third Name"), &json!(schema), &json!(table))
    );
    let qualified = format!("{}.{}", quote(schema), quote(table));
    assert_eq!(target.columns(&qualified), "id bigint, code text, when date");
    assert_eq!(
        target.sql(&format!("SELECT code, \"when\" FROM {qualified} ORDER BY id")),
        "x|2020-02-29\ny|2021-12-31"
    );

    let (output, stderr) = run(target.import(&[&file, "--sheet", "Nope"]));
    assert_eq!(
        refused(&output, &stderr),
        format!(r#"error: {file}: the workbook has no sheet "Nope"; its sheets are "Empty", "Data", "Third Name""#)
    );
}

#[test]
fn unknown_formats_are_usage_errors() {
    let file = fixture("types.csv").display().to_string();
    let (output, stderr) = run(import(&[&file, "--format", "xml", "--dry-run"]));
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(r#"unknown format "xml"; use csv, tsv, xlsx, xls, ods, json or ndjson"#), "{stderr}");

    // A known one overrides the file's name: this `.csv` is read as TSV, so it has one column.
    let (output, stderr) = run(import(&[&file, "--format", "tsv", "--dry-run", "--json"]));
    let report = reported(&output, &stderr);
    assert_eq!((&report["delimiter"], report["columns"].as_array().unwrap().len()), (&json!("\t"), 1));
}
