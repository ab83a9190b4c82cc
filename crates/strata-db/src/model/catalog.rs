//! The catalog of models, `strata.model`: one row per model of a schema that has had a step.

use serde::Serialize;
use tokio_postgres::GenericClient;

use super::Op;
use crate::Error;

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
        return Ok(vec![first(schema)]);
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
        let names = |columns: &[String]| columns.join(", ");
        match self {
            Op::Extract { table, columns, into, .. } => {
                format!("Extracted {} of {table} into {into}", names(columns))
            }
            Op::Move { table, columns, to, .. } => format!("Moved {} from {table} to {to}", names(columns)),
            Op::SplitColumns { table, columns, into, .. } => {
                format!("Split {} off {table} into {into}", names(columns))
            }
            Op::RenameTable { table, to } => format!("Renamed table {table} to {to}"),
            Op::RenameColumn { table, column, to } => format!("Renamed {table}.{column} to {to}"),
            Op::Retype { table, column, type_name, .. } => format!("Changed {table}.{column} to {type_name}"),
            Op::AddColumn { table, column, type_name } => format!("Added {table}.{column} ({type_name})"),
            Op::DropColumn { table, column, .. } => format!("Dropped {table}.{column}"),
        }
    }
}
