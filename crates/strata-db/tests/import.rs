//! Imports against real PostgreSQL, through the library API a caller uses: `strata_import::plan`,
//! then `load::create_and_load` or `load::append` inside a transaction, then commit.
//!
//! Each case names a fixture of `crates/strata-import/tests/fixtures` (see `make_fixtures.py`
//! there) and states the columns PostgreSQL ended up with (`format_type`, as `\d` shows them) and
//! every value read back as PostgreSQL's own text (`col::text`, in the session time zone UTC),
//! ordered by the surrogate key. [`NULL`] stands for SQL NULL.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use strata_db::load::{self, Loaded};
use strata_db::testing::TestDb;
use strata_import::{ColumnType, DateOrder, Encoding, Format, ImportOptions, Plan};
use strata_sql::{Ident, QualifiedName};
use tokio_postgres::Client;

/// SQL NULL in expected rows (COPY's spelling; no fixture holds this text).
const NULL: &str = "\\N";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../strata-import/tests/fixtures").join(name)
}

fn options() -> ImportOptions {
    ImportOptions::default()
}

fn encoding(label: &str) -> &'static Encoding {
    ImportOptions::parse_encoding(label).unwrap()
}

fn table(name: &str) -> QualifiedName {
    QualifiedName::new(Ident::new("public").unwrap(), Ident::new(name).unwrap())
}

/// A connection whose `timestamptz::text` is stable.
async fn client(db: &TestDb) -> Client {
    let client = db.client().await;
    client.batch_execute("SET TimeZone = 'UTC'").await.unwrap();
    client
}

/// Plans `path` and creates `name` from it in one committed transaction; on error, the
/// transaction is dropped (rolled back) as the CLI does, and the error's text returned.
async fn import(
    client: &mut Client,
    path: &Path,
    options: &ImportOptions,
    name: &str,
) -> Result<(Plan, Loaded), String> {
    let plan = strata_import::plan(path, options, &mut |_| {}).map_err(|e| e.to_string())?;
    create(client, path, &plan, name).await.map(|loaded| (plan, loaded))
}

async fn create(client: &mut Client, path: &Path, plan: &Plan, name: &str) -> Result<Loaded, String> {
    let tx = client.transaction().await.unwrap();
    let loaded = load::create_and_load(&tx, &table(name), path, plan, Box::new(|_| {})).await;
    let loaded = loaded.map_err(|e| e.to_string())?;
    tx.commit().await.unwrap();
    Ok(loaded)
}

/// Plans `path` and appends it to `name`, committing on success.
async fn append(client: &mut Client, path: &Path, options: &ImportOptions, name: &str) -> Result<Loaded, String> {
    append_mapped(client, path, options, name, &[]).await
}

/// [`append`] with explicit `(file column, table column)` choices.
async fn append_mapped(
    client: &mut Client,
    path: &Path,
    options: &ImportOptions,
    name: &str,
    mapping: &[(&str, Option<&str>)],
) -> Result<Loaded, String> {
    let plan = strata_import::plan(path, options, &mut |_| {}).map_err(|e| e.to_string())?;
    let mapping = mapping.iter().map(|(from, to)| (from.to_string(), to.map(str::to_string))).collect();
    let tx = client.transaction().await.unwrap();
    let loaded = load::append(&tx, &table(name), path, &plan, &mapping, Default::default(), Box::new(|_| {}))
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.unwrap();
    Ok(loaded)
}

/// The table's columns as `\d` shows them: (name, `format_type`), the surrogate key included.
async fn columns(client: &Client, name: &str) -> Vec<(String, String)> {
    let rows = client
        .query(
            "SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute
             WHERE attrelid = $1::text::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            &[&table(name).to_string()],
        )
        .await
        .unwrap();
    rows.iter().map(|r| (r.get(0), r.get(1))).collect()
}

/// Every row as PostgreSQL's text of each column (the key left out), in key order.
async fn rows(client: &Client, name: &str, key: &str) -> Vec<Vec<String>> {
    let names: Vec<String> = columns(client, name).await.into_iter().map(|(n, _)| n).filter(|n| n != key).collect();
    let list: Vec<String> = names.iter().map(|n| format!("{}::text", Ident::new(n.as_str()).unwrap())).collect();
    let sql = format!("SELECT {} FROM {} ORDER BY {}", list.join(", "), table(name), Ident::new(key).unwrap());
    let rows = client.query(&sql, &[]).await.unwrap();
    rows.iter()
        .map(|row| (0..names.len()).map(|i| row.get::<_, Option<String>>(i).unwrap_or_else(|| NULL.into())).collect())
        .collect()
}

/// The tables the session sees: those of the public schema, and its own temporary ones.
async fn tables(client: &Client) -> Vec<String> {
    let rows = client
        .query(
            "SELECT relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE (n.nspname = 'public' OR n.oid = pg_my_temp_schema()) AND c.relkind IN ('r', 'p')",
            &[],
        )
        .await
        .unwrap();
    let mut names: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    names.sort();
    names
}

/// Imports `fixture` into a fresh database and asserts the table's columns and values exactly.
/// Also checks the surrogate key every import adds: first, `bigint`, identity, primary key,
/// numbering the rows 1..N in file order, and continuing after them. Returns the plan.
async fn check(name: &str, options: ImportOptions, expected_columns: &[(&str, &str)], expected: &[&[&str]]) -> Plan {
    let db = TestDb::new().await;
    let mut client = client(&db).await;
    let (plan, loaded) =
        import(&mut client, &fixture(name), &options, "t").await.unwrap_or_else(|e| panic!("{name}: {e}"));
    let key = loaded.id_column.clone().expect("a new table has a key");

    let columns = columns(&client, "t").await;
    assert_eq!(columns[0], (key.clone(), "bigint".to_string()), "{name}: the key comes first");
    let actual: Vec<(&str, &str)> = columns[1..].iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    assert_eq!(actual, expected_columns, "{name}: columns");
    let actual = rows(&client, "t", &key).await;
    let expected: Vec<Vec<String>> = expected.iter().map(|r| r.iter().map(|v| v.to_string()).collect()).collect();
    assert_eq!(actual, expected, "{name}: rows");
    assert_eq!(loaded.rows, expected.len() as u64, "{name}: rows reported");
    assert_eq!(plan.rows, expected.len() as u64, "{name}: rows planned");

    let key_sql = Ident::new(key.as_str()).unwrap();
    let row = client
        .query_one(
            "SELECT a.attidentity::text, i.indisprimary
             FROM pg_attribute a JOIN pg_index i ON i.indrelid = a.attrelid AND i.indkey[0] = a.attnum
             WHERE a.attrelid = 'public.t'::regclass AND a.attname = $1",
            &[&key],
        )
        .await
        .unwrap();
    assert_eq!((row.get::<_, String>(0), row.get::<_, bool>(1)), ("d".into(), true), "{name}: identity primary key");
    let ids: Vec<i64> = client
        .query(&format!("SELECT {key_sql} FROM public.t ORDER BY {key_sql}"), &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(ids, (1..=expected.len() as i64).collect::<Vec<_>>(), "{name}: keys");
    let next: i64 = client
        .query_one(&format!("INSERT INTO public.t DEFAULT VALUES RETURNING {key_sql}"), &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(next, expected.len() as i64 + 1, "{name}: the key continues after the imported rows");
    plan
}

/// Imports `fixture`, expecting failure: returns the message, having checked nothing was left.
async fn fail(name: &str, options: ImportOptions) -> String {
    let db = TestDb::new().await;
    let mut client = client(&db).await;
    let err =
        import(&mut client, &fixture(name), &options, "t").await.err().unwrap_or_else(|| panic!("{name} imported"));
    assert_eq!(tables(&client).await, Vec::<String>::new(), "{name}: a failed import left tables");
    err
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// 1. Formats

#[tokio::test]
async fn csv_every_type() {
    let plan = check(
        "types.csv",
        options(),
        &[
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
        ],
        &[
            &[
                "true",
                "1",
                "2147483648",
                "12.50",
                "123456789012345678901234567890.123",
                "2024-01-05",
                "2024-01-05 10:30:00",
                "2024-01-05 10:30:00+00",
                "13:45:00",
                r#"{"a": 1}"#,
                "hello",
            ],
            &[
                "false",
                "-2",
                "-9223372036854775808",
                "-0.5",
                "0.000000000000000000001",
                "2023-12-31",
                "2023-12-31 23:59:59.123456",
                "2023-12-31 21:59:59+00",
                "13:45:00",
                "[1, 2]",
                "world",
            ],
            &[
                "true",
                NULL,
                "9223372036854775807",
                "7",
                "1000",
                NULL,
                "2024-02-29 00:00:00",
                "2024-02-29 17:30:00+00",
                "23:59:59",
                NULL,
                NULL,
            ],
            &["false", "2147483647", "1", "1.0", "42", "2024-02-29", NULL, NULL, NULL, "{}", NULL],
        ],
    )
    .await;
    assert_eq!((plan.source.format, plan.source.delimiter, plan.source.header), (Format::Csv, b',', true));
    assert_eq!(plan.warnings, Vec::<String>::new());
}

#[tokio::test]
async fn tsv_by_its_extension() {
    let plan = check(
        "tab.tsv",
        options(),
        &[("name", "text"), ("score", "numeric"), ("note", "text")],
        &[&["Ana", "9.5", r#"says "hi", twice"#], &["Ben", "7", NULL]],
    )
    .await;
    assert_eq!((plan.source.format, plan.source.delimiter), (Format::Tsv, b'\t'));
}

#[tokio::test]
async fn tab_sniffed_in_a_txt_file() {
    let plan = check(
        "tab_sniffed.txt",
        options(),
        &[("name", "text"), ("score", "numeric")],
        &[&["Ana", "9.5"], &["Ben", "7"]],
    )
    .await;
    assert_eq!((plan.source.format, plan.source.delimiter), (Format::Csv, b'\t'));
}

#[tokio::test]
async fn pipe_sniffed_with_a_quoted_pipe() {
    let plan = check(
        "pipe.csv",
        options(),
        &[("name", "text"), ("score", "numeric"), ("note", "text")],
        &[&["Ana", "9.5", "a, b"], &["Ben | Jr.", "7", "c; d"]],
    )
    .await;
    assert_eq!(plan.source.delimiter, b'|');
}

#[tokio::test]
async fn semicolon_sniffed() {
    let plan = check(
        "semicolon_decimal_comma.csv",
        options(),
        &[("Produkt", "text"), ("Preis", "numeric"), ("Menge", "integer"), ("Datum", "date"), ("Code", "text")],
        &[
            &["Äpfel", "1.50", "3", "2024-04-13", "1.5"],
            &["Birnen", "12.5", "10", "2024-05-01", "2.5"],
            &["Kiwi", "-0.25", NULL, "2024-05-02", "3"],
        ],
    )
    .await;
    assert_eq!(plan.source.delimiter, b';');
    assert!(plan.decimal_comma);
}

#[tokio::test]
async fn any_single_character_delimiter_when_given() {
    let plan = check(
        "caret.txt",
        ImportOptions { delimiter: Some(b'^'), ..options() },
        &[("name", "text"), ("score", "numeric")],
        &[&["Ana", "9.5"], &["Ben", "7"]],
    )
    .await;
    assert_eq!(plan.source.delimiter, b'^');
}

/// The "Data" sheet of `book.*`: every workbook holds the same cells.
const BOOK_COLUMNS: &[(&str, &str)] = &[
    ("name", "text"),
    ("count", "bigint"),
    ("ratio", "numeric"),
    ("flag", "boolean"),
    ("day", "date"),
    ("moment", "timestamp without time zone"),
    ("clock", "time without time zone"),
    ("broken", "integer"),
    ("zip", "text"),
];
const BOOK_ROWS: &[&[&str]] = &[
    &["Ana", "1", "0.5", "true", "2024-03-04", "2024-03-04 10:30:15", "13:45:00", NULL, "00501"],
    &["Ben", "2147483648", "2.25", "false", "2023-12-31", "2023-12-31 23:59:00", "00:00:01", "5", "02134"],
    &[r#"Zoë, "Z""#, "-3", "1", NULL, "1999-01-01", NULL, "23:59:59", "6", NULL],
];
const BOOK_ERROR_WARNING: &str =
    "1 cells held spreadsheet errors (the first, #DIV/0!, in row 2); they were imported as empty";

async fn check_book(name: &str, format: Format, warnings: &[&str]) {
    let plan = check(name, options(), BOOK_COLUMNS, BOOK_ROWS).await;
    assert_eq!(plan.source.format, format);
    assert_eq!(plan.source.sheet.as_deref(), Some("Data"), "the first sheet is empty, so the second is read");
    assert_eq!(plan.warnings, strings(warnings));

    let plan = check(
        name,
        ImportOptions { sheet: Some("Third Name".into()), ..options() },
        &[("code", "text"), ("when", "date")],
        &[&["x", "2020-02-29"], &["y", "2021-12-31"]],
    )
    .await;
    assert_eq!(plan.source.sheet.as_deref(), Some("Third Name"));

    let err = fail(name, ImportOptions { sheet: Some("Nope".into()), ..options() }).await;
    assert_eq!(err, r#"the workbook has no sheet "Nope"; its sheets are "Empty", "Data", "Third Name""#);
    let err = fail(name, ImportOptions { sheet: Some("Empty".into()), ..options() }).await;
    assert_eq!(err, "the file has no data: it has no rows");
}

#[tokio::test]
async fn xlsx_cells_keep_their_types() {
    check_book("book.xlsx", Format::Xlsx, &[BOOK_ERROR_WARNING]).await;
}

#[tokio::test]
async fn xls_cells_keep_their_types() {
    check_book("book.xls", Format::Xls, &[BOOK_ERROR_WARNING]).await;
}

#[tokio::test]
async fn ods_cells_keep_their_types() {
    // odfpy cannot write an error cell: the ODS has an empty formula cell there instead.
    check_book("book.ods", Format::Ods, &[]).await;
}

#[tokio::test]
async fn a_workbook_is_known_by_its_bytes_whatever_its_name() {
    let dir = tempfile::tempdir().unwrap();
    for (source, renamed, format) in [
        ("book.xlsx", "export", Format::Xlsx),
        ("book.xls", "export.dat", Format::Xls),
        ("book.ods", "export.xlsx", Format::Ods),
    ] {
        let path = dir.path().join(renamed);
        std::fs::copy(fixture(source), &path).unwrap();
        let plan = strata_import::plan(&path, &options(), &mut |_| {}).unwrap_or_else(|e| panic!("{renamed}: {e}"));
        assert_eq!(plan.source.format, format, "{renamed}");
        let db = TestDb::new().await;
        let mut client = client(&db).await;
        create(&mut client, &path, &plan, "t").await.unwrap_or_else(|e| panic!("{renamed}: {e}"));
        assert_eq!(rows(&client, "t", "id").await.len(), 3, "{renamed}");
    }
}

#[tokio::test]
async fn sheet_applies_to_workbooks_only() {
    let err = fail("types.csv", ImportOptions { sheet: Some("Data".into()), ..options() }).await;
    assert_eq!(err, "only workbooks have sheets, and this file is csv");
}

#[tokio::test]
async fn json_array_nested_values_become_jsonb() {
    let plan = check(
        "nested.json",
        options(),
        &[
            ("id", "integer"),
            ("name", "text"),
            ("tags", "jsonb"),
            ("address", "jsonb"),
            ("score", "numeric"),
            ("active", "boolean"),
            ("joined", "date"),
            ("big", "numeric"),
            ("extra", "text"),
            ("mixed", "text"),
        ],
        &[
            &[
                "1",
                "Ana",
                r#"["a", "b"]"#,
                r#"{"zip": "1000-001", "city": "Lisbon"}"#,
                "12.50",
                "true",
                "2024-01-05",
                "123456789012345678901234567890.123",
                NULL,
                NULL,
            ],
            &["2", r#"Ben "B", ok"#, "[]", NULL, "7", "false", "2024-02-06", "1", NULL, NULL],
            &[NULL, "Cy\nnewline", NULL, NULL, "-0.5", NULL, NULL, NULL, "late key", "1"],
            &[NULL, "Dee", r#"{"nested": [1, 2, {"deep": true}]}"#, NULL, NULL, NULL, NULL, NULL, NULL, "one"],
        ],
    )
    .await;
    assert_eq!(plan.source.format, Format::Json);
}

#[tokio::test]
async fn ndjson_one_object_per_line() {
    let plan = check(
        "lines.ndjson",
        options(),
        &[("sku", "text"), ("qty", "bigint"), ("meta", "jsonb"), ("when", "timestamp with time zone")],
        &[
            &["00501", "3", r#"{"color": "red"}"#, "2024-03-04 10:30:00+00"],
            &["A-2", "2147483648", r#"[1, {"x": null}]"#, "2024-03-05 06:00:00+00"],
            &["A-3", NULL, r#""plain string""#, NULL],
        ],
    )
    .await;
    assert_eq!(plan.source.format, Format::Ndjson);
}

#[tokio::test]
async fn a_broken_json_record_is_named_by_its_line() {
    let err = fail("bad_record.json", options()).await;
    assert!(err.starts_with("line 4: record 3: "), "{err}");
}

#[tokio::test]
async fn a_json_nul_escape_is_refused_with_its_line() {
    // `\u0000` is valid JSON, but neither text nor jsonb can hold it.
    let err = fail("nul_escape.ndjson", options()).await;
    assert_eq!(err, "line 2: record 2 holds a NUL character (\\u0000), which PostgreSQL cannot store");
}

#[tokio::test]
async fn a_cut_off_json_file_is_refused() {
    let err = fail("truncated.json", options()).await;
    assert_eq!(err, "line 1: the JSON array is not closed; the file may be cut off");
}

// ---------------------------------------------------------------------------------------------
// 2. Encodings, line endings, quoting

const ACCENTED_COLUMNS: &[(&str, &str)] = &[("name", "text"), ("city", "text"), ("amount", "numeric")];
const ACCENTED_ROWS: &[&[&str]] =
    &[&["José", "São Paulo", "1.5"], &["François", "Montréal", "2"], &["Müller", "Köln", "3"], &["Åsa", "Malmö", "4"]];

#[tokio::test]
async fn byte_order_marks_name_the_encoding() {
    for (name, encoding) in
        [("utf8_bom.csv", "UTF-8"), ("utf16le_bom.csv", "UTF-16LE"), ("utf16be_bom.csv", "UTF-16BE")]
    {
        let plan = check(name, options(), ACCENTED_COLUMNS, ACCENTED_ROWS).await;
        assert_eq!(plan.source.encoding.name(), encoding, "{name}");
    }
}

#[tokio::test]
async fn latin1_is_detected() {
    let plan = check("latin1.csv", options(), ACCENTED_COLUMNS, ACCENTED_ROWS).await;
    assert_eq!(plan.source.encoding.name(), "windows-1252");
}

#[tokio::test]
async fn windows_1252_is_detected() {
    let plan = check(
        "windows1252.csv",
        options(),
        &[("item", "text"), ("note", "text")],
        &[&["Café", "“5 €” each"], &["Œuvre", "l’été"], &["Naïve", "coût ½"], &["Crème brûlée", "déjà vu"]],
    )
    .await;
    assert_eq!(plan.source.encoding.name(), "windows-1252");
}

#[tokio::test]
async fn utf8_without_bom() {
    let plan = check(
        "utf8.csv",
        options(),
        &[("name", "text"), ("city", "text")],
        &[&["張三", "東京"], &["Zoë", "Zürich 😀"]],
    )
    .await;
    assert_eq!(plan.source.encoding.name(), "UTF-8");
}

#[tokio::test]
async fn latin1_past_the_sniffed_sample_is_detected() {
    // The first 64 KiB are ASCII, so they read as UTF-8; the file is read again as what it is.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("late.csv");
    let mut bytes = b"name,n\n".to_vec();
    for n in 0..8000 {
        bytes.extend_from_slice(format!("row{n:05},{n}\n").as_bytes());
    }
    bytes.extend_from_slice(b"Caf\xe9 cr\xe8me,8000\n");
    std::fs::write(&path, bytes).unwrap();
    let plan = strata_import::plan(&path, &options(), &mut |_| {}).unwrap();
    assert_eq!(plan.source.encoding.name(), "windows-1252");
    let db = TestDb::new().await;
    let mut client = client(&db).await;
    create(&mut client, &path, &plan, "t").await.unwrap();
    let last = client.query_one("SELECT name, n FROM t ORDER BY id DESC LIMIT 1", &[]).await.unwrap();
    assert_eq!((last.get::<_, String>(0), last.get::<_, i32>(1)), ("Café crème".to_string(), 8000));
}

#[tokio::test]
async fn a_wrong_explicit_encoding_is_an_error_naming_the_line() {
    let err = fail("latin1.csv", ImportOptions { encoding: Some(encoding("utf-8")), ..options() }).await;
    assert_eq!(err, "line 2: the text is not valid UTF-8; choose the file's encoding");
}

#[tokio::test]
async fn an_explicit_encoding_wins() {
    // Read as UTF-16LE, the UTF-16BE file is nonsense; read as what it is, it is the same data.
    check(
        "utf16be_bom.csv",
        ImportOptions { encoding: Some(encoding("utf-16be")), ..options() },
        ACCENTED_COLUMNS,
        ACCENTED_ROWS,
    )
    .await;
}

#[tokio::test]
async fn crlf_line_endings() {
    check(
        "crlf.csv",
        options(),
        &[("name", "text"), ("count", "integer"), ("note", "text")],
        &[&["Ana", "1", "first"], &["Ben", "2", "two\r\nlines"], &["Cy", "3", "last"]],
    )
    .await;
}

#[tokio::test]
async fn lone_cr_line_endings() {
    check(
        "cr_only.csv",
        options(),
        &[("name", "text"), ("count", "integer"), ("note", "text")],
        &[&["Ana", "1", "first"], &["Ben", "2", "two\rlines"], &["Cy", "3", "last"]],
    )
    .await;
}

#[tokio::test]
async fn quoted_fields_keep_newlines_delimiters_and_quotes() {
    check(
        "quoted_newlines.csv",
        options(),
        &[("name", "text"), ("note", "text"), ("n", "integer")],
        &[
            &["Smith, Jane", "She said \"hi\"\nand left", "1"],
            &["O'Brien", "line1\nline2\n\nline4", "2"],
            &["plain", NULL, "3"],
        ],
    )
    .await;
}

#[tokio::test]
async fn nul_bytes_are_refused_with_their_line() {
    let err = fail("nul.csv", options()).await;
    assert_eq!(
        err,
        "line 3: the file contains a NUL byte; it is binary, or not in the encoding UTF-8 (choose another encoding)"
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Inference

#[tokio::test]
async fn zeros_phones_and_mixtures_stay_text() {
    check(
        "stays_text.csv",
        options(),
        &[
            ("zip", "text"),
            ("phone", "text"),
            ("mixed", "text"),
            ("bits", "integer"),
            ("bits_and_words", "text"),
            ("ids", "text"),
        ],
        &[
            &["00501", "+1 555 0100", "1", "0", "1", "A-1"],
            &["02134", "(555) 010-0199", "two", "1", "0", "2"],
            &["90210", "555-0100", "3.5", "1", "yes", "3"],
        ],
    )
    .await;
}

#[tokio::test]
async fn values_are_read_trimmed_and_text_is_kept_whole() {
    check(
        "padded.csv",
        options(),
        &[("n", "integer"), ("day", "date"), ("flag", "boolean"), ("name", "text")],
        &[&["42", "2024-01-05", "true", " Ana "], &["7", "2024-01-06", "false", "Ben"]],
    )
    .await;
}

#[tokio::test]
async fn empty_cells_are_null() {
    // A blank cell is NULL wherever it is; a text column keeps white space that is all a cell has.
    check(
        "empty_cells.csv",
        options(),
        &[("n", "integer"), ("text", "text"), ("num", "text")],
        &[&["1", NULL, NULL], &["2", NULL, NULL], &["3", "  ", NULL]],
    )
    .await;
}

#[tokio::test]
async fn regression_currency_symbols_after_digits_do_not_panic() {
    // `10€` ends inside a multi-byte character where `1:45 PM` has its AM/PM: this panicked.
    check(
        "currency.csv",
        options(),
        &[("item", "text"), ("price", "text")],
        &[&["Tea", "10€"], &["Cake", "5 €"], &["Pie", "3.50"]],
    )
    .await;
}

#[tokio::test]
async fn ambiguous_dates_follow_the_default_order_and_say_so() {
    let plan = check(
        "ambiguous_dates.csv",
        options(),
        &[("when", "date"), ("at", "timestamp without time zone"), ("amount", "integer")],
        &[&["2024-03-04", "2024-03-04 10:00:00", "1"], &["2024-05-06", "2024-05-06 23:30:15", "2"]],
    )
    .await;
    assert_eq!(plan.date_order, DateOrder::Mdy);
    assert_eq!(
        plan.warnings,
        [
            r#"the dates in "when", "at" read either day first or month first; read as mdy (choose the date order dmy if that is wrong)"#
        ]
    );
}

#[tokio::test]
async fn ambiguous_dates_follow_the_date_order_option() {
    let plan = check(
        "ambiguous_dates.csv",
        ImportOptions { date_order: Some(DateOrder::Dmy), ..options() },
        &[("when", "date"), ("at", "timestamp without time zone"), ("amount", "integer")],
        &[&["2024-04-03", "2024-04-03 10:00:00", "1"], &["2024-06-05", "2024-06-05 23:30:15", "2"]],
    )
    .await;
    assert_eq!(
        plan.warnings,
        [
            r#"the dates in "when", "at" read either day first or month first; read as dmy (choose the date order mdy if that is wrong)"#
        ]
    );
}

#[tokio::test]
async fn ambiguous_dates_follow_the_locale_default() {
    // The CLI passes the locale's order as the default; an explicit order would still win.
    let plan = check(
        "ambiguous_dates.csv",
        ImportOptions { default_date_order: DateOrder::Dmy, ..options() },
        &[("when", "date"), ("at", "timestamp without time zone"), ("amount", "integer")],
        &[&["2024-04-03", "2024-04-03 10:00:00", "1"], &["2024-06-05", "2024-06-05 23:30:15", "2"]],
    )
    .await;
    assert_eq!(plan.date_order, DateOrder::Dmy);
}

#[tokio::test]
async fn a_day_over_12_decides_the_order() {
    for preferred in [DateOrder::Mdy, DateOrder::Dmy] {
        let plan = check(
            "dmy_dates.csv",
            ImportOptions { date_order: Some(preferred), ..options() },
            &[("when", "date"), ("n", "integer")],
            &[&["2024-04-03", "1"], &["2024-04-13", "2"], &["2024-12-01", "3"]],
        )
        .await;
        assert_eq!(plan.warnings, Vec::<String>::new());
        let plan = check(
            "mdy_dates.csv",
            ImportOptions { date_order: Some(preferred), ..options() },
            &[("when", "date"), ("n", "integer")],
            &[&["2024-03-04", "1"], &["2024-04-13", "2"]],
        )
        .await;
        assert_eq!(plan.warnings, Vec::<String>::new());
    }
}

#[tokio::test]
async fn iso_dates_are_never_ambiguous() {
    let plan = check(
        "iso_dates.csv",
        ImportOptions { date_order: Some(DateOrder::Dmy), ..options() },
        &[("when", "date"), ("n", "integer")],
        &[&["2024-03-04", "1"], &["2024-12-01", "2"]],
    )
    .await;
    assert_eq!(plan.warnings, Vec::<String>::new());
}

#[tokio::test]
async fn day_first_and_month_first_in_one_column_stay_text() {
    check(
        "conflicting_dates.csv",
        options(),
        &[("when", "text"), ("n", "integer")],
        &[&["13/04/2024", "1"], &["04/13/2024", "2"]],
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// 4. Names

#[tokio::test]
async fn headers_are_trimmed_deduplicated_and_numbered_when_empty() {
    let plan = check(
        "duplicate_headers.csv",
        options(),
        &[
            ("Name", "text"),
            ("Name_2", "text"),
            ("column_3", "text"),
            ("name", "text"),
            ("Name_3", "text"),
            ("Amount", "integer"),
        ],
        &[&["Ana", "Ana2", "x", "lower", "Ana3", "1"]],
    )
    .await;
    assert!(plan.source.header);
}

#[tokio::test]
async fn hostile_headers_are_kept_and_id_steps_aside() {
    let long = format!("L{}", "o".repeat(62));
    let long_2 = format!("L{}_2", "o".repeat(60));
    let plan = check(
        "hostile_headers.csv",
        options(),
        &[
            ("a \"quoted\" name", "integer"),
            ("\"; drop table x; --", "integer"),
            ("Ünïcødé 名前", "integer"),
            ("id", "integer"),
            ("with\nnewline", "integer"),
            (long.as_str(), "integer"),
            (long_2.as_str(), "integer"),
        ],
        &[&["1", "2", "3", "4", "5", "6", "7"]],
    )
    .await;
    let db = TestDb::new().await;
    let mut client = client(&db).await;
    let (_, loaded) = import(&mut client, &fixture("hostile_headers.csv"), &options(), "t").await.unwrap();
    assert_eq!(loaded.id_column.as_deref(), Some("_id"));
    assert_eq!(
        plan.warnings,
        [format!("2 column names were longer than PostgreSQL's 63 bytes and were shortened: {long:?}, {long:?}")]
    );
}

#[tokio::test]
async fn the_key_finds_a_free_name() {
    let db = TestDb::new().await;
    let mut client = client(&db).await;
    let (_, loaded) = import(&mut client, &fixture("has_id.csv"), &options(), "t").await.unwrap();
    assert_eq!(loaded.id_column.as_deref(), Some("_id_2"));
    assert_eq!(
        columns(&client, "t").await,
        [("_id_2", "bigint"), ("id", "integer"), ("_id", "text"), ("name", "text")]
            .map(|(n, t)| (n.to_string(), t.to_string()))
    );
    assert_eq!(rows(&client, "t", "_id_2").await, [strings(&["7", "x", "Ana"])]);
}

#[tokio::test]
async fn hostile_table_names_are_kept() {
    let db = TestDb::new().await;
    let mut client = client(&db).await;
    let names = [r#"x"; drop table y; --"#, "Robert'); DROP TABLE students;--", "Ünïcødé 名前", "Orders 2024", " "];
    for name in names {
        import(&mut client, &fixture("headerless.csv"), &options(), name)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            rows(&client, name, "id").await,
            [strings(&["1", "Ana", "2024-01-05"]), strings(&["2", "Ben", "2024-02-06"])]
        );
    }
    let mut expected = strings(&names);
    expected.sort();
    assert_eq!(tables(&client).await, expected);
}

#[tokio::test]
async fn headerless_files_are_sniffed() {
    let plan = check(
        "headerless.csv",
        options(),
        &[("column_1", "integer"), ("column_2", "text"), ("column_3", "date")],
        &[&["1", "Ana", "2024-01-05"], &["2", "Ben", "2024-02-06"]],
    )
    .await;
    assert!(!plan.source.header);
}

#[tokio::test]
async fn no_header_when_told() {
    // All text: sniffing must take the first row for a header, unless told otherwise.
    check("text_only.csv", options(), &[("Ana", "text"), ("Lisbon", "text")], &[&["Ben", "Paris"]]).await;
    let plan = check(
        "text_only.csv",
        ImportOptions { header: Some(false), ..options() },
        &[("column_1", "text"), ("column_2", "text")],
        &[&["Ana", "Lisbon"], &["Ben", "Paris"]],
    )
    .await;
    assert!(!plan.source.header);
    // Told so, a typed first row is a header all the same.
    check(
        "headerless.csv",
        ImportOptions { header: Some(true), ..options() },
        &[("1", "integer"), ("Ana", "text"), ("2024-01-05", "date")],
        &[&["2", "Ben", "2024-02-06"]],
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// 5. Ragged rows

#[tokio::test]
async fn short_rows_are_padded_and_counted() {
    let plan = check(
        "ragged_short.csv",
        options(),
        &[("a", "integer"), ("b", "integer"), ("c", "integer")],
        &[&["1", "2", "3"], &["4", "5", NULL], &["6", NULL, NULL], &["7", "8", "9"]],
    )
    .await;
    assert_eq!(
        plan.warnings,
        ["2 rows had fewer fields than the header (the first at line 3); their missing cells are empty"]
    );
}

#[tokio::test]
async fn extra_empty_fields_are_dropped() {
    let plan =
        check("extra_empty_fields.csv", options(), &[("a", "integer"), ("b", "integer")], &[&["1", "2"], &["3", "4"]])
            .await;
    assert_eq!(plan.warnings, Vec::<String>::new());
}

#[tokio::test]
async fn blank_rows_are_skipped_and_counted() {
    let plan =
        check("blank_rows.csv", options(), &[("a", "integer"), ("b", "integer")], &[&["1", "2"], &["3", "4"]]).await;
    assert_eq!(plan.warnings, ["1 empty rows were skipped"]);
}

#[tokio::test]
async fn a_header_alone_makes_an_empty_table() {
    check("header_only.csv", options(), &[("name", "text"), ("age", "text")], &[]).await;
}

#[tokio::test]
async fn extra_fields_are_an_error_naming_the_line() {
    let err = fail("extra_fields.csv", options()).await;
    assert_eq!(err, "line 4: 3 fields where the header has 2; quote fields that contain the delimiter");
}

#[tokio::test]
async fn lines_count_the_newlines_inside_quotes() {
    let err = fail("quoted_newlines_extra_fields.csv", options()).await;
    assert_eq!(err, "line 6: 3 fields where the header has 2; quote fields that contain the delimiter");
}

#[tokio::test]
async fn lines_count_lone_cr_line_endings() {
    let err = fail("cr_only_extra_fields.csv", options()).await;
    assert_eq!(err, "line 4: 3 fields where the header has 2; quote fields that contain the delimiter");
}

#[tokio::test]
async fn a_headerless_file_takes_its_widest_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("short_first.csv");
    std::fs::write(&path, "1,Ana\n2,Ben,x\n3,Cy,y\n").unwrap();
    let db = TestDb::new().await;
    let mut client = client(&db).await;
    let options = ImportOptions { header: Some(false), ..options() };
    let (plan, _) = import(&mut client, &path, &options, "t").await.unwrap();
    assert_eq!(plan.columns.len(), 3);
    assert_eq!(
        rows(&client, "t", "id").await,
        [strings(&["1", "Ana", NULL]), strings(&["2", "Ben", "x"]), strings(&["3", "Cy", "y"])]
    );
}

#[tokio::test]
async fn an_empty_last_header_is_numbered_like_any_other() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trailing_header.csv");
    std::fs::write(&path, "a,b,\n1,2,3\n").unwrap();
    let db = TestDb::new().await;
    let mut client = client(&db).await;
    let (plan, _) = import(&mut client, &path, &options(), "t").await.unwrap();
    let names: Vec<&str> = plan.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "column_3"]);
    assert_eq!(rows(&client, "t", "id").await, [strings(&["1", "2", "3"])]);
}

// ---------------------------------------------------------------------------------------------
// 6. One transaction

/// `rows` lines of `n,padding` (about 200 bytes each, so the load streams several chunks), with
/// `line`'s text replaced.
fn big_file(dir: &Path, rows: usize, line: usize, replacement: &str) -> PathBuf {
    let mut text = String::from("n,padding\n");
    let padding = "x".repeat(200);
    for n in 1..=rows {
        if n + 1 == line {
            text.push_str(replacement);
        } else {
            text.push_str(&format!("{n},{padding}"));
        }
        text.push('\n');
    }
    let path = dir.join("big.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn extra_fields_near_the_end_of_a_long_file_leave_no_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = big_file(dir.path(), 10_000, 9_990, "9989,x,oops");
    let db = TestDb::new().await;
    let mut client = client(&db).await;
    let err = import(&mut client, &path, &options(), "big").await.unwrap_err();
    assert_eq!(err, "line 9990: 3 fields where the header has 2; quote fields that contain the delimiter");
    assert_eq!(tables(&client).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_bad_value_late_in_the_load_leaves_no_table() {
    // The plan is changed after inference (callers may retype columns), so the bad value is met
    // only while loading, after the table exists and megabytes of rows went to the server.
    let dir = tempfile::tempdir().unwrap();
    let path = big_file(dir.path(), 10_000, 9_990, "oops,x");
    let mut plan = strata_import::plan(&path, &options(), &mut |_| {}).unwrap();
    assert_eq!(plan.columns[0].column_type, ColumnType::Text);
    plan.columns[0].column_type = ColumnType::Integer;
    let db = TestDb::new().await;
    let mut client = client(&db).await;
    let err = create(&mut client, &path, &plan, "big").await.unwrap_err();
    assert_eq!(err, r#"line 9990, column "n": "oops" is not a valid integer"#);
    // The same connection goes on: the failed COPY was ended and rolled back.
    assert_eq!(tables(&client).await, Vec::<String>::new());
    plan.columns[0].column_type = ColumnType::Text;
    create(&mut client, &path, &plan, "big").await.unwrap();
    let count: i64 = client.query_one("SELECT count(*) FROM big", &[]).await.unwrap().get(0);
    assert_eq!(count, 10_000);
}

#[tokio::test]
async fn a_bad_value_on_append_changes_nothing() {
    let db = TestDb::new().await;
    let mut client = client(&db).await;
    import(&mut client, &fixture("headerless.csv"), &options(), "t").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("more.csv");
    std::fs::write(&path, "column_1,column_2\n3,Cy\n4,Dee\nfive,Eve\n").unwrap();
    let err = append(&mut client, &path, &options(), "t").await.unwrap_err();
    assert_eq!(err, r#"line 4, column "column_1": "five" is not a valid integer"#);
    assert_eq!(rows(&client, "t", "id").await.len(), 2);
    assert_eq!(tables(&client).await, ["t"], "the staging table is gone too");
}

// ---------------------------------------------------------------------------------------------
// 7. Creating and appending

#[tokio::test]
async fn an_existing_table_is_not_replaced() {
    let db = TestDb::new().await;
    let mut client = client(&db).await;
    import(&mut client, &fixture("headerless.csv"), &options(), "t").await.unwrap();
    let err = import(&mut client, &fixture("types.csv"), &options(), "t").await.unwrap_err();
    assert_eq!(err, r#"the table "public"."t" already exists; choose another name, or append to it"#);
    assert_eq!(columns(&client, "t").await.len(), 4);
    assert_eq!(rows(&client, "t", "id").await.len(), 2);
}

#[tokio::test]
async fn default_names_are_made_unique() {
    let db = TestDb::new().await;
    let mut client = client(&db).await;
    let stem = strata_import::names::table_name_from_path(Path::new("/data/Orders 2024.csv"));
    assert_eq!(stem, "Orders 2024");
    let mut made = Vec::new();
    for _ in 0..3 {
        let tx = client.transaction().await.unwrap();
        let name = load::free_table_name(&tx, &Ident::new("public").unwrap(), &stem).await.unwrap();
        let table = QualifiedName::new(Ident::new("public").unwrap(), name.clone());
        let plan = strata_import::plan(&fixture("headerless.csv"), &options(), &mut |_| {}).unwrap();
        load::create_and_load(&tx, &table, &fixture("headerless.csv"), &plan, Box::new(|_| {})).await.unwrap();
        tx.commit().await.unwrap();
        made.push(name.as_str().to_string());
    }
    assert_eq!(made, ["Orders 2024", "Orders 2024_2", "Orders 2024_3"]);
}

#[tokio::test]
async fn append_maps_columns_by_name_and_converts_values() {
    let db = TestDb::new().await;
    let mut client = client(&db).await;
    client
        .batch_execute(
            r#"CREATE TABLE public.orders (
                   id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                   "Name" text, qty integer, price numeric, day date, moment timestamp,
                   flag boolean, code text, note text);
               INSERT INTO public.orders ("Name", qty) VALUES ('first', 1);"#,
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("more.csv");
    // `QTY` matches `qty` ignoring case; `id` is the table's own key; `extra` matches nothing;
    // `note` is not in the file. Values inferred as other types are converted to the table's.
    std::fs::write(
        &path,
        "id,Name,QTY,price,day,moment,flag,code,extra\n\
         9,Ana,7,12,13/04/2024,2024-04-13,yes,1,a\n\
         10,Ben,8,2.50,14/04/2024,14/04/2024 10:30,no,2,b\n",
    )
    .unwrap();
    let loaded = append(&mut client, &path, &options(), "orders").await.unwrap();
    assert_eq!(loaded.rows, 2);
    assert_eq!(loaded.unmapped, ["id", "extra"]);
    assert_eq!(
        rows(&client, "orders", "id").await,
        [
            strings(&["first", "1", NULL, NULL, NULL, NULL, NULL, NULL]),
            strings(&["Ana", "7", "12", "2024-04-13", "2024-04-13 00:00:00", "true", "1", NULL]),
            strings(&["Ben", "8", "2.50", "2024-04-14", "2024-04-14 10:30:00", "false", "2", NULL]),
        ]
    );
    let ids: Vec<i64> =
        client.query("SELECT id FROM orders ORDER BY id", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(ids, [1, 2, 3]);
}

#[tokio::test]
async fn append_continues_an_imported_table() {
    let db = TestDb::new().await;
    let mut client = client(&db).await;
    import(&mut client, &fixture("ragged_short.csv"), &options(), "t").await.unwrap();
    let loaded = append(&mut client, &fixture("extra_empty_fields.csv"), &options(), "t").await.unwrap();
    assert_eq!((loaded.rows, loaded.unmapped.len()), (2, 0));
    let ids: Vec<i64> =
        client.query("SELECT id FROM t ORDER BY id", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5, 6]);
    assert_eq!(rows(&client, "t", "id").await[4..], [strings(&["1", "2", NULL]), strings(&["3", "4", NULL])]);
}

#[tokio::test]
async fn append_follows_an_explicit_mapping_before_names() {
    let db = TestDb::new().await;
    let mut client = client(&db).await;
    client
        .batch_execute(
            "CREATE TABLE public.t (id bigint GENERATED ALWAYS AS IDENTITY, a text, b text, c text DEFAULT 'c')",
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("swap.csv");
    std::fs::write(
        &path,
        "a,b,x
1,2,3
",
    )
    .unwrap();
    // `a` and `b` swap; `x` is left out; `c` keeps its default.
    let mapping = [("a", Some("b")), ("b", Some("a")), ("x", None)];
    let loaded = append_mapped(&mut client, &path, &options(), "t", &mapping).await.unwrap();
    assert_eq!((loaded.rows, loaded.unmapped.len()), (1, 0));
    assert_eq!(rows(&client, "t", "id").await, [strings(&["2", "1", "c"])]);

    // `b` is chosen for `x`, so `b` of the file matches nothing by name.
    let loaded = append_mapped(&mut client, &path, &options(), "t", &[("x", Some("b"))]).await.unwrap();
    assert_eq!(loaded.unmapped, ["b"]);

    let refused = [
        (vec![("a", Some("nope"))], r#"has no column "nope" for "a""#),
        (vec![("a", Some("id"))], "fills itself"),
        (vec![("a", Some("c")), ("b", Some("c"))], r#"two columns of the file go to "c""#),
    ];
    for (mapping, expected) in refused {
        let err = append_mapped(&mut client, &path, &options(), "t", &mapping).await.unwrap_err();
        assert!(err.contains(expected), "{mapping:?}: {err}");
    }
}

#[tokio::test]
async fn append_needs_a_table() {
    let db = TestDb::new().await;
    let mut client = client(&db).await;
    let err = append(&mut client, &fixture("headerless.csv"), &options(), "t").await.unwrap_err();
    assert_eq!(err, r#"there is no table "public"."t" to append to"#);
}

#[tokio::test]
async fn append_needs_a_matching_column() {
    let db = TestDb::new().await;
    let mut client = client(&db).await;
    client.batch_execute("CREATE TABLE public.t (x int, y text)").await.unwrap();
    let err = append(&mut client, &fixture("headerless.csv"), &options(), "t").await.unwrap_err();
    assert_eq!(err, r#"no column of the file matches a column of "public"."t" (its columns: "x", "y")"#);
}

#[tokio::test]
async fn append_never_cuts_text_to_fit() {
    let db = TestDb::new().await;
    let mut client = client(&db).await;
    client.batch_execute("CREATE TABLE public.t (code varchar(3))").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("codes.csv");
    std::fs::write(&path, "code\nabc\nabcd\n").unwrap();
    let result = append(&mut client, &path, &options(), "t").await;
    let stored: Vec<String> =
        client.query("SELECT code::text FROM t", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    let err = result.err().unwrap_or_else(|| panic!("appended {stored:?}: \"abcd\" was cut to fit"));
    assert!(err.contains("line 3") && err.contains("abcd"), "{err}");
    assert_eq!(stored, Vec::<String>::new());
}

#[tokio::test]
async fn append_errors_name_the_line_for_any_table_type() {
    let db = TestDb::new().await;
    let mut client = client(&db).await;
    client.batch_execute("CREATE TABLE public.t (n smallint)").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("n.csv");
    std::fs::write(&path, "n\n1\n2\n70000\n").unwrap();
    let err = append(&mut client, &path, &options(), "t").await.unwrap_err();
    assert!(err.contains("line 4") && err.contains("\"n\"") && err.contains("70000"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Round trips: random typed columns, written by the csv crate, read back exactly.

#[derive(Debug, Clone)]
enum Generated {
    /// Integers; the column is `integer` when all fit 32 bits, else `bigint`.
    Int(Vec<Option<i64>>),
    /// Decimal numbers in PostgreSQL's input syntax, many digits, some with exponents.
    Numeric(Vec<Option<String>>),
    /// Dates, ISO (`2024-03-04`) or day first (`04/03/2024`, with `--date-order dmy`).
    Date(Vec<Option<(i32, u32, u32)>>, bool),
    /// Timestamps with microseconds.
    Timestamp(Vec<Option<String>>),
    /// Booleans in any spelling.
    Bool(Vec<Option<(bool, String)>>),
    /// Text with quotes, delimiters, newlines, white space and unicode.
    Text(Vec<String>),
}

fn numeric_text() -> impl Strategy<Value = String> {
    let digits = |max| proptest::string::string_regex(&format!("[1-9][0-9]{{0,{max}}}")).unwrap();
    (
        any::<bool>(),
        prop_oneof![Just("0".to_string()), digits(40)],
        proptest::option::of(proptest::string::string_regex("[0-9]{0,30}").unwrap()),
        // Exponents up to the four digits inference accepts, which PostgreSQL reads too.
        proptest::option::of(prop_oneof![9 => -20i32..20, 1 => -9999i32..=9999]),
    )
        .prop_map(|(negative, int, fraction, exponent)| {
            let mut text = if negative { "-".to_string() } else { String::new() };
            text.push_str(&int);
            if let Some(fraction) = fraction {
                text.push('.');
                text.push_str(&fraction);
            }
            if let Some(exponent) = exponent {
                text.push_str(&format!("e{exponent}"));
            }
            text
        })
}

/// `rows` values of `values`, some missing.
fn optional<S: Strategy>(values: S, rows: usize) -> impl Strategy<Value = Vec<Option<S::Value>>> {
    proptest::collection::vec(proptest::option::weighted(0.85, values), rows)
}

fn generated(rows: usize) -> impl Strategy<Value = Generated> {
    let timestamp = (1900i32..=2100, 1u32..=12, 1u32..=28, 0u32..24, 0u32..60, 0u32..60, 0u32..1_000_000)
        .prop_map(|(y, mo, d, h, mi, s, us)| format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}"));
    let boolean = (any::<bool>(), 0usize..3, any::<bool>()).prop_map(|(b, spelling, upper)| {
        let word = [["true", "false"], ["yes", "no"], ["t", "f"]][spelling][usize::from(!b)];
        (b, if upper { word.to_uppercase() } else { word.to_string() })
    });
    prop_oneof![
        optional(prop_oneof![any::<i64>(), -1000i64..1000], rows).prop_map(Generated::Int),
        optional(numeric_text(), rows).prop_map(Generated::Numeric),
        (optional((1i32..=9999, 1u32..=12, 1u32..=28), rows), any::<bool>())
            .prop_map(|(d, iso)| Generated::Date(d, iso)),
        optional(timestamp, rows).prop_map(Generated::Timestamp),
        optional(boolean, rows).prop_map(Generated::Bool),
        proptest::collection::vec(r#"[a-zA-Z0-9 ,;|"'\t\r\n\\éß€名😀-]{0,16}"#, rows).prop_map(Generated::Text),
    ]
}

impl Generated {
    /// The first row's value is always there, so every column has a value to infer from.
    fn fix_first(mut self) -> Generated {
        match &mut self {
            Generated::Int(v) => v[0] = v[0].or(Some(1)),
            Generated::Numeric(v) => v[0] = Some("-12.50".into()),
            Generated::Date(v, _) => v[0] = v[0].or(Some((2024, 2, 28))),
            Generated::Timestamp(v) => v[0] = v[0].clone().or(Some("2024-02-28 00:00:00.000000".into())),
            Generated::Bool(v) => v[0] = v[0].clone().or(Some((true, "true".into()))),
            // Text that no other type reads, with every character the CSV writer must quote.
            Generated::Text(v) => v[0] = "She said \"x, y\";\r\n| ok".into(),
        }
        self
    }

    fn cell(&self, row: usize) -> String {
        match self {
            Generated::Int(v) => v[row].map(|n| n.to_string()).unwrap_or_default(),
            Generated::Numeric(v) | Generated::Timestamp(v) => v[row].clone().unwrap_or_default(),
            Generated::Date(v, iso) => match v[row] {
                Some((y, m, d)) if *iso => format!("{y:04}-{m:02}-{d:02}"),
                Some((y, m, d)) => format!("{d:02}/{m:02}/{y:04}"),
                None => String::new(),
            },
            Generated::Bool(v) => v[row].as_ref().map(|(_, word)| word.clone()).unwrap_or_default(),
            Generated::Text(v) => v[row].clone(),
        }
    }

    /// The type the column must get.
    fn column_type(&self) -> &'static str {
        match self {
            Generated::Int(v) if v.iter().flatten().all(|n| i32::try_from(*n).is_ok()) => "integer",
            Generated::Int(_) => "bigint",
            Generated::Numeric(_) => "numeric",
            Generated::Date(..) => "date",
            Generated::Timestamp(_) => "timestamp without time zone",
            Generated::Bool(_) => "boolean",
            Generated::Text(_) => "text",
        }
    }

    /// What PostgreSQL must hold, as its text; numerics and timestamps as PostgreSQL itself
    /// reads the text written (the oracle for the binary encoder).
    async fn expected(&self, client: &Client) -> Vec<String> {
        let oracle = |cast: &'static str, values: &[Option<String>]| {
            let values = values.to_vec();
            async move {
                let sql =
                    format!("SELECT v::{cast}::text FROM unnest($1::text[]) WITH ORDINALITY AS u(v, i) ORDER BY i");
                let rows = client.query(&sql, &[&values]).await.unwrap();
                rows.iter().map(|r| r.get::<_, Option<String>>(0).unwrap_or_else(|| NULL.into())).collect()
            }
        };
        match self {
            Generated::Int(v) => v.iter().map(|n| n.map_or(NULL.into(), |n| n.to_string())).collect(),
            Generated::Numeric(v) => oracle("numeric", v).await,
            Generated::Timestamp(v) => oracle("timestamp", v).await,
            Generated::Date(v, _) => {
                v.iter().map(|d| d.map_or(NULL.into(), |(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))).collect()
            }
            Generated::Bool(v) => v.iter().map(|b| b.as_ref().map_or(NULL.into(), |(b, _)| b.to_string())).collect(),
            Generated::Text(v) => v.iter().map(|t| if t.is_empty() { NULL.into() } else { t.clone() }).collect(),
        }
    }
}

fn table_strategy() -> impl Strategy<Value = Vec<Generated>> {
    (1usize..40)
        .prop_flat_map(|rows| proptest::collection::vec(generated(rows), 1..6))
        .prop_map(|columns| columns.into_iter().map(Generated::fix_first).collect())
}

#[test]
fn random_typed_columns_round_trip() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let db = runtime.block_on(TestDb::new());
    // The runner takes an `Fn`: the client is lent to each case and given back.
    let slot = std::cell::RefCell::new(Some(runtime.block_on(client(&db))));
    let dir = tempfile::tempdir().unwrap();
    let case = std::cell::Cell::new(0);
    let mut runner = TestRunner::new(Config { cases: 32, failure_persistence: None, ..Config::default() });
    let result = runner.run(&table_strategy(), |generated| {
        case.set(case.get() + 1);
        let case = case.get();
        let count = match &generated[0] {
            Generated::Int(v) => v.len(),
            Generated::Numeric(v) | Generated::Timestamp(v) => v.len(),
            Generated::Date(v, _) => v.len(),
            Generated::Bool(v) => v.len(),
            Generated::Text(v) => v.len(),
        };
        // A row number keeps every row non-blank and the header a header.
        let path = dir.path().join(format!("case{case}.csv"));
        let mut writer = csv::Writer::from_path(&path).unwrap();
        let mut header = vec!["row".to_string()];
        header.extend((0..generated.len()).map(|i| format!("c{i}")));
        writer.write_record(&header).unwrap();
        for row in 0..count {
            let mut record = vec![(row + 1).to_string()];
            record.extend(generated.iter().map(|c| c.cell(row)));
            writer.write_record(&record).unwrap();
        }
        writer.flush().unwrap();
        drop(writer);

        let mut client = slot.borrow_mut().take().expect("a client");
        let result = runtime.block_on(async {
            let name = format!("case{case}");
            let options = ImportOptions { date_order: Some(DateOrder::Dmy), ..options() };
            import(&mut client, &path, &options, &name).await.map_err(TestCaseError::fail)?;
            let mut expected_columns = vec![("id".to_string(), "bigint".to_string()), ("row".into(), "integer".into())];
            expected_columns
                .extend(generated.iter().enumerate().map(|(i, c)| (format!("c{i}"), c.column_type().into())));
            prop_assert_eq!(columns(&client, &name).await, expected_columns);
            let mut expected: Vec<Vec<String>> = (1..=count).map(|row| vec![row.to_string()]).collect();
            for column in &generated {
                for (row, value) in column.expected(&client).await.into_iter().enumerate() {
                    expected[row].push(value);
                }
            }
            prop_assert_eq!(rows(&client, &name, "id").await, expected);
            Ok(())
        });
        *slot.borrow_mut() = Some(client);
        result
    });
    if let Err(err) = result {
        panic!("{err}");
    }
}
