//! The tantivy side: one index of passages, written by one task, read through snapshots.
//!
//! - `schema`: the fields, the analyzer (lowercase, ASCII folding, stop words, Snowball stemming
//!   memoized per thread in `stem`) and how an article becomes documents: one per passage, the
//!   lead passage also carrying the headline (after its own words) and the whole article (`lead`,
//!   `body`: frequencies, no positions).
//! - `generation`: the generations on disk. `data_dir` holds `CURRENT` (the name of the live
//!   generation) and one directory per generation (`tantivy-N`). A rebuild writes
//!   `tantivy-N.building`, commits it, renames it and only then replaces `CURRENT`
//!   (write-to-temp + rename, so the switch is atomic). Whatever is killed mid-way, `CURRENT`
//!   names a complete index; leftovers are deleted on the next open.
//! - `writer`: the writer task. An article's documents are written as one batch (the old version
//!   deleted in the same batch), so they lie together, lead first, in one segment: a candidate
//!   passage finds its article's lead by walking back. A rebuild ends merged into one segment.
//! - `read`: a [`Snapshot`] (one searcher: top passages, an article's passages) and a
//!   [`TermLookup`] (a question's terms looked up once per segment: document frequencies for
//!   planning; which terms, at which positions, each candidate passage and its title hold, read
//!   from the postings; BM25 of candidate articles as a whole).
//! - `query` plans a question into a tantivy query; `passage` cuts articles into passages and
//!   chooses quotes.
//!
//! Architecture Invariant: exactly one thread owns the `IndexWriter` (the writer task started by
//! [`SearchIndex::open`]); everything else sends it messages. Searches never wait for it.
//!
//! An index without the article-level fields (an older version's) still answers, by passages
//! alone; the engine rebuilds it when it opens it for writing.

mod columns;
mod generation;
pub mod passage;
pub mod query;
mod read;
mod schema;
mod stem;
mod top;
mod writer;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, RwLock};

use tokio::sync::oneshot;

use crate::store::{ArticleStore, StoredArticle};
pub use columns::Dating;
#[cfg(test)]
pub(crate) use generation::install_previous_format;
use generation::{
    CURRENT, GEN_PREFIX, Live, create_index, open_live, open_writer, remove_stale_generations,
    set_current,
};
pub use query::{Aliases, Plan, SearchFilters};
pub use read::{PassageHit, PassageTerms, Snapshot, TermLookup};
pub(crate) use schema::schema;
pub use schema::{Fields, analyzer};
pub use writer::{ProgressFn, RebuildProgress, RebuildReport};
use writer::{WRITER_HEAP, WriterMsg, WriterTask};

/// BM25's inverse document frequency (as Lucene and tantivy compute it) of a term found in `df`
/// of `n` documents: passages when questions are planned, articles when they are scored whole.
pub(crate) fn idf(n: f32, df: f32) -> f32 {
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index: {0}")]
    Io(#[from] std::io::Error),
    #[error(
        "the index is locked by another talkwatch process (is `talkwatch run` running?); stop it or send the command through it"
    )]
    Locked,
    #[error("a reindex is already running")]
    ReindexRunning,
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
    #[error("the index writer stopped unexpectedly")]
    WriterGone,
    #[error("reindex failed")]
    Rebuild(#[source] Box<SearchError>),
}

/// The search index of one `data_dir`.
pub struct SearchIndex {
    fields: Fields,
    live: Arc<RwLock<Arc<Live>>>,
    writer: Option<mpsc::Sender<WriterMsg>>,
    rebuilding: Arc<AtomicBool>,
}

impl SearchIndex {
    /// Opens (or creates) the live generation. With `writable`, starts the writer task, which
    /// takes tantivy's directory lock; without, the index is read-only.
    pub fn open(data_dir: &Path, writable: bool) -> Result<SearchIndex, SearchError> {
        std::fs::create_dir_all(data_dir)?;
        let (_, fields) = schema();
        let current = match std::fs::read_to_string(data_dir.join(CURRENT)) {
            Ok(name) if data_dir.join(name.trim()).is_dir() => data_dir.join(name.trim()),
            _ => {
                let dir = data_dir.join(format!("{GEN_PREFIX}1"));
                std::fs::create_dir_all(&dir)?;
                create_index(&dir)?;
                set_current(data_dir, &dir)?;
                dir
            }
        };
        if writable {
            remove_stale_generations(data_dir, &current);
        }
        let live = open_live(&current)?;
        let live = Arc::new(RwLock::new(Arc::new(live)));
        let rebuilding = Arc::new(AtomicBool::new(false));
        let writer = if writable {
            let index = live.read().expect("live lock").index.clone();
            let writer = open_writer(&index, WRITER_HEAP)?;
            let (tx, rx) = mpsc::channel();
            let task = WriterTask {
                writer,
                fields,
                live: live.clone(),
                data_dir: data_dir.to_path_buf(),
                rebuilding: rebuilding.clone(),
            };
            std::thread::Builder::new()
                .name("index-writer".into())
                .spawn(move || task.run(rx))?;
            Some(tx)
        } else {
            None
        };
        Ok(SearchIndex {
            fields,
            live,
            writer,
            rebuilding,
        })
    }

    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    pub fn searcher(&self) -> tantivy::Searcher {
        self.live.read().expect("live lock").reader.searcher()
    }

    /// False when another process holds the writer lock and this one only reads.
    pub fn is_writable(&self) -> bool {
        self.writer.is_some()
    }

    pub fn is_rebuilding(&self) -> bool {
        self.rebuilding.load(Ordering::SeqCst)
    }

    /// Replaces the passages of these articles (delete by key, add, commit).
    pub async fn index(&self, articles: Vec<StoredArticle>) -> Result<u64, SearchError> {
        let (reply, rx) = oneshot::channel();
        self.send(WriterMsg::Index { articles, reply })?;
        rx.await.map_err(|_| SearchError::WriterGone)?
    }

    /// Rebuilds the whole index from the store into a new generation and switches to it. The old
    /// generation keeps answering until the switch.
    pub async fn rebuild(
        &self,
        store: Arc<ArticleStore>,
        progress: ProgressFn,
    ) -> Result<RebuildReport, SearchError> {
        if self.rebuilding.swap(true, Ordering::SeqCst) {
            return Err(SearchError::ReindexRunning);
        }
        let (reply, rx) = oneshot::channel();
        if let Err(e) = self.send(WriterMsg::Rebuild {
            store,
            progress,
            reply,
        }) {
            self.rebuilding.store(false, Ordering::SeqCst);
            return Err(e);
        }
        rx.await.map_err(|_| SearchError::WriterGone)?
    }

    fn send(&self, msg: WriterMsg) -> Result<(), SearchError> {
        self.writer
            .as_ref()
            .ok_or(SearchError::Locked)?
            .send(msg)
            .map_err(|_| SearchError::WriterGone)
    }

    /// A consistent view of the live generation for answering one question.
    pub fn snapshot(&self) -> Result<Snapshot, SearchError> {
        let live = self.live.read().expect("live lock").clone();
        let searcher = live.reader.searcher();
        let columns = live.columns(&searcher)?;
        Ok(Snapshot {
            article_level: live.article_level,
            searcher,
            columns,
            fields: self.fields,
        })
    }

    /// False when the live generation was built by an older version (see [`Snapshot`]); the
    /// engine rebuilds it at start.
    pub fn is_current_format(&self) -> bool {
        self.live.read().expect("live lock").article_level
    }

    /// Number of passages in the live generation.
    pub fn passages(&self) -> u64 {
        self.searcher().num_docs()
    }

    /// Bytes on disk of the live generation.
    pub fn size_on_disk(&self) -> u64 {
        let dir = self.live.read().expect("live lock").dir.clone();
        dir_size(&dir)
    }
}

/// Bytes of all files under `dir` (0 for what cannot be read).
pub fn dir_size(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Article;
    use std::ops::Range;

    #[tokio::test]
    async fn postings_give_the_tokens_that_analyzing_the_text_gives() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path(), true).unwrap();
        let body = "Ushakov said the proposals were studied. The talks, he added, would go on; \
                    Ushakov did not name a date.\n\nIn Ankara, Erdoğan offered to host further \
                    talks between the delegations, as he had in the spring.\n\nNothing else \
                    was agreed, and the next round of talks has not been scheduled by anyone \
                    involved, according to officials who spoke on condition of anonymity to \
                    reporters gathered outside the building late in the evening.";
        let title = "Ushakov: proposals studied";
        let article = Article {
            url: "https://example.org/talks".into(),
            title: title.into(),
            source: "example".into(),
            published: chrono::Utc::now(),
            published_estimated: false,
            tags: Vec::new(),
            body: body.into(),
        };
        index
            .index(vec![StoredArticle {
                key: 7,
                story: 7,
                article,
            }])
            .await
            .unwrap();
        let snapshot = index.snapshot().unwrap();
        let passages = snapshot.article_passages(7).unwrap();
        let ranges: Vec<Range<usize>> = passages.iter().map(|(_, r)| r.clone()).collect();
        assert_eq!(ranges, passage::split(body));
        assert!(ranges.len() >= 2, "{ranges:?}");

        let terms = ["ushakov", "propos", "talk", "erdogan", "date"];
        let addrs: Vec<tantivy::DocAddress> = passages.iter().map(|(a, _)| *a).collect();
        let found = snapshot
            .lookup()
            .passage_terms(&addrs, &terms, |_| true)
            .unwrap();
        let mut analyzer = analyzer();
        for (i, (range, f)) in ranges.iter().zip(&found).enumerate() {
            // The lead passage is indexed with the headline after it.
            let text = if i == 0 {
                format!("{}\n\n{title}", &body[range.clone()])
            } else {
                body[range.clone()].to_string()
            };
            let mut expected: Vec<(String, usize)> = passage::tokens(&mut analyzer, &text)
                .into_iter()
                .filter(|t| terms.contains(&&*t.text))
                .map(|t| (t.text.to_string(), t.position))
                .collect();
            let mut got: Vec<(String, usize)> = f
                .text
                .iter()
                .map(|t| (t.text.to_string(), t.position))
                .collect();
            expected.sort();
            got.sort();
            assert_eq!(got, expected, "{text}");
            let mut title = f.title.clone();
            title.sort();
            assert_eq!(title, ["propos", "ushakov"]);
        }
        assert!(found.iter().any(|f| f.in_text("erdogan")));
        // The headline's words sit after the lead passage's own words: mapped back onto the
        // passage text, only the passage's words are highlighted.
        let lead = &body[ranges[0].clone()];
        let mut positions: Vec<usize> = found[0].text.iter().map(|t| t.position).collect();
        positions.sort_unstable();
        let words: Vec<&str> = passage::word_ranges(lead, &positions)
            .into_iter()
            .map(|r| &lead[r])
            .collect();
        assert_eq!(
            words,
            [
                "Ushakov",
                "proposals",
                "talks",
                "Ushakov",
                "date",
                "Erdoğan",
                "talks"
            ]
        );
        assert!(found.iter().all(|f| !f.in_title("talk")));
    }

    fn article(n: usize, words: &str) -> Article {
        let body = (0..4)
            .map(|p| {
                format!(
                    "Paragraph {p} of story {n} is about {words}, and it goes on long enough to \
                     stand as a passage of its own in the index, past the shortest length a \
                     passage may have before it takes in the next paragraph's first sentences."
                )
            })
            .collect::<Vec<_>>()
            .join("\n\n");
        Article {
            url: format!("https://example.org/story/{n}"),
            title: format!("Story {n}"),
            source: "example".into(),
            published: chrono::Utc::now(),
            published_estimated: false,
            tags: Vec::new(),
            body,
        }
    }

    /// Every passage of every live article leads back to the article's own lead document.
    fn assert_leads_found(index: &SearchIndex, keys: &[i64]) {
        let snapshot = index.snapshot().unwrap();
        let lookup = snapshot.lookup();
        let norms = snapshot.body_norms().unwrap();
        for &key in keys {
            let passages = snapshot.article_passages(key).unwrap();
            assert!(passages.len() >= 3, "{passages:?}");
            let lead = passages[0].0;
            for (addr, _) in &passages {
                assert_eq!(
                    lookup.lead_near(key, *addr, &norms),
                    Some((lead.segment_ord as usize, lead.doc_id)),
                    "article {key}, passage {addr:?}"
                );
            }
        }
    }

    #[tokio::test]
    async fn equal_scores_come_in_article_order_whatever_order_they_were_written_in() {
        // Twelve articles whose passages all score alike; written in two orders, the index puts
        // them at different places, and the best three must still be the same three.
        let same = |n: i64| StoredArticle {
            key: n,
            story: n,
            article: Article {
                url: format!("https://example.org/copy/{n}"),
                title: "Copy".into(),
                body: "The harbour talks resumed on Monday.".into(),
                ..article(0, "")
            },
        };
        let mut found = Vec::new();
        for order in [(1..=12).collect::<Vec<i64>>(), (1..=12).rev().collect()] {
            let dir = tempfile::tempdir().unwrap();
            let index = SearchIndex::open(&dir.path().join("index"), true).unwrap();
            for n in order {
                index.index(vec![same(n)]).await.unwrap();
            }
            let snapshot = index.snapshot().unwrap();
            let query = tantivy::query::TermQuery::new(
                tantivy::Term::from_field_text(index.fields().text, "harbour"),
                tantivy::schema::IndexRecordOption::WithFreqs,
            );
            let top = snapshot.top_passages(&query, 3).unwrap();
            found.push(top.iter().map(|h| h.article).collect::<Vec<_>>());
        }
        assert_eq!(found[0], [1, 2, 3]);
        assert_eq!(found[1], [1, 2, 3]);
    }

    #[tokio::test]
    async fn a_short_top_is_the_head_of_the_whole_ranking() {
        // Forty articles in four score levels (ten ties each), written in a shuffled order: the
        // best seven, searched for alone, are the first seven of every passage ranked, and the
        // ties among them come in article order.
        let index_dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(&index_dir.path().join("index"), true).unwrap();
        let body = |n: i64| "harbour ".repeat(1 + (n % 4) as usize) + "talks resumed.";
        for n in (1..=40).map(|i| (i * 17) % 41) {
            index
                .index(vec![StoredArticle {
                    key: n,
                    story: n,
                    article: Article {
                        url: format!("https://example.org/level/{n}"),
                        title: "Level".into(),
                        body: body(n),
                        ..article(0, "")
                    },
                }])
                .await
                .unwrap();
        }
        let snapshot = index.snapshot().unwrap();
        let query = tantivy::query::TermQuery::new(
            tantivy::Term::from_field_text(index.fields().text, "harbour"),
            tantivy::schema::IndexRecordOption::WithFreqs,
        );
        let top = |n: usize| -> Vec<i64> {
            let hits = snapshot.top_passages(&query, n).unwrap();
            hits.iter().map(|h| h.article).collect()
        };
        let all = top(100);
        assert_eq!(all.len(), 40);
        assert_eq!(all[..7], [3, 7, 11, 15, 19, 23, 27]);
        assert_eq!(top(7), all[..7]);
    }

    #[tokio::test]
    async fn articles_are_written_together_and_a_rebuild_leaves_one_segment() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(&dir.path().join("index"), true).unwrap();
        let store = Arc::new(ArticleStore::open_in_memory().unwrap());
        let first: Vec<Article> = (1..=3).map(|n| article(n, "the harbour talks")).collect();
        let keys: Vec<i64> = store
            .upsert_many(&first)
            .unwrap()
            .into_iter()
            .map(|u| u.key)
            .collect();
        let stored = |a: &[Article]| -> Vec<StoredArticle> {
            keys.iter()
                .zip(a)
                .map(|(&key, article)| StoredArticle {
                    key,
                    story: key,
                    article: article.clone(),
                })
                .collect()
        };
        index.index(stored(&first)).await.unwrap();
        // The second story changes: its old documents go, the new ones are written together.
        let changed = vec![
            first[0].clone(),
            article(2, "a grain corridor"),
            first[2].clone(),
        ];
        store.upsert_many(&changed[1..2]).unwrap();
        index.index(stored(&changed)[1..2].to_vec()).await.unwrap();
        assert_leads_found(&index, &keys);

        let report = index
            .rebuild(store.clone(), Arc::new(|_| {}))
            .await
            .unwrap();
        assert_eq!(report.articles, 3);
        assert_eq!(
            index.snapshot().unwrap().searcher().segment_readers().len(),
            1
        );
        assert_leads_found(&index, &keys);
        let snapshot = index.snapshot().unwrap();
        let passages = snapshot.article_passages(keys[1]).unwrap();
        let found = snapshot
            .lookup()
            .passage_terms(&[passages[0].0], &["corridor", "harbour"], |_| false)
            .unwrap();
        assert!(found[0].in_text("corridor") && !found[0].in_text("harbour"));
    }
}
