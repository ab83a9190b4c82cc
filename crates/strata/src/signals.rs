//! Stop requests: SIGTERM (service managers, `kill`) and SIGINT (Ctrl-C).

use tokio::signal::unix::{SignalKind, signal};

/// Completes when the process is asked to stop.
pub async fn shutdown_requested() {
    let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
        // Without signal handlers the default actions still stop the process.
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM received; stopping"),
        _ = int.recv() => tracing::info!("interrupted; stopping"),
    }
}
