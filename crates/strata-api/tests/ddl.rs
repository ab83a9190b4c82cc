//! Schemas, tables and columns created, renamed, retyped and dropped through the API.

mod common;

use axum::http::StatusCode;
use common::{Answer, Api, enc};
use serde_json::{Value, json};

const HOSTILE: &str = r#""; drop table x; --"#;

impl Api {
    fn schemas(&self) -> String {
        format!("/api/v1/databases/{}/schemas", enc(self.db()))
    }

    fn tables(&self, schema: &str) -> String {
        format!("{}/{}/tables", self.schemas(), enc(schema))
    }

    fn column(&self, table: &str, column: &str) -> String {
        format!("{}/columns/{}", self.table_path("public", table), enc(column))
    }

    async fn send_json(&self, method: &str, path: &str, body: Value) -> Answer {
        self.call(method, path, Some(&body.to_string())).await
    }

    async fn create_table(&self, name: &str, columns: Value) -> Value {
        let answer = self.send_json("POST", &self.tables("public"), json!({"name": name, "columns": columns})).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
        answer.json()
    }

    async fn rows(&self, table: &str) -> Vec<Value> {
        let page = self.get(&format!("{}/rows", self.table_path("public", table))).await.ok();
        page["rows"].as_array().unwrap().clone()
    }

    async fn retype_preview(&self, table: &str, column: &str, type_name: &str) -> Answer {
        self.get(&format!("{}/retype?type={}", self.column(table, column), enc(type_name))).await
    }
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().map(|item| item["name"].as_str().unwrap()).collect()
}

fn types(table: &Value) -> Vec<(&str, &str, bool)> {
    let columns = table["columns"].as_array().unwrap();
    columns.iter().map(|c| (c["name"].as_str().unwrap(), c["type"].as_str().unwrap(), c["nullable"] == true)).collect()
}

#[tokio::test]
async fn schemas_are_created_renamed_and_dropped() {
    let api = Api::new().await;
    let created = api.send_json("POST", &api.schemas(), json!({"name": HOSTILE})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(created.json(), json!({"name": HOSTILE}));
    assert_eq!(names(&api.get(&api.schemas()).await.ok()), [HOSTILE, "public"]);
    let again = api.send_json("POST", &api.schemas(), json!({"name": HOSTILE})).await;
    assert!(again.problem(StatusCode::CONFLICT)["detail"].as_str().unwrap().contains("already exists"));
    api.send_json("POST", &api.schemas(), json!({"name": "é".repeat(32)})).await.bad_parameter("name");
    api.send_json("POST", &api.schemas(), json!({"name": ""})).await.bad_parameter("name");
    api.send_json("POST", &api.schemas(), json!({"name": "pg_mine"})).await.bad_parameter("name");
    api.send_json("POST", &api.schemas(), json!({"name": "strata"})).await.bad_parameter("name");
    api.send_json("POST", &api.schemas(), json!({"nom": "x"})).await.bad_parameter("body");
    api.send_json("POST", "/api/v1/databases/nope/schemas", json!({"name": "x"})).await.problem(StatusCode::NOT_FOUND);

    let schema = format!("{}/{}", api.schemas(), enc(HOSTILE));
    let renamed = api.send_json("PATCH", &schema, json!({"name": "Zoë's \"café\""})).await.ok();
    assert_eq!(renamed, json!({"name": "Zoë's \"café\""}));
    assert_eq!(names(&api.get(&api.schemas()).await.ok()), ["Zoë's \"café\"", "public"]);
    api.send_json("PATCH", &schema, json!({"name": "x"})).await.problem(StatusCode::NOT_FOUND);
    let cafe = format!("{}/{}", api.schemas(), enc("Zoë's \"café\""));
    api.send_json("PATCH", &cafe, json!({"name": "public"})).await.problem(StatusCode::CONFLICT);
    api.send_json("PATCH", &cafe, json!({"name": "x".repeat(64)})).await.bad_parameter("name");
    api.send_json("PATCH", &cafe, json!({"name": "information_schema"})).await.bad_parameter("name");

    api.sql(r#"CREATE TABLE "Zoë's ""café"""."b" (x int); CREATE VIEW "Zoë's ""café"""."a" AS SELECT 1"#).await;
    let refused = api.call("DELETE", &cafe, None).await.problem(StatusCode::CONFLICT);
    assert_eq!(refused["tables"], json!(["a", "b"]), "{refused}");
    api.call("DELETE", &format!("{cafe}?cascade=yes"), None).await.bad_parameter("cascade");
    assert_eq!(api.call("DELETE", &format!("{cafe}?cascade=true"), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(names(&api.get(&api.schemas()).await.ok()), ["public"]);
    api.call("DELETE", &cafe, None).await.problem(StatusCode::NOT_FOUND);
    api.call("DELETE", &format!("{}/strata", api.schemas()), None).await.problem(StatusCode::NOT_FOUND);

    api.send_json("POST", &api.schemas(), json!({"name": "empty"})).await;
    assert_eq!(api.call("DELETE", &format!("{}/empty", api.schemas()), None).await.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_new_table_gets_a_key_and_its_typed_columns() {
    let api = Api::new().await;
    let table = api
        .create_table(
            HOSTILE,
            json!([{"name": "Name", "type": "varchar(20)", "nullable": false}, {"name": "Price", "type": "numeric(10, 2)"},
                   {"name": "At", "type": "timestamptz"}, {"name": "Ok", "type": "boolean"}, {"name": "Doc", "type": "jsonb"},
                   {"name": "U", "type": "uuid"}, {"name": "Day", "type": "date"}, {"name": "T", "type": "timestamp(3) with time zone"},
                   {"name": "Tags", "type": "varchar(5)[]"}, {"name": "n", "type": "INT"}]),
        )
        .await;
    assert_eq!(table["name"], HOSTILE);
    assert_eq!(table["primary_key"], json!(["id"]));
    assert_eq!(
        types(&table),
        [
            ("id", "bigint", false),
            ("Name", "character varying(20)", false),
            ("Price", "numeric(10,2)", true),
            ("At", "timestamp with time zone", true),
            ("Ok", "boolean", true),
            ("Doc", "jsonb", true),
            ("U", "uuid", true),
            ("Day", "date", true),
            ("T", "timestamp(3) with time zone", true),
            ("Tags", "character varying(5)[]", true),
            ("n", "integer", true)
        ]
    );
    assert_eq!(api.get(&api.table_path("public", HOSTILE)).await.ok(), table);

    // Written by SQL, read by the API.
    api.sql(
        r#"INSERT INTO """; drop table x; --" ("Name", "Price", "Tags") VALUES ('a', 1.5, '{x,y}'), ('b', NULL, NULL)"#,
    )
    .await;
    let rows = api.rows(HOSTILE).await;
    assert_eq!(rows[0]["id"], "1");
    assert_eq!(rows[0]["Price"], "1.50");
    assert_eq!(rows[0]["Tags"], json!(["x", "y"]));
    assert_eq!(rows[1]["Name"], "b");

    // A column named `id` moves the surrogate key to `_id`, as an import does.
    let keyed = api.create_table("keyed", json!([{"name": "id", "type": "text"}])).await;
    assert_eq!(types(&keyed), [("_id", "bigint", false), ("id", "text", true)]);
    assert_eq!(keyed["primary_key"], json!(["_id"]));
    let bare = api.create_table("bare", json!([])).await;
    assert_eq!(types(&bare), [("id", "bigint", false)]);
}

#[tokio::test]
async fn bad_tables_are_refused() {
    let api = Api::new().await;
    let tables = api.tables("public");
    let post = |body: Value| api.send_json("POST", &tables, body);
    api.create_table("t", json!([])).await;
    assert!(
        post(json!({"name": "t", "columns": []})).await.problem(StatusCode::CONFLICT)["detail"]
            .as_str()
            .unwrap()
            .contains("already exists")
    );
    let unknown = post(json!({"name": "u", "columns": [{"name": "a", "type": "integr"}]})).await.bad_parameter("type");
    let detail = unknown["detail"].as_str().unwrap();
    assert!(detail.contains(r#"column "a""#) && detail.contains("integr"), "{detail}");
    for hostile in ["integer; drop table t; --", "integer)", "numeric(x)", "numeric(2,3)", "integer(4)", "record", "t("]
    {
        post(json!({"name": "u", "columns": [{"name": "a", "type": hostile}]})).await.bad_parameter("type");
    }
    post(json!({"name": "u", "columns": [{"name": "a", "type": "text"}, {"name": "a", "type": "int"}]}))
        .await
        .bad_parameter("name");
    post(json!({"name": "u", "columns": [{"name": "x".repeat(64), "type": "text"}]})).await.bad_parameter("name");
    post(json!({"name": "é".repeat(32), "columns": []})).await.bad_parameter("name");
    post(json!({"name": "u", "columns": [{"name": "a"}]})).await.bad_parameter("body");
    post(json!({"columns": []})).await.bad_parameter("body");
    api.send_json("POST", &api.tables("nope"), json!({"name": "u"})).await.problem(StatusCode::NOT_FOUND);
    api.send_json("POST", &api.tables("strata"), json!({"name": "u"})).await.problem(StatusCode::NOT_FOUND);
    // Nothing half-made.
    assert_eq!(names(&api.get(&tables).await.ok()), ["t"]);
    api.sql("SELECT 1/count(*) FROM pg_class WHERE relname = 't'").await;
}

#[tokio::test]
async fn tables_are_renamed_and_dropped() {
    let api = Api::new().await;
    api.create_table("orders", json!([{"name": "what", "type": "text"}])).await;
    let renamed = api.send_json("PATCH", &api.table_path("public", "orders"), json!({"name": HOSTILE})).await.ok();
    assert_eq!(renamed["name"], HOSTILE);
    assert_eq!(types(&renamed), [("id", "bigint", false), ("what", "text", true)]);
    api.get(&api.table_path("public", "orders")).await.problem(StatusCode::NOT_FOUND);
    api.send_json("PATCH", &api.table_path("public", "orders"), json!({"name": "x"}))
        .await
        .problem(StatusCode::NOT_FOUND);
    api.create_table("other", json!([])).await;
    api.send_json("PATCH", &api.table_path("public", "other"), json!({"name": HOSTILE}))
        .await
        .problem(StatusCode::CONFLICT);
    api.send_json("PATCH", &api.table_path("public", "other"), json!({"name": "x".repeat(64)}))
        .await
        .bad_parameter("name");

    api.sql(
        r#"CREATE TABLE line (id int PRIMARY KEY, "order" bigint REFERENCES """; drop table x; --");
           CREATE VIEW v AS SELECT * FROM other"#,
    )
    .await;
    let refused = api.call("DELETE", &api.table_path("public", HOSTILE), None).await.problem(StatusCode::CONFLICT);
    assert_eq!(
        refused["referenced_by"],
        json!([{"schema": "public", "table": "line", "constraint": "line_order_fkey"}])
    );
    assert!(refused["detail"].as_str().unwrap().contains("cascade"), "{refused}");
    let dropped = api.call("DELETE", &format!("{}?cascade=true", api.table_path("public", HOSTILE)), None).await;
    assert_eq!(dropped.status, StatusCode::NO_CONTENT, "{}", dropped.text());
    let line = api.get(&api.table_path("public", "line")).await.ok();
    assert_eq!(line["foreign_keys"], json!([]), "the foreign key went with the table");

    // A view over a table is a dependent too; views themselves are not changed here.
    api.call("DELETE", &api.table_path("public", "other"), None).await.problem(StatusCode::CONFLICT);
    api.call("DELETE", &api.table_path("public", "v"), None).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    api.call("DELETE", &api.table_path("public", "nope"), None).await.problem(StatusCode::NOT_FOUND);
    api.call("DELETE", &api.table_path("nope", "other"), None).await.problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn columns_are_added_renamed_and_dropped() {
    let api = Api::new().await;
    api.create_table("t", json!([{"name": "a", "type": "text"}])).await;
    api.sql("INSERT INTO t (a) VALUES ('one'), ('two')").await;
    let columns = format!("{}/columns", api.table_path("public", "t"));

    let added = api.send_json("POST", &columns, json!({"name": HOSTILE, "type": "numeric(10,2)"})).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    assert_eq!(types(&added.json())[2], (HOSTILE, "numeric(10,2)", true));
    api.send_json("POST", &columns, json!({"name": "a", "type": "text"})).await.problem(StatusCode::CONFLICT);
    api.send_json("POST", &columns, json!({"name": "b", "type": "nope"})).await.bad_parameter("type");
    api.send_json("POST", &columns, json!({"name": "x".repeat(64), "type": "text"})).await.bad_parameter("name");
    let not_null = api.send_json("POST", &columns, json!({"name": "b", "type": "int", "nullable": false})).await;
    not_null.problem(StatusCode::UNPROCESSABLE_ENTITY);
    api.send_json(
        "POST",
        &format!("{}/columns", api.table_path("public", "nope")),
        json!({"name": "b", "type": "int"}),
    )
    .await
    .problem(StatusCode::NOT_FOUND);

    // Renamed, then read under the new name.
    let renamed = api.send_json("PATCH", &api.column("t", "a"), json!({"name": "Zoë \"A\""})).await.ok();
    assert_eq!(types(&renamed)[1], ("Zoë \"A\"", "text", true));
    let rows = api.rows("t").await;
    assert_eq!(rows[0], json!({"id": "1", "Zoë \"A\"": "one", HOSTILE: null}));
    api.send_json("PATCH", &api.column("t", "a"), json!({"name": "b"})).await.problem(StatusCode::NOT_FOUND);
    api.send_json("PATCH", &api.column("t", "Zoë \"A\""), json!({"name": HOSTILE})).await.problem(StatusCode::CONFLICT);
    api.send_json("PATCH", &api.column("t", "Zoë \"A\""), json!({})).await.bad_parameter("body");
    api.send_json("PATCH", &api.column("t", "Zoë \"A\""), json!({"type": "nope"})).await.bad_parameter("type");

    // Dropped.
    assert_eq!(api.call("DELETE", &api.column("t", HOSTILE), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(api.rows("t").await[1], json!({"id": "2", "Zoë \"A\"": "two"}));
    api.call("DELETE", &api.column("t", HOSTILE), None).await.problem(StatusCode::NOT_FOUND);
    let key = api.call("DELETE", &api.column("t", "id"), None).await.problem(StatusCode::CONFLICT);
    assert!(key["detail"].as_str().unwrap().contains("primary key"), "{key}");
}

#[tokio::test]
async fn a_retype_preview_counts_and_shows_the_failing_values() {
    let api = Api::new().await;
    api.create_table("t", json!([{"name": HOSTILE, "type": "text"}])).await;
    api.sql(r#"INSERT INTO t ("""; drop table x; --") VALUES ('1'), ('abc'), (NULL), (' 3 '), ('abc'), ('9999999999'), ('4')"#)
        .await;
    let preview = api.retype_preview("t", HOSTILE, "int4").await.ok();
    assert_eq!(
        preview,
        json!({"type": "integer", "values": 6, "failing": 3, "samples": [
            {"key": {"id": "2"}, "value": "abc", "error": "invalid input syntax for type integer: \"abc\""},
            {"key": {"id": "5"}, "value": "abc", "error": "invalid input syntax for type integer: \"abc\""},
            {"key": {"id": "6"}, "value": "9999999999", "error": "value \"9999999999\" is out of range for type integer"},
        ]})
    );
    let clean = api.retype_preview("t", HOSTILE, "text").await.ok();
    assert_eq!(clean, json!({"type": "text", "values": 6, "failing": 0, "samples": []}));
    let short = api.retype_preview("t", HOSTILE, "varchar(2)").await.ok();
    assert_eq!(short["failing"], 0, "an explicit cast cuts strings short, as the retype would: {short}");

    // At most 20 samples, in key order; the count is of all of them.
    api.sql("INSERT INTO t SELECT i, 'bad ' || i FROM generate_series(100, 130) i").await;
    let many = api.retype_preview("t", HOSTILE, "integer").await.ok();
    assert_eq!(many["failing"], 34);
    let samples = many["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 20);
    assert_eq!(samples[19]["key"], json!({"id": "116"}));

    // Nothing is left behind.
    api.sql("DO $$ BEGIN IF EXISTS (SELECT FROM pg_proc WHERE proname = 'strata_retype_probe') THEN RAISE 'left'; END IF; END $$")
        .await;

    api.retype_preview("t", HOSTILE, "integr").await.bad_parameter("type");
    api.get(&format!("{}/retype", api.column("t", HOSTILE))).await.bad_parameter("type");
    api.retype_preview("t", "nope", "integer").await.problem(StatusCode::NOT_FOUND);
    api.retype_preview("nope", HOSTILE, "integer").await.problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_refused_retype_changes_nothing() {
    let api = Api::new().await;
    api.create_table("t", json!([{"name": "qty", "type": "text"}])).await;
    api.sql("INSERT INTO t (qty) VALUES ('1'), ('two'), ('3')").await;
    let refused = api
        .send_json("PATCH", &api.column("t", "qty"), json!({"name": "Quantity", "type": "integer"}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["type"], "https://strata.dev/problems/retype-refused");
    assert_eq!(
        refused["preview"],
        json!({"type": "integer", "values": 3, "failing": 1, "samples": [
            {"key": {"id": "2"}, "value": "two", "error": "invalid input syntax for type integer: \"two\""}]})
    );
    assert!(refused["detail"].as_str().unwrap().contains("nothing was changed"), "{refused}");
    let table = api.get(&api.table_path("public", "t")).await.ok();
    assert_eq!(types(&table)[1], ("qty", "text", true), "neither retyped nor renamed");
    assert_eq!(api.rows("t").await[1], json!({"id": "2", "qty": "two"}));

    // No cast at all is refused the same way.
    api.sql("CREATE TABLE p (id int PRIMARY KEY, n point); INSERT INTO p VALUES (1, '(1,2)')").await;
    let refused = api
        .send_json("PATCH", &format!("{}/columns/n", api.table_path("public", "p")), json!({"type": "integer"}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["preview"]["failing"], 1, "{refused}");
}

#[tokio::test]
async fn a_retype_converts_every_value() {
    let api = Api::new().await;
    api.create_table("t", json!([{"name": "day", "type": "text"}, {"name": "price", "type": "text"}])).await;
    api.sql("INSERT INTO t (day, price) VALUES ('2024-03-01', '1.005'), (NULL, '20'), ('2024-12-31', NULL)").await;
    let retyped = api.send_json("PATCH", &api.column("t", "day"), json!({"type": "date"})).await.ok();
    assert_eq!(types(&retyped)[1], ("day", "date", true));
    let priced = api
        .send_json("PATCH", &api.column("t", "price"), json!({"type": "numeric(10,2)", "name": "Price €"}))
        .await
        .ok();
    assert_eq!(types(&priced)[2], ("Price €", "numeric(10,2)", true));
    assert_eq!(
        api.rows("t").await,
        [
            json!({"id": "1", "day": "2024-03-01", "Price €": "1.01"}),
            json!({"id": "2", "day": null, "Price €": "20.00"}),
            json!({"id": "3", "day": "2024-12-31", "Price €": null}),
        ]
    );
    // The same type again is no change at all.
    api.send_json("PATCH", &api.column("t", "day"), json!({"type": "date"})).await.ok();
}

#[tokio::test]
async fn the_openapi_document_lists_the_structure_endpoints() {
    let api = Api::new().await;
    let doc = api.get("/api/openapi.json").await.ok();
    let paths = &doc["paths"];
    let schema = &paths["/api/v1/databases/{db}/schemas/{schema}"];
    assert!(schema["patch"].is_object() && schema["delete"].is_object());
    assert!(paths["/api/v1/databases/{db}/schemas"]["post"].is_object());
    assert!(paths["/api/v1/databases/{db}/schemas/{schema}/tables"]["post"].is_object());
    let table = &paths["/api/v1/databases/{db}/schemas/{schema}/tables/{table}"];
    assert!(table["patch"].is_object() && table["delete"].is_object());
    assert!(paths["/api/v1/databases/{db}/schemas/{schema}/tables/{table}/columns"]["post"].is_object());
    let column = &paths["/api/v1/databases/{db}/schemas/{schema}/tables/{table}/columns/{column}"];
    assert!(column["patch"].is_object() && column["delete"].is_object());
    assert!(paths["/api/v1/databases/{db}/schemas/{schema}/tables/{table}/columns/{column}/retype"]["get"].is_object());
    assert!(doc["components"]["schemas"]["RetypePreview"].is_object());
}
