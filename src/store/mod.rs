//! The article store: every article talkwatch has read, in SQLite. It is the source of truth;
//! the search index is derived from it and can always be rebuilt from it.
//!
//! Architecture Invariant: the store never depends on the index. An article is committed here
//! first and marked `indexed` only after the index committed it, so a crash in between is healed
//! on the next start by re-indexing the unmarked rows.
//!
//! Articles are keyed by canonical URL (re-ingesting updates, never duplicates). Each has a report
//! group (`story`: the key of the first stored copy of the report it is a copy of, found through
//! the band keys in `dup_bands` at upsert), kept when the text is unchanged, so re-ingesting and
//! reindexing never regroup. Articles read for answers are kept decoded in a bounded LRU cache
//! (`search.article_cache_mb`); an update through the store drops its entry, a write by another
//! process (SQLite's `data_version`) drops them all; answers look for such writes once per index
//! snapshot.
//!
//! The same database holds the feeds to poll and what they delivered (`feeds.rs`) and the
//! watches with the alerts sent (`watches.rs`); `reports.rs` finds report groups, `cache.rs` is
//! the decoded-article cache.

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::dedup::Sketch;
use crate::ingest::Article;
use cache::ArticleCache;
pub use feeds::FeedRecord;
use reports::join_report;
pub use watches::Watch;

mod cache;
mod feeds;
mod reports;
mod watches;

/// An article as stored, with its numeric key (the index refers to articles by it).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredArticle {
    pub key: i64,
    /// The report this article is a copy of: the key of the first article stored of its group
    /// of near-duplicates (see [`crate::dedup`]); its own key when it is no copy.
    pub story: i64,
    pub article: Article,
}

/// One article of an upsert: its key, what happened and the report group it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upserted {
    pub key: i64,
    pub what: Upsert,
    pub story: i64,
}

/// Another outlet's copy of a report (an answer's "also").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    pub key: i64,
    pub source: String,
    pub url: String,
    pub published: DateTime<Utc>,
    pub published_estimated: bool,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    Added,
    Updated,
    Unchanged,
}

/// Per-source figures for `sources`.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceSummary {
    pub source: String,
    pub articles: u64,
    pub newest: Option<DateTime<Utc>>,
    /// The feed of that name, if the source is a polled feed (with its health).
    pub feed: Option<FeedRecord>,
}

/// Whole-store figures for `stats`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StoreStats {
    pub articles: u64,
    pub sources: u64,
    pub estimated_dates: u64,
    pub last_ingest: Option<DateTime<Utc>>,
    pub newest: Option<DateTime<Utc>>,
    /// Articles recognized as copies of a report stored before them (shown once in answers).
    pub folded_copies: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("article store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "article store: written by a newer talkwatch (schema version {found}; this one reads up to {known}); upgrade talkwatch or point data_dir elsewhere"
    )]
    Newer { found: i64, known: i64 },
}

/// The layout of the database this version writes (SQLite's `user_version`). 0 is a store
/// written before the layout was versioned; [`prepare`] brings any older one up to this.
const SCHEMA_VERSION: i64 = 1;

pub struct ArticleStore {
    conn: Mutex<Connection>,
    /// The articles answers quoted lately, decoded (see [`ArticleCache`]).
    cache: Mutex<ArticleCache>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS articles (
    key INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    published INTEGER NOT NULL,
    published_estimated INTEGER NOT NULL,
    tags TEXT NOT NULL,
    body TEXT NOT NULL,
    hash TEXT NOT NULL,
    ingested_at INTEGER NOT NULL,
    indexed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS articles_source ON articles(source);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS articles_title ON articles(title, published);
CREATE TABLE IF NOT EXISTS feeds (
    name TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    interval_secs INTEGER NOT NULL,
    include TEXT NOT NULL DEFAULT '[]',
    exclude TEXT NOT NULL DEFAULT '[]',
    from_config INTEGER NOT NULL DEFAULT 0,
    etag TEXT,
    last_modified TEXT,
    last_poll INTEGER,
    last_success INTEGER,
    last_error TEXT,
    failing_since INTEGER,
    failures INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS watches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    platform TEXT NOT NULL,
    place TEXT NOT NULL,
    words TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (platform, place, words)
);
CREATE TABLE IF NOT EXISTS alerts_sent (
    watch INTEGER NOT NULL,
    url TEXT NOT NULL,
    PRIMARY KEY (watch, url)
);
CREATE TABLE IF NOT EXISTS dup_bands (
    band INTEGER NOT NULL,
    article INTEGER NOT NULL,
    PRIMARY KEY (band, article)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS feed_items (
    feed TEXT NOT NULL,
    guid TEXT NOT NULL,
    url TEXT NOT NULL,
    PRIMARY KEY (feed, guid)
);
";

impl ArticleStore {
    pub fn open(path: &Path) -> Result<ArticleStore, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Answers read a few dozen article bodies per question. A 64 MiB page cache (instead of
        // SQLite's 2 MiB) keeps a small store and a big one's B-tree pages in memory: ask p50
        // 1.13 → ~0.9 ms at 10,000 articles. A memory map did as well there but cost 6 ms at
        // 1,000,000 articles (a 4.3 GB store), so it is not used.
        conn.pragma_update(None, "cache_size", -64 * 1024)?;
        prepare(&conn)?;
        Ok(ArticleStore {
            conn: Mutex::new(conn),
            cache: Mutex::new(ArticleCache::new(
                crate::config::DEFAULT_ARTICLE_CACHE_BYTES,
            )),
        })
    }

    pub fn open_in_memory() -> Result<ArticleStore, StoreError> {
        let conn = Connection::open_in_memory()?;
        prepare(&conn)?;
        Ok(ArticleStore {
            conn: Mutex::new(conn),
            cache: Mutex::new(ArticleCache::new(
                crate::config::DEFAULT_ARTICLE_CACHE_BYTES,
            )),
        })
    }

    /// Sets how many bytes of decoded articles [`get_many`](Self::get_many) keeps (0: none).
    pub fn set_cache_bytes(&self, budget: usize) {
        *self.cache() = ArticleCache::new(budget);
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, ArticleCache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions roll
        // back), so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Inserts or replaces articles by URL in one transaction. Returns, per article, its key,
    /// what happened and the report group it joined; changed rows are marked as not yet indexed.
    /// A new or changed body is compared with the stored ones through its MinHash sketch
    /// ([`crate::dedup`]): a copy of a report stored before joins that report's group. An
    /// unchanged article keeps its group, so re-ingesting and reindexing never regroup.
    pub fn upsert_many(&self, articles: &[Article]) -> Result<Vec<Upserted>, StoreError> {
        // Sketching is most of the work; it needs no lock.
        let sketches: Vec<Option<Sketch>> = articles.iter().map(|a| Sketch::of(&a.body)).collect();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let now = Utc::now().timestamp();
        let mut out = Vec::with_capacity(articles.len());
        {
            let mut find = tx.prepare_cached(
                "SELECT key, hash, sketch, COALESCE(story, key) FROM articles WHERE url = ?1",
            )?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO articles (url, title, source, published, published_estimated, tags, body, hash, ingested_at, indexed, sketch)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10)",
            )?;
            let mut update = tx.prepare_cached(
                "UPDATE articles SET title = ?2, source = ?3, published = ?4, published_estimated = ?5,
                 tags = ?6, body = ?7, hash = ?8, ingested_at = ?9, indexed = 0, sketch = ?10 WHERE key = ?1",
            )?;
            let mut set_story =
                tx.prepare_cached("UPDATE articles SET story = ?2 WHERE key = ?1")?;
            for (a, sketch) in articles.iter().zip(&sketches) {
                let hash = content_hash(a);
                let tags = serde_json::to_string(&a.tags).unwrap_or_else(|_| "[]".into());
                let bytes = sketch.as_ref().map(Sketch::to_bytes);
                let existing: Option<(i64, String, Option<Vec<u8>>, i64)> = find
                    .query_row([&a.url], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    })
                    .optional()?;
                let (key, what, old_sketch, old_story) = match existing {
                    Some((key, old, _, story)) if old == hash => {
                        out.push(Upserted {
                            key,
                            what: Upsert::Unchanged,
                            story,
                        });
                        continue;
                    }
                    Some((key, _, old_sketch, story)) => {
                        update.execute(params![
                            key,
                            a.title,
                            a.source,
                            a.published.timestamp(),
                            a.published_estimated,
                            tags,
                            a.body,
                            hash,
                            now,
                            bytes
                        ])?;
                        let old_sketch = old_sketch.as_deref().and_then(Sketch::from_bytes);
                        (key, Upsert::Updated, old_sketch, story)
                    }
                    None => {
                        insert.execute(params![
                            a.url,
                            a.title,
                            a.source,
                            a.published.timestamp(),
                            a.published_estimated,
                            tags,
                            a.body,
                            hash,
                            now,
                            bytes
                        ])?;
                        let key = tx.last_insert_rowid();
                        (key, Upsert::Added, None, key)
                    }
                };
                // Same words as before (a new title or date): same group.
                if old_sketch.is_some() && old_sketch == *sketch {
                    out.push(Upserted {
                        key,
                        what,
                        story: old_story,
                    });
                    continue;
                }
                if let Some(old) = &old_sketch {
                    let mut drop = tx
                        .prepare_cached("DELETE FROM dup_bands WHERE band = ?1 AND article = ?2")?;
                    for band in old.band_keys() {
                        drop.execute(params![band, key])?;
                    }
                }
                let story = match sketch {
                    Some(sketch) => join_report(&tx, key, sketch)?,
                    None => key,
                };
                set_story.execute(params![key, (story != key).then_some(story)])?;
                out.push(Upserted { key, what, story });
            }
        }
        tx.execute(
            "INSERT INTO meta (name, value) VALUES ('last_ingest', ?1)
             ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            [now.to_string()],
        )?;
        tx.commit()?;
        let mut cache = self.cache();
        for u in &out {
            if u.what == Upsert::Updated {
                cache.forget(u.key);
            }
        }
        Ok(out)
    }

    /// The other copies of each given report group (articles whose group is one of `stories`,
    /// the group's first article included), oldest first (then by URL), at most `per_story` each.
    pub fn copies_of(
        &self,
        stories: &[i64],
        per_story: usize,
    ) -> Result<std::collections::HashMap<i64, Vec<Copy>>, StoreError> {
        let mut out: std::collections::HashMap<i64, Vec<Copy>> = std::collections::HashMap::new();
        if stories.is_empty() {
            return Ok(out);
        }
        // One statement for the page's groups, not one per group.
        let marks = vec!["?"; stories.len()].join(",");
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT key, source, url, published, published_estimated, COALESCE(story, key)
             FROM articles WHERE key IN ({marks}) OR story IN ({marks})
             ORDER BY published, url"
        ))?;
        let params: Vec<&dyn rusqlite::ToSql> = stories
            .iter()
            .chain(stories)
            .map(|s| s as &dyn rusqlite::ToSql)
            .collect();
        let rows = stmt.query_map(params.as_slice(), |r| {
            Ok((
                r.get::<_, i64>(5)?,
                Copy {
                    key: r.get(0)?,
                    source: r.get(1)?,
                    url: r.get(2)?,
                    published: ts(r.get(3)?),
                    published_estimated: r.get(4)?,
                },
            ))
        })?;
        for row in rows {
            let (story, copy) = row?;
            let list = out.entry(story).or_default();
            if list.len() < per_story {
                list.push(copy);
            }
        }
        for &story in stories {
            out.entry(story).or_default();
        }
        Ok(out)
    }

    /// The newest articles (key, report group) published in `[since, until]` (`source`
    /// lowercase), newest first, at most `limit`.
    pub fn newest(
        &self,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        source: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT key, COALESCE(story, key) FROM articles
             WHERE published >= ?1 AND published <= ?2 AND (?3 IS NULL OR lower(source) = ?3)
             ORDER BY published DESC, key DESC LIMIT ?4",
        )?;
        let rows = stmt.query_map(
            params![
                since.map_or(i64::MIN, |d| d.timestamp()),
                until.map_or(i64::MAX, |d| d.timestamp()),
                source,
                limit as i64
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Articles stored before sketches existed (an older version's store): sketched and grouped
    /// on open, oldest first, `page` at a time. Returns how many were sketched.
    pub fn sketch_missing(&self, page: usize) -> Result<usize, StoreError> {
        let mut done = 0;
        loop {
            let rows: Vec<(i64, String)> = {
                let conn = self.conn();
                let mut stmt = conn.prepare_cached(
                    "SELECT key, body FROM articles WHERE sketch IS NULL ORDER BY key LIMIT ?1",
                )?;
                stmt.query_map(params![page as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()?
            };
            if rows.is_empty() {
                return Ok(done);
            }
            let sketched: Vec<(i64, Option<Sketch>)> = rows
                .into_iter()
                .map(|(k, body)| (k, Sketch::of(&body)))
                .collect();
            let mut conn = self.conn();
            let tx = conn.transaction()?;
            for (key, sketch) in &sketched {
                let story = match sketch {
                    Some(sketch) => join_report(&tx, *key, sketch)?,
                    None => *key,
                };
                // A body without words gets an empty sketch, so it is not looked at again.
                let bytes = sketch.as_ref().map_or_else(Vec::new, Sketch::to_bytes);
                tx.execute(
                    "UPDATE articles SET sketch = ?2, story = ?3 WHERE key = ?1",
                    params![key, bytes, (story != *key).then_some(story)],
                )?;
            }
            tx.commit()?;
            done += sketched.len();
        }
    }

    pub fn mark_indexed(&self, keys: &[i64]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached("UPDATE articles SET indexed = 1 WHERE key = ?1")?;
            for key in keys {
                stmt.execute([key])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Articles whose latest version is not yet in the index (after a crash).
    pub fn unindexed(&self) -> Result<Vec<StoredArticle>, StoreError> {
        self.select("WHERE indexed = 0", &[])
    }

    /// Several articles by key (order not guaranteed; missing keys are skipped). Articles read
    /// lately come from the cache; the rest in one statement per 500 keys (each statement is one
    /// read transaction: SQLite takes and drops its file locks, two system calls, per
    /// transaction, not per row).
    pub fn get_many(&self, keys: &[i64]) -> Result<Vec<Arc<StoredArticle>>, StoreError> {
        self.get_many_as_of(keys, None)
    }

    /// [`get_many`](Self::get_many) for quoting what an index snapshot found: `index_stamp`
    /// identifies the snapshot (see `search::Snapshot::stamp`). Cached articles are checked
    /// against other processes' writes only when the stamp differs from the last one checked:
    /// another process's changes to articles reach the index too, and until this process sees
    /// them there, the cached articles are the ones its index describes. (The check is a read
    /// transaction, file-lock system calls at every question otherwise: 5 % of a headline's time.)
    pub fn get_many_as_of(
        &self,
        keys: &[i64],
        index_stamp: Option<u64>,
    ) -> Result<Vec<Arc<StoredArticle>>, StoreError> {
        let conn = self.conn();
        let mut cache = self.cache();
        let checked = index_stamp.is_some() && cache.checked_at == index_stamp;
        if cache.budget > 0 && !checked {
            // Another process (a second talkwatch on the same data directory) may have changed
            // articles since they were cached: SQLite's data version tells.
            let version: i64 = conn
                .prepare_cached("PRAGMA data_version")?
                .query_row([], |r| r.get(0))?;
            cache.check_version(version);
            cache.checked_at = index_stamp;
        }
        let mut out = Vec::with_capacity(keys.len());
        let mut missing = Vec::new();
        for key in keys {
            match cache.get(*key) {
                Some(article) => out.push(article),
                None => missing.push(*key),
            }
        }
        for chunk in missing.chunks(500) {
            let placeholders = vec!["?"; chunk.len()].join(",");
            let args: Vec<&dyn rusqlite::ToSql> =
                chunk.iter().map(|k| k as &dyn rusqlite::ToSql).collect();
            for article in select(&conn, &format!("WHERE key IN ({placeholders})"), &args)? {
                let article = Arc::new(article);
                cache.put(article.clone());
                out.push(article);
            }
        }
        Ok(out)
    }

    pub fn get(&self, key: i64) -> Result<Option<StoredArticle>, StoreError> {
        Ok(self.select("WHERE key = ?1", &[&key])?.into_iter().next())
    }

    /// Streams every article in key order, in pages, so a rebuild never holds the whole store.
    pub fn for_each(
        &self,
        page: usize,
        mut f: impl FnMut(Vec<StoredArticle>) -> bool,
    ) -> Result<(), StoreError> {
        let mut after = 0i64;
        loop {
            let batch = self.select(
                "WHERE key > ?1 ORDER BY key LIMIT ?2",
                &[&after, &(page as i64)],
            )?;
            let Some(last) = batch.last() else {
                return Ok(());
            };
            after = last.key;
            if !f(batch) {
                return Ok(());
            }
        }
    }

    fn select(
        &self,
        clause: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<StoredArticle>, StoreError> {
        select(&self.conn(), clause, args)
    }

    pub fn count(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT COUNT(*) FROM articles", [], |r| r.get::<_, i64>(0))?
            as u64)
    }

    pub fn sources(&self) -> Result<Vec<SourceSummary>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT source, COUNT(*), MAX(published) FROM articles GROUP BY source ORDER BY COUNT(*) DESC, source",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SourceSummary {
                source: r.get(0)?,
                articles: r.get::<_, i64>(1)? as u64,
                newest: r.get::<_, Option<i64>>(2)?.map(ts),
                feed: None,
            })
        })?;
        let mut list: Vec<SourceSummary> = rows.collect::<Result<_, _>>()?;
        drop(stmt);
        drop(conn);
        for feed in self.feeds()? {
            match list
                .iter_mut()
                .find(|s| s.source.eq_ignore_ascii_case(&feed.name))
            {
                Some(s) => s.feed = Some(feed),
                None => list.push(SourceSummary {
                    source: feed.name.clone(),
                    articles: 0,
                    newest: None,
                    feed: Some(feed),
                }),
            }
        }
        Ok(list)
    }

    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        let conn = self.conn();
        let (articles, sources, estimated, newest, folded) = conn.query_row(
            "SELECT COUNT(*), COUNT(DISTINCT source), COALESCE(SUM(published_estimated), 0), MAX(published), COUNT(story) FROM articles",
            [],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            },
        )?;
        let last_ingest: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE name = 'last_ingest'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(StoreStats {
            articles: articles as u64,
            sources: sources as u64,
            estimated_dates: estimated as u64,
            last_ingest: last_ingest.and_then(|s| s.parse().ok()).map(ts),
            newest: newest.map(ts),
            folded_copies: folded as u64,
        })
    }
}

/// Creates the tables of a new store, or brings an older one up to [`SCHEMA_VERSION`]; refuses a
/// store written by a newer version (its layout may mean something this one would break).
fn prepare(conn: &Connection) -> Result<(), StoreError> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::Newer {
            found,
            known: SCHEMA_VERSION,
        });
    }
    conn.execute_batch(SCHEMA)?;
    migrate(conn)?;
    if found < SCHEMA_VERSION {
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    }
    Ok(())
}

/// Brings a store written by an older version up to this schema: the report group and the
/// sketch of each article (filled in by [`ArticleStore::sketch_missing`]).
fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let has_story: bool = conn
        .prepare("SELECT 1 FROM pragma_table_info('articles') WHERE name = 'story'")?
        .exists([])?;
    if !has_story {
        conn.execute_batch(
            "ALTER TABLE articles ADD COLUMN story INTEGER;
             ALTER TABLE articles ADD COLUMN sketch BLOB;",
        )?;
    }
    conn.execute_batch(
        "CREATE INDEX IF NOT EXISTS articles_story ON articles(story) WHERE story IS NOT NULL;
         CREATE INDEX IF NOT EXISTS articles_published ON articles(published);",
    )?;
    Ok(())
}

/// Articles matching `clause` (`WHERE …`), read on `conn`.
fn select(
    conn: &Connection,
    clause: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<StoredArticle>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT key, url, title, source, published, published_estimated, tags, body, COALESCE(story, key) FROM articles {clause}"
    ))?;
    let rows = stmt.query_map(args, |r| {
        let tags: String = r.get(6)?;
        Ok(StoredArticle {
            key: r.get(0)?,
            story: r.get(8)?,
            article: Article {
                url: r.get(1)?,
                title: r.get(2)?,
                source: r.get(3)?,
                published: ts(r.get(4)?),
                published_estimated: r.get(5)?,
                tags: serde_json::from_str(&tags).unwrap_or_default(),
                body: r.get(7)?,
            },
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn ts(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
}

fn content_hash(a: &Article) -> String {
    let mut h = Sha256::new();
    for part in [
        a.title.as_str(),
        a.source.as_str(),
        &a.published.timestamp().to_string(),
        &a.tags.join("\u{1f}"),
        a.body.as_str(),
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    hex::encode(&h.finalize()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(url: &str, body: &str) -> Article {
        Article {
            url: url.into(),
            title: "T".into(),
            source: "S".into(),
            published: ts(1_700_000_000),
            published_estimated: false,
            tags: vec!["x".into()],
            body: body.into(),
        }
    }

    #[test]
    fn upsert_is_idempotent_and_updates_in_place() {
        let store = ArticleStore::open_in_memory().unwrap();
        let a = article("https://e.example.org/1", "one");
        let first = store.upsert_many(std::slice::from_ref(&a)).unwrap();
        assert_eq!(first[0].what, Upsert::Added);
        let key = first[0].key;
        let again = store.upsert_many(std::slice::from_ref(&a)).unwrap();
        assert_eq!(
            again,
            vec![Upserted {
                key,
                what: Upsert::Unchanged,
                story: key
            }]
        );
        let edited = store
            .upsert_many(&[article("https://e.example.org/1", "two")])
            .unwrap();
        assert_eq!(edited[0].what, Upsert::Updated);
        assert_eq!(store.count().unwrap(), 1);
        assert_eq!(store.get(key).unwrap().unwrap().article.body, "two");
        assert_eq!(store.unindexed().unwrap().len(), 1);
        store.mark_indexed(&[key]).unwrap();
        assert!(store.unindexed().unwrap().is_empty());
    }

    const WIRE: &str = "Mediators in Doha said on Tuesday that the two delegations had agreed \
        a list of 120 prisoners to be exchanged before the end of the month.\n\nThe list was \
        the result of three rounds of talks held behind closed doors, officials said, and the \
        releases would take place in two stages at a border crossing.\n\nRelatives of the \
        detainees welcomed the news but said they would believe it when the buses arrived.";

    #[test]
    fn copies_of_a_report_join_its_group_and_keep_it() {
        let store = ArticleStore::open_in_memory().unwrap();
        let copy = WIRE.replacen(
            "Mediators in Doha said on Tuesday",
            "Qatari mediators announced on Tuesday",
            1,
        ) + "\n\nThe ministry in the capital did not comment.";
        let other = "A prisoner exchange was discussed in Doha on Tuesday, but the delegations \
            left without a list, a diplomat said, and no date for the next round was set.";
        let got = store
            .upsert_many(&[
                article("https://a.example.org/wire", WIRE),
                article("https://b.example.org/copy", &copy),
                article("https://c.example.org/other", other),
                article("https://d.example.org/same", WIRE),
            ])
            .unwrap();
        let root = got[0].key;
        assert_eq!(
            got.iter().map(|u| u.story).collect::<Vec<_>>(),
            [root, root, got[2].key, root]
        );
        assert_eq!(store.stats().unwrap().folded_copies, 2);
        let copies = store.copies_of(&[root], 10).unwrap();
        assert_eq!(copies[&root].len(), 3);
        // Re-ingesting changes nothing; a new title keeps the group.
        let mut retitled = article("https://b.example.org/copy", &copy);
        retitled.title = "Prisoner list agreed".into();
        let again = store.upsert_many(&[retitled]).unwrap();
        assert_eq!((again[0].what, again[0].story), (Upsert::Updated, root));
        // An edit into another report leaves the group.
        let rewritten = store
            .upsert_many(&[article("https://d.example.org/same", other)])
            .unwrap();
        assert_eq!(rewritten[0].story, got[2].key);
        assert_eq!(store.stats().unwrap().folded_copies, 2);
    }

    #[test]
    fn many_outlets_carrying_one_report_are_one_group_listed_once_per_band() {
        let store = ArticleStore::open_in_memory().unwrap();
        let copies: Vec<Article> = (0..200)
            .map(|i| article(&format!("https://outlet{i}.example.org/wire"), WIRE))
            .collect();
        let got = store.upsert_many(&copies).unwrap();
        let root = got[0].key;
        assert!(got.iter().all(|u| u.story == root));
        assert_eq!(store.stats().unwrap().folded_copies, 199);
        // Each band names the group once, so the next copy has one candidate to compare.
        let rows: i64 = store
            .conn()
            .query_row("SELECT COUNT(*) FROM dup_bands", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, crate::dedup::BANDS as i64);
    }

    #[test]
    fn a_store_without_sketches_gets_them_on_open() {
        let store = ArticleStore::open_in_memory().unwrap();
        let got = store
            .upsert_many(&[
                article("https://a.example.org/wire", WIRE),
                article("https://b.example.org/same", WIRE),
            ])
            .unwrap();
        {
            let conn = store.conn();
            conn.execute_batch(
                "UPDATE articles SET sketch = NULL, story = NULL; DELETE FROM dup_bands;",
            )
            .unwrap();
        }
        assert_eq!(store.stats().unwrap().folded_copies, 0);
        assert_eq!(store.sketch_missing(1).unwrap(), 2);
        assert_eq!(store.get(got[1].key).unwrap().unwrap().story, got[0].key);
        assert_eq!(store.sketch_missing(1).unwrap(), 0);
    }

    #[test]
    fn a_store_from_a_newer_version_is_refused_and_left_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite");
        ArticleStore::open(&path).unwrap();
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        let err = ArticleStore::open(&path).err().expect("refused");
        assert!(err.to_string().contains("newer talkwatch"), "{err}");
        let version: i64 = Connection::open(&path)
            .unwrap()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION + 1);
    }

    #[test]
    fn for_each_pages_through_everything() {
        let store = ArticleStore::open_in_memory().unwrap();
        let many: Vec<Article> = (0..25)
            .map(|i| article(&format!("https://e.example.org/{i}"), "b"))
            .collect();
        store.upsert_many(&many).unwrap();
        let mut seen = 0;
        store
            .for_each(10, |batch| {
                seen += batch.len();
                true
            })
            .unwrap();
        assert_eq!(seen, 25);
    }

    /// The articles' bodies in key order, read as answers read them for the index snapshot
    /// `stamp` (`None`: as any other reader).
    fn bodies(store: &ArticleStore, keys: &[i64], stamp: Option<u64>) -> Vec<String> {
        let mut got: Vec<(i64, String)> = store
            .get_many_as_of(keys, stamp)
            .unwrap()
            .iter()
            .map(|a| (a.key, a.article.body.clone()))
            .collect();
        got.sort();
        got.into_iter().map(|(_, b)| b).collect()
    }

    #[test]
    fn cached_articles_follow_changes_from_this_and_other_processes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite");
        let store = ArticleStore::open(&path).unwrap();
        let added = store
            .upsert_many(&[
                article("https://e.example.org/1", "first version"),
                article("https://e.example.org/2", "other article"),
            ])
            .unwrap();
        let keys: Vec<i64> = added.iter().map(|u| u.key).collect();
        // Read twice: the second read is served from the cache, unchanged.
        assert_eq!(
            bodies(&store, &keys, None),
            ["first version", "other article"]
        );
        assert_eq!(
            bodies(&store, &keys, None),
            ["first version", "other article"]
        );
        // Changed through this store.
        store
            .upsert_many(&[article("https://e.example.org/1", "second version")])
            .unwrap();
        assert_eq!(
            bodies(&store, &keys, None),
            ["second version", "other article"]
        );
        // Changed by another process (another connection to the same file).
        let other = ArticleStore::open(&path).unwrap();
        other
            .upsert_many(&[article("https://e.example.org/2", "edited elsewhere")])
            .unwrap();
        assert_eq!(
            bodies(&store, &keys, None),
            ["second version", "edited elsewhere"]
        );
        // Answers look for other processes' writes once per index snapshot: the same snapshot
        // keeps quoting the versions it indexed, a new one sees the edit.
        let as_of = |stamp| bodies(&store, &keys, Some(stamp));
        assert_eq!(as_of(7), ["second version", "edited elsewhere"]);
        other
            .upsert_many(&[article("https://e.example.org/2", "edited again")])
            .unwrap();
        assert_eq!(as_of(7), ["second version", "edited elsewhere"]);
        assert_eq!(as_of(8), ["second version", "edited again"]);
    }

    #[test]
    fn the_cache_keeps_to_its_budget() {
        let store = ArticleStore::open_in_memory().unwrap();
        let many: Vec<Article> = (0..50)
            .map(|i| article(&format!("https://e.example.org/{i}"), &"word ".repeat(200)))
            .collect();
        let keys: Vec<i64> = store
            .upsert_many(&many)
            .unwrap()
            .iter()
            .map(|u| u.key)
            .collect();
        let one = ArticleCache::size(&store.get_many(&keys[49..]).unwrap()[0]); // as long as keys 10..50
        store.set_cache_bytes(one * 10);
        assert_eq!(store.get_many(&keys).unwrap().len(), 50);
        let cache = store.cache();
        assert_eq!(cache.entries.len(), 10);
        assert!(cache.bytes <= one * 10);
        // The most recently read stay.
        assert!(cache.entries.contains(&keys[49]));
        assert!(!cache.entries.contains(&keys[0]));
    }
}
