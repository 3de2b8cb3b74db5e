//! Timelines: a topic's matches as developments in date order.

use std::ops::Range;

use crate::reply::{Also, Hit};
use crate::search::passage;

/// A timeline of `hits` (one per report, as answers give them): in date order, oldest first,
/// undated articles last; each quote cut to the sentences (at most [`passage::MAX_PASSAGE`]
/// bytes) with the most of the question's words. Returns the page at `offset` and whether more
/// follow.
pub fn timeline(hits: Vec<Hit>, offset: usize, limit: usize) -> (Vec<Hit>, bool) {
    let mut hits = developments(hits);
    hits.sort_by_key(|h| (h.published_estimated, h.published));
    let more = hits.len() > offset + limit;
    let page = hits
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|mut hit| {
            let pieces = passage::split(&hit.passage);
            let inside = |r: &Range<usize>| {
                hit.highlights
                    .iter()
                    .filter(|h| h.start >= r.start && h.end <= r.end)
                    .count()
            };
            if let Some(best) = pieces
                .iter()
                .enumerate()
                .max_by_key(|(i, r)| (inside(r), std::cmp::Reverse(*i)))
                .map(|(_, r)| r.clone())
            {
                hit.highlights = hit
                    .highlights
                    .iter()
                    .filter(|h| h.start >= best.start && h.end <= best.end)
                    .map(|h| h.start - best.start..h.end - best.start)
                    .collect();
                hit.passage = hit.passage[best].to_string();
            }
            hit
        })
        .collect();
    (page, more)
}

/// Share of the best match's score below which a match only mentions the topic in passing (a
/// background paragraph, another story's recap) and gets no line in a timeline. Calibrated on
/// the tuning half of `bench/story/timelines.toml` (docs/benchmarks.md).
const TIMELINE_FLOOR: f32 = 0.4;

/// The developments among a topic's matches (best first): matches that only mention the topic
/// in passing are left out, and of the dated matches published on the same day the best
/// stands for that day's development, the others listed with it as "also" (an outlet's own
/// re-telling of the same event, as wire copies are).
fn developments(hits: Vec<Hit>) -> Vec<Hit> {
    let best = hits.iter().map(|h| h.score).fold(0.0f32, f32::max);
    let mut out: Vec<Hit> = Vec::with_capacity(hits.len());
    for hit in hits {
        if best > 0.0 && hit.score < TIMELINE_FLOOR * best {
            continue;
        }
        let same_day = (!hit.published_estimated)
            .then(|| {
                out.iter().position(|h| {
                    !h.published_estimated && h.published.date_naive() == hit.published.date_naive()
                })
            })
            .flatten();
        match same_day {
            Some(i) => {
                let also = Also {
                    source: hit.source,
                    url: hit.url,
                    published: hit.published,
                    published_estimated: hit.published_estimated,
                };
                out[i].also.push(also);
                out[i].also.extend(hit.also);
            }
            None => out.push(hit),
        }
    }
    out
}
