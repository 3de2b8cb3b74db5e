//! Feeds to poll and what each has delivered: settings, poll history, the items already seen.

use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use super::{ArticleStore, StoreError, ts};

/// A feed to poll, as stored (config feeds are copied in at start).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedRecord {
    pub name: String,
    pub url: String,
    pub interval_secs: u64,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub from_config: bool,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_poll: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub failing_since: Option<DateTime<Utc>>,
    pub failures: u32,
}

impl ArticleStore {
    /// Adds or replaces a feed's settings, keeping its poll history.
    pub fn put_feed(&self, feed: &FeedRecord) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO feeds (name, url, interval_secs, include, exclude, from_config)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(name) DO UPDATE SET url = excluded.url, interval_secs = excluded.interval_secs,
               include = excluded.include, exclude = excluded.exclude, from_config = excluded.from_config",
            rusqlite::params![
                feed.name,
                feed.url,
                feed.interval_secs as i64,
                serde_json::to_string(&feed.include).unwrap_or_default(),
                serde_json::to_string(&feed.exclude).unwrap_or_default(),
                feed.from_config,
            ],
        )?;
        Ok(())
    }

    /// Removes a feed by name (case-insensitive); its articles stay. True if it existed.
    pub fn remove_feed(&self, name: &str) -> Result<bool, StoreError> {
        let conn = self.conn();
        let n = conn.execute("DELETE FROM feeds WHERE lower(name) = lower(?1)", [name])?;
        conn.execute(
            "DELETE FROM feed_items WHERE lower(feed) = lower(?1)",
            [name],
        )?;
        Ok(n > 0)
    }

    pub fn feeds(&self) -> Result<Vec<FeedRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT name, url, interval_secs, include, exclude, from_config, etag, last_modified,
                    last_poll, last_success, last_error, failing_since, failures
             FROM feeds ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| {
            let list = |s: String| serde_json::from_str::<Vec<String>>(&s).unwrap_or_default();
            Ok(FeedRecord {
                name: r.get(0)?,
                url: r.get(1)?,
                interval_secs: r.get::<_, i64>(2)? as u64,
                include: list(r.get(3)?),
                exclude: list(r.get(4)?),
                from_config: r.get(5)?,
                etag: r.get(6)?,
                last_modified: r.get(7)?,
                last_poll: r.get::<_, Option<i64>>(8)?.map(ts),
                last_success: r.get::<_, Option<i64>>(9)?.map(ts),
                last_error: r.get(10)?,
                failing_since: r.get::<_, Option<i64>>(11)?.map(ts),
                failures: r.get::<_, i64>(12)? as u32,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records a successful poll (with the validators for the next conditional GET).
    pub fn feed_ok(
        &self,
        name: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = Utc::now().timestamp();
        self.conn().execute(
            "UPDATE feeds SET last_poll = ?2, last_success = ?2, last_error = NULL, failing_since = NULL,
               failures = 0, etag = COALESCE(?3, etag), last_modified = COALESCE(?4, last_modified)
             WHERE name = ?1",
            rusqlite::params![name, now, etag, last_modified],
        )?;
        Ok(())
    }

    /// Records a failed poll; returns how many polls in a row have failed.
    pub fn feed_failed(&self, name: &str, error: &str) -> Result<u32, StoreError> {
        let now = Utc::now().timestamp();
        let conn = self.conn();
        conn.execute(
            "UPDATE feeds SET last_poll = ?2, last_error = ?3, failing_since = COALESCE(failing_since, ?2),
               failures = failures + 1 WHERE name = ?1",
            rusqlite::params![name, now, error],
        )?;
        Ok(conn
            .query_row("SELECT failures FROM feeds WHERE name = ?1", [name], |r| {
                r.get::<_, i64>(0)
            })
            .optional()?
            .unwrap_or(0) as u32)
    }

    /// Whether an item was seen before: by GUID in this feed, by canonical URL, or by title and
    /// date. A feed that re-publishes items or changes their GUIDs creates no duplicates.
    pub fn feed_item_known(
        &self,
        feed: &str,
        guid: &str,
        url: Option<&str>,
        title: &str,
        published: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError> {
        let conn = self.conn();
        let by_guid = conn
            .prepare_cached("SELECT 1 FROM feed_items WHERE feed = ?1 AND guid = ?2")?
            .exists(rusqlite::params![feed, guid])?;
        if by_guid {
            return Ok(true);
        }
        if let Some(url) = url {
            let seen = conn
                .prepare_cached("SELECT 1 FROM articles WHERE url = ?1")?
                .exists([url])?
                || conn
                    .prepare_cached("SELECT 1 FROM feed_items WHERE url = ?1")?
                    .exists([url])?;
            if seen {
                return Ok(true);
            }
        }
        if let Some(published) = published
            && !title.is_empty()
        {
            return Ok(conn
                .prepare_cached("SELECT 1 FROM articles WHERE title = ?1 AND published = ?2")?
                .exists(rusqlite::params![title, published.timestamp()])?);
        }
        Ok(false)
    }

    /// Remembers items of a feed (GUID and URL) so they are never taken again.
    pub fn remember_feed_items(
        &self,
        feed: &str,
        items: &[(String, String)],
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO feed_items (feed, guid, url) VALUES (?1, ?2, ?3)",
            )?;
            for (guid, url) in items {
                insert.execute(rusqlite::params![feed, guid, url])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}
