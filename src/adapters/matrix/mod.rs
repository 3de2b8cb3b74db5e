//! The Matrix adapter (matrix-sdk): answers `!ask`, mentions and direct messages in rooms,
//! encrypted rooms included. It translates events into handler calls and replies into
//! `m.notice` messages; it holds no search or permission logic.

use std::sync::Arc;

use crate::command::Handler;
use crate::health::Health;
use crate::service::Shutdown;

pub async fn run(
    handler: Arc<Handler>,
    health: Arc<Health>,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    let _ = (handler, health, shutdown);
    anyhow::bail!("the Matrix adapter is not built yet")
}
