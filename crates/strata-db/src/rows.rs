//! A relation's rows: reading them a page at a time here, writing them in [`write`](mod@write), one record
//! with what references it in [`record`].
//!
//! [`RowQuery`] is PostgREST's query syntax parsed into typed values ([`Order`], [`Filter`],
//! [`Cursor`]); [`read`] renders it, against the relation's catalog, as one parameterized
//! statement and returns a [`Page`]. Every row leaves PostgreSQL the same way, written by a
//! [`Projection`] in the same statement (no query per row): its JSON object, its version (`xmin`
//! as text, which changes with every update, or for a view a digest of the row's values;
//! [`write::update`] checks it) and its links (for each
//! single-column foreign key, the referenced row's first text-like column, else its primary
//! key, as text: a [`Link`]). Keys ([`Key`]) are the primary key's values as text.
//!
//! - `select=a,b,"Order Date"`: the columns to return (default: all). Names may be quoted with
//!   `"`; inside quotes a backslash takes the next character literally.
//! - `order=City.asc,"Order Date".desc.nullsfirst`: the sort. The primary key is always appended
//!   (ascending) so the order is total and pages are stable. Defaults follow PostgreSQL:
//!   ascending puts NULLs last, descending first.
//! - `Country=eq.Germany`: a filter, with `eq neq gt gte lt lte like ilike is in`, each optionally
//!   prefixed by `not.`; `like`/`ilike` take `*` or `%` as wildcard; `is.null|true|false|unknown`;
//!   `in.(a,b,"c,d")`. A column named like a reserved key is filtered by quoting it: `"limit"=eq.3`.
//! - `q=text`: case-insensitive substring search over every string column.
//! - `limit` (1..=1000, default 100), `after` (a cursor from the previous page), `count=exact`.
//!
//! Pagination is keyset, never OFFSET: a cursor is base64url (no padding) of JSON
//! `{"order": [[column, "asc"|"desc", "first"|"last"], ...], "values": [text|null, ...]}`, the
//! order it was made for and the last row's values of that order's columns as PostgreSQL's text.
//! The next page is the rows strictly after those values in that order, rendered as an OR-chain
//! that is exact for mixed directions and NULLs.
//!
//! Every value is a bound parameter of type `text` (or JSON text read by `json_populate_record`
//! when writing), cast to the column's type as `format_type` spells it; every name is a
//! [`strata_sql::Ident`]. Rows are serialized by PostgreSQL (`to_json`), `bigint` and `numeric`
//! as strings so that no digit is lost in JavaScript.
//!
//! ```
//! use strata_db::rows::RowQuery;
//!
//! let query = RowQuery::parse([("order", "City.desc"), ("Country", "eq.Germany"), ("limit", "50")]).unwrap();
//! assert_eq!(query.limit, 50);
//! assert_eq!(query.order[0].column, "City");
//! assert!(RowQuery::parse([("limit", "5000")]).is_err());
//! ```

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use strata_sql::Ident;
use tokio_postgres::GenericClient;
use tokio_postgres::types::ToSql;

use crate::Error;
use crate::catalog::{Column, Relation};

mod keys;
mod project;
pub mod record;
pub mod write;

pub use keys::{Key, parse as parse_key};
pub use project::{Link, Projection, Row};

/// Rows per page unless `limit` says otherwise.
pub const DEFAULT_LIMIT: u32 = 100;
/// The largest page.
pub const MAX_LIMIT: u32 = 1000;
/// Query keys that are not column filters.
const RESERVED: [&str; 7] = ["select", "order", "limit", "after", "q", "count", "offset"];

/// One sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The column.
    pub column: String,
    /// Descending rather than ascending.
    pub descending: bool,
    /// NULLs before values rather than after.
    pub nulls_first: bool,
}

/// A comparison operator of a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `eq`: `=`.
    Eq,
    /// `neq`: `<>`.
    Neq,
    /// `gt`: `>`.
    Gt,
    /// `gte`: `>=`.
    Gte,
    /// `lt`: `<`.
    Lt,
    /// `lte`: `<=`.
    Lte,
}

/// What `is.` tests for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Is {
    /// `is.null`.
    Null,
    /// `is.true`.
    True,
    /// `is.false`.
    False,
    /// `is.unknown` (a NULL boolean).
    Unknown,
}

/// What a filter tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Test {
    /// Compares with a value of the column's type.
    Compare(Comparison, String),
    /// `LIKE` (or `ILIKE` when `case_insensitive`) with a pattern (`*` already turned into `%`).
    Like {
        /// The pattern.
        pattern: String,
        /// `ilike` rather than `like`.
        case_insensitive: bool,
    },
    /// `IS NULL`, `IS TRUE`, ...
    Is(Is),
    /// Equal to one of the values.
    In(Vec<String>),
}

/// A column filter such as `Country=eq.Germany`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// The query key as given, for messages.
    pub parameter: String,
    /// The column.
    pub column: String,
    /// `not.` was given.
    pub negated: bool,
    /// The test.
    pub test: Test,
}

/// Where the previous page ended: the order it was made for and the last row's values of
/// that order's columns (PostgreSQL's text, `None` for NULL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The complete order, primary key included.
    pub order: Vec<Order>,
    /// One value per sort key.
    pub values: Vec<Option<String>>,
}

impl Cursor {
    /// The opaque text form: base64url of JSON.
    pub fn encode(&self) -> String {
        let order: Vec<Value> = self
            .order
            .iter()
            .map(|key| {
                json!([
                    key.column,
                    if key.descending { "desc" } else { "asc" },
                    if key.nulls_first { "first" } else { "last" }
                ])
            })
            .collect();
        URL_SAFE_NO_PAD.encode(json!({ "order": order, "values": self.values }).to_string())
    }

    /// Reads [`Cursor::encode`]'s form back.
    pub fn decode(text: &str) -> Result<Cursor, Error> {
        let bad = || {
            bad("after", "not a cursor from a previous page of this API (they are opaque: pass `next` back unchanged)")
        };
        let bytes = URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).map_err(|_| bad())?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        let order = value["order"].as_array().ok_or_else(bad)?;
        let order = order
            .iter()
            .map(|key| match key.as_array().map(Vec::as_slice) {
                Some([Value::String(column), Value::String(direction), Value::String(nulls)]) => Ok(Order {
                    column: column.clone(),
                    descending: match direction.as_str() {
                        "asc" => false,
                        "desc" => true,
                        _ => return Err(bad()),
                    },
                    nulls_first: match nulls.as_str() {
                        "last" => false,
                        "first" => true,
                        _ => return Err(bad()),
                    },
                }),
                _ => Err(bad()),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let values = value["values"].as_array().ok_or_else(bad)?;
        let values = values
            .iter()
            .map(|value| match value {
                Value::Null => Ok(None),
                Value::String(text) => Ok(Some(text.clone())),
                _ => Err(bad()),
            })
            .collect::<Result<Vec<_>, _>>()?;
        if values.len() != order.len() || order.is_empty() {
            return Err(bad());
        }
        Ok(Cursor { order, values })
    }
}

/// A request for one page of rows, as parsed from the query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowQuery {
    /// Columns to return; `None` for all.
    pub select: Option<Vec<String>>,
    /// The sort the caller asked for (the primary key is appended when reading).
    pub order: Vec<Order>,
    /// Column filters, all of which must hold.
    pub filters: Vec<Filter>,
    /// Case-insensitive substring to find in any string column.
    pub search: Option<String>,
    /// Rows per page.
    pub limit: u32,
    /// Where the previous page ended.
    pub after: Option<Cursor>,
    /// Whether to count the matching rows exactly.
    pub count: bool,
}

impl Default for RowQuery {
    fn default() -> RowQuery {
        RowQuery {
            select: None,
            order: Vec::new(),
            filters: Vec::new(),
            search: None,
            limit: DEFAULT_LIMIT,
            after: None,
            count: false,
        }
    }
}

/// One page of rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Each row as a JSON object written by PostgreSQL, keys in column order.
    pub rows: Vec<String>,
    /// Each row's version (`xmin` as text; for a view, a digest of the row), parallel to `rows`.
    pub versions: Vec<Option<String>>,
    /// Each row's links (`{fk column: summary | null}` as JSON), parallel to `rows`.
    pub links: Vec<String>,
    /// The cursor for the next page, `None` on the last.
    pub next: Option<String>,
    /// The table's estimated row count (`pg_class.reltuples`), ignoring filters; `None` if unknown.
    pub estimated_total: Option<i64>,
    /// The exact number of rows matching the filters and search, when asked for.
    pub exact_total: Option<i64>,
}

fn bad(parameter: &str, reason: impl Into<String>) -> Error {
    Error::BadParameter { parameter: parameter.to_string(), reason: reason.into() }
}

impl RowQuery {
    /// Parses the query string's key/value pairs (already percent-decoded).
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<RowQuery, Error> {
        let mut query = RowQuery::default();
        let mut seen = Vec::new();
        for (key, value) in pairs {
            if RESERVED.contains(&key) {
                if seen.contains(&key) {
                    return Err(bad(key, "given more than once"));
                }
                seen.push(key);
            }
            match key {
                "select" => query.select = Some(parse_select(value)?),
                "order" => query.order = parse_order(value)?,
                "limit" => {
                    query.limit =
                        value.parse().ok().filter(|limit| (1..=MAX_LIMIT).contains(limit)).ok_or_else(|| {
                            bad("limit", format!("must be a whole number from 1 to {MAX_LIMIT}, not {value:?}"))
                        })?
                }
                "after" => query.after = Some(Cursor::decode(value)?),
                "q" => query.search = Some(value.to_string()).filter(|q| !q.is_empty()),
                "count" => {
                    query.count = match value {
                        "exact" => true,
                        "estimated" => false,
                        _ => return Err(bad("count", format!("must be `exact` or `estimated`, not {value:?}"))),
                    }
                }
                "offset" => return Err(bad("offset", "not supported: pages are keyset-paginated; pass `after`")),
                _ => query.filters.push(parse_filter(key, value)?),
            }
        }
        Ok(query)
    }
}

/// Reads a name or value at the start of `text`: `"quoted"` (a backslash escapes the next
/// character) or bare up to one of `stops`. Returns it and the rest.
fn take_name<'a>(text: &'a str, stops: &[char]) -> Result<(String, &'a str), String> {
    let Some(quoted) = text.strip_prefix('"') else {
        let end = text.find(stops).unwrap_or(text.len());
        return Ok((text[..end].to_string(), &text[end..]));
    };
    let mut name = String::new();
    let mut chars = quoted.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, escaped)) => name.push(escaped),
                None => break,
            },
            '"' => return Ok((name, &quoted[at + 1..])),
            c => name.push(c),
        }
    }
    Err(format!("a quoted name is not closed: {text:?}"))
}

fn parse_select(text: &str) -> Result<Vec<String>, Error> {
    if text == "*" {
        return Ok(Vec::new());
    }
    let mut names = Vec::new();
    let mut rest = text;
    loop {
        let (name, after) = take_name(rest, &[',']).map_err(|reason| bad("select", reason))?;
        if name.is_empty() {
            return Err(bad("select", format!("an empty column name in {text:?}")));
        }
        if names.contains(&name) {
            return Err(bad("select", format!("the column {name:?} is named twice")));
        }
        names.push(name);
        match after.strip_prefix(',') {
            Some(more) => rest = more,
            None if after.is_empty() => return Ok(names),
            None => return Err(bad("select", format!("expected `,` after a column name, found {after:?}"))),
        }
    }
}

fn parse_order(text: &str) -> Result<Vec<Order>, Error> {
    let mut keys = Vec::new();
    let mut rest = text;
    loop {
        let (column, mut after) = take_name(rest, &['.', ',']).map_err(|reason| bad("order", reason))?;
        if column.is_empty() {
            return Err(bad("order", format!("an empty column name in {text:?}")));
        }
        let (mut descending, mut nulls) = (None, None);
        while let Some(modifier) = after.strip_prefix('.') {
            let end = modifier.find(['.', ',']).unwrap_or(modifier.len());
            let (word, next) = modifier.split_at(end);
            match word {
                "asc" | "desc" if descending.is_none() => descending = Some(word == "desc"),
                "nullsfirst" | "nullslast" if nulls.is_none() => nulls = Some(word == "nullsfirst"),
                _ => {
                    return Err(bad(
                        "order",
                        format!(
                            "{word:?} after {column:?} is not asc, desc, nullsfirst or nullslast (quote names with dots)"
                        ),
                    ));
                }
            }
            after = next;
        }
        let descending = descending.unwrap_or(false);
        keys.push(Order { column, descending, nulls_first: nulls.unwrap_or(descending) });
        match after.strip_prefix(',') {
            Some(more) => rest = more,
            None if after.is_empty() => return Ok(keys),
            None => return Err(bad("order", format!("expected `,` or `.` after a column name, found {after:?}"))),
        }
    }
}

/// A `like` operand as a LIKE pattern: `*` is the wildcard (`%`), `\*` a literal star; `\%`, `\_`
/// and `\\` stay LIKE's escapes (backslash), so `%` and `_` match only themselves when escaped.
fn like_pattern(operand: &str) -> String {
    let mut pattern = String::with_capacity(operand.len());
    let mut chars = operand.chars();
    while let Some(c) = chars.next() {
        match c {
            '*' => pattern.push('%'),
            '\\' => match chars.next() {
                Some('*') => pattern.push('*'),
                Some(escaped) => {
                    pattern.push('\\');
                    pattern.push(escaped);
                }
                // A trailing backslash is a literal one (LIKE would refuse it).
                None => pattern.push_str("\\\\"),
            },
            other => pattern.push(other),
        }
    }
    pattern
}

fn parse_filter(key: &str, value: &str) -> Result<Filter, Error> {
    // `"limit"=eq.3` filters a column named like a reserved key; a key that is not one whole
    // quoted name is the column's name as it stands.
    let column = match take_name(key, &[]) {
        Ok((name, "")) if key.starts_with('"') => name,
        _ => key.to_string(),
    };
    let usage = "expected OPERATOR.VALUE with an operator among eq, neq, gt, gte, lt, lte, like, ilike, is, in \
                 (optionally after `not.`), such as `eq.Germany`";
    let (negated, value) = match value.strip_prefix("not.") {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let (operator, operand) = value.split_once('.').ok_or_else(|| bad(key, format!("{value:?}: {usage}")))?;
    let compare = |comparison| Test::Compare(comparison, operand.to_string());
    let test = match operator {
        "eq" => compare(Comparison::Eq),
        "neq" => compare(Comparison::Neq),
        "gt" => compare(Comparison::Gt),
        "gte" => compare(Comparison::Gte),
        "lt" => compare(Comparison::Lt),
        "lte" => compare(Comparison::Lte),
        "like" | "ilike" => Test::Like { pattern: like_pattern(operand), case_insensitive: operator == "ilike" },
        "is" => Test::Is(match operand {
            "null" => Is::Null,
            "true" => Is::True,
            "false" => Is::False,
            "unknown" => Is::Unknown,
            _ => return Err(bad(key, format!("is.{operand}: `is` takes null, true, false or unknown"))),
        }),
        "in" => {
            let inner = operand.strip_prefix('(').and_then(|rest| rest.strip_suffix(')')).ok_or_else(|| {
                bad(key, format!("in.{operand}: `in` takes a list in parentheses, such as in.(a,b,\"c,d\")"))
            })?;
            let mut values = Vec::new();
            let mut rest = inner;
            while !inner.is_empty() {
                let (item, after) = take_name(rest, &[',']).map_err(|reason| bad(key, reason))?;
                values.push(item);
                match after.strip_prefix(',') {
                    Some(more) => rest = more,
                    None if after.is_empty() => break,
                    None => return Err(bad(key, format!("expected `,` in the `in` list, found {after:?}"))),
                }
            }
            Test::In(values)
        }
        _ => return Err(bad(key, format!("unknown operator {operator:?}: {usage}"))),
    };
    Ok(Filter { parameter: key.to_string(), column, negated, test })
}

/// The statement for one page, and its parameters (all text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// SQL with `$n` placeholders.
    pub sql: String,
    /// The values, in placeholder order.
    pub params: Vec<String>,
}

/// A query resolved against a relation: every name found, the order complete.
struct Plan<'a> {
    select: Vec<&'a Column>,
    /// The caller's order with the primary key appended, each key with its column.
    order: Vec<(&'a Column, Order)>,
}

impl Plan<'_> {
    fn full_order(&self) -> Vec<Order> {
        self.order.iter().map(|(_, key)| key.clone()).collect()
    }
}

/// Renders the page statement and, when counting, the count statement.
pub fn render(projection: &Projection, query: &RowQuery) -> Result<(Statement, Option<Statement>), Error> {
    let relation = &projection.relation;
    let plan = resolve(relation, query)?;
    let mut binder = Binder::default();
    let mut conditions = Vec::new();
    for filter in &query.filters {
        let column = relation.column(&filter.column).expect("resolved");
        conditions.push(binder.filter(column, filter)?);
    }
    if let Some(search) = &query.search {
        conditions.push(binder.search(relation, search)?);
    }
    let table = table_name(relation)?;
    let count = query.count.then(|| Statement {
        sql: format!("SELECT count(*) FROM {table} AS t{}", where_clause(&conditions)),
        params: binder.params.clone(),
    });
    if let Some(cursor) = &query.after {
        if cursor.order != plan.full_order() {
            return Err(bad(
                "after",
                "this cursor was made for another order; start again without `after` when changing `order`",
            ));
        }
        conditions.push(binder.keyset(&plan, &cursor.values)?);
    }

    let order_by = |alias: &str| -> Result<String, Error> {
        let keys = plan
            .order
            .iter()
            .map(|(column, key)| {
                Ok(format!(
                    "{alias}.{} {} NULLS {}",
                    ident(&column.name)?,
                    if key.descending { "DESC" } else { "ASC" },
                    if key.nulls_first { "FIRST" } else { "LAST" }
                ))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(keys.join(", "))
    };
    let keys = plan
        .order
        .iter()
        .map(|(column, _)| Ok(format!(", p.{}::text", ident(&column.name)?)))
        .collect::<Result<String, Error>>()?;
    // The inner query sorts and limits on the bare table (so the planner can use an index or a
    // top-N sort); only the page's rows are then turned into JSON, re-sorted cheaply outside.
    let sql = format!(
        "SELECT {select}{keys} \
         FROM (SELECT t.* FROM {table} AS t{where_} ORDER BY {inner_order} LIMIT {limit}) AS p \
         ORDER BY {outer_order}",
        select = projection.select(&plan.select)?,
        where_ = where_clause(&conditions),
        inner_order = order_by("t")?,
        limit = query.limit + 1,
        outer_order = order_by("p")?,
    );
    Ok((Statement { sql, params: binder.params }, count))
}

fn resolve<'a>(relation: &'a Relation, query: &'a RowQuery) -> Result<Plan<'a>, Error> {
    let table = &relation.info.name;
    let find = |parameter: &str, name: &str| {
        relation.column(name).ok_or_else(|| bad(parameter, format!("{table:?} has no column {name:?}")))
    };
    let select = match &query.select {
        Some(names) if !names.is_empty() => {
            names.iter().map(|name| find("select", name)).collect::<Result<Vec<_>, _>>()?
        }
        _ => relation.columns.iter().collect(),
    };
    for filter in &query.filters {
        find(&filter.parameter, &filter.column)?;
    }
    if relation.primary_key.is_empty() {
        return Err(Error::NoPrimaryKey { schema: relation.schema.clone(), table: table.clone() });
    }
    let mut full_order: Vec<Order> = Vec::new();
    for key in &query.order {
        find("order", &key.column)?;
        if full_order.iter().any(|seen| seen.column == key.column) {
            return Err(bad("order", format!("the column {:?} is named twice", key.column)));
        }
        full_order.push(key.clone());
    }
    for name in &relation.primary_key {
        if !full_order.iter().any(|key| &key.column == name) {
            full_order.push(Order { column: name.clone(), descending: false, nulls_first: false });
        }
    }
    let order = full_order.into_iter().map(|key| (relation.column(&key.column).expect("checked"), key)).collect();
    Ok(Plan { select, order })
}

fn ident(name: &str) -> Result<Ident, Error> {
    // Catalog names always fit; a failure would be a bug, reported rather than panicking.
    Ident::new(name).map_err(|err| bad("name", err.to_string()))
}

fn table_name(relation: &Relation) -> Result<String, Error> {
    Ok(format!("{}.{}", ident(&relation.schema)?, ident(&relation.info.name)?))
}

fn where_clause(conditions: &[String]) -> String {
    if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) }
}

/// Collects parameters and hands out their placeholders.
#[derive(Default)]
struct Binder {
    params: Vec<String>,
}

impl Binder {
    /// `$n` for `value` as text.
    fn text(&mut self, value: &str) -> String {
        self.params.push(value.to_string());
        format!("${}::text", self.params.len())
    }

    /// `$n` cast to `column`'s type.
    fn typed(&mut self, column: &Column, value: &str) -> String {
        format!("CAST({} AS {})", self.text(value), column.type_name)
    }

    fn filter(&mut self, column: &Column, filter: &Filter) -> Result<String, Error> {
        let name = format!("t.{}", ident(&column.name)?);
        let test = match &filter.test {
            Test::Compare(comparison, value) => {
                let operator = match comparison {
                    Comparison::Eq => "=",
                    Comparison::Neq => "<>",
                    Comparison::Gt => ">",
                    Comparison::Gte => ">=",
                    Comparison::Lt => "<",
                    Comparison::Lte => "<=",
                };
                format!("{name} {operator} {}", self.typed(column, value))
            }
            Test::Like { pattern, case_insensitive } => {
                let operator = if *case_insensitive { "ILIKE" } else { "LIKE" };
                let subject = if column.text_like { name } else { format!("{name}::text") };
                format!("{subject} {operator} {}", self.text(pattern))
            }
            Test::Is(is) => {
                let what = match is {
                    Is::Null => "NULL",
                    Is::True => "TRUE",
                    Is::False => "FALSE",
                    Is::Unknown => "UNKNOWN",
                };
                format!("{name} IS {what}")
            }
            Test::In(values) if values.is_empty() => "false".to_string(),
            Test::In(values) => {
                let values: Vec<String> = values.iter().map(|value| self.typed(column, value)).collect();
                format!("{name} IN ({})", values.join(", "))
            }
        };
        Ok(if filter.negated { format!("NOT ({test})") } else { format!("({test})") })
    }

    fn search(&mut self, relation: &Relation, search: &str) -> Result<String, Error> {
        let mut pattern = String::from("%");
        for c in search.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        let columns: Vec<&Column> = relation.columns.iter().filter(|column| column.text_like).collect();
        if columns.is_empty() {
            return Ok("false".to_string());
        }
        let placeholder = self.text(&pattern);
        let tests = columns
            .iter()
            .map(|column| Ok(format!("t.{} ILIKE {placeholder}", ident(&column.name)?)))
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(format!("({})", tests.join(" OR ")))
    }

    /// Rows strictly after `values` in the plan's order:
    /// `k1 after v1 OR (k1 = v1 AND k2 after v2) OR ...`, where NULL equals NULL and "after"
    /// follows each key's direction and NULL placement.
    fn keyset(&mut self, plan: &Plan<'_>, values: &[Option<String>]) -> Result<String, Error> {
        let mut equal: Vec<String> = Vec::new();
        let mut branches = Vec::new();
        for ((column, key), value) in plan.order.iter().zip(values) {
            let name = format!("t.{}", ident(&column.name)?);
            let placeholder = value.as_ref().map(|value| self.typed(column, value));
            let after = match (&placeholder, key.nulls_first) {
                (None, true) => Some(format!("{name} IS NOT NULL")),
                (None, false) => None,
                (Some(value), nulls_first) => {
                    let operator = if key.descending { "<" } else { ">" };
                    Some(if nulls_first || !column.nullable {
                        format!("{name} {operator} {value}")
                    } else {
                        format!("({name} {operator} {value} OR {name} IS NULL)")
                    })
                }
            };
            if let Some(after) = after {
                let mut terms = equal.clone();
                terms.push(after);
                branches.push(format!("({})", terms.join(" AND ")));
            }
            equal.push(match &placeholder {
                None => format!("{name} IS NULL"),
                Some(value) => format!("{name} = {value}"),
            });
        }
        Ok(if branches.is_empty() { "false".to_string() } else { format!("({})", branches.join(" OR ")) })
    }
}

/// Reads one page of `schema.table` in the database `client` is connected to.
pub async fn read(
    client: &impl GenericClient,
    database: &str,
    schema: &str,
    table: &str,
    query: &RowQuery,
) -> Result<Page, Error> {
    let projection = Projection::load(client, database, schema, table).await?;
    let relation = &projection.relation;
    let (page, count) = render(&projection, query)?;
    let rows = match client.query(&page.sql, &params(&page.params)).await {
        Ok(rows) => rows,
        Err(err) => return Err(query_error(client, relation, query, err, "reading rows").await),
    };
    let (mut json, mut versions, mut links) = (Vec::new(), Vec::new(), Vec::new());
    let mut next = None;
    for (i, row) in rows.iter().enumerate() {
        if i == query.limit as usize {
            let last = &rows[i - 1];
            let values = (3..last.len()).map(|at| last.get::<_, Option<String>>(at)).collect();
            let order = resolve(relation, query)?.full_order();
            next = Some(Cursor { order, values }.encode());
            break;
        }
        let row = Row::read(row, 0);
        json.push(row.json);
        versions.push(row.version);
        links.push(row.links);
    }
    let exact_total = match count {
        Some(count) => match client.query_one(&count.sql, &params(&count.params)).await {
            Ok(row) => Some(row.get::<_, i64>(0)),
            Err(err) => return Err(query_error(client, relation, query, err, "counting rows").await),
        },
        None => None,
    };
    let page = Page { rows: json, versions, links, next, estimated_total: relation.info.estimated_rows, exact_total };
    Ok(page)
}

fn params(values: &[String]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|value| value as &(dyn ToSql + Sync)).collect()
}

/// Why `column`'s type refuses the text `value` (its input function's message, naming the value,
/// type and column), or `None` if it takes it. The one check behind every "which value was it"
/// search after a statement failed.
pub(crate) async fn refused_value(client: &impl GenericClient, column: &Column, value: &str) -> Option<String> {
    let sql = format!("SELECT CAST($1::text AS {})", column.type_name);
    let err = client.query_one(&sql, &[&value]).await.err()?;
    let reason = err.as_db_error().map_or_else(|| err.to_string(), |db| db.message().to_string());
    Some(format!("{value:?} is not a valid {} for {:?}: {reason}", column.type_name, column.name))
}

/// A value that does not fit its column's type, or an operator the type lacks, is the caller's
/// mistake (400), reported in PostgreSQL's words and naming the parameter; anything else is
/// Strata's. Only on failure are the values tried one by one to find the culprit.
async fn query_error(
    client: &impl GenericClient,
    relation: &Relation,
    query: &RowQuery,
    err: tokio_postgres::Error,
    context: &str,
) -> Error {
    let code = err.code().map(|code| code.code().to_string()).unwrap_or_default();
    let Some(message) = err.as_db_error().map(|db| db.message().to_string()) else {
        return Error::postgres(context)(err);
    };
    if code == "42883" || code == "42804" {
        let parameter = if message.contains("ordering operator") { "order" } else { "filter" };
        let parameter = query
            .filters
            .iter()
            .find(|filter| {
                matches!(filter.test, Test::Is(_))
                    || relation.column(&filter.column).is_some_and(|c| message.contains(&c.type_name))
            })
            .filter(|_| parameter == "filter")
            .map_or(parameter, |filter| filter.parameter.as_str());
        return bad(parameter, format!("the column's type does not allow this: {message}"));
    }
    if !code.starts_with("22") {
        return Error::postgres(context)(err);
    }
    let mut suspects: Vec<(&str, &Column, &str)> = Vec::new();
    for filter in &query.filters {
        let Some(column) = relation.column(&filter.column) else { continue };
        match &filter.test {
            Test::Compare(_, value) => suspects.push((&filter.parameter, column, value)),
            Test::In(values) => {
                suspects.extend(values.iter().map(|value| (filter.parameter.as_str(), column, value.as_str())))
            }
            Test::Like { .. } | Test::Is(_) => {}
        }
    }
    if let Some(cursor) = &query.after {
        for (key, value) in cursor.order.iter().zip(&cursor.values) {
            if let (Some(column), Some(value)) = (relation.column(&key.column), value) {
                suspects.push(("after", column, value));
            }
        }
    }
    for (parameter, column, value) in suspects {
        if let Some(reason) = refused_value(client, column, value).await {
            return bad(parameter, reason);
        }
    }
    let parameter = query.filters.first().map_or("q", |filter| filter.parameter.as_str());
    bad(parameter, format!("a value does not fit its column: {message}"))
}
