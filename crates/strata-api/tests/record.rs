//! Links between rows: summaries of referenced rows in pages and writes, and one record with
//! the rows that reference it.

mod common;

use axum::http::StatusCode;
use common::{Api, enc};
use serde_json::{Value, json};

impl Api {
    async fn record(&self, schema: &str, table: &str, key: &str) -> common::Answer {
        self.get(&format!("{}/rows/{}", self.table_path(schema, table), enc(key))).await
    }
}

const SETUP: &str = r#"
    CREATE TABLE city (id int PRIMARY KEY, population int, "Näme" text, note text);
    INSERT INTO city VALUES (1, 100, 'Berlin', 'x'), (2, 50, 'Köln', NULL), (3, 1, NULL, NULL);
    CREATE TABLE code (code int PRIMARY KEY, size int UNIQUE);
    INSERT INTO code VALUES (7, 1);
    CREATE TABLE person (id bigint PRIMARY KEY, name text, city int REFERENCES city, born int REFERENCES city,
                         code int REFERENCES code, size int REFERENCES code (size));
    INSERT INTO person SELECT i, 'p' || i, 1, CASE WHEN i = 1 THEN 2 END, CASE WHEN i = 2 THEN 7 END,
                              CASE WHEN i = 2 THEN 1 END
        FROM generate_series(1, 60) i;
    INSERT INTO person VALUES (61, 'q', 2, 1, NULL, NULL);
"#;

#[tokio::test]
async fn pages_and_writes_carry_summaries_of_referenced_rows() {
    let api = Api::new().await;
    api.sql(SETUP).await;
    let page = api.get(&format!("{}/rows?limit=3", api.table_path("public", "person"))).await.ok();
    assert_eq!(
        page["links"],
        json!([{ "born": "Köln", "city": "Berlin", "code": null, "size": null },
               { "born": null, "city": "Berlin", "code": "7", "size": "7" },
               { "born": null, "city": "Berlin", "code": null, "size": null }]),
        "the first text column, else the primary key"
    );
    let page = api.get(&format!("{}/rows", api.table_path("public", "city"))).await.ok();
    assert_eq!(page["links"], json!([{}, {}, {}]));

    let answer =
        api.post(&format!("{}/rows", api.table_path("public", "person")), r#"{"rows": [{"id": 62, "city": 3}]}"#).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    assert_eq!(
        answer.json()["links"],
        json!([{ "born": null, "city": null, "code": null, "size": null }]),
        "a NULL label"
    );
}

#[tokio::test]
async fn a_record_lists_the_rows_that_reference_it() {
    let api = Api::new().await;
    api.sql(SETUP).await;
    let record = api.record("public", "city", "1").await.ok();
    assert_eq!(record["row"], json!({ "id": 1, "population": 100, "Näme": "Berlin", "note": "x" }));
    assert!(record["version"].as_str().is_some(), "{record}");
    assert_eq!(record["links"], json!({}));
    let referenced_by = record["referenced_by"].as_array().unwrap();
    assert_eq!(referenced_by.len(), 2, "{record}");
    let lives = &referenced_by[0];
    assert_eq!(lives["table"], "person");
    assert_eq!(lives["schema"], "public");
    assert_eq!(lives["constraint"], "person_born_fkey");
    assert_eq!(lives["columns"], json!(["born"]));
    assert_eq!(lives["primary_key"], json!(["id"]));
    assert_eq!(lives["total"], 1);
    assert_eq!(lives["rows"], json!([{ "id": "61", "name": "q", "city": 2, "born": 1, "code": null, "size": null }]));
    let city = &referenced_by[1];
    assert_eq!(city["constraint"], "person_city_fkey");
    assert_eq!(city["total"], 60);
    let rows = city["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 50, "the first 50");
    assert_eq!(rows[0]["id"], "1");
    assert_eq!(rows[49]["id"], "50");

    let person = api.record("public", "person", "2").await.ok();
    assert_eq!(person["links"], json!({ "born": null, "city": "Berlin", "code": "7", "size": "7" }));
    assert_eq!(person["referenced_by"], json!([]));

    let problem = api.record("public", "city", "9").await.problem(StatusCode::NOT_FOUND);
    assert_eq!(problem["missing"], json!([{ "id": "9" }]));
    api.record("public", "city", "abc").await.bad_parameter("key");
    api.record("public", "nope", "1").await.problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn composite_and_hostile_keys_address_records() {
    let api = Api::new().await;
    api.sql(
        r#"CREATE SCHEMA "s""; --";
           CREATE TABLE "s""; --"."t,""" ("k ""1""" text, k2 date, v int, PRIMARY KEY ("k ""1""", k2));
           INSERT INTO "s""; --"."t,""" VALUES ('a,"b"', '2024-03-01', 1), ('plain', '2024-03-02', 2);"#,
    )
    .await;
    let (schema, table) = ("s\"; --", "t,\"");
    let record = api.record(schema, table, r#""a,""b""",2024-03-01"#).await.ok();
    assert_eq!(record["row"], json!({ "k \"1\"": "a,\"b\"", "k2": "2024-03-01", "v": 1 }));
    assert_eq!(api.record(schema, table, "plain,2024-03-02").await.ok()["row"]["v"], 2);
    let problem = api.record(schema, table, "plain,2024-03-03").await.problem(StatusCode::NOT_FOUND);
    assert_eq!(problem["missing"], json!([{ "k \"1\"": "plain", "k2": "2024-03-03" }]));
    api.record(schema, table, "plain").await.bad_parameter("key");
    api.record(schema, table, "plain,notadate").await.bad_parameter("key");
    assert_eq!(api.record(schema, table, "plain,2024-03-02").await.json()["referenced_by"], Value::Array(vec![]));
}
