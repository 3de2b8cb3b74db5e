//! From a question to ranked hits: plan the words, search passages, collapse per article, drop
//! what does not cover enough of the question, highlight, and join with article metadata.
//!
//! Ranking: top passages (more only while they fill less than a page of articles), grouped by
//! article; each article scored by its best passage's BM25 × how much of the question the passage
//! (with its title) covers, from the postings (no article is read to rank; the terms each passage
//! holds come back as a 64-bit set, so coverage is bit tests), plus its BM25 as a whole article
//! (both scaled by the best of their kind); articles covering 45 % of the question, and no less
//! than 0.3 below the best-covering candidate, come before those that do not (a newer article
//! that covers less is not a comparable answer); an article whose candidates cover too little
//! is dropped, and the answer is "nothing found" unless the best article as a whole covers
//! `search.min_coverage`. Asked what someone said, the candidates that name the speaker only as
//! a place ("talks held in Washington") neither set the date recency measures from nor gain for
//! their age, and among the first ten articles they go after the others (the only ranking step
//! that reads articles' text).
//!
//! Following the story: a question asking for the current state looks at a wider pool of
//! passages, all scored as whole articles too (the newest report may name the topic once); scores
//! are weighed by age behind the newest candidate (the index's
//! `published` and `story` fast fields; undated neutral, the recency cue doubling or reversing
//! it; an article that only mentions the question in passing gains nothing for being new),
//! copies of one report fold into its best place (shown from the preferred or earliest copy,
//! the others as `also`), and a newer covering article not shown becomes the `newer` pointer.
//! [`timeline`] (`timeline.rs`) puts hits in date order, one line per development.
//!
//! Quotes (`quote.rs`): a quote is a paragraph. Passages are split at paragraph breaks and joined per
//! paragraph (each piece keeps the word positions the index gave it, so highlights need no
//! re-analysis). The first hit's quote is chosen among all its paragraphs, further hits' among the
//! paragraphs of their found passages, by the question weight each carries (title words count in
//! every paragraph; words spread over the whole article count less), the phrase preference, the
//! kind of answer the question's form asks for ([`crate::question`]) and a discount for headings.
//! Only the articles shown are read from the store. Spelling corrections are reported in words,
//! and only those the quotes show.

mod quote;
mod timeline;

pub use timeline::timeline;

use std::ops::Range;

use rustc_hash::{FxHashMap, FxHashSet};
use tantivy::DocAddress;

use crate::question::{self, Want};
use crate::reply::{Also, Answer, Hit, Newer, NotFoundReason};
use crate::search::passage;
use crate::search::query::{self, PlanInput};
use crate::search::{self, Aliases, PassageTerms, SearchError, SearchFilters, SearchIndex};
use crate::store::ArticleStore;
use quote::{PassagesWithTerms, Quoting, best_passages, quote_article};

/// A question with its filters, as the engine runs it.
#[derive(Debug, Clone, PartialEq)]
pub struct AskRequest {
    pub question: String,
    pub filters: SearchFilters,
    pub limit: usize,
    pub offset: usize,
    /// Passages per article (1 collapses each article to its best passage).
    pub per_article: usize,
    /// The hits will be put in date order (a timeline): rank by relevance alone, without the
    /// preference for newer articles.
    pub by_date: bool,
}

/// Re-ranking weights (see `config.search`).
#[derive(Debug, Clone, Copy)]
pub struct Weights {
    /// Multiplier when every question word is in the title (scaled by the share that is).
    pub title_boost: f32,
    /// Multiplier when every adjacent word pair of the question stands together in the passage.
    pub phrase_boost: f32,
}

/// Most passages looked at for one question.
const MAX_CANDIDATES: usize = 300;
/// Passages looked at beyond the articles asked for (more only if they collapse into too few
/// articles): 38 for a page of 10 ranked no better than 20 on the tuning questions and headlines.
const CANDIDATES_BEYOND: usize = 10;

/// Articles whose pages are cut from one ranking: the pool is sized for this many whatever
/// page of them is asked for, so that "more" goes on where the first page stopped. Sized for
/// `wanted` articles alone, a pool of 13 passages for a first page of 3 and of 16 for the
/// second ranked the demo's "timeline of the talks" differently, and the second page showed
/// an article of the first again. Pages past the first such block are laid out block by
/// block ([`Answerer::ask_in_blocks`]).
const PAGED_TOGETHER: usize = 10;

/// How many passages the search first asks for when `wanted` articles are to be shown (the
/// same for every page within the first [`PAGED_TOGETHER`] articles, and so on).
pub fn candidate_passages(wanted: usize) -> usize {
    (wanted.div_ceil(PAGED_TOGETHER).max(1) * PAGED_TOGETHER + CANDIDATES_BEYOND)
        .min(MAX_CANDIDATES)
}

/// Passages looked at, at least, for a question that asks for the current state ("latest",
/// "now", "yet", "Has…?"): the newest report often names the topic less than the older ones
/// that led up to it (a line in its lead, not its headline) and ranks below the first page's
/// pool, where recency cannot lift it ("What is the latest on the Kessa Bank?": the 24 Nov
/// round names the bank once, the twenty earlier reports in their titles). All of them are
/// then scored as whole articles too, not only the first [`FUSED`]. Story tuning half hit@1
/// 0.727 → 0.758 at 100 and 300 alike; 40 cost the natural half a question
/// (docs/benchmarks.md).
const CURRENT_CANDIDATES: usize = 100;

/// Whether a question gets the wide pool of [`CURRENT_CANDIDATES`], all scored as whole
/// articles: it asks for the current state, and its answers are ranked, not listed by date (a
/// timeline or latest list shows every match in date order anyway).
fn wide_pool(cue: crate::timewords::Cue, by_date: bool) -> bool {
    cue == crate::timewords::Cue::Current && !by_date
}

/// Share of the question's weight an article (its title and the passages found in it) must
/// cover to rank before the articles that do not. Deliberately above the "nothing found" bar
/// (`search.min_coverage`): a long paraphrased question is often only a third covered by the
/// very article that answers it, so the bar for saying anything sits low, while an article
/// about most of the question should still beat one about a few of its words.
const COVERS_FIRST: f32 = 0.45;

/// How far below the best-covering candidate an article's coverage may fall and still count as
/// covering the question: an article that covers much less of it than another is not a
/// comparable answer, and its score (often a newer article's recency, or a recap of the story
/// in many of the question's commoner words) must not put it before the one that holds the
/// asked detail ("How many pages is the trade agreement?": the signing report says "400
/// pages", the newer in-force report never does). Calibrated on the tuning halves
/// (docs/benchmarks.md).
const COVERS_WITHIN: f32 = 0.3;

/// Share of the question an article's title and lead paragraph must cover for the article to be
/// about it; one below mentions it in passing (a recap in a later paragraph of another
/// report) and gains nothing for being newer ("Who were the US envoys who went to Moscow?":
/// the report on the next round recalls "the American envoys in Moscow" in its last
/// paragraph). On the tuning halves 0.5 to 0.9 did alike; 0.6 left "When will the Riyadh talks
/// be held?" to the superseded December date, the newest report's lead saying "take place", not
/// "held" (docs/benchmarks.md).
const ABOUT: f32 = 0.5;

/// Share of a topic's weight an article must hold somewhere in its title or body to get a line
/// in a timeline or a `latest <words>` list: below it the article is about something else and
/// matched a word or two of the topic ("Moscow talks" listed the Nile round, which holds
/// "talks" but never "Moscow"). Half, the majority of the topic; swept on the tuning half of
/// `bench/story/timelines.toml`: 0.4–0.6 keep every step, 0.7 loses three (docs/benchmarks.md).
const TOPIC_HELD: f32 = 0.5;

/// What the ranking knows of a candidate article besides its score.
#[derive(Debug, Clone, Copy)]
struct Fit {
    /// Its title and found passages cover [`COVERS_FIRST`] of the question, and no less than
    /// [`COVERS_WITHIN`] below the best-covering candidate.
    covers: bool,
    /// Its title and lead paragraph (when found) cover [`ABOUT`] of the question.
    about: bool,
}

/// Articles of a page whose quote is chosen among all their passages (the first: the answer).
const FULLY_READ_ARTICLES: usize = 1;
/// Most passages of one article compared for its best quote.
const CANDIDATES_PER_ARTICLE: usize = 4;

/// How much the date of an article counts (see `config.search`).
#[derive(Debug, Clone, Copy)]
pub struct Recency {
    /// Largest share by which a score is raised for the newest candidate and lowered for the
    /// oldest (doubled when the question asks for the current state or the start).
    pub weight: f32,
    /// Age, in days behind the newest candidate, at which an article counts half as new.
    pub half_life_days: f32,
}

pub struct Answerer<'a> {
    pub store: &'a ArticleStore,
    pub index: &'a SearchIndex,
    pub aliases: &'a Aliases,
    pub weights: Weights,
    pub fuzzy: bool,
    pub min_coverage: f32,
    pub recency: Recency,
    /// Sources whose copy of a report is shown before the earliest one (lowercase).
    pub preferred_sources: &'a [String],
}

impl Answerer<'_> {
    pub fn ask(&self, req: &AskRequest) -> Result<Result<Answer, NotFoundReason>, SearchError> {
        let wanted = req.offset + req.limit;
        if wanted <= PAGED_TOGETHER || req.by_date {
            return self.ask_ranked(req);
        }
        self.ask_in_blocks(req)
    }

    /// A page reaching past the first [`PAGED_TOGETHER`] articles: the articles are laid out
    /// block by block, each block of ten ranked on the pool sized for it without the articles
    /// of the blocks before, so that every page (of any size) shows the articles of one
    /// sequence. Ranked on its own pool alone, a fourth page of 3 (articles 10–12, a pool of 30
    /// passages) could show an article the third (a pool of 20) had shown. Each block costs one
    /// more search; pages this deep are rare.
    fn ask_in_blocks(
        &self,
        req: &AskRequest,
    ) -> Result<Result<Answer, NotFoundReason>, SearchError> {
        /// A hit's link and its report's other copies' links.
        fn links(hit: &Hit) -> impl Iterator<Item = &String> {
            std::iter::once(&hit.url).chain(hit.also.iter().map(|a| &a.url))
        }
        let wanted = req.offset + req.limit;
        // The articles in order, each with its hits (several with `passages:`), and the links
        // of their reports (every copy), so that a report is laid once whichever copy a bigger
        // pool shows it from.
        let mut laid: Vec<Vec<Hit>> = Vec::new();
        let mut laid_links: FxHashSet<String> = Default::default();
        let mut last = None;
        for block in 1..=wanted.div_ceil(PAGED_TOGETHER) {
            let end = block * PAGED_TOGETHER;
            let ranked = match self.ask_ranked(&AskRequest {
                offset: 0,
                limit: end,
                ..req.clone()
            })? {
                Ok(answer) => answer,
                // Nothing at all, or too little to say anything: as the first page says.
                Err(reason) if laid.is_empty() => return Ok(Err(reason)),
                Err(_) => break,
            };
            let mut hits = ranked.hits.iter().peekable();
            while let Some(first) = hits.next() {
                let mut article = vec![first.clone()];
                while let Some(next) = hits.next_if(|h| h.url == first.url) {
                    article.push(next.clone());
                }
                if laid.len() < end && !links(first).any(|u| laid_links.contains(u)) {
                    laid_links.extend(links(first).cloned());
                    laid.push(article);
                }
            }
            let exhausted = !ranked.more;
            last = Some(ranked);
            if exhausted {
                break;
            }
        }
        let Some(mut answer) = last else {
            return Ok(Err(NotFoundReason::NoMatch));
        };
        if laid.len() <= req.offset {
            return Ok(Err(NotFoundReason::NoMatch));
        }
        answer.more = answer.more || laid.len() > wanted;
        laid.truncate(wanted);
        // The newer pointer names an article newer than every hit shown so far (this page and
        // the ones before it), none of them.
        let seen = laid.iter().flatten();
        let newest = seen.clone().map(|h| h.published).max();
        if answer.newer.as_ref().is_some_and(|newer| {
            newest.is_some_and(|n| newer.published <= n)
                || seen.clone().any(|h| links(h).any(|u| *u == newer.url))
        }) {
            answer.newer = None;
        }
        answer.hits = laid.into_iter().skip(req.offset).flatten().collect();
        answer.offset = req.offset;
        Ok(Ok(answer))
    }

    /// One ranking, on the pool sized for the page's end ([`candidate_passages`]), cut to the
    /// page.
    fn ask_ranked(&self, req: &AskRequest) -> Result<Result<Answer, NotFoundReason>, SearchError> {
        let snapshot = self.index.snapshot()?;
        if snapshot.searcher().num_docs() == 0 {
            return Ok(Err(NotFoundReason::EmptyIndex));
        }
        let mut analyzer = search::analyzer();
        let mut lookup = snapshot.lookup();
        // "Has Washington commented yet?": "yet" asks for the current state; searched for, it
        // would find the stale "has yet to comment".
        let (cue, words) = crate::timewords::recency_cue(&req.question);
        // "How long did the talks last?": "last" and "long" say what kind of answer is wanted
        // (a duration), not what it is about.
        let reading = question::read(&words);
        let plan = query::plan(
            PlanInput {
                question: &reading.words,
                aliases: self.aliases,
                fuzzy: self.fuzzy,
            },
            &mut analyzer,
            &mut lookup,
        );
        tracing::debug!(?plan, "question plan");
        let Some(q) = query::build(&plan, &req.filters, self.index.fields()) else {
            return Ok(Err(NotFoundReason::NoWords));
        };
        let wanted = req.offset + req.limit;
        let per_article = req.per_article.max(1);
        let highlight_terms = plan.highlight_terms();
        let relevant = plan.relevant_terms();
        let terms: Vec<&str> = relevant.iter().map(String::as_str).collect();
        let term_bits = plan.term_bits(&terms);
        // Coverage from the terms' bits (the same sums), else from their names.
        let coverage = |bits: u64, contains: &dyn Fn(&str) -> bool| match &term_bits {
            Some(groups) => plan.coverage_bits(groups, bits),
            None => plan.coverage(contains),
        };
        let mut candidates = candidate_passages(wanted);
        if wide_pool(cue, req.by_date) {
            candidates = candidates.max(CURRENT_CANDIDATES);
        }
        loop {
            let passages = snapshot.top_passages(q.as_ref(), candidates)?;
            let exhausted = passages.len() < candidates;
            let (order, by_article) = group_by_article(passages);
            // Which question terms each candidate holds, from the postings.
            // (The title is read with each article's first, best, passage.)
            let (mut addrs, firsts): (Vec<DocAddress>, Vec<bool>) = order
                .iter()
                .flat_map(|k| {
                    by_article[k]
                        .iter()
                        .enumerate()
                        .map(|(j, p)| (p.addr, j == 0))
                })
                .unzip();
            // The first page's first article has its quote chosen among all its passages. It is
            // nearly always the article first by passage: that one's passages are read in the
            // same pass as the candidates (each term's postings opened once, not twice).
            let mut prefetched = match order.first() {
                Some(&key) if req.offset == 0 => {
                    let all = snapshot.article_passages(key)?;
                    let candidates = addrs.len();
                    for (addr, _) in &all {
                        if !addrs[..candidates].contains(addr) {
                            addrs.push(*addr);
                        }
                    }
                    Some((key, all))
                }
                _ => None,
            };
            let found = lookup.passage_terms(&addrs, &terms, |i| firsts.get(i) == Some(&true))?;
            let mut terms_of: FxHashMap<DocAddress, PassageTerms> =
                addrs.into_iter().zip(found).collect();
            let (mut ranked, fits) =
                self.score_articles(&plan, &order, &by_article, &terms_of, &coverage);
            // A bigger pool is only worth it when too few distinct articles were seen; articles
            // seen but not covering the question rarely gain from more of their passages. A full
            // page is enough: whether a next one exists is then judged by whether the search
            // had passages left (rarely all of the shown articles), not by searching again with
            // four times the passages (8 % of the headlines did, for the same rankings: 9 % of
            // the instructions per headline).
            if !(ranked.len() >= wanted
                || order.len() > wanted
                || exhausted
                || candidates >= MAX_CANDIDATES)
            {
                candidates = (candidates * 4).min(MAX_CANDIDATES);
                continue;
            }
            let dating = |key: i64| by_article[&key][0].dating;
            // Asked what someone said: the candidates that name the speaker only as a place.
            let place_only = match reading.want.speaker.as_deref() {
                Some(speaker) if !req.by_date => {
                    self.named_only_as_place(&ranked, speaker, &snapshot)?
                }
                _ => FxHashSet::default(),
            };
            let members = self.order_articles(
                &mut ranked,
                &fits,
                &by_article,
                &mut lookup,
                &plan,
                req.by_date,
                cue,
                &place_only,
            )?;
            if !place_only.is_empty() {
                // Among the first articles (ranked together for their pages), those go after
                // the others, the order within each part kept, and articles that cover the
                // question still before those that do not.
                let head = ranked.len().min(PAGED_TOGETHER.max(wanted));
                ranked[..head].sort_by_key(|r| (!fits[&r.1].covers, place_only.contains(&r.1)));
            }
            let more = ranked.len() > wanted || (ranked.len() == wanted && !exhausted);
            let shown = req.offset.min(ranked.len())..wanted.min(ranked.len());
            let copies = self.copies(&mut ranked[shown.clone()], &members, &dating)?;
            let page_keys: Vec<i64> = ranked[shown.clone()].iter().map(|r| r.1).collect();
            let newer_key = newer_than_page(&ranked, shown.end, &fits, &dating);
            // Only the articles shown are read from the store.
            let mut wanted_keys = page_keys.clone();
            wanted_keys.extend(newer_key);
            let articles = self.articles_by_key(&wanted_keys, &snapshot)?;
            let newer = newer_key.and_then(|k| articles.get(&k)).map(|a| Newer {
                title: a.article.title.clone(),
                url: a.article.url.clone(),
                source: a.article.source.clone(),
                published: a.article.published,
            });
            let mut page: Vec<Hit> = Vec::new();
            for (i, (score, key)) in ranked[shown].iter().copied().enumerate() {
                let Some(stored) = articles.get(&key) else {
                    continue; // deleted since it was indexed
                };
                let article = &stored.article;
                let found = &by_article[&key];
                let title = terms_of[&found[0].addr].title.clone();
                // The first article gets its quote chosen among all its passages (read with the
                // candidates when it is the first by passage); further ones among the passages
                // the search found (cheaper, nearly as good).
                let all = if i >= FULLY_READ_ARTICLES {
                    Vec::new()
                } else {
                    let prefetched = prefetched.take().filter(|(k, _)| *k == key).map(|p| p.1);
                    all_passages(
                        key,
                        prefetched,
                        &snapshot,
                        &mut lookup,
                        &terms,
                        &mut terms_of,
                    )?
                };
                let (passages, coverage) = quote_article(
                    &Quoting {
                        want: &reading.want,
                        plan: &plan,
                        highlight_terms: &highlight_terms,
                        per_article,
                    },
                    article,
                    &title,
                    found,
                    all,
                    &mut terms_of,
                );
                // The bar for saying anything: the best article, as a whole, covers enough of
                // the question. Below it the answer is "nothing found", never a guess.
                if i == 0 && req.offset == 0 && coverage < self.min_coverage {
                    tracing::debug!(article = key, coverage, "best article covers too little");
                    break;
                }
                for (share, range, highlights) in passages {
                    let mut hit = Hit::quote(article, range, highlights, score * share);
                    hit.also = copies.get(&key).cloned().unwrap_or_default();
                    page.push(hit);
                }
            }
            if page.is_empty() {
                return Ok(Err(NotFoundReason::NoMatch));
            }
            let corrections = plan
                .groups
                .iter()
                .filter_map(|g| {
                    // Only a correction the quotes show is worth a word: one that found
                    // nothing shown ("resist" searched as the "regist" of "registered")
                    // would name a stem the user never sees.
                    let to = g.corrected_to.as_ref()?;
                    let shown = as_written(&page, to, &mut analyzer)?;
                    Some((g.asked.clone(), shown))
                })
                .collect();
            let mut unknown: Vec<String> = Vec::new();
            for g in &plan.groups {
                if !g.in_index
                    && g.corrected_to.is_none()
                    && !unknown.iter().any(|u| u.eq_ignore_ascii_case(&g.asked))
                {
                    unknown.push(g.asked.clone());
                }
            }
            return Ok(Ok(Answer {
                question: req.question.clone(),
                hits: page,
                offset: req.offset,
                more,
                corrections,
                unknown,
                newer,
                range: None,
                source: None,
                source_unmatched: None,
            }));
        }
    }
}

impl Answerer<'_> {
    /// The stored articles `keys` as the index `snapshot` saw them, by key (deleted ones left
    /// out).
    fn articles_by_key(
        &self,
        keys: &[i64],
        snapshot: &search::Snapshot,
    ) -> Result<FxHashMap<i64, std::sync::Arc<crate::store::StoredArticle>>, SearchError> {
        Ok(self
            .store
            .get_many_as_of(keys, Some(snapshot.stamp()))?
            .into_iter()
            .map(|a| (a.key, a))
            .collect())
    }

    /// Ranks each candidate article by its best passage, weighing BM25 by how much of the
    /// question the passage (with its title) covers; articles whose candidates together cover
    /// less than half the bar are dropped. Also says, per article kept, how it fits the question
    /// ([`Fit`]).
    fn score_articles(
        &self,
        plan: &query::Plan,
        order: &[i64],
        by_article: &FxHashMap<i64, Vec<search::PassageHit>>,
        terms_of: &FxHashMap<DocAddress, PassageTerms>,
        coverage: &Coverage<'_>,
    ) -> (Vec<(f32, i64)>, FxHashMap<i64, Fit>) {
        let mut ranked: Vec<(f32, i64)> = Vec::new();
        // How much of the question each article's title and found passages cover, and whether
        // its title and lead cover enough to be about it.
        let mut coverages: Vec<(i64, f32, bool)> = Vec::new();
        for key in order {
            let hits = &by_article[key];
            let title = &terms_of[&hits[0].addr];
            let title_coverage = coverage(title.title_bits, &|t| title.in_title(t));
            let title_factor = 1.0 + (self.weights.title_boost - 1.0) * title_coverage;
            // How much of the question some of its passages cover with its title.
            let with_title = |passages: &[&PassageTerms]| {
                coverage(
                    passages
                        .iter()
                        .fold(title.title_bits, |m, f| m | f.text_bits),
                    &|t| title.in_title(t) || passages.iter().any(|f| f.in_text(t)),
                )
            };
            // The article must be about the question: its title and the passages found in
            // it together cover enough of the question's weight. (A long question is rarely
            // covered by one paragraph alone; an unrelated article covers little of it.)
            let found: Vec<&PassageTerms> = hits.iter().map(|p| &terms_of[&p.addr]).collect();
            let article_coverage = with_title(&found);
            tracing::debug!(article = key, article_coverage, "candidate article");
            if article_coverage < self.min_coverage * 0.5 {
                continue;
            }
            let lead: Vec<&PassageTerms> = hits
                .iter()
                .zip(&found)
                .filter(|(p, _)| p.range.start == 0)
                .map(|(_, f)| *f)
                .collect();
            coverages.push((*key, article_coverage, with_title(&lead) >= ABOUT));
            let best = hits
                .iter()
                .zip(&found)
                .map(|(p, found)| {
                    let coverage = with_title(std::slice::from_ref(found));
                    tracing::debug!(article = key, score = p.score, coverage, "candidate");
                    let phrase_factor =
                        1.0 + (self.weights.phrase_boost - 1.0) * plan.phrase_share(&found.text);
                    p.score * (0.25 + 0.75 * coverage) * title_factor * phrase_factor
                })
                .fold(f32::MIN, f32::max);
            ranked.push((best, *key));
        }
        let most = coverages.iter().map(|c| c.1).fold(0.0f32, f32::max);
        let fits = coverages
            .into_iter()
            .map(|(key, c, about)| {
                let covers = c >= COVERS_FIRST && c >= most - COVERS_WITHIN;
                (key, Fit { covers, about })
            })
            .collect();
        (ranked, fits)
    }

    /// Puts the ranked articles in the order they are shown: by score (whole-article BM25
    /// fused in), ties newer first, then recency, then the articles that cover the question
    /// before those that do not; copies of one report fold into its best-ranked place. Returns
    /// each report group's members seen.
    #[allow(clippy::too_many_arguments)]
    fn order_articles(
        &self,
        ranked: &mut Vec<(f32, i64)>,
        fits: &FxHashMap<i64, Fit>,
        by_article: &FxHashMap<i64, Vec<search::PassageHit>>,
        lookup: &mut search::TermLookup<'_>,
        plan: &query::Plan,
        by_date: bool,
        cue: crate::timewords::Cue,
        place_only: &FxHashSet<i64>,
    ) -> Result<FxHashMap<i64, Vec<i64>>, SearchError> {
        let dating = |key: i64| by_article[&key][0].dating;
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        // Asked for the current state, every candidate is scored as a whole: the pool is wider
        // (see CURRENT_CANDIDATES), and the newest report is often below the first FUSED.
        let fused = if wide_pool(cue, by_date) {
            ranked.len()
        } else {
            FUSED
        };
        if by_date {
            // Listed by date (a timeline, `latest <words>`): an article that holds less than
            // TOPIC_HELD of the topic anywhere is about something else. Its whole-article
            // scores come from the same pass.
            let keys: Vec<(i64, DocAddress)> = ranked
                .iter()
                .map(|r| (r.1, by_article[&r.1][0].addr))
                .collect();
            let (whole, held) = lookup.article_scores_and_coverage(&keys, fused, plan)?;
            let about: FxHashSet<i64> = keys
                .iter()
                .zip(&held)
                .filter(|(_, h)| **h >= TOPIC_HELD)
                .map(|(k, _)| k.0)
                .collect();
            add_whole_article_scores(ranked, &whole);
            ranked.retain(|r| about.contains(&r.1));
        } else {
            fuse_with_whole_articles(ranked, fused, lookup, plan, |key| by_article[&key][0].addr)?;
        }
        // Equal scores (twin articles) in an order a person can follow, the same after
        // every ingest: the newer first, then the one stored first, never the order in
        // which the index happened to write them (the sorts after this one are stable).
        ranked.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| dating(b.1).published.cmp(&dating(a.1).published))
                .then(a.1.cmp(&b.1))
        });
        if !by_date {
            let about = |k: i64| fits[&k].about && !place_only.contains(&k);
            let dates = |k: i64| dating(k).published;
            let measured = |k: i64| !place_only.contains(&k);
            apply_recency(ranked, dates, measured, about, self.recency, cue);
        }
        // An article that covers the question comes before one that does not, whatever
        // their scores: the answer must clear the bar below, and a high-scoring article
        // about a few of the question's words (a different poll, a different match) must
        // not hide one that is about all of it, nor a newer one about less of it an older
        // one about more (stable: the order within each part stays).
        ranked.sort_by_key(|r| !fits[&r.1].covers);
        // One report once: copies of it (the same group) fold into its best-ranked place.
        let mut members: FxHashMap<i64, Vec<i64>> = FxHashMap::default();
        ranked.retain(|r| {
            let group = members.entry(dating(r.1).story).or_default();
            group.push(r.1);
            group.len() == 1
        });
        Ok(members)
    }
}

impl Answerer<'_> {
    /// "What did Washington say?": the candidates that name the speaker only as a place ("the
    /// Nile dam round held in Washington"), read from their text. They neither set the date
    /// that "newest" or "first" is measured from nor gain for their age, and they go after the
    /// articles in which the speaker can be speaking.
    fn named_only_as_place(
        &self,
        ranked: &[(f32, i64)],
        speaker: &str,
        snapshot: &search::Snapshot,
    ) -> Result<FxHashSet<i64>, SearchError> {
        let keys: Vec<i64> = ranked.iter().map(|r| r.1).collect();
        let articles = self.articles_by_key(&keys, snapshot)?;
        Ok(articles
            .iter()
            .filter(|(_, a)| {
                let a = &a.article;
                question::only_as_place([a.title.as_str(), a.body.as_str()], speaker)
            })
            .map(|(k, _)| *k)
            .collect())
    }

    /// What a watch of `words` shows for each of the articles `keys` that holds every word (or
    /// one of its aliases) in its title or body: its best quote, chosen as an answer's is
    /// (aliases and synonyms, every passage of the article read), with the article's key, in the
    /// order of `keys`. The watch's words are planned once for all the articles.
    pub fn watch_quotes(&self, words: &str, keys: &[i64]) -> Result<Vec<(i64, Hit)>, SearchError> {
        let snapshot = self.index.snapshot()?;
        let mut analyzer = search::analyzer();
        let mut lookup = snapshot.lookup();
        let plan = query::plan(
            PlanInput {
                question: words,
                aliases: self.aliases,
                fuzzy: false,
            },
            &mut analyzer,
            &mut lookup,
        );
        if plan.groups.is_empty() {
            return Ok(Vec::new());
        }
        let relevant = plan.relevant_terms();
        let terms: Vec<&str> = relevant.iter().map(String::as_str).collect();
        // The articles holding every word group: their title terms and passages.
        let mut matching: Vec<(i64, Vec<String>, PassagesWithTerms)> = Vec::new();
        for &key in keys {
            let all = snapshot.article_passages(key)?;
            if all.is_empty() {
                continue;
            }
            let addrs: Vec<DocAddress> = all.iter().map(|(a, _)| *a).collect();
            let found = lookup.passage_terms(&addrs, &terms, |i| i == 0)?;
            let title = found[0].title.clone();
            let holds_all = plan.groups.iter().all(|g| {
                g.is_found(|t| title.iter().any(|x| x == t) || found.iter().any(|f| f.in_text(t)))
            });
            if holds_all {
                let passages = all
                    .into_iter()
                    .zip(found)
                    .map(|((_, range), f)| (range, f.text))
                    .collect();
                matching.push((key, title, passages));
            }
        }
        let wanted: Vec<i64> = matching.iter().map(|m| m.0).collect();
        let articles = self.articles_by_key(&wanted, &snapshot)?;
        let highlight_terms = plan.highlight_terms();
        let mut hits = Vec::new();
        for (key, title, passages) in matching {
            let Some(stored) = articles.get(&key) else {
                continue; // deleted since it was indexed
            };
            let article = &stored.article;
            let (best, _) = best_passages(
                &Want::ANY,
                true,
                &plan,
                &article.title,
                &article.body,
                passages,
                |t| title.iter().any(|x| x == t),
                &highlight_terms,
                1,
            );
            hits.extend(
                best.into_iter().next().map(|(_, range, highlights)| {
                    (key, Hit::quote(article, range, highlights, 1.0))
                }),
            );
        }
        Ok(hits)
    }

    /// For the page's hits that are one report of several outlets: which copy to show (a
    /// preferred source's, else the earliest among those the search found) and the other
    /// copies as "also". Changes the keys of `page` to the copies shown; returns the others by
    /// shown key. The store is asked only about groups seen more than once among the
    /// candidates or about articles that are themselves copies.
    fn copies(
        &self,
        page: &mut [(f32, i64)],
        members: &FxHashMap<i64, Vec<i64>>,
        dating: &dyn Fn(i64) -> search::Dating,
    ) -> Result<FxHashMap<i64, Vec<Also>>, SearchError> {
        let groups: Vec<i64> = page
            .iter()
            .map(|r| dating(r.1).story)
            .filter(|g| members[g].len() > 1 || members[g][0] != *g)
            .collect();
        let mut out = FxHashMap::default();
        if groups.is_empty() {
            return Ok(out);
        }
        let mut copies = self.store.copies_of(&groups, MAX_COPIES)?;
        for r in page.iter_mut() {
            let group = dating(r.1).story;
            let Some(list) = copies.remove(&group) else {
                continue;
            };
            let found = &members[&group];
            let preferred = |c: &&crate::store::Copy| {
                self.preferred_sources
                    .iter()
                    .position(|p| p.eq_ignore_ascii_case(&c.source))
            };
            let shown = list
                .iter()
                .filter(|c| found.contains(&c.key))
                .min_by_key(|c| preferred(c).unwrap_or(usize::MAX))
                .map_or(r.1, |c| c.key);
            r.1 = shown;
            let also: Vec<Also> = list
                .into_iter()
                .filter(|c| c.key != shown)
                .map(Also::from)
                .collect();
            out.insert(shown, also);
        }
        Ok(out)
    }
}

/// Most copies of one report listed with a hit.
const MAX_COPIES: usize = 8;

/// Weighs the candidates' scores by how new each article is: `1 + w·(2f − 1)`, where `f` halves
/// with every `half_life_days` an article is older than the newest candidate (measured against
/// the candidates, not the clock, so an archive ranks as a live feed does), so the newest gains
/// `w` and a very old one loses up to `w`. Articles without a known date keep their score. A
/// question asking for the current state doubles `w`; one asking for the start doubles it and
/// turns it around: `f` halves with every `half_life_days` an article is *newer* than the
/// oldest candidate, so the first report gains over one a few days later, however long ago
/// both were. Only the candidates `measured` set the newest and oldest dates (not one that
/// names a speaker only as a place). An article that is not `about` the question (it mentions
/// it in passing) can lose for its age but not gain. Then best first again (stable).
fn apply_recency(
    ranked: &mut [(f32, i64)],
    published: impl Fn(i64) -> Option<i64>,
    measured: impl Fn(i64) -> bool,
    about: impl Fn(i64) -> bool,
    recency: Recency,
    cue: crate::timewords::Cue,
) {
    use crate::timewords::Cue;
    let dates = ranked
        .iter()
        .filter(|r| measured(r.1))
        .filter_map(|r| published(r.1));
    let (Some(newest), Some(oldest)) = (dates.clone().max(), dates.min()) else {
        return;
    };
    if newest == oldest || recency.weight <= 0.0 {
        return;
    }
    let weight = match cue {
        Cue::None => recency.weight,
        Cue::Current | Cue::Start => 2.0 * recency.weight,
    };
    let half_life = recency.half_life_days.max(0.01) * 86_400.0;
    for r in ranked.iter_mut() {
        let Some(at) = published(r.1) else { continue };
        // Asked for the start, the oldest candidate is the one "new" is measured from.
        let age = if cue == Cue::Start {
            at - oldest
        } else {
            newest - at
        };
        let fresh = 0.5f32.powf(age as f32 / half_life);
        let factor = 1.0 + weight * (2.0 * fresh - 1.0);
        r.0 *= if about(r.1) { factor } else { factor.min(1.0) };
    }
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
}

/// A highlighted word of the quotes whose analyzed form is `term`, as the article writes it
/// ("Chavez" for the index's "chavez", "negotiations" for "negoti"): a spelling correction is
/// shown to the user in words, not stems.
fn as_written(
    hits: &[Hit],
    term: &str,
    analyzer: &mut tantivy::tokenizer::TextAnalyzer,
) -> Option<String> {
    hits.iter()
        .flat_map(|hit| {
            hit.highlights
                .iter()
                .filter_map(|r| hit.passage.get(r.clone()))
        })
        .find(|word| passage::term(analyzer, word).is_some_and(|t| &*t == term))
        .map(str::to_string)
}

/// How many of the best candidate articles (by passage) are also scored as whole articles.
const FUSED: usize = 20;

/// Re-ranks the candidate articles (best first by their best passage) by adding to each one's
/// passage score its score as a whole article (BM25 over title and body; the first [`FUSED`]),
/// each scaled by the best of its kind, with equal weights: a passage match finds where the
/// answer is; the whole article tells whether the question is what the article is about, when
/// the question's words are spread over several paragraphs. Scores, not ranks, are added
/// (CombSUM): an article far ahead in one of the two stays ahead, where summing reciprocal
/// ranks (tried first) made a swapped pair a tie that the passage order always won (BBC
/// headlines MRR 0.966 → 0.970, the tuning questions 0.890 → 0.894, the talks questions the
/// same). An index without article-level fields keeps the passage order.
fn fuse_with_whole_articles(
    ranked: &mut [(f32, i64)],
    fused: usize,
    lookup: &mut search::TermLookup<'_>,
    plan: &query::Plan,
    passage_of: impl Fn(i64) -> DocAddress,
) -> Result<(), SearchError> {
    let fused = ranked.len().min(fused);
    let keys: Vec<(i64, DocAddress)> = ranked[..fused]
        .iter()
        .map(|r| (r.1, passage_of(r.1)))
        .collect();
    let whole = lookup.article_scores(&keys, plan)?;
    add_whole_article_scores(ranked, &whole);
    Ok(())
}

/// `ranked[i].0` (a passage score) plus `whole[i]` (a whole-article score; none past its end),
/// each divided by the best of its kind, then best first (stable). Unchanged when either kind
/// has no positive score.
fn add_whole_article_scores(ranked: &mut [(f32, i64)], whole: &[f32]) {
    let best_whole = whole.iter().copied().fold(0.0, f32::max);
    let best_passage = ranked.iter().map(|r| r.0).fold(0.0, f32::max);
    if best_whole <= 0.0 || best_passage <= 0.0 {
        return;
    }
    for (i, r) in ranked.iter_mut().enumerate() {
        let whole = whole.get(i).map_or(0.0, |w| w / best_whole);
        r.0 = r.0 / best_passage + whole;
    }
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
}

/// Share of the question covered, from the terms' bits or, failing those, their names.
type Coverage<'a> = dyn Fn(u64, &dyn Fn(&str) -> bool) -> f32 + 'a;
/// An article's passages in the index: where each is, and its byte range.
type ArticlePassages = Vec<(DocAddress, Range<usize>)>;

/// A question's candidate passages grouped by article, at most [`CANDIDATES_PER_ARTICLE`] each,
/// the articles in first-seen (best) order.
fn group_by_article(
    passages: Vec<search::PassageHit>,
) -> (Vec<i64>, FxHashMap<i64, Vec<search::PassageHit>>) {
    let mut order: Vec<i64> = Vec::new();
    let mut by_article: FxHashMap<i64, Vec<search::PassageHit>> = FxHashMap::default();
    for p in passages {
        let slot = by_article.entry(p.article).or_insert_with(|| {
            order.push(p.article);
            Vec::new()
        });
        if slot.len() < CANDIDATES_PER_ARTICLE {
            slot.push(p);
        }
    }
    (order, by_article)
}

/// A newer article that matches as well (it covers the question) but was not shown, on this
/// page or the ones before it (the first `shown` of `ranked`): the newest of those newer than
/// every article shown so far, to point to.
fn newer_than_page(
    ranked: &[(f32, i64)],
    shown: usize,
    fits: &FxHashMap<i64, Fit>,
    dating: &impl Fn(i64) -> search::Dating,
) -> Option<i64> {
    let (seen, rest) = ranked.split_at(shown.min(ranked.len()));
    let newest_shown = seen.iter().filter_map(|r| dating(r.1).published).max()?;
    rest.iter()
        .filter(|r| fits[&r.1].covers)
        .filter_map(|r| Some((dating(r.1).published?, r.1)))
        .filter(|(at, _)| *at > newest_shown)
        .max()
        .map(|(_, k)| k)
}

/// Every passage of article `key` with the question's terms in it: the ones read with the
/// candidates (`prefetched`, their terms taken out of `terms_of`), else read now.
fn all_passages(
    key: i64,
    prefetched: Option<ArticlePassages>,
    snapshot: &search::Snapshot,
    lookup: &mut search::TermLookup<'_>,
    terms: &[&str],
    terms_of: &mut FxHashMap<DocAddress, PassageTerms>,
) -> Result<PassagesWithTerms, SearchError> {
    if let Some(all) = prefetched {
        return Ok(all
            .into_iter()
            .map(|(addr, range)| (range, terms_of.remove(&addr).unwrap_or_default().text))
            .collect());
    }
    let all = snapshot.article_passages(key)?;
    let addrs: Vec<DocAddress> = all.iter().map(|(a, _)| *a).collect();
    let found = lookup.passage_terms(&addrs, terms, |_| false)?;
    Ok(all
        .into_iter()
        .zip(found)
        .map(|((_, range), f)| (range, f.text))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asked_for_the_start_the_oldest_report_wins_among_old_ones() {
        use crate::timewords::Cue;
        const DAY: i64 = 86_400;
        // Key 1 on day 0, key 2 on day 5 (slightly better), key 3 on day 40 (the newest).
        let published = |key: i64| Some([0, 5, 40][key as usize - 1] * DAY);
        let recency = Recency {
            weight: 0.4,
            half_life_days: 3.0,
        };
        let order = |cue| {
            let mut ranked = vec![(1.05, 2), (1.0, 1), (0.9, 3)];
            apply_recency(&mut ranked, published, |_| true, |_| true, recency, cue);
            ranked.iter().map(|r| r.1).collect::<Vec<i64>>()
        };
        // Both early reports are weeks older than the newest: asked for the start, the
        // earliest comes first, not whichever of the two scored a little better.
        assert_eq!(order(Cue::Start), [1, 2, 3]);
        assert_eq!(order(Cue::Current), [3, 2, 1]);
    }

    #[test]
    fn an_article_mentioning_the_question_in_passing_gains_nothing_for_being_new() {
        const DAY: i64 = 86_400;
        // Key 1 on day 35, key 2 on day 40 (the newest, a little less good).
        let published = |key: i64| Some([35, 40][key as usize - 1] * DAY);
        let recency = Recency {
            weight: 0.4,
            half_life_days: 3.0,
        };
        let order = |about_newest: bool| {
            let mut ranked = vec![(1.0, 1), (0.8, 2)];
            let about = |key: i64| key == 1 || about_newest;
            apply_recency(
                &mut ranked,
                published,
                |_| true,
                about,
                recency,
                crate::timewords::Cue::None,
            );
            ranked.iter().map(|r| r.1).collect::<Vec<i64>>()
        };
        // About the question, the newer comes first; mentioning it in passing, it does not
        // (the older still loses a little for its age).
        assert_eq!(order(true), [2, 1]);
        assert_eq!(order(false), [1, 2]);
    }

    #[test]
    fn an_article_far_ahead_as_a_whole_overtakes_a_slightly_better_passage() {
        // Article 1's passage is a little better; article 2 is far more about the question as
        // a whole (a swapped pair: summed ranks would tie, and the passage order kept 1 first).
        let mut ranked = [(10.0, 1), (9.5, 2), (4.0, 3)];
        add_whole_article_scores(&mut ranked, &[3.0, 12.0, 1.0]);
        assert_eq!(ranked.map(|r| r.1), [2, 1, 3]);
        // Close as whole articles, a passage clearly better: it stays first.
        let mut ranked = [(10.0, 1), (9.0, 2), (4.0, 3)];
        add_whole_article_scores(&mut ranked, &[11.5, 12.0, 1.0]);
        assert_eq!(ranked.map(|r| r.1), [1, 2, 3]);
        // Articles past the whole-article scores keep only their passage part; no whole-article
        // scores at all (an index without them) keeps the passage order.
        let mut ranked = [(10.0, 1), (9.9, 2), (9.8, 3)];
        add_whole_article_scores(&mut ranked, &[1.0, 0.1]);
        assert_eq!(ranked.map(|r| r.1), [1, 2, 3]);
        add_whole_article_scores(&mut ranked, &[0.0, 0.0, 0.0]);
        assert_eq!(ranked.map(|r| r.1), [1, 2, 3]);
    }
}
