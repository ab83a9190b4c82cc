//! [`ServerAddress`]: where a PostgreSQL server is and how to reach it, without leaking secrets.

use std::path::Path;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use tokio_postgres::config::Host;
use tokio_postgres::{Client, Config, NoTls};

use crate::Error;

/// How long connecting, handshake and authentication included, may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Whether a server is Strata's embedded cluster or one the user pointed us at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// The private cluster in Strata's data directory.
    Embedded,
    /// A server named by `--database-url` / `DATABASE_URL`.
    External,
}

impl ServerKind {
    /// `"embedded"` or `"external"`, as the API reports it.
    pub fn as_str(self) -> &'static str {
        match self {
            ServerKind::Embedded => "embedded",
            ServerKind::External => "external",
        }
    }
}

/// Connection settings for one database on one server.
#[derive(Clone)]
pub struct ServerAddress {
    config: Config,
    kind: ServerKind,
}

impl std::fmt::Debug for ServerAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Config's own Debug redacts the password; ours shows only what messages show.
        write!(f, "ServerAddress({}, {:?})", self.describe(), self.kind)
    }
}

impl ServerAddress {
    /// Parses a `postgres://` URL or a `key=value` connection string.
    pub fn parse(url: &str) -> Result<ServerAddress, Error> {
        let mut config: Config =
            url.parse().map_err(|err: tokio_postgres::Error| Error::BadUrl { reason: crate::error::describe(&err) })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        Ok(ServerAddress { config, kind: ServerKind::External })
    }

    /// The embedded cluster listening in `socket_dir`, as the `postgres` superuser.
    pub fn socket(socket_dir: &Path, port: u16) -> ServerAddress {
        let mut config = Config::new();
        config.host_path(socket_dir).port(port).user("postgres").dbname("postgres");
        ServerAddress { config, kind: ServerKind::Embedded }
    }

    /// Embedded or external.
    pub fn kind(&self) -> ServerKind {
        self.kind
    }

    /// The database this address names, if any.
    pub fn database(&self) -> Option<&str> {
        self.config.get_dbname()
    }

    /// The same server and credentials, another database.
    pub fn with_database(&self, name: &str) -> ServerAddress {
        let mut address = self.clone();
        address.config.dbname(name);
        address
    }

    /// `user@host:port/database` for messages; never includes the password.
    pub fn describe(&self) -> String {
        let host = match self.config.get_hosts().first() {
            Some(Host::Tcp(name)) => name.clone(),
            Some(Host::Unix(path)) => path.display().to_string(),
            None => "localhost".to_string(),
        };
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        let user = self.config.get_user().unwrap_or("(default user)");
        let database = self.database().unwrap_or("(default database)");
        format!("{user}@{host}:{port}/{database}")
    }

    /// A libpq connection URL for other programs (`psql`, `pg_dump`). It carries the password
    /// if the address has one, so it is handed to child processes, never printed.
    pub fn libpq_url(&self) -> String {
        let mut url = String::from("postgresql://");
        if let Some(user) = self.config.get_user() {
            url.push_str(&percent_encode(user));
            if let Some(password) = self.config.get_password() {
                url.push(':');
                url.push_str(&percent_encode(&String::from_utf8_lossy(password)));
            }
            url.push('@');
        }
        let mut query = Vec::new();
        let port = self.config.get_ports().first();
        match self.config.get_hosts().first() {
            Some(Host::Tcp(name)) => {
                url.push_str(&percent_encode(name));
                if let Some(port) = port {
                    url.push_str(&format!(":{port}"));
                }
            }
            Some(Host::Unix(path)) => {
                query.push(format!("host={}", percent_encode(&path.display().to_string())));
                query.extend(port.map(|port| format!("port={port}")));
            }
            None => {}
        }
        url.push('/');
        if let Some(database) = self.database() {
            url.push_str(&percent_encode(database));
        }
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query.join("&"));
        }
        url
    }

    /// libpq's environment variables (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`,
    /// `PGDATABASE`) for this address, for child processes such as `psql`.
    pub fn libpq_env(&self) -> Vec<(&'static str, String)> {
        let mut vars = Vec::new();
        match self.config.get_hosts().first() {
            Some(Host::Tcp(name)) => vars.push(("PGHOST", name.clone())),
            Some(Host::Unix(path)) => vars.push(("PGHOST", path.display().to_string())),
            None => {}
        }
        vars.extend(self.config.get_ports().first().map(|port| ("PGPORT", port.to_string())));
        vars.extend(self.config.get_user().map(|user| ("PGUSER", user.to_string())));
        vars.extend(self.config.get_password().map(|pw| ("PGPASSWORD", String::from_utf8_lossy(pw).into_owned())));
        vars.extend(self.database().map(|db| ("PGDATABASE", db.to_string())));
        vars
    }

    /// Opens one connection; its driver runs on the current tokio runtime.
    pub async fn connect(&self) -> Result<Client, Error> {
        // connect_timeout covers only the TCP handshake; a peer that accepts and then says
        // nothing must not hang Strata either.
        let connecting = tokio::time::timeout(CONNECT_TIMEOUT, self.config.connect(NoTls));
        let (client, connection) = connecting
            .await
            .map_err(|_| Error::Connect {
                target: self.describe(),
                reason: format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
                code: None,
            })?
            .map_err(|source| Error::connect(self.describe(), &source))?;
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!("PostgreSQL connection ended: {err}");
            }
        });
        Ok(client)
    }

    /// A connection pool of at most `max_size` connections.
    pub fn pool(&self, max_size: usize) -> Pool {
        let manager =
            Manager::from_config(self.config.clone(), NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        Pool::builder(manager)
            .max_size(max_size)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(30)))
            .build()
            .expect("a pool with a runtime and no hooks always builds")
    }
}

/// Everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) is encoded.
pub const URL_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes `text` for any part of a URL.
pub fn percent_encode(text: &str) -> String {
    utf8_percent_encode(text, URL_COMPONENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_never_show_the_password() {
        let address = ServerAddress::parse("postgres://alice:s3cret@db.example:6543/strata").unwrap();
        assert_eq!(address.describe(), "alice@db.example:6543/strata");
        assert!(!format!("{address:?}").contains("s3cret"));
    }

    #[test]
    fn libpq_urls_round_trip_through_the_parser() {
        let address = ServerAddress::socket(Path::new("/tmp/my data/run"), 5432).with_database("Zoë's db");
        let url = address.libpq_url();
        assert_eq!(url, "postgresql://postgres@/Zo%C3%AB%27s%20db?host=%2Ftmp%2Fmy%20data%2Frun&port=5432");
        let parsed = ServerAddress::parse(&url).unwrap();
        assert_eq!(parsed.describe(), "postgres@/tmp/my data/run:5432/Zoë's db");
    }

    #[test]
    fn bad_urls_say_why() {
        let err = ServerAddress::parse("postgres://x:y@host:notaport/db").unwrap_err();
        assert!(err.to_string().starts_with("invalid database URL"), "{err}");
    }
}
