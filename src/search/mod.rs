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
//!
//! One tantivy document per passage; the lead passage also carries the headline (after its own
//! words) and the whole article (`lead`, `body`: frequencies, no positions). An article's documents
//! are written as one batch (the old version deleted in the same batch), so they lie together, lead
//! first, in one segment: a candidate passage finds its article's lead by walking back. A rebuild
//! ends merged into one segment. An index without those fields (an older version's) still answers,
//! by passages alone; the engine rebuilds it when it opens it for writing.
//!
//! The read side is a [`Snapshot`] (one searcher: top passages, an article's passages) and a
//! [`TermLookup`] (a question's terms looked up once per segment: document frequencies for
//! planning; which terms, at which positions, each candidate passage and its title hold, read from
//! the postings; BM25 of candidate articles as a whole). The analyzer: lowercase, ASCII folding,
//! stop words and Snowball stemming (`stem.rs`, one filter with a per-thread memo).

pub mod passage;
pub mod query;
mod stem;

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, RwLock};

use rustc_hash::FxHashMap;
use tantivy::DocSet as _;
use tantivy::collector::TopDocs;
use tantivy::columnar::Column;
use tantivy::directory::MmapDirectory;
use tantivy::index::SegmentId;
use tantivy::indexer::UserOperation;
use tantivy::postings::{Postings as _, TermInfo};
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
    /// On an article's lead passage only: the article key (finds the one document that carries
    /// the whole article).
    pub lead: tantivy::schema::Field,
    /// On an article's lead passage only: its title and whole body, term frequencies without
    /// positions, for scoring articles as a whole.
    pub body: tantivy::schema::Field,
    /// The article's report group (see [`crate::dedup`]) shifted left by one, the low bit set
    /// when its date is only estimated (undated articles are neutral for recency).
    pub story: tantivy::schema::Field,
}

pub(crate) fn schema() -> (Schema, Fields) {
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
    let body_opts = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqs),
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
        lead: b.add_u64_field("lead", NumericOptions::default().set_indexed()),
        body: b.add_text_field("body", body_opts),
        story: b.add_u64_field("story", FAST),
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

/// Whether an index on disk has every field of this version's schema (older versions lack the
/// article-level `lead` and `body`, and the report group `story`).
fn is_current_format(on_disk: tantivy::schema::Schema, fields: &Fields) -> bool {
    [
        ("lead", fields.lead),
        ("body", fields.body),
        ("story", fields.story),
    ]
    .iter()
    .all(|(name, field)| on_disk.get_field(name).ok() == Some(*field))
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
    /// Whether this generation has the article-level fields (see [`is_current_format`]).
    article_level: bool,
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
                    let c = Arc::new(PassageColumns {
                        article: ff.u64("article")?,
                        start: ff.u64("start")?,
                        end: ff.u64("end")?,
                        published: ff.date("published").ok(),
                        story: ff.u64("story").ok(),
                    });
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

/// Fast-field columns of one segment: article key, passage start and end, and the article's
/// date and report group (absent in an older version's index).
struct PassageColumns {
    article: Column<u64>,
    start: Column<u64>,
    end: Column<u64>,
    published: Option<Column<tantivy::DateTime>>,
    story: Option<Column<u64>>,
}

/// Article key and byte range of the passage at `addr`, from its segment's columns.
fn passage_at(
    columns: &[Arc<PassageColumns>],
    addr: tantivy::DocAddress,
) -> Option<(i64, Range<usize>)> {
    let c = &*columns[addr.segment_ord as usize];
    Some((
        c.article.first(addr.doc_id)? as i64,
        c.start.first(addr.doc_id)? as usize..c.end.first(addr.doc_id)? as usize,
    ))
}

/// When and in which report group the article of the passage at `addr` is.
fn dating_at(columns: &[Arc<PassageColumns>], addr: tantivy::DocAddress, article: i64) -> Dating {
    let c = &*columns[addr.segment_ord as usize];
    let story = c.story.as_ref().and_then(|s| s.first(addr.doc_id));
    Dating {
        published: c
            .published
            .as_ref()
            .and_then(|p| p.first(addr.doc_id))
            .filter(|_| story.is_none_or(|s| s & 1 == 0))
            .map(|d| d.into_timestamp_secs()),
        story: story.map_or(article, |s| (s >> 1) as i64),
    }
}

/// An article's date (`None` when it is only estimated, or unknown) and report group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dating {
    /// Seconds since the epoch.
    pub published: Option<i64>,
    pub story: i64,
}

/// A passage hit before it is joined with its article.
#[derive(Debug, Clone)]
pub struct PassageHit {
    pub article: i64,
    pub range: Range<usize>,
    pub score: f32,
    pub dating: Dating,
    /// Where the passage is in the [`Snapshot`] that found it.
    pub addr: tantivy::DocAddress,
}

/// What the index knows about one passage and a question's terms, read from the postings (no
/// text is fetched or analyzed).
#[derive(Debug, Clone, Default)]
pub struct PassageTerms {
    /// Each occurrence of a question term in the passage text, with its position (the byte
    /// range is unknown here and left empty).
    pub text: Vec<passage::PassageToken>,
    /// The question terms in the article's title.
    pub title: Vec<String>,
    /// The same as bits (bit `i`: the `i`th term asked about, of the first 64), for
    /// [`query::Plan::coverage_bits`].
    pub text_bits: u64,
    pub title_bits: u64,
}

impl PassageTerms {
    pub fn in_text(&self, term: &str) -> bool {
        self.text.iter().any(|t| &*t.text == term)
    }

    pub fn in_title(&self, term: &str) -> bool {
        self.title.iter().any(|t| t == term)
    }
}

/// One consistent view of the live generation while a question is answered: the same segments
/// for the search, the passages of an article and the postings looked up afterwards.
pub struct Snapshot {
    searcher: tantivy::Searcher,
    columns: Vec<Arc<PassageColumns>>,
    fields: Fields,
    /// False for an index built by an older version, without the article-level fields (it
    /// still answers, ranked by passages alone, until it is rebuilt).
    article_level: bool,
}

impl Snapshot {
    pub fn searcher(&self) -> &tantivy::Searcher {
        &self.searcher
    }

    /// Identifies what this snapshot sees: its segments (ids are unique across generations)
    /// and their deletes. Two snapshots with the same stamp hold the same documents.
    pub fn stamp(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = rustc_hash::FxHasher::default();
        for reader in self.searcher.segment_readers() {
            reader.segment_id().hash(&mut h);
            reader.delete_opstamp().hash(&mut h);
        }
        h.finish()
    }

    /// Best passages for a query, at most `limit` of them, best first.
    pub fn top_passages(
        &self,
        query: &dyn tantivy::query::Query,
        limit: usize,
    ) -> Result<Vec<PassageHit>, SearchError> {
        let top = self
            .searcher
            .search(query, &TopDocs::with_limit(limit).order_by_score())?;
        Ok(top
            .into_iter()
            .filter_map(|(score, addr)| {
                let (article, range) = passage_at(&self.columns, addr)?;
                Some(PassageHit {
                    article,
                    range,
                    score,
                    dating: dating_at(&self.columns, addr, article),
                    addr,
                })
            })
            .collect())
    }

    /// Every indexed passage of `article` (what [`passage::split`] cut at ingest time), in
    /// article order.
    pub fn article_passages(
        &self,
        article: i64,
    ) -> Result<Vec<(tantivy::DocAddress, Range<usize>)>, SearchError> {
        let term = Term::from_field_u64(self.fields.article, article as u64);
        let mut out = Vec::new();
        for (ord, reader) in self.searcher.segment_readers().iter().enumerate() {
            let index = reader.inverted_index(self.fields.article)?;
            each_live_doc(reader, &index, &term, |doc| {
                let addr = tantivy::DocAddress::new(ord as u32, doc);
                if let Some((_, range)) = passage_at(&self.columns, addr) {
                    out.push((addr, range));
                }
                true
            })?;
        }
        out.sort_by_key(|(_, r)| r.start);
        Ok(out)
    }

    /// Per segment: how many body tokens each document has (only lead documents have any).
    fn body_norms(&self) -> Result<Vec<tantivy::fieldnorm::FieldNormReader>, SearchError> {
        Ok(self
            .searcher
            .segment_readers()
            .iter()
            .map(|r| r.get_fieldnorms_reader(self.fields.body))
            .collect::<Result<_, _>>()?)
    }

    /// Looks up a question's terms in this snapshot (see [`TermLookup`]).
    pub fn lookup(&self) -> TermLookup<'_> {
        TermLookup {
            snapshot: self,
            infos: FxHashMap::default(),
        }
    }
}

/// A question's terms looked up in one [`Snapshot`]: where each term's postings are, per segment
/// and field, found once and reused for document frequencies and for every passage asked about.
pub struct TermLookup<'s> {
    snapshot: &'s Snapshot,
    /// Per term, per segment: its postings in the text, the title and the article body field.
    infos: FxHashMap<String, Vec<[Option<TermInfo>; 3]>>,
}

impl TermLookup<'_> {
    pub fn searcher(&self) -> &tantivy::Searcher {
        &self.snapshot.searcher
    }

    pub fn fields(&self) -> &Fields {
        &self.snapshot.fields
    }

    fn infos(&mut self, term: &str) -> Result<&[[Option<TermInfo>; 3]], SearchError> {
        if !self.infos.contains_key(term) {
            let fields = self.snapshot.fields;
            let text = Term::from_field_text(fields.text, term);
            let title = Term::from_field_text(fields.title, term);
            let body = Term::from_field_text(fields.body, term);
            let mut per_segment = Vec::new();
            for reader in self.snapshot.searcher.segment_readers() {
                per_segment.push([
                    reader.inverted_index(fields.text)?.get_term_info(&text)?,
                    reader.inverted_index(fields.title)?.get_term_info(&title)?,
                    if self.snapshot.article_level {
                        reader.inverted_index(fields.body)?.get_term_info(&body)?
                    } else {
                        None
                    },
                ]);
            }
            self.infos.insert(term.to_string(), per_segment);
        }
        Ok(&self.infos[term])
    }

    /// Passages holding `term` in their text or their title, whichever is more (deleted
    /// passages included until their segment is merged, as tantivy counts them).
    pub fn doc_freq(&mut self, term: &str) -> u64 {
        let Ok(infos) = self.infos(term) else {
            return 0;
        };
        total_doc_freq(infos, 0).max(total_doc_freq(infos, 1))
    }

    /// Which of `terms` each passage at `docs` holds in its text (with positions) and, where
    /// `title_of(i)` asks for it, in its article's title, from the postings: the same tokens
    /// analyzing the text would give. (Passages of one article share its title: asking once
    /// per article is enough.)
    pub fn passage_terms(
        &mut self,
        docs: &[tantivy::DocAddress],
        terms: &[&str],
        title_of: impl Fn(usize) -> bool,
    ) -> Result<Vec<PassageTerms>, SearchError> {
        for term in terms {
            self.infos(term)?;
        }
        let fields = self.snapshot.fields;
        let mut out = vec![PassageTerms::default(); docs.len()];
        // Postings only seek forward: visit the passages segment by segment, in doc order.
        let mut order: Vec<usize> = (0..docs.len()).collect();
        order.sort_by_key(|&i| (docs[i].segment_ord, docs[i].doc_id));
        let mut positions = Vec::new();
        for run in order.chunk_by(|&a, &b| docs[a].segment_ord == docs[b].segment_ord) {
            let ord = docs[run[0]].segment_ord as usize;
            let reader = self.snapshot.searcher.segment_reader(ord as u32);
            let text = reader.inverted_index(fields.text)?;
            let title = reader.inverted_index(fields.title)?;
            for (ti, term) in terms.iter().enumerate() {
                let bit = if ti < 64 { 1u64 << ti } else { 0 };
                let [in_text, in_title, _] = &self.infos[*term][ord];
                let shared: std::sync::Arc<str> = (*term).into();
                if let Some(info) = in_text {
                    let mut postings = text.read_postings_from_terminfo(
                        info,
                        IndexRecordOption::WithFreqsAndPositions,
                    )?;
                    for &i in run {
                        if seek(&mut postings, docs[i].doc_id) {
                            out[i].text_bits |= bit;
                            postings.positions(&mut positions);
                            out[i]
                                .text
                                .extend(positions.iter().map(|&p| passage::PassageToken {
                                    text: shared.clone(),
                                    range: 0..0,
                                    position: p as usize,
                                }));
                        }
                    }
                }
                if let Some(info) = in_title
                    .as_ref()
                    .filter(|_| run.iter().any(|&i| title_of(i)))
                {
                    let mut postings =
                        title.read_postings_from_terminfo(info, IndexRecordOption::Basic)?;
                    for &i in run.iter().filter(|&&i| title_of(i)) {
                        if seek(&mut postings, docs[i].doc_id) {
                            out[i].title_bits |= bit;
                            out[i].title.push((*term).to_string());
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

impl TermLookup<'_> {
    /// BM25 of each article in `keys` as a whole (title and body, the `body` field of its lead
    /// passage), over the question's word groups: each group counts its best-scoring form
    /// (a spelling correction at half). Article counts and lengths are the articles', not the
    /// passages'. All zero for an index without the article-level fields.
    ///
    /// Each article comes with one of its passages (`near`): its lead document is found from
    /// there when the article's documents lie together in the segment, as the writer writes
    /// them (one batch per article), else by its `lead` term (an index written otherwise).
    pub fn article_scores(
        &mut self,
        articles: &[(i64, tantivy::DocAddress)],
        plan: &Plan,
    ) -> Result<Vec<f32>, SearchError> {
        const K1: f32 = 1.2;
        const B: f32 = 0.75;
        let mut out = vec![0.0; articles.len()];
        if !self.snapshot.article_level || articles.is_empty() {
            return Ok(out);
        }
        let fields = self.snapshot.fields;
        let searcher = &self.snapshot.searcher;
        let (mut article_count, mut tokens) = (0u64, 0u64);
        for reader in searcher.segment_readers() {
            article_count += reader.inverted_index(fields.lead)?.terms().num_terms() as u64;
            tokens += reader.inverted_index(fields.body)?.total_num_tokens();
        }
        if article_count == 0 {
            return Ok(out);
        }
        let n = article_count as f32;
        let avg_len = tokens as f32 / n;
        // Every form of every group, with the share of the group's weight it earns.
        let mut forms: Vec<(usize, &str, f32)> = Vec::new();
        for (gi, g) in plan.groups.iter().enumerate() {
            for (ti, t) in g.terms.iter().enumerate() {
                forms.push((gi, t.as_str(), if ti <= g.alias_count { 1.0 } else { 0.5 }));
            }
        }
        let mut idf = Vec::with_capacity(forms.len());
        for (_, term, _) in &forms {
            let df = total_doc_freq(self.infos(term)?, 2) as f32;
            idf.push((1.0 + (n - df + 0.5) / (df + 0.5)).ln());
        }
        let norms = self.snapshot.body_norms()?;
        // Each article's live lead document (segment, doc).
        let mut lead_of: Vec<Option<(usize, tantivy::DocId)>> = articles
            .iter()
            .map(|&(key, near)| self.lead_near(key, near, &norms))
            .collect();
        for (i, &(key, _)) in articles.iter().enumerate() {
            if lead_of[i].is_some() {
                continue;
            }
            let term = Term::from_field_u64(fields.lead, key as u64);
            for (ord, reader) in searcher.segment_readers().iter().enumerate() {
                let lead_index = reader.inverted_index(fields.lead)?;
                each_live_doc(reader, &lead_index, &term, |doc| {
                    lead_of[i] = Some((ord, doc));
                    false
                })?;
            }
        }
        // best[article][group]
        let mut best = vec![vec![0f32; plan.groups.len()]; articles.len()];
        for (ord, reader) in searcher.segment_readers().iter().enumerate() {
            let mut leads: Vec<(tantivy::DocId, usize)> = lead_of
                .iter()
                .enumerate()
                .filter_map(|(i, l)| l.filter(|l| l.0 == ord).map(|l| (l.1, i)))
                .collect();
            if leads.is_empty() {
                continue;
            }
            leads.sort_unstable();
            let norms = &norms[ord];
            let body = reader.inverted_index(fields.body)?;
            for (fi, (gi, term, share)) in forms.iter().enumerate() {
                let Some(info) = &self.infos[*term][ord][2] else {
                    continue;
                };
                let mut postings =
                    body.read_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
                for &(doc, i) in &leads {
                    if seek(&mut postings, doc) {
                        let tf = postings.term_freq() as f32;
                        let len = norms.fieldnorm(doc) as f32;
                        let s = idf[fi] * tf * (K1 + 1.0)
                            / (tf + K1 * (1.0 - B + B * len / avg_len.max(1.0)));
                        let slot = &mut best[i][*gi];
                        *slot = slot.max(s * share);
                    }
                }
            }
        }
        for (o, b) in out.iter_mut().zip(best) {
            *o = b.iter().sum();
        }
        Ok(out)
    }

    /// The lead document of article `key` found from one of its passages, `near`: back to the
    /// first live document of the article's run in that segment, which is the lead when the
    /// article was written as one batch (see `WriterTask::index`) and alone carries body
    /// tokens (`norms`: each segment's body token counts). None when that is not so (an index
    /// written otherwise).
    fn lead_near(
        &self,
        key: i64,
        near: tantivy::DocAddress,
        norms: &[tantivy::fieldnorm::FieldNormReader],
    ) -> Option<(usize, tantivy::DocId)> {
        let ord = near.segment_ord as usize;
        let reader = self.snapshot.searcher.segment_reader(near.segment_ord);
        let keys = &self.snapshot.columns[ord].article;
        let mut doc = near.doc_id;
        while doc > 0 && keys.first(doc - 1) == Some(key as u64) && !reader.is_deleted(doc - 1) {
            doc -= 1;
        }
        let is_lead = keys.first(doc) == Some(key as u64)
            && !reader.is_deleted(doc)
            && norms[ord].fieldnorm_id(doc) > 0;
        is_lead.then_some((ord, doc))
    }
}

/// Documents holding a term in field `slot` of its per-segment infos (text, title, body), over
/// all segments.
fn total_doc_freq(infos: &[[Option<TermInfo>; 3]], slot: usize) -> u64 {
    infos
        .iter()
        .filter_map(|i| i[slot].as_ref())
        .map(|i| u64::from(i.doc_freq))
        .sum()
}

/// Calls `f` with each live (not deleted) document of `reader` holding `term` (in `index`, the
/// term's field), in doc order, until `f` returns false.
fn each_live_doc(
    reader: &tantivy::SegmentReader,
    index: &tantivy::InvertedIndexReader,
    term: &Term,
    mut f: impl FnMut(tantivy::DocId) -> bool,
) -> Result<(), SearchError> {
    let Some(mut postings) = index.read_postings(term, IndexRecordOption::Basic)? else {
        return Ok(());
    };
    let mut doc = postings.doc();
    while doc != tantivy::TERMINATED {
        if !reader.is_deleted(doc) && !f(doc) {
            break;
        }
        doc = postings.advance();
    }
    Ok(())
}

/// Moves `postings` to `doc` if it holds it (never backwards: a doc already passed is absent).
fn seek(postings: &mut tantivy::postings::SegmentPostings, doc: tantivy::DocId) -> bool {
    let current = postings.doc();
    if current > doc {
        return false;
    }
    current == doc || postings.seek(doc) == doc
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

fn create_index(dir: &Path) -> Result<Index, SearchError> {
    let (schema, _) = schema();
    let index = Index::create_in_dir(dir, schema)?;
    register_tokenizers(&index);
    Ok(index)
}

/// Test support: makes `data_dir`'s live generation an empty index in the format of the version
/// before article-level scoring (the schema without `lead` and `body`).
#[cfg(test)]
pub(crate) fn install_previous_format(data_dir: &Path) {
    let (current, fields) = schema();
    let mut b = Schema::builder();
    for (field, entry) in current.fields() {
        if field != fields.lead && field != fields.body {
            b.add_field(entry.clone());
        }
    }
    let dir = data_dir.join(format!("{GEN_PREFIX}{}", next_generation(data_dir)));
    std::fs::create_dir_all(&dir).unwrap();
    Index::create_in_dir(&dir, b.build()).unwrap();
    set_current(data_dir, &dir).unwrap();
}

fn open_live(dir: &Path) -> Result<Live, SearchError> {
    let index = Index::open(MmapDirectory::open(dir).map_err(tantivy::TantivyError::from)?)?;
    register_tokenizers(&index);
    // Picks up commits made by another process too; our own commits reload explicitly.
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::OnCommitWithDelay)
        .try_into()?;
    let (_, fields) = schema();
    Ok(Live {
        article_level: is_current_format(index.schema(), &fields),
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

/// Passages of an article as tantivy documents. The first passage's text is indexed followed by
/// the headline, as the lead of a printed article is read with it: a question worded like the
/// headline finds the article even when the body uses other words. (One value, so the
/// passage's word positions stay those of its text and the headline's come after them.)
/// The lead passage also carries the whole article (`lead`, `body`), so articles can be scored
/// as a whole too (see [`TermLookup::article_scores`]).
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
            if passage::is_lead(&a.body, &range) {
                doc.add_text(fields.text, format!("{}\n\n{}", &a.body[range], a.title));
                doc.add_u64(fields.lead, stored.key as u64);
                doc.add_text(fields.body, &a.title);
                doc.add_text(fields.body, &a.body);
            } else {
                doc.add_text(fields.text, &a.body[range]);
            }
            doc.add_text(fields.title, &a.title);
            doc.add_date(fields.published, published);
            doc.add_text(fields.source, &a.source);
            doc.add_u64(
                fields.story,
                ((stored.story as u64) << 1) | a.published_estimated as u64,
            );
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
            // One batch per article: the old version goes and the new one's documents land
            // together, lead first, in one segment (see `TermLookup::lead_near`).
            let docs = documents(&self.fields, stored);
            passages += docs.len() as u64;
            let delete =
                UserOperation::Delete(Term::from_field_u64(self.fields.article, stored.key as u64));
            let ops: Vec<UserOperation> = std::iter::once(delete)
                .chain(docs.into_iter().map(UserOperation::Add))
                .collect();
            self.writer.run(ops)?;
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
            // Merged once at the end instead (below): no background merge can hold a segment.
            writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
            let total = store.count()?;
            let mut report = RebuildReport {
                articles: 0,
                passages: 0,
            };
            let mut failure = None;
            progress(RebuildProgress { done: 0, total });
            store.for_each(500, |batch| {
                for stored in &batch {
                    let docs = documents(&self.fields, stored);
                    report.passages += docs.len() as u64;
                    let ops: Vec<UserOperation> =
                        docs.into_iter().map(UserOperation::Add).collect();
                    if let Err(e) = writer.run(ops) {
                        failure = Some(e);
                        return false;
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
            // One segment: every question looks each term up once per segment, and the writer's
            // threads and heap flushes leave several.
            let segments = index.searchable_segment_ids()?;
            if segments.len() > 1 {
                writer.merge(&segments).wait()?;
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Article;

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
