//! The model properties against real PostgreSQL, on random data and random chains of steps
//! (extract, nested extract, move, merge, split, rename, retype, add and drop columns; hostile
//! names):
//! (extract, nested extract, move, split by columns and by rows, rename, retype, add and drop
//! columns; hostile names):
//! - after every step, reading every earlier model gives exactly what it gave before the step;
//! - a row written through any model reads back unchanged through that model, and every model
//!   then holds the same rows;
//! - undoing the steps newest first gives back, after each undo, the physical tables exactly as
//!   they were just before that step (`to_jsonb` of every row, column names and types).

mod audit_common;

use std::collections::BTreeMap;

use audit_common::{database, undo};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use strata_db::audit::action::{self, ActionKind};
use strata_db::model::{self, Change};
use tokio_postgres::Client;

const SCHEMA: &str = "Lädchen \"; drop table x; --";
const TABLE: &str = "Bestellungen \"neu\"";
const NAME: &str = "Kunde ä";
const EMAIL: &str = "e-mail \"q\"";
const CITY: &str = "City; drop table x; --";
const QTY: &str = "Qty";
const PRICE: &str = "Price 💶";
const DAY: &str = "Day";
/// The table the even orders are split off into by rows.
const EVEN: &str = "Gerade \"Bestellungen\"; --";

/// A customer of the generated orders: the email determines the rest.
#[derive(Debug, Clone)]
struct Customer {
    name: Option<String>,
    email: Option<String>,
    city: Option<String>,
}

/// One generated order.
#[derive(Debug, Clone)]
struct Order {
    customer: Option<usize>,
    qty: Option<i32>,
    price: Option<String>,
    day: Option<String>,
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z]{1,4}", "\\PC{1,5}", Just("O'Brien \"q\" ü".to_string())]
}

fn customers() -> impl Strategy<Value = Vec<Customer>> {
    let customer = (proptest::option::of(text()), proptest::option::of(prop_oneof![Just("Köln"), Just("Porto")]));
    proptest::collection::vec(customer, 1..5).prop_map(|drawn| {
        drawn
            .into_iter()
            .enumerate()
            .map(|(i, (name, city))| Customer {
                // The customer without an email has a name, so its city has a customer to move to.
                name: name.or_else(|| (i == 3).then(|| "Ohne Mail".to_string())),
                // Distinct emails, one of them NULL at most (the key must determine the rest).
                email: (i != 3).then(|| format!("kunde{i}@example.com")),
                city: city.map(str::to_string),
            })
            .collect()
    })
}

fn orders() -> impl Strategy<Value = Vec<Order>> {
    let order = (
        proptest::option::of(0..6usize),
        proptest::option::of(-5..50i32),
        proptest::option::of((0..100_000i32).prop_map(|n| format!("{}.{:02}", n / 100, n % 100))),
        proptest::option::of((2000..2030i32, 1..13i32, 1..29i32).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}"))),
    );
    proptest::collection::vec(order, 0..25).prop_map(|drawn| {
        drawn.into_iter().map(|(customer, qty, price, day)| Order { customer, qty, price, day }).collect()
    })
}

/// What a step does, picked among those the current model allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    ExtractCustomers,
    MoveCity,
    ExtractCities,
    MergeCustomers,
    SplitQty,
    RenameQty,
    RetypeQty,
    AddNote,
    DropDay,
    RenameTable,
    SplitEven,
}

/// The names in the current model that the next steps need.
#[derive(Debug, Clone)]
struct Names {
    table: String,
    customers: Option<String>,
    city_moved: bool,
    cities: bool,
    qty: Option<String>,
    qty_split: bool,
    qty_retyped: bool,
    note: bool,
    day: bool,
    renamed: bool,
    rows_split: bool,
    /// Since a merge of the customers: whether the city had been moved to them (it was merged
    /// back with them).
    merged: Option<bool>,
}

impl Names {
    fn new() -> Names {
        Names {
            table: TABLE.into(),
            customers: None,
            city_moved: false,
            cities: false,
            qty: Some(QTY.into()),
            qty_split: false,
            qty_retyped: false,
            note: false,
            day: true,
            renamed: false,
            rows_split: false,
            merged: None,
        }
    }

    fn allowed(&self) -> Vec<Kind> {
        let mut kinds = Vec::new();
        if self.customers.is_none() {
            kinds.push(Kind::ExtractCustomers);
        }
        // The model before a merge copies the merged columns through the customers extracted
        // again, which a city of the orders' own must not join.
        if self.customers.is_some() && !self.city_moved && !self.cities && self.merged != Some(false) {
            kinds.push(Kind::MoveCity);
        }
        if self.city_moved && !self.cities {
            kinds.push(Kind::ExtractCities);
        }
        // A merge refuses a table split by rows (the earlier models could not show it).
        if self.customers.is_some() && !self.cities && !self.rows_split {
            kinds.push(Kind::MergeCustomers);
        }
        if let Some(qty) = &self.qty {
            if !self.qty_split {
                kinds.push(Kind::SplitQty);
            }
            if qty == QTY {
                kinds.push(Kind::RenameQty);
            }
            if !self.qty_retyped && !self.qty_split {
                kinds.push(Kind::RetypeQty);
            }
        }
        if !self.note {
            kinds.push(Kind::AddNote);
        }
        if self.day {
            kinds.push(Kind::DropDay);
        }
        if !self.renamed {
            kinds.push(Kind::RenameTable);
        }
        // The columns split off, a dropped column's kept values and a merge's kept links
        // reference the table by key, which a split by rows refuses.
        if !self.rows_split && !self.qty_split && self.day && self.merged.is_none() {
            kinds.push(Kind::SplitEven);
        }
        kinds
    }

    /// The change for `kind`, and these names after it.
    fn change(&mut self, kind: Kind) -> Change {
        let strings = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let table = self.table.clone();
        match kind {
            Kind::ExtractCustomers => {
                self.customers = Some("Kunden ü".into());
                Change::Extract {
                    table,
                    columns: strings(&[NAME, EMAIL]),
                    into: "Kunden ü".into(),
                    key: strings(&[EMAIL]),
                }
            }
            Kind::MoveCity => {
                self.city_moved = true;
                Change::Move { table, columns: strings(&[CITY]), link: "Kunden ü_id".into() }
            }
            Kind::ExtractCities => {
                self.cities = true;
                Change::Extract {
                    table: "Kunden ü".into(),
                    columns: strings(&[CITY]),
                    into: "Städte".into(),
                    key: Vec::new(),
                }
            }
            Kind::MergeCustomers => {
                // Customers (and the city moved to them) come back; they can be extracted again.
                self.customers = None;
                self.merged = Some(self.city_moved);
                self.city_moved = false;
                Change::Merge { table, link: "Kunden ü_id".into() }
            }
            Kind::SplitQty => {
                self.qty_split = true;
                let qty = self.qty.clone().expect("qty");
                Change::SplitColumns { table, columns: vec![qty, PRICE.into()], into: "Extra \"x\"".into() }
            }
            Kind::RenameQty => {
                self.qty = Some("Menge 😀".into());
                let table = if self.qty_split { "Extra \"x\"".to_string() } else { table };
                Change::RenameColumn { table, column: QTY.into(), to: "Menge 😀".into() }
            }
            Kind::RetypeQty => {
                self.qty_retyped = true;
                let column = self.qty.clone().expect("qty");
                Change::Retype { table, column, type_name: "bigint".into(), using: None, lossy: false }
            }
            Kind::AddNote => {
                self.note = true;
                Change::AddColumn { table, column: "Notiz 'n'".into(), type_name: "text".into() }
            }
            Kind::DropDay => {
                self.day = false;
                Change::DropColumn { table, column: DAY.into() }
            }
            Kind::RenameTable => {
                self.renamed = true;
                self.table = "Orders \"v2\"".into();
                Change::RenameTable { table, to: "Orders \"v2\"".into() }
            }
            Kind::SplitEven => {
                self.rows_split = true;
                Change::SplitRows { table, into: EVEN.into(), condition: "id % 2 = 0".into() }
            }
        }
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn literal(value: Option<&str>) -> String {
    value.map_or("NULL".to_string(), |v| format!("$strata${v}$strata$"))
}

fn setup(customers: &[Customer], orders: &[Order]) -> String {
    let (s, t) = (quote(SCHEMA), quote(TABLE));
    let mut sql = format!(
        "DROP SCHEMA IF EXISTS {s} CASCADE; CREATE SCHEMA {s}; \
         CREATE TABLE {s}.{t} (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, {} text, {} text, {} text, \
                               {} integer, {} numeric(8,2), {} date);",
        quote(NAME),
        quote(EMAIL),
        quote(CITY),
        quote(QTY),
        quote(PRICE),
        quote(DAY)
    );
    for order in orders {
        let customer = order.customer.and_then(|i| customers.get(i));
        sql.push_str(&format!(
            "INSERT INTO {s}.{t} ({}, {}, {}, {}, {}, {}) VALUES ({}, {}, {}, {}, {}::numeric, {}::date);",
            quote(NAME),
            quote(EMAIL),
            quote(CITY),
            quote(QTY),
            quote(PRICE),
            quote(DAY),
            literal(customer.and_then(|c| c.name.as_deref())),
            literal(customer.and_then(|c| c.email.as_deref())),
            literal(customer.and_then(|c| c.city.as_deref())),
            order.qty.map_or("NULL".into(), |q| q.to_string()),
            literal(order.price.as_deref()),
            literal(order.day.as_deref()),
        ));
    }
    sql
}

fn fail(context: &str) -> impl Fn(tokio_postgres::Error) -> TestCaseError + '_ {
    move |err| TestCaseError::fail(format!("{context}: {err:?}"))
}

/// Every table of every model, read through the model: `(model, table)` → rows as `to_jsonb`,
/// by key.
async fn read_models(client: &Client) -> Result<BTreeMap<(i32, String), String>, TestCaseError> {
    let models = model::mappings(client, SCHEMA).await.map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut read = BTreeMap::new();
    for (info, mapping) in models {
        for table in &mapping.tables {
            let key = table.key().map_or("id".to_string(), |k| k.name.clone());
            let sql = format!(
                "SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY t.{}), '[]')::text FROM {}.{} t",
                quote(&key),
                quote(&info.pg_schema),
                quote(&table.name)
            );
            let rows: String = client.query_one(&sql, &[]).await.map_err(fail(&sql))?.get(0);
            read.insert((info.id, table.name.clone()), rows);
        }
    }
    Ok(read)
}

/// The physical tables of the schema: name → (columns with types, rows as `to_jsonb` by `id`).
async fn physical(client: &Client) -> Result<BTreeMap<String, (Vec<String>, String)>, TestCaseError> {
    let tables = client
        .query(
            "SELECT c.relname::text, ARRAY(SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) \
                    FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1) \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'",
            &[&SCHEMA],
        )
        .await
        .map_err(fail("listing the tables"))?;
    let mut read = BTreeMap::new();
    for row in tables {
        let name: String = row.get(0);
        let sql = format!(
            "SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY t.id), '[]')::text FROM {}.{} t",
            quote(SCHEMA),
            quote(&name)
        );
        let rows: String = client.query_one(&sql, &[]).await.map_err(fail(&sql))?.get(0);
        read.insert(name, (row.get(1), rows));
    }
    Ok(read)
}

/// Applies `change` as one committed model action; its id.
async fn step(client: &mut Client, change: &Change) -> Result<i64, TestCaseError> {
    let tx = client.transaction().await.map_err(fail("begin"))?;
    let id = action::begin(&tx, ActionKind::Model, "a step").await.map_err(|e| TestCaseError::fail(e.to_string()))?;
    model::apply(&tx, SCHEMA, change).await.map_err(|e| TestCaseError::fail(format!("{change:?}: {e}")))?;
    tx.commit().await.map_err(fail("commit"))?;
    Ok(id)
}

/// Writes one flat row through the first model (the one every other is made from), and checks it
/// reads back there unchanged, then that every model holds the same rows of the main table.
async fn write_through_first(client: &Client, n: usize, names: &Names) -> Result<(), TestCaseError> {
    let models = model::list(client, SCHEMA).await.map_err(|e| TestCaseError::fail(e.to_string()))?;
    let first = &models[0];
    let (s, t) = (quote(&first.pg_schema), quote(TABLE));
    let email = format!("neu{n}@example.com");
    let insert = format!(
        "INSERT INTO {s}.{t} ({}, {}, {}, {}, {}) VALUES ('Neu {n}', '{email}', 'Köln', {n}, 1.50) RETURNING id",
        quote(NAME),
        quote(EMAIL),
        quote(CITY),
        quote(QTY),
        quote(PRICE)
    );
    let id: i64 = client.query_one(&insert, &[]).await.map_err(fail(&insert))?.get(0);
    let read = format!(
        "SELECT {}, {}, {}, {}::text, {}::text FROM {s}.{t} WHERE id = $1",
        quote(NAME),
        quote(EMAIL),
        quote(CITY),
        quote(QTY),
        quote(PRICE)
    );
    let row = client.query_one(&read, &[&id]).await.map_err(fail(&read))?;
    let got: (String, String, String, String, String) = (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
    prop_assert_eq!(got, (format!("Neu {n}"), email, "Köln".to_string(), n.to_string(), "1.50".to_string()));
    // Every model's main table holds the same rows.
    let mappings = model::mappings(client, SCHEMA).await.map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut counts = Vec::new();
    for (info, mapping) in &mappings {
        let main = mapping.tables.iter().find(|table| table.name == TABLE || table.name == names.table);
        let main = main.ok_or_else(|| TestCaseError::fail(format!("model {} has no orders", info.id)))?;
        // Models made after a split by rows hold the even orders in a table of their own.
        let mut count = 0;
        for table in std::iter::once(main.name.as_str()).chain(mapping.table(EVEN).map(|_| EVEN)) {
            let sql = format!("SELECT count(*) FROM {}.{}", quote(&info.pg_schema), quote(table));
            count += client.query_one(&sql, &[]).await.map_err(fail(&sql))?.get::<_, i64>(0);
        }
        counts.push(count);
    }
    prop_assert!(counts.windows(2).all(|w| w[0] == w[1]), "row counts by model: {:?}", counts);
    Ok(())
}

async fn check(
    client: &mut Client,
    customers: &[Customer],
    orders: &[Order],
    picks: &[usize],
) -> Result<(), TestCaseError> {
    client.batch_execute(&setup(customers, orders)).await.map_err(fail("setup"))?;
    audit_common::install(client).await;
    let mut names = Names::new();
    let mut before_steps = Vec::new();
    let mut actions = Vec::new();
    for (n, pick) in picks.iter().enumerate() {
        let allowed = names.allowed();
        let Some(&kind) = allowed.get(pick % allowed.len().max(1)) else { break };
        let change = names.change(kind);
        let models_before = read_models(client).await?;
        before_steps.push(physical(client).await?);
        actions.push(step(client, &change).await?);
        let models_after = read_models(client).await?;
        for (key, rows) in &models_before {
            prop_assert_eq!(models_after.get(key), Some(rows), "model {} table {} after {:?}", key.0, key.1, change);
        }
        write_through_first(client, n, &names).await?;
    }
    for (i, id) in actions.iter().enumerate().rev() {
        undo(client, *id, true).await.map_err(|e| TestCaseError::fail(format!("undo of step {i}: {e}")))?;
        let now = physical(client).await?;
        // The rows written through the first model after this step were undone by the cascade.
        prop_assert_eq!(&now, &before_steps[i], "after undoing step {}", i);
    }
    Ok(())
}

#[test]
fn every_model_reads_the_same_writes_round_trip_and_undo_restores_the_tables() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (db, client) = runtime.block_on(database("SELECT 1"));
    let slot = std::cell::RefCell::new(Some(client));
    let mut runner = TestRunner::new(Config { cases: 12, failure_persistence: None, ..Config::default() });
    let cases = (customers(), orders(), proptest::collection::vec(0..20usize, 5..9));
    let result = runner.run(&cases, |(customers, orders, picks)| {
        let mut client = slot.borrow_mut().take().expect("a client");
        let result = runtime.block_on(check(&mut client, &customers, &orders, &picks));
        *slot.borrow_mut() = Some(client);
        result
    });
    drop(db);
    if let Err(err) = result {
        panic!("{err}");
    }
}
