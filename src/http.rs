//! talkwatch's one HTTP server (`http.listen`): `/healthz` and, in Discord http mode,
//! `POST /discord/interactions`.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::health::Health;
use crate::service::Shutdown;

/// The routes every instance serves, merged with adapter routes by the service.
pub fn base_routes(health: Arc<Health>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .with_state(health)
}

async fn healthz(State(health): State<Arc<Health>>) -> impl IntoResponse {
    let parts = health.snapshot();
    let up = parts.values().all(|p| p.up);
    let status = if up {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({ "status": if up { "ok" } else { "down" }, "parts": parts });
    (status, Json(body))
}

/// Serves `router` on `listen` until `shutdown` fires.
pub async fn serve(listen: &str, router: Router, shutdown: Shutdown) -> anyhow::Result<()> {
    use anyhow::Context;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (http.listen)"))?;
    tracing::info!(address = %listener.local_addr()?, "HTTP server listening");
    axum::serve(listener, router)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
        .context("HTTP server failed")
}
