//! Model steps (DESIGN §5): the catalog rows of models (`strata.model`), the views of a schema's
//! earlier models, and the function a retype's `USING` expression becomes.
//!
//! A model step records, in order: its views dropped, its physical changes, its model added and
//! its views built again; undone in reverse, the views go, the model row goes, the tables come
//! back and the views of the models left are built again.

use serde::{Deserialize, Serialize};
use tokio_postgres::Transaction;

use super::{Done, Step, ident, strata_name};
use crate::Error;
use crate::ddl::DdlError;
use crate::model::{self, Op};

/// A row of `strata.model`, as a step adds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelRow {
    /// Its number in the schema.
    pub number: i32,
    /// Its name (`v2`).
    pub name: String,
    /// The PostgreSQL schema its views go to once it is an earlier model.
    pub pg_schema: String,
    /// The step that made it; none for a schema's first model.
    pub op: Option<Op>,
    /// When it was made, RFC 3339 in UTC; none for now.
    pub made_at: Option<String>,
    /// The action that made it.
    pub action: Option<i64>,
}

pub(super) async fn add(tx: &Transaction<'_>, namespace: u32, models: &[ModelRow]) -> Result<Done, DdlError> {
    for model in models {
        let op = model.op.as_ref().map(serde_json::to_string).transpose().map_err(|err| Error::BadParameter {
            parameter: "model".into(),
            reason: format!("cannot be recorded: {err}"),
        })?;
        tx.execute(
            "INSERT INTO strata.model (namespace, number, name, pg_schema, op, made_at, action, tables) \
             VALUES ($1, $2, $3, $4, $5::text::jsonb, coalesce($6::text::timestamptz, clock_timestamp()), $7, \
                     ARRAY(SELECT oid FROM pg_class WHERE relnamespace = $1 AND relkind IN ('r', 'p') ORDER BY oid))",
            &[&namespace, &model.number, &model.name, &model.pg_schema, &op, &model.made_at, &model.action],
        )
        .await
        .map_err(Error::postgres("recording the model"))?;
    }
    let numbers = models.iter().map(|model| model.number).collect();
    Ok(Done { inverse: Step::RemoveModel { namespace, numbers }, tables: Vec::new() })
}

pub(super) async fn remove(tx: &Transaction<'_>, namespace: u32, numbers: &[i32]) -> Result<Done, DdlError> {
    let later = tx
        .query_one(
            "SELECT count(*) FROM strata.model WHERE namespace = $1 AND number <> ALL($2) \
             AND number > (SELECT min(n) FROM unnest($2::int4[]) n)",
            &[&namespace, &numbers],
        )
        .await
        .map_err(Error::postgres("looking for later models"))?;
    if later.get::<_, i64>(0) > 0 {
        return Err(DdlError::Refused(
            "a later model of the schema was made from this one; undo that step first".to_string(),
        ));
    }
    let rows = tx
        .query(
            "DELETE FROM strata.model WHERE namespace = $1 AND number = ANY($2) \
             RETURNING number, name, pg_schema, op::text, \
                       to_char(made_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), action",
            &[&namespace, &numbers],
        )
        .await
        .map_err(Error::postgres("removing the model"))?;
    if rows.len() != numbers.len() {
        return Err(DdlError::Refused("a model this step made is not in the catalog any more".to_string()));
    }
    let mut models = rows
        .iter()
        .map(|row| {
            let op = match row.get::<_, Option<String>>(3) {
                Some(json) => Some(serde_json::from_str::<Op>(&json).map_err(|err| {
                    DdlError::Refused(format!("a model was made by a newer Strata ({err}), so it cannot be removed"))
                })?),
                None => None,
            };
            Ok(ModelRow {
                number: row.get(0),
                name: row.get(1),
                pg_schema: row.get(2),
                op,
                made_at: row.get(4),
                action: row.get(5),
            })
        })
        .collect::<Result<Vec<_>, DdlError>>()?;
    models.sort_by_key(|model| model.number);
    Ok(Done { inverse: Step::AddModel { namespace, models }, tables: Vec::new() })
}

pub(super) async fn drop_views(tx: &Transaction<'_>, schema: &str) -> Result<Done, DdlError> {
    model::drop_views(tx, schema).await?;
    Ok(Done { inverse: Step::BuildModelViews { schema: schema.to_string() }, tables: Vec::new() })
}

pub(super) async fn build_views(tx: &Transaction<'_>, schema: &str) -> Result<Done, DdlError> {
    model::build_views(tx, schema).await?;
    Ok(Done { inverse: Step::DropModelViews { schema: schema.to_string() }, tables: Vec::new() })
}

/// A user's expression as the function `strata.<name>`: a retype's `USING` expression (one
/// parameter, the column) or a split's condition (one parameter per column of the table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversion {
    /// The function's name in schema `strata`.
    pub name: String,
    /// Its parameters, named as the columns so the expression reads as the user wrote it.
    pub parameters: Vec<Parameter>,
    /// The result's type (a retype's new type, `boolean` for a condition), as `format_type`
    /// spells it.
    pub to: String,
    /// The user's expression.
    pub expression: String,
}

/// A parameter of a [`Conversion`]: a column, as the expression reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parameter {
    /// The column's name.
    pub name: String,
    /// Its type, as `format_type` spells it.
    pub type_name: String,
}

impl Conversion {
    /// `CREATE FUNCTION` for it. The expression is the function's whole body (`RETURN (...)`,
    /// parsed when the function is created), and the statement is sent on its own so that it
    /// cannot carry another. The preview refused any expression that is not pure (it reads no
    /// table, setting or session, and calls immutable functions only), so the function is
    /// IMMUTABLE and PARALLEL SAFE.
    pub(crate) fn definition(&self) -> Result<String, Error> {
        let parameters = self
            .parameters
            .iter()
            .map(|parameter| Ok(format!("{} {}", ident(parameter.name.as_str())?, parameter.type_name)))
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(format!(
            "CREATE FUNCTION {}({}) RETURNS {} LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN ({})",
            strata_name(self.name.as_str())?,
            parameters.join(", "),
            self.to,
            self.expression
        ))
    }

    /// The function's signature, as `DROP FUNCTION` takes it.
    fn signature(&self) -> Result<String, Error> {
        let types: Vec<&str> = self.parameters.iter().map(|parameter| parameter.type_name.as_str()).collect();
        Ok(format!("{}({})", strata_name(self.name.as_str())?, types.join(", ")))
    }
}

pub(super) async fn create_function(tx: &Transaction<'_>, conversion: &Conversion) -> Result<Done, DdlError> {
    tx.execute(&conversion.definition()?, &[]).await.map_err(Error::postgres("creating the conversion function"))?;
    Ok(Done { inverse: Step::DropFunction { conversion: conversion.clone() }, tables: Vec::new() })
}

pub(super) async fn drop_function(tx: &Transaction<'_>, conversion: &Conversion) -> Result<Done, DdlError> {
    let sql = format!("DROP FUNCTION {}", conversion.signature()?);
    tx.batch_execute(&sql).await.map_err(Error::postgres("dropping the conversion function"))?;
    Ok(Done { inverse: Step::CreateFunction { conversion: conversion.clone() }, tables: Vec::new() })
}
