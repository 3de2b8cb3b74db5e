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
const MAX_CANDIDATES: usize = 1000;
/// Most passages of one article compared for its best quote.
const CANDIDATES_PER_ARTICLE: usize = 8;

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
            // the passage (with its title) covers; passages below the coverage bar are dropped.
            let mut ranked: Vec<(f32, Vec<Hit>)> = Vec::new();
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
                let mut scored: Vec<(f32, &str, Vec<std::ops::Range<usize>>)> = Vec::new();
                for p in &by_article[key] {
                    let Some(text) = article.body.get(p.range.clone()) else {
                        continue; // article changed since it was indexed; the writer catches up
                    };
                    let tokens = search::passage::tokens(&mut analyzer, text);
                    let coverage = plan.coverage(|t| {
                        title_tokens.contains(t) || tokens.iter().any(|tok| tok.text == t)
                    });
                    tracing::debug!(
                        article = key,
                        score = p.score,
                        coverage,
                        "candidate passage"
                    );
                    if coverage < self.min_coverage {
                        continue;
                    }
                    let phrase_factor =
                        1.0 + (self.weights.phrase_boost - 1.0) * plan.phrase_share(&tokens);
                    let score = p.score * (0.25 + 0.75 * coverage) * title_factor * phrase_factor;
                    let highlights = tokens
                        .iter()
                        .filter(|t| highlight_terms.contains(&t.text))
                        .map(|t| t.range.clone())
                        .collect();
                    scored.push((score, text, highlights));
                }
                if scored.is_empty() {
                    continue;
                }
                scored.sort_by(|a, b| b.0.total_cmp(&a.0));
                let best = scored[0].0;
                let hits = scored
                    .into_iter()
                    .take(per_article)
                    .map(|(score, text, highlights)| Hit {
                        title: article.title.clone(),
                        url: article.url.clone(),
                        source: article.source.clone(),
                        published: article.published,
                        published_estimated: article.published_estimated,
                        passage: text.to_string(),
                        highlights,
                        score,
                    })
                    .collect();
                ranked.push((best, hits));
            }
            if ranked.len() > wanted || exhausted || candidates >= MAX_CANDIDATES {
                ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
                let more = ranked.len() > wanted;
                let page: Vec<Hit> = ranked
                    .into_iter()
                    .skip(req.offset)
                    .take(req.limit)
                    .flat_map(|(_, hits)| hits)
                    .collect();
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
