//! Watches (words a room or channel wants alerts for) and the alerts already sent.

use chrono::Utc;

use super::{ArticleStore, StoreError};

/// Words a room or channel wants alerts for.
#[derive(Debug, Clone, PartialEq)]
pub struct Watch {
    pub id: i64,
    pub platform: String,
    pub place: String,
    pub words: String,
    pub created_by: String,
}

impl ArticleStore {
    /// Adds a watch; false when the place already watches these words.
    pub fn add_watch(
        &self,
        platform: &str,
        place: &str,
        words: &str,
        by: &str,
    ) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "INSERT OR IGNORE INTO watches (platform, place, words, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![platform, place, words, by, Utc::now().timestamp()],
        )?;
        Ok(n > 0)
    }

    /// Removes a place's watch of these words (case-insensitive); false when there was none.
    pub fn remove_watch(
        &self,
        platform: &str,
        place: &str,
        words: &str,
    ) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "DELETE FROM watches WHERE platform = ?1 AND place = ?2 AND lower(words) = lower(?3)",
            rusqlite::params![platform, place, words],
        )?;
        Ok(n > 0)
    }

    pub fn watches_of(&self, platform: &str, place: &str) -> Result<Vec<Watch>, StoreError> {
        self.query_watches(
            "WHERE platform = ?1 AND place = ?2",
            rusqlite::params![platform, place],
        )
    }

    pub fn all_watches(&self) -> Result<Vec<Watch>, StoreError> {
        self.query_watches("", [])
    }

    fn query_watches(
        &self,
        filter: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Watch>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT id, platform, place, words, created_by FROM watches {filter} ORDER BY id"
        ))?;
        let rows = stmt.query_map(params, |r| {
            Ok(Watch {
                id: r.get(0)?,
                platform: r.get(1)?,
                place: r.get(2)?,
                words: r.get(3)?,
                created_by: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records that a watch alerted about an article; false if it already had.
    pub fn mark_alerted(&self, watch: i64, url: &str) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "INSERT OR IGNORE INTO alerts_sent (watch, url) VALUES (?1, ?2)",
            rusqlite::params![watch, url],
        )?;
        Ok(n > 0)
    }
}
