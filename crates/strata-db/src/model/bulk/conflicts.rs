//! The conflicts of a set-based write: written rows that disagree among themselves on an
//! entity, or with the existing entity they name.

use tokio_postgres::Transaction;

use super::{EntityConflict, Match, Writer, list, same};
use crate::Error;
use crate::audit::ident;
use crate::model::view::{self, alias};

/// At most this many conflicts are listed.
const MAX_CONFLICTS: i64 = 1000;

/// How many written rows `conflicts` concern: each set of rows that wrote the same values for
/// an entity counts once, however many of its columns differ (its entries follow each other,
/// one per column).
pub(super) fn rows(conflicts: &[EntityConflict]) -> i64 {
    let mut total = 0;
    let mut set: Option<(&EntityConflict, Vec<&str>)> = None;
    for conflict in conflicts {
        match &mut set {
            Some((first, columns))
                if first.table == conflict.table
                    && first.key == conflict.key
                    && first.rows == conflict.rows
                    && !columns.contains(&conflict.column.as_str()) =>
            {
                columns.push(conflict.column.as_str());
            }
            _ => {
                total += conflict.rows;
                set = Some((conflict, vec![conflict.column.as_str()]));
            }
        }
    }
    total
}

impl Writer<'_> {
    /// The rows of `node`'s table as the model reads them, with its key (`strata_id`): the
    /// identifying columns as `c<i>`, and the written ones under it.
    pub(super) fn existing(&self, node: usize, matched: &Match) -> Result<String, Error> {
        let key = format!("{}.{}", alias(node), ident(self.table.nodes[node].key.as_str())?);
        let mut list = vec![format!("{key} AS strata_id")];
        let mut columns = match matched {
            Match::Unique(columns) => columns.clone(),
            Match::Link(_) => Vec::new(),
        };
        let others: Vec<usize> = self.written(node).into_iter().filter(|c| !columns.contains(c)).collect();
        columns.extend(others);
        for column in columns {
            list.push(format!("{} AS c{column}", view::read(self.table, column)?));
        }
        if let Match::Link(link) = matched {
            list.push(format!("{key} AS c{link}"));
        }
        Ok(format!("(SELECT {} FROM {})", list.join(", "), view::from(self.table, node)?))
    }

    /// `SELECT select FROM w JOIN e` where `w`'s and `e`'s `columns` are equal, NULLs included:
    /// plain equality (which hashes) for rows without NULLs, `ARRAY[]` equality for the others.
    pub(super) fn matching(select: &str, w: &str, e: &str, columns: &[usize]) -> String {
        let equal: Vec<String> = columns.iter().map(|c| format!("e.c{c} = w.c{c}")).collect();
        format!(
            "SELECT {select} FROM {w} w JOIN {e} e ON {} WHERE num_nulls({nulls}) = 0 \
             UNION ALL \
             SELECT {select} FROM {w} w JOIN {e} e ON {} WHERE num_nulls({nulls}) > 0",
            equal.join(" AND "),
            same("e", "w", columns),
            nulls = list(columns, "w."),
        )
    }

    /// Written rows that disagree among themselves on an entity, and when `existing`, those
    /// that disagree with the existing entity they name (a written NULL agrees with any value).
    pub(super) async fn conflicts(
        &self,
        tx: &Transaction<'_>,
        node: usize,
        matched: &Match,
        existing: bool,
    ) -> Result<Vec<EntityConflict>, Error> {
        let identity = Self::identity(matched);
        let compared: Vec<usize> = self.written(node).into_iter().filter(|c| !identity.contains(c)).collect();
        if compared.is_empty() {
            return Ok(Vec::new());
        }
        let key = format!("jsonb_build_array({})::text", list(&identity, "w."));
        // Each compared column as (differs, the entity's or first value, the written value).
        let triples = |first: &dyn Fn(usize) -> String| -> Vec<String> {
            compared
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let first = first(*c);
                    format!(
                        "w.c{c} IS NOT NULL AND {first} IS DISTINCT FROM w.c{c} AS d{i}, ({first})::text AS e{i}, \
                         w.c{c}::text AS v{i}"
                    )
                })
                .collect()
        };
        let differs: Vec<String> = (0..compared.len()).map(|i| format!("x.d{i}")).collect();
        let mut select = vec![format!("{key} AS strata_key"), "w.strata_rows".to_string()];
        select.extend(triples(&|c| format!("e.c{c}")));
        let joined = match matched {
            Match::Unique(columns) => Self::matching(
                &select.join(", "),
                &format!("strata_bulk_w{node}"),
                &self.existing(node, matched)?,
                columns,
            ),
            Match::Link(link) => format!(
                "SELECT {} FROM strata_bulk_w{node} w JOIN {} e ON e.strata_id = w.c{link}",
                select.join(", "),
                self.existing(node, matched)?
            ),
        };
        let against = format!("SELECT * FROM ({joined}) x WHERE {} LIMIT {MAX_CONFLICTS}", differs.join(" OR "));
        // Among the written rows: each set of values after the first for the same entity.
        let mut select = vec![format!("{key} AS strata_key"), "w.strata_rows".to_string()];
        select.extend(triples(&|c| format!("first_value(w.c{c}) OVER f")));
        let among = format!(
            "SELECT * FROM (SELECT {}, row_number() OVER f AS strata_index FROM strata_bulk_w{node} w \
             WINDOW f AS (PARTITION BY {} ORDER BY w.strata_first)) x WHERE x.strata_index > 1 LIMIT {MAX_CONFLICTS}",
            select.join(", "),
            list(&identity, "w.")
        );
        let mut found = Vec::new();
        let checks = if existing { vec![among, against] } else { vec![among] };
        for sql in checks {
            let rows = tx.query(&sql, &[]).await.map_err(Error::postgres("comparing the rows with their entities"))?;
            for row in rows {
                let key: String = row.get(0);
                let values: Vec<serde_json::Value> = serde_json::from_str(&key).unwrap_or_default();
                let key: serde_json::Map<String, serde_json::Value> =
                    identity.iter().map(|c| self.table.columns[*c].name.clone()).zip(values).collect();
                for (i, column) in compared.iter().enumerate() {
                    if row.get::<_, Option<bool>>(2 + 3 * i) == Some(true) {
                        found.push(EntityConflict {
                            table: self.table.nodes[node].table.name.as_str().to_string(),
                            key: key.clone(),
                            column: self.table.columns[*column].name.clone(),
                            existing: row.get(3 + 3 * i),
                            written: row.get(4 + 3 * i),
                            rows: row.get(1),
                        });
                    }
                }
            }
        }
        Ok(found)
    }
}
