//! The undo property against real PostgreSQL: any sequence of actions (inserts, updates, deletes,
//! key changes; NULLs, unicode, jsonb, numerics with scale, dates, floats; a table keyed by a
//! `GENERATED ALWAYS` identity), undone newest first, gives back every table exactly as it was
//! after each earlier action (`to_jsonb` of every row, ids included); redone oldest first, exactly
//! as it was after each; undone again, exactly the start.

mod audit_common;

use audit_common::{act, database, redo, rows, undo};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use tokio_postgres::Client;

/// One statement of an action. Keys are small so that actions touch the same rows.
#[derive(Debug, Clone)]
enum Statement {
    Insert { id: i32, values: Values },
    Update { from: i32, to: i32, values: Values },
    Rekey { from: i32, to: i32 },
    Delete { from: i32, to: i32 },
    InsertIdentity { body: Option<String> },
    UpdateIdentity { modulo: i32, body: Option<String> },
    DeleteIdentity { modulo: i32 },
}

/// A row's values, as text PostgreSQL casts.
#[derive(Debug, Clone)]
struct Values {
    text: Option<String>,
    json: Option<String>,
    amount: Option<String>,
    day: Option<String>,
    ratio: Option<f64>,
}

fn values() -> impl Strategy<Value = Values> {
    let text = proptest::option::of(prop_oneof!["[a-z]{0,4}", "\\PC{0,6}", Just("ünï 😀 \"q\"".to_string())]);
    let json = proptest::option::of(prop_oneof![
        Just("null".to_string()),
        Just("{\"a\": [1, 2.50, \"x\"], \"b\": {\"ü\": null}}".to_string()),
        (0..100i32).prop_map(|n| format!("[{n}, \"{n}\"]")),
    ]);
    let amount = proptest::option::of(prop_oneof![
        Just("1.50".to_string()),
        Just("1.5".to_string()),
        Just("-0.00".to_string()),
        (0..10_000i32).prop_map(|n| format!("{}.{:02}", n / 100, n % 100)),
    ]);
    let day = proptest::option::of((2000..2030i32, 1..13i32, 1..29i32).prop_map(|(y, m, d)| format!("{y}-{m}-{d}")));
    let ratio = proptest::option::of(prop_oneof![Just(0.1), Just(-0.0), Just(1e300), -10.0..10.0f64]);
    (text, json, amount, day, ratio).prop_map(|(text, json, amount, day, ratio)| Values {
        text,
        json,
        amount,
        day,
        ratio,
    })
}

fn statement() -> impl Strategy<Value = Statement> {
    let body = proptest::option::of("\\PC{0,5}");
    prop_oneof![
        (1..8i32, values()).prop_map(|(id, values)| Statement::Insert { id, values }),
        (1..8i32, 0..3i32, values()).prop_map(|(from, n, values)| Statement::Update { from, to: from + n, values }),
        (1..8i32, 1..12i32).prop_map(|(from, to)| Statement::Rekey { from, to }),
        (1..8i32, 0..2i32).prop_map(|(from, n)| Statement::Delete { from, to: from + n }),
        body.clone().prop_map(|body| Statement::InsertIdentity { body }),
        (2..4i32, body).prop_map(|(modulo, body)| Statement::UpdateIdentity { modulo, body }),
        (2..5i32).prop_map(|modulo| Statement::DeleteIdentity { modulo }),
    ]
}

/// Literal SQL of a value: a dollar-quoted string (the generator's text never holds the tag).
fn literal(value: &Option<String>) -> String {
    match value {
        Some(text) => format!("$strata${text}$strata$"),
        None => "NULL".to_string(),
    }
}

impl Statement {
    fn sql(&self) -> String {
        let set = |v: &Values| {
            format!(
                "{}::text, {}::jsonb, {}::numeric, {}::date, {}::float8",
                literal(&v.text),
                literal(&v.json),
                literal(&v.amount),
                literal(&v.day),
                v.ratio.map_or("NULL".to_string(), |r| format!("{r:e}"))
            )
        };
        match self {
            Statement::Insert { id, values } => {
                format!("INSERT INTO items VALUES ({id}, {}) ON CONFLICT DO NOTHING", set(values))
            }
            Statement::Update { from, to, values } => {
                format!("UPDATE items SET (t, j, n, d, f) = ROW({}) WHERE id BETWEEN {from} AND {to}", set(values))
            }
            Statement::Rekey { from, to } => format!(
                "UPDATE items SET id = {to} WHERE id = {from} AND NOT EXISTS (SELECT FROM items WHERE id = {to})"
            ),
            Statement::Delete { from, to } => format!("DELETE FROM items WHERE id BETWEEN {from} AND {to}"),
            Statement::InsertIdentity { body } => format!("INSERT INTO notes (body) VALUES ({})", literal(body)),
            Statement::UpdateIdentity { modulo, body } => {
                format!("UPDATE notes SET body = {} WHERE id % {modulo} = 0", literal(body))
            }
            Statement::DeleteIdentity { modulo } => format!("DELETE FROM notes WHERE id % {modulo} = 1"),
        }
    }
}

const TABLES: &str = "CREATE TABLE items (id integer PRIMARY KEY, t text, j jsonb, n numeric(12,2), d date, f float8); \
                      CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text, \
                                          size integer GENERATED ALWAYS AS (length(body)) STORED)";

async fn state(client: &Client) -> (String, String) {
    (rows(client, "items", "id").await, rows(client, "notes", "id").await)
}

async fn check(client: &mut Client, actions: &[Vec<Statement>]) -> Result<(), TestCaseError> {
    client.batch_execute("TRUNCATE items, notes").await.map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut states = vec![state(client).await];
    let mut ids = Vec::new();
    for statements in actions {
        let sql = statements.iter().map(Statement::sql).collect::<Vec<_>>().join("; ");
        ids.push(act(client, &sql).await);
        states.push(state(client).await);
    }
    for (i, id) in ids.iter().enumerate().rev() {
        undo(client, *id, false).await.map_err(|e| TestCaseError::fail(format!("undo {id}: {e}")))?;
        prop_assert_eq!(&state(client).await, &states[i], "after undoing action {}", i);
    }
    for (i, id) in ids.iter().enumerate() {
        redo(client, *id).await.map_err(|e| TestCaseError::fail(format!("redo {id}: {e}")))?;
        prop_assert_eq!(&state(client).await, &states[i + 1], "after redoing action {}", i);
    }
    for id in ids.iter().rev() {
        undo(client, *id, false).await.map_err(|e| TestCaseError::fail(format!("undo again {id}: {e}")))?;
    }
    prop_assert_eq!(&state(client).await, &states[0]);
    Ok(())
}

#[test]
fn undo_all_newest_first_gives_back_every_state() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (db, client) = runtime.block_on(database(TABLES));
    let slot = std::cell::RefCell::new(Some(client));
    let mut runner = TestRunner::new(Config { cases: 24, failure_persistence: None, ..Config::default() });
    let actions = proptest::collection::vec(proptest::collection::vec(statement(), 1..4), 1..8);
    let result = runner.run(&actions, |actions| {
        let mut client = slot.borrow_mut().take().expect("a client");
        let result = runtime.block_on(check(&mut client, &actions));
        *slot.borrow_mut() = Some(client);
        result
    });
    drop(db);
    if let Err(err) = result {
        panic!("{err}");
    }
}
