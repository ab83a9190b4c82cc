//! Strata's link to PostgreSQL: where the server is, how to start the embedded one, and
//! Strata's own schema.
//!
//! - [`ServerAddress`] names a server and database (from `DATABASE_URL`, or the embedded
//!   cluster's socket) and opens connections and pools.
//! - [`embedded`] runs the private default cluster: [`embedded::Cluster`] owns one,
//!   [`embedded::EmbeddedServer`] attaches to the one `strata serve` runs or starts its own.
//! - [`SystemDatabase`] opens (creating and migrating) the system database.
//! - [`migrate`] applies versioned schema migrations inside a transaction.
//! - [`Databases`] lists and creates user databases and keeps a small pool for each.
//! - [`catalog`] reads schemas, tables and columns; [`rows`] reads pages of rows (keyset
//!   pagination, PostgREST's filter syntax) as JSON written by PostgreSQL, with versions and
//!   links; [`rows::write`] inserts, updates (checking versions) and deletes them;
//!   [`rows::record`] reads one row with the rows that reference it.
//! - [`ddl`] creates, renames and drops schemas, tables and columns, and retypes columns
//!   (previewing the values a new type refuses).
//! - [`load`] creates a table from an import plan and fills it by binary COPY, or appends.
//! - [`count`] writes a count with thousands separators, as summaries and previews show it.
//! - `testing` (feature `testing`) gives each test its own database cloned from a migrated
//!   template.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use strata_db::embedded::{Cluster, EmbeddedOptions};
//!
//! let cluster = Cluster::start(&EmbeddedOptions::new("/var/lib/strata".into())).await?;
//! let system = strata_db::SystemDatabase::open(&cluster.address()).await?;
//! let client = system.client().await?;
//! println!("{}", strata_db::server_version(&client).await?);
//! cluster.stop().await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod address;
pub mod audit;
pub mod catalog;
mod count;
mod databases;
pub mod ddl;
pub mod embedded;
mod error;
pub mod load;
pub mod migrate;
pub mod model;
pub mod rows;
mod system;
#[cfg(feature = "testing")]
pub mod testing;

pub use address::{ServerAddress, ServerKind, percent_encode};
pub use count::count;
pub use databases::{DatabaseInfo, Databases, MAX_POOLS, POOL_SIZE};
pub use deadpool_postgres::{Object as PooledClient, Pool};
pub use error::Error;
pub use system::{DEFAULT_USER_DATABASE, SYSTEM_DATABASE, SystemDatabase, server_version};
pub use tokio_postgres;
