//! Watches: words a room wants to hear about. When a newly ingested article contains all the
//! words of a watch (or their aliases and synonyms), the room gets its title, the quote an
//! answer would choose and its link, once (also across restarts), and bursts of articles become
//! one digest per room.
//!
//! The core only decides *what* to tell *which place* ([`Alert`]); adapters deliver.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use crate::engine::Engine;
use crate::reply::{Hit, Reply};
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

/// Matches new articles against every watch and sends one alert (a digest when several
/// articles match) per place every `window`, never twice for the same watch and article.
pub async fn run(
    engine: Arc<Engine>,
    mut new_articles: tokio::sync::mpsc::UnboundedReceiver<Vec<i64>>,
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
                // Each watch's words are planned once for the whole batch.
                let mut quotes: Vec<HashMap<i64, Hit>> = watches
                    .iter()
                    .map(|watch| match engine.watch_quotes(&watch.words, &batch) {
                        Ok(hits) => hits.into_iter().collect(),
                        Err(e) => {
                            tracing::warn!(error = %crate::text::error_chain(&e), "cannot match a watch");
                            HashMap::new()
                        }
                    })
                    .collect();
                for &key in &batch {
                    for (watch, quotes) in watches.iter().zip(quotes.iter_mut()) {
                        let Some(hit) = quotes.remove(&key) else { continue };
                        // Recorded before delivery: a crash may lose an alert, never repeat one.
                        match engine.store().mark_alerted(watch.id, &hit.url) {
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
