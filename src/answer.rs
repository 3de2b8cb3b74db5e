//! From a question to ranked hits: plan the words, search passages, collapse per article, drop
//! what does not cover enough of the question, highlight, and join with article metadata.

use std::collections::HashMap;

use crate::reply::{Answer, Hit, NotFoundReason};
use crate::search::query::{self, PlanInput};
use crate::search::{self, Aliases, SearchError, SearchFilters, SearchIndex, Weights};
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

/// Most passages looked at for one question.
const MAX_CANDIDATES: usize = 1000;

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
        let Some(q) = query::build(&plan, &req.filters, fields, &self.weights) else {
            return Ok(Err(NotFoundReason::NoWords));
        };
        let wanted = req.offset + req.limit;
        let per_article = req.per_article.max(1);
        let highlight_terms = plan.highlight_terms();
        let mut candidates = (wanted * per_article * 4 + 20).min(MAX_CANDIDATES);
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
                if slot.len() < per_article {
                    slot.push(p);
                }
            }
            let mut hits: Vec<Hit> = Vec::new();
            let mut relevant_articles = 0;
            for key in &order {
                if relevant_articles > wanted {
                    break;
                }
                let Some(stored) = self.store.get(*key)? else {
                    continue; // deleted since it was indexed
                };
                let article = &stored.article;
                let mut article_hits = Vec::new();
                for p in &by_article[key] {
                    let Some(text) = article.body.get(p.range.clone()) else {
                        continue; // article changed since it was indexed; the writer will catch up
                    };
                    let mut found = search::token_set(&mut analyzer, text);
                    found.extend(search::token_set(&mut analyzer, &article.title));
                    if plan.coverage(&found) < self.min_coverage {
                        continue;
                    }
                    let highlights =
                        search::passage::highlight(&mut analyzer, text, &highlight_terms);
                    article_hits.push(Hit {
                        title: article.title.clone(),
                        url: article.url.clone(),
                        source: article.source.clone(),
                        published: article.published,
                        published_estimated: article.published_estimated,
                        passage: text.to_string(),
                        highlights,
                        score: p.score,
                    });
                }
                if !article_hits.is_empty() {
                    relevant_articles += 1;
                    hits.extend(article_hits);
                }
            }
            if relevant_articles > wanted || exhausted || candidates >= MAX_CANDIDATES {
                let more = relevant_articles > wanted;
                let page: Vec<Hit> = collapse_page(hits, req.offset, req.limit);
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

/// Takes the hits of articles `offset..offset + limit` (hits are grouped by article already).
fn collapse_page(hits: Vec<Hit>, offset: usize, limit: usize) -> Vec<Hit> {
    let mut out = Vec::new();
    let mut article_no = 0;
    let mut last_url: Option<String> = None;
    for hit in hits {
        if last_url.as_deref() != Some(hit.url.as_str()) {
            if last_url.is_some() {
                article_no += 1;
            }
            last_url = Some(hit.url.clone());
        }
        if article_no >= offset + limit {
            break;
        }
        if article_no >= offset {
            out.push(hit);
        }
    }
    out
}
