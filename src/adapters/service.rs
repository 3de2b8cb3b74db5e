//! `talkwatch run`: the long-running service. Starts every adapter enabled in config, each as a
//! task sharing one [`Handler`], and stops them all on SIGINT/SIGTERM or when one fails.

use std::sync::Arc;

use anyhow::{Context, bail};
use tokio::task::JoinSet;

use crate::command::Handler;
use crate::config::DiscordMode;
use crate::health::Health;
use crate::shutdown::Shutdown;

pub async fn run(handler: Arc<Handler>) -> anyhow::Result<()> {
    let config = handler.engine().config().clone();
    let shutdown = Shutdown::new();
    let health = Arc::new(Health::new());
    health.set("index", true, "open");
    let mut tasks: JoinSet<anyhow::Result<()>> = JoinSet::new();
    let (alerts, _) = tokio::sync::broadcast::channel::<crate::watch::Alert>(256);
    let mut router = crate::http::base_routes(health.clone(), handler.engine().clone());
    if let Err(e) = crate::feeds::sync_config_feeds(handler.engine()) {
        tracing::warn!(error = %e, "cannot store the [[feeds]] of the config");
    }
    let has_feeds = handler
        .engine()
        .store()
        .feeds()
        .map(|f| !f.is_empty())
        .unwrap_or(false);
    if has_feeds {
        let (new_tx, new_rx) = tokio::sync::mpsc::unbounded_channel();
        tasks.spawn(crate::feeds::run(
            handler.engine().clone(),
            health.clone(),
            shutdown.clone(),
            new_tx,
        ));
        tasks.spawn(crate::watch::run(
            handler.engine().clone(),
            new_rx,
            alerts.clone(),
            std::time::Duration::from_secs(config.chat.alert_digest_secs.max(1)),
            shutdown.clone(),
        ));
    }
    if config.matrix.enabled {
        health.set("matrix", false, "starting");
        tasks.spawn(crate::adapters::matrix::run(
            handler.clone(),
            health.clone(),
            alerts.clone(),
            shutdown.clone(),
        ));
    }
    if config.discord.enabled {
        match config.discord.mode {
            DiscordMode::Gateway => {
                health.set("discord", false, "starting");
                tasks.spawn(crate::adapters::discord::run_gateway(
                    handler.clone(),
                    health.clone(),
                    alerts.clone(),
                    shutdown.clone(),
                ));
            }
            DiscordMode::Http => {
                router = router.merge(crate::adapters::discord::routes(handler.clone())?);
                health.set("discord", true, "http interactions endpoint");
            }
        }
    }
    if tasks.is_empty() && !config.discord.enabled && !has_feeds {
        bail!(
            "nothing to run: no chat adapter is enabled and there are no feeds (set matrix.enabled or discord.enabled in {}, or TALKWATCH_MATRIX__ENABLED=true / TALKWATCH_DISCORD__ENABLED=true, or add a feed with `talkwatch feeds add`)",
            config
                .loaded_from
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| crate::config::DEFAULT_CONFIG_PATH.to_string())
        );
    }
    let listen = config.http.listen.clone();
    let http_shutdown = shutdown.clone();
    tasks.spawn(async move { crate::http::serve(&listen, router, http_shutdown).await });
    tracing::info!(tasks = tasks.len(), "talkwatch running");
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
