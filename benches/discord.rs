//! Discord handler latency: interaction received → callback sent, on loopback, through the real
//! `talkwatch run` binary.
//!
//! `cargo bench --bench discord` runs talkwatch in http mode (signed POSTs, the response is the
//! callback) and in gateway mode against the fake Discord of the test suite (INTERACTION_CREATE
//! dispatched on the websocket → callback POST received by the fake REST API), 300 `/ask`s each
//! after 20 warm-up ones, and prints p50/p95.

#[path = "../tests/it/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use ed25519_dalek::{Signer, SigningKey};
use serde_json::json;
use support::Env;
use support::discord_fake::{self, FakeDiscord, interaction};
use support::service::Service;

const QUESTIONS: &[&str] = &[
    "What did Ushakov say about the American proposals?",
    "Is territory negotiable for Russia?",
    "Has Washington commented?",
    "What was the outcome of the Moscow talks?",
];

fn ask(i: usize) -> serde_json::Value {
    json!({"id": "1200000000000000000", "name": "ask", "type": 1, "options": [
        {"name": "question", "type": 3, "value": QUESTIONS[i % QUESTIONS.len()]}
    ]})
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let n = 300;
    // http mode
    let env = Env::with_demo();
    let fake = FakeDiscord::start().await;
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let public = hex::encode(key.verifying_key().to_bytes());
    let mut service = Service::start(
        &env,
        &[
            ("TALKWATCH_DISCORD__ENABLED", "true"),
            ("TALKWATCH_DISCORD__MODE", "http"),
            ("TALKWATCH_DISCORD__PUBLIC_KEY", &public),
            ("TALKWATCH_DISCORD__APPLICATION_ID", discord_fake::APP_ID),
            ("TALKWATCH_DISCORD__API_PROXY", &fake.base),
        ],
    );
    service.wait_healthy(Duration::from_secs(60)).await;
    let client = reqwest::Client::new();
    let url = service.url("/discord/interactions");
    let mut http_ms = Vec::new();
    for i in 0..n + 20 {
        let body = interaction(i as u64 + 1, 2, ask(i), "1", &[]).to_string();
        let ts = chrono::Utc::now().timestamp().to_string();
        let mut msg = ts.as_bytes().to_vec();
        msg.extend_from_slice(body.as_bytes());
        let sig = hex::encode(key.sign(&msg).to_bytes());
        let started = Instant::now();
        let r = client
            .post(&url)
            .header("X-Signature-Ed25519", sig)
            .header("X-Signature-Timestamp", ts)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let _ = r.bytes().await.unwrap();
        if i >= 20 {
            http_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    drop(service);
    http_ms.sort_by(f64::total_cmp);

    // gateway mode
    let (_env, fake, _service) = discord_fake::gateway_bot(Duration::from_secs(60)).await;
    let mut gw_ms = Vec::new();
    for i in 0..n + 20 {
        let id = 10_000 + i as u64;
        let started = Instant::now();
        fake.dispatch_interaction(interaction(id, 2, ask(i), "1", &[]));
        let path = format!("/api/v10/interactions/{id}/token-{id}/callback");
        fake.wait_call(Duration::from_secs(30), |c| c.path == path)
            .await;
        if i >= 20 {
            gw_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    gw_ms.sort_by(f64::total_cmp);

    println!("talkwatch Discord handler latency (release build, demo corpus, loopback)");
    println!("| mode | interactions | p50 | p95 | max |");
    println!("|---|---|---|---|---|");
    for (mode, v) in [
        ("http (signed POST → response)", &http_ms),
        ("gateway (dispatch → callback POST)", &gw_ms),
    ] {
        println!(
            "| {mode} | {} | {:.2} ms | {:.2} ms | {:.2} ms |",
            v.len(),
            pct(v, 0.5),
            pct(v, 0.95),
            v.last().unwrap()
        );
    }
}
