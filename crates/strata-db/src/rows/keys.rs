//! Primary keys as the API names them: a JSON object `{pkcol: value}` or, in a record's URL, the
//! values as text joined by `,`. Inside Strata a key is its values as text in key order, bound
//! as parameters and cast to each key column's type by PostgreSQL.

use serde_json::{Map, Value};
use tokio_postgres::GenericClient;

use super::{bad, ident, table_name};
use crate::Error;
use crate::catalog::Relation;

/// A primary key's values as text, in key order.
pub type Key = Vec<String>;

/// The text PostgreSQL's input function is given for a JSON scalar; `None` for null, arrays
/// and objects.
pub(crate) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// The key `{pkcol: value, ...}` of `relation`: every key column, nothing else.
pub(crate) fn from_json(relation: &Relation, key: &Map<String, Value>, parameter: &str) -> Result<Key, Error> {
    if relation.primary_key.is_empty() {
        return Err(Error::NoPrimaryKey { schema: relation.schema.clone(), table: relation.info.name.clone() });
    }
    if let Some(extra) = key.keys().find(|name| !relation.primary_key.contains(name)) {
        return Err(bad(
            parameter,
            format!("{extra:?} is not a primary key column; the key is {:?}", relation.primary_key),
        ));
    }
    relation
        .primary_key
        .iter()
        .map(|column| match key.get(column) {
            Some(value) => scalar_text(value).ok_or_else(|| {
                bad(parameter, format!("the key column {column:?} needs a string, number or boolean, not {value}"))
            }),
            None => Err(bad(
                parameter,
                format!("the key column {column:?} is missing; the key is {:?}", relation.primary_key),
            )),
        })
        .collect()
}

/// The JSON object form of `key`, for answers that list keys.
pub(crate) fn to_json(relation: &Relation, key: &Key) -> Map<String, Value> {
    relation.primary_key.iter().cloned().zip(key.iter().map(|value| Value::String(value.clone()))).collect()
}

/// Reads a record's key from its URL form: the single key column's text as it stands, or for
/// a composite key the values joined by `,`, a value with `,` or `"` double-quoted (`""` for `"`).
pub fn parse(text: &str, columns: usize) -> Result<Key, Error> {
    if columns == 1 {
        return Ok(vec![text.to_string()]);
    }
    let mut values = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        value.push('"');
                    }
                    Some('"') => break,
                    Some(c) => value.push(c),
                    None => return Err(bad("key", format!("a quoted value is not closed in {text:?}"))),
                }
            }
            if !matches!(chars.peek(), None | Some(',')) {
                return Err(bad("key", format!("expected `,` after a quoted value in {text:?}")));
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        values.push(value);
        if chars.next().is_none() {
            break;
        }
    }
    if values.len() != columns {
        return Err(bad(
            "key",
            format!(
                "the primary key has {columns} columns, {text:?} gives {} values (join them with `,`)",
                values.len()
            ),
        ));
    }
    Ok(values)
}

/// `alias.pk1 = CAST(v1 AS type1) AND ...`, the values given by `value(i)` as SQL text.
pub(crate) fn equals(relation: &Relation, alias: &str, value: impl Fn(usize) -> String) -> Result<String, Error> {
    let terms = relation
        .primary_key
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let column = relation.column(name).ok_or_else(|| bad("key", format!("no key column {name:?}")))?;
            Ok(format!("{alias}.{} = CAST({} AS {})", ident(name)?, value(i), column.type_name))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(terms.join(" AND "))
}

/// Many keys as a relation `k(k1, ..., i)` (`i` the 1-based position in `keys`) from one
/// `text[]` parameter per key column, numbered from `$1`; and the condition matching `p` to it.
pub(crate) struct KeyList {
    /// `unnest($1::text[], ...) WITH ORDINALITY AS k(k1, ..., i)`.
    pub from: String,
    /// `p.pk1 = CAST(k.k1 AS type1) AND ...`.
    pub matches: String,
    /// One array per key column.
    pub params: Vec<Vec<String>>,
}

impl KeyList {
    /// The list of `keys` of `relation`.
    pub fn new(relation: &Relation, keys: &[Key]) -> Result<KeyList, Error> {
        let columns = relation.primary_key.len();
        let arrays: Vec<String> = (1..=columns).map(|n| format!("${n}::text[]")).collect();
        let names: Vec<String> = (1..=columns).map(|n| format!("k{n}")).collect();
        Ok(KeyList {
            from: format!("unnest({}) WITH ORDINALITY AS k({}, i)", arrays.join(", "), names.join(", ")),
            matches: equals(relation, "p", |i| format!("k.k{}", i + 1))?,
            params: (0..columns).map(|at| keys.iter().map(|key| key[at].clone()).collect()).collect(),
        })
    }

    /// The parameters for a statement.
    pub fn bound(&self) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
        self.params.iter().map(|array| array as &(dyn tokio_postgres::types::ToSql + Sync)).collect()
    }
}

/// Locks the rows of `keys` (`FOR UPDATE`, waiting for writers) and returns each one's version,
/// `None` for a key no row has. A row changed meanwhile is seen as it is after that change.
///
/// A view's rows (an earlier model's, over outer joins) cannot be locked `FOR UPDATE`: each key
/// is locked instead by a transaction-scoped advisory lock on the view and the key, so writers
/// through the view take turns, and the version (a digest of the row, see
/// [`Projection`](super::project::Projection)) is read after the lock, by a statement that sees
/// what the writer before committed. The views' triggers lock the physical rows they write.
pub(crate) async fn lock(
    client: &impl GenericClient,
    relation: &Relation,
    keys: &[Key],
) -> Result<Vec<Option<String>>, Error> {
    let list = KeyList::new(relation, keys)?;
    let table = table_name(relation)?;
    let stored = relation.info.kind.stored();
    if !stored {
        // In key order, so two requests over the same keys never wait on each other in a cycle.
        let names = (1..=relation.primary_key.len()).map(|n| format!("k.k{n}")).collect::<Vec<_>>().join(", ");
        let at = relation.primary_key.len() + 1;
        let sql = format!(
            "SELECT count(pg_advisory_xact_lock(h)) FROM (SELECT DISTINCT \
             hashtextextended(jsonb_build_array(${at}::text, ${next}::text, {names})::text, 0) AS h \
             FROM {from} ORDER BY h) AS l",
            next = at + 1,
            from = list.from,
        );
        let mut params = list.bound();
        let (schema, name) = (&relation.schema, &relation.info.name);
        params.extend([schema as &(dyn tokio_postgres::types::ToSql + Sync), name]);
        client.query_one(&sql, &params).await.map_err(Error::postgres("locking the rows"))?;
    }
    let (found, locked) = if stored { ("p.xmin::text", " FOR UPDATE OF p") } else { (VIEW_VERSION, "") };
    let sql = format!(
        "SELECT l.version FROM {from} LEFT JOIN LATERAL \
         (SELECT {found} AS version FROM {table} AS p WHERE {matches}{locked}) AS l ON true ORDER BY k.i",
        from = list.from,
        matches = list.matches,
    );
    let rows = client.query(&sql, &list.bound()).await.map_err(Error::postgres("locking the rows"))?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}

/// A view's row's version over its alias `p`: a digest of its values as text, which changes
/// whenever any of them does (a view has no `xmin` of its own).
pub(crate) const VIEW_VERSION: &str = "md5(p::text)";

/// Why a statement over `keys` failed when it did on a data error: the first key value its
/// column's type refuses, named by `parameter(i)`.
pub(crate) async fn refused(
    client: &impl GenericClient,
    relation: &Relation,
    keys: &[Key],
    parameter: impl Fn(usize) -> String,
) -> Option<Error> {
    for (at, key) in keys.iter().enumerate() {
        for (name, value) in relation.primary_key.iter().zip(key) {
            let column = relation.column(name)?;
            if let Some(reason) = super::refused_value(client, column, value).await {
                return Some(bad(&parameter(at), reason));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn composite_keys_split_on_commas_outside_quotes() {
        let check = |text: &str, columns: usize, expected: &[&str]| {
            assert_eq!(parse(text, columns).unwrap(), expected, "{text:?}");
        };
        check("a,b", 1, &["a,b"]);
        check("", 1, &[""]);
        check("1,2", 2, &["1", "2"]);
        check(r#""a,b",c"#, 2, &["a,b", "c"]);
        check(r#""say ""hi""",,"#, 3, &[r#"say "hi""#, "", ""]);
        for bad in ["1", "1,2,3", r#""open,2"#, r#""a"b,2"#] {
            assert!(parse(bad, 2).is_err(), "{bad:?}");
        }
    }
}
