//! Databases, schemas, tables and table structure through the API.

mod common;

use axum::http::StatusCode;
use common::{Api, enc};
use serde_json::{Value, json};

const HOSTILE: &str = r#""; drop table x; --"#;

/// Drops the databases a test created, whatever happens to the test.
struct DropDatabases(Vec<String>);

impl Drop for DropDatabases {
    fn drop(&mut self) {
        let names = std::mem::take(&mut self.0);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let client = strata_db::testing::server_address().await.connect().await.unwrap();
                for name in names {
                    let ident = strata_sql_ident(&name);
                    client.execute(&format!("DROP DATABASE IF EXISTS {ident} WITH (FORCE)"), &[]).await.unwrap();
                }
            })
        })
        .join()
        .unwrap();
    }
}

/// SQL's quoting of a name, for the test's own cleanup statements.
fn strata_sql_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().map(|item| item["name"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn databases_are_listed_and_created_with_any_name() {
    let api = Api::new().await;
    let pid = std::process::id();
    let wanted = [format!("{HOSTILE} {pid}"), format!("Zoë's \"café\" {pid}"), format!("strata api {pid}")];
    let _cleanup = DropDatabases(wanted.to_vec());

    let listed = api.get("/api/v1/databases").await.ok();
    let before = names(&listed);
    assert!(before.contains(&api.db()), "{listed}");
    assert!(!before.contains(&api.system.name()), "the system database is not a user database: {listed}");
    assert!(!before.contains(&"template0") && !before.contains(&"template1"), "{listed}");
    assert!(listed[0]["size_bytes"].as_i64().unwrap() > 0, "{listed}");

    for name in &wanted {
        let created = api.post("/api/v1/databases", &json!({ "name": name }).to_string()).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        assert_eq!(created.json()["name"], name.as_str());
        // It works as a database right away, and is registered in the system database.
        let schemas = api.get(&format!("/api/v1/databases/{}/schemas", enc(name))).await.ok();
        assert_eq!(names(&schemas), ["public"], "{schemas}");
        let system = api.system.client().await;
        let registered = system.query_opt("SELECT 1 FROM strata.user_database WHERE name = $1", &[name]).await.unwrap();
        assert!(registered.is_some(), "{name} is registered");
    }
    let after = api.get("/api/v1/databases").await.ok();
    for name in &wanted {
        assert!(names(&after).contains(&name.as_str()), "{name} in {after}");
    }

    api.post("/api/v1/databases", &json!({ "name": wanted[0] }).to_string()).await.problem(StatusCode::CONFLICT);
}

#[tokio::test]
async fn bad_database_names_and_bodies_are_refused() {
    let api = Api::new().await;
    let too_long = "é".repeat(32);
    let problem = api.post("/api/v1/databases", &json!({ "name": too_long }).to_string()).await.bad_parameter("name");
    assert!(problem["detail"].as_str().unwrap().contains("63 bytes"), "{problem}");
    api.post("/api/v1/databases", r#"{"name": ""}"#).await.bad_parameter("name");
    api.post("/api/v1/databases", r#"{"name": "a\u0000b"}"#).await.bad_parameter("name");
    api.post("/api/v1/databases", r#"{"nom": "x"}"#).await.bad_parameter("body");
    api.post("/api/v1/databases", "not json").await.bad_parameter("body");
}

#[tokio::test]
async fn unknown_names_are_404_problems() {
    let api = Api::new().await;
    api.sql("CREATE TABLE t (id int PRIMARY KEY)").await;
    let db = enc(api.db());
    for path in [
        "/api/v1/databases/no%20such%20db/schemas".to_string(),
        format!("/api/v1/databases/{}/schemas", enc(api.system.name())),
        "/api/v1/databases/template0/schemas".to_string(),
        format!("/api/v1/databases/{}/schemas", "x".repeat(80)),
        format!("/api/v1/databases/{db}/schemas/nope/tables"),
        format!("/api/v1/databases/{db}/schemas/strata/tables"),
        format!("/api/v1/databases/{db}/schemas/pg_catalog/tables/pg_class"),
        format!("/api/v1/databases/{db}/schemas/public/tables/nope"),
        format!("/api/v1/databases/{db}/schemas/{}/tables", "s".repeat(70)),
        format!("/api/v1/databases/{db}/schemas/public/tables/{}", "t".repeat(70)),
        format!("/api/v1/databases/{db}/schemas/{}/tables/t", "s".repeat(70)),
        format!("/api/v1/databases/{db}/schemas/nope/tables/t"),
        format!("/api/v1/databases/{db}/schemas/public/tables/nope/rows"),
        "/api/v1/databases/nope/schemas/public/tables/t/rows".to_string(),
    ] {
        let answer = api.get(&path).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}: {}", answer.text());
        let problem = answer.problem(StatusCode::NOT_FOUND);
        assert!(problem["detail"].as_str().unwrap().contains("no"), "{path}: {problem}");
    }
}

#[tokio::test]
async fn schemas_and_tables_are_listed_with_hostile_names() {
    let api = Api::new().await;
    api.sql(&format!(
        r#"CREATE TABLE strata.hidden (x int);
           CREATE SCHEMA {s}; CREATE SCHEMA "Zoë";
           CREATE TABLE {s}.{s} ({s} int PRIMARY KEY);
           CREATE TABLE {s}.big (id int PRIMARY KEY); INSERT INTO {s}.big SELECT generate_series(1, 500); ANALYZE {s}.big;
           CREATE VIEW {s}."a view" AS SELECT 1 AS one;"#,
        s = strata_sql_ident(HOSTILE)
    ))
    .await;
    let schemas = api.get(&format!("/api/v1/databases/{}/schemas", enc(api.db()))).await.ok();
    assert_eq!(names(&schemas), [HOSTILE, "Zoë", "public"], "{schemas}");

    let tables = api.get(&format!("/api/v1/databases/{}/schemas/{}/tables", enc(api.db()), enc(HOSTILE))).await.ok();
    assert_eq!(
        tables,
        json!([
            { "name": HOSTILE, "kind": "table", "estimated_rows": null },
            { "name": "a view", "kind": "view", "estimated_rows": null },
            { "name": "big", "kind": "table", "estimated_rows": 500 },
        ])
    );
    let empty = api.get(&format!("/api/v1/databases/{}/schemas/Zo%C3%AB/tables", enc(api.db()))).await.ok();
    assert_eq!(empty, json!([]));
}

#[tokio::test]
async fn a_table_describes_its_columns_and_keys() {
    let api = Api::new().await;
    api.sql(&format!(
        r#"CREATE TABLE customer (id bigint GENERATED BY DEFAULT AS IDENTITY, region text, "Name" varchar(40) NOT NULL,
                                  PRIMARY KEY (region, id));
           CREATE TABLE {h} (
               id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
               {h} numeric(12,2) DEFAULT 0,
               "Order Date" date NOT NULL DEFAULT current_date,
               "tags" text[],
               dropped int,
               cust_region text, cust_id bigint,
               CONSTRAINT "to customer" FOREIGN KEY (cust_region, cust_id) REFERENCES customer (region, id));
           ALTER TABLE {h} DROP COLUMN dropped;"#,
        h = strata_sql_ident(HOSTILE)
    ))
    .await;
    let table = api.get(&api.table_path("public", HOSTILE)).await.ok();
    assert_eq!(table["schema"], "public");
    assert_eq!(table["name"], HOSTILE);
    assert_eq!(table["kind"], "table");
    assert_eq!(table["primary_key"], json!(["id"]));
    assert_eq!(
        table["columns"],
        json!([
            { "name": "id", "type": "bigint", "nullable": false, "default": null, "position": 1, "identity": true, "generated": false },
            { "name": HOSTILE, "type": "numeric(12,2)", "nullable": true, "default": "0", "position": 2, "identity": false, "generated": false },
            { "name": "Order Date", "type": "date", "nullable": false, "default": "CURRENT_DATE", "position": 3, "identity": false, "generated": false },
            { "name": "tags", "type": "text[]", "nullable": true, "default": null, "position": 4, "identity": false, "generated": false },
            { "name": "cust_region", "type": "text", "nullable": true, "default": null, "position": 6, "identity": false, "generated": false },
            { "name": "cust_id", "type": "bigint", "nullable": true, "default": null, "position": 7, "identity": false, "generated": false },
        ])
    );
    assert_eq!(
        table["foreign_keys"],
        json!([{
            "name": "to customer",
            "columns": ["cust_region", "cust_id"],
            "referenced_schema": "public",
            "referenced_table": "customer",
            "referenced_columns": ["region", "id"],
            "label_column": null,
        }])
    );
    let customer = api.get(&api.table_path("public", "customer")).await.ok();
    assert_eq!(customer["primary_key"], json!(["region", "id"]), "key order, not column order");
    assert_eq!(customer["columns"][2]["type"], "character varying(40)");
}

#[tokio::test]
async fn the_openapi_document_lists_every_endpoint() {
    let api = Api::new().await;
    let doc = api.get("/api/openapi.json").await.ok();
    let paths = &doc["paths"];
    assert!(paths["/api/v1/databases"]["get"].is_object());
    assert!(paths["/api/v1/databases"]["post"].is_object());
    assert!(paths["/api/v1/databases/{db}/schemas"]["get"].is_object());
    assert!(paths["/api/v1/databases/{db}/schemas/{schema}/tables"]["get"].is_object());
    assert!(paths["/api/v1/databases/{db}/schemas/{schema}/tables/{table}"]["get"].is_object());
    let rows = &paths["/api/v1/databases/{db}/schemas/{schema}/tables/{table}/rows"]["get"];
    let params: Vec<&str> =
        rows["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    for name in ["select", "order", "limit", "after", "q", "count"] {
        assert!(params.contains(&name), "{name} in {params:?}");
    }
    assert!(doc["components"]["schemas"]["RowsPage"].is_object());
}
