//! News feeds: polling RSS/Atom/JSON feeds into the store and index, with conditional GET,
//! per-feed backoff, filters and de-duplication (GUID, then canonical URL, then title + date).
//!
//! Feeds live in the store (`talkwatch feeds add`, or `[[feeds]]` in config, copied in at
//! start) together with their health: last successful poll, last error, failing since.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use regex::Regex;

use crate::config::FeedConfig;
use crate::engine::{Engine, EngineError};
use crate::health::Health;
use crate::ingest::{
    Article, Conditional, Fetcher, IngestError, bound, canonical_url, charset_of, parse_feed_as,
};
use crate::shutdown::Shutdown;
use crate::store::{FeedRecord, Upsert};

/// Default time between polls.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(600);
const MIN_INTERVAL: Duration = Duration::from_secs(1);
/// Longest wait after repeated failures.
const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

/// A feed's settings that cannot be used, and why.
#[derive(Debug, thiserror::Error)]
pub enum FeedSettingError {
    /// What to write instead (see [`crate::units::parse_duration`]).
    #[error("{0}")]
    Interval(String),
    #[error("the interval must be at least 1s")]
    TooShort,
    #[error("bad regex {pattern}")]
    Regex {
        pattern: String,
        #[source]
        source: regex::Error,
    },
    #[error("feed `{name}`: bad url")]
    Url {
        name: String,
        #[source]
        source: url::ParseError,
    },
}

/// Parses "30s", "10m", "2h", "1d", "1h 30m" (a bare number is seconds).
pub fn parse_interval(s: &str) -> Result<Duration, FeedSettingError> {
    let s = s.trim();
    let d = if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        Duration::from_secs(s.parse().map_err(|_| {
            FeedSettingError::Interval(format!("`{s}` is not an interval; use e.g. 30s, 10m, 2h"))
        })?)
    } else {
        crate::units::parse_duration(s).map_err(FeedSettingError::Interval)?
    };
    if d < MIN_INTERVAL {
        return Err(FeedSettingError::TooShort);
    }
    Ok(d)
}

/// Keyword or `/regex/` filters of a feed.
#[derive(Debug, Default)]
pub struct Filters {
    include: Vec<Matcher>,
    exclude: Vec<Matcher>,
}

#[derive(Debug)]
enum Matcher {
    Word(String),
    Regex(Regex),
}

impl Matcher {
    fn new(s: &str) -> Result<Matcher, FeedSettingError> {
        if s.len() > 2 && s.starts_with('/') && s.ends_with('/') {
            let re = regex::RegexBuilder::new(&s[1..s.len() - 1])
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
                .map_err(|source| FeedSettingError::Regex {
                    pattern: s.to_string(),
                    source,
                })?;
            Ok(Matcher::Regex(re))
        } else {
            Ok(Matcher::Word(s.to_lowercase()))
        }
    }

    fn matches(&self, text: &str, lower: &str) -> bool {
        match self {
            Matcher::Word(w) => lower.contains(w.as_str()),
            Matcher::Regex(re) => re.is_match(text),
        }
    }
}

impl Filters {
    pub fn new(include: &[String], exclude: &[String]) -> Result<Filters, FeedSettingError> {
        Ok(Filters {
            include: include
                .iter()
                .map(|s| Matcher::new(s))
                .collect::<Result<_, _>>()?,
            exclude: exclude
                .iter()
                .map(|s| Matcher::new(s))
                .collect::<Result<_, _>>()?,
        })
    }

    pub fn accepts(&self, text: &str) -> bool {
        let lower = text.to_lowercase();
        (self.include.is_empty() || self.include.iter().any(|m| m.matches(text, &lower)))
            && !self.exclude.iter().any(|m| m.matches(text, &lower))
    }
}

/// A feed from config, as a store record.
pub fn record_from_config(cfg: &FeedConfig) -> Result<FeedRecord, FeedSettingError> {
    let interval = match &cfg.interval {
        Some(s) => parse_interval(s)?,
        None => DEFAULT_INTERVAL,
    };
    url::Url::parse(&cfg.url).map_err(|source| FeedSettingError::Url {
        name: cfg.name.clone(),
        source,
    })?;
    Filters::new(&cfg.include, &cfg.exclude)?;
    Ok(FeedRecord {
        name: cfg.name.trim().to_string(),
        url: cfg.url.trim().to_string(),
        interval_secs: interval.as_secs(),
        include: cfg.include.clone(),
        exclude: cfg.exclude.clone(),
        from_config: true,
        etag: None,
        last_modified: None,
        last_poll: None,
        last_success: None,
        last_error: None,
        failing_since: None,
        failures: 0,
    })
}

/// Copies `[[feeds]]` from config into the store; config feeds removed from the file go away.
pub fn sync_config_feeds(engine: &Engine) -> Result<(), EngineError> {
    let store = engine.store();
    let configured: Vec<FeedRecord> = engine
        .config()
        .feeds
        .iter()
        .filter_map(|f| match record_from_config(f) {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::warn!(feed = %f.name, error = %crate::text::error_chain(&e), "ignoring a bad [[feeds]] entry");
                None
            }
        })
        .collect();
    for old in store.feeds()? {
        if old.from_config && !configured.iter().any(|c| c.name == old.name) {
            store.remove_feed(&old.name)?;
        }
    }
    for feed in &configured {
        store.put_feed(feed)?;
    }
    Ok(())
}

/// What one poll of one feed did.
#[derive(Debug, Default)]
pub struct PollOutcome {
    pub not_modified: bool,
    pub items: usize,
    /// Keys of the newly stored articles (copies of a report already stored are counted in
    /// `copies`).
    pub added: Vec<i64>,
    /// Newly stored copies of a report stored before (another outlet carried it first).
    pub copies: usize,
    pub updated: usize,
    /// Items skipped as already known or filtered out.
    pub skipped: usize,
}

/// Why a poll failed: the feed (fetching or reading it), or saving what it brought. The cause is
/// kept whole, so a full disk is told apart from an unreadable feed.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    Feed(#[from] IngestError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
}

/// Polls feeds with one HTTP client.
pub struct Poller {
    engine: Arc<Engine>,
    fetcher: Fetcher,
}

impl Poller {
    pub fn new(engine: Arc<Engine>) -> Result<Poller, IngestError> {
        let fetcher = Fetcher::new(&engine.config().ingest)?;
        Ok(Poller { engine, fetcher })
    }

    /// Polls one feed now and records the outcome (success or error) on the feed.
    pub async fn poll(&self, feed: &FeedRecord) -> Result<PollOutcome, PollError> {
        self.poll_with(feed, false).await
    }

    /// With `refetch`, the feed is fetched in full (no conditional GET) and every item is read
    /// again (known ones too), so changed articles are updated.
    pub async fn poll_with(
        &self,
        feed: &FeedRecord,
        refetch: bool,
    ) -> Result<PollOutcome, PollError> {
        let result = self.poll_inner(feed, refetch).await;
        let store = self.engine.store();
        let status = match &result {
            Ok(_) => "ok",
            Err(_) => "error",
        };
        crate::metrics::feed_poll(&feed.name, status);
        if let Err(e) = &result {
            let failures = store.feed_failed(&feed.name, &e.to_string())?;
            tracing::warn!(feed = %feed.name, failures, error = %e, "feed poll failed");
        }
        result
    }

    async fn poll_inner(&self, feed: &FeedRecord, refetch: bool) -> Result<PollOutcome, PollError> {
        let url = url::Url::parse(&feed.url).map_err(|e| IngestError::Fetch(e.to_string()))?;
        let store = self.engine.store().clone();
        let (body, etag, last_modified, content_type) = match self
            .fetcher
            .get_conditional(
                &url,
                feed.etag.as_deref().filter(|_| !refetch),
                feed.last_modified.as_deref().filter(|_| !refetch),
            )
            .await?
        {
            Conditional::NotModified => {
                store.feed_ok(&feed.name, None, None)?;
                return Ok(PollOutcome {
                    not_modified: true,
                    ..PollOutcome::default()
                });
            }
            Conditional::Modified {
                body,
                etag,
                last_modified,
                content_type,
            } => (body, etag, last_modified, content_type),
        };
        // Parsed off the scheduler's threads, within the same deadline as a page.
        let charset = content_type
            .as_deref()
            .and_then(charset_of)
            .map(str::to_string);
        let items = bound::run(self.fetcher.parse_budget(), move || {
            parse_feed_as(&body, charset.as_deref())
        })
        .await??;
        let filters = Filters::new(&feed.include, &feed.exclude)
            .map_err(|e| IngestError::Parse(crate::text::error_chain(&e)))?;
        let mut outcome = PollOutcome {
            items: items.len(),
            ..PollOutcome::default()
        };
        let mut articles = Vec::new();
        let mut remembered = Vec::new();
        for item in items {
            let canonical = item.url.as_deref().and_then(|u| canonical_url(u).ok());
            if !refetch
                && store.feed_item_known(
                    &feed.name,
                    &item.guid,
                    canonical.as_deref(),
                    &item.title,
                    item.published,
                )?
            {
                outcome.skipped += 1;
                continue;
            }
            let text = format!("{}\n{}", item.title, item.paragraphs.join("\n"));
            if !filters.accepts(&text) {
                outcome.skipped += 1;
                remembered.push((item.guid.clone(), canonical.clone().unwrap_or_default()));
                continue;
            }
            let (paragraphs, title, published) = self.full_text(&item).await;
            if paragraphs.is_empty() || title.is_empty() {
                outcome.skipped += 1;
                continue;
            }
            let url = canonical
                .clone()
                .unwrap_or_else(|| format!("{}#{}", feed.url, urlencoding_guid(&item.guid)));
            remembered.push((item.guid.clone(), url.clone()));
            articles.push(Article {
                url,
                title,
                source: feed.name.clone(),
                published: published.unwrap_or_else(Utc::now),
                published_estimated: published.is_none(),
                tags: Vec::new(),
                body: paragraphs.join("\n\n"),
            });
        }
        let results = self.engine.add_articles(articles).await?;
        for u in results {
            match u.what {
                // A copy of a report stored before (another feed carried it first) is not new:
                // watches were told about the report once.
                Upsert::Added if u.story != u.key => outcome.copies += 1,
                Upsert::Added => outcome.added.push(u.key),
                Upsert::Updated => outcome.updated += 1,
                Upsert::Unchanged => outcome.skipped += 1,
            }
        }
        store.remember_feed_items(&feed.name, &remembered)?;
        store.feed_ok(&feed.name, etag.as_deref(), last_modified.as_deref())?;
        tracing::info!(
            feed = %feed.name,
            items = outcome.items,
            added = outcome.added.len(),
            copies = outcome.copies,
            updated = outcome.updated,
            skipped = outcome.skipped,
            "feed polled"
        );
        Ok(outcome)
    }

    /// An item's paragraphs, title and date; when the feed carries only a teaser, read from the
    /// article page as `ingest URL` does (the feed's own text is kept if the page is unreadable).
    async fn full_text(
        &self,
        item: &crate::ingest::FeedItem,
    ) -> (Vec<String>, String, Option<chrono::DateTime<Utc>>) {
        let mut paragraphs = item.paragraphs.clone();
        let mut title = item.title.clone();
        let mut published = item.published;
        if item.summary_only
            && let Some(page) = &item.url
            && let Ok(page_url) = url::Url::parse(page)
        {
            // Only a teaser in the feed: read the article page, as `ingest URL` does.
            match self
                .fetcher
                .fetch_articles(&page_url)
                .await
                .items
                .into_iter()
                .next()
            {
                Some(Ok(full)) => {
                    paragraphs = full.paragraphs().map(str::to_string).collect();
                    if title.is_empty() {
                        title = full.title.clone();
                    }
                    if published.is_none() && !full.published_estimated {
                        published = Some(full.published);
                    }
                }
                Some(Err(e)) => {
                    tracing::debug!(url = %page, error = %e, "article page unreadable; keeping the feed summary");
                }
                None => {}
            }
        }
        (paragraphs, title, published)
    }
}

/// A GUID as a URL fragment: percent-encoded, so two GUIDs never share one address (an entry
/// without a link is stored under the feed's URL and its GUID).
fn urlencoding_guid(guid: &str) -> String {
    const KEPT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(guid, KEPT).to_string()
}

/// Time until the next poll: the interval (±25 %) after a success; after `failures` failures in
/// a row an exponential backoff from a quarter of the interval, doubling up to the larger of six
/// hours and the interval (see [`crate::retry::backoff`]).
pub fn next_delay(interval: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return crate::retry::jitter(interval);
    }
    let start = (interval / 4).max(Duration::from_secs(1));
    let cap = MAX_BACKOFF.max(interval);
    crate::retry::backoff(start, cap)
        .nth(failures.saturating_sub(1).min(64) as usize)
        .unwrap_or(cap)
}

/// Polls every feed right away, then each on its own schedule, until `shutdown`. Feeds added or
/// removed while running are picked up within 30 s. The keys of new articles go to `on_new`.
pub async fn run(
    engine: Arc<Engine>,
    health: Arc<Health>,
    shutdown: Shutdown,
    on_new: tokio::sync::mpsc::UnboundedSender<Vec<i64>>,
) -> anyhow::Result<()> {
    let poller = Arc::new(Poller::new(engine.clone())?);
    if poller.fetcher.tls_problem().is_some() {
        tracing::warn!("{}", IngestError::NoTrustedRoots);
    }
    let mut running: std::collections::HashMap<String, (FeedRecord, tokio::task::JoinHandle<()>)> =
        std::collections::HashMap::new();
    health.set("feeds", true, "polling");
    loop {
        let feeds = match engine.store().feeds() {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the feed list");
                Vec::new()
            }
        };
        // Stop tasks of removed or changed feeds.
        running.retain(|name, (record, task)| {
            let keep = feeds.iter().any(|f| {
                &f.name == name
                    && f.url == record.url
                    && f.interval_secs == record.interval_secs
                    && f.include == record.include
                    && f.exclude == record.exclude
            });
            if !keep {
                task.abort();
            }
            keep
        });
        for feed in feeds {
            if running.contains_key(&feed.name) {
                continue;
            }
            let poller = poller.clone();
            let shutdown = shutdown.clone();
            let on_new = on_new.clone();
            let record = feed.clone();
            let task = tokio::spawn(async move {
                let mut feed = feed;
                let mut failures = feed.failures;
                loop {
                    match poller.poll(&feed).await {
                        Ok(outcome) => {
                            failures = 0;
                            if !outcome.added.is_empty() {
                                let _ = on_new.send(outcome.added);
                            }
                        }
                        Err(_) => failures += 1,
                    }
                    let wait = next_delay(Duration::from_secs(feed.interval_secs), failures);
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(wait) => {}
                    }
                    // Re-read the record: it holds the validators of the last response.
                    match poller
                        .engine
                        .store()
                        .feeds()
                        .ok()
                        .and_then(|all| all.into_iter().find(|f| f.name == feed.name))
                    {
                        Some(fresh) => feed = fresh,
                        None => return,
                    }
                }
            });
            running.insert(record.name.clone(), (record, task));
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(Duration::from_secs(30)) => {}
        }
    }
    for (_, (_, task)) in running {
        task.abort();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_feed_settings_say_what_and_why() {
        let feed = |url: &str, include: &str| FeedConfig {
            url: url.into(),
            name: "wire".into(),
            interval: None,
            include: vec![include.into()],
            exclude: vec![],
        };
        let e = record_from_config(&feed("https://example.org/feed", "/(/")).unwrap_err();
        let text = crate::text::error_chain(&e);
        assert!(text.starts_with("bad regex /(/: "), "{text}");
        assert!(text.contains("unclosed group"), "{text}");
        let e = record_from_config(&feed("not a url", "talks")).unwrap_err();
        let text = crate::text::error_chain(&e);
        assert_eq!(text, "feed `wire`: bad url: relative URL without a base");
    }
}
