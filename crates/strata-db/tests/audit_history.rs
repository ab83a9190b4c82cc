//! Record history, deleted rows, restore and prune against real PostgreSQL.

mod audit_common;

use audit_common::{act, database, info, rows, undo};
use serde_json::json;
use strata_db::Error;
use strata_db::audit::action::{self, ActionKind};
use strata_db::audit::history::{self, Change};
use strata_db::audit::prune;
use strata_db::audit::undo::UndoError;
use strata_db::ddl::TablePath;
use tokio_postgres::Client;

const ORDERS: &str = "CREATE TABLE orders (id bigint PRIMARY KEY, item text, qty integer, price numeric(8,2)); \
                      INSERT INTO orders VALUES (1, 'pen', 1, 1.50), (2, 'ink', 2, 3.00), (3, 'pad', 3, 0.10)";

fn orders(db: &str) -> TablePath<'_> {
    TablePath::new(db, "public", "orders")
}

async fn restore(client: &mut Client, db: &str, keys: &[&str]) -> Result<u64, Error> {
    let tx = client.transaction().await.unwrap();
    action::begin(&tx, ActionKind::Restore, "Restored rows in orders").await.unwrap();
    let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    let restored = history::restore(&tx, orders(db), &keys).await?;
    tx.commit().await.unwrap();
    Ok(restored)
}

#[tokio::test]
async fn a_row_history_newest_first() {
    let (db, mut client) =
        database("CREATE TABLE orders (id bigint PRIMARY KEY, item text, qty integer, price numeric(8,2))").await;
    let added = act(&mut client, "INSERT INTO orders VALUES (7, 'pen', 1, 1.50), (8, 'ink', 1, 1)").await;
    let edited = act(&mut client, "UPDATE orders SET qty = 2 WHERE id = 7").await;
    let unchanged = act(&mut client, "UPDATE orders SET item = 'ink' WHERE id = 8").await;
    let renamed = act(&mut client, "UPDATE orders SET item = 'quill', price = 2 WHERE id = 7").await;
    let deleted = act(&mut client, "DELETE FROM orders WHERE id = 7").await;

    let versions = history::row_history(&client, orders(db.name()), "7").await.unwrap();
    let summary: Vec<_> = versions.iter().map(|v| (v.action, v.change, v.changed.clone())).collect();
    assert_eq!(
        summary,
        [
            (deleted, Change::Delete, vec![]),
            (renamed, Change::Update, vec!["item".to_string(), "price".to_string()]),
            (edited, Change::Update, vec!["qty".to_string()]),
            (added, Change::Insert, vec!["id".to_string(), "item".to_string(), "qty".to_string(), "price".to_string()]),
        ]
    );
    assert_eq!(versions[0].values, None);
    let values = |i: usize| serde_json::Value::Object(versions[i].values.clone().unwrap());
    assert_eq!(values(1), json!({"id": "7", "item": "quill", "qty": 2, "price": "2.00"}));
    assert_eq!(values(3), json!({"id": "7", "item": "pen", "qty": 1, "price": "1.50"}));
    assert_eq!(versions[1].summary, info(&client, renamed).await.summary);
    assert_eq!(versions[1].user, info(&client, renamed).await.user);

    // A change to the same value is a version that changed nothing; the current row ends it.
    let eight = history::row_history(&client, orders(db.name()), "8").await.unwrap();
    assert_eq!(eight[0].action, unchanged);
    assert!(eight[0].changed.is_empty());
    assert_eq!(
        serde_json::Value::Object(eight[0].values.clone().unwrap()),
        json!({"id": "8", "item": "ink", "qty": 1, "price": "1.00"})
    );
    assert!(history::row_history(&client, orders(db.name()), "99").await.unwrap().is_empty());
    assert!(matches!(history::row_history(&client, orders(db.name()), "x").await, Err(Error::BadParameter { .. })));
    assert!(matches!(
        history::row_history(&client, TablePath::new(db.name(), "public", "nope"), "1").await,
        Err(Error::UnknownTable { .. })
    ));
}

#[tokio::test]
async fn deleted_rows_and_restore() {
    let (db, mut client) = database(ORDERS).await;
    let before = rows(&client, "orders", "id").await;
    let deleted = act(&mut client, "DELETE FROM orders WHERE id IN (1, 2)").await;
    act(&mut client, "INSERT INTO orders VALUES (2, 'new', 0, 0)").await;

    let found = history::deleted_rows(&client, orders(db.name()), 50).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].key, "1");
    assert_eq!(found[0].action, deleted);
    assert_eq!(
        serde_json::Value::Object(found[0].values.clone()),
        json!({"id": "1", "item": "pen", "qty": 1, "price": "1.50"})
    );

    match restore(&mut client, db.name(), &["1", "2"]).await {
        Err(Error::KeysInUse { keys, .. }) => assert_eq!(keys, ["2"]),
        other => panic!("expected keys in use, got {other:?}"),
    }
    match restore(&mut client, db.name(), &["1", "41", "42"]).await {
        Err(Error::MissingRows { keys }) => assert_eq!(keys.len(), 2),
        other => panic!("expected missing rows, got {other:?}"),
    }
    assert_eq!(restore(&mut client, db.name(), &["1"]).await.unwrap(), 1);
    assert!(history::deleted_rows(&client, orders(db.name()), 50).await.unwrap().is_empty());
    let expected = before.replace("\"ink\"", "\"new\"").replace("\"qty\": 2", "\"qty\": 0").replace("3.00", "0.00");
    assert_eq!(rows(&client, "orders", "id").await, expected);
}

#[tokio::test]
async fn prune_forgets_old_actions_and_keeps_the_rest_undoable() {
    let (_db, mut client) = database(ORDERS).await;
    let old = act(&mut client, "UPDATE orders SET qty = 10 WHERE id = 1").await;
    let recent = act(&mut client, "UPDATE orders SET qty = 20 WHERE id = 1").await;
    client.execute("UPDATE strata.action SET at = '2001-01-01' WHERE id <= $1", &[&old]).await.unwrap();

    let tx = client.transaction().await.unwrap();
    let pruned = prune::prune(&tx, "2002-01-01").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(pruned.actions, 1);
    assert_eq!(pruned.history_rows, 1);
    assert!(matches!(undo(&mut client, old, false).await, Err(UndoError::UnknownAction(id)) if id == old));
    undo(&mut client, recent, false).await.unwrap();
    let qty: i32 = client.query_one("SELECT qty FROM orders WHERE id = 1", &[]).await.unwrap().get(0);
    assert_eq!(qty, 10);

    let tx = client.transaction().await.unwrap();
    assert!(matches!(prune::prune(&tx, "not a date").await, Err(Error::BadParameter { .. })));
}

#[tokio::test]
async fn an_action_whose_history_is_gone_cannot_be_undone() {
    let (_db, mut client) = database(ORDERS).await;
    let edit = act(&mut client, "UPDATE orders SET qty = 10 WHERE id = 1").await;
    let history: String = client.query_one("SELECT history FROM strata.audited", &[]).await.unwrap().get(0);
    client.execute(&format!("DELETE FROM strata.\"{history}\" WHERE _action = $1"), &[&edit]).await.unwrap();
    match undo(&mut client, edit, false).await {
        Err(err @ UndoError::Unavailable { .. }) => assert!(err.to_string().contains("pruned"), "{err}"),
        other => panic!("expected unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn rows_deleted_before_a_retype_are_not_restored_with_wrong_values() {
    let (db, mut client) = database(ORDERS).await;
    let before = rows(&client, "orders", "id").await;
    act(&mut client, "DELETE FROM orders WHERE id = 1").await;
    let tx = client.transaction().await.unwrap();
    let retype = action::begin(&tx, ActionKind::AlterColumn, "Changed the type of qty").await.unwrap();
    let change = strata_db::ddl::column::ColumnChange { name: None, type_name: Some("bigint".into()) };
    strata_db::ddl::column::alter(&tx, orders(db.name()), "qty", &change).await.unwrap();
    tx.commit().await.unwrap();

    // The history column of qty is a new one now: the deleted row's qty is not in it.
    assert!(history::deleted_rows(&client, orders(db.name()), 50).await.unwrap().is_empty());
    match restore(&mut client, db.name(), &["1"]).await {
        Err(err @ Error::NotRestorable { .. }) => assert!(err.to_string().contains("rows 1 of public.orders"), "{err}"),
        other => panic!("expected not restorable, got {other:?}"),
    }
    // With the retype undone, the row comes back as it was.
    undo(&mut client, retype, false).await.unwrap();
    assert_eq!(history::deleted_rows(&client, orders(db.name()), 50).await.unwrap().len(), 1);
    assert_eq!(restore(&mut client, db.name(), &["1"]).await.unwrap(), 1);
    assert_eq!(rows(&client, "orders", "id").await, before);
}

#[tokio::test]
async fn a_key_taken_by_a_concurrent_restore_is_in_use() {
    let (db, mut client) = database(ORDERS).await;
    act(&mut client, "DELETE FROM orders WHERE id = 1").await;
    let mut other = db.client().await;
    let tx = client.transaction().await.unwrap();
    action::begin(&tx, ActionKind::Restore, "Restored rows in orders").await.unwrap();
    history::restore(&tx, orders(db.name()), &["1".to_string()]).await.unwrap();
    let name = db.name().to_string();
    let second = tokio::spawn(async move { restore(&mut other, &name, &["1"]).await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    tx.commit().await.unwrap();
    match second.await.unwrap() {
        Err(Error::KeysInUse { keys, .. }) => assert_eq!(keys, ["1"]),
        other => panic!("expected keys in use, got {other:?}"),
    }
}

#[tokio::test]
async fn an_action_on_a_table_pruned_since_says_pruned() {
    let (db, mut client) = database(ORDERS).await;
    let relid: u32 = client.query_one("SELECT 'orders'::regclass::oid", &[]).await.unwrap().get(0);
    let tx = client.transaction().await.unwrap();
    let deleted = action::begin(&tx, ActionKind::DeleteTable, "Deleted table orders").await.unwrap();
    strata_db::ddl::table::drop(&tx, orders(db.name()), false).await.unwrap();
    tx.commit().await.unwrap();
    // A change to the deleted table made with psql, after the deletion.
    let later = act(&mut client, &format!("UPDATE strata.\"deleted_{relid}\" SET qty = 9 WHERE id = 1")).await;
    client.execute("UPDATE strata.action SET at = '2001-01-01' WHERE id <= $1", &[&deleted]).await.unwrap();

    let tx = client.transaction().await.unwrap();
    prune::prune(&tx, "2002-01-01").await.unwrap();
    tx.commit().await.unwrap();
    let left: i64 =
        client.query_one("SELECT count(*) FROM strata.audited WHERE relid = $1", &[&relid]).await.unwrap().get(0);
    assert_eq!(left, 0);
    match undo(&mut client, later, false).await {
        Err(err @ UndoError::Unavailable { .. }) => assert!(err.to_string().contains("pruned"), "{err}"),
        other => panic!("expected unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn prune_forgets_tables_dropped_outside_strata() {
    let (_db, mut client) = database(ORDERS).await;
    let history: String = client.query_one("SELECT history FROM strata.audited", &[]).await.unwrap().get(0);
    act(&mut client, "UPDATE orders SET qty = 10 WHERE id = 1").await;
    client.batch_execute("DROP TABLE orders").await.unwrap();
    let tx = client.transaction().await.unwrap();
    prune::prune(&tx, "tomorrow").await.unwrap();
    tx.commit().await.unwrap();
    let left: (i64, bool) = {
        let row = client
            .query_one(
                "SELECT (SELECT count(*) FROM strata.audited), to_regclass(format('strata.%I', $1::text)) IS NULL",
                &[&history],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!(left, (0, true));
}
