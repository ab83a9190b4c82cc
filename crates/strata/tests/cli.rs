//! The `strata` binary as a user runs it: real processes, real signals, real PostgreSQL.

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{Home, Server, run, strata};

/// The processes whose working directory is `dir`: a postmaster and its children live in PGDATA.
fn processes_in(dir: &Path) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd == dir))
        .collect()
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
