//! A real Synapse homeserver for integration tests, plus a raw-HTTP Matrix
//! client to drive and observe it the way a human in a chat client would.
//!
//! # Why
//!
//! The bot talks to Matrix through `matrix-sdk`, which implements a large,
//! stateful protocol (sync tokens, invites, encryption, threads, relations).
//! Mocking the homeserver would only test our guesses about that protocol, so
//! the integration tests run against the real thing: [Synapse], started on
//! `127.0.0.1` by the tests themselves. The *human side* of each conversation
//! deliberately does **not** use `matrix-sdk`: [`MatrixUser`] speaks the
//! client-server API with plain HTTP + JSON, so an assertion failure points at
//! the bot and not at a shared SDK misunderstanding.
//!
//! # How
//!
//! * **Installation.** Synapse is a Python program. The first run creates a
//!   virtualenv with `matrix-synapse==`[`SYNAPSE_VERSION`] from PyPI (≈30–80 s)
//!   at `<cargo target dir>/synapse-venv-<version>/`; later runs reuse it. The
//!   install goes into a temporary sibling directory that is renamed into
//!   place only once `pip` succeeded and the installed version was checked,
//!   so a killed install is never mistaken for a good one; a file lock keeps
//!   concurrent test processes (e.g. under nextest) from installing twice.
//! * **One server per test process.** [`synapse()`] starts the server once
//!   (lazily, on first use) and hands every test a `&'static Synapse`. Nothing
//!   stored in it belongs to a tokio runtime, so it is safe to share between
//!   `#[tokio::test]`s, each of which runs its own runtime. Tests isolate
//!   themselves by registering users with unique names ([`unique_localpart`]).
//! * **Configuration.** A small hand-written config (server name
//!   `localhost`, one plain-HTTP client listener on a free loopback port,
//!   SQLite in a temp dir, no federation key servers, registration only via
//!   the shared-secret admin API, presence off, cheap bcrypt, and every rate
//!   limiter opened wide so tests can register, invite and send freely). It
//!   is written as JSON, which is valid YAML, so no value ever needs quoting.
//! * **Cleanup.** libtest never runs destructors of statics, and a test run
//!   may panic or be killed, so Synapse is started under a tiny `sh`
//!   supervisor whose stdin is a pipe from the test process. When the test
//!   process dies *for any reason* the kernel closes that pipe; the supervisor
//!   sees EOF, stops Synapse with SIGTERM and deletes the data directory.
//!
//! # Environment
//!
//! * `SYNAPSE_PYTHON` – Python interpreter used to create the venv
//!   (default `python3`; Synapse needs ≥ 3.10).
//! * `CARGO_TARGET_DIR` – where the venv is cached; otherwise the target dir
//!   is found from the path of the running test binary.
//!
//! # Example
//!
//! ```ignore
//! # async fn demo() {
//! use std::time::Duration;
//! let hs = synapse().await;
//! let alice = hs.register("alice", false).await;
//! let bob = hs.register("bob", false).await;
//! let room = alice.create_room("talks", &[&bob.user_id], false, false).await;
//! bob.join(&room).await;
//! alice.send_text(&room, "hello").await;
//! bob.wait_for_event(&room, Duration::from_secs(10), |ev| {
//!     ev["content"]["body"] == "hello"
//! })
//! .await;
//! # }
//! ```
//!
//! Caveat: the raw client cannot decrypt. In encrypted rooms it only sees
//! `m.room.encrypted` events (sender, type, relations are still visible).
//!
//! [Synapse]: https://github.com/element-hq/synapse

mod client;

pub use client::MatrixUser;
use client::{http_client, send};

use std::fs;
use std::io::{self, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha1::Sha1;
use tokio::sync::OnceCell;

/// The Synapse release the tests run against (from PyPI). Changing it
/// installs a fresh virtualenv next to the old one on the next run.
pub const SYNAPSE_VERSION: &str = "1.163.2";

/// The homeserver's `server_name`: user ids look like `@alice-123-0:localhost`.
pub const SERVER_NAME: &str = "localhost";

/// How long Synapse may take to answer its first request after being spawned.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the readiness probe is repeated while Synapse boots.
const STARTUP_POLL_INTERVAL: Duration = Duration::from_millis(100);
/// Attempts to start Synapse when the chosen port was grabbed by someone else
/// between probing it and Synapse binding it.
const START_ATTEMPTS: usize = 3;
/// Timeout of ordinary (non long-polling) requests.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);
/// Server-side timeout of one long-polling `/sync` request.
const LONG_POLL: Duration = Duration::from_secs(10);
/// How many lines of each Synapse log a failure message quotes.
const LOG_TAIL_LINES: usize = 40;
/// Page size of [`MatrixUser::room_messages`].
const HISTORY_LIMIT: u32 = 100;

/// Supervises Synapse (see the module docs, "Cleanup").
///
/// `$1` = venv python, `$2` = homeserver config, `$3` = data dir. Stdin is
/// the lifeline pipe from the test process; it is moved to fd 3 so that only
/// the watcher subshell holds it. The watcher blocks on `read` until EOF,
/// then marks the shutdown as intentional and sends SIGTERM. The data dir is
/// deleted only after an intentional stop, so when Synapse crashes on its own
/// the test process can still read its logs.
const SUPERVISOR_SCRIPT: &str = r#"
python=$1 config=$2 dir=$3
exec 3<&0 </dev/null
"$python" -m synapse.app.homeserver -c "$config" >>"$dir/console.log" 2>&1 3<&- &
pid=$!
stop() { : >"$dir/.stopping"; kill "$pid" 2>/dev/null; }
( read -r _line <&3; stop ) &
watcher=$!
exec 3<&-
trap stop HUP INT TERM
while :; do
  wait "$pid"; status=$?
  kill -0 "$pid" 2>/dev/null || break
done
kill "$watcher" 2>/dev/null
if [ -e "$dir/.stopping" ]; then rm -rf "$dir"; fi
exit "$status"
"#;

static SYNAPSE: OnceCell<Result<Synapse, String>> = OnceCell::const_new();

/// The Synapse shared by every test of this process, started on first call.
///
/// # Panics
///
/// If Synapse cannot be installed or started; the message contains the
/// reason and the tail of Synapse's logs. Every later call panics with the
/// same message instead of retrying (which would only repeat the failure
/// once per test, slowly).
pub async fn synapse() -> &'static Synapse {
    match SYNAPSE.get_or_init(Synapse::start).await {
        Ok(synapse) => synapse,
        Err(message) => panic!("{message}"),
    }
}

/// A running Synapse homeserver, reachable at [`Synapse::base_url`].
pub struct Synapse {
    base_url: String,
    shared_secret: String,
    data_dir: PathBuf,
    /// The supervisor. Its stdin is deliberately never taken or closed: it is
    /// the lifeline pipe whose closing (at process exit) stops Synapse.
    supervisor: Mutex<Child>,
}

impl std::fmt::Debug for Synapse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Synapse")
            .field("base_url", &self.base_url)
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl Synapse {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Whether the Synapse process is still alive.
    pub fn is_running(&self) -> bool {
        let mut child = self
            .supervisor
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        matches!(child.try_wait(), Ok(None))
    }

    /// The last `lines` lines of Synapse's log (warnings and errors) and of
    /// its console output, for failure messages.
    pub fn log_tail(&self, lines: usize) -> String {
        log_tails(&self.data_dir, lines)
    }

    /// Registers a user with a unique localpart derived from `name` (see
    /// [`unique_localpart`]) and logs it in. Its display name is `name`.
    pub async fn register(&self, name: &str, admin: bool) -> MatrixUser {
        let localpart = unique_localpart(name);
        let password = format!("pw-{localpart}");
        self.register_with(&localpart, &password, Some(name), admin)
            .await
    }

    /// Registers exactly `@localpart:localhost` through the shared-secret
    /// admin API (`/_synapse/admin/v1/register`) and returns it logged in.
    ///
    /// # Panics
    ///
    /// If the user exists already or the server refuses.
    pub async fn register_with(
        &self,
        localpart: &str,
        password: &str,
        display_name: Option<&str>,
        admin: bool,
    ) -> MatrixUser {
        let http = http_client();
        let url = format!("{}/_synapse/admin/v1/register", self.base_url);
        let nonce = send(&http, Method::GET, &url, None, &[], None, None)
            .await
            .unwrap_or_else(|e| panic!("fetching a registration nonce failed: {e}"));
        let nonce = nonce["nonce"]
            .as_str()
            .unwrap_or_else(|| panic!("no nonce in {nonce}"));
        let mac = registration_mac(&self.shared_secret, nonce, localpart, password, admin);
        let mut body = json!({
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": mac,
        });
        if let Some(name) = display_name {
            body["displayname"] = json!(name);
        }
        let session = send(&http, Method::POST, &url, None, &[], Some(&body), None)
            .await
            .unwrap_or_else(|e| panic!("registering {localpart:?} failed: {e}"));
        MatrixUser::from_session(&self.base_url, &session, password, http)
    }

    /// Logs in with a password (`m.login.password`), creating a new device.
    /// `user` is a full user id or a localpart.
    pub async fn login(&self, user: &str, password: &str) -> MatrixUser {
        let http = http_client();
        let url = format!("{}/_matrix/client/v3/login", self.base_url);
        let body = json!({
            "type": "m.login.password",
            "identifier": { "type": "m.id.user", "user": user },
            "password": password,
            "initial_device_display_name": "synapse test harness",
        });
        let session = send(&http, Method::POST, &url, None, &[], Some(&body), None)
            .await
            .unwrap_or_else(|e| panic!("logging in as {user:?} failed: {e}"));
        MatrixUser::from_session(&self.base_url, &session, password, http)
    }

    /// Installs (if needed) and starts Synapse. Errors are complete,
    /// human-readable explanations.
    async fn start() -> Result<Synapse, String> {
        let started = Instant::now();
        let venv = tokio::task::spawn_blocking(ensure_venv)
            .await
            .map_err(|e| format!("Synapse venv installation panicked: {e}"))??;
        let venv_time = started.elapsed();

        let mut last_error = String::new();
        for _ in 0..START_ATTEMPTS {
            let launched = Instant::now();
            match launch(&venv).await {
                Ok(synapse) => {
                    eprintln!(
                        "synapse harness: Synapse {SYNAPSE_VERSION} at {} \
                         (venv ready in {:.1?}, started in {:.1?}, data in {})",
                        synapse.base_url,
                        venv_time,
                        launched.elapsed(),
                        synapse.data_dir.display(),
                    );
                    return Ok(synapse);
                }
                Err(LaunchError::PortTaken(message)) => last_error = message,
                Err(LaunchError::Failed(message)) => return Err(message),
            }
        }
        Err(last_error)
    }
}

enum LaunchError {
    /// Synapse could not bind its port: worth another try on another port.
    PortTaken(String),
    Failed(String),
}

/// Writes the config into a fresh temp dir, spawns the supervisor and waits
/// until the server answers.
async fn launch(venv: &Path) -> Result<Synapse, LaunchError> {
    let failed = LaunchError::Failed;
    let data_dir = tempfile::Builder::new()
        .prefix("synapse-test-")
        .tempdir()
        .map_err(|e| failed(format!("cannot create a temp dir for Synapse: {e}")))?
        .keep();
    let python = venv_python(venv);

    let port = free_port().map_err(|e| failed(format!("cannot find a free port: {e}")))?;
    let base_url = format!("http://127.0.0.1:{port}");
    let shared_secret = hex::encode(random_bytes::<16>());
    let config_path = data_dir.join("homeserver.yaml");
    let written = write_json(&data_dir.join("log_config.yaml"), &log_config(&data_dir))
        .and_then(|()| {
            write_json(
                &config_path,
                &homeserver_config(&data_dir, port, &shared_secret),
            )
        })
        .and_then(|()| fs::write(data_dir.join("signing.key"), signing_key()));
    if let Err(e) = written {
        let _ = fs::remove_dir_all(&data_dir);
        return Err(failed(format!("cannot write the Synapse config: {e}")));
    }

    let child = Command::new("sh")
        .arg("-c")
        .arg(SUPERVISOR_SCRIPT)
        .arg("synapse-supervisor")
        .arg(&python)
        .arg(&config_path)
        .arg(&data_dir)
        .env_remove("PYTHONPATH")
        .env_remove("PYTHONHOME")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| failed(format!("cannot spawn sh to supervise Synapse: {e}")))?;
    let synapse = Synapse {
        base_url,
        shared_secret,
        data_dir,
        supervisor: Mutex::new(child),
    };

    match wait_until_ready(&synapse).await {
        Ok(()) => Ok(synapse),
        Err(reason) => {
            let logs = synapse.log_tail(LOG_TAIL_LINES);
            let message = format!(
                "Synapse {SYNAPSE_VERSION} did not start at {}: {reason}\n{logs}",
                synapse.base_url
            );
            let mut child = synapse
                .supervisor
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let exited = matches!(child.try_wait(), Ok(Some(_)));
            // Dropping the child closes the lifeline pipe: the supervisor stops
            // Synapse (if it is still running) and removes the data dir. If
            // Synapse already died on its own, the dir is ours to remove.
            drop(child);
            if exited {
                let _ = fs::remove_dir_all(&synapse.data_dir);
            }
            if logs.contains("Address already in use") {
                Err(LaunchError::PortTaken(message))
            } else {
                Err(failed(message))
            }
        }
    }
}

/// Polls until Synapse answers `/versions` and its admin registration API,
/// checking that *our* process is the one alive behind the port.
async fn wait_until_ready(synapse: &Synapse) -> Result<(), String> {
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("building a reqwest client");
    let versions = format!("{}/_matrix/client/versions", synapse.base_url);
    let nonce = format!("{}/_synapse/admin/v1/register", synapse.base_url);
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    loop {
        if !synapse.is_running() {
            return Err("the Synapse process exited".into());
        }
        let answered = send(&http, Method::GET, &versions, None, &[], None, None)
            .await
            .is_ok()
            && send(&http, Method::GET, &nonce, None, &[], None, None)
                .await
                .is_ok();
        // Re-check liveness after the probe: another server could have
        // answered on the port while ours failed to bind it.
        if answered && synapse.is_running() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("no answer within {STARTUP_TIMEOUT:?}"));
        }
        tokio::time::sleep(STARTUP_POLL_INTERVAL).await;
    }
}

fn homeserver_config(data_dir: &Path, port: u16, shared_secret: &str) -> Value {
    // Effectively unlimited: tests register, log in, invite and send in bursts.
    let open = json!({ "per_second": 100_000, "burst_count": 1_000_000 });
    json!({
        "server_name": SERVER_NAME,
        "public_baseurl": format!("http://127.0.0.1:{port}/"),
        "pid_file": data_dir.join("homeserver.pid"),
        "listeners": [{
            "port": port,
            "bind_addresses": ["127.0.0.1"],
            "type": "http",
            "tls": false,
            "x_forwarded": false,
            "resources": [{ "names": ["client"], "compress": false }],
        }],
        "database": {
            "name": "sqlite3",
            "args": { "database": data_dir.join("homeserver.db") },
        },
        "log_config": data_dir.join("log_config.yaml"),
        "media_store_path": data_dir.join("media_store"),
        "signing_key_path": data_dir.join("signing.key"),
        "trusted_key_servers": [],
        "suppress_key_server_warning": true,
        "report_stats": false,
        "enable_registration": false,
        "registration_shared_secret": shared_secret,
        // Fastest bcrypt allowed: every register/login hashes a password.
        "bcrypt_rounds": 4,
        "presence": { "enabled": false },
        "url_preview_enabled": false,
        "enable_metrics": false,
        // Key names from synapse/config/ratelimiting.py.
        "rc_message": open,
        "rc_registration": open,
        "rc_registration_token_validity": open,
        "rc_login": { "address": open, "account": open, "failed_attempts": open },
        "rc_admin_redaction": open,
        "rc_joins": { "local": open, "remote": open },
        "rc_joins_per_room": open,
        "rc_key_requests": open,
        "rc_3pid_validation": open,
        "rc_invites": { "per_room": open, "per_user": open, "per_issuer": open },
        "rc_third_party_invite": open,
        "rc_media_create": open,
        "rc_presence": { "per_user": open },
        "rc_delayed_event_mgmt": open,
        "rc_room_creation": open,
        "rc_reports": open,
        "rc_user_directory": open,
        "rc_profile": open,
    })
}

/// Python `logging` dictConfig: warnings and errors to `homeserver.log`.
fn log_config(data_dir: &Path) -> Value {
    json!({
        "version": 1,
        "formatters": {
            "plain": { "format": "%(asctime)s %(levelname)s %(name)s: %(message)s" },
        },
        "handlers": {
            "file": {
                "class": "logging.FileHandler",
                "filename": data_dir.join("homeserver.log"),
                "formatter": "plain",
            },
        },
        "root": { "level": "WARNING", "handlers": ["file"] },
        "disable_existing_loggers": false,
    })
}

/// Writes `value` as JSON, which YAML parsers (Synapse's included) accept.
fn write_json(path: &Path, value: &Value) -> io::Result<()> {
    fs::write(path, serde_json::to_vec_pretty(value)?)
}

/// The tails of Synapse's log file and console output in `data_dir`.
fn log_tails(data_dir: &Path, lines: usize) -> String {
    ["homeserver.log", "console.log"]
        .iter()
        .map(|name| {
            let path = data_dir.join(name);
            let tail = match fs::read_to_string(&path) {
                Ok(text) => {
                    let all: Vec<&str> = text.lines().collect();
                    all[all.len().saturating_sub(lines)..].join("\n")
                }
                Err(e) => format!("(unreadable: {e})"),
            };
            format!("--- last {lines} lines of {} ---\n{tail}\n", path.display())
        })
        .collect()
}

/// A port that was free a moment ago. Synapse binds it a few seconds later;
/// [`launch`] notices if someone else got there first.
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    fs::File::open("/dev/urandom")
        .and_then(|mut urandom| urandom.read_exact(&mut bytes))
        .expect("reading /dev/urandom");
    bytes
}

/// A fresh ed25519 signing key in Synapse's file format,
/// `ed25519 <key id> <unpadded base64 seed>`: what
/// `generate_signing_key` writes, without the cost of starting Python.
fn signing_key() -> String {
    format!(
        "ed25519 a_test {}\n",
        base64_unpadded(&random_bytes::<32>())
    )
}

/// Standard base64 without `=` padding, as Matrix uses it.
fn base64_unpadded(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// The MAC the shared-secret registration API expects: HMAC-SHA1 keyed with
/// the shared secret over `nonce\0user\0password\0admin|notadmin`, as hex.
fn registration_mac(secret: &str, nonce: &str, user: &str, password: &str, admin: bool) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    for (i, part) in [
        nonce,
        user,
        password,
        if admin { "admin" } else { "notadmin" },
    ]
    .iter()
    .enumerate()
    {
        if i > 0 {
            mac.update(b"\0");
        }
        mac.update(part.as_bytes());
    }
    hex::encode(mac.finalize().into_bytes())
}

/// A localpart that no other test (in this or a concurrent test process)
/// uses: `hint` lower-cased and restricted to Matrix localpart characters,
/// then `-<pid>-<counter>`, e.g. `alice-4242-7`.
pub fn unique_localpart(hint: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let hint: String = hint
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._=-/".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{hint}-{}-{n}", std::process::id())
}

// ---------------------------------------------------------------------------
// Installation

/// Returns the cached venv holding Synapse, installing it first if needed.
fn ensure_venv() -> Result<PathBuf, String> {
    let base_python = std::env::var("SYNAPSE_PYTHON").unwrap_or_else(|_| "python3".into());
    let package = format!("matrix-synapse=={SYNAPSE_VERSION}");
    let venv = super::venv::python_venv(
        &format!("synapse-venv-{SYNAPSE_VERSION}"),
        &base_python,
        &[&package],
    )?;
    match installed_version(&venv) {
        Some(version) if version == SYNAPSE_VERSION => Ok(venv),
        other => Err(format!(
            "{} holds matrix-synapse {other:?}, not {SYNAPSE_VERSION}; delete it to reinstall",
            venv.display()
        )),
    }
}

/// The matrix-synapse version installed in `venv`, if the venv works.
fn installed_version(venv: &Path) -> Option<String> {
    let output = Command::new(venv_python(venv))
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('matrix-synapse'))",
        ])
        .env_remove("PYTHONPATH")
        .env_remove("PYTHONHOME")
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

fn venv_python(venv: &Path) -> PathBuf {
    super::venv::python(venv)
}

#[cfg(test)]
#[allow(unused_imports)] // also compiled into the matrix bench, which has no #[test]s
mod unit_tests {
    use super::*;

    #[test]
    fn registration_mac_matches_synapse() {
        // Python: hmac.new(b"secret", b"abc\0alice\0pw\0notadmin", hashlib.sha1).hexdigest()
        assert_eq!(
            registration_mac("secret", "abc", "alice", "pw", false),
            "42e32623fe124933c326f9d2d67ff7c617915a10"
        );
    }

    #[test]
    fn unique_localparts_are_valid_and_distinct() {
        let a = unique_localpart("Alice Smith");
        let b = unique_localpart("Alice Smith");
        assert_ne!(a, b);
        assert!(a.starts_with("alice_smith-"), "{a}");
        assert!(
            a.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._=-/".contains(c))
        );
    }

    #[test]
    fn signing_key_is_in_synapse_format() {
        let key = signing_key();
        let parts: Vec<&str> = key.trim_end().split(' ').collect();
        assert_eq!(parts[..2], ["ed25519", "a_test"]);
        assert_eq!(parts[2].len(), 43, "32 bytes of unpadded base64: {key}");
        // Python: base64.b64encode(...).rstrip(b"=")
        assert_eq!(base64_unpadded(b"\xfb\xffhello"), "+/9oZWxsbw");
        assert_eq!(base64_unpadded(b"ab"), "YWI");
        assert_eq!(base64_unpadded(b"abc"), "YWJj");
    }
}
