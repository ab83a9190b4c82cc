//! Generates every earlier model of a schema from the catalog: one PostgreSQL schema per earlier
//! model, holding a view per table with INSTEAD OF triggers where PostgreSQL cannot write through
//! the view itself.

use strata_sql::{Ident, QualifiedName};
use tokio_postgres::{GenericClient, Transaction};

use super::ModelInfo;
use super::mapping::{LogicalTable, Mapping};
use super::{grouped, trigger, union, view};
use crate::Error;
use crate::audit::ident;

/// Every model of `schema`, oldest first, with its tables over the physical tables. The newest
/// model has every table of the schema; an earlier model only those it had, from the tables the
/// schema had when the model after it became the newest (`strata.model.tables`): a table made
/// later belongs to the models made later.
pub async fn mappings(client: &impl GenericClient, schema: &str) -> Result<Vec<(ModelInfo, Mapping)>, Error> {
    let models = super::list(client, schema).await?;
    let recorded = recorded_tables(client, schema).await?;
    let mut mapping = Mapping::physical(client, schema).await?;
    let mut mapped = Vec::with_capacity(models.len());
    for (index, model) in models.iter().enumerate().rev() {
        let Some(later) = models.get(index + 1) else {
            mapped.push((model.clone(), mapping.clone()));
            continue;
        };
        let Some(op) = &later.op else {
            return Err(unmapped(schema, model, "the step that followed it is not recorded".into()));
        };
        if let Some((_, Some(tables))) = recorded.iter().find(|(number, _)| *number == later.id) {
            mapping.tables.retain(|table| tables.contains(&table.nodes[0].table.name.as_str().to_string()));
        }
        mapping = op.backward(mapping).map_err(|err| unmapped(schema, model, err.to_string()))?;
        mapped.push((model.clone(), mapping.clone()));
    }
    mapped.reverse();
    Ok(mapped)
}

/// For each model of `schema` with recorded tables, the names those tables have now.
async fn recorded_tables(client: &impl GenericClient, schema: &str) -> Result<Vec<(i32, Option<Vec<String>>)>, Error> {
    let rows = client
        .query(
            "SELECT m.number, CASE WHEN m.tables IS NOT NULL THEN \
                    ARRAY(SELECT c.relname::text FROM pg_class c WHERE c.oid = ANY(m.tables) AND c.relnamespace = n.oid) END \
             FROM strata.model m JOIN pg_namespace n ON n.oid = m.namespace WHERE n.nspname = $1",
            &[&schema],
        )
        .await
        .map_err(Error::postgres("reading the tables of the schema's models"))?;
    Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
}

/// A model that cannot be read from the physical tables.
fn unmapped(schema: &str, model: &ModelInfo, reason: String) -> Error {
    Error::ModelMismatch { schema: schema.to_string(), model: model.name.clone(), reason }
}

/// The generated objects of an earlier model.
struct Generated {
    /// The model's number.
    number: i32,
    /// The model's name.
    name: String,
    /// Its PostgreSQL schema, quoted.
    pg_schema: Ident,
    /// The oid of that schema, when it exists.
    namespace: Option<u32>,
    /// Its views (oids), as recorded in `strata.model_view`.
    views: Vec<u32>,
    /// Their names.
    names: Vec<String>,
    /// Its trigger functions (oids): the functions of its schema named like its views, without
    /// arguments, returning `trigger`.
    functions: Vec<u32>,
    /// Their names.
    function_names: Vec<String>,
}

/// The generated objects of every earlier model of `schema`.
async fn generated(tx: &Transaction<'_>, schema: &str) -> Result<Vec<Generated>, Error> {
    let rows = tx
        .query(
            "WITH views AS ( \
                 SELECT v.namespace, v.number, c.oid, c.relname, c.relnamespace FROM strata.model_view v \
                 JOIN pg_class c ON c.oid = v.relid) \
             SELECT m.number, m.name, m.pg_schema, s.oid, \
                    ARRAY(SELECT v.oid FROM views v WHERE (v.namespace, v.number) = (m.namespace, m.number) ORDER BY v.oid), \
                    ARRAY(SELECT v.relname::text FROM views v WHERE (v.namespace, v.number) = (m.namespace, m.number) ORDER BY v.oid), \
                    ARRAY(SELECT p.oid FROM views v JOIN pg_proc p ON p.pronamespace = v.relnamespace AND p.proname = v.relname \
                          WHERE (v.namespace, v.number) = (m.namespace, m.number) \
                            AND p.pronargs = 0 AND p.prorettype = 'trigger'::regtype ORDER BY p.oid), \
                    ARRAY(SELECT p.proname::text FROM views v JOIN pg_proc p ON p.pronamespace = v.relnamespace AND p.proname = v.relname \
                          WHERE (v.namespace, v.number) = (m.namespace, m.number) \
                            AND p.pronargs = 0 AND p.prorettype = 'trigger'::regtype ORDER BY p.oid) \
             FROM strata.model m JOIN pg_namespace n ON n.oid = m.namespace \
             LEFT JOIN pg_namespace s ON s.nspname = m.pg_schema \
             WHERE n.nspname = $1 AND m.number < (SELECT max(number) FROM strata.model WHERE namespace = n.oid) \
             ORDER BY m.number",
            &[&schema],
        )
        .await
        .map_err(Error::postgres("reading the schema's models"))?;
    rows.iter()
        .map(|row| {
            Ok(Generated {
                number: row.get(0),
                name: row.get(1),
                pg_schema: ident(row.get::<_, String>(2))?,
                namespace: row.get(3),
                views: row.get(4),
                names: row.get(5),
                functions: row.get(6),
                function_names: row.get(7),
            })
        })
        .collect()
}

/// Drops the views and trigger functions generated for every earlier model of `schema`, so its
/// physical tables can change, and each model's PostgreSQL schema when nothing else is left in
/// it. The grants on them are remembered (`strata.model.grants`) for [`build_views`]. Refused,
/// dropping nothing, when objects of the user's depend on them.
pub async fn drop_views(tx: &Transaction<'_>, schema: &str) -> Result<(), Error> {
    let models = generated(tx, schema).await?;
    let mut dependents = Vec::new();
    for model in &models {
        dependents.extend(depending(tx, model).await?);
    }
    if !dependents.is_empty() {
        return Err(Error::BadParameter {
            parameter: "model".into(),
            reason: format!(
                "the views of earlier models of {schema:?} are used by other objects: {}; drop them (or make them \
                 read the newest model's tables) and try again; nothing was changed",
                dependents.join(", ")
            ),
        });
    }
    for model in models.iter().filter(|model| model.namespace.is_some()) {
        remember_grants(tx, schema, model).await?;
        let context = || Error::postgres(format!("dropping the views of model {} ({})", model.name, model.pg_schema));
        for name in &model.names {
            let view = QualifiedName::new(model.pg_schema.clone(), ident(name.as_str())?);
            tx.batch_execute(&format!("DROP VIEW IF EXISTS {view}")).await.map_err(context())?;
        }
        for function in &model.function_names {
            let function = QualifiedName::new(model.pg_schema.clone(), ident(function.as_str())?);
            tx.batch_execute(&format!("DROP FUNCTION {function}()")).await.map_err(context())?;
        }
        let used: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT FROM pg_depend WHERE refclassid = 'pg_namespace'::regclass AND refobjid = $1)",
                &[&model.namespace],
            )
            .await
            .map_err(context())?
            .get(0);
        if !used {
            tx.batch_execute(&format!("DROP SCHEMA {}", model.pg_schema)).await.map_err(context())?;
        }
    }
    tx.execute(
        "DELETE FROM strata.model_view v USING pg_namespace n WHERE n.oid = v.namespace AND n.nspname = $1",
        &[&schema],
    )
    .await
    .map_err(Error::postgres("forgetting the schema's model views"))?;
    Ok(())
}

/// The objects outside `model`'s views that depend on them or on their trigger functions, as
/// "public.report reads public_v1.orders".
async fn depending(tx: &Transaction<'_>, model: &Generated) -> Result<Vec<String>, Error> {
    let rows = tx
        .query(
            "SELECT DISTINCT \
                    coalesce((SELECT c.oid::regclass::text FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class \
                              WHERE d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid), \
                             pg_describe_object(d.classid, d.objid, d.objsubid)), \
                    CASE WHEN d.refclassid = 'pg_class'::regclass THEN d.refobjid::regclass::text \
                         ELSE d.refobjid::regprocedure::text END \
             FROM pg_depend d \
             WHERE d.deptype = 'n' \
               AND ((d.refclassid = 'pg_class'::regclass AND d.refobjid = ANY($1)) \
                    OR (d.refclassid = 'pg_proc'::regclass AND d.refobjid = ANY($2))) \
               AND NOT (d.classid = 'pg_rewrite'::regclass \
                        AND (SELECT r.ev_class FROM pg_rewrite r WHERE r.oid = d.objid) = ANY($1)) \
               AND NOT (d.classid = 'pg_trigger'::regclass \
                        AND (SELECT t.tgrelid FROM pg_trigger t WHERE t.oid = d.objid) = ANY($1)) \
             ORDER BY 1, 2",
            &[&model.views, &model.functions],
        )
        .await
        .map_err(Error::postgres(format!("looking for objects that use model {}", model.name)))?;
    Ok(rows.iter().map(|row| format!("{} reads {}", row.get::<_, String>(0), row.get::<_, String>(1))).collect())
}

/// Records the grants on `model`'s schema and views in `strata.model.grants` (NULL for none).
async fn remember_grants(tx: &Transaction<'_>, schema: &str, model: &Generated) -> Result<(), Error> {
    tx.execute(
        "UPDATE strata.model m SET grants = nullif(jsonb_build_object( \
             'schema', (SELECT coalesce(jsonb_agg(jsonb_build_array(r.rolname, a.privilege_type, a.is_grantable)), '[]') \
                        FROM pg_namespace s CROSS JOIN LATERAL aclexplode(s.nspacl) a \
                        LEFT JOIN pg_roles r ON r.oid = a.grantee \
                        WHERE s.oid = $3 AND a.grantee <> s.nspowner AND (a.grantee = 0 OR r.oid IS NOT NULL)), \
             'views', (SELECT coalesce(jsonb_object_agg(c.relname, g.list), '{}') FROM pg_class c \
                       CROSS JOIN LATERAL (SELECT jsonb_agg(jsonb_build_array(r.rolname, a.privilege_type, a.is_grantable)) \
                                           FROM aclexplode(c.relacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee \
                                           WHERE a.grantee <> c.relowner AND (a.grantee = 0 OR r.oid IS NOT NULL)) g(list) \
                       WHERE c.oid = ANY($4) AND g.list IS NOT NULL)), '{\"schema\": [], \"views\": {}}') \
         FROM pg_namespace n WHERE n.oid = m.namespace AND n.nspname = $1 AND m.number = $2",
        &[&schema, &model.number, &model.namespace, &model.views],
    )
    .await
    .map_err(Error::postgres(format!("remembering the grants of model {}", model.name)))?;
    Ok(())
}

/// Grants again what [`remember_grants`] recorded: on the schema (`on` is `SCHEMA "x"`) or on
/// a view, each as `[role, privilege, grantable]` (role null for PUBLIC).
async fn grant(tx: &Transaction<'_>, on: &str, grants: Option<&serde_json::Value>) -> Result<(), Error> {
    const PRIVILEGES: [&str; 10] =
        ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "USAGE", "CREATE", "MAINTAIN"];
    for item in grants.and_then(serde_json::Value::as_array).into_iter().flatten() {
        let (role, privilege, grantable) = (&item[0], item[1].as_str().unwrap_or(""), item[2].as_bool());
        let Some(privilege) = PRIVILEGES.iter().find(|known| **known == privilege) else {
            continue;
        };
        let role = match role.as_str() {
            Some(name) => ident(name)?.to_string(),
            None => "PUBLIC".to_string(),
        };
        let option = if grantable == Some(true) { " WITH GRANT OPTION" } else { "" };
        tx.batch_execute(&format!("GRANT {privilege} ON {on} TO {role}{option}"))
            .await
            .map_err(Error::postgres(format!("granting {privilege} on {on} to {role} again")))?;
    }
    Ok(())
}

/// Creates the views and triggers of every earlier model of `schema` from the catalog (dropping
/// any it had first), and gives them the grants they had when they were dropped.
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
        let grants: Option<serde_json::Value> = tx
            .query_one("SELECT grants FROM strata.model WHERE namespace = $1 AND number = $2", &[&namespace, &model.id])
            .await
            .map_err(Error::postgres(format!("reading the grants of model {}", model.name)))?
            .get(0);
        let grants = grants.unwrap_or_default();
        tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {pg_schema}"))
            .await
            .map_err(Error::postgres(format!("creating schema {pg_schema} for model {}", model.name)))?;
        grant(tx, &format!("SCHEMA {pg_schema}"), grants.get("schema")).await?;
        for table in &mapping.tables {
            let name = ident(table.name.as_str())?;
            let view = QualifiedName::new(pg_schema.clone(), name.clone());
            let taken: bool = tx
                .query_one("SELECT to_regclass($1) IS NOT NULL", &[&view.to_string()])
                .await
                .map_err(Error::postgres(format!("looking up {view}")))?
                .get(0);
            if taken {
                return Err(Error::BadParameter {
                    parameter: "model".into(),
                    reason: format!(
                        "model {} of {schema:?} cannot show its table {:?}: {view} exists already and is not one \
                         of Strata's views; rename or drop it and try again",
                        model.name, table.name
                    ),
                });
            }
            let context = || Error::postgres(format!("creating {view} of model {} of {schema:?}", model.name));
            tx.batch_execute(&view::create(&view, table)?).await.map_err(context())?;
            if !table.is_plain() {
                let statements = match table.grouped {
                    Some(_) => grouped::create(&view, &name, &view, table, &oids(tx, table).await?)?,
                    None => {
                        let (mut tables, mut whole) = (Vec::new(), Vec::new());
                        for branch in union::branches(table) {
                            let oids = oids(tx, &branch.table).await?;
                            whole.push(shows_all(tx, &branch.table, oids[0]).await?);
                            tables.push(oids);
                        }
                        trigger::create(&view, &name, &view, table, &tables, &whole)?
                    }
                };
                for statement in statements {
                    tx.batch_execute(&statement).await.map_err(context())?;
                }
            }
            tx.execute(
                "INSERT INTO strata.model_view (relid, namespace, number, key) \
                 VALUES ($1::text::regclass::oid, $2, $3, $4)",
                &[&view.to_string(), &namespace, &model.id, &table.key().map(|key| key.name.as_str())],
            )
            .await
            .map_err(context())?;
            grant(tx, &view.to_string(), grants.get("views").and_then(|views| views.get(table.name.as_str()))).await?;
        }
    }
    Ok(())
}

/// Whether `table` shows every column its anchor (`anchor`, an oid) stores, as a column, the
/// key, or a link to a table it joins; generated columns aside.
async fn shows_all(tx: &Transaction<'_>, table: &LogicalTable, anchor: u32) -> Result<bool, Error> {
    let shown = union::anchor_columns(table);
    let row = tx
        .query_one(
            "SELECT NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 \
             AND NOT a.attisdropped AND a.attgenerated = '' AND NOT a.attname = ANY($2::text[]))",
            &[&anchor, &shown],
        )
        .await
        .map_err(Error::postgres(format!("reading the columns of {}", table.nodes[0].table)))?;
    Ok(row.get(0))
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
