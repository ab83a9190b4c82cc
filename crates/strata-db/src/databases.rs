//! [`Databases`]: the user databases on the system database's server, and a small pool for each.
//!
//! With `serve`, the user databases are the other databases on the server that Strata may open
//! (DESIGN §3): connections allowed, not a template, not the system database, and CONNECT
//! granted to Strata's role. A pool per database is made on first use and kept in a bounded
//! cache; the least recently used one is dropped (its connections close as they are returned)
//! when the cache is full. The first connection of each pool prepares the database
//! ([`audit::install`]: Strata's schema and the audit triggers).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use deadpool_postgres::{Pool, PoolError};
use strata_sql::Ident;
use tokio::sync::OnceCell;

use crate::{Error, PooledClient, ServerAddress, SystemDatabase, audit};

/// How many connections each user database's pool may hold.
pub const POOL_SIZE: usize = 4;
/// How many user databases keep a pool at once.
pub const MAX_POOLS: usize = 32;
/// `invalid_catalog_name`: the database was dropped after its pool was made.
const UNDEFINED_DATABASE: &str = "3D000";

/// Which rows of `pg_database` are user databases, seen from a connection to the system database.
const USER_DATABASES: &str = "datallowconn AND NOT datistemplate AND datname <> current_database() \
                              AND has_database_privilege(oid, 'CONNECT')";

/// A user database as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseInfo {
    /// Its name, exactly as PostgreSQL stores it.
    pub name: String,
    /// Its size on disk in bytes (`pg_database_size`).
    pub size_bytes: i64,
}

/// The user databases of one server and their pools. Cloning shares the cache.
#[derive(Clone)]
pub struct Databases {
    system: SystemDatabase,
    cache: Arc<Mutex<Cache>>,
}

#[derive(Default)]
struct Cache {
    /// Grows on every use; the smallest `last_used` is evicted first.
    clock: u64,
    pools: HashMap<String, Cached>,
}

struct Cached {
    pool: Pool,
    address: ServerAddress,
    /// Set once the database is prepared ([`audit::install`]).
    prepared: Arc<OnceCell<()>>,
    last_used: u64,
}

impl Databases {
    /// The user databases next to `system`.
    pub fn new(system: SystemDatabase) -> Databases {
        Databases { system, cache: Arc::default() }
    }

    /// The system database.
    pub fn system(&self) -> &SystemDatabase {
        &self.system
    }

    /// Every user database, by name. A database dropped while it is listed (its size is then
    /// NULL) is left out.
    pub async fn list(&self) -> Result<Vec<DatabaseInfo>, Error> {
        let client = self.system.client().await?;
        let sql = format!(
            "SELECT name, size FROM (SELECT datname::text AS name, pg_database_size(oid) AS size FROM pg_database \
             WHERE {USER_DATABASES}) d WHERE size IS NOT NULL ORDER BY name"
        );
        let rows = client.query(&sql, &[]).await.map_err(Error::postgres("listing databases"))?;
        Ok(rows.iter().map(|row| DatabaseInfo { name: row.get(0), size_bytes: row.get(1) }).collect())
    }

    /// Creates the user database `name` and registers it in the system database.
    pub async fn create(&self, name: &str) -> Result<DatabaseInfo, Error> {
        let ident = Ident::new(name)
            .map_err(|err| Error::BadParameter { parameter: "name".into(), reason: err.to_string() })?;
        let client = self.system.client().await?;
        let exists = client
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
            .await
            .map_err(Error::postgres("looking for the database"))?
            .is_some();
        if exists {
            return Err(Error::DatabaseExists { database: name.to_string() });
        }
        self.system.user_database(&ident).await?;
        let size = client
            .query_one("SELECT pg_database_size(oid) FROM pg_database WHERE datname = $1", &[&name])
            .await
            .map_err(Error::postgres("reading the new database's size"))?;
        Ok(DatabaseInfo { name: name.to_string(), size_bytes: size.get(0) })
    }

    /// A connection to the user database `name`; [`Error::UnknownDatabase`] if there is none
    /// Strata may open.
    pub async fn client(&self, name: &str) -> Result<PooledClient, Error> {
        let unknown = || Error::UnknownDatabase { database: name.to_string() };
        if Ident::new(name).is_err() {
            // Too long (or otherwise impossible) to be a database's name.
            return Err(unknown());
        }
        let (pool, address, prepared) = match self.cached(name) {
            Some(found) => found,
            None => {
                let system = self.system.client().await?;
                let sql = format!("SELECT 1 FROM pg_database WHERE datname = $1 AND {USER_DATABASES}");
                let listed =
                    system.query_opt(&sql, &[&name]).await.map_err(Error::postgres("looking for the database"))?;
                if listed.is_none() {
                    return Err(unknown());
                }
                self.insert(name)
            }
        };
        let mut client = pool.get().await.map_err(|err| match err {
            PoolError::Backend(source) if source.code().map(|c| c.code()) == Some(UNDEFINED_DATABASE) => {
                self.cache.lock().expect("pool cache lock").pools.remove(name);
                unknown()
            }
            PoolError::Backend(source) => Error::connect(address.describe(), &source),
            other => Error::Pool(other.to_string()),
        })?;
        prepared
            .get_or_try_init(async || {
                let tx = client.transaction().await.map_err(Error::postgres("preparing the database"))?;
                let audited = audit::install(&tx).await?;
                tx.commit().await.map_err(Error::postgres("preparing the database"))?;
                if audited > 0 {
                    tracing::info!(database = name, audited, "auditing the database's tables");
                }
                Ok::<(), Error>(())
            })
            .await?;
        Ok(client)
    }

    fn cached(&self, name: &str) -> Option<(Pool, ServerAddress, Arc<OnceCell<()>>)> {
        let mut cache = self.cache.lock().expect("pool cache lock");
        cache.clock += 1;
        let now = cache.clock;
        cache.pools.get_mut(name).map(|entry| {
            entry.last_used = now;
            (entry.pool.clone(), entry.address.clone(), entry.prepared.clone())
        })
    }

    fn insert(&self, name: &str) -> (Pool, ServerAddress, Arc<OnceCell<()>>) {
        let mut cache = self.cache.lock().expect("pool cache lock");
        cache.clock += 1;
        let now = cache.clock;
        if let Some(entry) = cache.pools.get_mut(name) {
            // Another request made it meanwhile.
            entry.last_used = now;
            return (entry.pool.clone(), entry.address.clone(), entry.prepared.clone());
        }
        while cache.pools.len() >= MAX_POOLS {
            let oldest = cache.pools.iter().min_by_key(|(_, entry)| entry.last_used).map(|(name, _)| name.clone());
            match oldest {
                Some(oldest) => cache.pools.remove(&oldest),
                None => break,
            };
        }
        let address = self.system.address.with_database(name);
        let pool = address.pool(POOL_SIZE);
        let prepared = Arc::new(OnceCell::new());
        let entry = Cached { pool: pool.clone(), address: address.clone(), prepared: prepared.clone(), last_used: now };
        cache.pools.insert(name.to_string(), entry);
        (pool, address, prepared)
    }
}
