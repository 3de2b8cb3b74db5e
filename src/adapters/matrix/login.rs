//! Logging in and keeping the device: settings, the saved session, the crypto store,
//! cross-signing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::ruma::api::client::uiaa;
use matrix_sdk::{Client, SessionMeta, SessionTokens};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::config::MatrixConfig;

/// The Matrix settings the adapter needs, validated.
pub(super) struct Settings {
    pub(super) homeserver: String,
    pub(super) user: String,
    pub(super) password: Option<SecretString>,
    pub(super) access_token: Option<SecretString>,
    pub(super) passphrase: Option<SecretString>,
    pub(super) prefix: String,
    pub(super) device_name: String,
    pub(super) dir: PathBuf,
}

impl Settings {
    pub(super) fn new(config: &MatrixConfig, data_dir: &Path) -> anyhow::Result<Settings> {
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

pub(super) enum SessionError {
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
    pub(super) homeserver: String,
    user_id: String,
    device_id: String,
    /// Only for password logins; with a configured access token, the token stays in the env.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) access_token: Option<String>,
}

/// Builds a client on the persistent store and logs in: restores the saved session when there
/// is one for this account, else logs in with the password (once) or uses the access token.
pub(super) async fn login(settings: &Settings) -> Result<Client, SessionError> {
    std::fs::create_dir_all(&settings.dir)
        .with_context(|| format!("cannot create {}", settings.dir.display()))
        .map_err(SessionError::Fatal)?;
    let saved = read_saved(&settings.session_file());
    if let Some(token) = &settings.access_token {
        return login_with_token(settings, token, saved).await;
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
        let token = saved.access_token.clone().unwrap_or_default();
        restore(&client, &saved.user_id, &saved.device_id, token, "saved ").await?;
        tracing::info!(device = %saved.device_id, "reusing the saved Matrix session");
        return Ok(client);
    }
    login_with_password(settings, password).await
}

/// A configured access token: its device (asked of the homeserver) keeps the crypto store when
/// it is the saved one, else starts from an empty store.
async fn login_with_token(
    settings: &Settings,
    token: &SecretString,
    saved: Option<SavedSession>,
) -> Result<Client, SessionError> {
    let (user_id, device_id) = whoami(&settings.homeserver, token).await?;
    let same_device = saved
        .as_ref()
        .is_some_and(|s| s.user_id == user_id && s.device_id == device_id);
    if !same_device {
        reset_store(settings)?;
    }
    let client = build_client(settings).await?;
    let access_token = token.expose_secret().to_string();
    restore(&client, &user_id, &device_id, access_token, "").await?;
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
    Ok(client)
}

/// Resumes a session on `client` (`what`: "saved " or nothing, for the error).
async fn restore(
    client: &Client,
    user_id: &str,
    device_id: &str,
    access_token: String,
    what: &str,
) -> Result<(), SessionError> {
    let session = MatrixSession {
        meta: SessionMeta {
            user_id: user_id.parse().map_err(|e| {
                SessionError::Fatal(anyhow::anyhow!("bad {what}user id {user_id}: {e}"))
            })?,
            device_id: device_id.into(),
        },
        tokens: SessionTokens {
            access_token,
            refresh_token: None,
        },
    };
    client
        .restore_session(session)
        .await
        .with_context(|| format!("cannot restore the {what}Matrix session"))
        .map_err(SessionError::Fatal)
}

/// A password login: a new device, so an empty crypto store, and the device cross-signed.
async fn login_with_password(
    settings: &Settings,
    password: &SecretString,
) -> Result<Client, SessionError> {
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
    crate::atomic::write(path, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_session_matches_by_localpart_or_full_id() {
        assert!(same_user("@bot:localhost", "bot"));
        assert!(same_user("@bot:localhost", "@bot:localhost"));
        assert!(!same_user("@bot:localhost", "@bot:elsewhere"));
        assert!(!same_user("@bot:localhost", "other"));
    }
}
