//! From a question to ranked hits: plan the words, search passages, collapse per article, drop
//! what does not cover enough of the question, highlight, and join with article metadata.

use std::collections::HashMap;

use crate::reply::{Answer, Hit, NotFoundReason};
use crate::search::query::{self, PlanInput};
use crate::search::{self, Aliases, SearchError, SearchFilters, SearchIndex};
use crate::store::ArticleStore;

/// A question with its filters, as the engine runs it.
#[derive(Debug, Clone, PartialEq)]
pub struct AskRequest {
    pub question: String,
    pub filters: SearchFilters,
    pub limit: usize,
    pub offset: usize,
    /// Passages per article (1 collapses each article to its best passage).
    pub per_article: usize,
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
/// Articles of a page whose quote is chosen among all their passages (the first: the answer).
const FULLY_READ_ARTICLES: usize = 1;
/// Most passages of one article compared for its best quote.
const CANDIDATES_PER_ARTICLE: usize = 4;

pub struct Answerer<'a> {
    pub store: &'a ArticleStore,
    pub index: &'a SearchIndex,
    pub aliases: &'a Aliases,
    pub weights: Weights,
    pub fuzzy: bool,
    pub min_coverage: f32,
}

impl Answerer<'_> {
    pub fn ask(&self, req: &AskRequest) -> Result<Result<Answer, NotFoundReason>, SearchError> {
        let searcher = self.index.searcher();
        if searcher.num_docs() == 0 {
            return Ok(Err(NotFoundReason::EmptyIndex));
        }
        let mut analyzer = search::analyzer();
        let fields = self.index.fields();
        let plan = query::plan(
            PlanInput {
                question: &req.question,
                aliases: self.aliases,
                fuzzy: self.fuzzy,
            },
            &mut analyzer,
            &searcher,
            fields,
        );
        tracing::debug!(?plan, "question plan");
        let Some(q) = query::build(&plan, &req.filters, fields) else {
            return Ok(Err(NotFoundReason::NoWords));
        };
        let wanted = req.offset + req.limit;
        let per_article = req.per_article.max(1);
        let highlight_terms = plan.highlight_terms();
        let relevant = plan.relevant_terms();
        let mut candidates = (wanted * 3 + 8).min(MAX_CANDIDATES);
        loop {
            let passages = self.index.top_passages(q.as_ref(), candidates)?;
            let exhausted = passages.len() < candidates;
            // Group by article, keeping first-seen (best) order.
            let mut order: Vec<i64> = Vec::new();
            let mut by_article: HashMap<i64, Vec<search::PassageHit>> = HashMap::new();
            for p in passages {
                let slot = by_article.entry(p.article).or_insert_with(|| {
                    order.push(p.article);
                    Vec::new()
                });
                if slot.len() < CANDIDATES_PER_ARTICLE {
                    slot.push(p);
                }
            }
            // Rank each article by its best passage, weighing BM25 by how much of the question
            // the passage (with its title) covers; articles whose candidates together cover less
            // than half the bar are dropped.
            let mut ranked: Vec<(f32, i64)> = Vec::new();
            // Analyzed candidate passages, reused when the quote is chosen.
            let mut pool_tokens: HashMap<(i64, usize), Vec<search::passage::PassageToken>> =
                HashMap::new();
            let articles: HashMap<i64, crate::store::StoredArticle> = self
                .store
                .get_many(&order)?
                .into_iter()
                .map(|a| (a.key, a))
                .collect();
            for key in &order {
                let Some(stored) = articles.get(key) else {
                    continue; // deleted since it was indexed
                };
                let article = &stored.article;
                let title_tokens = search::token_set(&mut analyzer, &article.title);
                let title_coverage = plan.coverage(|t| title_tokens.contains(t));
                let title_factor = 1.0 + (self.weights.title_boost - 1.0) * title_coverage;
                let mut analyzed: Vec<(
                    &search::PassageHit,
                    &str,
                    Vec<search::passage::PassageToken>,
                )> = Vec::new();
                for p in &by_article[key] {
                    let Some(text) = article.body.get(p.range.clone()) else {
                        continue; // article changed since it was indexed; the writer catches up
                    };
                    analyzed.push((
                        p,
                        text,
                        search::passage::tokens_in(&mut analyzer, text, &relevant),
                    ));
                }
                // The article must be about the question: its title and the passages found in
                // it together cover enough of the question's weight. (A long question is rarely
                // covered by one paragraph alone; an unrelated article covers little of it.)
                let article_coverage = plan.coverage(|t| {
                    title_tokens.contains(t)
                        || analyzed
                            .iter()
                            .any(|(_, _, tokens)| tokens.iter().any(|tok| tok.text == t))
                });
                tracing::debug!(article = key, article_coverage, "candidate article");
                if article_coverage < self.min_coverage * 0.5 {
                    continue;
                }
                let mut best: Option<f32> = None;
                for (p, _, tokens) in &analyzed {
                    let coverage = plan.coverage(|t| {
                        title_tokens.contains(t) || tokens.iter().any(|tok| tok.text == t)
                    });
                    tracing::debug!(
                        article = key,
                        score = p.score,
                        coverage,
                        "candidate passage"
                    );
                    let phrase_factor =
                        1.0 + (self.weights.phrase_boost - 1.0) * plan.phrase_share(tokens);
                    let score = p.score * (0.25 + 0.75 * coverage) * title_factor * phrase_factor;
                    best = Some(best.map_or(score, |b: f32| b.max(score)));
                }
                if let Some(best) = best {
                    ranked.push((best, *key));
                }
                for (p, _, tokens) in analyzed {
                    pool_tokens.insert((*key, p.range.start), tokens);
                }
            }
            // A bigger pool is only worth it when too few distinct articles were seen; articles
            // seen but not covering the question rarely gain from more of their passages.
            if ranked.len() > wanted
                || order.len() > wanted
                || exhausted
                || candidates >= MAX_CANDIDATES
            {
                ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
                let more = ranked.len() > wanted;
                let mut page: Vec<Hit> = Vec::new();
                for (i, (score, key)) in ranked
                    .into_iter()
                    .skip(req.offset)
                    .take(req.limit)
                    .enumerate()
                {
                    let article = &articles[&key].article;
                    let title_tokens = search::token_set(&mut analyzer, &article.title);
                    // The first article gets its quote chosen among all its passages; further
                    // ones among the passages the search found (cheaper, nearly as good).
                    let ranges = if i < FULLY_READ_ARTICLES {
                        let indexed = self.index.passage_ranges(key)?;
                        if indexed.is_empty() {
                            search::passage::split(&article.body)
                        } else {
                            indexed
                        }
                    } else {
                        let mut r: Vec<_> =
                            by_article[&key].iter().map(|p| p.range.clone()).collect();
                        r.sort_by_key(|r| r.start);
                        r
                    };
                    let (passages, coverage) = best_passages(
                        &req.question,
                        &plan,
                        &mut analyzer,
                        &article.body,
                        ranges,
                        |start| pool_tokens.remove(&(key, start)),
                        &title_tokens,
                        &highlight_terms,
                        &relevant,
                        per_article,
                    );
                    // The bar for saying anything: the best article, as a whole, covers enough
                    // of the question. Below it the answer is "nothing found", never a guess.
                    if i == 0 && req.offset == 0 && coverage < self.min_coverage {
                        tracing::debug!(article = key, coverage, "best article covers too little");
                        break;
                    }
                    for (share, range, highlights) in passages {
                        page.push(Hit::quote(article, range, highlights, score * share));
                    }
                }
                if page.is_empty() {
                    return Ok(Err(NotFoundReason::NoMatch));
                }
                let corrections = plan
                    .groups
                    .iter()
                    .filter_map(|g| g.corrected_to.clone().map(|c| (g.term.clone(), c)))
                    .collect();
                return Ok(Ok(Answer {
                    question: req.question.clone(),
                    hits: page,
                    offset: req.offset,
                    more,
                    corrections,
                }));
            }
            candidates = (candidates * 4).min(MAX_CANDIDATES);
        }
    }
}

/// How much a question word found in the title counts when choosing the quote inside an
/// article: the title already says the article is about it, so the quote should carry the
/// words the title does not (the lead paragraph repeats the title; the answer is often further
/// down).
const TITLE_WORD_DISCOUNT: f32 = 0.5;

/// Factor for a passage with a number in it when the question asks for one.
const NUMBER_BOOST: f32 = 1.5;

/// "How many…", "how much…", "when…": the answer is a number or a date, so a quote with digits
/// in it is more likely the one that answers.
fn asks_for_a_number(question: &str) -> bool {
    let q = question.to_lowercase();
    [
        "how many",
        "how much",
        "how long",
        "how old",
        "how far",
        "how big",
        "how often",
        "what share",
        "what fraction",
        "what percentage",
        "what proportion",
        "what price",
        "what year",
        "which year",
        "when ",
    ]
    .iter()
    .any(|p| q.contains(p))
}

/// The `n` passages of an article that answer the question best, in article order of their
/// score: each scores the question weight it carries (title words discounted, spelling
/// corrections half), times the phrase boost; ties go to the earlier passage. Returns (score
/// relative to the best, byte range, highlight ranges relative to the passage).
/// Also returns the share of the question the whole article (title and body) covers.
#[allow(clippy::type_complexity, clippy::too_many_arguments)] // one private call site
fn best_passages(
    question: &str,
    plan: &query::Plan,
    analyzer: &mut tantivy::tokenizer::TextAnalyzer,
    body: &str,
    ranges: Vec<std::ops::Range<usize>>,
    mut analyzed: impl FnMut(usize) -> Option<Vec<search::passage::PassageToken>>,
    title_tokens: &std::collections::HashSet<String>,
    highlight_terms: &std::collections::HashSet<String>,
    relevant: &rustc_hash::FxHashSet<String>,
    n: usize,
) -> (
    Vec<(f32, std::ops::Range<usize>, Vec<std::ops::Range<usize>>)>,
    f32,
) {
    let mut scored: Vec<(
        f32,
        std::ops::Range<usize>,
        Vec<search::passage::PassageToken>,
    )> = Vec::new();
    let wants_number = asks_for_a_number(question);
    // Analyzed question words start with (almost always) the same three letters as the word
    // in the text, so a passage with none of them cannot carry any word and is not analyzed.
    // Text with non-ASCII letters (ASCII folding) is always analyzed.
    let probes: Vec<String> = plan
        .groups
        .iter()
        .flat_map(|g| g.terms.iter().chain(g.phrases.iter().flatten()))
        .map(|t| t.chars().take(3).collect())
        .collect();
    for range in ranges {
        let Some(text) = body.get(range.clone()) else {
            continue; // article changed since it was indexed
        };
        let tokens = match analyzed(range.start) {
            Some(tokens) => tokens,
            None => {
                if text.is_ascii() {
                    let lower = text.to_ascii_lowercase();
                    if !probes.iter().any(|p| lower.contains(p.as_str())) {
                        continue;
                    }
                }
                search::passage::tokens_in(analyzer, text, relevant)
            }
        };
        let carried: f32 = plan
            .groups
            .iter()
            .map(|g| {
                let w = g.matched_weight(|t| tokens.iter().any(|tok| tok.text == t));
                if g.terms.iter().any(|t| title_tokens.contains(t)) {
                    w * TITLE_WORD_DISCOUNT
                } else {
                    w
                }
            })
            .sum();
        let mut score = carried * (1.0 + plan.phrase_share(&tokens));
        if wants_number && text.bytes().any(|b| b.is_ascii_digit()) {
            score *= NUMBER_BOOST;
        }
        scored.push((score, range, tokens));
    }
    let coverage = plan.coverage(|t| {
        title_tokens.contains(t)
            || scored
                .iter()
                .any(|(_, _, tokens)| tokens.iter().any(|tok| tok.text == t))
    });
    // Stable sort: equal scores keep article order.
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let top = scored
        .first()
        .map(|s| s.0)
        .filter(|s| *s > 0.0)
        .unwrap_or(1.0);
    let best = scored
        .into_iter()
        .take(n)
        .map(|(score, range, tokens)| {
            let highlights = tokens
                .iter()
                .filter(|t| highlight_terms.contains(&t.text))
                .map(|t| t.range.clone())
                .collect();
            (score / top, range, highlights)
        })
        .collect();
    (best, coverage)
}
