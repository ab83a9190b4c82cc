//! Ctrl-C in the middle of an import leaves no table behind.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Home, Server, strata};

fn psql(data_dir: &str, sql: &str) -> String {
    let output = strata(&["psql", "--data-dir", data_dir, "--", "-Atc", sql]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

#[test]
fn an_interrupted_import_leaves_nothing() {
    let home = Home::new();
    let data_dir = home.data_arg();

    // A file big enough that the load is still running when the interrupt comes.
    let file = home.temp.path().join("big.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    writeln!(out, "n,label,amount").unwrap();
    for n in 0..400_000 {
        writeln!(out, "{n},row number {n},{}.{:02}", n % 1000, n % 100).unwrap();
    }
    out.flush().unwrap();
    drop(out);

    // A running server owns the cluster, so it outlives the interrupted command.
    let server = Server::start(&home);

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

    server.signal("-TERM");
    server.wait(Duration::from_secs(10));
}
