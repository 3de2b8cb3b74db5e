//! A fake Discord on 127.0.0.1: the REST API (what talkwatch calls) and a websocket gateway.
//! Every JSON body it receives — and every interaction response the bot returns in http mode —
//! is validated against Discord's official OpenAPI spec (`tests/fixtures/discord-openapi.json`),
//! so a body Discord would reject fails the test.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::extract::{Path, State, WebSocketUpgrade, ws};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::{Value, json};
use tokio::sync::mpsc;

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/discord-openapi.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).expect("OpenAPI fixture")).unwrap()
    })
}

/// The request-body schema of an operation, as a validator over the whole spec (so `$ref`s to
/// `#/components/schemas/...` resolve); an error when the spec has no such operation.
fn validator(method: &str, template: &str) -> Result<&'static jsonschema::Validator, String> {
    static CACHE: OnceLock<Mutex<HashMap<String, &'static jsonschema::Validator>>> =
        OnceLock::new();
    let key = format!("{method} {template}");
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(v) = cache.get(&key) {
        return Ok(v);
    }
    let spec = spec();
    let schema =
        &spec["paths"][template][method]["requestBody"]["content"]["application/json"]["schema"];
    if !schema.is_object() {
        return Err(format!(
            "no request body schema for {key} in the OpenAPI spec"
        ));
    }
    let mut root = json!({ "components": spec["components"].clone() });
    for (k, v) in schema.as_object().unwrap() {
        root[k] = v.clone();
    }
    let v: &'static jsonschema::Validator = Box::leak(Box::new(
        jsonschema::draft202012::new(&root).expect("schema compiles"),
    ));
    cache.insert(key, v);
    Ok(v)
}

/// Every violation of the operation's schema by `body`, as one message (Ok when valid).
fn check(method: &str, template: &str, body: &Value) -> Result<(), String> {
    let v = validator(method, template)?;
    let errors: Vec<String> = v
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .take(10)
        .collect();
    if errors.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{method} {template}: body rejected by Discord's OpenAPI schema:\n  {}\nbody: {body}",
        errors.join("\n  ")
    ))
}

/// Panics with every violation if `body` is not valid for the operation.
pub fn assert_valid(method: &str, template: &str, body: &Value) {
    if let Err(e) = check(method, template, body) {
        panic!("{e}");
    }
}

/// The callback body schema, for interaction responses returned over HTTP.
pub fn assert_valid_callback(body: &Value) {
    assert_valid(
        "post",
        "/interactions/{interaction_id}/{interaction_token}/callback",
        body,
    );
}

/// One REST request the fake received.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub path: String,
    pub body: Value,
    /// Why the body broke Discord's schema (the fake answered 400), if it did.
    pub violation: Option<String>,
}

pub struct FakeDiscord {
    pub base: String,
    calls: Arc<Mutex<Vec<Call>>>,
    notify: tokio::sync::broadcast::Sender<Call>,
    gateway: Arc<Mutex<Option<mpsc::UnboundedSender<Value>>>>,
    sessions: tokio::sync::watch::Receiver<Vec<&'static str>>,
}

#[derive(Clone)]
struct Shared {
    base: String,
    calls: Arc<Mutex<Vec<Call>>>,
    notify: tokio::sync::broadcast::Sender<Call>,
    gateway: Arc<Mutex<Option<mpsc::UnboundedSender<Value>>>>,
    /// "identify" or "resume", one per gateway session the bot opened.
    sessions: Arc<tokio::sync::watch::Sender<Vec<&'static str>>>,
}

/// What a test sends down the gateway channel: a dispatch, or a close with a code.
const CLOSE: &str = "__close";

pub const APP_ID: &str = "1100000000000000001";
pub const BOT_ID: &str = "1100000000000000002";

/// Maps a concrete path to its OpenAPI template.
fn template(path: &str, method: &Method) -> Option<&'static str> {
    let parts: Vec<&str> = path.trim_start_matches("/api/v10").split('/').collect();
    match (method.as_str(), parts.as_slice()) {
        ("PUT", ["", "applications", _, "commands"]) => {
            Some("/applications/{application_id}/commands")
        }
        ("PUT", ["", "applications", _, "guilds", _, "commands"]) => {
            Some("/applications/{application_id}/guilds/{guild_id}/commands")
        }
        ("POST", ["", "interactions", _, _, "callback"]) => {
            Some("/interactions/{interaction_id}/{interaction_token}/callback")
        }
        ("POST", ["", "channels", _, "messages"]) => Some("/channels/{channel_id}/messages"),
        ("PATCH", ["", "webhooks", _, _, "messages", "@original"]) => {
            Some("/webhooks/{webhook_id}/{webhook_token}/messages/@original")
        }
        _ => None,
    }
}

async fn rest(
    State(s): State<Shared>,
    method: Method,
    Path(path): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let path = format!("/{path}");
    let json: Value = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("{method} {path}: body is not JSON: {e}"))
    };
    let template = template(&path, &method);
    let violation = match template {
        Some(t) if !json.is_null() => check(&method.as_str().to_lowercase(), t, &json).err(),
        _ => None,
    };
    let call = Call {
        method: method.to_string(),
        path: path.clone(),
        body: json.clone(),
        violation: violation.clone(),
    };
    s.calls.lock().unwrap().push(call.clone());
    let _ = s.notify.send(call);
    if path == "/api/v10/gateway" || path == "/api/v10/gateway/bot" {
        let ws = s.base.replace("http://", "ws://") + "/ws";
        return axum::Json(json!({
            "url": ws,
            "shards": 1,
            "session_start_limit": { "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1 }
        }))
        .into_response();
    }
    let Some(template) = template else {
        return (
            StatusCode::NOT_FOUND,
            format!("fake Discord: no route {method} {path}"),
        )
            .into_response();
    };
    if let Some(why) = violation {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "code": 50035, "message": "Invalid Form Body", "errors": why })),
        )
            .into_response();
    }
    match method.as_str() {
        "PUT" => {
            let commands: Vec<Value> = json
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(n, mut c)| {
                    c["id"] = json!(format!("12000000000000000{n:02}"));
                    c["application_id"] = json!(APP_ID);
                    c["version"] = json!("1");
                    if c.get("type").is_none() {
                        c["type"] = json!(1);
                    }
                    c["default_member_permissions"] = c
                        .get("default_member_permissions")
                        .cloned()
                        .unwrap_or(Value::Null);
                    c["dm_permission"] = json!(true);
                    c["nsfw"] = json!(false);
                    c
                })
                .collect();
            axum::Json(Value::Array(commands)).into_response()
        }
        "POST" if template.starts_with("/channels") => {
            axum::Json(message_object(&json)).into_response()
        }
        "POST" => StatusCode::NO_CONTENT.into_response(),
        _ => axum::Json(message_object(&json)).into_response(),
    }
}

/// A full message object as Discord returns it after an edit.
fn message_object(edit: &Value) -> Value {
    json!({
        "id": "1300000000000000001",
        "channel_id": "1400000000000000001",
        "author": { "id": BOT_ID, "username": "talkwatch", "discriminator": "0", "global_name": null, "avatar": null, "bot": true },
        "content": edit["content"].as_str().unwrap_or_default(),
        "timestamp": "2026-11-25T10:00:00.000000+00:00",
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": edit["embeds"].as_array().cloned().unwrap_or_default(),
        "pinned": false,
        "type": 0,
        "flags": 0,
        "components": [],
    })
}

/// The gateway: HELLO, then READY after IDENTIFY (RESUMED after RESUME), heartbeat ACKs,
/// dispatches sent by tests, and closes with the code a test asks for.
async fn gateway(State(s): State<Shared>, upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(move |mut socket| async move {
        let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
        *s.gateway.lock().unwrap() = Some(tx);
        let hello = json!({ "op": 10, "d": { "heartbeat_interval": 41250 }, "s": null, "t": null });
        if socket.send(ws::Message::Text(hello.to_string().into())).await.is_err() {
            return;
        }
        let mut seq = 0u64;
        loop {
            tokio::select! {
                incoming = socket.recv() => {
                    let Some(Ok(msg)) = incoming else { return };
                    let ws::Message::Text(text) = msg else { continue };
                    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    match v["op"].as_u64() {
                        Some(2) => {
                            seq += 1;
                            let ready = json!({
                                "op": 0, "s": seq, "t": "READY",
                                "d": {
                                    "v": 10,
                                    "user": { "id": BOT_ID, "username": "talkwatch", "discriminator": "0", "global_name": null, "avatar": null, "bot": true },
                                    "guilds": [],
                                    "session_id": "fake-session",
                                    "resume_gateway_url": s.base.replace("http://", "ws://") + "/ws",
                                    "application": { "id": APP_ID, "flags": 0 },
                                }
                            });
                            let _ = socket.send(ws::Message::Text(ready.to_string().into())).await;
                            s.sessions.send_modify(|v| v.push("identify"));
                        }
                        Some(6) => {
                            seq = v["d"]["seq"].as_u64().unwrap_or(seq) + 1;
                            let resumed = json!({ "op": 0, "s": seq, "t": "RESUMED", "d": {} });
                            let _ = socket.send(ws::Message::Text(resumed.to_string().into())).await;
                            s.sessions.send_modify(|v| v.push("resume"));
                        }
                        Some(1) => {
                            let ack = json!({ "op": 11, "d": null, "s": null, "t": null });
                            let _ = socket.send(ws::Message::Text(ack.to_string().into())).await;
                        }
                        _ => {}
                    }
                }
                Some(mut dispatch) = rx.recv() => {
                    if let Some(code) = dispatch[CLOSE].as_u64() {
                        let frame = ws::CloseFrame { code: code as u16, reason: "closed by the test".into() };
                        let _ = socket.send(ws::Message::Close(Some(frame))).await;
                        return;
                    }
                    seq += 1;
                    dispatch["s"] = json!(seq);
                    if socket.send(ws::Message::Text(dispatch.to_string().into())).await.is_err() {
                        return;
                    }
                }
            }
        }
    })
}

/// A test that made the bot send a request Discord would reject fails, even if it never looked
/// at that request.
impl Drop for FakeDiscord {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let bad: Vec<String> = self
            .calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter_map(|c| c.violation.clone())
            .collect();
        assert!(
            bad.is_empty(),
            "requests Discord would reject:\n{}",
            bad.join("\n")
        );
    }
}

impl FakeDiscord {
    pub async fn start() -> FakeDiscord {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (notify, _) = tokio::sync::broadcast::channel(256);
        let (sessions_tx, sessions) = tokio::sync::watch::channel(Vec::new());
        let shared = Shared {
            base: base.clone(),
            calls: Arc::default(),
            notify: notify.clone(),
            gateway: Arc::default(),
            sessions: Arc::new(sessions_tx),
        };
        let app = axum::Router::new()
            .route("/ws", get(gateway))
            .route("/{*path}", any(rest))
            .with_state(shared.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeDiscord {
            base,
            calls: shared.calls,
            notify,
            gateway: shared.gateway,
            sessions,
        }
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// Waits for a REST call matching `pred` (including calls that came before); panics if the
    /// call broke Discord's schema.
    pub async fn wait_call(&self, timeout: Duration, pred: impl Fn(&Call) -> bool) -> Call {
        let valid = |c: Call| {
            if let Some(why) = &c.violation {
                panic!("{why}");
            }
            c
        };
        let mut rx = self.notify.subscribe();
        if let Some(c) = self.calls().into_iter().find(|c| pred(c)) {
            return valid(c);
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Ok(c)) if pred(&c) => return valid(c),
                Ok(_) => {}
                Err(_) => panic!(
                    "fake Discord saw no matching call within {timeout:?}; calls: {:#?}",
                    self.calls()
                ),
            }
        }
    }

    /// Waits until the bot identified on the gateway.
    pub async fn wait_identified(&self, timeout: Duration) {
        self.wait_sessions(1, timeout).await;
    }

    /// Waits until the bot opened `n` gateway sessions; returns how each began ("identify" or
    /// "resume").
    pub async fn wait_sessions(&self, n: usize, timeout: Duration) -> Vec<&'static str> {
        let mut rx = self.sessions.clone();
        tokio::time::timeout(timeout, rx.wait_for(|v| v.len() >= n))
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "the bot opened fewer than {n} gateway sessions ({:?}); calls: {:#?}",
                    *self.sessions.borrow(),
                    self.calls()
                )
            })
            .unwrap()
            .clone()
    }

    /// Closes the bot's gateway websocket with a close code, as Discord does.
    pub fn close_gateway(&self, code: u16) {
        self.gateway_tx().send(json!({ "__close": code })).unwrap();
    }

    fn gateway_tx(&self) -> mpsc::UnboundedSender<Value> {
        self.gateway
            .lock()
            .unwrap()
            .clone()
            .expect("gateway connected")
    }

    /// Sends an INTERACTION_CREATE dispatch over the gateway.
    pub fn dispatch_interaction(&self, interaction: Value) {
        self.gateway_tx()
            .send(json!({ "op": 0, "t": "INTERACTION_CREATE", "d": interaction }))
            .unwrap();
    }
}

/// An interaction as Discord sends it (all fields serenity requires).
pub fn interaction(id: u64, kind: u64, data: Value, user_id: &str, roles: &[&str]) -> Value {
    json!({
        "id": id.to_string(),
        "application_id": APP_ID,
        "type": kind,
        "token": format!("token-{id}"),
        "version": 1,
        "channel_id": "1400000000000000001",
        "guild_id": "1500000000000000001",
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {},
        "attachment_size_limit": 26214400,
        "app_permissions": "0",
        "member": {
            "user": { "id": user_id, "username": "tester", "discriminator": "0", "global_name": null, "avatar": null },
            "roles": roles,
            "joined_at": "2026-01-01T00:00:00.000000+00:00",
            "deaf": false,
            "mute": false,
            "flags": 0,
            "permissions": "0",
        },
        "data": data,
    })
}

/// `talkwatch run` in gateway mode on the demo corpus against a fresh fake Discord, waited for
/// until it identified.
pub async fn gateway_bot(timeout: Duration) -> (super::Env, FakeDiscord, super::service::Service) {
    let env = super::Env::with_demo();
    let fake = FakeDiscord::start().await;
    let service = super::service::Service::start(
        &env,
        &[
            ("TALKWATCH_DISCORD__ENABLED", "true"),
            ("TALKWATCH_DISCORD__TOKEN", "fake-bot-token"),
            ("TALKWATCH_DISCORD__API_PROXY", &fake.base),
        ],
    );
    fake.wait_identified(timeout).await;
    (env, fake, service)
}
