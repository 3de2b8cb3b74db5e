//! The read side: a [`Snapshot`] of the live generation (top passages, an article's passages)
//! and a [`TermLookup`] (a question's terms looked up once per segment: document frequencies,
//! which terms each candidate passage and its title hold, BM25 of whole articles).

use std::ops::Range;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use tantivy::DocSet as _;
use tantivy::Term;
use tantivy::postings::{Postings as _, TermInfo};
use tantivy::schema::IndexRecordOption;

use super::columns::{PassageColumns, dating_at, passage_at};
use super::schema::Fields;
use super::top::TopTied;
use super::{Dating, Plan, SearchError, passage};

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
    /// [`super::query::Plan::coverage_bits`].
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
    pub(super) searcher: tantivy::Searcher,
    pub(super) columns: Vec<Arc<PassageColumns>>,
    pub(super) fields: Fields,
    /// False for an index built by an older version, without the article-level fields (it
    /// still answers, ranked by passages alone, until it is rebuilt).
    pub(super) article_level: bool,
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

    /// Best passages for a query, at most `limit` of them, best first. Equal scores (the same
    /// paragraph in two copies of a report) are ordered by article key, then position, never by
    /// where the index happened to put them (which follows the writer's threads and merges, so
    /// it changes from one ingest to the next): the collector ([`TopTied`]) keeps ties in that
    /// order as it goes, so the last places are as deterministic as the first.
    pub fn top_passages(
        &self,
        query: &dyn tantivy::query::Query,
        limit: usize,
    ) -> Result<Vec<PassageHit>, SearchError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let top = self.searcher.search(
            query,
            &TopTied {
                limit,
                columns: self.columns.clone(),
            },
        )?;
        Ok(top
            .into_iter()
            .filter_map(|t| {
                let (article, range) = passage_at(&self.columns, t.addr)?;
                Some(PassageHit {
                    article,
                    range,
                    score: t.score,
                    dating: dating_at(&self.columns, t.addr, article),
                    addr: t.addr,
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
    pub(super) fn body_norms(
        &self,
    ) -> Result<Vec<tantivy::fieldnorm::FieldNormReader>, SearchError> {
        Ok(self
            .searcher
            .segment_readers()
            .iter()
            .map(|r| r.get_fieldnorms_reader(self.fields.body))
            .collect::<Result<_, _>>()?)
    }

    /// Whether some article of this snapshot comes from `source` (lowercased, as the `source:`
    /// filter takes it). Articles deleted since the last merge still count: a search limited
    /// to such a source then finds nothing, as it would for any other source.
    pub fn has_source(&self, source: &str) -> Result<bool, SearchError> {
        let term = Term::from_field_text(self.fields.source, source);
        for reader in self.searcher.segment_readers() {
            if reader
                .inverted_index(self.fields.source)?
                .get_term_info(&term)?
                .is_some()
            {
                return Ok(true);
            }
        }
        Ok(false)
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
        Ok(self
            .article_group_scores(articles, plan)?
            .into_iter()
            .map(|groups| groups.iter().sum())
            .collect())
    }

    /// [`TermLookup::article_scores`] of the first `scored` of `articles`, and the share of
    /// the question's weight each of `articles` holds anywhere in its title or body (a word
    /// group counts when one of its forms, a spelling correction included, is there; words no
    /// article holds are left out of the whole, as the reply names them apart; all of it for an
    /// index without the article-level fields, which cannot tell). One pass for both.
    pub fn article_scores_and_coverage(
        &mut self,
        articles: &[(i64, tantivy::DocAddress)],
        scored: usize,
        plan: &Plan,
    ) -> Result<(Vec<f32>, Vec<f32>), SearchError> {
        let groups = self.article_group_scores(articles, plan)?;
        let scores = groups.iter().take(scored).map(|g| g.iter().sum()).collect();
        if !self.snapshot.article_level {
            return Ok((scores, vec![1.0; articles.len()]));
        }
        let total: f32 = plan
            .groups
            .iter()
            .filter(|g| g.in_index)
            .map(|g| g.weight)
            .sum();
        let coverage = groups
            .iter()
            .map(|scores| {
                let held: f32 = scores
                    .iter()
                    .zip(&plan.groups)
                    .filter(|(s, _)| **s > 0.0)
                    .map(|(_, g)| g.weight)
                    .sum();
                if total > 0.0 { held / total } else { 0.0 }
            })
            .collect();
        Ok((scores, coverage))
    }

    /// Per article in `articles`, per word group of `plan`: the BM25 of the group's
    /// best-scoring form in the article as a whole (see [`TermLookup::article_scores`]).
    fn article_group_scores(
        &mut self,
        articles: &[(i64, tantivy::DocAddress)],
        plan: &Plan,
    ) -> Result<Vec<Vec<f32>>, SearchError> {
        const K1: f32 = 1.2;
        const B: f32 = 0.75;
        let out = vec![vec![0.0; plan.groups.len()]; articles.len()];
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
            idf.push(super::idf(n, df));
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
        let mut best = out;
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
        Ok(best)
    }

    /// The lead document of article `key` found from one of its passages, `near`: back to the
    /// first live document of the article's run in that segment, which is the lead when the
    /// article was written as one batch (see `WriterTask::index`) and alone carries body
    /// tokens (`norms`: each segment's body token counts). None when that is not so (an index
    /// written otherwise).
    pub(super) fn lead_near(
        &self,
        key: i64,
        near: tantivy::DocAddress,
        norms: &[tantivy::fieldnorm::FieldNormReader],
    ) -> Option<(usize, tantivy::DocId)> {
        let ord = near.segment_ord as usize;
        let reader = self.snapshot.searcher.segment_reader(near.segment_ord);
        let keys = self.snapshot.columns[ord].articles();
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
