//! The `strata` binary as a user runs it: real processes, real signals, real PostgreSQL.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const STRATA: &str = env!("CARGO_BIN_EXE_strata");

/// A `strata` command with none of the caller's Strata or libpq settings.
fn strata(args: &[&str]) -> Command {
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
struct Home {
    temp: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        let temp = tempfile::Builder::new().prefix("strata-cli-").tempdir().unwrap();
        std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
        Home { temp }
    }

    fn data_dir(&self) -> PathBuf {
        self.temp.path().join("data")
    }

    fn data_arg(&self) -> String {
        self.data_dir().display().to_string()
    }
}

/// A running `strata serve`.
struct Server {
    child: Child,
    url: String,
    stderr: mpsc::Receiver<String>,
}

impl Server {
    fn start(home: &Home) -> Server {
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

    fn get(&self, path: &str) -> String {
        let address = self.url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill").args([signal, &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    fn wait(mut self, within: Duration) -> (ExitStatus, String) {
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
fn collect(mut pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        let _ = tx.send(text);
    });
    rx
}

/// The processes whose working directory is `dir`: a postmaster and its children live in PGDATA.
fn processes_in(dir: &Path) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd == dir))
        .collect()
}

fn run(mut command: impl std::borrow::BorrowMut<Command>) -> (Output, String) {
    let command = command.borrow_mut();
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stderr)
}

#[test]
fn serve_answers_and_a_kill_9_leaves_no_postgres_behind() {
    let home = Home::new();
    let server = Server::start(&home);
    let health = server.get("/api/v1/health");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains(r#""database":"embedded""#), "{health}");

    let pgdata = home.data_dir().join("postgres");
    assert!(!processes_in(&pgdata).is_empty(), "no postgres runs in {}", pgdata.display());
    server.signal("-KILL");
    server.wait(Duration::from_secs(5));
    let deadline = Instant::now() + Duration::from_secs(5);
    while !processes_in(&pgdata).is_empty() {
        assert!(Instant::now() < deadline, "postgres outlived strata by 5 s: {:?}", processes_in(&pgdata));
        std::thread::sleep(Duration::from_millis(50));
    }

    // The restart finds the cluster, and its data, again.
    let server = Server::start(&home);
    assert!(server.get("/api/v1/health").starts_with("HTTP/1.1 200"));
    server.signal("-TERM");
    let (status, stderr) = server.wait(Duration::from_secs(10));
    assert!(status.success(), "{status}: {stderr}");
    assert!(processes_in(&pgdata).is_empty());
}

#[test]
fn a_second_serve_on_the_same_data_dir_is_refused() {
    let home = Home::new();
    let first = Server::start(&home);
    let (output, stderr) = run(strata(&["serve", "--listen", "127.0.0.1:0", "--data-dir", &home.data_arg()]));
    assert!(!output.status.success());
    let expected = format!("already running on {} (pid {})", home.data_arg(), first.child.id());
    assert!(stderr.contains(&expected), "{stderr}");

    // Other commands join the running cluster instead.
    let (output, stderr) = run(strata(&["psql", "--data-dir", &home.data_arg(), "--", "-Atc", "SELECT 6 * 7"]));
    assert!(output.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "42");
}

#[test]
fn psql_without_a_server_starts_the_cluster_for_its_own_duration() {
    let home = Home::new();
    let (output, stderr) = run(strata(&["psql", "--data-dir", &home.data_arg(), "--", "-Atc", "SELECT current_user"]));
    assert!(output.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "postgres");
    assert!(processes_in(&home.data_dir().join("postgres")).is_empty(), "the cluster outlived psql");

    // exec passes the program's exit code through.
    let (output, _) = run(strata(&["exec", "--data-dir", &home.data_arg(), "--", "sh", "-c", "exit 3"]));
    assert_eq!(output.status.code(), Some(3));
}

#[test]
fn a_taken_port_is_named() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap();
    let home = Home::new();
    let (output, stderr) = run(strata(&["serve", "--listen", &address.to_string(), "--data-dir", &home.data_arg()]));
    assert!(!output.status.success());
    assert!(stderr.contains(&format!("port {} is already in use", address.port())), "{stderr}");
    assert!(!home.data_dir().exists(), "a refused start touched the data dir");
}

#[test]
fn an_unreachable_database_is_named_without_its_password() {
    let (output, stderr) = run(strata(&["serve", "--listen", "127.0.0.1:0"])
        .env("DATABASE_URL", "postgres://alice:hunter2@127.0.0.1:1/strata"));
    assert!(!output.status.success());
    assert!(stderr.contains("cannot connect to PostgreSQL at alice@127.0.0.1:1/strata"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn missing_postgres_programs_say_what_to_do() {
    let home = Home::new();
    let (output, stderr) = run(strata(&["serve", "--listen", "127.0.0.1:0", "--data-dir", &home.data_arg()])
        .env("PG_BINDIR", "/nonexistent/bin"));
    assert!(!output.status.success());
    assert!(stderr.contains("apt install postgresql") && stderr.contains("DATABASE_URL"), "{stderr}");
}

#[test]
fn unknown_flags_are_usage_errors() {
    let (output, stderr) = run(strata(&["serve", "--no-such-flag"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("--no-such-flag"), "{stderr}");
}

#[test]
fn flags_beat_the_environment_which_beats_the_file() {
    let home = Home::new();
    let config = home.temp.path().join("strata.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\ndatabase_url = \"postgres://file@127.0.0.1:1/db\"\n").unwrap();
    let config = config.display().to_string();

    // The file alone: its URL is used.
    let (_, stderr) = run(strata(&["serve", "--config", &config]));
    assert!(stderr.contains("file@127.0.0.1:1/db"), "{stderr}");
    // The environment beats the file.
    let (_, stderr) = run(strata(&["serve", "--config", &config]).env("DATABASE_URL", "postgres://env@127.0.0.1:1/db"));
    assert!(stderr.contains("env@127.0.0.1:1/db"), "{stderr}");
    // The flag beats both.
    let (_, stderr) = run(strata(&["serve", "--config", &config, "--database-url", "postgres://flag@127.0.0.1:1/db"])
        .env("DATABASE_URL", "postgres://env@127.0.0.1:1/db"));
    assert!(stderr.contains("flag@127.0.0.1:1/db"), "{stderr}");
    // A broken file is named.
    std::fs::write(home.temp.path().join("strata.toml"), "listen = 8080\n").unwrap();
    let (output, stderr) = run(strata(&["serve", "--config", &config]));
    assert!(!output.status.success());
    assert!(stderr.contains(&format!("invalid configuration file {config}")), "{stderr}");
}
