//! What the audit tests share: a database with audited tables, actions made as Strata makes them,
//! undo and redo in their own committed transactions, and tables read back exactly.

#![allow(dead_code)] // each test binary uses its own part

use strata_db::audit::action::{self, ActionInfo, ActionKind};
use strata_db::audit::undo::{self, UndoError, Undone};
use strata_db::audit::{self};
use strata_db::testing::TestDb;
use tokio_postgres::Client;

/// A fresh database with `setup` run and every table with a key audited.
pub async fn database(setup: &str) -> (TestDb, Client) {
    let db = TestDb::new().await;
    let mut client = db.client().await;
    client.batch_execute(setup).await.unwrap();
    install(&mut client).await;
    (db, client)
}

/// Audits the tables created since.
pub async fn install(client: &mut Client) {
    let tx = client.transaction().await.unwrap();
    audit::install(&tx).await.unwrap();
    tx.commit().await.unwrap();
}

/// Runs `sql` as one committed action of kind edit; returns its id.
pub async fn act(client: &mut Client, sql: &str) -> i64 {
    let tx = client.transaction().await.unwrap();
    let id = action::begin(&tx, ActionKind::Edit, &format!("Ran {sql}")).await.unwrap();
    tx.batch_execute(sql).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// Undoes `id` in a transaction committed on success (rolled back on error).
pub async fn undo(client: &mut Client, id: i64, cascade: bool) -> Result<Undone, UndoError> {
    let tx = client.transaction().await.unwrap();
    let done = undo::undo(&tx, id, cascade).await?;
    tx.commit().await.unwrap();
    Ok(done)
}

/// Redoes `id` in a transaction committed on success (rolled back on error).
pub async fn redo(client: &mut Client, id: i64) -> Result<Undone, UndoError> {
    let tx = client.transaction().await.unwrap();
    let done = undo::redo(&tx, id).await?;
    tx.commit().await.unwrap();
    Ok(done)
}

/// The action `id` as listed.
pub async fn info(client: &Client, id: i64) -> ActionInfo {
    action::get(client, id).await.unwrap().expect("the action exists")
}

/// Every row of `table` (a quoted SQL name) as `to_jsonb`, ordered by `key`: equal text means
/// equal rows, to the scale of a numeric and the bits of a float.
pub async fn rows(client: &Client, table: &str, key: &str) -> String {
    let sql = format!("SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY t.{key}), '[]')::text FROM {table} t");
    client.query_one(&sql, &[]).await.unwrap().get(0)
}

/// One column of `table` ordered by `id`, as text.
pub async fn column(client: &Client, table: &str, column: &str) -> Vec<Option<String>> {
    let sql = format!("SELECT {column}::text FROM {table} ORDER BY id");
    client.query(&sql, &[]).await.unwrap().iter().map(|row| row.get(0)).collect()
}
