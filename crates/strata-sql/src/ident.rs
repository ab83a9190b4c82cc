//! [`Ident`] and [`QualifiedName`]: names that can only reach SQL text quoted.

use std::fmt;

/// PostgreSQL's identifier limit: `NAMEDATALEN - 1` bytes. Longer names are silently truncated
/// by the server, which is exactly what Strata must never let happen.
pub const MAX_IDENT_BYTES: usize = 63;

/// A name PostgreSQL accepts as a delimited identifier, kept exactly as the user wrote it
/// (case, spaces, quotes and unicode included).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ident(String);

/// Why a string cannot be a PostgreSQL name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentError {
    /// The empty string.
    #[error("a name cannot be empty")]
    Empty,
    /// A NUL character, which PostgreSQL cannot store in a name.
    #[error("the name {0:?} contains a NUL character, which PostgreSQL does not allow in names")]
    Nul(String),
    /// More than [`MAX_IDENT_BYTES`] bytes of UTF-8.
    #[error(
        "the name {name:?} is {bytes} bytes long; PostgreSQL names are limited to 63 bytes \
         (accented and non-Latin letters take 2–4 bytes each): choose a shorter name"
    )]
    TooLong {
        /// The refused name.
        name: String,
        /// Its length in bytes.
        bytes: usize,
    },
}

impl Ident {
    /// Validates `name` as a PostgreSQL identifier. Names are never truncated or altered.
    pub fn new(name: impl Into<String>) -> Result<Ident, IdentError> {
        let name = name.into();
        if name.is_empty() {
            return Err(IdentError::Empty);
        }
        if name.contains('\0') {
            return Err(IdentError::Nul(name));
        }
        if name.len() > MAX_IDENT_BYTES {
            let bytes = name.len();
            return Err(IdentError::TooLong { name, bytes });
        }
        Ok(Ident(name))
    }

    /// The name as the user sees it (unquoted).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Renders the identifier as SQL text: always double-quoted, inner quotes doubled. This is the
/// one quoting function; every name in generated SQL goes through it.
impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for (i, part) in self.0.split('"').enumerate() {
            if i > 0 {
                f.write_str("\"\"")?;
            }
            f.write_str(part)?;
        }
        f.write_str("\"")
    }
}

impl fmt::Debug for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl TryFrom<&str> for Ident {
    type Error = IdentError;

    fn try_from(name: &str) -> Result<Ident, IdentError> {
        Ident::new(name)
    }
}

/// A schema-qualified name such as `"public"."Orders 2024"`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct QualifiedName {
    /// The schema (PostgreSQL namespace).
    pub schema: Ident,
    /// The object's name inside the schema.
    pub name: Ident,
}

impl QualifiedName {
    /// Joins a schema and a name.
    pub fn new(schema: Ident, name: Ident) -> QualifiedName {
        QualifiedName { schema, name }
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, sql: &str) {
        assert_eq!(Ident::new(name).unwrap().to_string(), sql);
    }

    #[test]
    fn quotes_every_name() {
        check("orders", r#""orders""#);
        check("Orders 2024", r#""Orders 2024""#);
        check(r#"a"b"#, r#""a""b""#);
        check(r#"""#, r#""""""#);
        check(r#""; drop table x; --"#, r#""""; drop table x; --""#);
        check("Zoë's café", r#""Zoë's café""#);
    }

    #[test]
    fn refuses_what_postgres_cannot_store() {
        assert_eq!(Ident::new(""), Err(IdentError::Empty));
        assert!(matches!(Ident::new("a\0b"), Err(IdentError::Nul(_))));
        assert!(Ident::new("é".repeat(31) + "a").is_ok(), "63 bytes fit");
        let err = Ident::new("é".repeat(32)).unwrap_err();
        assert_eq!(err, IdentError::TooLong { name: "é".repeat(32), bytes: 64 });
        assert!(err.to_string().contains("64 bytes"), "{err}");
    }

    #[test]
    fn qualified_names_quote_both_parts() {
        let name = QualifiedName::new(Ident::new("my schema").unwrap(), Ident::new("t\"").unwrap());
        assert_eq!(name.to_string(), r#""my schema"."t""""#);
    }
}
