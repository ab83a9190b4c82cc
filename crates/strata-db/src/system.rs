//! The system database: Strata's users, sessions, tokens and registry of user databases.

use deadpool_postgres::Pool;
use strata_sql::Ident;
use tokio_postgres::Client;

use crate::{Error, PooledClient, ServerAddress, ServerKind, migrate};

/// The system database's name when the address names none (and always when embedded).
pub const SYSTEM_DATABASE: &str = "strata";
/// The user database that commands use when none is named (embedded installations).
pub const DEFAULT_USER_DATABASE: &str = "main";
/// PostgreSQL's maintenance database, used to create others.
const MAINTENANCE_DATABASE: &str = "postgres";
/// `invalid_catalog_name`: the database does not exist.
const UNDEFINED_DATABASE: &str = "3D000";
/// `duplicate_database`: someone created it first.
const DUPLICATE_DATABASE: &str = "42P04";
/// `unique_violation`: someone was creating it at the same moment.
const UNIQUE_VIOLATION: &str = "23505";

/// An open, migrated system database.
#[derive(Clone)]
pub struct SystemDatabase {
    /// Connections to it.
    pub pool: Pool,
    /// Its address.
    pub address: ServerAddress,
}

impl SystemDatabase {
    /// Connects to the system database on `server`, creating and migrating it as needed.
    pub async fn open(server: &ServerAddress) -> Result<SystemDatabase, Error> {
        let address = match (server.kind(), server.database()) {
            (ServerKind::External, Some(_)) => server.clone(),
            _ => server.with_database(SYSTEM_DATABASE),
        };
        let mut client = connect_creating(&address).await?;
        let tx = client.transaction().await.map_err(Error::postgres("starting the migration"))?;
        let applied = migrate::migrate(&tx, migrate::SYSTEM).await?;
        tx.commit().await.map_err(Error::postgres("committing the migration"))?;
        if !applied.is_empty() {
            tracing::info!(database = address.describe(), ?applied, "migrated the system database");
        }
        Ok(SystemDatabase { pool: address.pool(16), address })
    }

    /// The user database `name` on the same server, created and registered if it is new.
    pub async fn user_database(&self, name: &Ident) -> Result<ServerAddress, Error> {
        let client = self.client().await?;
        let exists = client
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name.as_str()])
            .await
            .map_err(Error::postgres("looking for the database"))?
            .is_some();
        if !exists {
            tracing::info!(database = name.as_str(), "creating the database");
            create_database(&client, name).await?;
        }
        client
            .execute(
                "INSERT INTO strata.user_database (name, created_by) VALUES ($1, current_user) ON CONFLICT DO NOTHING",
                &[&name.as_str()],
            )
            .await
            .map_err(Error::postgres("registering the database"))?;
        Ok(self.address.with_database(name.as_str()))
    }

    /// A pooled connection; a failure names the server (never the password).
    pub async fn client(&self) -> Result<PooledClient, Error> {
        self.pool.get().await.map_err(|err| match err {
            deadpool_postgres::PoolError::Backend(source) => Error::connect(self.address.describe(), &source),
            other => Error::Pool(other.to_string()),
        })
    }
}

/// The server's version as it reports it, such as `15.19`.
pub async fn server_version(client: &Client) -> Result<String, Error> {
    let row = client
        .query_one("SELECT current_setting('server_version')", &[])
        .await
        .map_err(Error::postgres("reading the server version"))?;
    let full: String = row.get(0);
    Ok(full.split_whitespace().next().unwrap_or_default().to_string())
}

/// `CREATE DATABASE`, content if someone else created it first: PostgreSQL says so with
/// `duplicate_database`, or with `unique_violation` when the two creations raced.
async fn create_database(client: &Client, name: &Ident) -> Result<(), Error> {
    match client.execute(&format!("CREATE DATABASE {name}"), &[]).await {
        Err(err) if !matches!(err.code().map(|c| c.code()), Some(DUPLICATE_DATABASE | UNIQUE_VIOLATION)) => {
            Err(Error::postgres(format!("creating the database {}", name.as_str()))(err))
        }
        _ => Ok(()),
    }
}

/// Connects to `address`, first creating its database if it does not exist.
async fn connect_creating(address: &ServerAddress) -> Result<Client, Error> {
    match address.connect().await {
        Err(err) if err.code() == Some(UNDEFINED_DATABASE) => {
            let name = address.database().unwrap_or(SYSTEM_DATABASE);
            let ident = Ident::new(name).map_err(|e| Error::BadUrl { reason: e.to_string() })?;
            let maintenance = address.with_database(MAINTENANCE_DATABASE).connect().await?;
            tracing::info!(database = name, "creating the system database");
            create_database(&maintenance, &ident).await?;
            address.connect().await
        }
        other => other,
    }
}
