//! Timelines: a topic's matches as developments in date order.

use std::ops::Range;
use std::sync::Arc;

use rustc_hash::FxHashSet;
use tantivy::tokenizer::TextAnalyzer;

use crate::reply::{Also, Hit};
use crate::search::{self, passage};

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

/// Share of the shorter one's words (title and quote, as search terms, weekday and month names
/// left out) that two reports of one day must have in common to be one development. An outlet's
/// re-telling of an event names the same people, places and terms (0.29-0.96 in the story and
/// demo collections); two developments of one story share less (the Kremlin adviser's word on
/// territory and the end of the Moscow talks, 0.21; Europe's reaction and Turkey's offer to host
/// the next round, 0.20), two stories that match a broad topic ("talks") little more than their
/// weekday (at most 0.17).
const SAME_EVENT: f32 = 0.25;

/// The developments among a topic's matches (best first): matches that only mention the topic
/// in passing are left out, and of the dated matches published on the same day about the same
/// event (see [`SAME_EVENT`]) the best stands for that day's development, the others listed
/// with it as "also" (an outlet's own re-telling of the event, as wire copies are).
fn developments(hits: Vec<Hit>) -> Vec<Hit> {
    let best = hits.iter().map(|h| h.score).fold(0.0f32, f32::max);
    let mut analyzer = search::analyzer();
    let mut out: Vec<Hit> = Vec::with_capacity(hits.len());
    // Each line's words, read when a later match of its day is compared with it.
    let mut line_words: Vec<Option<FxHashSet<Arc<str>>>> = Vec::with_capacity(hits.len());
    for hit in hits {
        if best > 0.0 && hit.score < TIMELINE_FLOOR * best {
            continue;
        }
        let mut words = None;
        let mut same_event = None;
        if !hit.published_estimated {
            let day = hit.published.date_naive();
            for (i, line) in out.iter().enumerate() {
                if line.published_estimated || line.published.date_naive() != day {
                    continue;
                }
                let theirs = line_words[i].get_or_insert_with(|| event_words(&mut analyzer, line));
                let ours = words.get_or_insert_with(|| event_words(&mut analyzer, &hit));
                if shared_share(ours, theirs) >= SAME_EVENT {
                    same_event = Some(i);
                    break;
                }
            }
        }
        match same_event {
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
            None => {
                out.push(hit);
                line_words.push(words);
            }
        }
    }
    out
}

/// A report's words for telling events apart: the search terms of its title and quote, without
/// the names of weekdays and months (two reports of one day share those whatever they are about).
fn event_words(analyzer: &mut TextAnalyzer, hit: &Hit) -> FxHashSet<Arc<str>> {
    let text = format!("{} {}", hit.title, hit.passage);
    passage::tokens(analyzer, &text)
        .into_iter()
        .filter(|t| !crate::timewords::is_calendar_word(&text[t.range.clone()]))
        .map(|t| t.text)
        .collect()
}

/// How many of the smaller set's words the other holds, as a share of the smaller set.
fn shared_share(a: &FxHashSet<Arc<str>>, b: &FxHashSet<Arc<str>>) -> f32 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if small.is_empty() {
        return 0.0;
    }
    small.iter().filter(|w| large.contains(*w)).count() as f32 / small.len() as f32
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn report(title: &str, passage: &str, hour: u32, source: &str) -> Hit {
        Hit {
            title: title.into(),
            url: format!("https://{source}.example.org/{hour}"),
            source: source.into(),
            published: Utc.with_ymd_and_hms(2026, 11, 9, hour, 0, 0).unwrap(),
            published_estimated: false,
            passage: passage.into(),
            highlights: Vec::new(),
            score: 1.0,
            also: Vec::new(),
        }
    }

    #[test]
    fn reports_of_one_day_share_a_line_only_when_they_tell_one_event() {
        let dam = report(
            "Nile dam talks resume in Washington",
            "Negotiators from Egypt, Ethiopia and Sudan met in Washington on Monday for another \
             round of talks on the dam and its four-year filling plan.",
            9,
            "wire",
        );
        let climate = report(
            "Climate finance dominates the opening of the talks",
            "Delegates from poorer countries opened the climate talks on Monday by asking for \
             more money to adapt to floods and droughts.",
            11,
            "news",
        );
        let dam_again = report(
            "Egypt and Ethiopia back at the table over the Nile dam",
            "Egypt, Ethiopia and Sudan resumed talks in Washington on Monday over the filling of \
             the dam.",
            13,
            "ledger",
        );
        let (lines, more) = timeline(vec![dam, climate, dam_again], 0, 10);
        assert!(!more);
        let shown: Vec<(&str, Vec<&str>)> = lines
            .iter()
            .map(|h| {
                (
                    h.source.as_str(),
                    h.also.iter().map(|a| a.source.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(shown, [("wire", vec!["ledger"]), ("news", vec![])]);
    }
}
