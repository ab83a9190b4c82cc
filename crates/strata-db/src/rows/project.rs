//! How a row leaves PostgreSQL, the same for pages, writes and records: its JSON object, its
//! version (`xmin` as text; for a view, a digest of the row's values) and its links (for each single-column foreign key, a summary of the
//! referenced row), all SQL expressions over the row alias `p`, so one statement answers.

use tokio_postgres::GenericClient;

use super::keys::{Key, KeyList, VIEW_VERSION};
use super::{ident, table_name};
use crate::Error;
use crate::catalog::{self, Column, JsonEncoding, LABEL_COLUMN, Relation};

/// A single-column foreign key, shown as a summary of the row it references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The referencing column.
    pub column: String,
    /// The referenced table's schema.
    pub schema: String,
    /// The referenced table.
    pub table: String,
    /// The referenced column.
    pub referenced_column: String,
    /// The column shown, by [`LABEL_COLUMN`]'s rule: the referenced table's first text-like
    /// column, else its (single-column) primary key, else the referenced column.
    pub label: String,
}

/// The links of `schema.table` in column order (one per column: the first constraint by name).
pub async fn links(client: &impl GenericClient, schema: &str, table: &str) -> Result<Vec<Link>, Error> {
    let sql = format!(
        "SELECT DISTINCT ON (a.attnum) a.attname::text, rn.nspname::text, r.relname::text, ra.attname::text, \
                {LABEL_COLUMN} \
         FROM pg_constraint c \
         JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace \
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
         JOIN pg_class r ON r.oid = c.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace \
         JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1] \
         WHERE tn.nspname = $1 AND t.relname = $2 AND c.contype = 'f' AND cardinality(c.conkey) = 1 \
         ORDER BY a.attnum, c.conname"
    );
    let rows =
        client.query(&sql, &[&schema, &table]).await.map_err(Error::postgres("reading the table's foreign keys"))?;
    Ok(rows
        .iter()
        .map(|row| Link {
            column: row.get(0),
            schema: row.get(1),
            table: row.get(2),
            referenced_column: row.get(3),
            label: row.get(4),
        })
        .collect())
}

/// One row as PostgreSQL wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The row as a JSON object keyed by column name in column order.
    pub json: String,
    /// Its version: `xmin` as text, or for a view (which has none) an md5 digest of the row's
    /// values; `None` only for a row that is not there.
    pub version: Option<String>,
    /// A JSON object `{fk column: summary text | null}`; `{}` without foreign keys.
    pub links: String,
}

impl Row {
    /// The row read from `row`'s three columns from `at` on, as [`Projection::select`] wrote them.
    pub(crate) fn read(row: &tokio_postgres::Row, at: usize) -> Row {
        Row { json: row.get(at), version: row.get(at + 1), links: row.get(at + 2) }
    }
}

/// A relation with its links: what it takes to write its rows out.
#[derive(Debug, Clone)]
pub struct Projection {
    /// The relation.
    pub relation: Relation,
    /// Its single-column foreign keys.
    pub links: Vec<Link>,
}

impl Projection {
    /// Reads `schema.table`'s catalog and links; [`Error::UnknownTable`] etc. if absent.
    pub async fn load(
        client: &impl GenericClient,
        database: &str,
        schema: &str,
        table: &str,
    ) -> Result<Projection, Error> {
        let relation = catalog::relation(client, database, schema, table, false).await?;
        let links = links(client, schema, table).await?;
        Ok(Projection { relation, links })
    }

    /// Three expressions over `p`, a row of the relation: the JSON of `columns`, the version and
    /// the links. `p` may be a derived row (a sorted page) rather than the stored one, so the
    /// version is looked up by primary key: a scan asked for `xmin` itself copies every row it
    /// reads, which more than doubles an unindexed sort over a million rows.
    pub(crate) fn select(&self, columns: &[&Column]) -> Result<String, Error> {
        let version = if self.has_versions() && !self.relation.primary_key.is_empty() {
            let table = table_name(&self.relation)?;
            let key = |alias: &str| -> Result<String, Error> {
                let columns = self.relation.primary_key.iter().map(|name| Ok(format!("{alias}.{}", ident(name)?)));
                Ok(format!("({})", columns.collect::<Result<Vec<_>, Error>>()?.join(", ")))
            };
            format!("(SELECT v.xmin::text FROM {table} AS v WHERE {} = {})", key("v")?, key("p")?)
        } else {
            self.version().to_string()
        };
        Ok(format!("{}, {version}, {}", row_json(columns)?, self.links_json()?))
    }

    /// Three expressions over `p`, the stored row itself, with every column.
    pub(crate) fn select_all(&self) -> Result<String, Error> {
        let columns = self.relation.columns.iter().collect::<Vec<_>>();
        Ok(format!("{}, {}, {}", row_json(&columns)?, self.version(), self.links_json()?))
    }

    /// Whether rows have a version of their own: only stored relations have `xmin`; a view's
    /// is computed from the row.
    pub(crate) fn has_versions(&self) -> bool {
        self.relation.info.kind.stored()
    }

    fn version(&self) -> &'static str {
        if self.has_versions() { "p.xmin::text" } else { VIEW_VERSION }
    }

    /// One scalar subquery per link, named by the column so that `to_json` keys it.
    fn links_json(&self) -> Result<String, Error> {
        if self.links.is_empty() {
            return Ok("'{}'::text".to_string());
        }
        let fields = self
            .links
            .iter()
            .map(|link| {
                let target = format!("{}.{}", ident(&link.schema)?, ident(&link.table)?);
                Ok(format!(
                    "(SELECT x.{label}::text FROM {target} AS x WHERE x.{referenced} = p.{column} LIMIT 1) AS {column}",
                    label = ident(&link.label)?,
                    referenced = ident(&link.referenced_column)?,
                    column = ident(&link.column)?,
                ))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(format!("(SELECT to_json(l) FROM (SELECT {}) AS l)::text", fields.join(", ")))
    }
}

/// The JSON object of `columns` of `p`, `bigint` and `numeric` as strings.
pub(crate) fn row_json(columns: &[&Column]) -> Result<String, Error> {
    let fields = columns
        .iter()
        .map(|column| {
            let name = ident(&column.name)?;
            Ok(match column.encoding {
                JsonEncoding::Native => format!("p.{name}"),
                JsonEncoding::Text => format!("p.{name}::text AS {name}"),
                JsonEncoding::TextArray => format!("p.{name}::text[] AS {name}"),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(format!("(SELECT to_json(r) FROM (SELECT {}) AS r)::text", fields.join(", ")))
}

/// The rows of `keys`, in their order, `None` where no row has the key.
pub(crate) async fn by_keys(
    client: &impl GenericClient,
    projection: &Projection,
    keys: &[Key],
) -> Result<Vec<Option<Row>>, Error> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let relation = &projection.relation;
    let list = KeyList::new(relation, keys)?;
    let Some(first_key) = relation.primary_key.first() else {
        return Err(Error::NoPrimaryKey { schema: relation.schema.clone(), table: relation.info.name.clone() });
    };
    let first_key = ident(first_key)?;
    let sql = format!(
        "SELECT p.{first_key} IS NOT NULL, {select} FROM {from} LEFT JOIN {table} AS p ON {matches} ORDER BY k.i",
        select = projection.select_all()?,
        from = list.from,
        table = table_name(relation)?,
        matches = list.matches,
    );
    let rows = client.query(&sql, &list.bound()).await.map_err(Error::postgres("reading rows by key"))?;
    Ok(rows.iter().map(|row| row.get::<_, bool>(0).then(|| Row::read(row, 1))).collect())
}
