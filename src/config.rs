//! What the program runs with: typed settings layered from built-in defaults, then
//! `config/talkwatch.toml` (or `--config`), then `TALKWATCH_*` environment variables
//! (nested keys joined with `__`, e.g. `TALKWATCH_MATRIX__HOMESERVER`).
//!
//! Secrets (tokens, passwords, passphrases) are accepted only from the environment or from a file
//! named by a `*_file` key; they are wrapped in [`SecretString`] so they never reach a log line.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Where talkwatch looks for its config file when `--config` is not given.
pub const DEFAULT_CONFIG_PATH: &str = "config/talkwatch.toml";

/// Keys that hold secrets: allowed from the environment, refused in the config file.
const SECRET_KEYS: &[(&str, &str)] = &[
    ("matrix", "password"),
    ("matrix", "access_token"),
    ("matrix", "store_passphrase"),
    ("discord", "token"),
];

/// How many bytes of decoded articles the store keeps by default (`search.article_cache_mb`).
pub const DEFAULT_ARTICLE_CACHE_BYTES: usize = 32 * 1024 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Directory holding the article store and the search index.
    pub data_dir: PathBuf,
    /// Name-variant table; when unset, `aliases.toml` next to the config file, else the built-in one.
    pub aliases_file: Option<PathBuf>,
    /// Table of words that mean the same in talks news ("truce" = "ceasefire"); when unset,
    /// `synonyms.toml` next to the config file, else the built-in one.
    pub synonyms_file: Option<PathBuf>,
    pub search: SearchConfig,
    pub ingest: IngestConfig,
    pub chat: ChatConfig,
    pub matrix: MatrixConfig,
    pub discord: DiscordConfig,
    pub http: HttpConfig,
    /// News feeds polled by `talkwatch run` (`[[feeds]]` tables).
    pub feeds: Vec<FeedConfig>,
    /// A fixed "now" (RFC 3339) for the words and ages of questions ("yesterday", `since:3d`),
    /// for answers that do not change with the clock (`--now`, `TALKWATCH_NOW`); unset: the clock.
    pub now: Option<chrono::DateTime<chrono::Utc>>,
    /// Where this config was loaded from (not a setting).
    #[serde(skip)]
    pub loaded_from: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("index"),
            aliases_file: None,
            synonyms_file: None,
            search: SearchConfig::default(),
            ingest: IngestConfig::default(),
            chat: ChatConfig::default(),
            matrix: MatrixConfig::default(),
            discord: DiscordConfig::default(),
            http: HttpConfig::default(),
            feeds: Vec::new(),
            now: None,
            loaded_from: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchConfig {
    /// Hits per answer unless the question asks for another `limit`.
    pub default_limit: usize,
    /// Upper bound on `limit`.
    pub max_limit: usize,
    /// Share (0..1) of the question's weight the best article (title and body) must cover to count
    /// as an answer; further hits need half of it.
    pub min_coverage: f32,
    /// Extra weight of a term found in an article's title.
    pub title_boost: f32,
    /// Extra weight of two question words found next to each other, as written.
    pub phrase_boost: f32,
    /// Try spelling variants (edit distance 1-2) of long words that match nothing.
    pub fuzzy: bool,
    /// Memory for the articles answers quoted lately, decoded, in MiB (0: read every quoted
    /// article from the store).
    pub article_cache_mb: usize,
    /// How much newer articles are preferred among comparable hits (0: not at all): the newest
    /// candidate's score is raised by this share, an old one's lowered by up to it.
    pub recency_weight: f32,
    /// Days behind the newest candidate after which an article counts half as new.
    pub recency_half_life_days: f32,
    /// Sources whose copy of a report another outlet also carried is the one shown (first
    /// listed first); otherwise the earliest copy is shown.
    pub preferred_sources: Vec<String>,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            default_limit: 3,
            max_limit: 10,
            min_coverage: 0.30,
            title_boost: 2.0,
            phrase_boost: 1.5,
            fuzzy: true,
            article_cache_mb: DEFAULT_ARTICLE_CACHE_BYTES / (1024 * 1024),
            recency_weight: 0.4,
            recency_half_life_days: 3.0,
            preferred_sources: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestConfig {
    /// Files larger than this are skipped with a clear reason.
    pub max_file_bytes: u64,
    /// Downloads larger than this are cut off and skipped.
    pub max_fetch_bytes: u64,
    /// Whole-request timeout for a URL, in seconds.
    pub fetch_timeout_secs: u64,
    /// Longest time one input's parsing and text extraction may take, in milliseconds; an
    /// input that takes longer is skipped with that reason and the batch goes on.
    pub max_parse_ms: u64,
    /// User agent sent with every fetch.
    pub user_agent: String,
}

impl IngestConfig {
    /// The deadline of parsing one input (`max_parse_ms`, at least a millisecond).
    pub fn parse_budget(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.max_parse_ms.max(1))
    }
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            max_file_bytes: 10 * 1024 * 1024,
            max_fetch_bytes: 5 * 1024 * 1024,
            fetch_timeout_secs: 20,
            max_parse_ms: 2_000,
            user_agent: format!(
                "talkwatch/{} (+https://example.org/talkwatch)",
                env!("CARGO_PKG_VERSION")
            ),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChatConfig {
    /// Longest question accepted, in characters.
    pub max_question_chars: usize,
    /// Longest message looked at, in bytes; anything longer is refused before parsing.
    pub max_message_bytes: usize,
    /// Watch alerts for one room are collected this many seconds and posted as one message.
    pub alert_digest_secs: u64,
    /// Questions and commands one person may send per window (chat platforms; 0 = no limit).
    pub user_limit: usize,
    /// Questions and commands one room or channel may send per window (0 = no limit).
    pub room_limit: usize,
    /// The rate-limit window, in seconds.
    pub limit_window_secs: u64,
    /// Searches running at once; more wait their turn.
    pub max_concurrent_searches: usize,
    /// The time zone "today", "yesterday" and "since Monday" in questions are meant in (IANA
    /// name, e.g. "Europe/Kyiv").
    pub time_zone: String,
}

impl ChatConfig {
    /// [`time_zone`](Self::time_zone), checked by [`Config::load`].
    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::UTC)
    }
}

impl Default for ChatConfig {
    fn default() -> Self {
        ChatConfig {
            max_question_chars: 500,
            max_message_bytes: 4096,
            alert_digest_secs: 60,
            user_limit: 5,
            room_limit: 20,
            limit_window_secs: 30,
            max_concurrent_searches: 8,
            time_zone: "UTC".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MatrixConfig {
    pub enabled: bool,
    pub homeserver: String,
    /// Full user id (`@bot:example.org`) or localpart.
    pub user: String,
    #[serde(skip_serializing)]
    pub password: Option<SecretString>,
    pub password_file: Option<PathBuf>,
    #[serde(skip_serializing)]
    pub access_token: Option<SecretString>,
    pub access_token_file: Option<PathBuf>,
    #[serde(skip_serializing)]
    pub store_passphrase: Option<SecretString>,
    pub store_passphrase_file: Option<PathBuf>,
    /// Command prefix in rooms.
    pub prefix: String,
    /// Matrix user ids allowed to run admin commands.
    pub admins: Vec<String>,
    /// Glob patterns of user ids whose invites are accepted (default: the bot's own server).
    pub allowed_inviters: Vec<String>,
    /// Server names whose users' invites are accepted.
    pub allowed_servers: Vec<String>,
    /// Device display name for a new login.
    pub device_name: String,
}

impl Default for MatrixConfig {
    fn default() -> Self {
        MatrixConfig {
            enabled: false,
            homeserver: String::new(),
            user: String::new(),
            password: None,
            password_file: None,
            access_token: None,
            access_token_file: None,
            store_passphrase: None,
            store_passphrase_file: None,
            prefix: "!".into(),
            admins: Vec::new(),
            allowed_inviters: Vec::new(),
            allowed_servers: Vec::new(),
            device_name: "talkwatch".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DiscordMode {
    #[default]
    Gateway,
    Http,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscordConfig {
    pub enabled: bool,
    pub mode: DiscordMode,
    #[serde(skip_serializing)]
    pub token: Option<SecretString>,
    pub token_file: Option<PathBuf>,
    pub application_id: Option<u64>,
    /// Hex Ed25519 public key of the application (http mode).
    pub public_key: Option<String>,
    /// Register commands per guild (instant updates) instead of globally.
    pub guild_ids: Vec<u64>,
    pub admin_user_ids: Vec<u64>,
    pub admin_role_ids: Vec<u64>,
    /// REST/gateway base override for tests and proxies (e.g. `http://127.0.0.1:9999`).
    pub api_proxy: Option<String>,
}

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            enabled: false,
            mode: DiscordMode::Gateway,
            token: None,
            token_file: None,
            application_id: None,
            public_key: None,
            guild_ids: Vec::new(),
            admin_user_ids: Vec::new(),
            admin_role_ids: Vec::new(),
            api_proxy: None,
        }
    }
}

/// One `[[feeds]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// RSS, Atom or JSON Feed URL.
    pub url: String,
    /// The source name shown to users for its articles.
    pub name: String,
    /// Time between polls: "30s", "10m", "1h" (default 10m).
    #[serde(default)]
    pub interval: Option<String>,
    /// Only items whose title or text contains one of these words (or matches `/regex/`).
    #[serde(default)]
    pub include: Vec<String>,
    /// Skip items whose title or text contains one of these words (or matches `/regex/`).
    #[serde(default)]
    pub exclude: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    pub listen: String,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen: "127.0.0.1:8080".into(),
            max_body_bytes: 64 * 1024,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path} not found")]
    NotFound { path: PathBuf },
    #[error(
        "`{section}.{key}` is a secret and must not be in {path}; set TALKWATCH_{env_section}__{env_key} or `{section}.{key}_file`"
    )]
    SecretInFile {
        path: PathBuf,
        section: String,
        key: String,
        env_section: String,
        env_key: String,
    },
    #[error("invalid configuration: {0}")]
    Invalid(String),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Config {
    /// The time questions are asked at: the fixed `now` when one is set, else the clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.now.unwrap_or_else(chrono::Utc::now)
    }

    /// Loads defaults ← file ← environment. An explicit `path` must exist; without one,
    /// `config/talkwatch.toml` is used when present and defaults apply otherwise.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        Self::load_with_env(path, std::env::vars())
    }

    /// Like [`Config::load`] with an explicit environment (for tests).
    pub fn load_with_env(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let file = match path {
            Some(p) if !p.exists() => return Err(ConfigError::NotFound { path: p.into() }),
            Some(p) => Some(p.to_path_buf()),
            None => Some(PathBuf::from(DEFAULT_CONFIG_PATH)).filter(|p| p.exists()),
        };
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = &file {
            reject_secrets_in_file(file)?;
            figment = figment.merge(Toml::file_exact(file));
        }
        let env: Vec<(String, String)> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with("TALKWATCH_"))
            .filter(|(k, _)| !matches!(k.as_str(), "TALKWATCH_CONFIG" | "TALKWATCH_LOG"))
            .collect();
        figment = figment.merge(EnvSnapshot { vars: env });
        let mut config: Config = figment
            .extract()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        config.loaded_from = file;
        config.read_secret_files()?;
        config.validate()?;
        Ok(config)
    }

    fn read_secret_files(&mut self) -> Result<(), ConfigError> {
        fn read(
            slot: &mut Option<SecretString>,
            file: &Option<PathBuf>,
        ) -> Result<(), ConfigError> {
            if slot.is_none()
                && let Some(path) = file
            {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
                *slot = Some(SecretString::from(text.trim().to_string()));
            }
            Ok(())
        }
        read(&mut self.matrix.password, &self.matrix.password_file)?;
        read(
            &mut self.matrix.access_token,
            &self.matrix.access_token_file,
        )?;
        read(
            &mut self.matrix.store_passphrase,
            &self.matrix.store_passphrase_file,
        )?;
        read(&mut self.discord.token, &self.discord.token_file)?;
        Ok(())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let s = &self.search;
        if s.default_limit == 0 || s.default_limit > s.max_limit {
            return Err(ConfigError::Invalid(format!(
                "search.default_limit must be between 1 and search.max_limit ({})",
                s.max_limit
            )));
        }
        if !(0.0..=1.0).contains(&s.min_coverage) {
            return Err(ConfigError::Invalid(
                "search.min_coverage must be between 0 and 1".into(),
            ));
        }
        if !(0.0..=1.0).contains(&s.recency_weight) || s.recency_half_life_days <= 0.0 {
            return Err(ConfigError::Invalid(
                "search.recency_weight must be between 0 and 1 and search.recency_half_life_days above 0".into(),
            ));
        }
        if self.chat.time_zone.parse::<chrono_tz::Tz>().is_err() {
            return Err(ConfigError::Invalid(format!(
                "chat.time_zone `{}` is not a time zone name (use e.g. \"UTC\" or \"Europe/Kyiv\")",
                self.chat.time_zone
            )));
        }
        if self.chat.max_question_chars == 0 {
            return Err(ConfigError::Invalid(
                "chat.max_question_chars must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// The alias table to use: explicit setting, else next to the config file, else built in.
    pub fn aliases_path(&self) -> Option<PathBuf> {
        self.table_path(self.aliases_file.as_ref(), "aliases.toml")
    }

    /// The synonym table to load: `synonyms_file`, else `synonyms.toml` next to the config file
    /// when there is one; `None`: the built-in table.
    pub fn synonyms_path(&self) -> Option<PathBuf> {
        self.table_path(self.synonyms_file.as_ref(), "synonyms.toml")
    }

    fn table_path(&self, set: Option<&PathBuf>, name: &str) -> Option<PathBuf> {
        if let Some(p) = set {
            return Some(p.clone());
        }
        let beside = self
            .loaded_from
            .as_deref()
            .and_then(Path::parent)
            .map(|dir| dir.join(name))?;
        beside.exists().then_some(beside)
    }
}

fn reject_secrets_in_file(path: &Path) -> Result<(), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.into(),
        source,
    })?;
    let value: toml::Table = toml::from_str(&text)
        .map_err(|e| ConfigError::Invalid(format!("{}: {e}", path.display())))?;
    for (section, key) in SECRET_KEYS {
        let present = value
            .get(*section)
            .and_then(|s| s.as_table())
            .is_some_and(|t| t.contains_key(*key));
        if present {
            return Err(ConfigError::SecretInFile {
                path: path.into(),
                section: section.to_string(),
                key: key.to_string(),
                env_section: section.to_uppercase(),
                env_key: key.to_uppercase(),
            });
        }
    }
    Ok(())
}

/// A provider over a captured list of `TALKWATCH_*` variables (instead of figment's `Env`, which
/// reads the live process environment), so loading is deterministic and testable.
struct EnvSnapshot {
    vars: Vec<(String, String)>,
}

impl figment::Provider for EnvSnapshot {
    fn metadata(&self) -> figment::Metadata {
        figment::Metadata::named("TALKWATCH_* environment variables")
    }

    fn data(
        &self,
    ) -> Result<figment::value::Map<figment::Profile, figment::value::Dict>, figment::Error> {
        use figment::value::{Dict, Value};
        let mut dict = Dict::new();
        for (raw_key, value) in &self.vars {
            let Some(stripped) = raw_key.strip_prefix("TALKWATCH_") else {
                continue;
            };
            let key = stripped.to_ascii_lowercase();
            if matches!(key.as_str(), "config" | "log") {
                continue;
            }
            let path: Vec<String> = key.split("__").map(str::to_string).collect();
            // Secrets stay strings even when they look like numbers ("123456").
            let is_secret = SECRET_KEYS
                .iter()
                .any(|(_, k)| path.last().is_some_and(|l| l == k));
            let parsed: Value = if is_secret {
                Value::from(value.clone())
            } else {
                value.parse().unwrap_or_else(|_| Value::from(value.clone()))
            };
            insert_nested(&mut dict, &path, parsed);
        }
        Ok(figment::Profile::Default.collect(dict))
    }
}

fn insert_nested(dict: &mut figment::value::Dict, path: &[String], value: figment::value::Value) {
    use figment::value::{Dict, Value};
    match path {
        [] => {}
        [last] => {
            dict.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let entry = dict
                .entry(first.clone())
                .or_insert_with(|| Value::from(Dict::new()));
            if let Value::Dict(_, inner) = entry {
                insert_nested(inner, rest, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn env_overrides_nested_keys() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = Config::load_with_env(
            Some(&write(&dir, "talkwatch.toml", "data_dir = \"x\"\n")),
            env(&[
                ("TALKWATCH_DATA_DIR", "/tmp/tw"),
                ("TALKWATCH_MATRIX__HOMESERVER", "http://127.0.0.1:8008"),
                ("TALKWATCH_MATRIX__ENABLED", "true"),
                ("TALKWATCH_SEARCH__DEFAULT_LIMIT", "5"),
                ("TALKWATCH_MATRIX__PASSWORD", "hunter2"),
            ]),
        )
        .unwrap();
        assert_eq!(cfg.data_dir, PathBuf::from("/tmp/tw"));
        assert_eq!(cfg.matrix.homeserver, "http://127.0.0.1:8008");
        assert!(cfg.matrix.enabled);
        assert_eq!(cfg.search.default_limit, 5);
        assert_eq!(
            cfg.matrix.password.as_ref().unwrap().expose_secret(),
            "hunter2"
        );
        assert!(!format!("{cfg:?}").contains("hunter2"));
    }

    #[test]
    fn secrets_in_the_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "t.toml", "[discord]\ntoken = \"abc\"\n");
        let err = Config::load_with_env(Some(&path), env(&[])).unwrap_err();
        assert!(
            err.to_string().contains("TALKWATCH_DISCORD__TOKEN"),
            "{err}"
        );
    }

    #[test]
    fn unknown_keys_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "t.toml", "[search]\ndefault_limt = 3\n");
        let err = Config::load_with_env(Some(&path), env(&[])).unwrap_err();
        assert!(err.to_string().contains("default_limt"), "{err}");
    }

    #[test]
    fn shipped_config_file_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_CONFIG_PATH);
        let cfg = Config::load_with_env(Some(&path), env(&[])).unwrap();
        assert_eq!(cfg.search.default_limit, 3);
    }

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}
