//! An audited table as undo and record history read it: its name, its history table, its key and,
//! for each column PostgreSQL stores (generated columns are derived, so history keeps none), the
//! history column that holds its values (`c<attnum>_<typoid>`).

use strata_sql::{Ident, QualifiedName};
use tokio_postgres::GenericClient;
use tokio_postgres::types::Oid;

use crate::Error;
use crate::audit::ident;
use crate::catalog::JsonEncoding;

/// A column of an audited table.
#[derive(Debug, Clone)]
pub(crate) struct AuditedColumn {
    /// Its name, as the user sees it.
    pub name: String,
    /// Its name in SQL.
    pub ident: Ident,
    /// Its history column.
    pub history: Ident,
    /// `GENERATED ALWAYS AS IDENTITY`: written only with `OVERRIDING SYSTEM VALUE`, never updated.
    pub always_identity: bool,
    /// How the rows API writes its values.
    pub encoding: JsonEncoding,
}

/// An audited table that exists.
#[derive(Debug, Clone)]
pub(crate) struct AuditedTable {
    /// `schema.table`, for people.
    pub label: String,
    /// The table in SQL.
    pub table: QualifiedName,
    /// Its history table in SQL.
    pub history: QualifiedName,
    /// Its columns in order, generated ones left out.
    pub columns: Vec<AuditedColumn>,
    /// The primary key's index in `columns`.
    pub key: usize,
    /// The key's type without modifier (`integer`), to cast keys given as text.
    pub key_type: String,
}

impl AuditedTable {
    /// The audited table `relid`, its history brought in step with its columns first (a column
    /// added with psql); `None` when the table no longer exists or was never audited.
    pub async fn load(client: &impl GenericClient, relid: Oid) -> Result<Option<AuditedTable>, Error> {
        let found = client
            .query_opt(
                "SELECT n.nspname::text, c.relname::text, h.history, \
                        h.signature IS DISTINCT FROM strata.table_signature(c.oid) \
                 FROM strata.audited h JOIN pg_class c ON c.oid = h.relid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace WHERE h.relid = $1",
                &[&relid],
            )
            .await
            .map_err(Error::postgres("reading the audited table"))?;
        let Some(found) = found else { return Ok(None) };
        let (schema, name, history): (String, String, String) = (found.get(0), found.get(1), found.get(2));
        if found.get::<_, bool>(3) {
            let synced = client
                .query_one("SELECT strata.audit_sync($1)", &[&relid])
                .await
                .map_err(Error::postgres(format!("bringing the history of {schema}.{name} up to date")))?;
            if !synced.get::<_, bool>(0) {
                return Ok(None);
            }
        }
        let rows = client
            .query(
                "SELECT a.attname::text, strata.history_column(a.attnum, a.atttypid), a.attidentity = 'a', \
                        a.attnum = h.key_attnum, format_type(a.atttypid, NULL), \
                        CASE WHEN coalesce(nullif(t.typbasetype, 0), t.oid) IN ('int8'::regtype, 'numeric'::regtype) \
                             THEN 1 \
                             WHEN t.typelem IN ('int8'::regtype, 'numeric'::regtype) AND t.typcategory = 'A' THEN 2 \
                             ELSE 0 END \
                 FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
                 JOIN strata.audited h ON h.relid = a.attrelid \
                 WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' \
                 ORDER BY a.attnum",
                &[&relid],
            )
            .await
            .map_err(Error::postgres("reading the audited table's columns"))?;
        let mut columns = Vec::with_capacity(rows.len());
        let mut key = None;
        for row in &rows {
            let name: String = row.get(0);
            if row.get::<_, bool>(3) {
                key = Some((columns.len(), row.get::<_, String>(4)));
            }
            columns.push(AuditedColumn {
                ident: ident(&name)?,
                name,
                history: ident(row.get::<_, &str>(1))?,
                always_identity: row.get(2),
                encoding: match row.get::<_, i32>(5) {
                    1 => JsonEncoding::Text,
                    2 => JsonEncoding::TextArray,
                    _ => JsonEncoding::Native,
                },
            });
        }
        let Some((key, key_type)) = key else { return Ok(None) };
        Ok(Some(AuditedTable {
            label: format!("{schema}.{name}"),
            table: QualifiedName::new(ident(&schema)?, ident(&name)?),
            history: QualifiedName::new(ident("strata")?, ident(&history)?),
            columns,
            key,
            key_type,
        }))
    }

    /// The primary key column.
    pub fn key(&self) -> &AuditedColumn {
        &self.columns[self.key]
    }

    /// Whether a column is `GENERATED ALWAYS AS IDENTITY`, so inserts must override it.
    pub fn overriding(&self) -> &'static str {
        if self.columns.iter().any(|column| column.always_identity) { " OVERRIDING SYSTEM VALUE" } else { "" }
    }

    /// A JSON object of the row held by `alias`'s history columns (`history`) or table columns,
    /// shaped as the rows API shapes rows (`bigint` and `numeric` as strings).
    pub fn json(&self, alias: &str, history: bool) -> String {
        let fields = self.columns.iter().map(|column| {
            let source = if history { &column.history } else { &column.ident };
            let cast = match column.encoding {
                JsonEncoding::Native => "",
                JsonEncoding::Text => "::text",
                JsonEncoding::TextArray => "::text[]",
            };
            format!("{alias}.{source}{cast} AS {}", column.ident)
        });
        format!("(SELECT to_json(r) FROM (SELECT {}) AS r)", fields.collect::<Vec<_>>().join(", "))
    }
}

/// The audited table `schema.table`, by name.
pub(crate) async fn by_name(
    client: &impl GenericClient,
    schema: &str,
    table: &str,
) -> Result<Option<AuditedTable>, Error> {
    let relid = client
        .query_opt(
            "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')",
            &[&schema, &table],
        )
        .await
        .map_err(Error::postgres("looking for the table"))?;
    match relid {
        Some(row) => AuditedTable::load(client, row.get(0)).await,
        None => Ok(None),
    }
}
