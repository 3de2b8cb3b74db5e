//! The top-passages collector: tantivy's pruning search (whole blocks of postings skipped when
//! they cannot beat the last place) with ties kept in a fixed order, so that equal scores (the
//! same paragraph in two copies of a report) rank by article key, then position, and never by
//! where the writer's threads happened to put them.

use std::cmp::Ordering;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Weight;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use super::columns::PassageColumns;

/// A passage the collector kept, with what orders it among equal scores.
#[derive(Debug, Clone, Copy)]
pub(super) struct Ranked {
    pub score: Score,
    pub article: u64,
    pub start: u64,
    pub addr: DocAddress,
}

impl Ranked {
    /// `Greater` is better: a higher score, then a lower article key, then an earlier start.
    fn rank(&self, other: &Ranked) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then(other.article.cmp(&self.article))
            .then(other.start.cmp(&self.start))
    }
}

/// The best `limit` passages over all segments, best first.
pub(super) struct TopTied {
    pub limit: usize,
    /// Per segment, in segment order.
    pub columns: Vec<Arc<PassageColumns>>,
}

impl Collector for TopTied {
    type Fruit = Vec<Ranked>;
    type Child = SegmentTop;

    fn for_segment(
        &self,
        segment_ord: SegmentOrdinal,
        _segment: &SegmentReader,
    ) -> tantivy::Result<SegmentTop> {
        Ok(SegmentTop {
            limit: self.limit,
            segment_ord,
            columns: self.columns[segment_ord as usize].clone(),
            kept: Vec::with_capacity(2 * self.limit),
            floor: None,
            next_cut: 2 * self.limit,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Ranked>>) -> tantivy::Result<Vec<Ranked>> {
        let mut all: Vec<Ranked> = fruits.into_iter().flatten().collect();
        all.sort_by(|a, b| b.rank(a));
        all.truncate(self.limit);
        Ok(all)
    }

    /// The pruning search: only passages that score at least the last place kept are offered
    /// (the bar is set just below it, so a tie still comes in and is ordered by its key).
    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment_ord: u32,
        reader: &SegmentReader,
    ) -> tantivy::Result<Vec<Ranked>> {
        let mut top = self.for_segment(segment_ord, reader)?;
        let alive = reader.alive_bitset();
        weight.for_each_pruning(Score::MIN, reader, &mut |doc, score| {
            if alive.is_some_and(|a| a.is_deleted(doc)) {
                return top.bar();
            }
            top.offer(doc, score)
        })?;
        Ok(top.harvest())
    }
}

/// One segment's best passages so far: every passage scoring at least the `limit`-th best
/// score seen, ties included, with only its score and document kept. What orders ties (the
/// article key and position, two column reads) is read once, for the passages left at the end
/// (read for every passage offered, as a heap of ranked passages needs, a warm headline took
/// 0.8 % more instructions; docs/benchmarks.md).
pub(super) struct SegmentTop {
    limit: usize,
    segment_ord: SegmentOrdinal,
    columns: Arc<PassageColumns>,
    kept: Vec<(Score, DocId)>,
    /// The `limit`-th best score kept at the last cut (none before the first): nothing below it
    /// can place.
    floor: Option<Score>,
    /// Length of `kept` at which it is cut back next: twice the limit, or twice what the last
    /// cut left where ties at the floor are many (so a thousand copies of one paragraph do not
    /// make every offer a cut).
    next_cut: usize,
}

impl SegmentTop {
    /// The score a passage must exceed to be offered: just under the floor, so ties are
    /// still offered.
    fn bar(&self) -> Score {
        self.floor.map_or(Score::MIN, f32::next_down)
    }

    /// Keeps the passage if it can still place; returns the new bar. The kept passages are
    /// cut back to those at or above the floor whenever they double (amortized linear, as
    /// tantivy's own top-n buffer).
    fn offer(&mut self, doc: DocId, score: Score) -> Score {
        if self.floor.is_some_and(|floor| score < floor) {
            return self.bar();
        }
        self.kept.push((score, doc));
        if self.kept.len() >= self.next_cut {
            self.cut();
            self.next_cut = (2 * self.kept.len()).max(2 * self.limit);
        }
        self.bar()
    }

    /// Raises the floor to the `limit`-th best score kept and drops what is below it.
    fn cut(&mut self) {
        if self.kept.len() < self.limit || self.limit == 0 {
            return;
        }
        let nth = self.limit - 1;
        let (_, &mut (floor, _), _) = self
            .kept
            .select_nth_unstable_by(nth, |a, b| b.0.total_cmp(&a.0));
        self.floor = Some(floor);
        self.kept.retain(|&(score, _)| score >= floor);
    }
}

impl SegmentCollector for SegmentTop {
    type Fruit = Vec<Ranked>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.offer(doc, score);
    }

    fn harvest(mut self) -> Vec<Ranked> {
        self.cut();
        let mut ranked: Vec<Ranked> = self
            .kept
            .iter()
            .map(|&(score, doc)| {
                let (article, start) = self.columns.order_key(doc);
                Ranked {
                    score,
                    article,
                    start,
                    addr: DocAddress::new(self.segment_ord, doc),
                }
            })
            .collect();
        ranked.sort_by(|a, b| b.rank(a));
        ranked.truncate(self.limit);
        ranked
    }
}
