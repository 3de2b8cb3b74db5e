//! The Matrix adapter (matrix-sdk): answers `!ask`, mentions and direct messages in rooms,
//! encrypted rooms included. It translates events into handler calls and replies into
//! `m.notice` messages in the question's thread; it holds no search or permission logic.
//!
//! Lifecycle: log in once (password) or use an access token, keep the session and the crypto
//! state in a SQLite store under `data_dir/matrix/` so a restart reuses the same device, then run
//! a `sync_once` loop (answers arrive within one long-poll round trip; `Client::sync` would add up
//! to a second of delay per busy sync). Events of the first sync after start are history: they
//! are never answered. Errors are retried with backoff; the service keeps running.
//!
//! `login.rs` logs in and keeps the device; `bot.rs` handles events; `render.rs` turns a
//! `Reply` into a notice (pure). Which invites are accepted is the core's call
//! (`Handler::may_invite`).

pub mod render;

mod bot;
mod login;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use matrix_sdk::Room;
use matrix_sdk::config::SyncSettings;
use matrix_sdk::ruma::OwnedUserId;
use matrix_sdk::ruma::events::room::member::StrippedRoomMemberEvent;
use matrix_sdk::ruma::events::room::message::OriginalSyncRoomMessageEvent;

use crate::command::Handler;
use crate::health::Health;
use crate::shutdown::Shutdown;
use crate::watch::Alert;

use bot::{Bot, deliver_alerts};
use login::{SessionError, Settings, login};
use render::BotNames;

/// How long an answer may take before the bot shows "typing…".
const TYPING_AFTER: Duration = Duration::from_millis(400);
/// Long-poll timeout of one sync request.
const SYNC_TIMEOUT: Duration = Duration::from_secs(30);
/// Backoff bounds for a homeserver that is down or failing (each wait up to double, jittered).
const BACKOFF_MIN: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(60);
/// How many answered event ids are remembered (each event is answered once).
const SEEN_CAPACITY: std::num::NonZeroUsize = std::num::NonZeroUsize::new(4096).unwrap();
/// Rooms whose last paged reply `!more` remembers (the most recently active).
const PAGED_ROOMS: std::num::NonZeroUsize = std::num::NonZeroUsize::new(1024).unwrap();
/// Minimum time between two progress edits of a running reindex.
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

/// Runs the Matrix bot until `shutdown` fires. Only a configuration error ends it early;
/// network and homeserver failures are retried.
pub async fn run(
    handler: Arc<Handler>,
    health: Arc<Health>,
    alerts: tokio::sync::broadcast::Sender<Alert>,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    let config = handler.engine().config();
    let settings = Settings::new(&config.matrix, &config.data_dir)?;
    let mut backoff = crate::retry::backoff(BACKOFF_MIN, BACKOFF_MAX);
    loop {
        let attempt = session(&settings, &handler, &health, &alerts, &shutdown);
        let outcome = tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            outcome = attempt => outcome,
        };
        match outcome {
            Ok(()) => return Ok(()),
            Err(SessionError::Fatal(e)) => {
                health.set("matrix", false, format!("stopped: {e:#}"));
                return Err(e);
            }
            Err(SessionError::Retry { error, connected }) => {
                if connected {
                    backoff = crate::retry::backoff(BACKOFF_MIN, BACKOFF_MAX);
                }
                let wait = backoff.next().unwrap_or(BACKOFF_MAX);
                tracing::warn!(
                    error = %format!("{error:#}"),
                    retry_in_ms = wait.as_millis() as u64,
                    "Matrix connection failed; retrying"
                );
                health.set(
                    "matrix",
                    false,
                    format!("retrying in {:.1} s: {error:#}", wait.as_secs_f32()),
                );
                tokio::select! {
                    _ = shutdown.cancelled() => return Ok(()),
                    _ = tokio::time::sleep(wait) => {}
                }
            }
        }
    }
}

/// One connected session: log in or restore, first sync, then the sync loop.
async fn session(
    settings: &Settings,
    handler: &Arc<Handler>,
    health: &Arc<Health>,
    alerts: &tokio::sync::broadcast::Sender<Alert>,
    shutdown: &Shutdown,
) -> Result<(), SessionError> {
    let client = login(settings).await?;
    let own_user: OwnedUserId = client
        .user_id()
        .map(ToOwned::to_owned)
        .ok_or_else(|| SessionError::Fatal(anyhow::anyhow!("no user id after login")))?;
    let device = client
        .device_id()
        .map(|d| d.to_string())
        .unwrap_or_default();

    let bot = Arc::new(Bot {
        handler: handler.clone(),
        names: Mutex::new(BotNames::new(own_user.as_str(), None)),
        own_user: own_user.clone(),
        prefix: settings.prefix.clone(),
        seen: Mutex::new(lru::LruCache::new(SEEN_CAPACITY)),
        pages: Mutex::new(lru::LruCache::new(PAGED_ROOMS)),
    });

    // Invites are accepted from the first sync on (invites that came while the bot was away).
    {
        let bot = bot.clone();
        client.add_event_handler(move |ev: StrippedRoomMemberEvent, room: Room| {
            let bot = bot.clone();
            async move { bot.on_invite(ev, room).await }
        });
    }

    // The first sync brings history; nothing in it is answered.
    let filter = sync_filter();
    let first = client
        .sync_once(
            SyncSettings::default()
                .filter(filter.clone())
                .timeout(Duration::ZERO),
        )
        .await
        .map_err(|e| classify_sync_error(e, false))?;
    let mut token = first.next_batch;
    if let Ok(Some(name)) = client.account().get_display_name().await {
        *bot.names.lock().unwrap_or_else(|e| e.into_inner()) =
            BotNames::new(own_user.as_str(), Some(name));
    }
    {
        let bot = bot.clone();
        client.add_event_handler(move |ev: OriginalSyncRoomMessageEvent, room: Room| {
            let bot = bot.clone();
            async move { bot.on_message(ev, room) }
        });
    }
    // The alert sender lives as long as this session.
    let _alerts = tokio_util::task::AbortOnDropHandle::new(tokio::spawn(deliver_alerts(
        client.clone(),
        alerts.subscribe(),
        settings.prefix.clone(),
    )));
    tracing::info!(user = %own_user, device = %device, "Matrix connected");
    health.set("matrix", true, format!("connected as {own_user}"));

    loop {
        let settings = SyncSettings::default()
            .filter(filter.clone())
            .timeout(SYNC_TIMEOUT)
            .token(token.clone());
        let response = tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            r = client.sync_once(settings) => r,
        };
        match response {
            Ok(r) => token = r.next_batch,
            Err(e) => return Err(classify_sync_error(e, true)),
        }
    }
}

/// What the bot syncs: timelines, state (members loaded lazily, as matrix-sdk fetches them when
/// it needs them, e.g. to share keys in an encrypted room), account data (direct rooms) and
/// to-device messages (keys). No presence, typing or read receipts: the bot never looks at them,
/// and each would wake its sync and cost the homeserver a response.
fn sync_filter() -> matrix_sdk::ruma::api::client::sync::sync_events::v3::Filter {
    use matrix_sdk::ruma::api::client::filter::{Filter, FilterDefinition, RoomEventFilter};
    let mut definition = FilterDefinition::with_lazy_loading();
    definition.presence = Filter::ignore_all();
    definition.room.ephemeral = RoomEventFilter::ignore_all();
    definition.into()
}

fn classify_sync_error(e: matrix_sdk::Error, connected: bool) -> SessionError {
    use matrix_sdk::ruma::api::error::ErrorKind;
    if let Some(ErrorKind::UnknownToken { .. }) = e.client_api_error_kind() {
        return SessionError::Fatal(anyhow::anyhow!(
            "the homeserver rejected the access token (logged out or revoked); delete {} to log in again with the password, or set a new TALKWATCH_MATRIX__ACCESS_TOKEN",
            "data_dir/matrix/session.json"
        ));
    }
    SessionError::Retry {
        error: anyhow::Error::new(e).context("sync failed"),
        connected,
    }
}
