//! Undo and redo of data against real PostgreSQL: actions made as Strata makes them (and as psql
//! makes them), undone and redone through `audit::undo`, the tables read back exactly.

mod audit_common;

use audit_common::{act, column, database, info, redo, rows, undo};
use strata_db::audit::undo::UndoError;

const ORDERS: &str = "CREATE TABLE orders (id integer PRIMARY KEY, item text, qty integer, price numeric(8,2), \
                      note jsonb, total numeric GENERATED ALWAYS AS (qty * price) STORED); \
                      INSERT INTO orders VALUES (1, 'pen', 1, 1.50, '{\"a\": [1, 2]}'), (2, 'ink', 2, 3.00, NULL), \
                      (3, 'pad', 3, 0.10, 'null')";

fn conflicts(result: Result<impl std::fmt::Debug, UndoError>) -> Vec<strata_db::audit::undo::Conflict> {
    match result {
        Err(UndoError::Conflict { conflicts, .. }) => conflicts,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn undo_and_redo_an_edit() {
    let (_db, mut client) = database(ORDERS).await;
    let before = rows(&client, "orders", "id").await;
    let edit = act(&mut client, "UPDATE orders SET qty = qty + 10, note = '{\"b\": \"ü\"}' WHERE id <= 2").await;
    let edited = rows(&client, "orders", "id").await;
    assert_ne!(before, edited);

    let undone = undo(&mut client, edit, false).await.unwrap();
    assert_eq!(rows(&client, "orders", "id").await, before);
    assert_eq!(undone.actions.len(), 1);
    let undo_action = &undone.actions[0];
    assert_eq!(undo_action.kind, "undo");
    assert_eq!(undo_action.summary, format!("Undid: {}", info(&client, edit).await.summary));
    assert_eq!(undo_action.undoes, Some(edit));
    assert_eq!(undo_action.rows, 2);
    assert_eq!(undo_action.tables, ["public.orders"]);
    let target = info(&client, edit).await;
    assert!(target.undone);
    assert_eq!(target.undone_by, Some(undo_action.id));

    match undo(&mut client, edit, false).await {
        Err(UndoError::AlreadyUndone { id, by }) => assert_eq!((id, by), (edit, undo_action.id)),
        other => panic!("expected already undone, got {other:?}"),
    }

    let redone = redo(&mut client, edit).await.unwrap();
    assert_eq!(rows(&client, "orders", "id").await, edited);
    let redo_action = &redone.actions[0];
    assert_eq!(redo_action.kind, "redo");
    assert_eq!(redo_action.summary, format!("Redid: {}", target.summary));
    assert_eq!(redo_action.undoes, Some(undo_action.id));
    assert!(!info(&client, edit).await.undone);
    assert!(matches!(redo(&mut client, edit).await, Err(UndoError::NotUndone(id)) if id == edit));

    // Undo again after the redo: the same rows as before.
    undo(&mut client, edit, false).await.unwrap();
    assert_eq!(rows(&client, "orders", "id").await, before);
}

#[tokio::test]
async fn inserts_and_deletes_come_back_exactly() {
    let (_db, mut client) = database(ORDERS).await;
    let before = rows(&client, "orders", "id").await;
    let added = act(&mut client, "INSERT INTO orders VALUES (4, 'mug', NULL, 9.99, '[]')").await;
    let deleted = act(&mut client, "DELETE FROM orders WHERE id IN (1, 3)").await;
    undo(&mut client, deleted, false).await.unwrap();
    undo(&mut client, added, false).await.unwrap();
    assert_eq!(rows(&client, "orders", "id").await, before);
}

#[tokio::test]
async fn unknown_action() {
    let (_db, mut client) = database(ORDERS).await;
    assert!(matches!(undo(&mut client, 4242, false).await, Err(UndoError::UnknownAction(4242))));
    assert!(matches!(redo(&mut client, 4242).await, Err(UndoError::UnknownAction(4242))));
}

#[tokio::test]
async fn a_key_changing_update_is_undone() {
    let (_db, mut client) = database(ORDERS).await;
    let before = rows(&client, "orders", "id").await;
    let moved = act(&mut client, "UPDATE orders SET id = id + 10, qty = 7 WHERE id <= 2").await;
    let after = rows(&client, "orders", "id").await;
    undo(&mut client, moved, false).await.unwrap();
    assert_eq!(rows(&client, "orders", "id").await, before);
    redo(&mut client, moved).await.unwrap();
    assert_eq!(rows(&client, "orders", "id").await, after);
}

#[tokio::test]
async fn generated_always_identity_keys_come_back() {
    let (_db, mut client) = database(
        "CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text); \
         INSERT INTO notes (body) SELECT 'n' || i FROM generate_series(1, 5) i",
    )
    .await;
    let before = rows(&client, "notes", "id").await;
    let deleted = act(&mut client, "DELETE FROM notes WHERE id % 2 = 1").await;
    let added = act(&mut client, "INSERT INTO notes (body) VALUES ('six')").await;
    undo(&mut client, added, false).await.unwrap();
    undo(&mut client, deleted, false).await.unwrap();
    assert_eq!(rows(&client, "notes", "id").await, before);
}

#[tokio::test]
async fn transactions_made_outside_strata_are_actions() {
    let (_db, mut client) = database(ORDERS).await;
    let before = rows(&client, "orders", "id").await;
    client
        .batch_execute("BEGIN; UPDATE orders SET item = 'pencil' WHERE id = 1; DELETE FROM orders WHERE id = 2; COMMIT")
        .await
        .unwrap();
    let external: i64 =
        client.query_one("SELECT max(id) FROM strata.action WHERE kind = 'external'", &[]).await.unwrap().get(0);
    let action = info(&client, external).await;
    assert_eq!((action.summary.as_str(), action.rows), ("Changes made outside Strata", 2));
    undo(&mut client, external, false).await.unwrap();
    assert_eq!(rows(&client, "orders", "id").await, before);
}

#[tokio::test]
async fn the_same_cell_changed_later_conflicts() {
    let (_db, mut client) = database(ORDERS).await;
    let first = act(&mut client, "UPDATE orders SET qty = 5 WHERE id IN (1, 2)").await;
    let second = act(&mut client, "UPDATE orders SET qty = 6 WHERE id = 1").await;
    let found = conflicts(undo(&mut client, first, false).await);
    assert_eq!(found.len(), 1);
    let conflict = &found[0];
    assert_eq!(conflict.action.id, second);
    assert_eq!((conflict.table.as_str(), conflict.rows), ("public.orders", 1));
    assert_eq!(conflict.keys, ["1"]);
    assert_eq!(conflict.columns, ["qty"]);
    assert_eq!(conflict.reason, "row 1 was changed later (qty)");
    // Nothing was changed, and the error names the action asked for.
    assert!(!info(&client, first).await.undone);
    match undo(&mut client, first, false).await {
        Err(UndoError::Conflict { action, .. }) => assert_eq!(action, first),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn other_cells_of_the_same_row_do_not_conflict() {
    let (_db, mut client) = database(ORDERS).await;
    let first = act(&mut client, "UPDATE orders SET qty = 5 WHERE id = 1").await;
    act(&mut client, "UPDATE orders SET item = 'quill' WHERE id = 1").await;
    undo(&mut client, first, false).await.unwrap();
    let row = client.query_one("SELECT item, qty FROM orders WHERE id = 1", &[]).await.unwrap();
    assert_eq!((row.get::<_, &str>(0), row.get::<_, i32>(1)), ("quill", 1));
}

#[tokio::test]
async fn a_row_deleted_later_conflicts() {
    let (_db, mut client) = database(ORDERS).await;
    let first = act(&mut client, "UPDATE orders SET qty = 5 WHERE id = 1").await;
    let second = act(&mut client, "DELETE FROM orders WHERE id = 1").await;
    let found = conflicts(undo(&mut client, first, false).await);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].action.id, second);
    assert_eq!(found[0].reason, "row 1 was deleted later");
}

#[tokio::test]
async fn a_row_inserted_again_later_conflicts() {
    let (_db, mut client) = database(ORDERS).await;
    let first = act(&mut client, "DELETE FROM orders WHERE id = 1").await;
    let second = act(&mut client, "INSERT INTO orders (id, item) VALUES (1, 'new')").await;
    let found = conflicts(undo(&mut client, first, false).await);
    assert_eq!(found[0].action.id, second);
    assert_eq!(found[0].reason, "row 1 was added again later");
}

#[tokio::test]
async fn a_later_change_that_was_undone_is_no_conflict() {
    let (_db, mut client) = database(ORDERS).await;
    let before = rows(&client, "orders", "id").await;
    let first = act(&mut client, "UPDATE orders SET qty = 5 WHERE id = 1").await;
    let second = act(&mut client, "UPDATE orders SET qty = 6 WHERE id = 1").await;
    undo(&mut client, second, false).await.unwrap();
    undo(&mut client, first, false).await.unwrap();
    assert_eq!(rows(&client, "orders", "id").await, before);
}

#[tokio::test]
async fn a_later_structure_change_conflicts() {
    let (_db, mut client) = database(ORDERS).await;
    let first = act(&mut client, "UPDATE orders SET qty = 5 WHERE id = 1").await;
    // A structure action as audit::steps records one: its table with schema_change.
    let tx = client.transaction().await.unwrap();
    let id = strata_db::audit::action::begin(&tx, strata_db::audit::action::ActionKind::AddColumn, "Added column x")
        .await
        .unwrap();
    tx.execute(
        "INSERT INTO strata.action_table (action, relid, schema_change) VALUES ($1, 'orders'::regclass, true)",
        &[&id],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let found = conflicts(undo(&mut client, first, false).await);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].action.id, id);
    assert_eq!(
        found[0].reason,
        "the structure of public.orders was changed later (action 3: Added column x)".replace('3', &id.to_string())
    );
}

#[tokio::test]
async fn cascade_undoes_the_later_actions_in_the_way_newest_first() {
    let (_db, mut client) = database(ORDERS).await;
    let before = rows(&client, "orders", "id").await;
    let first = act(&mut client, "UPDATE orders SET qty = 5 WHERE id IN (1, 2)").await;
    let second = act(&mut client, "UPDATE orders SET qty = 6 WHERE id = 1").await;
    let unrelated = act(&mut client, "UPDATE orders SET item = 'other' WHERE id = 3").await;
    let third = act(&mut client, "DELETE FROM orders WHERE id = 2").await;
    let fourth = act(&mut client, "UPDATE orders SET qty = 8 WHERE id = 1").await;

    let done = undo(&mut client, first, true).await.unwrap();
    let undid: Vec<Option<i64>> = done.actions.iter().map(|a| a.undoes).collect();
    assert_eq!(undid, [Some(fourth), Some(third), Some(second), Some(first)]);
    assert!(done.actions.iter().all(|a| a.kind == "undo"));
    assert!(!info(&client, unrelated).await.undone);
    let expected = before.replace("\"pad\"", "\"other\"");
    assert_eq!(rows(&client, "orders", "id").await, expected);
}

#[tokio::test]
async fn a_table_dropped_outside_strata_is_said_so() {
    let (_db, mut client) = database(ORDERS).await;
    let first = act(&mut client, "UPDATE orders SET qty = 5 WHERE id = 1").await;
    client.batch_execute("DROP TABLE orders").await.unwrap();
    match undo(&mut client, first, false).await {
        Err(err @ UndoError::Unavailable { .. }) => assert!(err.to_string().contains("no longer exists"), "{err}"),
        other => panic!("expected unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn rows_of_several_tables_with_a_foreign_key() {
    let (_db, mut client) = database(
        "CREATE TABLE parent (id int PRIMARY KEY, name text); \
         CREATE TABLE child (id int PRIMARY KEY, parent int REFERENCES parent, v text); \
         INSERT INTO parent VALUES (1, 'a'); INSERT INTO child VALUES (1, 1, 'x')",
    )
    .await;
    let before = (rows(&client, "parent", "id").await, rows(&client, "child", "id").await);
    let added = act(&mut client, "INSERT INTO parent VALUES (2, 'b'); INSERT INTO child VALUES (2, 2, 'y')").await;
    let removed = act(&mut client, "DELETE FROM child; DELETE FROM parent").await;
    undo(&mut client, removed, false).await.unwrap();
    undo(&mut client, added, false).await.unwrap();
    assert_eq!((rows(&client, "parent", "id").await, rows(&client, "child", "id").await), before);
}

#[tokio::test]
async fn an_edit_during_an_undo_waits_and_is_not_lost() {
    let (db, mut client) = database(ORDERS).await;
    let edit = act(&mut client, "UPDATE orders SET qty = 5 WHERE id = 1").await;
    let mut other = db.client().await;
    other.batch_execute("SET lock_timeout = '10s'").await.unwrap();

    let tx = client.transaction().await.unwrap();
    strata_db::audit::undo::undo(&tx, edit, false).await.unwrap();
    let later = tokio::spawn(async move {
        act(&mut other, "UPDATE orders SET qty = qty + 100 WHERE id = 1").await;
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!later.is_finished(), "the edit waits for the undo's lock");
    tx.commit().await.unwrap();
    later.await.unwrap();
    let qty: i32 = client.query_one("SELECT qty FROM orders WHERE id = 1", &[]).await.unwrap().get(0);
    assert_eq!(qty, 101, "the edit applies on top of the undone value");
}

#[tokio::test]
async fn an_undo_during_an_edit_gives_up_or_sees_the_edit() {
    let (db, mut client) = database(ORDERS).await;
    let edit = act(&mut client, "UPDATE orders SET qty = 5 WHERE id = 1").await;
    let mut other = db.client().await;
    let editing = other.transaction().await.unwrap();
    let concurrent =
        strata_db::audit::action::begin(&editing, strata_db::audit::action::ActionKind::Edit, "Edited").await.unwrap();
    editing.batch_execute("UPDATE orders SET qty = 6 WHERE id = 1").await.unwrap();

    // With a lock timeout the undo gives up, and nothing changed.
    client.batch_execute("SET lock_timeout = '200ms'").await.unwrap();
    match undo(&mut client, edit, false).await {
        Err(UndoError::Database(err)) => assert_eq!(err.code(), Some("55P03"), "{err}"),
        other => panic!("expected a lock timeout, got {other:?}"),
    }
    assert!(!info(&client, edit).await.undone);

    // Waiting, it sees the edit once committed, and refuses.
    client.batch_execute("SET lock_timeout = '10s'").await.unwrap();
    let waiting = tokio::spawn(async move {
        let result = undo(&mut client, edit, false).await.map(|_| ());
        (client, result)
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    editing.commit().await.unwrap();
    let (client, result) = waiting.await.unwrap();
    let found = conflicts(result);
    assert_eq!(found[0].action.id, concurrent);
    let qty: i32 = client.query_one("SELECT qty FROM orders WHERE id = 1", &[]).await.unwrap().get(0);
    assert_eq!(qty, 6);
}

#[tokio::test]
async fn a_large_undo_locks_the_table_and_comes_back_exactly() {
    let (_db, mut client) = database(
        "CREATE TABLE big (id integer PRIMARY KEY, n numeric, t text); \
         INSERT INTO big SELECT i, i / 7.0, 'r' || i FROM generate_series(1, 12000) i",
    )
    .await;
    let before = rows(&client, "big", "id").await;
    let edit =
        act(&mut client, "UPDATE big SET n = n * 2, t = NULL WHERE id % 3 <> 0; DELETE FROM big WHERE id % 3 = 0")
            .await;
    undo(&mut client, edit, false).await.unwrap();
    assert_eq!(rows(&client, "big", "id").await, before);
}

/// Renames column `from` of orders to `to` as Strata does, as one committed action.
async fn rename_column(client: &mut tokio_postgres::Client, from: &str, to: &str) -> i64 {
    use strata_db::audit::action::{self, ActionKind};
    use strata_db::ddl::{self, TablePath, column::ColumnChange};
    let tx = client.transaction().await.unwrap();
    let id =
        action::begin(&tx, ActionKind::AlterColumn, &format!("Renamed column {from} to {to} in orders")).await.unwrap();
    let change = ColumnChange { name: Some(to.into()), type_name: None };
    ddl::column::alter(&tx, TablePath::new("db", "public", "orders"), from, &change).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// Undoes `id` while another transaction undoes it too: the second waits for the first and is
/// told the action is undone already, by the first.
async fn undo_twice_at_once(db: &strata_db::testing::TestDb, client: &mut tokio_postgres::Client, id: i64) {
    let mut other = db.client().await;
    other.batch_execute("SET lock_timeout = '10s'").await.unwrap();
    let tx = client.transaction().await.unwrap();
    let first = strata_db::audit::undo::undo(&tx, id, false).await.unwrap().actions[0].id;
    let second = tokio::spawn(async move { undo(&mut other, id, false).await.map(|_| ()) });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!second.is_finished(), "the second undo waits for the first");
    tx.commit().await.unwrap();
    match second.await.unwrap() {
        Err(UndoError::AlreadyUndone { id: undone, by }) => assert_eq!((undone, by), (id, first)),
        other => panic!("expected already undone, got {other:?}"),
    }
}

#[tokio::test]
async fn two_undos_of_the_same_action_at_once_undo_it_once() {
    let (db, mut client) = database(ORDERS).await;
    let before = rows(&client, "orders", "id").await;
    let edit = act(&mut client, "UPDATE orders SET qty = 5 WHERE id = 1; DELETE FROM orders WHERE id = 2").await;
    undo_twice_at_once(&db, &mut client, edit).await;
    assert_eq!(rows(&client, "orders", "id").await, before);
    let undos: i64 =
        client.query_one("SELECT count(*) FROM strata.action WHERE undoes = $1", &[&edit]).await.unwrap().get(0);
    assert_eq!(undos, 1);
}

#[tokio::test]
async fn two_undos_of_the_same_structure_action_at_once_undo_it_once() {
    let (db, mut client) = database(ORDERS).await;
    let before = rows(&client, "orders", "id").await;
    let renamed = rename_column(&mut client, "item", "thing").await;
    undo_twice_at_once(&db, &mut client, renamed).await;
    assert_eq!(rows(&client, "orders", "id").await, before);
}

#[tokio::test]
async fn a_column_rename_is_undone_after_later_row_edits() {
    let (_db, mut client) = database(ORDERS).await;
    let renamed = rename_column(&mut client, "item", "thing").await;
    act(&mut client, "UPDATE orders SET thing = 'quill', qty = 9 WHERE id = 1").await;
    undo(&mut client, renamed, false).await.unwrap();
    assert_eq!(column(&client, "orders", "item").await[0].as_deref(), Some("quill"));
    // Later structure changes still conflict with the rename.
    let again = rename_column(&mut client, "item", "thing").await;
    rename_column(&mut client, "qty", "amount").await;
    act(&mut client, "ALTER TABLE orders ADD COLUMN extra int").await;
    let found = conflicts(undo(&mut client, again, false).await);
    assert_eq!(found.len(), 1, "{found:?}");
}

#[tokio::test]
async fn a_cascade_that_reaches_an_undo_redoes() {
    let (_db, mut client) = database(ORDERS).await;
    let first = act(&mut client, "UPDATE orders SET qty = 5 WHERE id = 1").await;
    let second = act(&mut client, "UPDATE orders SET qty = 7 WHERE id = 1").await;
    let undone = undo(&mut client, first, true).await.unwrap();
    let (undid_second, undid_first) = (undone.actions[0].id, undone.actions[1].id);
    assert_eq!(info(&client, undid_second).await.undoes, Some(second));

    // Undoing the undo of the second is in the way of the undo of the first: both are redone.
    let done = undo(&mut client, undid_second, true).await.unwrap();
    let made: Vec<_> = done.actions.iter().map(|a| (a.undoes, a.kind.as_str(), a.summary.clone())).collect();
    let (first, second) = (info(&client, first).await.summary, info(&client, second).await.summary);
    assert_eq!(
        made,
        [
            (Some(undid_first), "redo", format!("Redid: {first}")),
            (Some(undid_second), "redo", format!("Redid: {second}")),
        ]
    );
    assert_eq!(column(&client, "orders", "qty").await[0].as_deref(), Some("7"));
}

#[tokio::test]
async fn rows_referenced_by_rows_added_later_are_said_so_and_nothing_changes() {
    let (_db, mut client) = database(
        "CREATE TABLE parent (id int PRIMARY KEY, name text); \
         CREATE TABLE child (id int PRIMARY KEY, parent int REFERENCES parent, v text)",
    )
    .await;
    let added = act(&mut client, "INSERT INTO parent VALUES (1, 'a'), (2, 'b')").await;
    act(&mut client, "INSERT INTO child VALUES (1, 2, 'x')").await;
    let before = rows(&client, "parent", "id").await;
    match undo(&mut client, added, false).await {
        Err(err @ UndoError::Unavailable { .. }) => {
            let said = err.to_string();
            assert!(
                said.contains("rows of public.parent are referenced by rows added later in public.child"),
                "{said}"
            );
        }
        other => panic!("expected unavailable, got {other:?}"),
    }
    assert_eq!(rows(&client, "parent", "id").await, before);
    assert!(!info(&client, added).await.undone);
}
