//! The tantivy side: schema and analyzer, the on-disk generations of the index, the one writer
//! task, readers, and passage search.
//!
//! On disk, `data_dir` holds `CURRENT` (the name of the live generation) and one directory per
//! generation (`tantivy-N`). A rebuild writes `tantivy-N.building`, commits it, renames it and only
//! then replaces `CURRENT` (write-to-temp + rename, so the switch is atomic). Whatever is killed
//! mid-way, `CURRENT` names a complete index; leftovers are deleted on the next open.
//!
//! Architecture Invariant: exactly one thread owns the `IndexWriter` (the writer task started by
//! [`SearchIndex::open`]); everything else sends it messages. Searches never wait for it.

pub mod passage;
pub mod query;
mod stem;

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, RwLock};

use tantivy::collector::TopDocs;
use tantivy::columnar::Column;
use tantivy::directory::MmapDirectory;
use tantivy::index::SegmentId;
use tantivy::schema::{
    DateOptions, FAST, INDEXED, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing,
    TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};
use tantivy::{
    DateTime as TDateTime, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term,
};
use tokio::sync::oneshot;

use crate::store::{ArticleStore, StoredArticle};
pub use query::{Aliases, Plan, SearchFilters};

const ANALYZER: &str = "talkwatch_en";
const RAW_LOWER: &str = "talkwatch_raw";
const CURRENT: &str = "CURRENT";
const GEN_PREFIX: &str = "tantivy-";
const BUILDING: &str = ".building";
const WRITER_HEAP: usize = 64 * 1024 * 1024;
const REBUILD_HEAP: usize = 192 * 1024 * 1024;

/// Handles to the schema's fields.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub article: tantivy::schema::Field,
    pub start: tantivy::schema::Field,
    pub end: tantivy::schema::Field,
    pub text: tantivy::schema::Field,
    pub title: tantivy::schema::Field,
    pub published: tantivy::schema::Field,
    pub source: tantivy::schema::Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text_opts = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let raw_opts = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(RAW_LOWER)
            .set_index_option(IndexRecordOption::Basic),
    );
    let u64_fast_indexed = NumericOptions::default().set_fast().set_indexed();
    let fields = Fields {
        article: b.add_u64_field("article", u64_fast_indexed),
        start: b.add_u64_field("start", FAST),
        end: b.add_u64_field("end", FAST),
        text: b.add_text_field("text", text_opts.clone()),
        title: b.add_text_field("title", text_opts),
        published: b.add_date_field("published", DateOptions::from(INDEXED).set_fast()),
        source: b.add_text_field("source", raw_opts),
    };
    (b.build(), fields)
}

/// The English analyzer used for passages, titles, questions and highlighting alike:
/// words → lowercase → ASCII folding (Erdoğan = Erdogan) → stop words → Snowball stemming
/// (memoized per thread, see [`stem`]).
pub fn analyzer() -> TextAnalyzer {
    static PROTOTYPE: std::sync::OnceLock<TextAnalyzer> = std::sync::OnceLock::new();
    PROTOTYPE
        .get_or_init(|| {
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .filter(stem::StopAndStem)
                .build()
        })
        .clone()
}

fn register_tokenizers(index: &Index) {
    index.tokenizers().register(ANALYZER, analyzer());
    index.tokenizers().register(
        RAW_LOWER,
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .build(),
    );
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
    #[error("reindex failed: {0}")]
    Rebuild(String),
}

/// One generation of the index, open for reading.
struct Live {
    index: Index,
    reader: IndexReader,
    dir: PathBuf,
    /// Opened fast-field columns per segment. Opening a column reads its footer and looks the
    /// field up by name, which cost ~0.2 ms per question over a handful of segments; segments
    /// are immutable, so their columns are opened once.
    columns: Mutex<HashMap<SegmentId, Arc<PassageColumns>>>,
}

impl Live {
    /// The columns of every segment of `searcher`, in segment order; segments that left the
    /// index (merged away) are dropped from the cache.
    fn columns(
        &self,
        searcher: &tantivy::Searcher,
    ) -> Result<Vec<Arc<PassageColumns>>, SearchError> {
        let mut cache = self.columns.lock().expect("columns lock");
        let mut out = Vec::with_capacity(searcher.segment_readers().len());
        for reader in searcher.segment_readers() {
            let id = reader.segment_id();
            let cols = match cache.get(&id) {
                Some(c) => c.clone(),
                None => {
                    let ff = reader.fast_fields();
                    let c = Arc::new((ff.u64("article")?, ff.u64("start")?, ff.u64("end")?));
                    cache.insert(id, c.clone());
                    c
                }
            };
            out.push(cols);
        }
        if cache.len() > out.len() {
            let live: HashSet<SegmentId> = searcher
                .segment_readers()
                .iter()
                .map(|r| r.segment_id())
                .collect();
            cache.retain(|id, _| live.contains(id));
        }
        Ok(out)
    }
}

/// Fast-field columns of one segment: article key, passage start, passage end.
type PassageColumns = (Column<u64>, Column<u64>, Column<u64>);

/// Article key and byte range of the passage at `addr`, from its segment's columns.
fn passage_at(
    columns: &[Arc<PassageColumns>],
    addr: tantivy::DocAddress,
) -> Option<(i64, Range<usize>)> {
    let (article, start, end) = &*columns[addr.segment_ord as usize];
    Some((
        article.first(addr.doc_id)? as i64,
        start.first(addr.doc_id)? as usize..end.first(addr.doc_id)? as usize,
    ))
}

/// A passage hit before it is joined with its article.
#[derive(Debug, Clone)]
pub struct PassageHit {
    pub article: i64,
    pub range: Range<usize>,
    pub score: f32,
}

/// Progress of a rebuild, reported every few hundred articles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildProgress {
    pub done: u64,
    pub total: u64,
}

pub type ProgressFn = Arc<dyn Fn(RebuildProgress) + Send + Sync>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildReport {
    pub articles: u64,
    pub passages: u64,
}

enum WriterMsg {
    Index {
        articles: Vec<StoredArticle>,
        reply: oneshot::Sender<Result<u64, SearchError>>,
    },
    Rebuild {
        store: Arc<ArticleStore>,
        progress: ProgressFn,
        reply: oneshot::Sender<Result<RebuildReport, SearchError>>,
    },
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

    /// Best passages for a query, at most `limit` of them, best first.
    pub fn top_passages(
        &self,
        query: &dyn tantivy::query::Query,
        limit: usize,
    ) -> Result<Vec<PassageHit>, SearchError> {
        let live = self.live.read().expect("live lock").clone();
        let searcher = live.reader.searcher();
        let top = searcher.search(query, &TopDocs::with_limit(limit).order_by_score())?;
        let columns = live.columns(&searcher)?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            if let Some((article, range)) = passage_at(&columns, addr) {
                hits.push(PassageHit {
                    article,
                    range,
                    score,
                });
            }
        }
        Ok(hits)
    }

    /// Byte ranges of every indexed passage of `article`, in article order: what
    /// [`passage::split`] cut at ingest time, read back instead of finding sentences again.
    pub fn passage_ranges(&self, article: i64) -> Result<Vec<Range<usize>>, SearchError> {
        let live = self.live.read().expect("live lock").clone();
        let searcher = live.reader.searcher();
        let term = Term::from_field_u64(self.fields.article, article as u64);
        let query = tantivy::query::TermQuery::new(term, IndexRecordOption::Basic);
        let docs = searcher.search(&query, &tantivy::collector::DocSetCollector)?;
        let columns = live.columns(&searcher)?;
        let mut ranges: Vec<Range<usize>> = docs
            .into_iter()
            .filter_map(|addr| passage_at(&columns, addr).map(|(_, range)| range))
            .collect();
        ranges.sort_by_key(|r| r.start);
        Ok(ranges)
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

fn create_index(dir: &Path) -> Result<Index, SearchError> {
    let (schema, _) = schema();
    let index = Index::create_in_dir(dir, schema)?;
    register_tokenizers(&index);
    Ok(index)
}

fn open_live(dir: &Path) -> Result<Live, SearchError> {
    let index = Index::open(MmapDirectory::open(dir).map_err(tantivy::TantivyError::from)?)?;
    register_tokenizers(&index);
    // Picks up commits made by another process too; our own commits reload explicitly.
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::OnCommitWithDelay)
        .try_into()?;
    Ok(Live {
        index,
        reader,
        dir: dir.to_path_buf(),
        columns: Mutex::new(HashMap::new()),
    })
}

fn open_writer(index: &Index, heap: usize) -> Result<IndexWriter, SearchError> {
    index.writer(heap).map_err(|e| match e {
        tantivy::TantivyError::LockFailure(..) => SearchError::Locked,
        other => SearchError::Tantivy(other),
    })
}

fn set_current(data_dir: &Path, gen_dir: &Path) -> Result<(), SearchError> {
    let name = gen_dir
        .file_name()
        .expect("generation dirs have names")
        .to_string_lossy()
        .into_owned();
    let tmp = data_dir.join(format!("{CURRENT}.tmp"));
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(name.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, data_dir.join(CURRENT))?;
    if let Ok(d) = std::fs::File::open(data_dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Deletes half-built and superseded generations (after a crash or a finished rebuild).
fn remove_stale_generations(data_dir: &Path, current: &Path) {
    let Ok(entries) = std::fs::read_dir(data_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(GEN_PREFIX) && path != current && path.is_dir() {
            match std::fs::remove_dir_all(&path) {
                Ok(()) => tracing::info!(dir = %path.display(), "removed stale index generation"),
                Err(e) => {
                    tracing::warn!(dir = %path.display(), error = %e, "cannot remove stale index generation")
                }
            }
        }
    }
}

fn next_generation(data_dir: &Path) -> u64 {
    std::fs::read_dir(data_dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.strip_prefix(GEN_PREFIX)?
                        .trim_end_matches(BUILDING)
                        .parse::<u64>()
                        .ok()
                })
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0)
        + 1
}

/// Passages of an article as tantivy documents.
fn documents(fields: &Fields, stored: &StoredArticle) -> Vec<TantivyDocument> {
    let a = &stored.article;
    let published = TDateTime::from_timestamp_secs(a.published.timestamp());
    passage::split(&a.body)
        .into_iter()
        .map(|range| {
            let mut doc = TantivyDocument::default();
            doc.add_u64(fields.article, stored.key as u64);
            doc.add_u64(fields.start, range.start as u64);
            doc.add_u64(fields.end, range.end as u64);
            doc.add_text(fields.text, &a.body[range]);
            doc.add_text(fields.title, &a.title);
            doc.add_date(fields.published, published);
            doc.add_text(fields.source, &a.source);
            doc
        })
        .collect()
}

struct WriterTask {
    writer: IndexWriter,
    fields: Fields,
    live: Arc<RwLock<Arc<Live>>>,
    data_dir: PathBuf,
    rebuilding: Arc<AtomicBool>,
}

impl WriterTask {
    fn run(mut self, rx: mpsc::Receiver<WriterMsg>) {
        while let Ok(msg) = rx.recv() {
            match msg {
                WriterMsg::Index { articles, reply } => {
                    let _ = reply.send(self.index(&articles));
                }
                WriterMsg::Rebuild {
                    store,
                    progress,
                    reply,
                } => {
                    let result = self.rebuild(&store, &progress);
                    self.rebuilding.store(false, Ordering::SeqCst);
                    let _ = reply.send(result);
                }
            }
        }
        // All senders gone: commit whatever is pending so nothing is lost at shutdown.
        let _ = self.writer.commit();
        let _ = self.writer.wait_merging_threads();
    }

    fn index(&mut self, articles: &[StoredArticle]) -> Result<u64, SearchError> {
        let mut passages = 0;
        for stored in articles {
            self.writer
                .delete_term(Term::from_field_u64(self.fields.article, stored.key as u64));
            for doc in documents(&self.fields, stored) {
                self.writer.add_document(doc)?;
                passages += 1;
            }
        }
        self.writer.commit()?;
        self.live.read().expect("live lock").reader.reload()?;
        Ok(passages)
    }

    fn rebuild(
        &mut self,
        store: &ArticleStore,
        progress: &ProgressFn,
    ) -> Result<RebuildReport, SearchError> {
        let started = std::time::Instant::now();
        let generation = next_generation(&self.data_dir);
        let building = self
            .data_dir
            .join(format!("{GEN_PREFIX}{generation}{BUILDING}"));
        let final_dir = self.data_dir.join(format!("{GEN_PREFIX}{generation}"));
        std::fs::create_dir_all(&building)?;
        let result = (|| -> Result<RebuildReport, SearchError> {
            let index = create_index(&building)?;
            let mut writer = open_writer(&index, REBUILD_HEAP)?;
            let total = store.count()?;
            let mut report = RebuildReport {
                articles: 0,
                passages: 0,
            };
            let mut failure = None;
            progress(RebuildProgress { done: 0, total });
            store.for_each(500, |batch| {
                for stored in &batch {
                    for doc in documents(&self.fields, stored) {
                        if let Err(e) = writer.add_document(doc) {
                            failure = Some(e);
                            return false;
                        }
                        report.passages += 1;
                    }
                }
                report.articles += batch.len() as u64;
                progress(RebuildProgress {
                    done: report.articles,
                    total,
                });
                true
            })?;
            if let Some(e) = failure {
                return Err(e.into());
            }
            writer.commit()?;
            writer.wait_merging_threads()?;
            Ok(report)
        })();
        let report = match result {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&building);
                return Err(SearchError::Rebuild(e.to_string()));
            }
        };
        std::fs::rename(&building, &final_dir)?;
        let new_live = open_live(&final_dir)?;
        let new_writer = open_writer(&new_live.index, WRITER_HEAP)?;
        set_current(&self.data_dir, &final_dir)?;
        let old_dir = {
            let mut live = self.live.write().expect("live lock");
            let old = std::mem::replace(&mut *live, Arc::new(new_live));
            old.dir.clone()
        };
        let old_writer = std::mem::replace(&mut self.writer, new_writer);
        drop(old_writer);
        // Readers still holding the old generation keep their mmaps; unlinking is safe on Unix.
        if let Err(e) = std::fs::remove_dir_all(&old_dir) {
            tracing::warn!(dir = %old_dir.display(), error = %e, "cannot remove old index generation");
        }
        tracing::info!(
            articles = report.articles,
            passages = report.passages,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "index rebuilt"
        );
        Ok(report)
    }
}

/// Analyzed tokens of `text`, for coverage checks.
pub fn token_set(analyzer: &mut TextAnalyzer, text: &str) -> HashSet<String> {
    passage::tokens(analyzer, text)
        .into_iter()
        .map(|t| t.text)
        .collect()
}
