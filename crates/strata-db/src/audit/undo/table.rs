//! The data undo of one action on one table, set-based: lock the rows the action touched, work
//! out for each key the row before the action and the row it left (`before` / `after`) in a
//! temporary table, check that nothing later changed what the undo would revert, then put the
//! `before` rows back with one DELETE, one INSERT and one UPDATE.
//!
//! For a key the action touched, `before` is the old row of the action's first history entry
//! (absent for an 'I' entry); `after` is the old row of the first later entry of that key, by any
//! action, or the current row if there is none. The undo conflicts where the current row differs
//! from `after` in presence or on a column the action changed (`before` ≠ `after`): values are
//! compared as text, so a later change that was itself undone is no conflict.
//!
//! Most undos are of the newest change to their rows: each key has one entry of the action and no
//! later one. Then nothing can conflict, the history rows are the `before` rows and the current
//! rows are what the action left, so the three statements read the history directly and the
//! temporary table (and its comparisons) is skipped.

use strata_sql::Ident;
use tokio_postgres::Transaction;
use tokio_postgres::types::Oid;

use crate::Error;
use crate::audit::audited::AuditedTable;
use crate::audit::ident;

/// Above this many history entries, an undo locks the table against writers instead of each row.
const ROW_LOCKS: i64 = 10_000;

/// The memory an undo's joins and aggregates may use (for the rest of its transaction).
const WORK_MEM: &str = "256MB";

/// One table's part of an undo, ready to apply.
pub(super) struct TableUndo {
    /// The table.
    pub table: AuditedTable,
    /// The action undone.
    action: i64,
    /// Where the `before` rows are read from.
    source: Source,
}

/// Where an undo reads each key it touched (`k`), whether the row existed before the action
/// (`was`) and its `before` values (`b<i>`).
enum Source {
    /// The action's own history entries: each key has one and no later entry exists.
    History,
    /// A temporary table that also holds the `after` rows, for the conflict check.
    Temp {
        /// The temporary table.
        name: Ident,
        /// The newest history entry of the action in this table.
        last: i64,
    },
}

/// The keys a later change conflicts with, for one later action (`None`: changed without a record,
/// as with `strata.audit = 'off'`).
pub(super) struct KeyConflicts {
    /// The later action.
    pub action: Option<i64>,
    /// How many keys.
    pub rows: i64,
    /// The first 20 keys, as text, in key order.
    pub keys: Vec<String>,
    /// Of those rows, how many are gone now though the action left them.
    pub deleted: i64,
    /// Of those rows, how many are back though the action left none.
    pub reinserted: i64,
    /// The columns whose change conflicts (the action changed them and they differ now).
    pub columns: Vec<String>,
}

impl TableUndo {
    /// Locks the rows of `table` that action `id` touched and works out their `before` and
    /// `after` rows. `None` when the action's history here is gone (pruned).
    pub async fn prepare(
        tx: &Transaction<'_>,
        id: i64,
        relid: Oid,
        table: AuditedTable,
    ) -> Result<Option<TableUndo>, Error> {
        let (name, history, key, hkey) = (&table.table, &table.history, &table.key().ident, &table.key().history);
        tx.query_one("SELECT set_config('work_mem', $1, true)", &[&WORK_MEM])
            .await
            .map_err(Error::postgres("giving the undo memory"))?;
        // The action's entries here: the newest, how many, and for how many keys.
        let found = tx
            .query_one(
                &format!(
                    "SELECT max(s), sum(n)::bigint, count(*) \
                     FROM (SELECT max(_seq) AS s, count(*) AS n FROM {history} WHERE _action = $1 GROUP BY {hkey}) k"
                ),
                &[&id],
            )
            .await
            .map_err(Error::postgres(format!("reading the history of {}", table.label)))?;
        let (Some(last), Some(entries), keys) =
            (found.get::<_, Option<i64>>(0), found.get::<_, Option<i64>>(1), found.get::<_, i64>(2))
        else {
            return Ok(None);
        };
        // Lock before reading, so a concurrent edit either finished before (and shows in history)
        // or waits until the undo is committed: the rows touched, or for a large action the table
        // against writers (locking a million rows one by one costs as much as updating them).
        let lock = if entries > ROW_LOCKS {
            format!("LOCK TABLE {name} IN SHARE ROW EXCLUSIVE MODE")
        } else {
            format!(
                "SELECT FROM {name} t WHERE t.{key} IN (SELECT h.{hkey} FROM {history} h WHERE h._action = $1) \
                 FOR UPDATE OF t"
            )
        };
        let params: &[&(dyn tokio_postgres::types::ToSql + Sync)] = if entries > ROW_LOCKS { &[] } else { &[&id] };
        tx.execute(&lock, params).await.map_err(Error::postgres(format!("locking the rows of {}", table.label)))?;
        if keys == entries && !Self::changed_later(tx, id, last, &table).await? {
            return Ok(Some(TableUndo { table, action: id, source: Source::History }));
        }
        let temp = ident(format!("strata_undo_{id}_{relid}"))?;
        let before = table.columns.iter().enumerate().map(|(i, c)| format!("b.{} AS b{i}", c.history));
        let after = table.columns.iter().enumerate().map(|(i, c)| format!("a.{} AS a{i}", c.history));
        let sql = format!(
            "CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS \
             WITH firsts AS (SELECT h.{hkey} AS k, min(h._seq) AS s FROM {history} h WHERE h._action = $1 GROUP BY 1), \
                  laters AS (SELECT h.{hkey} AS k, min(h._seq) AS s FROM {history} h \
                             WHERE h._seq > $2 AND h.{hkey} IN (SELECT k FROM firsts) GROUP BY 1) \
             SELECT f.k, b._op <> 'I' AS was, l.k IS NOT NULL AS has_later, coalesce(a._op <> 'I', false) AS stays, \
                    t.{key} IS NOT NULL AS present, {before}, {after} \
             FROM firsts f JOIN {history} b ON b._seq = f.s AND b._action = $1 \
             LEFT JOIN laters l ON l.k = f.k LEFT JOIN {history} a ON a._seq = l.s AND a._seq > $2 \
             LEFT JOIN {name} t ON t.{key} = f.k",
            before = before.collect::<Vec<_>>().join(", "),
            after = after.collect::<Vec<_>>().join(", "),
        );
        tx.execute(&sql, &[&id, &last])
            .await
            .map_err(Error::postgres(format!("reading what the action changed in {}", table.label)))?;
        tx.batch_execute(&format!("ANALYZE {temp}")).await.map_err(Error::postgres("analyzing the undo"))?;
        Ok(Some(TableUndo { table, action: id, source: Source::Temp { name: temp, last } }))
    }

    /// Whether a history entry after `last` (action `id`'s newest) has a key action `id` touched.
    async fn changed_later(tx: &Transaction<'_>, id: i64, last: i64, table: &AuditedTable) -> Result<bool, Error> {
        let (history, hkey) = (&table.history, &table.key().history);
        // Later entries are few (a BRIN range); only with some are the action's keys looked up.
        let later = format!(
            "SELECT EXISTS (SELECT FROM {history} l WHERE l._seq > $2 \
                            AND l.{hkey} IN (SELECT h.{hkey} FROM {history} h WHERE h._action = $1)) \
             WHERE EXISTS (SELECT FROM {history} l WHERE l._seq > $2)"
        );
        let found = tx
            .query_opt(&later, &[&id, &last])
            .await
            .map_err(Error::postgres(format!("reading the history of {}", table.label)))?;
        Ok(found.is_some_and(|row| row.get::<_, bool>(0)))
    }

    /// The keys with their `before` rows, as `u`, and the parameters the statement takes.
    fn source(&self) -> (String, Vec<&(dyn tokio_postgres::types::ToSql + Sync)>) {
        match &self.source {
            Source::Temp { name, .. } => (format!("{name} u"), Vec::new()),
            Source::History => {
                let (history, hkey) = (&self.table.history, &self.table.key().history);
                let before = self.table.columns.iter().enumerate().map(|(i, c)| format!("h.{} AS b{i}", c.history));
                let sql = format!(
                    "(SELECT h.{hkey} AS k, h._op <> 'I' AS was, {} FROM {history} h WHERE h._action = $1) u",
                    before.collect::<Vec<_>>().join(", ")
                );
                (sql, vec![&self.action])
            }
        }
    }

    /// Where the current rows differ from what action `id` left, grouped by the later actions in
    /// effect that changed those keys (not undone, and not undos of actions after `id`, which
    /// cancel out), newest first. Empty: the undo is safe.
    pub async fn conflicts(&self, tx: &Transaction<'_>, id: i64) -> Result<Vec<KeyConflicts>, Error> {
        let Source::Temp { name: temp, last } = &self.source else {
            return Ok(Vec::new());
        };
        let (name, history, key, hkey) =
            (&self.table.table, &self.table.history, &self.table.key().ident, &self.table.key().history);
        // Column i conflicts if the action changed it and the current value is not the one it left.
        let columns = self.table.columns.iter().enumerate().map(|(i, c)| {
            format!(
                "u.present AND u.stays AND (u.was <> u.stays OR u.b{i}::text IS DISTINCT FROM u.a{i}::text) \
                 AND t.{}::text IS DISTINCT FROM u.a{i}::text AS x{i}",
                c.ident
            )
        });
        let any = (0..self.table.columns.len()).map(|i| format!("x{i}")).collect::<Vec<_>>().join(" OR ");
        let per_column = (0..self.table.columns.len()).map(|i| format!("bool_or(c.x{i})")).collect::<Vec<_>>();
        let sql = format!(
            "WITH cells AS (SELECT u.k, u.present, u.stays, {columns} FROM {temp} u LEFT JOIN {name} t ON t.{key} = u.k \
                            WHERE u.has_later), \
                  c AS MATERIALIZED (SELECT * FROM cells WHERE present <> stays OR {any}), \
                  touched AS (SELECT DISTINCT c.k, h._action FROM c JOIN {history} h ON h.{hkey} = c.k AND h._seq > $1), \
                  blamed AS (SELECT t.k, t._action FROM touched t \
                             WHERE t._action IN (SELECT a.id FROM strata.action a \
                                                 WHERE a.id IN (SELECT _action FROM touched) \
                                                   AND (a.undoes IS NULL OR a.undoes < $2) \
                                                   AND NOT strata.action_undone(a.id))) \
             SELECT b._action, count(*), (array_agg(c.k::text ORDER BY c.k))[1:20], \
                    count(*) FILTER (WHERE NOT c.present), count(*) FILTER (WHERE c.present AND NOT c.stays), \
                    ARRAY[{per_column}] \
             FROM c LEFT JOIN blamed b ON b.k = c.k GROUP BY b._action ORDER BY b._action DESC NULLS LAST",
            columns = columns.collect::<Vec<_>>().join(", "),
            per_column = per_column.join(", "),
        );
        let rows = tx
            .query(&sql, &[last, &id])
            .await
            .map_err(Error::postgres(format!("checking later changes to {}", self.table.label)))?;
        Ok(rows
            .iter()
            .map(|row| {
                let changed: Vec<Option<bool>> = row.get(5);
                KeyConflicts {
                    action: row.get(0),
                    rows: row.get(1),
                    keys: row.get(2),
                    deleted: row.get(3),
                    reinserted: row.get(4),
                    columns: self
                        .table
                        .columns
                        .iter()
                        .zip(changed)
                        .filter(|(_, changed)| changed.unwrap_or(false))
                        .map(|(column, _)| column.name.clone())
                        .collect(),
                }
            })
            .collect())
    }

    /// Deletes the rows the action added (first step of putting `before` back; children before
    /// parents across tables).
    pub async fn delete(&self, tx: &Transaction<'_>) -> Result<(), Error> {
        let (name, key) = (&self.table.table, &self.table.key().ident);
        let (source, params) = self.source();
        let sql = format!("DELETE FROM {name} t USING {source} WHERE t.{key} = u.k AND NOT u.was");
        tx.execute(&sql, &params).await.map_err(self.failed())?;
        Ok(())
    }

    /// Inserts the rows the action deleted, with their keys and every value (parents before
    /// children).
    pub async fn insert(&self, tx: &Transaction<'_>) -> Result<(), Error> {
        let (name, key) = (&self.table.table, &self.table.key().ident);
        let (source, params) = self.source();
        let columns = self.table.columns.iter().map(|c| c.ident.to_string()).collect::<Vec<_>>().join(", ");
        let values = (0..self.table.columns.len()).map(|i| format!("u.b{i}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "INSERT INTO {name} ({columns}){overriding} SELECT {values} FROM {source} \
             WHERE u.was AND NOT EXISTS (SELECT FROM {name} t WHERE t.{key} = u.k)",
            overriding = self.table.overriding()
        );
        tx.execute(&sql, &params).await.map_err(self.failed())?;
        Ok(())
    }

    /// Sets back the columns the action changed in rows that stayed. Without later changes the
    /// row is as the action left it, so every column goes back; with later changes (none
    /// conflicting), only the columns the action changed.
    pub async fn update(&self, tx: &Transaction<'_>) -> Result<(), Error> {
        let (name, key) = (&self.table.table, &self.table.key().ident);
        let later = matches!(self.source, Source::Temp { .. });
        let sets = self
            .table
            .columns
            .iter()
            .enumerate()
            .filter(|(i, column)| *i != self.table.key && !column.always_identity)
            .map(|(i, column)| {
                let c = &column.ident;
                if later {
                    format!(
                        "{c} = CASE WHEN NOT u.has_later OR u.b{i}::text IS DISTINCT FROM u.a{i}::text THEN u.b{i} \
                         ELSE t.{c} END"
                    )
                } else {
                    format!("{c} = u.b{i}")
                }
            })
            .collect::<Vec<_>>();
        if sets.is_empty() {
            return Ok(());
        }
        let (source, params) = self.source();
        let sql = format!("UPDATE {name} t SET {} FROM {source} WHERE t.{key} = u.k AND u.was", sets.join(", "));
        tx.execute(&sql, &params).await.map_err(self.failed())?;
        Ok(())
    }

    fn failed(&self) -> impl FnOnce(tokio_postgres::Error) -> Error {
        Error::postgres(format!("undoing the changes to {}", self.table.label))
    }

    /// Drops the temporary table (the transaction may undo more).
    pub async fn finish(self, tx: &Transaction<'_>) -> Result<(), Error> {
        match self.source {
            Source::Temp { name, .. } => {
                tx.batch_execute(&format!("DROP TABLE {name}")).await.map_err(Error::postgres("cleaning up the undo"))
            }
            Source::History => Ok(()),
        }
    }
}

/// The tables action `id` changed rows of, referenced tables before the tables that reference
/// them (so parents come back before their children, and children go before their parents).
pub(super) async fn tables(tx: &Transaction<'_>, id: i64) -> Result<Vec<Oid>, Error> {
    let rows = tx
        .query(
            "SELECT t.relid, ARRAY(SELECT DISTINCT c.confrelid FROM pg_constraint c \
                                   WHERE c.conrelid = t.relid AND c.contype = 'f' AND c.confrelid <> t.relid) \
             FROM strata.action_table t WHERE t.action = $1 AND NOT t.schema_change ORDER BY t.relid",
            &[&id],
        )
        .await
        .map_err(Error::postgres("reading the tables of the action"))?;
    let mut pending: Vec<(Oid, Vec<Oid>)> = rows.iter().map(|row| (row.get(0), row.get(1))).collect();
    let mut ordered = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        // The first table whose referenced tables (among these) are placed; on a cycle, the first.
        let ready =
            pending.iter().position(|(_, refs)| refs.iter().all(|r| !pending.iter().any(|(o, _)| o == r))).unwrap_or(0);
        ordered.push(pending.remove(ready).0);
    }
    Ok(ordered)
}
