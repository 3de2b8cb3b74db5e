//! The Discord adapter (serenity): slash commands over the gateway, or an HTTP interactions
//! endpoint. It translates interactions into handler calls and replies into embeds; it holds no
//! search or permission logic.

use std::sync::Arc;

use crate::command::Handler;
use crate::health::Health;
use crate::service::Shutdown;

/// Gateway mode: connects with the bot token, registers commands, answers interactions.
pub async fn run_gateway(
    handler: Arc<Handler>,
    health: Arc<Health>,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    let _ = (handler, health, shutdown);
    anyhow::bail!("the Discord gateway adapter is not built yet")
}

/// HTTP mode: routes served by talkwatch's one HTTP server (`POST /discord/interactions`).
pub fn routes(handler: Arc<Handler>) -> axum::Router {
    let _ = handler;
    axum::Router::new()
}
