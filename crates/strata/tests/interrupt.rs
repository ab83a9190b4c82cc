//! Ctrl-C in the middle of an import leaves no table behind.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const STRATA: &str = env!("CARGO_BIN_EXE_strata");

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

fn psql(data_dir: &str, sql: &str) -> String {
    let output = strata(&["psql", "--data-dir", data_dir, "--", "-Atc", sql]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

#[test]
fn an_interrupted_import_leaves_nothing() {
    let temp = tempfile::Builder::new().prefix("strata-interrupt-").tempdir().unwrap();
    std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
    let data_dir = temp.path().join("data").display().to_string();

    // A file big enough that the load is still running when the interrupt comes.
    let file = temp.path().join("big.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    writeln!(out, "n,label,amount").unwrap();
    for n in 0..400_000 {
        writeln!(out, "{n},row number {n},{}.{:02}", n % 1000, n % 100).unwrap();
    }
    out.flush().unwrap();
    drop(out);

    // A running server owns the cluster, so it outlives the interrupted command.
    let mut serve = strata(&["serve", "--listen", "127.0.0.1:0", "--data-dir", &data_dir])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    BufReader::new(serve.stdout.take().unwrap()).read_line(&mut ready).unwrap();
    assert!(ready.starts_with("Strata is serving"), "{ready}");

    let mut import = strata(&["import", &file.display().to_string(), "--data-dir", &data_dir, "--table", "big"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let copying = psql(&data_dir, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY%'");
        if copying != "0" {
            break;
        }
        assert!(import.try_wait().unwrap().is_none(), "the import finished before it could be interrupted");
        assert!(Instant::now() < deadline, "the import never started copying");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = Command::new("kill").args(["-INT", &import.id().to_string()]).status().unwrap();
    assert!(status.success());
    let status = import.wait().unwrap();
    assert!(!status.success(), "an interrupted import reported success");

    // The server rolled the transaction back: no table, not even an empty one.
    let deadline = Instant::now() + Duration::from_secs(10);
    while psql(&data_dir, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY%'") != "0" {
        assert!(Instant::now() < deadline, "the COPY outlived its client");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(psql(&data_dir, "SELECT to_regclass('public.big') IS NULL"), "t");

    let _ = Command::new("kill").args(["-TERM", &serve.id().to_string()]).status();
    let _ = serve.wait();
}
