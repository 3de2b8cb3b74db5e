//! talkwatch's one HTTP server (`http.listen`): `/healthz` and, in Discord http mode,
//! `POST /discord/interactions`.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::engine::Engine;
use crate::health::Health;
use crate::shutdown::Shutdown;

#[derive(Clone)]
struct AppState {
    health: Arc<Health>,
    engine: Arc<Engine>,
}

/// The routes every instance serves, merged with adapter routes by the service.
pub fn base_routes(health: Arc<Health>, engine: Arc<Engine>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(AppState { health, engine })
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    if let Ok(n) = state.engine.store().count() {
        crate::metrics::set_articles(n);
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        crate::metrics::render(),
    )
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let parts = state.health.snapshot();
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
