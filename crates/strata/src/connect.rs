//! Which database a data command (`import`, `psql`, `exec`) works on.
//!
//! With `--database-url`, the URL names it. Otherwise it is a user database of the embedded
//! cluster (`main` unless `--db` says otherwise), created on first use; a running
//! `strata serve` is joined, else the cluster runs for the command's duration. Either way the
//! database is prepared for Strata (`strata_db::audit::install`: its tables are audited) before
//! the command touches it.

use anyhow::Context;
use strata_db::audit;
use strata_db::embedded::EmbeddedServer;
use strata_db::{DEFAULT_USER_DATABASE, ServerAddress, SystemDatabase};
use strata_sql::Ident;

use crate::config::Database;

/// A user database, and the embedded cluster behind it when this command runs one.
pub struct UserDatabase {
    /// How to connect.
    pub address: ServerAddress,
    embedded: Option<EmbeddedServer>,
}

impl UserDatabase {
    /// Resolves and, for the embedded cluster, creates the database `name`, and prepares it.
    pub async fn open(database: Database, name: Option<String>) -> anyhow::Result<UserDatabase> {
        let database = UserDatabase::resolve(database, name).await?;
        let mut client = database.address.connect().await?;
        let tx = client.transaction().await.context("starting to prepare the database")?;
        audit::install(&tx).await?;
        tx.commit().await.context("preparing the database")?;
        Ok(database)
    }

    async fn resolve(database: Database, name: Option<String>) -> anyhow::Result<UserDatabase> {
        match database {
            Database::External(address) => {
                let address = match name {
                    Some(name) => address.with_database(Ident::new(name)?.as_str()),
                    None => address,
                };
                Ok(UserDatabase { address, embedded: None })
            }
            Database::Embedded(options) => {
                let name = Ident::new(name.unwrap_or_else(|| DEFAULT_USER_DATABASE.to_string()))?;
                let server = EmbeddedServer::open(&options).await?;
                let system = SystemDatabase::open(&server.address()).await?;
                let address = system.user_database(&name).await?;
                Ok(UserDatabase { address, embedded: Some(server) })
            }
        }
    }

    /// Stops the embedded cluster if this command started it.
    pub async fn close(self) {
        if let Some(server) = self.embedded {
            server.close().await;
        }
    }
}
