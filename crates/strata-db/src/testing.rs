//! Real PostgreSQL for tests: one database per test, cloned from a migrated template.
//!
//! The server is `TEST_DATABASE_URL` when set (it must name a database we may connect to, such
//! as `postgres://postgres@127.0.0.1:5432/postgres`, and a role that may create databases).
//! Otherwise the first test of a process starts a throw-away embedded cluster under the system
//! temp dir, which dies with the process; the next process sweeps its directory away.
//!
//! ```no_run
//! # async fn run() {
//! let db = strata_db::testing::TestDb::new().await;
//! let client = db.client().await;
//! client.execute("CREATE TABLE t (x int)", &[]).await.unwrap();
//! # }
//! ```

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use strata_sql::Ident;
use tokio::sync::OnceCell;
use tokio_postgres::Client;

use crate::embedded::{Cluster, EmbeddedOptions};
use crate::{ServerAddress, migrate};

const TEMP_PREFIX: &str = "strata-test-";
const DB_PREFIX: &str = "strata_test_";

struct TestServer {
    /// The maintenance database on the test server.
    maintenance: ServerAddress,
    /// The migrated template that test databases are cloned from.
    template: Ident,
    /// Keeps a throw-away cluster alive for the life of the process.
    _cluster: std::sync::Mutex<Option<Cluster>>,
}

static SERVER: OnceCell<TestServer> = OnceCell::const_new();
static NEXT_DB: AtomicU32 = AtomicU32::new(0);

/// A database of its own for one test, dropped (forcefully) when the value is dropped.
pub struct TestDb {
    address: ServerAddress,
    maintenance: ServerAddress,
    name: Ident,
}

impl TestDb {
    /// A fresh database with Strata's system schema already migrated.
    pub async fn new() -> TestDb {
        let server = server().await;
        TestDb::create(server, Some(&server.template)).await
    }

    /// A fresh, empty database (for testing migrations themselves).
    pub async fn empty() -> TestDb {
        let server = server().await;
        TestDb::create(server, None).await
    }

    async fn create(server: &TestServer, template: Option<&Ident>) -> TestDb {
        let name = format!("{DB_PREFIX}{}_{}", std::process::id(), NEXT_DB.fetch_add(1, Ordering::Relaxed));
        let name = Ident::new(name).expect("test database names are short");
        let sql = match template {
            Some(template) => format!("CREATE DATABASE {name} TEMPLATE {template}"),
            None => format!("CREATE DATABASE {name}"),
        };
        let client = server.maintenance.connect().await.expect("connecting to the test server");
        client.execute(&sql, &[]).await.expect("creating a test database");
        TestDb {
            address: server.maintenance.with_database(name.as_str()),
            maintenance: server.maintenance.clone(),
            name,
        }
    }

    /// The database's address.
    pub fn address(&self) -> &ServerAddress {
        &self.address
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    /// A new connection to the database.
    pub async fn client(&self) -> Client {
        self.address.connect().await.expect("connecting to the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let maintenance = self.maintenance.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop cannot await, and the test's runtime may be shutting down: use a runtime of our own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let client = maintenance.connect().await.map_err(std::io::Error::other)?;
                client.execute(&sql, &[]).await.map_err(std::io::Error::other)
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(_))) {
            eprintln!("could not drop test database {}: {dropped:?}", self.name.as_str());
        }
    }
}

/// The maintenance address of the test server, for tests that need the server itself.
pub async fn server_address() -> ServerAddress {
    server().await.maintenance.clone()
}

async fn server() -> &'static TestServer {
    SERVER
        .get_or_init(|| async {
            let (maintenance, cluster) = match std::env::var("TEST_DATABASE_URL") {
                Ok(url) => (ServerAddress::parse(&url).expect("TEST_DATABASE_URL must be a valid URL"), None),
                Err(_) => {
                    let cluster = start_throwaway_cluster().await;
                    (cluster.address(), Some(cluster))
                }
            };
            let client = maintenance.connect().await.expect("connecting to the test server");
            drop_orphans(&client).await;
            let template = ensure_template(&client, &maintenance).await;
            TestServer { maintenance, template, _cluster: std::sync::Mutex::new(cluster) }
        })
        .await
}

/// A throw-away cluster that dies with this process. Test clusters live under the system temp
/// dir because, run as root, the cluster's account must be able to reach them.
async fn start_throwaway_cluster() -> Cluster {
    let temp = std::env::temp_dir();
    sweep_dead_clusters(&temp);
    let dir = tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{}-", std::process::id()))
        .tempdir_in(&temp)
        .expect("creating a test cluster directory")
        .keep();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o711)).expect("opening the test cluster directory");
    let options = EmbeddedOptions { durable: false, ..EmbeddedOptions::new(dir) };
    Cluster::start(&options).await.expect("starting a throw-away PostgreSQL (or set TEST_DATABASE_URL)")
}

/// Removes the cluster directories of test processes that have exited.
fn sweep_dead_clusters(temp: &Path) {
    for entry in std::fs::read_dir(temp).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(TEMP_PREFIX)).and_then(|rest| rest.split('-').next())
        else {
            continue;
        };
        if pid.parse::<u32>().is_ok_and(|pid| !process_alive(pid)) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Drops test databases left by test processes of this machine that have exited.
async fn drop_orphans(client: &Client) {
    let rows = client
        .query("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", &[&DB_PREFIX])
        .await
        .expect("listing test databases");
    for row in rows {
        let name: String = row.get(0);
        let pid = name[DB_PREFIX.len()..].split('_').next().and_then(|pid| pid.parse::<u32>().ok());
        if pid.is_some_and(|pid| !process_alive(pid))
            && let Ok(ident) = Ident::new(name)
        {
            let _ = client.execute(&format!("DROP DATABASE IF EXISTS {ident} WITH (FORCE)"), &[]).await;
        }
    }
}

fn process_alive(pid: u32) -> bool {
    i32::try_from(pid).is_ok_and(|pid| {
        !matches!(nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None), Err(nix::errno::Errno::ESRCH))
    })
}

/// Creates the template for the current migrations once per server, whichever test process
/// gets there first.
async fn ensure_template(client: &Client, maintenance: &ServerAddress) -> Ident {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in migrate::SYSTEM.iter().chain(migrate::USER.iter()).flat_map(|m| m.sql.bytes()) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
    }
    let template = Ident::new(format!("strata_template_{hash:016x}")).expect("short name");
    client.execute("SELECT pg_advisory_lock(hashtext('strata.test_template'))", &[]).await.expect("locking");
    let exists = client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&template.as_str()])
        .await
        .expect("looking for the template")
        .is_some();
    if !exists {
        client.execute(&format!("CREATE DATABASE {template}"), &[]).await.expect("creating the template");
        let mut template_client = maintenance.with_database(template.as_str()).connect().await.expect("connecting");
        let tx = template_client.transaction().await.expect("begin");
        migrate::migrate(&tx, migrate::SYSTEM).await.expect("migrating the template");
        migrate::migrate(&tx, migrate::USER).await.expect("migrating the template's audit trail");
        tx.commit().await.expect("commit");
    }
    client.execute("SELECT pg_advisory_unlock(hashtext('strata.test_template'))", &[]).await.expect("unlocking");
    template
}
