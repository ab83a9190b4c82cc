//! Arbitrary names survive a round trip through real PostgreSQL exactly as written.

use proptest::prelude::*;
use strata_db::testing::TestDb;
use strata_sql::{Ident, IdentError, MAX_IDENT_BYTES, QualifiedName};

/// Names people and hostile files actually produce, mixed with arbitrary unicode.
fn name() -> impl Strategy<Value = String> {
    let hostile = prop::sample::select(vec![
        r#""; drop table x; --"#,
        r#"a"b"#,
        r#"""#,
        "'",
        "Order Date",
        "ORDERS",
        "orders",
        " padded ",
        "Zoë's café",
        "日本語の列",
        "emoji 🎉",
        "back\\slash",
        "tab\there",
        "new\nline",
        "$1",
        "select",
        "ééééééééééééééééééééééééééééééé",
    ])
    .prop_map(String::from);
    let arbitrary =
        prop::collection::vec(any::<char>().prop_filter("no NUL", |c| *c != '\0'), 1..40).prop_map(|chars| {
            let mut name = String::new();
            for c in chars {
                if name.len() + c.len_utf8() > MAX_IDENT_BYTES {
                    break;
                }
                name.push(c);
            }
            name
        });
    prop_oneof![hostile, arbitrary]
}

#[test]
fn names_round_trip() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let db = runtime.block_on(TestDb::new());
    let client = runtime.block_on(db.client());
    let strategy = (name(), name(), prop::collection::btree_set(name(), 1..6));
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 128, ..ProptestConfig::default() });
    runner
        .run(&strategy, |(schema, table, columns)| {
            runtime.block_on(round_trip(&client, schema, table, columns.into_iter().collect()));
            Ok(())
        })
        .unwrap();
}

proptest! {
    #[test]
    fn long_names_are_refused_not_truncated(name in "\\PC{64,80}") {
        prop_assume!(name.len() > MAX_IDENT_BYTES);
        let refused = matches!(Ident::new(name.clone()), Err(IdentError::TooLong { bytes, .. }) if bytes == name.len());
        prop_assert!(refused);
    }
}

async fn round_trip(client: &tokio_postgres::Client, schema: String, table: String, columns: Vec<String>) {
    let qualified = QualifiedName::new(Ident::new(&*schema).unwrap(), Ident::new(&*table).unwrap());
    let idents: Vec<Ident> = columns.iter().map(|c| Ident::new(&**c).unwrap()).collect();
    let definitions: Vec<String> = idents.iter().map(|c| format!("{c} text")).collect();

    client.batch_execute(&format!("CREATE SCHEMA {}", qualified.schema)).await.unwrap();
    client.batch_execute(&format!("CREATE TABLE {qualified} ({})", definitions.join(", "))).await.unwrap();

    let row = client
        .query_one(
            "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.oid = (quote_ident($1) || '.' || quote_ident($2))::regclass",
            &[&schema, &table],
        )
        .await
        .unwrap();
    assert_eq!((row.get::<_, String>(0), row.get::<_, String>(1)), (schema.clone(), table.clone()));

    let read: Vec<String> = client
        .query(
            "SELECT attname FROM pg_attribute
             WHERE attrelid = (quote_ident($1) || '.' || quote_ident($2))::regclass AND attnum > 0 ORDER BY attnum",
            &[&schema, &table],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(read, columns);

    // Values go in by parameter and come back by column name.
    let first = &idents[0];
    client.execute(&format!("INSERT INTO {qualified} ({first}) VALUES ($1)"), &[&table]).await.unwrap();
    let value: String = client.query_one(&format!("SELECT {first} FROM {qualified}"), &[]).await.unwrap().get(0);
    assert_eq!(value, table);

    client.batch_execute(&format!("DROP SCHEMA {} CASCADE", qualified.schema)).await.unwrap();
}
