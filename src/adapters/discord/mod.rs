//! The Discord adapter (serenity): slash commands over the gateway, or an HTTP interactions
//! endpoint. Both modes turn an interaction (as JSON) into a handler call and the [`Reply`]
//! into a callback body ([`render`]); the adapter holds no search or permission logic.

pub mod render;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, bail};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use serenity::all::{
    ApplicationId, Context, EventHandler, GatewayIntents, GuildId, Http, HttpBuilder, Interaction,
    InteractionId, Ready,
};

use crate::command::{Caller, Command, Handler, Identity};
use crate::config::DiscordConfig;
use crate::health::Health;
use crate::messages;
use crate::reply::{Hint, Reply};
use crate::shutdown::Shutdown;
use crate::watch::Alert;

use render::{AUTOCOMPLETE_RESULT, DEFERRED_MESSAGE, MESSAGE, PONG, UPDATE_MESSAGE};

/// Minimum time between two progress edits of a deferred reindex.
const PROGRESS_EVERY: Duration = Duration::from_secs(2);
/// Signed requests older (or newer) than this are rejected as replays.
const MAX_SKEW_SECS: i64 = 300;

/// A REST client for Discord (or `discord.api_proxy`), without rate limiter when proxied.
pub fn rest_client(config: &DiscordConfig) -> Http {
    let token = config
        .token
        .as_ref()
        .map(|t| t.expose_secret().to_string())
        .unwrap_or_default();
    let mut builder = HttpBuilder::new(token);
    if let Some(proxy) = &config.api_proxy {
        builder = builder
            .proxy(proxy.trim_end_matches('/'))
            .ratelimiter_disabled(true);
    }
    if let Some(app) = config.application_id {
        builder = builder.application_id(ApplicationId::new(app));
    }
    builder.build()
}

/// Registers the slash commands: per guild when `discord.guild_ids` is set, else globally.
pub async fn register_commands(http: &Http, config: &DiscordConfig) -> anyhow::Result<usize> {
    let definitions = render::command_definitions();
    if http.application_id().is_none() {
        bail!("discord.application_id is not set (TALKWATCH_DISCORD__APPLICATION_ID)");
    }
    let registered = if config.guild_ids.is_empty() {
        http.create_global_commands(&definitions)
            .await
            .context("registering global commands failed")?
            .len()
    } else {
        let mut n = 0;
        for guild in &config.guild_ids {
            n = http
                .create_guild_commands(GuildId::new(*guild), &definitions)
                .await
                .with_context(|| format!("registering commands in guild {guild} failed"))?
                .len();
        }
        n
    };
    Ok(registered)
}

fn caller(i: &Value) -> Caller {
    let user = if i["member"]["user"].is_object() {
        &i["member"]["user"]
    } else {
        &i["user"]
    };
    let id = |v: &Value| v.as_str().and_then(|s| s.parse::<u64>().ok());
    Caller {
        identity: Identity::Discord {
            user_id: id(&user["id"]).unwrap_or(0),
            role_ids: i["member"]["roles"]
                .as_array()
                .map(|r| r.iter().filter_map(id).collect())
                .unwrap_or_default(),
        },
        place: i["channel_id"].as_str().map(str::to_string),
    }
}

fn option<'a>(i: &'a Value, name: &str) -> Option<&'a Value> {
    i["data"]["options"]
        .as_array()?
        .iter()
        .find(|o| o["name"] == name)
        .map(|o| &o["value"])
}

fn invalid(problem: String) -> Reply {
    Reply::Invalid {
        problem,
        hint: Hint::Help,
    }
}

/// Answers one interaction (given as Discord's JSON) with a callback body. Deferred work (a
/// reindex) continues in the background and edits the original response through `http`.
pub async fn respond(handler: &Arc<Handler>, i: &Value, http: Option<Arc<Http>>) -> Value {
    match i["type"].as_u64() {
        Some(1) => json!({ "type": PONG }),
        Some(2) => command(handler, i, http).await,
        Some(3) => component(handler, i).await,
        Some(4) => autocomplete(handler, i),
        _ => render::callback(
            MESSAGE,
            &invalid(messages::discord_unsupported()),
            None,
            true,
        ),
    }
}

async fn command(handler: &Arc<Handler>, i: &Value, http: Option<Arc<Http>>) -> Value {
    let caller = caller(i);
    let name = i["data"]["name"].as_str().unwrap_or_default();
    match name {
        "ask" => {
            let question = option(i, "question")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let line = crate::command::ask_line(
                question,
                option(i, "since").and_then(Value::as_str),
                option(i, "until").and_then(Value::as_str),
                option(i, "source").and_then(Value::as_str),
                option(i, "limit").and_then(Value::as_u64),
            );
            let hide = option(i, "hide").and_then(Value::as_bool).unwrap_or(false);
            let reply = handler.respond_to_question(&line, &caller).await;
            let paged = crate::command::paged_question(&line);
            render::callback(MESSAGE, &reply, Some(&paged), hide)
        }
        "timeline" | "latest" => {
            let topic = option(i, "topic")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let line = format!(
                "{name} {}",
                crate::command::ask_line(
                    topic,
                    option(i, "since").and_then(Value::as_str),
                    option(i, "until").and_then(Value::as_str),
                    option(i, "source").and_then(Value::as_str),
                    option(i, "limit").and_then(Value::as_u64),
                )
            );
            let line = line.trim().to_string();
            let reply = handler.respond_to_command(&line, &caller, None).await;
            render::callback(MESSAGE, &reply, Some(&line), false)
        }
        "reindex" => {
            if let Some(refused) = handler.refusal(&Command::Reindex, &caller) {
                return render::callback(MESSAGE, &refused, None, false);
            }
            let (Some(http), Some(token)) = (http, i["token"].as_str()) else {
                let reply = handler.handle(Command::Reindex, &caller, None).await;
                return render::callback(MESSAGE, &reply, None, false);
            };
            if let Some(app) = i["application_id"].as_str().and_then(|s| s.parse().ok()) {
                http.set_application_id(ApplicationId::new(app));
            }
            let handler = handler.clone();
            let token = token.to_string();
            tokio::spawn(async move { deferred_reindex(handler, caller, http, token).await });
            json!({ "type": DEFERRED_MESSAGE })
        }
        other => {
            let words = option(i, "words")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let text = format!("{other} {words}");
            let reply = handler.respond_to_command(text.trim(), &caller, None).await;
            render::callback(MESSAGE, &reply, None, false)
        }
    }
}

/// Runs a reindex after a deferred response, editing the original message with progress and
/// finally the counts.
async fn deferred_reindex(handler: Arc<Handler>, caller: Caller, http: Arc<Http>, token: String) {
    let (http_ref, token_ref) = (&http, &token);
    let reply = crate::command::with_progress(
        PROGRESS_EVERY,
        |progress| handler.handle(Command::Reindex, &caller, Some(progress)),
        |p| async move {
            let body = json!({
                "content": format!("{}\n{}", messages::reindex_started(), messages::reindex_progress(p.done, p.total)),
                "allowed_mentions": render::no_mentions(),
            });
            if let Err(e) = http_ref
                .edit_original_interaction_response(token_ref, &body, vec![])
                .await
            {
                tracing::warn!(error = %e, "could not show reindex progress on Discord");
            }
        },
    )
    .await;
    let mut body = render::message(&reply, None, false);
    if let Some(obj) = body.as_object_mut() {
        obj.remove("flags");
    }
    if let Err(e) = http
        .edit_original_interaction_response(&token, &body, vec![])
        .await
    {
        tracing::warn!(error = %e, "could not post the reindex result on Discord");
    }
}

/// The "More" button: the question is read back from the message the button is on.
async fn component(handler: &Arc<Handler>, i: &Value) -> Value {
    let caller = caller(i);
    let custom_id = i["data"]["custom_id"].as_str().unwrap_or_default();
    let rest = custom_id.strip_prefix("more:").unwrap_or_default();
    // "more:q:N": the message's line is a question shown without the `ask` it was kept with.
    let (question, offset) = match rest.strip_prefix("q:") {
        Some(n) => (true, n.parse::<usize>().ok()),
        None => (false, rest.parse::<usize>().ok()),
    };
    let line = i["message"]["content"]
        .as_str()
        .and_then(render::ask_line_of)
        .map(|line| {
            if question {
                format!("ask {line}")
            } else {
                line
            }
        });
    let (Some(offset), Some(line)) = (offset, line) else {
        return render::callback(
            MESSAGE,
            &invalid(messages::discord_paging_expired()),
            None,
            true,
        );
    };
    let reply = match crate::command::page_of(&line, offset) {
        Some(command) => handler.handle(command, &caller, None).await,
        None => invalid(messages::discord_paging_expired()),
    };
    render::callback(UPDATE_MESSAGE, &reply, Some(&line), false)
}

/// Source names matching what the user typed so far (at most 25, Discord's limit).
fn autocomplete(handler: &Arc<Handler>, i: &Value) -> Value {
    let typed = i["data"]["options"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["focused"] == true))
        .and_then(|o| o["value"].as_str())
        .unwrap_or_default()
        .to_lowercase();
    let choices: Vec<Value> = handler
        .engine()
        .sources()
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s.source.to_lowercase().contains(&typed))
        .take(25)
        .map(|s| {
            let name = crate::text::shorten(&s.source, 100);
            json!({ "name": name, "value": name })
        })
        .collect();
    json!({ "type": AUTOCOMPLETE_RESULT, "data": { "choices": choices } })
}

// ---------------------------------------------------------------------------------------------
// Gateway mode

struct Events {
    handler: Arc<Handler>,
    health: Arc<Health>,
    config: DiscordConfig,
    alerts: tokio::sync::broadcast::Sender<Alert>,
    delivering: std::sync::atomic::AtomicBool,
}

#[serenity::async_trait]
impl EventHandler for Events {
    async fn ready(&self, ctx: Context, ready: Ready) {
        ctx.http.set_application_id(ready.application.id);
        match register_commands(&ctx.http, &self.config).await {
            Ok(n) => tracing::info!(commands = n, "Discord commands registered"),
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "Discord command registration failed")
            }
        }
        tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "Discord connected");
        self.health
            .set("discord", true, format!("connected as {}", ready.user.name));
        if !self
            .delivering
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            tokio::spawn(deliver_alerts(ctx.http.clone(), self.alerts.subscribe()));
        }
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let mut raw = match serde_json::to_value(&interaction) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "unreadable interaction");
                return;
            }
        };
        // serenity's model names the interaction type by its enum variant; restore Discord's.
        let kind = match &interaction {
            Interaction::Ping(_) => 1,
            Interaction::Command(_) => 2,
            Interaction::Component(_) => 3,
            Interaction::Autocomplete(_) => 4,
            _ => 5,
        };
        raw["type"] = json!(kind);
        tracing::debug!(interaction = %raw, "Discord interaction");
        let Some(id) = raw["id"].as_str().and_then(|s| s.parse::<u64>().ok()) else {
            return;
        };
        let token = raw["token"].as_str().unwrap_or_default().to_string();
        let body = respond(&self.handler, &raw, Some(ctx.http.clone())).await;
        if let Err(e) = ctx
            .http
            .create_interaction_response(InteractionId::new(id), &token, &body, vec![])
            .await
        {
            tracing::warn!(error = %e, "could not answer a Discord interaction");
        }
    }

    async fn shard_stage_update(&self, _ctx: Context, event: serenity::all::ShardStageUpdateEvent) {
        use serenity::gateway::ConnectionStage;
        if event.new != ConnectionStage::Connected {
            self.health
                .set("discord", false, format!("gateway {:?}", event.new));
        }
    }
}

/// Posts watch alerts meant for Discord channels.
async fn deliver_alerts(http: Arc<Http>, mut alerts: tokio::sync::broadcast::Receiver<Alert>) {
    while let Some(alert) = crate::watch::next_alert(&mut alerts, "discord").await {
        let Ok(channel) = alert.place.parse::<u64>() else {
            continue;
        };
        let mut body = render::message(&alert.reply, None, false);
        if let Some(obj) = body.as_object_mut() {
            obj.remove("flags");
            obj.remove("components");
        }
        if let Err(e) = http
            .send_message(serenity::all::ChannelId::new(channel), vec![], &body)
            .await
        {
            tracing::warn!(channel, error = %e, "could not post a watch alert on Discord");
        }
    }
}

/// Gateway mode: connects with the bot token, registers commands, answers interactions, and
/// posts watch alerts.
pub async fn run_gateway(
    handler: Arc<Handler>,
    health: Arc<Health>,
    alerts: tokio::sync::broadcast::Sender<Alert>,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    let config = handler.engine().config().discord.clone();
    let Some(token) = config.token.as_ref().map(|t| t.expose_secret().to_string()) else {
        bail!("Discord gateway mode needs TALKWATCH_DISCORD__TOKEN (or discord.token_file)");
    };
    let http = rest_client(&config);
    let events = Events {
        handler,
        health: health.clone(),
        config: config.clone(),
        alerts,
        delivering: std::sync::atomic::AtomicBool::new(false),
    };
    // The REST client built above (proxy, rate limiter) serves the gateway lookup too.
    let _ = &token;
    let mut client = serenity::client::ClientBuilder::new_with_http(http, GatewayIntents::empty())
        .event_handler(events)
        .await
        .context("cannot set up the Discord client")?;
    let shards = client.shard_manager.clone();
    tokio::select! {
        result = client.start() => {
            let Err(e) = result else {
                health.set("discord", false, "gateway stopped");
                bail!("the Discord gateway stopped");
            };
            let why = gateway_failure(&e);
            health.set("discord", false, why.clone());
            tracing::error!(error = %e, "{why}");
            Err(anyhow::anyhow!(why))
        }
        _ = shutdown.cancelled() => {
            shards.shutdown_all().await;
            Ok(())
        }
    }
}

/// What a fatal gateway error means for the operator. Resumable closes never get here: serenity
/// resumes or identifies again by itself.
fn gateway_failure(e: &serenity::Error) -> String {
    use serenity::gateway::GatewayError as G;
    match e {
        serenity::Error::Gateway(G::InvalidAuthentication) => {
            "Discord rejected the bot token (gateway close 4004): set a valid TALKWATCH_DISCORD__TOKEN or discord.token_file".into()
        }
        serenity::Error::Gateway(G::DisallowedGatewayIntents | G::InvalidGatewayIntents) => {
            "Discord refused the gateway intents: check the bot's settings in the Developer Portal".into()
        }
        serenity::Error::Gateway(G::InvalidShardData | G::OverloadedShard) => {
            "Discord refused the shard settings of this bot".into()
        }
        other => format!("the Discord gateway connection failed: {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP mode

#[derive(Clone)]
struct Endpoint {
    handler: Arc<Handler>,
    key: ed25519_dalek::VerifyingKey,
    http: Arc<Http>,
}

/// HTTP mode: routes served by talkwatch's one HTTP server (`POST /discord/interactions`).
pub fn routes(handler: Arc<Handler>) -> anyhow::Result<Router> {
    let config = handler.engine().config();
    let hex_key = config.discord.public_key.as_deref().unwrap_or_default();
    let key = public_key(hex_key).map_err(|problem| {
        anyhow::anyhow!(
            "discord.public_key (TALKWATCH_DISCORD__PUBLIC_KEY) {problem}; copy the Public Key \
             from the application's General Information page in the Discord Developer Portal"
        )
    })?;
    let limit = config.http.max_body_bytes;
    let endpoint = Endpoint {
        http: Arc::new(rest_client(&config.discord)),
        handler,
        key,
    };
    Ok(Router::new()
        .route("/discord/interactions", axum::routing::post(interactions))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(endpoint))
}

/// The application's Ed25519 public key from its 64 hex characters; the error says which of
/// the three ways it is wrong.
pub fn public_key(hex_key: &str) -> Result<ed25519_dalek::VerifyingKey, String> {
    let hex_key = hex_key.trim();
    if hex_key.is_empty() {
        return Err("is not set".into());
    }
    if let Some((at, c)) = hex_key.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
        return Err(format!(
            "must be hex digits (0-9, a-f), but has {c:?} at position {}",
            at + 1
        ));
    }
    let bytes: [u8; 32] = hex::decode(hex_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            format!(
                "must be 64 hex characters, but has {}",
                hex_key.chars().count()
            )
        })?;
    ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|_| {
        "has 64 hex characters but is not a valid Ed25519 public key (not a point on the curve: \
         a character was likely changed or another key was copied)"
            .into()
    })
}

/// Checks Discord's Ed25519 signature over timestamp + body, and the timestamp's age.
pub fn verify(
    key: &ed25519_dalek::VerifyingKey,
    signature_hex: Option<&str>,
    timestamp: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), &'static str> {
    let (Some(signature_hex), Some(timestamp)) = (signature_hex, timestamp) else {
        return Err("missing signature headers");
    };
    let signature = hex::decode(signature_hex.trim())
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
        .map(|b| ed25519_dalek::Signature::from_bytes(&b))
        .ok_or("malformed signature")?;
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| "malformed timestamp")?;
    if (now - ts).abs() > MAX_SKEW_SECS {
        return Err("stale timestamp");
    }
    let mut message = Vec::with_capacity(timestamp.len() + body.len());
    message.extend_from_slice(timestamp.as_bytes());
    message.extend_from_slice(body);
    key.verify_strict(&message, &signature)
        .map_err(|_| "bad signature")
}

async fn interactions(
    State(endpoint): State<Endpoint>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Err(why) = verify(
        &endpoint.key,
        header("x-signature-ed25519"),
        header("x-signature-timestamp"),
        &body,
        chrono::Utc::now().timestamp(),
    ) {
        tracing::warn!(reason = why, "rejected a Discord interaction request");
        return (
            StatusCode::UNAUTHORIZED,
            format!("invalid request signature: {why}"),
        )
            .into_response();
    }
    let interaction: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("invalid JSON: {e}")).into_response(),
    };
    let body = respond(&endpoint.handler, &interaction, Some(endpoint.http.clone())).await;
    axum::Json(body).into_response()
}

#[cfg(test)]
mod tests {
    use super::public_key;

    #[test]
    fn a_wrong_public_key_is_told_apart_from_a_mistyped_one() {
        let valid = hex::encode(
            ed25519_dalek::SigningKey::from_bytes(&[7; 32])
                .verifying_key()
                .to_bytes(),
        );
        assert!(public_key(&valid).is_ok());
        assert_eq!(public_key("  ").unwrap_err(), "is not set");
        assert_eq!(
            public_key(&valid[..63]).unwrap_err(),
            "must be 64 hex characters, but has 63"
        );
        assert!(
            public_key(&format!("{}g", &valid[..63]))
                .unwrap_err()
                .contains("'g' at position 64")
        );
        // 64 hex characters that are no point on the curve (about half of all such strings).
        let off_curve = (0..=255u8)
            .map(|b| hex::encode([b; 32]))
            .find(|h| {
                ed25519_dalek::VerifyingKey::from_bytes(
                    &hex::decode(h).unwrap().try_into().unwrap(),
                )
                .is_err()
            })
            .unwrap();
        assert!(
            public_key(&off_curve)
                .unwrap_err()
                .contains("not a valid Ed25519 public key")
        );
    }
}
