//! Structure changes as actions, against real PostgreSQL: each change is made through `ddl` (or
//! `load`) inside an action, then undone with `steps::undo` inside an undo action, redone (the
//! undo of that undo) and undone again. After each, the whole database is compared with what it
//! was: every user schema, table, view and sequence with its oid, columns (types with modifiers,
//! NOT NULL, defaults, collations), constraints, indexes and triggers, and every row (`to_jsonb`).
//! Names are hostile on purpose.

use std::io::Write;

use serde_json::Value;
use strata_db::audit::action::{self, ActionKind};
use strata_db::audit::steps;
use strata_db::ddl::{self, DdlError, NewColumn, TablePath, column::ColumnChange};
use strata_db::load;
use strata_db::testing::TestDb;
use strata_import::ImportOptions;
use strata_sql::{Ident, QualifiedName};
use tokio_postgres::{Client, Transaction};

const SCHEMA: &str = "sch\"ema; drop table x";
const TABLE: &str = "Orders \"1\"; drop table t--";
const COLUMN: &str = "Note ü \"q\"";

/// Everything a user sees of the database's structure and rows, as JSON.
const STATE: &str = r#"
SELECT jsonb_build_object(
  'schemas', (SELECT jsonb_agg(nspname ORDER BY nspname) FROM pg_namespace
              WHERE nspname NOT IN ('information_schema', 'strata') AND nspname NOT LIKE 'pg\_%'),
  'relations', (SELECT jsonb_object_agg(format('%I.%I', n.nspname, c.relname), jsonb_build_object(
      'oid', CASE WHEN c.relkind <> 'v' THEN c.oid END,
      'kind', c.relkind,
      'view', CASE WHEN c.relkind = 'v' THEN pg_get_viewdef(c.oid) END,
      'sequence', (SELECT s.last_value FROM pg_sequences s WHERE s.schemaname = n.nspname AND s.sequencename = c.relname),
      'columns', (SELECT jsonb_agg(jsonb_build_array(a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                                                     pg_get_expr(d.adbin, d.adrelid), a.attcollation::regcollation::text)
                                   ORDER BY a.attname)
                  FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
      'constraints', (SELECT jsonb_agg(jsonb_build_array(conname, pg_get_constraintdef(oid)) ORDER BY conname)
                      FROM pg_constraint WHERE conrelid = c.oid),
      'indexes', (SELECT jsonb_agg(pg_get_indexdef(indexrelid) ORDER BY pg_get_indexdef(indexrelid))
                  FROM pg_index WHERE indrelid = c.oid),
      'triggers', (SELECT jsonb_agg(tgname ORDER BY tgname) FROM pg_trigger WHERE tgrelid = c.oid AND NOT tgisinternal)))
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'v', 'S') AND n.nspname NOT IN ('information_schema', 'strata')
      AND n.nspname NOT LIKE 'pg\_%'),
  'tables', (SELECT jsonb_agg(format('%I.%I', n.nspname, c.relname) ORDER BY 1)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind = 'r' AND n.nspname NOT IN ('information_schema', 'strata') AND n.nspname NOT LIKE 'pg\_%')
)::text"#;

/// The database's structure and every table's rows.
async fn state(client: &Client) -> Value {
    let text: String = client.query_one(STATE, &[]).await.unwrap().get(0);
    let mut state: Value = serde_json::from_str(&text).unwrap();
    let tables: Vec<String> = serde_json::from_value(state["tables"].take()).unwrap_or_default();
    let mut rows = serde_json::Map::new();
    for table in tables {
        let sql =
            format!("SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text), '[]')::text FROM {table} t");
        let text: String = client.query_one(&sql, &[]).await.unwrap().get(0);
        rows.insert(table, serde_json::from_str(&text).unwrap());
    }
    state["rows"] = Value::Object(rows);
    state
}

/// Makes `change` as an action of `kind` in one committed transaction; returns the action.
async fn act(
    client: &mut Client,
    kind: ActionKind,
    change: impl AsyncFnOnce(&Transaction<'_>) -> Result<(), DdlError>,
) -> i64 {
    let tx = client.transaction().await.unwrap();
    let id = action::begin(&tx, kind, kind.as_str()).await.unwrap();
    change(&tx).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// Undoes action `id`'s steps as a new undo action, committed; returns the undo action.
async fn undo(client: &mut Client, id: i64) -> i64 {
    let tx = client.transaction().await.unwrap();
    let undo = action::begin(&tx, ActionKind::Undo, &format!("Undid: {id}")).await.unwrap();
    steps::undo(&tx, id).await.unwrap();
    tx.commit().await.unwrap();
    undo
}

/// Undo, redo (the undo of the undo) and undo again, checking the database after each; returns
/// the last undo.
async fn round_trip(client: &mut Client, id: i64, before: &Value, after: &Value) -> i64 {
    assert!(steps::has_steps(&client.transaction().await.unwrap(), id).await.unwrap());
    let undone = undo(client, id).await;
    assert_eq!(&state(client).await, before, "undo");
    let redone = undo(client, undone).await;
    assert_eq!(&state(client).await, after, "redo");
    let last = undo(client, redone).await;
    assert_eq!(&state(client).await, before, "undo of the redo");
    last
}

/// A schema with a hostile name and, in it, a table with rows, constraints and an index.
async fn setup(client: &Client) {
    let schema = Ident::new(SCHEMA).unwrap();
    let table = QualifiedName::new(schema.clone(), Ident::new(TABLE).unwrap());
    let column = Ident::new(COLUMN).unwrap();
    client
        .batch_execute(&format!(
            "CREATE SCHEMA {schema};
             CREATE TABLE {table} (
                 id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                 {column} varchar(20) COLLATE \"C\" NOT NULL DEFAULT 'x' CHECK ({column} <> 'bad') UNIQUE,
                 qty numeric(10,2),
                 txt text,
                 j jsonb NOT NULL);
             CREATE INDEX {} ON {table} (lower({column}));
             INSERT INTO {table} ({column}, qty, txt, j)
             VALUES ('ä \"1\"', 1.50, '  5', '1'), ('b', NULL, '7', '2.0'), ('c', 12.34, NULL, '-3');
             SELECT strata.audit_all();",
            Ident::new("by lower").unwrap()
        ))
        .await
        .unwrap();
}

fn path<'a>(table: &'a str) -> TablePath<'a> {
    TablePath::new("db", SCHEMA, table)
}

#[tokio::test]
async fn a_created_table_is_trashed_by_undo_and_comes_back_by_redo() {
    let db = TestDb::new().await;
    let mut client = db.client().await;
    setup(&client).await;
    let before = state(&client).await;
    let columns = [NewColumn { name: COLUMN.into(), type_name: "numeric(8,3)".into(), nullable: false }];
    let id = act(&mut client, ActionKind::CreateTable, async |tx| {
        ddl::table::create(tx, path("new \"t\""), &columns).await.map(|_| ())
    })
    .await;
    let table = format!("{}.{}", Ident::new(SCHEMA).unwrap(), Ident::new("new \"t\"").unwrap());
    client.execute(&format!("INSERT INTO {table} ({}) VALUES (1.5)", Ident::new(COLUMN).unwrap()), &[]).await.unwrap();
    let after = state(&client).await;
    round_trip(&mut client, id, &before, &after).await;
    // The trashed table is hidden from listings but kept.
    let tables = strata_db::catalog::relations(&client, "db", SCHEMA).await.unwrap();
    assert_eq!(tables.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), [TABLE]);
}

#[tokio::test]
async fn a_deleted_table_keeps_its_rows_ids_history_and_references() {
    let db = TestDb::new().await;
    let mut client = db.client().await;
    setup(&client).await;
    let table = QualifiedName::new(Ident::new(SCHEMA).unwrap(), Ident::new(TABLE).unwrap());
    client
        .batch_execute(&format!(
            "CREATE TABLE public.lines (id int PRIMARY KEY, order_id bigint REFERENCES {table} (id));
             INSERT INTO public.lines VALUES (1, 1), (2, 3);
             CREATE TABLE public.customers (id int PRIMARY KEY);
             INSERT INTO public.customers VALUES (9);
             ALTER TABLE {table} ADD COLUMN customer int REFERENCES public.customers (id);
             UPDATE {table} SET customer = 9 WHERE id = 2;
             CREATE VIEW public.cheap AS SELECT id, qty FROM {table} WHERE qty < 5;
             SELECT strata.audit_all();"
        ))
        .await
        .unwrap();
    let history_before: i64 = client
        .query_one(
            &format!("SELECT count(*) FROM strata.\"history_{}\"", relid(&client, &table.to_string()).await),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(history_before, 1, "the update of customer is in the history");

    let refused = {
        let tx = client.transaction().await.unwrap();
        ddl::table::drop(&tx, path(TABLE), false).await.unwrap_err()
    };
    assert!(matches!(refused, DdlError::Referenced { .. }), "{refused}");

    let before = state(&client).await;
    let id = act(&mut client, ActionKind::DeleteTable, async |tx| ddl::table::drop(tx, path(TABLE), true).await).await;
    let after = state(&client).await;
    assert!(after["relations"].get(table.to_string()).is_none());
    assert!(after["relations"].get("public.cheap").is_none(), "the view went with the table");
    // The customers are not held by the deleted table's foreign key any more.
    client.execute("DELETE FROM public.customers", &[]).await.unwrap();
    client.execute("INSERT INTO public.customers VALUES (9)", &[]).await.unwrap();
    let after = {
        let now = state(&client).await;
        assert_eq!(now, after);
        now
    };
    round_trip(&mut client, id, &before, &after).await;
    let history: i64 = client
        .query_one(
            &format!("SELECT count(*) FROM strata.\"history_{}\"", relid(&client, &table.to_string()).await),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(history, history_before, "history stays with the table");
}

#[tokio::test]
async fn a_deleted_table_whose_name_was_taken_cannot_come_back_and_nothing_changes() {
    let db = TestDb::new().await;
    let mut client = db.client().await;
    setup(&client).await;
    let id = act(&mut client, ActionKind::DeleteTable, async |tx| ddl::table::drop(tx, path(TABLE), false).await).await;
    let columns = [NewColumn { name: "a".into(), type_name: "text".into(), nullable: true }];
    act(&mut client, ActionKind::CreateTable, async |tx| {
        ddl::table::create(tx, path(TABLE), &columns).await.map(|_| ())
    })
    .await;
    let before = state(&client).await;
    let tx = client.transaction().await.unwrap();
    action::begin(&tx, ActionKind::Undo, "Undid").await.unwrap();
    let err = steps::undo(&tx, id).await.unwrap_err();
    drop(tx);
    let message = err.to_string();
    assert!(matches!(err, DdlError::Refused(_)), "{message}");
    assert!(message.contains("is taken") && message.contains(&format!("{TABLE:?}")), "{message}");
    assert_eq!(state(&client).await, before);
}

#[tokio::test]
async fn a_deleted_schema_comes_back_with_its_tables_and_views() {
    let db = TestDb::new().await;
    let mut client = db.client().await;
    setup(&client).await;
    let schema = Ident::new(SCHEMA).unwrap();
    client
        .batch_execute(&format!(
            "CREATE TABLE {schema}.lines (id int PRIMARY KEY, order_id bigint REFERENCES {schema}.{} (id));
             INSERT INTO {schema}.lines VALUES (1, 2);
             CREATE VIEW {schema}.v AS SELECT * FROM {schema}.lines;
             CREATE VIEW {schema}.w AS SELECT * FROM {schema}.v;
             SELECT strata.audit_all();",
            Ident::new(TABLE).unwrap()
        ))
        .await
        .unwrap();
    let before = state(&client).await;
    let id =
        act(&mut client, ActionKind::DeleteSchema, async |tx| ddl::schema::drop(tx, "db", SCHEMA, true).await).await;
    let after = state(&client).await;
    assert_eq!(after["schemas"], serde_json::json!(["public"]));
    round_trip(&mut client, id, &before, &after).await;
}

#[tokio::test]
async fn schemas_tables_and_columns_created_and_renamed_are_undone() {
    let db = TestDb::new().await;
    let mut client = db.client().await;
    setup(&client).await;
    let before = state(&client).await;
    let id =
        act(&mut client, ActionKind::CreateSchema, async |tx| ddl::schema::create(tx, "ü \"new\"").await.map(|_| ()))
            .await;
    let after = state(&client).await;
    round_trip(&mut client, id, &before, &after).await;

    let renamed = "rénamed \"s\"; --";
    let id = act(&mut client, ActionKind::RenameSchema, async |tx| {
        ddl::schema::rename(tx, "db", SCHEMA, renamed).await.map(|_| ())
    })
    .await;
    let after = state(&client).await;
    assert!(after["schemas"].as_array().unwrap().contains(&Value::from(renamed)));
    round_trip(&mut client, id, &before, &after).await;

    let id = act(&mut client, ActionKind::RenameTable, async |tx| {
        ddl::table::rename(tx, path(TABLE), "t \"2\"").await.map(|_| ())
    })
    .await;
    let after = state(&client).await;
    round_trip(&mut client, id, &before, &after).await;

    let change = ColumnChange { name: Some("n \"2\"".into()), type_name: None };
    let id = act(&mut client, ActionKind::AlterColumn, async |tx| {
        ddl::column::alter(tx, path(TABLE), COLUMN, &change).await.map(|_| ())
    })
    .await;
    let after = state(&client).await;
    round_trip(&mut client, id, &before, &after).await;
}

#[tokio::test]
async fn an_added_column_is_dropped_by_undo_and_comes_back_with_its_values() {
    let db = TestDb::new().await;
    let mut client = db.client().await;
    setup(&client).await;
    let before = state(&client).await;
    let column = NewColumn { name: "ädded \"c\"".into(), type_name: "varchar(7)".into(), nullable: true };
    let id = act(&mut client, ActionKind::AddColumn, async |tx| {
        ddl::column::add(tx, path(TABLE), &column).await.map(|_| ())
    })
    .await;
    let table = QualifiedName::new(Ident::new(SCHEMA).unwrap(), Ident::new(TABLE).unwrap());
    let sql = format!("UPDATE {table} SET {} = 'v' || id", Ident::new(column.name.as_str()).unwrap());
    client.execute(&sql, &[]).await.unwrap();
    let after = state(&client).await;
    round_trip(&mut client, id, &before, &after).await;
}

#[tokio::test]
async fn a_dropped_column_comes_back_with_its_definition_values_and_history() {
    let db = TestDb::new().await;
    let mut client = db.client().await;
    setup(&client).await;
    let table = QualifiedName::new(Ident::new(SCHEMA).unwrap(), Ident::new(TABLE).unwrap());
    let column = Ident::new(COLUMN).unwrap();
    client.execute(&format!("UPDATE {table} SET {column} = 'b2' WHERE id = 2"), &[]).await.unwrap();
    let before = state(&client).await;
    let id =
        act(&mut client, ActionKind::DropColumn, async |tx| ddl::column::drop(tx, path(TABLE), COLUMN).await).await;
    let after = state(&client).await;
    assert_eq!(kept_tables(&client).await, 1, "the values are kept");
    round_trip(&mut client, id, &before, &after).await;

    // The history of the column continues under its new attnum.
    let relid = relid(&client, &table.to_string()).await;
    let history: Option<String> = client
        .query_one(
            &format!(
                "SELECT h.{}::text FROM strata.\"history_{relid}\" h WHERE h._op = 'U'",
                history_column(&client, relid, COLUMN).await
            ),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(history.as_deref(), Some("b"));
    client.execute(&format!("UPDATE {table} SET {column} = 'b3' WHERE id = 2"), &[]).await.unwrap();
    let entries: i64 =
        client.query_one(&format!("SELECT count(*) FROM strata.\"history_{relid}\""), &[]).await.unwrap().get(0);
    assert_eq!(entries, 2);
}

#[tokio::test]
async fn a_retype_is_undone_to_the_exact_old_values() {
    let db = TestDb::new().await;
    let mut client = db.client().await;
    setup(&client).await;
    // jsonb has no cast back from integer: the undo empties the column, then restores every value.
    for (column, type_name) in [("qty", "integer"), ("txt", "integer"), (COLUMN, "text"), ("j", "integer")] {
        let before = state(&client).await;
        let change = ColumnChange { name: None, type_name: Some(type_name.into()) };
        let id = act(&mut client, ActionKind::AlterColumn, async |tx| {
            ddl::column::alter(tx, path(TABLE), column, &change).await.map(|_| ())
        })
        .await;
        let after = state(&client).await;
        assert_ne!(after, before);
        round_trip(&mut client, id, &before, &after).await;
    }
}

#[tokio::test]
async fn a_refused_retype_records_nothing() {
    let db = TestDb::new().await;
    let mut client = db.client().await;
    setup(&client).await;
    let before = state(&client).await;
    let tx = client.transaction().await.unwrap();
    let id = action::begin(&tx, ActionKind::AlterColumn, "retype").await.unwrap();
    let change = ColumnChange { name: None, type_name: Some("date".into()) };
    let err = ddl::column::alter(&tx, path(TABLE), "txt", &change).await.unwrap_err();
    assert!(matches!(err, DdlError::RetypeRefused { .. }), "{err}");
    assert!(!steps::has_steps(&tx, id).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(state(&client).await, before);
    assert_eq!(kept_tables(&client).await, 0);
}

#[tokio::test]
async fn an_import_is_undone_by_trashing_its_table_and_an_append_is_history() {
    let db = TestDb::new().await;
    let mut client = db.client().await;
    let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    file.write_all("name,qty\nä,1\nb,2\n".as_bytes()).unwrap();
    let plan = strata_import::plan(file.path(), &ImportOptions::default(), &mut |_| {}).unwrap();
    let table = QualifiedName::new(Ident::new("public").unwrap(), Ident::new("imp \"1\"").unwrap());
    let before = state(&client).await;
    let tx = client.transaction().await.unwrap();
    let id = action::begin(&tx, ActionKind::Import, "import").await.unwrap();
    load::create_and_load(&tx, &table, file.path(), &plan, Box::new(|_| {})).await.unwrap();
    tx.commit().await.unwrap();
    let after = state(&client).await;
    let relid = relid(&client, &table.to_string()).await;
    let history = format!("SELECT count(*) FROM strata.\"history_{relid}\"");
    let entries: i64 = client.query_one(&history, &[]).await.unwrap().get(0);
    assert_eq!(entries, 0, "imported rows are not history");
    let last = round_trip(&mut client, id, &before, &after).await;
    undo(&mut client, last).await;
    assert_eq!(state(&client).await, after);

    let tx = client.transaction().await.unwrap();
    action::begin(&tx, ActionKind::Append, "append").await.unwrap();
    load::append(&tx, &table, file.path(), &plan, &Default::default(), Default::default(), Box::new(|_| {}))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let entries: i64 = client.query_one(&history, &[]).await.unwrap().get(0);
    assert_eq!(entries, 2, "appended rows are inserts in the history");
}

#[tokio::test]
async fn forget_drops_what_the_steps_kept() {
    let db = TestDb::new().await;
    let mut client = db.client().await;
    setup(&client).await;
    let table = QualifiedName::new(Ident::new(SCHEMA).unwrap(), Ident::new(TABLE).unwrap());
    let relid = relid(&client, &table.to_string()).await;
    let dropped =
        act(&mut client, ActionKind::DropColumn, async |tx| ddl::column::drop(tx, path(TABLE), "qty").await).await;
    let deleted =
        act(&mut client, ActionKind::DeleteTable, async |tx| ddl::table::drop(tx, path(TABLE), false).await).await;
    assert_eq!(kept_tables(&client).await, 1);
    let tx = client.transaction().await.unwrap();
    steps::forget(&tx, dropped).await.unwrap();
    steps::forget(&tx, deleted).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(kept_tables(&client).await, 0);
    let left: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_class WHERE relname IN ($1, $2) OR oid = $3",
            &[&format!("deleted_{relid}"), &format!("history_{relid}"), &relid],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "the deleted table and its history are gone");
}

async fn relid(client: &Client, table: &str) -> u32 {
    client.query_one("SELECT $1::text::regclass::oid", &[&table]).await.unwrap().get(0)
}

/// The history column of the table's column `name` as it is now.
async fn history_column(client: &Client, relid: u32, name: &str) -> String {
    let row = client
        .query_one(
            "SELECT quote_ident(strata.history_column(attnum, atttypid)) FROM pg_attribute \
             WHERE attrelid = $1 AND attname = $2",
            &[&relid, &name],
        )
        .await
        .unwrap();
    row.get(0)
}

async fn kept_tables(client: &Client) -> i64 {
    let sql = "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
               WHERE n.nspname = 'strata' AND starts_with(c.relname, 'kept_')";
    client.query_one(sql, &[]).await.unwrap().get(0)
}
