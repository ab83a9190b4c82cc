//! Migrations against real PostgreSQL.

use strata_db::migrate::{self, Migration, Migrations};
use strata_db::testing::TestDb;

#[tokio::test]
async fn migrations_apply_once_and_are_recorded() {
    let db = TestDb::empty().await;
    let mut client = db.client().await;

    let tx = client.transaction().await.unwrap();
    let applied = migrate::migrate(&tx, migrate::SYSTEM).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(applied, (1..=migrate::SYSTEM.list.len() as i32).collect::<Vec<_>>());

    let tx = client.transaction().await.unwrap();
    assert_eq!(migrate::migrate(&tx, migrate::SYSTEM).await.unwrap(), Vec::<i32>::new());
    tx.commit().await.unwrap();

    let recorded: i64 = client.query_one("SELECT count(*) FROM strata.schema_migration", &[]).await.unwrap().get(0);
    assert_eq!(recorded, migrate::SYSTEM.list.len() as i64);
}

#[tokio::test]
async fn a_failing_migration_leaves_nothing_behind() {
    let db = TestDb::empty().await;
    let mut client = db.client().await;
    let broken = [
        Migration { version: 1, name: "good", sql: "CREATE TABLE strata.good (x int)" },
        Migration { version: 2, name: "bad", sql: "CREATE TABLE strata.bad (x no_such_type)" },
    ];
    let tx = client.transaction().await.unwrap();
    let err = migrate::migrate(&tx, Migrations { ledger: "schema_migration", list: &broken }).await.unwrap_err();
    assert!(err.to_string().contains("applying migration 2 (bad)"), "{err}");
    drop(tx);

    let schema = client.query_opt("SELECT 1 FROM pg_namespace WHERE nspname = 'strata'", &[]).await.unwrap();
    assert!(schema.is_none(), "the rolled-back transaction left the schema");
}

#[tokio::test]
async fn a_database_from_a_newer_strata_is_refused() {
    let db = TestDb::new().await;
    let mut client = db.client().await;
    client.execute("INSERT INTO strata.schema_migration (version, name) VALUES (9999, 'future')", &[]).await.unwrap();
    let tx = client.transaction().await.unwrap();
    let err = migrate::migrate(&tx, migrate::SYSTEM).await.unwrap_err();
    assert!(err.to_string().contains("newer than this Strata knows"), "{err}");
}

#[tokio::test]
async fn the_system_database_is_created_when_missing() {
    let server = strata_db::testing::server_address().await;
    let name = format!("strata_test_{}_system", std::process::id());
    let address = server.with_database(&name);
    let system = strata_db::SystemDatabase::open(&address).await.unwrap();
    let client = system.pool.get().await.unwrap();
    let version = strata_db::server_version(&client).await.unwrap();
    assert!(version.starts_with(|c: char| c.is_ascii_digit()), "{version}");
    drop(client);
    // The embedded cluster's system database is always `strata`; an external URL names its own.
    let created = system.address.database().unwrap().to_string();
    drop(system);
    let admin = server.connect().await.unwrap();
    admin.execute(&format!("DROP DATABASE \"{created}\" WITH (FORCE)"), &[]).await.unwrap();
}
