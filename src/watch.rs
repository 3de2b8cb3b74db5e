//! Watches: words a room wants to hear about. When a newly ingested article contains all the
//! words of a watch, the room gets its title, best passage and link, once (also across
//! restarts), and bursts of articles become one digest per room.
//!
//! The core only decides *what* to tell *which place* ([`Alert`]); adapters deliver.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use crate::engine::Engine;
use crate::ingest::Article;
use crate::reply::{Hit, Reply};
use crate::search::passage;
use crate::shutdown::Shutdown;
use crate::store::Watch;

/// A reply for one place on one platform.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// "matrix" or "discord".
    pub platform: String,
    /// Room or channel id.
    pub place: String,
    pub reply: Reply,
}

/// The next alert for `platform` (None when the sender is gone). Alerts for other platforms
/// are passed over; a receiver that fell behind logs how many it missed and goes on.
pub async fn next_alert(
    alerts: &mut tokio::sync::broadcast::Receiver<Alert>,
    platform: &str,
) -> Option<Alert> {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        match alerts.recv().await {
            Ok(a) if a.platform == platform => return Some(a),
            Ok(_) => {}
            Err(RecvError::Lagged(n)) => {
                tracing::warn!(
                    skipped = n,
                    platform,
                    "watch alerts were dropped (too many at once)"
                );
            }
            Err(RecvError::Closed) => return None,
        }
    }
}

/// Analyzed terms of some text (stems, lowercased, stop words removed).
fn terms(text: &str) -> Vec<String> {
    let mut analyzer = crate::search::analyzer();
    passage::tokens(&mut analyzer, text)
        .into_iter()
        .map(|t| t.text.to_string())
        .collect()
}

/// If `article` contains every word of `words`, its best passage as a hit.
pub fn match_article(words: &str, article: &Article) -> Option<Hit> {
    let wanted: HashSet<String> = terms(words).into_iter().collect();
    if wanted.is_empty() {
        return None;
    }
    let mut analyzer = crate::search::analyzer();
    let title_terms: HashSet<String> = passage::tokens(&mut analyzer, &article.title)
        .into_iter()
        .map(|t| t.text.to_string())
        .collect();
    let mut found: HashSet<&String> = wanted.iter().filter(|w| title_terms.contains(*w)).collect();
    let mut best: Option<(usize, Range<usize>, Vec<Range<usize>>)> = None;
    for range in passage::split(&article.body) {
        let text = &article.body[range.clone()];
        let tokens = passage::tokens(&mut analyzer, text);
        let hits: Vec<&passage::PassageToken> = tokens
            .iter()
            .filter(|t| wanted.contains(&*t.text))
            .collect();
        let distinct: HashSet<&str> = hits.iter().map(|t| &*t.text).collect();
        found.extend(wanted.iter().filter(|w| distinct.contains(w.as_str())));
        if best.as_ref().is_none_or(|(n, _, _)| distinct.len() > *n) {
            best = Some((
                distinct.len(),
                range.clone(),
                hits.iter().map(|t| t.range.clone()).collect(),
            ));
        }
    }
    if found.len() < wanted.len() {
        return None;
    }
    let (_, range, highlights) = best?;
    Some(Hit::quote(article, range, highlights, 1.0))
}

/// Matches new articles against every watch and sends one alert (a digest when several
/// articles match) per place every `window`, never twice for the same watch and article.
pub async fn run(
    engine: Arc<Engine>,
    mut new_articles: tokio::sync::mpsc::UnboundedReceiver<Vec<Article>>,
    alerts: tokio::sync::broadcast::Sender<Alert>,
    window: Duration,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    // (platform, place) → (watch words, hits)
    let mut pending: BTreeMap<(String, String), Vec<(String, Hit)>> = BTreeMap::new();
    let mut tick = tokio::time::interval(window);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            batch = new_articles.recv() => {
                let Some(batch) = batch else { break };
                let watches: Vec<Watch> = engine.store().all_watches().unwrap_or_default();
                for article in &batch {
                    for watch in &watches {
                        let Some(hit) = match_article(&watch.words, article) else { continue };
                        // Recorded before delivery: a crash may lose an alert, never repeat one.
                        match engine.store().mark_alerted(watch.id, &article.url) {
                            Ok(true) => pending
                                .entry((watch.platform.clone(), watch.place.clone()))
                                .or_default()
                                .push((watch.words.clone(), hit)),
                            Ok(false) => {}
                            Err(e) => tracing::warn!(error = %e, "cannot record an alert"),
                        }
                    }
                }
            }
            _ = tick.tick() => {
                for ((platform, place), hits) in std::mem::take(&mut pending) {
                    let reply = Reply::Alert { hits };
                    let _ = alerts.send(Alert { platform, place, reply });
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(title: &str, body: &str) -> Article {
        Article {
            url: "https://news.example.org/x".into(),
            title: title.into(),
            source: "Example Wire".into(),
            published: crate::ingest::parse_date("2026-11-20").unwrap(),
            published_estimated: false,
            tags: vec![],
            body: body.into(),
        }
    }

    #[test]
    fn all_words_must_appear_and_the_best_paragraph_is_quoted() {
        let a = article(
            "Monitors arrive",
            "The weather was fine.\n\nCeasefire monitors arrived in the port on Saturday.",
        );
        let hit = match_article("ceasefire monitor", &a).unwrap();
        assert!(
            hit.passage
                .ends_with("Ceasefire monitors arrived in the port on Saturday.")
        );
        assert_eq!(hit.highlights.len(), 2);
        assert!(match_article("ceasefire grain", &a).is_none());
        assert!(
            match_article("the of", &a).is_none(),
            "stop words alone match nothing"
        );
    }
}
