//! Rows through the API: PostgREST's query syntax, exact JSON values, keyset pagination.

mod common;

use axum::http::StatusCode;
use common::{Api, query};
use serde_json::{Value, json};

const HOSTILE: &str = r#""; drop table x; --"#;

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Api {
    async fn rows(&self, schema: &str, table: &str, pairs: &[(&str, &str)]) -> common::Answer {
        self.get(&format!("{}/rows?{}", self.table_path(schema, table), query(pairs))).await
    }
}

fn ids(page: &Value) -> Vec<i64> {
    page["rows"].as_array().unwrap().iter().map(|row| row["id"].as_str().unwrap().parse().unwrap()).collect()
}

#[tokio::test]
async fn values_keep_their_type_and_every_digit() {
    let api = Api::new().await;
    api.sql(&format!(
        r#"CREATE TABLE t (id bigint PRIMARY KEY, n numeric, i integer, f double precision, d date, b boolean,
                           j jsonb, arr bigint[], {h} text, ts timestamp);
           INSERT INTO t VALUES (9007199254740993, 12345678901234567890.123456789, 42, 0.5, '2024-02-29', true,
                                 '{{"a": [1, "x"]}}', '{{1,9007199254740993}}', 'hostile', '2024-01-02 03:04:05'),
                                (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);"#,
        h = quoted(HOSTILE)
    ))
    .await;
    let answer = api.rows("public", "t", &[("order", "id.desc")]).await;
    let page = answer.ok();
    assert_eq!(
        page["rows"][0],
        json!({ "id": "9007199254740993", "n": "12345678901234567890.123456789", "i": 42, "f": 0.5,
                "d": "2024-02-29", "b": true, "j": { "a": [1, "x"] }, "arr": ["1", "9007199254740993"],
                HOSTILE: "hostile", "ts": "2024-01-02T03:04:05" })
    );
    assert_eq!(page["rows"][1]["n"], Value::Null);
    assert_eq!(page["next"], Value::Null);
    assert!(page.get("exact_total").is_none(), "only counted when asked: {page}");
    // Keys come in column order, as PostgreSQL wrote them.
    let text = answer.text();
    let at = |key: &str| text.find(&format!("\"{key}\":")).unwrap();
    assert!(at("id") < at("n") && at("n") < at("i") && at("j") < at("arr") && at("arr") < at("ts"), "{text}");
}

#[tokio::test]
async fn select_filter_search_and_count() {
    let api = Api::new().await;
    api.sql(
        r#"CREATE TABLE c (id int PRIMARY KEY, "City" text, "Country" text, pop int, "Note 50%" text);
           INSERT INTO c VALUES (1, 'Berlin', 'Germany', 3600, 'capital'), (2, 'Munich', 'Germany', 1500, '50% off_x'),
             (3, 'Paris', 'France', 2100, NULL), (4, 'Lyon', 'France', 500, 'a,b'), (5, 'Köln', NULL, 1000, '50 percent'),
             (6, 'c,d', 'X', NULL, NULL);
           ANALYZE c;"#,
    )
    .await;
    let check = |pairs: Vec<(&'static str, &'static str)>, expected: Vec<i64>| {
        let api = &api;
        async move {
            let mut pairs = pairs;
            pairs.push(("select", r#"id,"City""#));
            let page = api.rows("public", "c", &pairs).await.ok();
            let got: Vec<i64> = page["rows"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
            assert_eq!(got, expected, "{pairs:?}");
            page
        }
    };
    let page = check(vec![("Country", "eq.Germany")], vec![1, 2]).await;
    assert_eq!(page["rows"][0], json!({ "id": 1, "City": "Berlin" }), "only the selected columns");
    assert_eq!(page["estimated_total"], 6);
    check(vec![("Country", "neq.Germany")], vec![3, 4, 6]).await;
    check(vec![("pop", "gt.1500")], vec![1, 3]).await;
    check(vec![("pop", "gte.1500"), ("Country", "eq.Germany")], vec![1, 2]).await;
    check(vec![("pop", "lt.1000")], vec![4]).await;
    check(vec![("pop", "lte.1000")], vec![4, 5]).await;
    check(vec![("City", r#"in.(Paris,"c,d",Nowhere)"#)], vec![3, 6]).await;
    check(vec![("pop", "in.()")], vec![]).await;
    check(vec![("pop", "not.in.(500,1000)")], vec![1, 2, 3]).await;
    check(vec![("City", "like.*n")], vec![1, 4, 5]).await;
    check(vec![("City", "ilike.m*")], vec![2]).await;
    check(vec![("pop", "like.1*")], vec![2, 5]).await;
    check(vec![("Country", "is.null")], vec![5]).await;
    check(vec![("Country", "not.is.null"), ("order", "id.desc")], vec![6, 4, 3, 2, 1]).await;
    check(vec![("q", "ER")], vec![1, 2, 5]).await;
    check(vec![("q", "50%")], vec![2]).await;
    check(vec![("q", "f_")], vec![2]).await;
    check(vec![("q", ",")], vec![4, 6]).await;
    check(vec![("Note 50%", "eq.capital")], vec![1]).await;
    check(vec![("order", "pop.desc")], vec![6, 1, 3, 2, 5, 4]).await;
    check(vec![("order", "pop.desc.nullslast")], vec![1, 3, 2, 5, 4, 6]).await;
    check(vec![("order", "Country.asc.nullsfirst,City.desc")], vec![5, 3, 4, 2, 1, 6]).await;

    let counted = api.rows("public", "c", &[("Country", "eq.France"), ("count", "exact"), ("limit", "1")]).await.ok();
    assert_eq!(counted["exact_total"], 2);
    assert_eq!(counted["rows"].as_array().unwrap().len(), 1);
    assert!(counted["next"].is_string());
}

#[tokio::test]
async fn bad_parameters_are_400_problems_naming_them() {
    let api = Api::new().await;
    api.sql(r#"CREATE TABLE t (id int PRIMARY KEY, "City" text, pop int, j json); INSERT INTO t VALUES (1, 'a', 1, '{}'), (2, 'b', 2, '{}')"#)
        .await;
    let other_order = api.rows("public", "t", &[("limit", "1"), ("order", "City.desc")]).await.ok();
    let cursor = other_order["next"].as_str().unwrap();
    for (pairs, parameter) in [
        (vec![("limit", "5000")], "limit"),
        (vec![("limit", "1001")], "limit"),
        (vec![("limit", "0")], "limit"),
        (vec![("limit", "ten")], "limit"),
        (vec![("limit", "1"), ("limit", "2")], "limit"),
        (vec![("order", "nope.asc")], "order"),
        (vec![("order", "City.up")], "order"),
        (vec![("order", "City.asc.desc")], "order"),
        (vec![("order", "City,City")], "order"),
        (vec![("order", r#""City.asc"#)], "order"),
        (vec![("order", "")], "order"),
        (vec![("order", "j")], "order"),
        (vec![("select", "nope")], "select"),
        (vec![("select", "id,,City")], "select"),
        (vec![("select", r#""City"x"#)], "select"),
        (vec![("Nope", "eq.1")], "Nope"),
        (vec![("City", "Berlin")], "City"),
        (vec![("City", "zz.Berlin")], "City"),
        (vec![("City", "is.maybe")], "City"),
        (vec![("City", "in.a,b")], "City"),
        (vec![("pop", "eq.many")], "pop"),
        (vec![("pop", "in.(1,x)")], "pop"),
        (vec![("pop", "is.true")], "pop"),
        (vec![("after", "garbage!")], "after"),
        (vec![("after", "eyJ4IjoxfQ")], "after"),
        (vec![("after", cursor)], "after"),
        (vec![("count", "maybe")], "count"),
        (vec![("offset", "10")], "offset"),
    ] {
        let answer = api.rows("public", "t", &pairs).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{pairs:?}: {}", answer.text());
        answer.bad_parameter(parameter);
    }
}

#[tokio::test]
async fn tables_without_a_primary_key_are_refused_clearly() {
    let api = Api::new().await;
    api.sql("CREATE TABLE loose (x int); CREATE VIEW v AS SELECT 1 AS one").await;
    for table in ["loose", "v"] {
        let problem = api.rows("public", table, &[]).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(problem["detail"].as_str().unwrap().contains("primary key"), "{problem}");
    }
}

#[tokio::test]
async fn hostile_names_round_trip_through_rows() {
    let api = Api::new().await;
    let h = quoted(HOSTILE);
    api.sql(&format!(
        r#"CREATE SCHEMA {h}; CREATE TABLE {h}.{h} (id int PRIMARY KEY, {h} text, "a,b.c" int);
           INSERT INTO {h}.{h} SELECT i, 'v' || (i % 3), i % 2 FROM generate_series(1, 5) i;"#
    ))
    .await;
    let name = format!("\"{}\"", HOSTILE.replace('\\', "\\\\").replace('"', "\\\""));
    let select = format!("{name},id,\"a,b.c\"");
    let order = format!("{name}.desc,\"a,b.c\".asc");
    let pairs = [("select", select.as_str()), ("order", order.as_str()), ("limit", "2"), (HOSTILE, "neq.v0")];
    let first = api.rows(HOSTILE, HOSTILE, &pairs).await.ok();
    assert_eq!(first["rows"], json!([{ HOSTILE: "v2", "id": 2, "a,b.c": 0 }, { HOSTILE: "v2", "id": 5, "a,b.c": 1 }]));
    let cursor = first["next"].as_str().unwrap();
    let mut more = pairs.to_vec();
    more.push(("after", cursor));
    let second = api.rows(HOSTILE, HOSTILE, &more).await.ok();
    assert_eq!(second["rows"], json!([{ HOSTILE: "v1", "id": 4, "a,b.c": 0 }, { HOSTILE: "v1", "id": 1, "a,b.c": 1 }]));
    assert_eq!(second["next"], Value::Null);
    // A column named like a reserved key is filtered by quoting it.
    api.sql(&format!(r#"ALTER TABLE {h}.{h} ADD COLUMN "limit" int DEFAULT 7"#)).await;
    let page = api.rows(HOSTILE, HOSTILE, &[(r#""limit""#, "eq.7"), ("limit", "1")]).await.ok();
    assert_eq!(page["rows"][0]["limit"], 7);
}

#[tokio::test]
async fn keyset_pages_visit_every_row_once_in_order() {
    let api = Api::new().await;
    api.sql(
        r#"CREATE TABLE walk (id bigint PRIMARY KEY, a int, b text, c date, d numeric);
           INSERT INTO walk SELECT i,
               CASE WHEN i % 11 = 0 THEN NULL ELSE i % 7 END,
               CASE WHEN i % 13 = 0 THEN NULL ELSE 'label ' || (i % 5) END,
               DATE '2024-01-01' + (i % 17),
               CASE WHEN i % 3 = 0 THEN NULL ELSE (i % 4) + 0.25 END
             FROM generate_series(1, 2500) i ORDER BY random();
           ANALYZE walk;"#,
    )
    .await;
    let client = api.user.client().await;
    for (order, sql) in [
        ("", "id"),
        ("id.desc", "id DESC"),
        ("a", "a, id"),
        ("a.desc", "a DESC, id"),
        ("a.desc.nullslast,b.asc", "a DESC NULLS LAST, b, id"),
        ("b.asc.nullsfirst,a.desc", "b NULLS FIRST, a DESC, id"),
        ("c.desc,a.asc.nullsfirst,d.desc", "c DESC, a NULLS FIRST, d DESC, id"),
        ("d.asc.nullsfirst,id.desc", "d NULLS FIRST, id DESC"),
    ] {
        let expected: Vec<i64> = client
            .query(&format!("SELECT id FROM walk ORDER BY {sql}"), &[])
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut pairs = vec![("limit", "100")];
            if !order.is_empty() {
                pairs.push(("order", order));
            }
            if let Some(cursor) = &after {
                pairs.push(("after", cursor.as_str()));
            }
            let page = api.rows("public", "walk", &pairs).await.ok();
            seen.extend(ids(&page));
            pages += 1;
            match page["next"].as_str() {
                Some(next) => after = Some(next.to_string()),
                None => break,
            }
            assert!(pages <= 26, "{order}: too many pages");
        }
        assert_eq!(seen.len(), 2500, "{order}");
        assert_eq!(seen, expected, "{order}: same rows, same order, each once");
    }

    // The same with a filter and a search: the cursor is a position in the order, whatever matches.
    let expected: Vec<i64> = client
        .query("SELECT id FROM walk WHERE a >= 3 AND b ILIKE '%el 2%' ORDER BY c DESC, id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let (mut seen, mut after) = (Vec::new(), None::<String>);
    loop {
        let mut pairs = vec![("limit", "7"), ("order", "c.desc"), ("a", "gte.3"), ("q", "el 2")];
        if let Some(cursor) = &after {
            pairs.push(("after", cursor));
        }
        let page = api.rows("public", "walk", &pairs).await.ok();
        seen.extend(ids(&page));
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn like_escapes_match_wildcard_characters_literally() {
    let api = Api::new().await;
    api.sql(
        r#"CREATE TABLE w (id int PRIMARY KEY, s text);
           INSERT INTO w VALUES (1, '50%'), (2, '500'), (3, 'a*b'), (4, 'axb'), (5, 'a_b'), (6, 'back\slash')"#,
    )
    .await;
    for (filter, expected) in [
        (r"ilike.*50\%*", vec![1]),
        ("ilike.*50%*", vec![1, 2]),
        (r"like.*\**", vec![3]),
        (r"like.a\_b", vec![5]),
        ("like.a_b", vec![3, 4, 5]),
        ("like.a*b", vec![3, 4, 5]),
        (r"like.*\\*", vec![6]),
        (r"like.back\", vec![]),
    ] {
        let page = api.rows("public", "w", &[("s", filter)]).await.ok();
        let got: Vec<i64> = page["rows"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
        assert_eq!(got, expected, "{filter}");
    }
}
