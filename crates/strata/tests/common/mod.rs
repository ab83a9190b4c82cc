//! Shared by the binary's tests: `strata` commands with a clean environment, a temporary data
//! dir, a running `strata serve` on it.
// Each test file uses part of this module.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use strata_db::testing::TestDb;

pub const STRATA: &str = env!("CARGO_BIN_EXE_strata");

/// A `strata` command with none of the caller's Strata or libpq settings.
pub fn strata(args: &[&str]) -> Command {
    let mut command = Command::new(STRATA);
    command.args(args).env("RUST_LOG", "warn");
    for (name, _) in std::env::vars() {
        if name.starts_with("STRATA_") || name.starts_with("PG") || name == "DATABASE_URL" {
            command.env_remove(name);
        }
    }
    command
}

/// A temporary home for a data directory that the cluster's account can reach as root too.
pub struct Home {
    pub temp: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Home {
        let temp = tempfile::Builder::new().prefix("strata-cli-").tempdir().unwrap();
        std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
        Home { temp }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.temp.path().join("data")
    }

    pub fn data_arg(&self) -> String {
        self.data_dir().display().to_string()
    }
}

/// A running `strata serve`.
pub struct Server {
    pub child: Child,
    pub url: String,
    pub stderr: mpsc::Receiver<String>,
}

impl Server {
    pub fn start(home: &Home) -> Server {
        let mut child = strata(&["serve", "--listen", "127.0.0.1:0", "--data-dir", &home.data_arg()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = collect(child.stderr.take().unwrap());
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines
            .next()
            .and_then(Result::ok)
            .unwrap_or_else(|| panic!("strata serve printed nothing; stderr: {}", stderr.recv().unwrap_or_default()));
        let url = first
            .strip_prefix("Strata is serving ")
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .to_string();
        Server { child, url, stderr }
    }

    pub fn get(&self, path: &str) -> String {
        let address = self.url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill").args([signal, &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    pub fn wait(mut self, within: Duration) -> (ExitStatus, String) {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, self.stderr.recv().unwrap_or_default());
            }
            assert!(Instant::now() < deadline, "strata did not exit within {within:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads a pipe to its end on a thread; the text arrives when the process closes it.
pub fn collect(mut pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        let _ = tx.send(text);
    });
    rx
}

/// Runs a command to its end: its output, and its stderr as text.
pub fn run(mut command: impl std::borrow::BorrowMut<Command>) -> (Output, String) {
    let command = command.borrow_mut();
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stderr)
}

/// The database a test's commands use: a database of its own on `TEST_DATABASE_URL`'s server,
/// else the embedded cluster of a `strata serve` on a temporary data dir.
pub enum Target {
    Url { url: String, _db: Box<TestDb> },
    DataDir { home: Home, _server: Server },
}

impl Target {
    pub fn new() -> Target {
        if std::env::var_os("TEST_DATABASE_URL").is_some() {
            let db = tokio::runtime::Runtime::new().unwrap().block_on(TestDb::new());
            return Target::Url { url: db.address().libpq_url(), _db: Box::new(db) };
        }
        let home = Home::new();
        let server = Server::start(&home);
        Target::DataDir { home, _server: server }
    }

    pub fn database_args(&self) -> Vec<String> {
        match self {
            Target::Url { url, .. } => vec!["--database-url".into(), url.clone()],
            Target::DataDir { home, .. } => vec!["--data-dir".into(), home.data_arg()],
        }
    }

    /// Runs `sql` through `strata psql`: rows on lines, columns split by `|`.
    pub fn sql(&self, sql: &str) -> String {
        let mut command = strata(&["psql"]);
        command.args(self.database_args()).args(["--", "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", "SET TimeZone = 'UTC'"]);
        let (output, stderr) = run(command.args(["-c", sql]));
        assert!(output.status.success(), "{sql}: {stderr}");
        String::from_utf8_lossy(&output.stdout).trim_end().to_string()
    }
}
