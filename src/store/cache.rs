//! The decoded-article cache in front of SQLite.

use std::sync::Arc;

use super::StoredArticle;

/// The articles answers quoted lately, decoded, least recently used dropped first, up to a byte
/// budget. Reading an article from SQLite (B-tree pages, copying and checking its text, its
/// tags' JSON) was a quarter of a question's time; a bot is asked about the same few stories
/// over and over. Entries are dropped when this process changes the article and all of them
/// when another process has written to the store since (SQLite's `data_version`).
pub(super) struct ArticleCache {
    pub(super) entries: lru::LruCache<i64, Arc<StoredArticle>>,
    pub(super) bytes: usize,
    pub(super) budget: usize,
    data_version: Option<i64>,
    /// The index snapshot `data_version` was last read for.
    pub(super) checked_at: Option<u64>,
}

impl ArticleCache {
    pub(super) fn new(budget: usize) -> ArticleCache {
        ArticleCache {
            entries: lru::LruCache::unbounded(),
            bytes: 0,
            budget,
            data_version: None,
            checked_at: None,
        }
    }

    /// Rough memory an article takes here.
    pub(super) fn size(article: &StoredArticle) -> usize {
        let a = &article.article;
        std::mem::size_of::<StoredArticle>()
            + a.url.len()
            + a.title.len()
            + a.source.len()
            + a.body.len()
            + a.tags.iter().map(|t| t.len() + 24).sum::<usize>()
    }

    pub(super) fn check_version(&mut self, version: i64) {
        if self.data_version != Some(version) {
            self.entries.clear();
            self.bytes = 0;
            self.data_version = Some(version);
        }
    }

    pub(super) fn get(&mut self, key: i64) -> Option<Arc<StoredArticle>> {
        self.entries.get(&key).cloned()
    }

    pub(super) fn put(&mut self, article: Arc<StoredArticle>) {
        let size = Self::size(&article);
        if size > self.budget {
            return;
        }
        while self.bytes + size > self.budget {
            match self.entries.pop_lru() {
                Some((_, old)) => self.bytes -= Self::size(&old),
                None => break,
            }
        }
        if let Some(old) = self.entries.put(article.key, article) {
            self.bytes -= Self::size(&old);
        }
        self.bytes += size;
    }

    pub(super) fn forget(&mut self, key: i64) {
        if let Some(old) = self.entries.pop(&key) {
            self.bytes -= Self::size(&old);
        }
    }
}
