//! The catalog of models, `strata.model`: one row per model of a schema that has had a step.
//! [`list`] reads it; a step's rows are chosen by [`next`] and written by the step
//! [`Step::AddModel`](crate::audit::steps::Step::AddModel).

use serde::Serialize;
use tokio_postgres::{GenericClient, Transaction};

use super::Op;
use crate::Error;
use crate::audit::steps::ModelRow;

/// One model of a schema, as `strata model list` and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelInfo {
    /// Its number in the schema: 1 for the first, in the order they were made.
    pub id: i32,
    /// Its name (`v1`, `v2`, ...).
    pub name: String,
    /// When it was made, RFC 3339; none for a schema's first model before any step.
    pub created_at: Option<String>,
    /// How many steps led to it from the first model.
    pub steps: i32,
    /// The PostgreSQL schema holding its tables (the current model's) or views (an earlier one's).
    pub pg_schema: String,
    /// Whether it is the newest model, the physical tables.
    pub current: bool,
    /// The step that made it from the model before; none for the first.
    pub op: Option<Op>,
    /// What that step did, for people ("Extracted customers from orders").
    pub summary: String,
    /// The action that made it (undo it to go back), when recorded.
    pub action: Option<i64>,
}

/// The models of `schema`, oldest first; a schema that never had a step has one, its tables.
/// A model whose step this Strata cannot read (written by a newer one) is an error.
pub async fn list(client: &impl GenericClient, schema: &str) -> Result<Vec<ModelInfo>, Error> {
    let rows = client
        .query(
            "SELECT m.number, m.name, to_char(m.made_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), \
                    m.pg_schema, m.op::text, m.action, \
                    m.number = max(m.number) OVER () \
             FROM strata.model m JOIN pg_namespace n ON n.oid = m.namespace WHERE n.nspname = $1 ORDER BY m.number",
            &[&schema],
        )
        .await
        .map_err(Error::postgres("reading the schema's models"))?;
    if rows.is_empty() {
        return match views_of(client, schema).await? {
            None => Ok(vec![first(schema)]),
            Some((model, of)) => Err(Error::BadParameter {
                parameter: "schema".into(),
                reason: format!("{schema} holds the views of model {model} of {of}; list the models of {of}"),
            }),
        };
    }
    rows.iter()
        .map(|row| {
            let number: i32 = row.get(0);
            let current: bool = row.get(6);
            let op = match row.get::<_, Option<String>>(4) {
                Some(json) => Some(serde_json::from_str::<Op>(&json).map_err(|err| Error::BadParameter {
                    parameter: "model".into(),
                    reason: format!("model {number} of {schema:?} was made by a newer Strata ({err})"),
                })?),
                None => None,
            };
            Ok(ModelInfo {
                id: number,
                name: row.get(1),
                created_at: Some(row.get(2)),
                steps: number - 1,
                pg_schema: if current { schema.to_string() } else { row.get(3) },
                current,
                summary: op.as_ref().map_or_else(|| "The tables as imported".to_string(), Op::summary),
                op,
                action: row.get(5),
            })
        })
        .collect()
}

/// The earlier model whose views the PostgreSQL schema `schema` holds, and the schema it is a
/// model of; none when it holds no earlier model's views.
async fn views_of(client: &impl GenericClient, schema: &str) -> Result<Option<(String, String)>, Error> {
    let row = client
        .query_opt(
            "SELECT m.name, n.nspname::text FROM strata.model m JOIN pg_namespace n ON n.oid = m.namespace \
             WHERE m.pg_schema = $1 \
               AND m.number < (SELECT max(l.number) FROM strata.model l WHERE l.namespace = m.namespace)",
            &[&schema],
        )
        .await
        .map_err(Error::postgres("looking for the schema's model"))?;
    Ok(row.map(|row| (row.get(0), row.get(1))))
}

/// Whether `schema` has had a step (has rows in `strata.model`).
pub(crate) async fn has_models(client: &impl GenericClient, schema: &str) -> Result<bool, Error> {
    let row = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM strata.model m JOIN pg_namespace n ON n.oid = m.namespace \
                            WHERE n.nspname = $1)",
            &[&schema],
        )
        .await
        .map_err(Error::postgres("looking for the schema's models"))?;
    Ok(row.get(0))
}

/// The one model of a schema that never had a step.
fn first(schema: &str) -> ModelInfo {
    ModelInfo {
        id: 1,
        name: "v1".into(),
        created_at: None,
        steps: 0,
        pg_schema: schema.to_string(),
        current: true,
        op: None,
        summary: "The tables as imported".into(),
        action: None,
    }
}

impl Op {
    /// What the step did, for people: "Extracted Customer Name, City of orders into customers".
    pub fn summary(&self) -> String {
        let names = |columns: &[String]| match columns {
            [] => "no columns".to_string(),
            _ => columns.join(", "),
        };
        match self {
            Op::Extract { table, columns, into, .. } => {
                format!("Extracted {} of {table} into {into}", names(columns))
            }
            Op::Move { table, columns, to, .. } => format!("Moved {} from {table} to {to}", names(columns)),
            Op::SplitColumns { table, columns, into, .. } => {
                format!("Split {} off {table} into {into}", names(columns))
            }
            Op::Merge { table, from, .. } => format!("Merged {from} back into {table}"),
            Op::SplitRows { table, into, condition, .. } => {
                format!("Split the rows of {table} where {condition} into {into}")
            }
            Op::RenameTable { table, to } => format!("Renamed table {table} to {to}"),
            Op::RenameColumn { table, column, to } => format!("Renamed {table}.{column} to {to}"),
            Op::Retype { table, column, type_name, .. } => format!("Changed {table}.{column} to {type_name}"),
            Op::AddColumn { table, column, type_name } => format!("Added {table}.{column} ({type_name})"),
            Op::DropColumn { table, column, .. } => format!("Dropped {table}.{column}"),
        }
    }
}

/// The rows a step of `schema` (oid `namespace`) adds to the catalog: model 1 too when it is the
/// schema's first step, then the model the step makes, each named `v<number>` with a free
/// PostgreSQL schema name (`{schema}_v<number>`, cut to fit, `_2` added if taken). Also returns
/// the model the step makes an earlier one (whose views will be in its `pg_schema`).
pub(crate) async fn next(
    tx: &Transaction<'_>,
    namespace: u32,
    schema: &str,
    op: &Op,
) -> Result<(ModelRow, Vec<ModelRow>), Error> {
    let newest = tx
        .query_opt(
            "SELECT number, name, pg_schema FROM strata.model WHERE namespace = $1 ORDER BY number DESC LIMIT 1",
            &[&namespace],
        )
        .await
        .map_err(Error::postgres("reading the schema's models"))?;
    let mut added = Vec::new();
    let current = match newest {
        Some(row) => ModelRow {
            number: row.get(0),
            name: row.get(1),
            pg_schema: row.get(2),
            op: None,
            made_at: None,
            action: None,
        },
        None => {
            let first = model_row(tx, schema, 1, None, &[]).await?;
            added.push(first.clone());
            first
        }
    };
    let taken: Vec<String> = added.iter().map(|model| model.pg_schema.clone()).collect();
    added.push(model_row(tx, schema, current.number + 1, Some(op.clone()), &taken).await?);
    Ok((current, added))
}

/// Model `number` of `schema`, made by `op`, with a PostgreSQL schema name that is neither a
/// schema nor another model's nor in `taken`.
async fn model_row(
    tx: &Transaction<'_>,
    schema: &str,
    number: i32,
    op: Option<Op>,
    taken: &[String],
) -> Result<ModelRow, Error> {
    let mut attempt = 1;
    let pg_schema = loop {
        let suffix = match attempt {
            1 => format!("_v{number}"),
            _ => format!("_v{number}_{attempt}"),
        };
        let name = format!("{}{suffix}", fit(schema, suffix.len()));
        let row = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) \
                        OR EXISTS (SELECT 1 FROM strata.model WHERE pg_schema = $1)",
                &[&name],
            )
            .await
            .map_err(Error::postgres("choosing the model's schema name"))?;
        if !row.get::<_, bool>(0) && !taken.contains(&name) {
            break name;
        }
        attempt += 1;
    };
    Ok(ModelRow { number, name: format!("v{number}"), pg_schema, op, made_at: None, action: None })
}

/// `name` cut on a character boundary so that `room` more bytes fit in a PostgreSQL name (63
/// bytes).
pub(crate) fn fit(name: &str, room: usize) -> &str {
    let mut end = 63usize.saturating_sub(room).min(name.len());
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}
