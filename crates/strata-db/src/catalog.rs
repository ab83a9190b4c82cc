//! Reading a user database's catalog: its schemas, their tables and views, and one relation's
//! columns, primary key and foreign keys, all from `pg_catalog` with PostgreSQL's own spelling
//! of types (`format_type`); the key of a view of an earlier model from `strata.model_view`.
//!
//! Strata's own schema (`strata`) and PostgreSQL's (`pg_catalog`, `information_schema`,
//! `pg_toast*`, `pg_temp*`) are not user schemas: they are neither listed nor opened. A schema
//! holding an earlier model's views (`public_v1`) is opened but not listed.

use tokio_postgres::GenericClient;
use tokio_postgres::types::Oid;

use crate::Error;

/// The condition on `pg_namespace n` that makes a schema a user schema.
pub(crate) const USER_SCHEMA: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'strata') \
                           AND NOT starts_with(n.nspname, 'pg_toast') AND NOT starts_with(n.nspname, 'pg_temp')";

/// What kind of relation a table-like name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    /// An ordinary or partitioned table.
    Table,
    /// A view.
    View,
    /// A materialized view.
    MaterializedView,
    /// A foreign table.
    ForeignTable,
}

impl RelationKind {
    fn from_relkind(relkind: &str) -> RelationKind {
        match relkind {
            "v" => RelationKind::View,
            "m" => RelationKind::MaterializedView,
            "f" => RelationKind::ForeignTable,
            _ => RelationKind::Table,
        }
    }

    /// Whether its rows are stored with a version (`xmin`) and can be locked: tables and
    /// materialized views, not views.
    pub fn stored(self) -> bool {
        matches!(self, RelationKind::Table | RelationKind::MaterializedView)
    }

    /// `table`, `view`, `materialized_view` or `foreign_table`.
    pub fn as_str(self) -> &'static str {
        match self {
            RelationKind::Table => "table",
            RelationKind::View => "view",
            RelationKind::MaterializedView => "materialized_view",
            RelationKind::ForeignTable => "foreign_table",
        }
    }
}

/// A table or view as listed in its schema.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationInfo {
    /// Its name.
    pub name: String,
    /// Table, view, ...
    pub kind: RelationKind,
    /// `pg_class.reltuples`: the planner's estimate, `None` if never analyzed (or a view).
    pub estimated_rows: Option<i64>,
}

/// How a column's values travel in JSON so that JavaScript reads them exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonEncoding {
    /// PostgreSQL's own `to_json` (numbers that fit a double, strings, booleans, objects).
    Native,
    /// A string: `bigint` and `numeric` (and domains over them), which a JavaScript number would round.
    Text,
    /// An array of strings: arrays of `bigint` or `numeric`.
    TextArray,
}

/// One column of a relation.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Its name.
    pub name: String,
    /// Its type as `format_type` spells it (`integer`, `character varying(20)`, `"My Type"`).
    pub type_name: String,
    /// Whether it may hold NULL.
    pub nullable: bool,
    /// Its default expression, as `pg_get_expr` prints it.
    pub default: Option<String>,
    /// Its position (`attnum`, 1-based; gaps where columns were dropped).
    pub position: i16,
    /// A string type (`text`, `varchar`, `char`, domains over them): searched by `q`.
    pub text_like: bool,
    /// How its values are written in JSON.
    pub encoding: JsonEncoding,
    /// An identity column (`GENERATED ... AS IDENTITY`): numbered by PostgreSQL.
    pub identity: bool,
    /// A generated column (`GENERATED ALWAYS AS (...) STORED`): computed, never written.
    pub generated: bool,
}

/// A foreign key from a relation to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// The constraint's name.
    pub name: String,
    /// The referencing columns, in key order.
    pub columns: Vec<String>,
    /// The referenced table's schema.
    pub referenced_schema: String,
    /// The referenced table.
    pub referenced_table: String,
    /// The referenced columns, matching `columns` one to one.
    pub referenced_columns: Vec<String>,
    /// For a single-column key, the referenced table's column whose text summarizes a
    /// referenced row (see [`LABEL_COLUMN`]); `None` for a composite key.
    pub label_column: Option<String>,
}

/// The rule that picks how a referenced row is summarized, as a SQL expression over the
/// foreign key constraint `c` (`pg_constraint`): the referenced table's first text-like column
/// (`typcategory` `S`), else its single-column primary key, else the (first) referenced column.
/// Row links and the table's description share it, so the web app shows and searches the same
/// column the server summarizes with.
pub(crate) const LABEL_COLUMN: &str = "coalesce(\
    (SELECT la.attname::text FROM pg_attribute la JOIN pg_type lt ON lt.oid = la.atttypid \
     WHERE la.attrelid = c.confrelid AND la.attnum > 0 AND NOT la.attisdropped AND lt.typcategory = 'S' \
     ORDER BY la.attnum LIMIT 1), \
    (SELECT ka.attname::text FROM pg_constraint pk \
     JOIN pg_attribute ka ON ka.attrelid = pk.conrelid AND ka.attnum = pk.conkey[1] \
     WHERE pk.conrelid = c.confrelid AND pk.contype = 'p' AND cardinality(pk.conkey) = 1), \
    (SELECT fa.attname::text FROM pg_attribute fa WHERE fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]))";

/// A relation with its columns and keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    /// Its schema.
    pub schema: String,
    /// Name, kind and size estimate.
    pub info: RelationInfo,
    /// Its columns in position order.
    pub columns: Vec<Column>,
    /// The primary key's columns in key order; empty when there is none. A view of an earlier
    /// model (DESIGN §5) has its key column from `strata.model_view`, so its rows are found,
    /// edited and deleted like a table's.
    pub primary_key: Vec<String>,
    /// Its foreign keys by constraint name (empty unless asked for).
    pub foreign_keys: Vec<ForeignKey>,
}

impl Relation {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|column| column.name == name)
    }
}

/// The condition on `pg_namespace n` that leaves out the schemas holding an earlier model's views
/// (`strata.model` rows older than their schema's newest whose schema still exists).
const NOT_AN_EARLIER_MODEL: &str = "NOT EXISTS (SELECT 1 FROM strata.model m JOIN pg_namespace o ON o.oid = m.namespace \
                                    WHERE m.pg_schema = n.nspname AND m.number < (SELECT max(l.number) \
                                    FROM strata.model l WHERE l.namespace = m.namespace))";

/// The user schemas of the database `client` is connected to, by name; not those holding an
/// earlier model's views, which are reached through their schema's models.
pub async fn schemas(client: &impl GenericClient) -> Result<Vec<String>, Error> {
    // A database Strata did not prepare has no catalog of models: every user schema is listed.
    let models: bool = client
        .query_one("SELECT to_regclass('strata.model') IS NOT NULL", &[])
        .await
        .map_err(Error::postgres("looking for the catalog of models"))?
        .get(0);
    let earlier = if models { format!(" AND {NOT_AN_EARLIER_MODEL}") } else { String::new() };
    let sql = format!("SELECT n.nspname::text FROM pg_namespace n WHERE {USER_SCHEMA}{earlier} ORDER BY 1");
    let rows = client.query(&sql, &[]).await.map_err(Error::postgres("listing schemas"))?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}

/// The tables and views of `schema`, by name; [`Error::UnknownSchema`] if it is not a user schema.
pub async fn relations(client: &impl GenericClient, database: &str, schema: &str) -> Result<Vec<RelationInfo>, Error> {
    schema_must_exist(client, database, schema).await?;
    let rows = client
        .query(
            "SELECT c.relname::text, c.relkind::text, c.reltuples::float8 FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY 1",
            &[&schema],
        )
        .await
        .map_err(Error::postgres("listing tables"))?;
    Ok(rows.iter().map(|row| relation_info(row.get(0), row.get(1), row.get(2))).collect())
}

/// The relation `schema.name` with columns and primary key, plus foreign keys when
/// `with_foreign_keys`; [`Error::UnknownSchema`] / [`Error::UnknownTable`] if absent.
pub async fn relation(
    client: &impl GenericClient,
    database: &str,
    schema: &str,
    name: &str,
    with_foreign_keys: bool,
) -> Result<Relation, Error> {
    let sql = format!(
        "SELECT c.oid, c.relkind::text, c.reltuples::float8 FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {USER_SCHEMA}"
    );
    let found = match strata_sql::Ident::new(name).and(strata_sql::Ident::new(schema)) {
        Ok(_) => client.query_opt(&sql, &[&schema, &name]).await.map_err(Error::postgres("looking for the table"))?,
        Err(_) => None,
    };
    let Some(found) = found else {
        schema_must_exist(client, database, schema).await?;
        return Err(Error::UnknownTable {
            database: database.to_string(),
            schema: schema.to_string(),
            table: name.to_string(),
        });
    };
    let oid: Oid = found.get(0);
    let info = relation_info(name.to_string(), found.get(1), found.get(2));
    let rows = client
        .query(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, \
                    pg_get_expr(d.adbin, d.adrelid), a.attnum, t.typcategory = 'S', \
                    CASE WHEN coalesce(nullif(t.typbasetype, 0), t.oid) IN ('int8'::regtype, 'numeric'::regtype) THEN 1 \
                         WHEN t.typelem IN ('int8'::regtype, 'numeric'::regtype) AND t.typcategory = 'A' THEN 2 \
                         ELSE 0 END, \
                    coalesce(array_position(pk.conkey, a.attnum), CASE WHEN mv.key = a.attname THEN 1 END), \
                    a.attidentity <> '', a.attgenerated <> '' \
             FROM pg_attribute a \
             JOIN pg_type t ON t.oid = a.atttypid \
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             LEFT JOIN pg_constraint pk ON pk.conrelid = a.attrelid AND pk.contype = 'p' \
             LEFT JOIN strata.model_view mv ON mv.relid = a.attrelid \
             WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY a.attnum",
            &[&oid],
        )
        .await
        .map_err(Error::postgres("reading the table's columns"))?;
    let mut key = Vec::new();
    let columns = rows
        .iter()
        .map(|row| {
            let name: String = row.get(0);
            if let Some(at) = row.get::<_, Option<i32>>(7) {
                key.push((at, name.clone()));
            }
            Column {
                name,
                type_name: row.get(1),
                nullable: row.get(2),
                default: row.get(3),
                position: row.get(4),
                text_like: row.get(5),
                encoding: match row.get::<_, i32>(6) {
                    1 => JsonEncoding::Text,
                    2 => JsonEncoding::TextArray,
                    _ => JsonEncoding::Native,
                },
                identity: row.get(8),
                generated: row.get(9),
            }
        })
        .collect();
    key.sort();
    let foreign_keys = if with_foreign_keys { foreign_keys(client, oid).await? } else { Vec::new() };
    Ok(Relation {
        schema: schema.to_string(),
        info,
        columns,
        primary_key: key.into_iter().map(|(_, name)| name).collect(),
        foreign_keys,
    })
}

async fn foreign_keys(client: &impl GenericClient, oid: Oid) -> Result<Vec<ForeignKey>, Error> {
    let sql = format!(
        "SELECT c.conname::text, rn.nspname::text, r.relname::text, \
                ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(num, i) \
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num ORDER BY k.i), \
                ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(num, i) \
                      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num ORDER BY k.i), \
                CASE WHEN cardinality(c.conkey) = 1 THEN {LABEL_COLUMN} END \
         FROM pg_constraint c \
         JOIN pg_class r ON r.oid = c.confrelid \
         JOIN pg_namespace rn ON rn.oid = r.relnamespace \
         WHERE c.conrelid = $1 AND c.contype = 'f' ORDER BY 1"
    );
    let rows = client.query(&sql, &[&oid]).await.map_err(Error::postgres("reading the table's foreign keys"))?;
    Ok(rows
        .iter()
        .map(|row| ForeignKey {
            name: row.get(0),
            referenced_schema: row.get(1),
            referenced_table: row.get(2),
            columns: row.get(3),
            referenced_columns: row.get(4),
            label_column: row.get(5),
        })
        .collect())
}

/// Succeeds if `schema` is a user schema; else [`Error::UnknownSchema`].
pub async fn schema_must_exist(client: &impl GenericClient, database: &str, schema: &str) -> Result<(), Error> {
    if strata_sql::Ident::new(schema).is_err() {
        return Err(Error::UnknownSchema { database: database.to_string(), schema: schema.to_string() });
    }
    let sql = format!("SELECT 1 FROM pg_namespace n WHERE n.nspname = $1 AND {USER_SCHEMA}");
    match client.query_opt(&sql, &[&schema]).await.map_err(Error::postgres("looking for the schema"))? {
        Some(_) => Ok(()),
        None => Err(Error::UnknownSchema { database: database.to_string(), schema: schema.to_string() }),
    }
}

fn relation_info(name: String, relkind: String, reltuples: f64) -> RelationInfo {
    let kind = RelationKind::from_relkind(&relkind);
    // -1 means never vacuumed or analyzed; views have no estimate at all.
    let estimated_rows = (reltuples >= 0.0 && kind != RelationKind::View).then(|| reltuples.round() as i64);
    RelationInfo { name, kind, estimated_rows }
}
