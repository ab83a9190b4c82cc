//! A user's SQL expression made a function in schema `strata` (a retype's `USING`, a split's
//! condition), and the check that it is pure: computed from its parameters alone, so earlier
//! models and the step itself read the same result every time.

use tokio_postgres::Transaction;

use super::{Conflict, looking};
use crate::Error;
use crate::audit::steps::Conversion;

/// Why the user's expression `what` ("the USING expression", "the condition") made into
/// `conversion` is refused, if it is: PostgreSQL's message when it is not valid, else why it is
/// not pure. Nothing stays: the function is made inside a savepoint rolled back after.
pub(super) async fn check(
    tx: &Transaction<'_>,
    conversion: &Conversion,
    what: &str,
) -> Result<Option<Conflict>, Error> {
    let checked = async {
        create(tx, conversion).await?;
        impure(tx, conversion, what).await
    };
    Ok(match looking(tx, &format!("{what} is not valid"), checked).await? {
        Err(refused) => Some(refused),
        Ok(Some(reason)) => Some(Conflict::Refused { reason }),
        Ok(None) => None,
    })
}

/// Creates the function (inside the caller's savepoint, to look).
pub(super) async fn create(tx: &Transaction<'_>, conversion: &Conversion) -> Result<(), Error> {
    tx.execute(&conversion.definition()?, &[]).await.map(|_| ()).map_err(Error::postgres("creating the function"))
}

/// Why the function made of the user's expression `what` (just created) is not a pure
/// expression of its parameters, if it is not: it reads a table (a sub-query), a setting or the
/// session (`CURRENT_USER`), or calls a function or operator that is not immutable. Read from
/// the tree PostgreSQL parsed the body into (`pg_proc.prosqlbody`), where a user's text appears
/// only as constants' bytes, so the expression is checked as PostgreSQL will run it.
async fn impure(tx: &Transaction<'_>, conversion: &Conversion, what: &str) -> Result<Option<String>, Error> {
    let row = tx
        .query_one(
            "WITH body AS (SELECT p.prosqlbody::text AS t FROM pg_proc p \
                           WHERE p.proname = $1 AND p.pronamespace = 'strata'::regnamespace), \
             called AS ( \
                 SELECT m[1]::oid AS f FROM body, \
                        regexp_matches(body.t, ':(?:funcid|opfuncid|aggfnoid|winfnoid) (\\d+)', 'g') m \
                 UNION SELECT o.oprcode::oid FROM body, regexp_matches(body.t, ':opnos? \\(?o?((?: ?\\d+)+)', 'g') m \
                       CROSS JOIN LATERAL unnest(string_to_array(trim(m[1]), ' ')) n \
                       JOIN pg_operator o ON o.oid = n::oid) \
             SELECT (SELECT t ~ '\\{(SUBLINK|RANGETBLENTRY) ' OR t ~ '\\{QUERY .*\\{QUERY ' FROM body), \
                    (SELECT t ~ '\\{(SQLVALUEFUNCTION|NEXTVALUEEXPR|CURRENTOFEXPR) ' FROM body), \
                    (SELECT p.oid::regprocedure::text FROM called c JOIN pg_proc p ON p.oid = c.f \
                     WHERE p.provolatile <> 'i' ORDER BY 1 LIMIT 1)",
            &[&conversion.name],
        )
        .await
        .map_err(Error::postgres(format!("checking {what}")))?;
    let (reads, session, function): (Option<bool>, Option<bool>, Option<String>) = (row.get(0), row.get(1), row.get(2));
    let columns: Vec<String> = conversion.parameters.iter().map(|parameter| format!("{:?}", parameter.name)).collect();
    let columns = columns.join(", ");
    Ok(if reads.unwrap_or(true) {
        Some(format!("{what} reads a table (it has a sub-query); compute it from {columns} alone"))
    } else if session.unwrap_or(false) {
        Some(format!("{what} reads the session (CURRENT_USER, CURRENT_DATE, ...); compute it from {columns} alone"))
    } else {
        function.map(|function| {
            format!(
                "{what} calls {function}, which is not allowed: it is not immutable (its result depends on more \
                 than its arguments, as settings, tables or the time); use immutable functions and operators only"
            )
        })
    })
}
