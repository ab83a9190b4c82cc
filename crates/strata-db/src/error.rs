//! [`Error`]: what can go wrong talking to PostgreSQL, said so a user knows what to do.

use std::error::Error as _;

/// A failure of a database operation. Messages never contain passwords.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The connection string could not be parsed.
    #[error("invalid database URL: {reason}")]
    BadUrl {
        /// What the parser said.
        reason: String,
    },
    /// The server could not be reached or refused us.
    #[error(
        "cannot connect to PostgreSQL at {target}: {reason}; check that the server is running \
         and that --database-url / DATABASE_URL names the right host, user and password"
    )]
    Connect {
        /// `user@host:port/database`.
        target: String,
        /// What failed.
        reason: String,
        /// The SQLSTATE, when the server answered (such as `28P01`, `3D000`).
        code: Option<String>,
    },
    /// A statement failed.
    #[error("{context}: {}", describe(source))]
    Postgres {
        /// What Strata was doing.
        context: String,
        /// The driver's error, with SQLSTATE and constraint details.
        #[source]
        source: tokio_postgres::Error,
    },
    /// A pooled connection could not be had.
    #[error("no database connection available: {0}")]
    Pool(String),
    /// The database was migrated by a newer Strata than this one.
    #[error(
        "the database {database} has Strata schema version {found}, newer than this Strata \
         knows ({known}); upgrade Strata"
    )]
    NewerSchema {
        /// The database.
        database: String,
        /// Its recorded version.
        found: i32,
        /// The newest version this binary knows.
        known: i32,
    },
}

impl Error {
    /// Wraps a driver error with what Strata was doing.
    pub fn postgres(context: impl Into<String>) -> impl FnOnce(tokio_postgres::Error) -> Error {
        let context = context.into();
        move |source| Error::Postgres { context, source }
    }

    /// A failed connection to `target` (`user@host:port/db`).
    pub(crate) fn connect(target: String, source: &tokio_postgres::Error) -> Error {
        Error::Connect { target, reason: describe(source), code: source.code().map(|code| code.code().to_string()) }
    }

    /// The SQLSTATE of the underlying PostgreSQL error, if any.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Connect { code, .. } => code.as_deref(),
            Error::Postgres { source, .. } => source.code().map(|code| code.code()),
            _ => None,
        }
    }
}

/// The message of a driver error: the server's own words for database errors, else the error
/// and its causes ("error connecting to server: Connection refused (os error 111)").
pub(crate) fn describe(err: &tokio_postgres::Error) -> String {
    if let Some(db) = err.as_db_error() {
        let mut text = db.message().to_string();
        if let Some(detail) = db.detail() {
            text.push_str(&format!(" ({detail})"));
        }
        return text;
    }
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(inner) = cause {
        text.push_str(&format!(": {inner}"));
        cause = inner.source();
    }
    text
}
