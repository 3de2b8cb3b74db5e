//! The Matrix adapter (matrix-sdk): answers `!ask`, mentions and direct messages in rooms,
//! encrypted rooms included. It translates events into handler calls and replies into
//! `m.notice` messages in the question's thread; it holds no search or permission logic.
//!
//! Lifecycle: log in once (password) or use an access token, keep the session and the crypto
//! state in a SQLite store under `data_dir/matrix/` so a restart reuses the same device, then run
//! a `sync_once` loop (answers arrive within one long-poll round trip; `Client::sync` would add up
//! to a second of delay per busy sync). Events of the first sync after start are history: they
//! are never answered. Errors are retried with backoff; the service keeps running.

pub mod render;

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::config::SyncSettings;
use matrix_sdk::ruma::api::client::uiaa;
use matrix_sdk::ruma::events::room::member::{MembershipState, StrippedRoomMemberEvent};
use matrix_sdk::ruma::events::room::message::{
    AddMentions, MessageType, OriginalSyncRoomMessageEvent, Relation, ReplacementMetadata,
    ReplyWithinThread, RoomMessageEventContent,
};
use matrix_sdk::ruma::{OwnedEventId, OwnedUserId};
use matrix_sdk::{Client, Room, RoomState, SessionMeta, SessionTokens};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::command::{Caller, Handler, Identity};
use crate::config::MatrixConfig;
use crate::health::Health;
use crate::messages::{self, Syntax};
use crate::reply::Reply;
use crate::search::{ProgressFn, RebuildProgress};
use crate::shutdown::Shutdown;
use crate::watch::Alert;

use render::{BotNames, Trigger};

/// How long an answer may take before the bot shows "typing…".
const TYPING_AFTER: Duration = Duration::from_millis(400);
/// Long-poll timeout of one sync request.
const SYNC_TIMEOUT: Duration = Duration::from_secs(30);
/// Backoff bounds for a homeserver that is down or failing.
const BACKOFF_MIN: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(60);
/// How many answered event ids are remembered (each event is answered once).
const SEEN_CAPACITY: usize = 4096;
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
    let mut backoff = BACKOFF_MIN;
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
                    backoff = BACKOFF_MIN;
                }
                let wait = crate::retry::jitter(backoff);
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
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
    }
}

/// The Matrix settings the adapter needs, validated.
struct Settings {
    homeserver: String,
    user: String,
    password: Option<SecretString>,
    access_token: Option<SecretString>,
    passphrase: Option<SecretString>,
    prefix: String,
    allowed_inviters: Vec<String>,
    allowed_servers: Vec<String>,
    device_name: String,
    dir: PathBuf,
}

impl Settings {
    fn new(config: &MatrixConfig, data_dir: &Path) -> anyhow::Result<Settings> {
        if config.homeserver.trim().is_empty() {
            bail!(
                "matrix.homeserver is not set (TALKWATCH_MATRIX__HOMESERVER, e.g. https://matrix.example.org)"
            );
        }
        if config.password.is_none() && config.access_token.is_none() {
            bail!(
                "Matrix needs a password or an access token: set TALKWATCH_MATRIX__PASSWORD or TALKWATCH_MATRIX__ACCESS_TOKEN (or matrix.password_file / matrix.access_token_file)"
            );
        }
        if config.password.is_some() && config.user.trim().is_empty() {
            bail!("matrix.user is not set (TALKWATCH_MATRIX__USER, e.g. @talkwatch:example.org)");
        }
        Ok(Settings {
            homeserver: config.homeserver.trim().trim_end_matches('/').to_string(),
            user: config.user.trim().to_string(),
            password: config.password.clone(),
            access_token: config.access_token.clone(),
            passphrase: config.store_passphrase.clone(),
            prefix: config.prefix.clone(),
            allowed_inviters: config.allowed_inviters.clone(),
            allowed_servers: config.allowed_servers.clone(),
            device_name: config.device_name.clone(),
            dir: data_dir.join("matrix"),
        })
    }

    fn store_dir(&self) -> PathBuf {
        self.dir.join("store")
    }

    fn session_file(&self) -> PathBuf {
        self.dir.join("session.json")
    }
}

enum SessionError {
    /// Configuration or credentials are wrong: retrying will not help.
    Fatal(anyhow::Error),
    /// The homeserver is unreachable or failing; `connected` says whether it worked for a while.
    Retry {
        error: anyhow::Error,
        connected: bool,
    },
}

fn retry(error: impl Into<anyhow::Error>) -> SessionError {
    SessionError::Retry {
        error: error.into(),
        connected: false,
    }
}

/// What is kept on disk to reuse the device: the session (password logins) and the device it
/// belongs to. Written with owner-only permissions.
#[derive(Serialize, Deserialize)]
struct SavedSession {
    homeserver: String,
    user_id: String,
    device_id: String,
    /// Only for password logins; with a configured access token, the token stays in the env.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    access_token: Option<String>,
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
        allowed_inviters: settings.allowed_inviters.clone(),
        allowed_servers: settings.allowed_servers.clone(),
        seen: Mutex::new(Seen::default()),
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
    let _alerts = AbortOnDrop(tokio::spawn(deliver_alerts(
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

/// Builds a client on the persistent store and logs in: restores the saved session when there
/// is one for this account, else logs in with the password (once) or uses the access token.
async fn login(settings: &Settings) -> Result<Client, SessionError> {
    std::fs::create_dir_all(&settings.dir)
        .with_context(|| format!("cannot create {}", settings.dir.display()))
        .map_err(SessionError::Fatal)?;
    let saved = read_saved(&settings.session_file());

    if let Some(token) = &settings.access_token {
        let (user_id, device_id) = whoami(&settings.homeserver, token).await?;
        let same_device = saved
            .as_ref()
            .is_some_and(|s| s.user_id == user_id && s.device_id == device_id);
        if !same_device {
            reset_store(settings)?;
        }
        let client = build_client(settings).await?;
        let session = MatrixSession {
            meta: SessionMeta {
                user_id: user_id.parse().map_err(|e| {
                    SessionError::Fatal(anyhow::anyhow!("bad user id {user_id}: {e}"))
                })?,
                device_id: device_id.as_str().into(),
            },
            tokens: SessionTokens {
                access_token: token.expose_secret().to_string(),
                refresh_token: None,
            },
        };
        client
            .restore_session(session)
            .await
            .context("cannot restore the Matrix session")
            .map_err(SessionError::Fatal)?;
        write_saved(
            &settings.session_file(),
            &SavedSession {
                homeserver: settings.homeserver.clone(),
                user_id,
                device_id,
                access_token: None,
            },
        )
        .map_err(SessionError::Fatal)?;
        return Ok(client);
    }

    let password = settings
        .password
        .as_ref()
        .expect("checked in Settings::new");
    if let Some(saved) = saved.filter(|s| {
        s.homeserver == settings.homeserver
            && s.access_token.is_some()
            && same_user(&s.user_id, &settings.user)
    }) {
        let client = build_client(settings).await?;
        let session = MatrixSession {
            meta: SessionMeta {
                user_id: saved
                    .user_id
                    .parse()
                    .map_err(|e| SessionError::Fatal(anyhow::anyhow!("bad saved user id: {e}")))?,
                device_id: saved.device_id.as_str().into(),
            },
            tokens: SessionTokens {
                access_token: saved.access_token.unwrap_or_default(),
                refresh_token: None,
            },
        };
        client
            .restore_session(session)
            .await
            .context("cannot restore the saved Matrix session")
            .map_err(SessionError::Fatal)?;
        tracing::info!(device = %saved.device_id, "reusing the saved Matrix session");
        return Ok(client);
    }

    // A new login means a new device: start from an empty crypto store.
    reset_store(settings)?;
    let client = build_client(settings).await?;
    let response = client
        .matrix_auth()
        .login_username(&settings.user, password.expose_secret())
        .initial_device_display_name(&settings.device_name)
        .send()
        .await;
    let response = match response {
        Ok(r) => r,
        Err(e) => {
            use matrix_sdk::ruma::api::error::ErrorKind;
            return Err(match e.client_api_error_kind() {
                Some(ErrorKind::Forbidden) => SessionError::Fatal(anyhow::anyhow!(
                    "Matrix login for {} was refused: wrong user or password",
                    settings.user
                )),
                _ => retry(anyhow::Error::new(e).context("Matrix login failed")),
            });
        }
    };
    tracing::info!(user = %response.user_id, device = %response.device_id, "logged in to Matrix as a new device");
    let session = client
        .matrix_auth()
        .session()
        .ok_or_else(|| SessionError::Fatal(anyhow::anyhow!("no session after login")))?;
    write_saved(
        &settings.session_file(),
        &SavedSession {
            homeserver: settings.homeserver.clone(),
            user_id: session.meta.user_id.to_string(),
            device_id: session.meta.device_id.to_string(),
            access_token: Some(session.tokens.access_token.clone()),
        },
    )
    .map_err(SessionError::Fatal)?;
    cross_sign(&client, &settings.user, password).await;
    Ok(client)
}

async fn build_client(settings: &Settings) -> Result<Client, SessionError> {
    // Few, quick retries inside the SDK: a homeserver outage then surfaces as an error here,
    // which is logged, shown in /healthz and retried with backoff by `run`.
    let requests = matrix_sdk::config::RequestConfig::new()
        .retry_limit(2)
        .max_retry_time(Duration::from_secs(10));
    Client::builder()
        .homeserver_url(&settings.homeserver)
        .request_config(requests)
        .sqlite_store(
            settings.store_dir(),
            settings.passphrase.as_ref().map(|p| p.expose_secret()),
        )
        .build()
        .await
        .context("cannot open the Matrix store (wrong TALKWATCH_MATRIX__STORE_PASSPHRASE?)")
        .map_err(SessionError::Fatal)
}

/// Signs the new device with the account's cross-signing keys (created if missing), so clients
/// show the bot's messages as sent by a device its owner trusts.
async fn cross_sign(client: &Client, user: &str, password: &SecretString) {
    let encryption = client.encryption();
    let result = match encryption.bootstrap_cross_signing_if_needed(None).await {
        Err(e) => match e.as_uiaa_response() {
            Some(info) => {
                let mut auth = uiaa::Password::new(
                    uiaa::UserIdentifier::Matrix(uiaa::MatrixUserIdentifier::new(user.to_string())),
                    password.expose_secret().to_string(),
                );
                auth.session = info.session.clone();
                encryption
                    .bootstrap_cross_signing(Some(uiaa::AuthData::Password(auth)))
                    .await
            }
            None => Err(e),
        },
        ok => ok,
    };
    match result {
        Ok(()) => tracing::info!("Matrix device cross-signed"),
        Err(e) => {
            tracing::warn!(error = %e, "could not set up cross-signing; the bot's device stays unverified")
        }
    }
}

/// Asks the homeserver whose access token this is: (user id, device id).
async fn whoami(homeserver: &str, token: &SecretString) -> Result<(String, String), SessionError> {
    #[derive(Deserialize)]
    struct WhoAmI {
        user_id: String,
        device_id: Option<String>,
    }
    let url = format!("{homeserver}/_matrix/client/v3/account/whoami");
    let response = reqwest::Client::new()
        .get(&url)
        .bearer_auth(token.expose_secret())
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .map_err(|e| retry(anyhow::Error::new(e).context("cannot reach the homeserver")))?;
    let status = response.status();
    if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
        return Err(SessionError::Fatal(anyhow::anyhow!(
            "the homeserver rejected TALKWATCH_MATRIX__ACCESS_TOKEN ({status})"
        )));
    }
    if !status.is_success() {
        return Err(retry(anyhow::anyhow!("whoami failed: {status}")));
    }
    let who: WhoAmI = response
        .json()
        .await
        .map_err(|e| retry(anyhow::Error::new(e).context("whoami: bad response")))?;
    let device = who.device_id.ok_or_else(|| {
        SessionError::Fatal(anyhow::anyhow!(
            "this access token has no device; create one with a password login"
        ))
    })?;
    Ok((who.user_id, device))
}

fn same_user(saved: &str, configured: &str) -> bool {
    let local = |s: &str| {
        s.trim_start_matches('@')
            .split(':')
            .next()
            .unwrap_or_default()
            .to_lowercase()
    };
    if configured.contains(':') {
        saved.eq_ignore_ascii_case(configured)
    } else {
        local(saved) == local(configured)
    }
}

fn read_saved(path: &Path) -> Option<SavedSession> {
    let text = std::fs::read_to_string(path).ok()?;
    match serde_json::from_str(&text) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "ignoring an unreadable saved Matrix session");
            None
        }
    }
}

fn write_saved(path: &Path, saved: &SavedSession) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(saved)?;
    let tmp = path.with_extension("json.tmp");
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options
            .open(&tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn reset_store(settings: &Settings) -> Result<(), SessionError> {
    let store = settings.store_dir();
    if store.exists() {
        tracing::info!(store = %store.display(), "starting a fresh Matrix store for a new device");
        std::fs::remove_dir_all(&store)
            .with_context(|| format!("cannot reset {}", store.display()))
            .map_err(SessionError::Fatal)?;
    }
    let _ = std::fs::remove_file(settings.session_file());
    Ok(())
}

/// Event ids already taken care of (bounded).
#[derive(Default)]
struct Seen {
    set: HashSet<OwnedEventId>,
    order: VecDeque<OwnedEventId>,
}

impl Seen {
    /// True the first time an id is seen.
    fn insert(&mut self, id: &OwnedEventId) -> bool {
        if !self.set.insert(id.clone()) {
            return false;
        }
        self.order.push_back(id.clone());
        if self.order.len() > SEEN_CAPACITY
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        true
    }
}

/// The event-handling half of the adapter, shared by the sync loop's handlers.
struct Bot {
    handler: Arc<Handler>,
    names: Mutex<BotNames>,
    own_user: OwnedUserId,
    prefix: String,
    allowed_inviters: Vec<String>,
    allowed_servers: Vec<String>,
    seen: Mutex<Seen>,
}

impl Bot {
    fn syntax(&self) -> Syntax<'_> {
        Syntax {
            prefix: &self.prefix,
        }
    }

    async fn on_invite(self: Arc<Self>, ev: StrippedRoomMemberEvent, room: Room) {
        if ev.state_key != self.own_user
            || ev.content.membership != MembershipState::Invite
            || room.state() != RoomState::Invited
        {
            return;
        }
        let inviter = ev.sender.to_string();
        if !invite_allowed(
            &inviter,
            self.own_user.server_name().as_str(),
            &self.allowed_inviters,
            &self.allowed_servers,
        ) {
            tracing::warn!(room = %room.room_id(), inviter = %inviter, "declining an invite from outside matrix.allowed_inviters / allowed_servers");
            let _ = room.leave().await;
            return;
        }
        tokio::spawn(async move {
            let mut wait = Duration::from_millis(200);
            for attempt in 1..=6 {
                match room.join().await {
                    Ok(()) => {
                        tracing::info!(room = %room.room_id(), inviter = %inviter, "joined a room on invite");
                        return;
                    }
                    Err(e) if attempt < 6 => {
                        tracing::debug!(room = %room.room_id(), error = %e, "join failed; retrying");
                        tokio::time::sleep(wait).await;
                        wait *= 2;
                    }
                    Err(e) => {
                        tracing::warn!(room = %room.room_id(), error = %e, "could not join a room after an invite");
                    }
                }
            }
        });
    }

    fn on_message(self: Arc<Self>, ev: OriginalSyncRoomMessageEvent, room: Room) {
        if ev.sender == self.own_user || room.state() != RoomState::Joined {
            return;
        }
        // Other bots speak in notices; answering them could loop forever.
        let MessageType::Text(text) = &ev.content.msgtype else {
            return;
        };
        // Edits are not new questions.
        if matches!(ev.content.relates_to, Some(Relation::Replacement(_))) {
            return;
        }
        if !self
            .seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(&ev.event_id)
        {
            return;
        }
        let body = text.body.clone();
        let mentioned = ev
            .content
            .mentions
            .as_ref()
            .is_some_and(|m| m.user_ids.contains(&self.own_user));
        tokio::spawn(async move {
            let is_direct = room.is_direct().await.unwrap_or(false);
            let trigger = {
                let names = self.names.lock().unwrap_or_else(|e| e.into_inner()).clone();
                render::trigger(&body, &self.prefix, &names, mentioned, is_direct)
            };
            let Some(trigger) = trigger else { return };
            if let Err(e) = self.answer(trigger, &ev, &room).await {
                tracing::warn!(room = %room.room_id(), event = %ev.event_id, error = %format!("{e:#}"), "could not answer");
            }
        });
    }

    async fn answer(
        &self,
        trigger: Trigger,
        ev: &OriginalSyncRoomMessageEvent,
        room: &Room,
    ) -> anyhow::Result<()> {
        let started = Instant::now();
        let caller = Caller {
            identity: Identity::Matrix {
                user_id: ev.sender.to_string(),
            },
            place: Some(room.room_id().to_string()),
        };
        // "Typing…" only for slow answers: most take milliseconds, and two extra requests per
        // question cost the homeserver time that delays the reply itself.
        let typing_started = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let typing = {
            let room = room.clone();
            let started = typing_started.clone();
            tokio::spawn(async move {
                tokio::time::sleep(TYPING_AFTER).await;
                started.store(true, std::sync::atomic::Ordering::SeqCst);
                let _ = room.typing_notice(true).await;
            })
        };
        let reply = match trigger {
            Trigger::Question(text) => self.handler.respond_to_question(&text, &caller).await,
            Trigger::Command(text) => self.command_with_progress(&text, &caller, ev, room).await,
        };
        typing.abort();
        let typed = typing_started.load(std::sync::atomic::Ordering::SeqCst);
        if reply == Reply::Quiet {
            if typed {
                let _ = room.typing_notice(false).await;
            }
            return Ok(());
        }
        let rendered = render::render(&reply, self.syntax());
        let content = RoomMessageEventContent::notice_html(rendered.plain, rendered.html);
        let content = in_thread(content, ev);
        let sent = room.send(content).await;
        if typed {
            let room = room.clone();
            tokio::spawn(async move {
                let _ = room.typing_notice(false).await;
            });
        }
        sent.context("sending the reply failed")?;
        tracing::debug!(room = %room.room_id(), elapsed_ms = started.elapsed().as_millis() as u64, error = reply.is_error(), "answered");
        if reply == Reply::Leaving {
            tracing::info!(room = %room.room_id(), by = %ev.sender, "leaving the room on an admin's request");
            room.leave().await.context("leaving the room failed")?;
        }
        Ok(())
    }

    /// Runs a command; long work (reindex) posts a progress notice in the thread and edits it.
    async fn command_with_progress(
        &self,
        text: &str,
        caller: &Caller,
        ev: &OriginalSyncRoomMessageEvent,
        room: &Room,
    ) -> Reply {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<RebuildProgress>();
        let progress: ProgressFn = Arc::new(move |p| {
            let _ = tx.send(p);
        });
        let work = self
            .handler
            .respond_to_command(text, caller, Some(progress));
        tokio::pin!(work);
        let mut notice: Option<OwnedEventId> = None;
        let mut last_edit = Instant::now();
        loop {
            tokio::select! {
                biased;
                Some(p) = rx.recv() => {
                    let line = messages::reindex_progress(p.done, p.total);
                    match &notice {
                        None => {
                            let first = format!("{}\n{line}", messages::reindex_started());
                            let content = in_thread(RoomMessageEventContent::notice_plain(first), ev);
                            match room.send(content).await {
                                Ok(r) => notice = Some(r.response.event_id),
                                Err(e) => tracing::warn!(error = %e, "could not post reindex progress"),
                            }
                            last_edit = Instant::now();
                        }
                        Some(id) if last_edit.elapsed() >= PROGRESS_EVERY => {
                            let content = RoomMessageEventContent::notice_plain(line)
                                .make_replacement(ReplacementMetadata::new(id.clone(), None));
                            let _ = room.send(content).await;
                            last_edit = Instant::now();
                        }
                        Some(_) => {}
                    }
                }
                reply = &mut work => return reply,
            }
        }
    }
}

/// Aborts a task when dropped (the alert sender lives as long as its session).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Posts watch alerts meant for Matrix rooms this bot is in.
async fn deliver_alerts(
    client: Client,
    mut alerts: tokio::sync::broadcast::Receiver<Alert>,
    prefix: String,
) {
    while let Some(alert) = crate::watch::next_alert(&mut alerts, "matrix").await {
        let Some(room) = matrix_sdk::ruma::RoomId::parse(&alert.place)
            .ok()
            .and_then(|id| client.get_room(&id))
        else {
            tracing::warn!(room = %alert.place, "watch alert for a room the bot is not in");
            continue;
        };
        let rendered = render::render(&alert.reply, Syntax { prefix: &prefix });
        if let Err(e) = room
            .send(RoomMessageEventContent::notice_html(
                rendered.plain,
                rendered.html,
            ))
            .await
        {
            tracing::warn!(room = %alert.place, error = %e, "could not post a watch alert");
        }
    }
}

/// Puts a reply in the question's thread: a new thread rooted at the question, or a reply
/// inside the thread the question was asked in.
fn in_thread(
    content: RoomMessageEventContent,
    question: &OriginalSyncRoomMessageEvent,
) -> RoomMessageEventContent {
    let within = if matches!(question.content.relates_to, Some(Relation::Thread(_))) {
        ReplyWithinThread::Yes
    } else {
        ReplyWithinThread::No
    };
    content.make_for_thread(question, within, AddMentions::No)
}

/// Whether an invite from `inviter` may be accepted: listed patterns (`*` wildcards) or servers;
/// with neither configured, only users of the bot's own server.
fn invite_allowed(
    inviter: &str,
    own_server: &str,
    allowed_inviters: &[String],
    allowed_servers: &[String],
) -> bool {
    let server = inviter.split_once(':').map(|(_, s)| s).unwrap_or_default();
    if allowed_inviters.is_empty() && allowed_servers.is_empty() {
        return server.eq_ignore_ascii_case(own_server);
    }
    allowed_servers
        .iter()
        .any(|s| s.eq_ignore_ascii_case(server))
        || allowed_inviters.iter().any(|p| glob(p, inviter))
}

/// `*` matches any run of characters; everything else literally (case-insensitive).
fn glob(pattern: &str, text: &str) -> bool {
    let pattern = pattern.to_lowercase();
    let text = text.to_lowercase();
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invites_default_to_the_own_server() {
        assert!(invite_allowed(
            "@alice:example.org",
            "example.org",
            &[],
            &[]
        ));
        assert!(!invite_allowed(
            "@mallory:evil.example",
            "example.org",
            &[],
            &[]
        ));
        let servers = vec!["friends.example".to_string()];
        assert!(invite_allowed(
            "@bob:friends.example",
            "example.org",
            &[],
            &servers
        ));
        assert!(!invite_allowed(
            "@alice:example.org",
            "example.org",
            &[],
            &servers
        ));
        let people = vec!["@ops-*:example.org".to_string()];
        assert!(invite_allowed(
            "@ops-anna:example.org",
            "example.org",
            &people,
            &[]
        ));
        assert!(!invite_allowed(
            "@anna:example.org",
            "example.org",
            &people,
            &[]
        ));
    }

    #[test]
    fn globs() {
        assert!(glob("*", "anything"));
        assert!(glob("@*:example.org", "@x:example.org"));
        assert!(!glob("@*:example.org", "@x:example.org.evil"));
        assert!(glob("@a*b*c", "@aXXbYYc"));
        assert!(!glob("@a*b*c", "@aXXcYYb"));
    }

    #[test]
    fn saved_session_matches_by_localpart_or_full_id() {
        assert!(same_user("@bot:localhost", "bot"));
        assert!(same_user("@bot:localhost", "@bot:localhost"));
        assert!(!same_user("@bot:localhost", "@bot:elsewhere"));
        assert!(!same_user("@bot:localhost", "other"));
    }
}
