//! Shared test helpers: temp data dirs, running the binary, local servers.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Asks `probe` every 100 ms until it gives a value, for at most `timeout`; then panics with
/// `failure()` (what was expected, and the last state or a log to see why not). The one way
/// tests wait for something another process does: never a fixed sleep.
pub async fn eventually<T>(
    timeout: std::time::Duration,
    mut probe: impl AsyncFnMut() -> Option<T>,
    failure: impl FnOnce() -> String,
) -> T {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("{}", failure());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// A temp data dir plus a `talkwatch` command preconfigured to use it.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `talkwatch` run in the temp dir (so no repo config is picked up) with this data dir and
    /// none of the `TALKWATCH_*` variables of the environment the tests run in (a developer's
    /// own settings, a benchmark's knobs): only what a test sets applies.
    pub fn process(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_talkwatch"));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("TALKWATCH_") {
                cmd.env_remove(key);
            }
        }
        cmd.current_dir(self.dir.path())
            .env("TALKWATCH_DATA_DIR", self.data_dir());
        cmd
    }

    /// [`Env::process`] for one-shot commands, logging warnings only.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::from_std(self.process());
        cmd.env("TALKWATCH_LOG", "warn");
        cmd
    }

    /// A fresh env whose store holds the demo corpus (ingested through the binary).
    pub fn with_demo() -> Env {
        let env = Env::new();
        let out = env
            .cmd()
            .arg("ingest")
            .arg(demo_articles())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ingesting the demo corpus failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        env
    }

    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, contents).unwrap();
        p
    }
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// How many articles `talkwatch stats` says the store holds.
pub fn article_count(env: &Env) -> u64 {
    let out = env.cmd().arg("stats").output().unwrap();
    let text = stdout(&out);
    text.lines()
        .find_map(|l| l.strip_prefix("Articles: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no article count in {text}"))
}

/// The repo's demo articles directory.
pub fn demo_articles() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/demo/articles"))
}
pub mod proxy;
pub mod service;
pub mod synapse;
pub mod venv;

pub mod discord_fake;

/// The command handler of a fresh engine in `dir` that holds `articles`.
pub async fn handler_with(
    dir: &tempfile::TempDir,
    articles: Vec<talkwatch::ingest::Article>,
) -> talkwatch::command::Handler {
    let config = talkwatch::config::Config {
        data_dir: dir.path().join("data"),
        ..talkwatch::config::Config::default()
    };
    let engine = std::sync::Arc::new(talkwatch::engine::Engine::open(config).await.unwrap());
    engine.add_articles(articles).await.unwrap();
    talkwatch::command::Handler::new(engine)
}

/// A dated article as a test writes it (no tags).
pub fn article(
    url: &str,
    source: &str,
    title: &str,
    published: chrono::DateTime<chrono::Utc>,
    body: &str,
) -> talkwatch::ingest::Article {
    talkwatch::ingest::Article {
        url: url.into(),
        title: title.into(),
        source: source.into(),
        published,
        published_estimated: false,
        tags: Vec::new(),
        body: body.into(),
    }
}
