//! The embedded cluster, started for real in temporary data directories.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use strata_db::embedded::{Cluster, EmbeddedError, EmbeddedOptions, EmbeddedServer};

/// A data directory the cluster's account can reach even when tests run as root.
fn data_dir() -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::Builder::new().prefix("strata-embedded-").tempdir().unwrap();
    std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
    let dir = temp.path().join("data");
    (temp, dir)
}

fn options(dir: &Path) -> EmbeddedOptions {
    EmbeddedOptions { durable: false, ..EmbeddedOptions::new(dir.to_path_buf()) }
}

#[tokio::test]
async fn starts_refuses_a_second_owner_and_keeps_its_data() {
    let (_temp, dir) = data_dir();
    let cluster = Cluster::start(&options(&dir)).await.unwrap();
    let client = cluster.address().connect().await.unwrap();
    client.batch_execute("CREATE TABLE kept (x text); INSERT INTO kept VALUES ('still here')").await.unwrap();

    let err = Cluster::start(&options(&dir)).await.unwrap_err();
    assert!(matches!(err, EmbeddedError::AlreadyRunning { pid, .. } if pid == std::process::id()), "{err}");
    assert!(err.to_string().contains(&format!("already running on {} (pid {})", dir.display(), std::process::id())));

    // A second command attaches instead of starting its own.
    let attached = EmbeddedServer::open(&options(&dir)).await.unwrap();
    assert!(matches!(attached, EmbeddedServer::Attached { .. }));
    attached.address().connect().await.unwrap();

    drop(client);
    let postmaster = cluster.pid();
    cluster.stop().await;
    assert!(!std::path::Path::new(&format!("/proc/{postmaster}")).exists(), "postgres still runs");

    let cluster = Cluster::start(&options(&dir)).await.unwrap();
    let client = cluster.address().connect().await.unwrap();
    let row = client.query_one("SELECT x FROM kept", &[]).await.unwrap();
    assert_eq!(row.get::<_, String>(0), "still here");
    cluster.stop().await;
}

#[tokio::test]
async fn a_stale_pid_file_of_a_reused_pid_does_not_block_the_start() {
    let (_temp, dir) = data_dir();
    Cluster::start(&options(&dir)).await.unwrap().stop().await;
    // After a crash the pid in postmaster.pid may belong to an unrelated live process: ours.
    let pid_file = dir.join("postgres/postmaster.pid");
    std::fs::write(&pid_file, format!("{}\n{}\n", std::process::id(), dir.join("postgres").display())).unwrap();

    let cluster = Cluster::start(&options(&dir)).await.unwrap();
    cluster.address().connect().await.unwrap();
    cluster.stop().await;
}

#[tokio::test]
async fn a_command_without_a_server_starts_one_for_itself() {
    let (_temp, dir) = data_dir();
    let server = EmbeddedServer::open(&options(&dir)).await.unwrap();
    assert!(matches!(server, EmbeddedServer::Owned(_)));
    server.address().connect().await.unwrap();
    server.close().await;
}

#[tokio::test]
async fn missing_binaries_say_how_to_get_them() {
    let (_temp, dir) = data_dir();
    let options = EmbeddedOptions { bindir: Some("/nonexistent/bin".into()), ..options(&dir) };
    let message = Cluster::start(&options).await.unwrap_err().to_string();
    assert!(message.contains("apt install postgresql"), "{message}");
    assert!(message.contains("DATABASE_URL"), "{message}");
}

#[tokio::test]
async fn an_unwritable_data_dir_is_named() {
    let dir = PathBuf::from("/proc/strata-cannot-be-here");
    let message = Cluster::start(&options(&dir)).await.unwrap_err().to_string();
    assert!(message.starts_with("the data directory /proc/strata-cannot-be-here is not writable"), "{message}");
}

#[tokio::test]
async fn a_data_dir_too_long_for_a_socket_is_refused() {
    let (_temp, dir) = data_dir();
    let dir = dir.join("x".repeat(100));
    let message = Cluster::start(&options(&dir)).await.unwrap_err().to_string();
    assert!(message.contains("too long"), "{message}");
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn as_root_the_blocking_directory_is_named() {
    if !nix::unistd::Uid::effective().is_root() {
        return; // Only root switches accounts.
    }
    let temp = tempfile::Builder::new().prefix("strata-closed-").tempdir().unwrap();
    std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let dir = temp.path().join("data");
    let message = Cluster::start(&options(&dir)).await.unwrap_err().to_string();
    assert!(message.contains(&format!("{} is not searchable", temp.path().display())), "{message}");
}
