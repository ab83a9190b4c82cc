//! The audit trail through the API: every write is one action named in `Strata-Action`, with its
//! kind, summary and rows; actions listed and read; undo, redo and their refusals; row history,
//! deleted rows and restore. Names are hostile on purpose.

mod common;

use axum::http::StatusCode;
use common::{Answer, Api, enc, query};
use serde_json::{Value, json};

/// A schema and a table whose names need quoting everywhere.
const SCHEMA: &str = "Sales \"EU\"";
const TABLE: &str = "or.ders; DROP";

impl Api {
    fn actions(&self) -> String {
        format!("/api/v1/databases/{}/actions", enc(self.db()))
    }

    fn rows(&self) -> String {
        format!("{}/rows", self.table_path(SCHEMA, TABLE))
    }

    /// The action `id` as the API reads it.
    async fn action(&self, id: i64) -> Value {
        self.get(&format!("{}/{id}", self.actions())).await.ok()
    }

    /// Asserts that `answer` made an action of `kind` with `summary` changing `rows` rows, and
    /// returns its id.
    async fn made(&self, answer: &Answer, kind: &str, summary: &str, rows: i64) -> i64 {
        let id = answer.action();
        let action = self.action(id).await;
        assert_eq!((action["kind"].as_str(), action["summary"].as_str()), (Some(kind), Some(summary)), "{action}");
        assert_eq!(action["rows"], rows, "{action}");
        assert_eq!(action["id"], id);
        assert_eq!(action["undone"], false);
        id
    }

    async fn action_count(&self) -> usize {
        let listed = self.get(&format!("{}?limit=1000", self.actions())).await.ok();
        listed["actions"].as_array().unwrap().len()
    }

    /// The schema and table with columns `qty integer` and `note text`, and rows 1..=3.
    async fn orders(&self) {
        self.sql(
            "CREATE SCHEMA \"Sales \"\"EU\"\"\";
             CREATE TABLE \"Sales \"\"EU\"\"\".\"or.ders; DROP\" (id bigint PRIMARY KEY, qty integer, note text);",
        )
        .await;
        let rows = json!({"rows": [{"id": 1, "qty": 1, "note": "a"}, {"id": 2, "qty": 2}, {"id": 3, "qty": 3}]});
        self.post(&self.rows(), &rows.to_string()).await.action();
    }

    async fn qty(&self, id: i64) -> Value {
        let row = self.get(&format!("{}/{id}", self.rows())).await.ok();
        row["row"]["qty"].clone()
    }

    async fn edit_qty(&self, id: i64, qty: i64) -> i64 {
        let body = json!({"updates": [{"key": {"id": id}, "set": {"qty": qty}}]});
        self.call("PATCH", &self.rows(), Some(&body.to_string())).await.action()
    }
}

#[tokio::test]
async fn every_write_is_one_action_with_kind_summary_and_rows() {
    let api = Api::new().await;
    let db = enc(api.db());
    let schemas = format!("/api/v1/databases/{db}/schemas");
    let answer = api.post(&schemas, &json!({"name": SCHEMA}).to_string()).await;
    api.made(&answer, "create_schema", "Created schema Sales \"EU\"", 0).await;

    let tables = format!("{schemas}/{}/tables", enc(SCHEMA));
    let body = json!({"name": TABLE, "columns": [{"name": "qty", "type": "int"}]});
    let answer = api.post(&tables, &body.to_string()).await;
    api.made(&answer, "create_table", "Created table or.ders; DROP", 0).await;

    let columns = format!("{}/columns", api.table_path(SCHEMA, TABLE));
    let answer = api.post(&columns, &json!({"name": "Note", "type": "text"}).to_string()).await;
    api.made(&answer, "add_column", "Added column Note to or.ders; DROP", 0).await;

    let rows = json!({"rows": [{"qty": 1}, {"qty": 2}, {"qty": 3, "Note": "x"}]});
    let answer = api.post(&api.rows(), &rows.to_string()).await;
    let inserted = api.made(&answer, "insert", "Added 3 rows to or.ders; DROP", 3).await;
    let ids: Vec<String> =
        answer.json()["rows"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();

    let edit = json!({"updates": [{"key": {"id": ids[0]}, "set": {"qty": 10}}]});
    let answer = api.call("PATCH", &api.rows(), Some(&edit.to_string())).await;
    api.made(&answer, "edit", "Edited 1 cell in or.ders; DROP", 1).await;

    let paste = json!({
        "updates": [{"key": {"id": ids[0]}, "set": {"qty": 11, "Note": "p"}}, {"key": {"id": ids[1]}, "set": {"qty": 12}}],
        "inserts": [{"qty": 13, "Note": "new"}],
    });
    let answer = api.call("PATCH", &api.rows(), Some(&paste.to_string())).await;
    api.made(&answer, "paste", "Pasted 5 cells into or.ders; DROP (1 row added)", 3).await;

    let keys = json!({"keys": [{"id": ids[1]}, {"id": ids[2]}]});
    let answer = api.call("DELETE", &api.rows(), Some(&keys.to_string())).await;
    api.made(&answer, "delete", "Deleted 2 rows from or.ders; DROP", 2).await;

    let column = format!("{columns}/Note");
    let answer = api.call("PATCH", &column, Some(&json!({"name": "Remark"}).to_string())).await;
    api.made(&answer, "alter_column", "Renamed column Note to Remark in or.ders; DROP", 0).await;
    let column = format!("{columns}/qty");
    let answer = api.call("PATCH", &column, Some(&json!({"type": "bigint"}).to_string())).await;
    api.made(&answer, "alter_column", "Changed the type of qty in or.ders; DROP to bigint", 0).await;
    let answer = api.call("DELETE", &format!("{columns}/Remark"), None).await;
    api.made(&answer, "drop_column", "Deleted column Remark from or.ders; DROP", 0).await;

    let answer = api.call("PATCH", &api.table_path(SCHEMA, TABLE), Some(&json!({"name": "sales"}).to_string())).await;
    api.made(&answer, "rename_table", "Renamed table or.ders; DROP to sales", 0).await;
    let answer = api.call("DELETE", &api.table_path(SCHEMA, "sales"), None).await;
    let deleted = api.made(&answer, "delete_table", "Deleted table sales", 0).await;
    let schema = format!("{schemas}/{}", enc(SCHEMA));
    let answer = api.call("PATCH", &schema, Some(&json!({"name": "old"}).to_string())).await;
    api.made(&answer, "rename_schema", "Renamed schema Sales \"EU\" to old", 0).await;
    let answer = api.call("DELETE", &format!("{schemas}/old"), None).await;
    let last = api.made(&answer, "delete_schema", "Deleted schema old", 0).await;

    // Newest first; paged by `before`; the table filter finds the row actions.
    let listed = api.get(&format!("{}?limit=2", api.actions())).await.ok();
    let ids_listed: Vec<i64> =
        listed["actions"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()).collect();
    assert_eq!(ids_listed[0], last);
    assert_eq!(ids_listed.len(), 2);
    let next = api.get(&format!("{}?before={}&limit=1000", api.actions(), ids_listed[1])).await.ok();
    assert!(next["actions"].as_array().unwrap().iter().all(|a| a["id"].as_i64() < Some(ids_listed[1])));
    assert!(next["actions"].as_array().unwrap().iter().any(|a| a["id"] == deleted));
    assert!(next["actions"].as_array().unwrap().iter().any(|a| a["id"] == inserted));
    assert_eq!(api.action_count().await, 14);
}

#[tokio::test]
async fn read_only_calls_and_refused_writes_make_no_action() {
    let api = Api::new().await;
    api.orders().await;
    let before = api.action_count().await;
    let path = api.table_path(SCHEMA, TABLE);
    api.get(&format!("{path}/columns/qty/retype?type=date")).await.ok();
    api.get(&api.rows()).await.ok();
    api.get(&path).await.ok();
    api.get(&format!("{}/1/history", api.rows())).await.ok();
    api.get(&format!("{path}/deleted")).await.ok();
    api.get(&api.actions()).await.ok();
    // A refused write rolls its action back with it.
    let refused = json!({"updates": [{"key": {"id": 1}, "set": {"qty": "many"}}]});
    api.call("PATCH", &api.rows(), Some(&refused.to_string())).await.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(api.action_count().await, before);
    assert!(api.get(&api.rows()).await.action_header.is_none());
}

#[tokio::test]
async fn a_change_made_outside_strata_is_an_external_action() {
    let api = Api::new().await;
    api.orders().await;
    api.sql("UPDATE \"Sales \"\"EU\"\"\".\"or.ders; DROP\" SET qty = 7 WHERE id = 2").await;
    let listed = api.get(&api.actions()).await.ok();
    let newest = &listed["actions"][0];
    assert_eq!(newest["kind"], "external", "{newest}");
    assert_eq!(newest["summary"], "Changes made outside Strata");
    assert_eq!(newest["tables"], json!(["Sales \"EU\".or.ders; DROP"]));
    assert_eq!(newest["rows"], 1);

    // Filtered by table, quoted as in SQL: the insert and the external update.
    let filter = query(&[("table", "\"Sales \"\"EU\"\"\".\"or.ders; DROP\"")]);
    let listed = api.get(&format!("{}?{filter}", api.actions())).await.ok();
    let kinds: Vec<&str> = listed["actions"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["external", "insert"], "{listed}");
    let listed = api.get(&format!("{}?{}", api.actions(), query(&[("table", "orders")]))).await.ok();
    assert_eq!(listed["actions"], json!([]), "no public.orders");
    api.get(&format!("{}?{}", api.actions(), query(&[("table", "\"open")]))).await.bad_parameter("table");
}

#[tokio::test]
async fn unknown_actions_are_404_missing_and_malformed_ids_400() {
    let api = Api::new().await;
    api.orders().await;
    for answer in [
        api.get(&format!("{}/987654", api.actions())).await,
        api.post(&format!("{}/987654/undo", api.actions()), "").await,
        api.post(&format!("{}/987654/redo", api.actions()), "").await,
    ] {
        let problem = answer.problem(StatusCode::NOT_FOUND);
        assert_eq!(problem["type"], "https://strata.dev/problems/missing", "{problem}");
    }
    api.get(&format!("{}/seven", api.actions())).await.bad_parameter("path");
    api.get(&format!("{}?limit=0", api.actions())).await.bad_parameter("limit");
    api.get(&format!("{}?colour=red", api.actions())).await.bad_parameter("colour");
    api.post(&format!("{}/1/undo?cascade=maybe", api.actions()), "").await.bad_parameter("cascade");
    let unknown_db = "/api/v1/databases/no_such_db/actions";
    api.get(unknown_db).await.problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn undo_and_redo_answer_with_the_actions_they_made() {
    let api = Api::new().await;
    api.orders().await;
    let edit = api.edit_qty(1, 50).await;

    let answer = api.post(&format!("{}/{edit}/undo", api.actions()), "").await;
    let made = answer.ok();
    let undo = answer.action();
    assert_eq!(made["actions"].as_array().unwrap().len(), 1, "{made}");
    assert_eq!(made["actions"][0]["id"], undo);
    assert_eq!(made["actions"][0]["kind"], "undo");
    assert_eq!(made["actions"][0]["summary"], "Undid: Edited 1 cell in or.ders; DROP");
    assert_eq!(made["actions"][0]["undoes"], edit);
    assert_eq!(api.qty(1).await, 1);
    assert_eq!(api.action(edit).await["undone"], true);

    let again = api.post(&format!("{}/{edit}/undo", api.actions()), "").await.problem(StatusCode::CONFLICT);
    assert_eq!(again["type"], "https://strata.dev/problems/already-undone", "{again}");
    assert_eq!(again["undone_by"], undo);

    let answer = api.post(&format!("{}/{edit}/redo", api.actions()), "").await;
    let made = answer.ok();
    assert_eq!(made["actions"][0]["kind"], "redo");
    assert_eq!(made["actions"][0]["summary"], "Redid: Edited 1 cell in or.ders; DROP");
    assert_eq!(made["actions"][0]["id"], answer.action());
    assert_eq!(api.qty(1).await, 50);

    let not_undone = api.post(&format!("{}/{edit}/redo", api.actions()), "").await.problem(StatusCode::CONFLICT);
    assert_eq!(not_undone["type"], "https://strata.dev/problems/not-undone", "{not_undone}");
}

#[tokio::test]
async fn an_undo_in_conflict_lists_the_later_actions_and_cascade_undoes_them_too() {
    let api = Api::new().await;
    api.orders().await;
    let first = api.edit_qty(2, 20).await;
    let later = api.edit_qty(2, 30).await;
    let unrelated = api.edit_qty(3, 99).await;

    let refused = api.post(&format!("{}/{first}/undo", api.actions()), "").await.problem(StatusCode::CONFLICT);
    assert_eq!(refused["type"], "https://strata.dev/problems/undo-conflict", "{refused}");
    let conflicts = refused["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{refused}");
    assert_eq!(conflicts[0]["action"]["id"], later);
    assert_eq!(conflicts[0]["table"], "Sales \"EU\".or.ders; DROP");
    assert_eq!(conflicts[0]["keys"], json!(["2"]));
    assert_eq!(conflicts[0]["rows"], 1);
    assert_eq!(conflicts[0]["columns"], json!(["qty"]));
    assert!(conflicts[0]["reason"].as_str().is_some_and(|r| !r.is_empty()));
    assert_eq!(api.qty(2).await, 30, "a refused undo changes nothing");

    let answer = api.post(&format!("{}/{first}/undo?cascade=true", api.actions()), "").await;
    let made = answer.ok();
    let undid: Vec<&Value> = made["actions"].as_array().unwrap().iter().map(|a| &a["undoes"]).collect();
    assert_eq!(undid, [&json!(later), &json!(first)], "{made}");
    assert_eq!(answer.action(), made["actions"][1]["id"].as_i64().unwrap());
    assert_eq!(api.qty(2).await, 2);
    assert_eq!(api.qty(3).await, 99, "the unrelated edit stays");
    assert_eq!(api.action(unrelated).await["undone"], false);
}

#[tokio::test]
async fn a_rows_history_deleted_rows_and_restore() {
    let api = Api::new().await;
    api.orders().await;
    let edit = api.edit_qty(1, 5).await;
    let keys = json!({"keys": [{"id": 1}]});
    let deleted = api.call("DELETE", &api.rows(), Some(&keys.to_string())).await.action();

    let history = api.get(&format!("{}/1/history", api.rows())).await.ok();
    let versions = history["versions"].as_array().unwrap();
    let changes: Vec<(&str, i64)> =
        versions.iter().map(|v| (v["change"].as_str().unwrap(), v["action"].as_i64().unwrap())).collect();
    assert_eq!(changes[..2], [("delete", deleted), ("update", edit)], "{history}");
    assert_eq!(versions[0]["values"], Value::Null);
    assert_eq!(versions[1]["values"]["qty"], 5, "{history}");
    assert_eq!(versions[1]["changed"], json!(["qty"]));
    assert_eq!(versions[1]["summary"], "Edited 1 cell in or.ders; DROP");

    let path = api.table_path(SCHEMA, TABLE);
    let listed = api.get(&format!("{path}/deleted")).await.ok();
    assert_eq!(listed["rows"][0]["key"], "1", "{listed}");
    assert_eq!(listed["rows"][0]["action"], deleted);
    assert_eq!(listed["rows"][0]["values"]["note"], "a");

    let restore = format!("{path}/deleted/restore");
    let answer = api.post(&restore, &json!({"keys": ["1"]}).to_string()).await;
    let restored = answer.ok();
    assert_eq!(restored["restored"], 1);
    assert_eq!(restored["action"]["kind"], "restore");
    assert_eq!(restored["action"]["summary"], "Restored 1 row in or.ders; DROP");
    assert_eq!(restored["action"]["id"], answer.action());
    assert_eq!(api.qty(1).await, 5);

    let in_use = api.post(&restore, &json!({"keys": ["1"]}).to_string()).await.problem(StatusCode::CONFLICT);
    assert_eq!(in_use["keys"], json!(["1"]), "{in_use}");
    api.post(&restore, &json!({"keys": ["42"]}).to_string()).await.problem(StatusCode::NOT_FOUND);
    api.post(&restore, &json!({"keys": []}).to_string()).await.bad_parameter("keys");
    api.get(&format!("{path}/deleted?limit=5000")).await.bad_parameter("limit");
}
