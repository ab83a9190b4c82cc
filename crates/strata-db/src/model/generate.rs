//! Generates every earlier model of a schema from the catalog: one PostgreSQL schema per earlier
//! model, holding a view per table with INSTEAD OF triggers where PostgreSQL cannot write through
//! the view itself.

use strata_sql::QualifiedName;
use tokio_postgres::{GenericClient, Transaction};

use super::ModelInfo;
use super::mapping::{LogicalTable, Mapping};
use super::{trigger, view};
use crate::Error;
use crate::audit::ident;

/// Every model of `schema`, oldest first, with its tables over the physical tables.
pub async fn mappings(client: &impl GenericClient, schema: &str) -> Result<Vec<(ModelInfo, Mapping)>, Error> {
    let models = super::list(client, schema).await?;
    let mut mapping = Mapping::physical(client, schema).await?;
    let mut mapped = Vec::with_capacity(models.len());
    for (index, model) in models.iter().enumerate().rev() {
        if let Some(later) = models.get(index + 1) {
            let Some(op) = &later.op else {
                return Err(unmapped(schema, model, "the step that followed it is not recorded".into()));
            };
            mapping = op.backward(mapping).map_err(|err| unmapped(schema, model, err.to_string()))?;
        }
        mapped.push((model.clone(), mapping.clone()));
    }
    mapped.reverse();
    Ok(mapped)
}

/// A model that cannot be read from the physical tables.
fn unmapped(schema: &str, model: &ModelInfo, reason: String) -> Error {
    Error::ModelMismatch { schema: schema.to_string(), model: model.name.clone(), reason }
}

/// Drops the views of every earlier model of `schema` (their PostgreSQL schemas), so its
/// physical tables can change.
pub async fn drop_views(tx: &Transaction<'_>, schema: &str) -> Result<(), Error> {
    let rows = tx
        .query(
            "SELECT m.pg_schema FROM strata.model m JOIN pg_namespace n ON n.oid = m.namespace \
             WHERE n.nspname = $1 AND m.number < (SELECT max(number) FROM strata.model WHERE namespace = n.oid)",
            &[&schema],
        )
        .await
        .map_err(Error::postgres("reading the schema's models"))?;
    for row in rows {
        let pg_schema = ident(row.get::<_, String>(0))?;
        tx.batch_execute(&format!("DROP SCHEMA IF EXISTS {pg_schema} CASCADE"))
            .await
            .map_err(Error::postgres(format!("dropping the views of {pg_schema}")))?;
    }
    tx.execute(
        "DELETE FROM strata.model_view v USING pg_namespace n WHERE n.oid = v.namespace AND n.nspname = $1",
        &[&schema],
    )
    .await
    .map_err(Error::postgres("forgetting the schema's model views"))?;
    Ok(())
}

/// Creates the views and triggers of every earlier model of `schema` from the catalog (dropping
/// any it had first).
pub async fn build_views(tx: &Transaction<'_>, schema: &str) -> Result<(), Error> {
    drop_views(tx, schema).await?;
    let namespace: u32 = tx
        .query_one("SELECT oid FROM pg_namespace WHERE nspname = $1", &[&schema])
        .await
        .map_err(Error::postgres(format!("looking up schema {schema:?}")))?
        .get(0);
    for (model, mapping) in mappings(tx, schema).await? {
        if model.current {
            continue;
        }
        let pg_schema = ident(model.pg_schema.as_str())?;
        tx.batch_execute(&format!("CREATE SCHEMA {pg_schema}"))
            .await
            .map_err(Error::postgres(format!("creating schema {pg_schema} for model {}", model.name)))?;
        for table in &mapping.tables {
            let name = ident(table.name.as_str())?;
            let view = QualifiedName::new(pg_schema.clone(), name.clone());
            let context = || Error::postgres(format!("creating {view} of model {}", model.name));
            tx.batch_execute(&view::create(&view, table)?).await.map_err(context())?;
            if !table.is_plain() {
                let oids = oids(tx, table).await?;
                for statement in trigger::create(&view, &name, &view, table, &oids)? {
                    tx.batch_execute(&statement).await.map_err(context())?;
                }
            }
            if let Some(key) = table.key() {
                tx.execute(
                    "INSERT INTO strata.model_view (relid, namespace, number, key) \
                     VALUES ($1::text::regclass::oid, $2, $3, $4)",
                    &[&view.to_string(), &namespace, &model.id, &key.name],
                )
                .await
                .map_err(context())?;
            }
        }
    }
    Ok(())
}

/// The oid of each node's table.
async fn oids(tx: &Transaction<'_>, table: &LogicalTable) -> Result<Vec<u32>, Error> {
    let names: Vec<String> = table.nodes.iter().map(|node| node.table.to_string()).collect();
    let row = tx
        .query_one(
            "SELECT array_agg(t::regclass::oid ORDER BY o) FROM unnest($1::text[]) WITH ORDINALITY u(t, o)",
            &[&names],
        )
        .await
        .map_err(Error::postgres(format!("looking up the tables of {}", table.name)))?;
    Ok(row.get(0))
}

/// One model's tables for people (the model diagram).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ModelDetail {
    /// The model.
    pub model: ModelInfo,
    /// Its tables, by name.
    pub tables: Vec<ModelTable>,
}

/// A table of a model.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ModelTable {
    /// Its name in the model.
    pub name: String,
    /// The PostgreSQL schema it is read from (the model's `pg_schema`).
    pub pg_schema: String,
    /// Its key column, if it has one.
    pub key: Option<String>,
    /// Its columns in order.
    pub columns: Vec<ModelColumn>,
    /// Its links to other tables of the model.
    pub links: Vec<ModelLink>,
}

/// A column of a model's table, and where it is kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ModelColumn {
    /// Its name in the model.
    pub name: String,
    /// Its type in the model.
    pub type_name: String,
    /// The physical table that holds it (`schema.table`).
    pub table: String,
    /// The physical column.
    pub column: String,
}

/// A foreign key between two tables of a model.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ModelLink {
    /// The linking column.
    pub column: String,
    /// The model's table it references.
    pub table: String,
}

/// Model `id` of `schema` with its tables; [`Error::BadParameter`] when there is no such model.
pub async fn describe(client: &impl GenericClient, schema: &str, id: i32) -> Result<ModelDetail, Error> {
    let Some((model, mapping)) = mappings(client, schema).await?.into_iter().find(|(model, _)| model.id == id) else {
        return Err(Error::BadParameter {
            parameter: "model".into(),
            reason: format!("schema {schema:?} has no model {id}"),
        });
    };
    // Single-column foreign keys of the schema's tables.
    let keys: Vec<ForeignKey> = client
        .query(
            "SELECT n.nspname::text, c.relname::text, a.attname::text, fn.nspname::text, fc.relname::text \
             FROM pg_constraint k \
             JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] \
             JOIN pg_class fc ON fc.oid = k.confrelid JOIN pg_namespace fn ON fn.oid = fc.relnamespace \
             WHERE k.contype = 'f' AND cardinality(k.conkey) = 1 AND n.nspname = $1",
            &[&schema],
        )
        .await
        .map_err(Error::postgres("reading the schema's foreign keys"))?
        .iter()
        .map(|row| ForeignKey { from: (row.get(0), row.get(1), row.get(2)), to: (row.get(3), row.get(4)) })
        .collect();
    let named = |table: &QualifiedName| (table.schema.as_str().to_string(), table.name.as_str().to_string());
    let tables = mapping
        .tables
        .iter()
        .map(|table| {
            let columns = table
                .columns
                .iter()
                .map(|column| {
                    let (schema, name) = named(&table.nodes[column.node].table);
                    ModelColumn {
                        name: column.name.clone(),
                        type_name: column.type_name.clone(),
                        table: format!("{schema}.{name}"),
                        column: column.column.clone(),
                    }
                })
                .collect();
            let links = table
                .columns
                .iter()
                .filter(|column| column.reads.is_empty())
                .filter_map(|column| {
                    let (schema, name) = named(&table.nodes[column.node].table);
                    let from = (schema, name, column.column.clone());
                    let key = keys.iter().find(|key| key.from == from)?;
                    let other = mapping.tables.iter().find(|other| named(&other.nodes[0].table) == key.to)?;
                    Some(ModelLink { column: column.name.clone(), table: other.name.clone() })
                })
                .collect();
            ModelTable {
                name: table.name.clone(),
                pg_schema: model.pg_schema.clone(),
                key: table.key().map(|column| column.name.clone()),
                columns,
                links,
            }
        })
        .collect();
    Ok(ModelDetail { model, tables })
}

/// A single-column foreign key: (schema, table, column) → (schema, table).
struct ForeignKey {
    from: (String, String, String),
    to: (String, String),
}
