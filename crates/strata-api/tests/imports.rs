//! Imports through the API: upload (multipart or raw), preview, adjust, commit, follow the
//! events, append with a mapping, and the ways it refuses.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::{Answer, Api, enc, query};
use serde_json::{Value, json};

const HOSTILE: &str = r#""; drop table x; --"#;

impl Api {
    fn imports(&self, schema: &str) -> String {
        format!("/api/v1/databases/{}/schemas/{}/imports", enc(self.db()), enc(schema))
    }

    /// Uploads `content` as the `file` part of a form.
    async fn upload_form(&self, file_name: &str, content: &[u8]) -> Answer {
        let boundary = "strata-test-boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nignored\r\n--{boundary}\r\n\
             Content-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = Request::post(self.imports("public"))
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(body));
        self.send(request.unwrap()).await
    }

    /// Uploads `content` as the raw body, with query `pairs`.
    async fn upload_raw(&self, schema: &str, pairs: &[(&str, &str)], content: impl Into<Vec<u8>>) -> Answer {
        let request = Request::post(format!("{}?{}", self.imports(schema), query(pairs)))
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from(content.into()));
        self.send(request.unwrap()).await
    }

    async fn patch_import(&self, id: &str, body: Value) -> Answer {
        let request = Request::patch(format!("{}/{id}", self.imports("public")))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()));
        self.send(request.unwrap()).await
    }

    async fn commit(&self, id: &str, body: Value) -> Answer {
        self.post(&format!("{}/{id}/commit", self.imports("public")), &body.to_string()).await
    }

    /// The import's events until the stream ends: (event, data) pairs.
    async fn events(&self, id: &str) -> Vec<(String, Value)> {
        let answer =
            tokio::time::timeout(Duration::from_secs(60), self.get(&format!("{}/{id}/events", self.imports("public"))))
                .await
                .expect("the events stream ends");
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        assert!(answer.content_type.starts_with("text/event-stream"), "{}", answer.content_type);
        answer
            .text()
            .split("\n\n")
            .filter_map(|block| {
                let field = |name: &str| block.lines().find_map(|l| l.strip_prefix(name)).map(str::to_string);
                Some((field("event: ")?, serde_json::from_str(&field("data: ")?).unwrap()))
            })
            .collect()
    }

    /// Commits and waits for the final event, returning it and its status.
    async fn commit_and_wait(&self, id: &str, body: Value) -> (String, Value) {
        let answer = self.commit(id, body).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text());
        let started = answer.json();
        assert_eq!(started["id"], id);
        let events = self.events(id).await;
        let (last, status) = events.last().cloned().expect("a final event");
        for (event, data) in &events[..events.len() - 1] {
            assert_eq!(event, "progress", "{events:?}");
            assert!(data["rows_done"].as_u64() <= data["rows_total"].as_u64(), "{data}");
        }
        (last, status)
    }

    async fn scalar(&self, sql: &str) -> String {
        let client = self.user.client().await;
        client.query_one(&format!("SELECT ({sql})::text"), &[]).await.unwrap_or_else(|e| panic!("{e}: {sql}")).get(0)
    }

    async fn column_types(&self, table: &str) -> Vec<(String, String)> {
        let detail = self.get(&self.table_path("public", table)).await.ok();
        let columns = detail["columns"].as_array().unwrap();
        columns.iter().map(|c| (c["name"].as_str().unwrap().into(), c["type"].as_str().unwrap().into())).collect()
    }
}

fn orders_csv(rows: usize) -> String {
    let mut csv = String::from("Order Date,Qty,Price,Note\n");
    for i in 1..=rows {
        csv.push_str(&format!("2024-01-{:02},{i},{}.50,\"note, {i}\"\n", i % 28 + 1, i * 2));
    }
    csv
}

fn pairs(columns: &Value, key: &str) -> Vec<String> {
    columns.as_array().unwrap().iter().map(|c| c[key].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn a_csv_form_upload_previews_then_loads_into_a_new_table() {
    let api = Api::new().await;
    api.sql("CREATE TABLE orders (x int)").await;
    let answer = api.upload_form("orders.csv", orders_csv(120).as_bytes()).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    let preview = answer.json();
    assert_eq!(preview["file_name"], "orders.csv");
    assert_eq!(preview["format"], "csv");
    assert_eq!(preview["encoding"], "UTF-8");
    assert_eq!(preview["delimiter"], ",");
    assert_eq!(preview["header"], true);
    assert_eq!(preview["sheet"], Value::Null);
    assert_eq!(preview["sheets"], json!([]));
    assert_eq!(preview["rows"], 120);
    assert_eq!(preview["state"], "previewed");
    assert_eq!(preview["suggested_table"], "orders_2", "orders is taken");
    assert_eq!(pairs(&preview["columns"], "name"), ["Order Date", "Qty", "Price", "Note"]);
    assert_eq!(pairs(&preview["columns"], "source"), ["Order Date", "Qty", "Price", "Note"]);
    assert_eq!(pairs(&preview["columns"], "type"), ["date", "integer", "numeric", "text"]);
    assert_eq!(preview["columns"][0]["skip"], false);
    let rows = preview["preview"].as_array().unwrap();
    assert_eq!(rows.len(), 50, "the preview stops at 50 rows");
    assert_eq!(rows[0], json!(["2024-01-02", "1", "2.50", "note, 1"]));
    assert_eq!(rows[49][1], "50");
    let id = preview["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "a UUID: {id}");

    let status = api.get(&format!("{}/{id}", api.imports("public"))).await.ok();
    assert_eq!(status["state"], "previewed");
    assert_eq!(status["rows_total"], 120);

    let (event, status) = api.commit_and_wait(&id, json!({ "table": "orders_2" })).await;
    assert_eq!(event, "done", "{status}");
    assert_eq!(status["state"], "done");
    assert_eq!(status["rows_done"], 120);
    assert_eq!(status["table"], "orders_2");
    assert_eq!(status["error"], Value::Null);
    assert_eq!(
        api.column_types("orders_2").await,
        [("id", "bigint"), ("Order Date", "date"), ("Qty", "integer"), ("Price", "numeric"), ("Note", "text")]
            .map(|(n, t)| (n.to_string(), t.to_string()))
    );
    assert_eq!(api.scalar(r#"SELECT count(*) FROM orders_2"#).await, "120");
    assert_eq!(api.scalar(r#"SELECT "Note" FROM orders_2 WHERE "Qty" = 7"#).await, "note, 7");

    // Finished: the final event comes at once, and the import cannot run again.
    let events = api.events(&id).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "done");
    api.commit(&id, json!({ "table": "again" })).await.problem(StatusCode::CONFLICT);
    api.patch_import(&id, json!({ "header": false })).await.problem(StatusCode::CONFLICT);
}

#[tokio::test]
async fn pasted_cells_are_adjusted_before_loading() {
    let api = Api::new().await;
    let tsv = "a\tb\tc\n1\t2024-01-02\tx\n2\t2024-02-03\ty\n";
    let preview = api.upload_raw("public", &[("name", "pasted.tsv")], tsv).await;
    assert_eq!(preview.status, StatusCode::CREATED, "{}", preview.text());
    let preview = preview.json();
    let id = preview["id"].as_str().unwrap().to_string();
    assert_eq!(preview["format"], "tsv");
    assert_eq!(preview["delimiter"], "\t");
    assert_eq!(preview["suggested_table"], "pasted");
    assert_eq!(pairs(&preview["columns"], "type"), ["integer", "date", "text"]);

    // The header row becomes data.
    let changed = api.patch_import(&id, json!({ "header": false })).await.ok();
    assert_eq!(changed["header"], false);
    assert_eq!(changed["rows"], 3);
    assert_eq!(pairs(&changed["columns"], "name"), ["column_1", "column_2", "column_3"]);
    assert_eq!(pairs(&changed["columns"], "type"), ["text", "text", "text"]);
    assert_eq!(changed["preview"][0], json!(["a", "b", "c"]));

    // Another delimiter: one column.
    let changed = api.patch_import(&id, json!({ "delimiter": ",", "header": true })).await.ok();
    assert_eq!(changed["delimiter"], ",");
    assert_eq!(pairs(&changed["columns"], "name"), ["a\tb\tc"]);

    // Back to tabs; rename (hostile), skip and retype.
    let changed = api.patch_import(&id, json!({ "delimiter": "tab" })).await.ok();
    assert_eq!(changed["rows"], 2);
    let columns = json!([
        { "name": HOSTILE, "type": "bigint", "skip": false },
        { "name": "b", "type": "TEXT", "skip": false },
        { "name": "c", "type": "text", "skip": true },
    ]);
    let changed = api.patch_import(&id, json!({ "columns": columns })).await.ok();
    assert_eq!(pairs(&changed["columns"], "name"), [HOSTILE, "b", "c"]);
    assert_eq!(pairs(&changed["columns"], "source"), ["a", "b", "c"]);
    assert_eq!(pairs(&changed["columns"], "type"), ["bigint", "text", "text"]);
    assert_eq!(changed["columns"][2]["skip"], true);
    assert_eq!(changed["preview"][1], json!(["2", "2024-02-03", "y"]));

    // Refusals name what is wrong, and change nothing.
    let unknown = json!([
        { "name": "a", "type": "double precision" }, { "name": "b", "type": "text" }, { "name": "c", "type": "text" },
    ]);
    let problem = api.patch_import(&id, json!({ "columns": unknown })).await.bad_parameter("columns");
    assert!(problem["detail"].as_str().unwrap().contains(r#"column "a""#), "{problem}");
    api.patch_import(&id, json!({ "columns": [{ "name": "a", "type": "text" }] })).await.bad_parameter("columns");
    let twice = json!([
        { "name": "x", "type": "text" }, { "name": "x", "type": "text" }, { "name": "c", "type": "text" },
    ]);
    api.patch_import(&id, json!({ "columns": twice })).await.bad_parameter("columns");
    let nul = json!([
        { "name": "x\u{0}", "type": "text" }, { "name": "b", "type": "text" }, { "name": "c", "type": "text" },
    ]);
    api.patch_import(&id, json!({ "columns": nul })).await.bad_parameter("columns");
    api.patch_import(&id, json!({ "delimiter": "ab" })).await.bad_parameter("delimiter");
    api.patch_import(&id, json!({ "encoding": "klingon" })).await.bad_parameter("encoding");
    api.patch_import(&id, json!({ "date_order": "yolo" })).await.bad_parameter("date_order");
    api.patch_import(&id, json!({ "header": "maybe" })).await.bad_parameter("body");

    // Table names are checked before anything runs.
    api.commit(&id, json!({ "table": "" })).await.bad_parameter("table");
    api.commit(&id, json!({ "table": "x".repeat(64) })).await.bad_parameter("table");
    api.commit(&id, json!({})).await.bad_parameter("table");
    api.commit(&id, json!({ "table": "t", "append_to": "u" })).await.bad_parameter("table");

    let (event, status) = api.commit_and_wait(&id, json!({ "table": HOSTILE })).await;
    assert_eq!(event, "done", "{status}");
    assert_eq!(status["table"], HOSTILE);
    assert_eq!(
        api.column_types(HOSTILE).await,
        [("id", "bigint"), (HOSTILE, "bigint"), ("b", "text")].map(|(n, t)| (n.to_string(), t.to_string()))
    );
    let quoted = format!("\"{}\"", HOSTILE.replace('"', "\"\""));
    assert_eq!(api.scalar(&format!("SELECT sum({quoted}) FROM public.{quoted}")).await, "3");
}

#[tokio::test]
async fn appending_maps_file_columns_to_table_columns() {
    let api = Api::new().await;
    api.sql(
        r#"CREATE TABLE target (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text,
                                amount numeric(10, 2), note text DEFAULT 'n/a', "Extra" text);"#,
    )
    .await;
    let csv = "Name,Amt,Extra\nwidget,1.5,dropped\ngadget,2,dropped\n";
    let id = api.upload_raw("public", &[("name", "more.csv")], csv).await.json()["id"].as_str().unwrap().to_string();

    api.commit(&id, json!({ "append_to": "nope" })).await.problem(StatusCode::NOT_FOUND);
    let problem = api.commit(&id, json!({ "append_to": "target", "mapping": { "Amt": "missing" } })).await;
    let problem = problem.bad_parameter("mapping");
    assert!(problem["detail"].as_str().unwrap().contains("missing"), "{problem}");
    let problem = api.commit(&id, json!({ "append_to": "target", "mapping": { "Nope": "amount" } })).await;
    assert!(problem.bad_parameter("mapping")["detail"].as_str().unwrap().contains("Nope"));
    api.commit(&id, json!({ "table": "target" })).await.problem(StatusCode::CONFLICT);

    let mapping = json!({ "Amt": "amount", "Extra": null });
    let (event, status) = api.commit_and_wait(&id, json!({ "append_to": "target", "mapping": mapping })).await;
    assert_eq!(event, "done", "{status}");
    assert_eq!(status["table"], "target");
    assert_eq!(status["rows_done"], 2);
    assert_eq!(
        api.scalar(
            r#"SELECT string_agg(concat_ws('|', id, name, amount, note, "Extra"), ';' ORDER BY id) FROM target"#
        )
        .await,
        "1|widget|1.50|n/a;2|gadget|2.00|n/a"
    );
}

#[tokio::test]
async fn a_bad_file_fails_with_its_line_and_leaves_no_table() {
    let api = Api::new().await;
    // Found while planning: nothing is kept.
    let answer = api.upload_raw("public", &[("name", "bad.csv")], "a,b\n1,2\n3,4,5\n").await;
    let problem = answer.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["line"], 3, "{problem}");
    let answer = api.upload_raw("public", &[("name", "empty.csv")], "").await;
    answer.problem(StatusCode::UNPROCESSABLE_ENTITY);

    // Found while loading: a value that does not fit a chosen type.
    let csv = "code,n\n1,1\n2,2\nx3,3\n";
    let id = api.upload_raw("public", &[("name", "codes.csv")], csv).await.json()["id"].as_str().unwrap().to_string();
    let columns = json!([{ "name": "code", "type": "integer" }, { "name": "n", "type": "integer" }]);
    api.patch_import(&id, json!({ "columns": columns })).await.ok();
    let (event, status) = api.commit_and_wait(&id, json!({ "table": "codes" })).await;
    assert_eq!(event, "failed", "{status}");
    assert_eq!(status["state"], "failed");
    assert_eq!(status["error"]["status"], 422, "{status}");
    assert_eq!(status["error"]["line"], 4, "{status}");
    assert_eq!(status["error"]["column"], "code", "{status}");
    assert!(status["error"]["detail"].as_str().unwrap().contains("x3"), "{status}");
    assert_eq!(api.scalar("SELECT to_regclass('public.codes') IS NULL").await, "true");

    // A failed import can be fixed and committed again.
    let columns = json!([{ "name": "code", "type": "text" }, { "name": "n", "type": "integer" }]);
    let fixed = api.patch_import(&id, json!({ "columns": columns })).await.ok();
    assert_eq!(fixed["state"], "previewed");
    let (event, status) = api.commit_and_wait(&id, json!({ "table": "codes" })).await;
    assert_eq!(event, "done", "{status}");
}

#[tokio::test]
async fn unknown_imports_databases_and_schemas_are_404() {
    let api = Api::new().await;
    let missing = format!("{}/00000000-0000-4000-8000-000000000000", api.imports("public"));
    api.get(&missing).await.problem(StatusCode::NOT_FOUND);
    api.get(&format!("{missing}/events")).await.problem(StatusCode::NOT_FOUND);
    api.post(&format!("{missing}/commit"), r#"{"table": "t"}"#).await.problem(StatusCode::NOT_FOUND);
    api.patch_import("nope", json!({})).await.problem(StatusCode::NOT_FOUND);
    let delete = |path: String| Request::builder().method(Method::DELETE).uri(path).body(Body::empty()).unwrap();
    api.send(delete(missing.clone())).await.problem(StatusCode::NOT_FOUND);

    api.upload_raw(HOSTILE, &[("name", "a.csv")], "a\n1\n").await.problem(StatusCode::NOT_FOUND);
    let request = Request::post("/api/v1/databases/nope/schemas/public/imports?name=a.csv").body(Body::from("a\n1\n"));
    api.send(request.unwrap()).await.problem(StatusCode::NOT_FOUND);
    api.upload_raw("public", &[], "a\n1\n").await.bad_parameter("name");
    api.upload_raw("public", &[("name", "a.csv"), ("header", "perhaps")], "a\n1\n").await.bad_parameter("header");
    api.upload_raw("public", &[("name", "a.csv"), ("bogus", "1")], "a\n1\n").await.bad_parameter("bogus");

    // An import belongs to its schema, and is gone once deleted.
    api.sql("CREATE SCHEMA other").await;
    let id = api.upload_raw("public", &[("name", "a.csv")], "a\n1\n").await.json()["id"].as_str().unwrap().to_string();
    api.get(&format!("{}/{id}", api.imports("other"))).await.problem(StatusCode::NOT_FOUND);
    let answer = api.send(delete(format!("{}/{id}", api.imports("public")))).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text());
    api.get(&format!("{}/{id}", api.imports("public"))).await.problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn uploads_past_two_megabytes_stream_and_past_the_cap_are_413() {
    let api = Api::new().await;
    let csv = orders_csv(100_000);
    assert!(csv.len() > 3 << 20, "{} bytes", csv.len());
    let answer = api.upload_raw("public", &[("name", "big.csv")], csv.clone()).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    let preview = answer.json();
    assert_eq!(preview["rows"], 100_000);
    let answer = api.upload_form("big.csv", csv.as_bytes()).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());

    // Followed once committed, the load shows progress, then ends.
    let id = preview["id"].as_str().unwrap();
    let answer = api.commit(id, json!({ "table": "big" })).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text());
    let events = api.events(id).await;
    let (last, status) = events.last().unwrap();
    assert_eq!(last, "done", "{status}");
    assert_eq!(status["rows_done"], 100_000);
    let progress: Vec<&Value> = events.iter().filter(|(e, _)| e == "progress").map(|(_, data)| data).collect();
    assert!(!progress.is_empty(), "{events:?}");
    assert!(progress.iter().all(|p| p["rows_total"] == 100_000), "{progress:?}");
    assert_eq!(api.scalar("SELECT count(*) FROM big").await, "100000");

    let request = Request::post(format!("{}?name=huge.csv", api.imports("public")))
        .header(header::CONTENT_LENGTH, (5u64 << 30).to_string())
        .body(Body::from("a\n1\n"));
    let problem = api.send(request.unwrap()).await.problem(StatusCode::PAYLOAD_TOO_LARGE);
    assert!(problem["detail"].as_str().unwrap().contains("4 GiB"), "{problem}");
}

#[tokio::test]
async fn workbooks_list_their_sheets_and_switch_between_them() {
    let api = Api::new().await;
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../strata-import/tests/fixtures");
    let book = std::fs::read(format!("{fixtures}/book.xlsx")).unwrap();
    let answer = api.upload_form("Sales Q1.xlsx", &book).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    let preview = answer.json();
    assert_eq!(preview["format"], "xlsx");
    assert_eq!(preview["delimiter"], Value::Null);
    assert_eq!(preview["sheets"], json!(["Empty", "Data", "Third Name"]));
    assert_eq!(preview["sheet"], "Data", "the first sheet with data");
    assert_eq!(preview["suggested_table"], "Sales Q1");
    assert_eq!(preview["rows"], 3);
    let id = preview["id"].as_str().unwrap();

    let third = api.patch_import(id, json!({ "sheet": "Third Name" })).await.ok();
    assert_eq!(third["sheet"], "Third Name");
    let problem = api.patch_import(id, json!({ "sheet": "Nope" })).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(problem["detail"].as_str().unwrap().contains("Third Name"), "{problem}");
    let still = api.get(&format!("{}/{id}", api.imports("public"))).await.ok();
    assert_eq!(still["state"], "previewed");
}

#[tokio::test]
async fn the_openapi_document_describes_imports() {
    let api = Api::new().await;
    let doc = api.get("/api/openapi.json").await.ok();
    let imports = "/api/v1/databases/{db}/schemas/{schema}/imports";
    assert!(doc["paths"][imports]["post"].is_object(), "{}", doc["paths"]);
    for (path, method) in [("", "get"), ("", "patch"), ("", "delete"), ("/commit", "post"), ("/events", "get")] {
        assert!(doc["paths"][format!("{imports}/{{id}}{path}")][method].is_object(), "{method} {path}");
    }
    for schema in ["ImportPreview", "ImportStatus", "ImportChanges", "ImportCommit"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
    // Problems keep their extension members (`line`, `column`) in the schema.
    assert!(doc["components"]["schemas"]["Problem"]["allOf"].is_array(), "{}", doc["components"]["schemas"]["Problem"]);
}

impl Api {
    async fn upload_id(&self, file_name: &str, content: &str) -> String {
        let answer = self.upload_raw("public", &[("name", file_name)], content).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
        answer.json()["id"].as_str().unwrap().to_string()
    }
}

#[tokio::test]
async fn review_5_9_events_of_an_import_not_loading_end_at_once_with_its_status() {
    let api = Api::new().await;
    let id = api.upload_id("small.csv", "a,b\n1,2\n").await;
    let events = api.events(&id).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let (event, status) = &events[0];
    assert_eq!(event, "status");
    assert_eq!(status["state"], "previewed");
    assert_eq!(status["rows_total"], 1);
}

#[tokio::test]
async fn review_5_9_events_of_an_import_discarded_while_loading_end_with_failed() {
    let api = Api::new().await;
    api.sql("CREATE TABLE held (a int, b int)").await;
    let id = api.upload_id("held.csv", "a,b\n1,2\n3,4\n").await;
    // The load waits for this lock, so the import is still running when it is discarded.
    let mut locker = api.user.client().await;
    let lock = locker.transaction().await.unwrap();
    lock.batch_execute("LOCK TABLE held IN ACCESS EXCLUSIVE MODE").await.unwrap();
    let answer = api.commit(&id, json!({ "append_to": "held" })).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text());
    let discard = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let answer = api.call("DELETE", &format!("{}/{id}", api.imports("public")), None).await;
        assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text());
    };
    let (events, ()) = tokio::join!(api.events(&id), discard);
    let (event, status) = events.last().expect("a final event");
    assert_eq!(event, "failed", "{events:?}");
    assert_eq!(status["state"], "failed");
    assert!(status["error"]["detail"].as_str().unwrap().contains("discarded"), "{status}");
    lock.rollback().await.unwrap();
    assert_eq!(api.scalar("SELECT count(*) FROM held").await, "0");
}

#[tokio::test]
async fn review_5_4_a_change_racing_a_commit_is_loaded_or_refused() {
    let api = Api::new().await;
    let id = api.upload_id("race.csv", "a,b\n1,2\n").await;
    let columns = json!([{ "name": "renamed", "type": "integer" }, { "name": "b", "type": "integer" }]);
    // The commit looks the table up before it starts; the change lands meanwhile.
    let (committed, changed) =
        tokio::join!(api.commit(&id, json!({ "table": "race" })), api.patch_import(&id, json!({ "columns": columns })));
    assert_eq!(committed.status, StatusCode::ACCEPTED, "{}", committed.text());
    let (event, status) = (api.events(&id).await.last().cloned()).expect("a final event");
    assert_eq!(event, "done", "{status}");
    let names: Vec<String> = api.column_types("race").await.into_iter().map(|(name, _)| name).collect();
    if changed.status == StatusCode::OK {
        assert!(names.contains(&"renamed".to_string()), "the change answered 200 so it is loaded: {names:?}");
    } else {
        changed.problem(StatusCode::CONFLICT);
        assert!(names.contains(&"a".to_string()), "{names:?}");
    }
}

#[tokio::test]
async fn review_5_1_the_server_holds_a_bounded_number_of_imports() {
    let api = Api::new().await;
    let mut ids = Vec::new();
    for i in 0..32 {
        ids.push(api.upload_id(&format!("f{i}.csv"), "a\n1\n").await);
    }
    let refused = api.upload_raw("public", &[("name", "one-more.csv")], "a\n1\n").await;
    let problem = refused.problem(StatusCode::TOO_MANY_REQUESTS);
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("32 imports") && detail.contains("discard"), "{detail}");
    let answer = api.call("DELETE", &format!("{}/{}", api.imports("public"), ids[0]), None).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
    api.upload_id("one-more.csv", "a\n1\n").await;
}

#[tokio::test]
async fn an_import_commit_is_one_action_named_in_its_done_event_and_status() {
    let api = Api::new().await;
    let id = api.upload_id("orders.csv", &orders_csv(1500)).await;
    let (event, status) = api.commit_and_wait(&id, json!({ "table": "orders" })).await;
    assert_eq!(event, "done", "{status}");
    let action = status["action"].as_i64().expect("the done event names the action");
    assert_eq!(api.get(&format!("{}/{id}", api.imports("public"))).await.ok()["action"], action);
    let path = format!("/api/v1/databases/{}/actions/{action}", enc(api.db()));
    let made = api.get(&path).await.ok();
    assert_eq!(made["kind"], "import");
    assert_eq!(made["summary"], "Imported orders.csv into orders (1,500 rows)");
    assert_eq!(made["rows"], 1500);

    let id = api.upload_id("more.csv", &orders_csv(2)).await;
    let (_, status) = api.commit_and_wait(&id, json!({ "append_to": "orders" })).await;
    let made = api.get(&format!("/api/v1/databases/{}/actions/{}", enc(api.db()), status["action"])).await.ok();
    assert_eq!(
        (made["kind"].as_str(), made["summary"].as_str()),
        (Some("append"), Some("Appended more.csv to orders (2 rows)"))
    );
    assert_eq!(made["rows"], 2);
}
