//! `strata serve`: the web app and API over the embedded or an external PostgreSQL.

use std::io::ErrorKind;
use std::time::Duration;

use anyhow::Context;
use strata_api::{AppState, router};
use strata_db::embedded::Cluster;
use strata_db::{DEFAULT_USER_DATABASE, SystemDatabase};
use strata_sql::Ident;
use tokio::net::TcpListener;

use crate::config::{Database, Serve};
use crate::signals::shutdown_requested;

/// How long open connections may take to finish after a stop was asked for.
const DRAIN: Duration = Duration::from_secs(10);

/// Runs the server until SIGTERM or Ctrl-C, then stops the embedded database cleanly.
pub async fn run(settings: Serve) -> anyhow::Result<()> {
    // Bind first: a taken port should fail in milliseconds, before any database work.
    let listener = TcpListener::bind(settings.listen).await.map_err(|err| match err.kind() {
        ErrorKind::AddrInUse => anyhow::anyhow!(
            "port {} is already in use ({} is taken by another program); stop it or choose \
             another address with --listen",
            settings.listen.port(),
            settings.listen
        ),
        _ => anyhow::Error::new(err).context(format!("cannot listen on {}", settings.listen)),
    })?;
    let address = listener.local_addr().context("reading the listening address")?;

    let (server, cluster) = match settings.database {
        Database::External(address) => (address, None),
        Database::Embedded(options) => {
            let cluster = Cluster::start(&options).await?;
            (cluster.address(), Some(cluster))
        }
    };
    let system = SystemDatabase::open(&server).await?;
    if cluster.is_some() {
        // The embedded cluster always offers its default database, ready for a first import.
        system.user_database(&Ident::new(DEFAULT_USER_DATABASE)?).await?;
    }
    let version = strata_db::server_version(&*system.client().await?).await?;
    let place = match &cluster {
        Some(cluster) => format!("embedded PostgreSQL {version} in {}", cluster.data_dir().display()),
        None => format!("PostgreSQL {version} at {}", system.address.describe()),
    };
    println!("Strata is serving http://{address} ({place})");

    let (stop, stopping) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_requested().await;
        let _ = stop.send(true);
    });
    let stopped = || {
        let mut stopping = stopping.clone();
        async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        }
    };
    let app = router(AppState::new(system));
    let served = axum::serve(listener, app).with_graceful_shutdown(stopped());
    tokio::select! {
        result = served => result.context("serving HTTP")?,
        () = async { stopped().await; tokio::time::sleep(DRAIN).await } => {
            tracing::warn!("connections still open after {} s; closing them", DRAIN.as_secs());
        }
    }
    if let Some(cluster) = cluster {
        cluster.stop().await;
    }
    tracing::info!("stopped");
    Ok(())
}
