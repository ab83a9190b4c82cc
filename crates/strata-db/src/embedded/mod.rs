//! The embedded default: a private PostgreSQL cluster inside Strata's data directory.
//!
//! [`Cluster::start`] takes the data directory's lock, runs `initdb` on first use and starts a
//! supervised `postgres` that listens on a Unix socket only (no TCP port: nothing to clash with,
//! nothing exposed). [`Cluster::stop`] shuts it down; dropping a `Cluster` does too, and so does
//! Strata's death, however abrupt (see `process`).
//!
//! A data directory looks like this:
//!
//! ```text
//! strata.lock     flock held by the owning Strata process: its pid and socket directory
//! postgres/       the cluster (PGDATA)
//! postgres.log    the server's log
//! run/            the socket directory (or a short one under /tmp when this path is too long)
//! ```
//!
//! Commands such as `strata psql` use [`EmbeddedServer::open`]: they attach to the cluster of a
//! running `strata serve`, or start it for their own duration.

mod account;
mod binaries;
mod lock;
mod process;

use std::fs::{self, DirBuilder};
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use nix::sys::signal::kill;
use nix::unistd::Pid;

pub use account::Account;
pub use binaries::Binaries;
use lock::{Acquired, DataDirLock};
use process::{Postmaster, run_as};

use crate::ServerAddress;

/// The port number in the socket's file name (`.s.PGSQL.5432`); no TCP port is opened.
const SOCKET_PORT: u16 = 5432;
/// The longest socket directory that fits `sun_path` (108 bytes) with `/.s.PGSQL.5432`.
const MAX_SOCKET_DIR_BYTES: usize = 107 - "/.s.PGSQL.5432".len();
/// How long a starting cluster may take, crash recovery included.
const READY_TIMEOUT: Duration = Duration::from_secs(120);

/// How to run the embedded cluster.
#[derive(Debug, Clone)]
pub struct EmbeddedOptions {
    /// Strata's data directory; the cluster lives in its `postgres/` folder.
    pub data_dir: PathBuf,
    /// Where the PostgreSQL binaries are (`PG_BINDIR`); searched for when `None`.
    pub bindir: Option<PathBuf>,
    /// `false` for throw-away test clusters: no fsync, no synchronous commit.
    pub durable: bool,
}

impl EmbeddedOptions {
    /// Durable options for `data_dir`, with the binaries found as usual.
    pub fn new(data_dir: PathBuf) -> EmbeddedOptions {
        EmbeddedOptions { data_dir, bindir: None, durable: true }
    }
}

/// Why the embedded cluster could not be used. Every message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    /// No `postgres`/`initdb` found.
    #[error(
        "PostgreSQL's server programs (postgres, initdb) were not found; looked in {looked_in}.\n\
         Install them (Debian/Ubuntu: `apt install postgresql`, Fedora: `dnf install \
         postgresql-server`, macOS: `brew install postgresql`) or set PG_BINDIR to their \
         directory, or use an existing server with --database-url / DATABASE_URL"
    )]
    BinariesNotFound {
        /// Where we looked.
        looked_in: String,
    },
    /// Another Strata process owns the data directory.
    #[error(
        "Strata is already running on {} (pid {pid}); stop it first, or choose another --data-dir",
        data_dir.display()
    )]
    AlreadyRunning {
        /// The data directory.
        data_dir: PathBuf,
        /// The owner's process id.
        pid: u32,
    },
    /// The data directory cannot be created or written.
    #[error("the data directory {} is not writable ({source}); choose another with --data-dir", dir.display())]
    NotWritable {
        /// The directory.
        dir: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// Running as root, the cluster's account cannot reach the data directory.
    #[error(
        "Strata runs as root, so its PostgreSQL runs as `{account}`, which cannot reach {}: \
         {} is not searchable by `{account}`. Allow it with `chmod o+x {}`, or choose a \
         --data-dir under /var/lib or /srv",
        dir.display(), blocking.display(), blocking.display()
    )]
    Unreachable {
        /// The data directory.
        dir: PathBuf,
        /// The first directory on the way that the account may not search.
        blocking: PathBuf,
        /// The account.
        account: String,
    },
    /// Running as root with no account to run PostgreSQL as.
    #[error(
        "Strata runs as root and PostgreSQL refuses to; no `postgres` or `nobody` account exists \
         to run it as. Create a `postgres` user, or run Strata as an ordinary user"
    )]
    NoAccount,
    /// The cluster was made by another major version than the binaries found.
    #[error(
        "the database in {} was created by PostgreSQL {cluster}, but the programs found in {} are \
         PostgreSQL {binaries}; point PG_BINDIR at PostgreSQL {cluster}'s programs",
        data_dir.display(), bindir.display()
    )]
    VersionMismatch {
        /// The cluster directory.
        data_dir: PathBuf,
        /// Its major version.
        cluster: u32,
        /// The binaries' major version.
        binaries: u32,
        /// Where the binaries are.
        bindir: PathBuf,
    },
    /// `initdb` failed.
    #[error("initdb failed for {}:\n{output}", data_dir.display())]
    Initdb {
        /// The cluster directory.
        data_dir: PathBuf,
        /// What initdb printed.
        output: String,
    },
    /// PostgreSQL exited or did not become ready.
    #[error("PostgreSQL did not start ({reason}); the end of its log {}:\n{log_tail}", log.display())]
    Start {
        /// What went wrong.
        reason: String,
        /// The log file.
        log: PathBuf,
        /// Its last lines.
        log_tail: String,
    },
    /// The data directory's path is too long to hold the cluster's socket.
    #[error(
        "the data directory {} is too long ({bytes} bytes) to hold PostgreSQL's socket, which \
         allows {max} bytes; choose a shorter --data-dir",
        dir.display()
    )]
    PathTooLong {
        /// The data directory.
        dir: PathBuf,
        /// Its length in bytes.
        bytes: usize,
        /// The longest that fits.
        max: usize,
    },
    /// Any other file-system failure.
    #[error("{what}: {source}")]
    Io {
        /// What Strata was doing.
        what: String,
        /// What the system said.
        source: io::Error,
    },
}

impl EmbeddedError {
    fn io(what: String, source: io::Error) -> EmbeddedError {
        EmbeddedError::Io { what, source }
    }
}

/// Strata's default data directory: `/var/lib/strata` for root (whose home the `postgres`
/// account cannot enter), else `$XDG_DATA_HOME/strata` or `~/.local/share/strata`.
pub fn default_data_dir() -> PathBuf {
    if nix::unistd::Uid::effective().is_root() {
        return PathBuf::from("/var/lib/strata");
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("strata")
}

/// A running embedded cluster owned by this process.
#[derive(Debug)]
pub struct Cluster {
    data_dir: PathBuf,
    socket_dir: PathBuf,
    binaries: Binaries,
    // Field order matters: the postmaster stops before the lock is released.
    postmaster: Postmaster,
    _lock: DataDirLock,
}

impl Cluster {
    /// Takes the data directory, creates the cluster on first use, starts it and waits until it
    /// accepts connections.
    pub async fn start(options: &EmbeddedOptions) -> Result<Cluster, EmbeddedError> {
        let data_dir = absolute(&options.data_dir)?;
        let account = Account::for_cluster()?;
        create_dir(&data_dir, if account.switch { 0o711 } else { 0o700 })
            .map_err(|source| EmbeddedError::NotWritable { dir: data_dir.clone(), source })?;
        let mut lock = match DataDirLock::try_acquire(&data_dir.join("strata.lock")) {
            Ok(Acquired::Owned(lock)) => lock,
            Ok(Acquired::Busy(owner)) => return Err(EmbeddedError::AlreadyRunning { data_dir, pid: owner.pid }),
            Err(EmbeddedError::Io { source, .. }) => return Err(EmbeddedError::NotWritable { dir: data_dir, source }),
            Err(err) => return Err(err),
        };
        let socket_dir = socket_dir(&data_dir)?;
        let binaries = Binaries::find(options.bindir.as_deref())?;
        account.check_can_reach(&data_dir)?;

        let pgdata = data_dir.join("postgres");
        if pgdata.join("PG_VERSION").exists() {
            check_version(&pgdata, &binaries)?;
        } else {
            initdb(&pgdata, &binaries, &account, options.durable)?;
        }
        remove_stale_pid_file(&pgdata)?;
        create_dir(&socket_dir, 0o700)
            .map_err(|e| EmbeddedError::io(format!("creating {}", socket_dir.display()), e))?;
        account.own(&socket_dir)?;
        lock.record(&socket_dir)?;

        let log = data_dir.join("postgres.log");
        let mut postmaster = spawn_postgres(&binaries, &account, &pgdata, &socket_dir, &log, options.durable)?;
        let address = ServerAddress::socket(&socket_dir, SOCKET_PORT);
        wait_until_ready(&address, Some(&mut postmaster), &log).await?;
        tracing::info!(data_dir = %data_dir.display(), pid = postmaster.pid(), "embedded PostgreSQL {} is ready", binaries.major);
        Ok(Cluster { data_dir, socket_dir, binaries, postmaster, _lock: lock })
    }

    /// How to connect to this cluster (as the `postgres` superuser, to the `postgres` database).
    pub fn address(&self) -> ServerAddress {
        ServerAddress::socket(&self.socket_dir, SOCKET_PORT)
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The binaries this cluster runs.
    pub fn binaries(&self) -> &Binaries {
        &self.binaries
    }

    /// The postmaster's process id.
    pub fn pid(&self) -> u32 {
        self.postmaster.pid()
    }

    /// Shuts the cluster down cleanly and releases the data directory.
    pub async fn stop(mut self) {
        // Stopping blocks on the supervisor thread; keep it off the async workers.
        let _ = tokio::task::spawn_blocking(move || self.postmaster.stop()).await;
    }
}

/// The embedded cluster as a command sees it: its own, or the one a running Strata owns.
#[derive(Debug)]
pub enum EmbeddedServer {
    /// Started by this command; stopped when it is dropped or closed.
    Owned(Cluster),
    /// Owned by another Strata process (usually `strata serve`).
    Attached {
        /// How to connect.
        address: ServerAddress,
        /// The owning process.
        pid: u32,
    },
}

impl EmbeddedServer {
    /// Attaches to the running cluster of `options.data_dir`, or starts it.
    pub async fn open(options: &EmbeddedOptions) -> Result<EmbeddedServer, EmbeddedError> {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            match Cluster::start(options).await {
                Ok(cluster) => return Ok(EmbeddedServer::Owned(cluster)),
                Err(EmbeddedError::AlreadyRunning { data_dir, pid }) => {
                    let lock = data_dir.join("strata.lock");
                    if let Ok(Acquired::Busy(owner)) = DataDirLock::try_acquire(&lock)
                        && owner.pid != 0
                    {
                        let address = ServerAddress::socket(&owner.socket_dir, SOCKET_PORT);
                        wait_until_ready(&address, None, &data_dir.join("postgres.log")).await?;
                        return Ok(EmbeddedServer::Attached { address, pid: owner.pid });
                    }
                    // The owner is between taking the lock and recording itself, or just left.
                    if Instant::now() > deadline {
                        return Err(EmbeddedError::AlreadyRunning { data_dir, pid });
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// How to connect to the cluster.
    pub fn address(&self) -> ServerAddress {
        match self {
            EmbeddedServer::Owned(cluster) => cluster.address(),
            EmbeddedServer::Attached { address, .. } => address.clone(),
        }
    }

    /// Stops the cluster if this command started it.
    pub async fn close(self) {
        if let EmbeddedServer::Owned(cluster) = self {
            cluster.stop().await;
        }
    }
}

fn absolute(path: &Path) -> Result<PathBuf, EmbeddedError> {
    std::path::absolute(path).map_err(|e| EmbeddedError::io(format!("resolving {}", path.display()), e))
}

fn create_dir(dir: &Path, mode: u32) -> io::Result<()> {
    DirBuilder::new().recursive(true).mode(mode).create(dir)?;
    // Test whether we can write here now rather than failing halfway through initdb.
    let probe = tempfile_name(dir);
    fs::write(&probe, b"")?;
    fs::remove_file(probe)
}

fn tempfile_name(dir: &Path) -> PathBuf {
    dir.join(format!(".strata-write-test-{}", std::process::id()))
}

fn initdb(pgdata: &Path, binaries: &Binaries, account: &Account, durable: bool) -> Result<(), EmbeddedError> {
    let io = |what: &str| {
        let what = format!("{what} {}", pgdata.display());
        move |source| EmbeddedError::io(what, source)
    };
    create_dir(pgdata, 0o700).map_err(io("creating"))?;
    account.own(pgdata)?;
    let mut command = Command::new(binaries.path("initdb"));
    command.arg("--pgdata").arg(pgdata).args([
        "--username=postgres",
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C.UTF-8",
    ]);
    if !durable {
        command.arg("--no-sync");
    }
    run_as(&mut command, account);
    tracing::info!(pgdata = %pgdata.display(), "creating the embedded PostgreSQL cluster");
    let output = command.output().map_err(io("running initdb for"))?;
    if !output.status.success() {
        let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        // Leave no half-made cluster: the next start would mistake it for a real one.
        let _ = fs::remove_dir_all(pgdata);
        return Err(EmbeddedError::Initdb { data_dir: pgdata.to_path_buf(), output: text });
    }
    Ok(())
}

fn check_version(pgdata: &Path, binaries: &Binaries) -> Result<(), EmbeddedError> {
    let path = pgdata.join("PG_VERSION");
    let text = fs::read_to_string(&path).map_err(|e| EmbeddedError::io(format!("reading {}", path.display()), e))?;
    let cluster: u32 = text.trim().parse().unwrap_or(0);
    if cluster != binaries.major {
        return Err(EmbeddedError::VersionMismatch {
            data_dir: pgdata.to_path_buf(),
            cluster,
            binaries: binaries.major,
            bindir: binaries.bindir.clone(),
        });
    }
    Ok(())
}

/// Handles a `postmaster.pid` left by a cluster that did not shut down cleanly.
///
/// PostgreSQL itself ignores a pid file whose process is gone, but refuses to start when that
/// pid has since been reused by an unrelated process. We hold the data directory lock, so no
/// Strata owns this cluster: a live postmaster here is an orphan, which we stop.
fn remove_stale_pid_file(pgdata: &Path) -> Result<(), EmbeddedError> {
    let path = pgdata.join("postmaster.pid");
    let Ok(text) = fs::read_to_string(&path) else { return Ok(()) };
    if let Some(pid) = text.lines().next().and_then(|line| line.trim().parse::<i32>().ok())
        && pid > 0
        && fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd == pgdata)
    {
        tracing::warn!(pid, "stopping an orphaned PostgreSQL on this data directory");
        let pid = Pid::from_raw(pid);
        let _ = kill(pid, nix::sys::signal::Signal::SIGINT);
        let deadline = Instant::now() + Duration::from_secs(30);
        while kill(pid, None).is_ok() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        return Ok(());
    }
    tracing::info!(path = %path.display(), "removing a stale postmaster.pid");
    fs::remove_file(&path).map_err(|e| EmbeddedError::io(format!("removing {}", path.display()), e))
}

/// `data_dir/run`, as long as its socket's path fits a Unix socket address.
fn socket_dir(data_dir: &Path) -> Result<PathBuf, EmbeddedError> {
    let dir = data_dir.join("run");
    let bytes = dir.as_os_str().len();
    if bytes > MAX_SOCKET_DIR_BYTES {
        return Err(EmbeddedError::PathTooLong {
            dir: data_dir.to_path_buf(),
            bytes,
            max: MAX_SOCKET_DIR_BYTES - "/run".len(),
        });
    }
    Ok(dir)
}

fn spawn_postgres(
    binaries: &Binaries,
    account: &Account,
    pgdata: &Path,
    socket_dir: &Path,
    log: &Path,
    durable: bool,
) -> Result<Postmaster, EmbeddedError> {
    let log_file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| EmbeddedError::io(format!("opening {}", log.display()), e))?;
    let mut command = Command::new(binaries.path("postgres"));
    command.arg("-D").arg(pgdata).arg("-p").arg(SOCKET_PORT.to_string());
    let mut settings = vec![
        ("listen_addresses", String::new()),
        ("unix_socket_directories", socket_dir.display().to_string()),
        ("unix_socket_permissions", "0700".to_string()),
    ];
    if !durable {
        settings.extend([
            ("fsync", "off".into()),
            ("synchronous_commit", "off".into()),
            ("full_page_writes", "off".into()),
        ]);
    }
    for (name, value) in settings {
        command.arg("-c").arg(format!("{name}={value}"));
    }
    command
        .stdin(std::process::Stdio::null())
        .stdout(log_file.try_clone().map_err(|e| EmbeddedError::io("duplicating the log file".into(), e))?)
        .stderr(log_file);
    run_as(&mut command, account);
    Postmaster::spawn(command)
        .map_err(|e| EmbeddedError::io(format!("starting {}", binaries.path("postgres").display()), e))
}

/// Polls until the server accepts connections, watching `postmaster` (when we own it) for an
/// early exit.
async fn wait_until_ready(
    address: &ServerAddress,
    mut postmaster: Option<&mut Postmaster>,
    log: &Path,
) -> Result<(), EmbeddedError> {
    let deadline = Instant::now() + READY_TIMEOUT;
    let failed = |reason: String| EmbeddedError::Start { reason, log: log.to_path_buf(), log_tail: tail(log, 20) };
    loop {
        let attempt = address.connect().await;
        if attempt.is_ok() {
            return Ok(());
        }
        if let Some(status) = postmaster.as_mut().and_then(|p| p.try_exit_status()) {
            let reason = match status {
                Ok(status) => format!("postgres exited with {status}"),
                Err(err) => format!("waiting for postgres failed: {err}"),
            };
            return Err(failed(reason));
        }
        if Instant::now() > deadline {
            return Err(failed(format!("not ready after {} s", READY_TIMEOUT.as_secs())));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn tail(path: &Path, lines: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
