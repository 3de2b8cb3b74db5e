//! The top-passages collector: tantivy's pruning search (whole blocks of postings skipped when
//! they cannot beat the last place) with ties kept in a fixed order, so that equal scores (the
//! same paragraph in two copies of a report) rank by article key, then position, and never by
//! where the writer's threads happened to put them.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
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

/// Heap entry that puts the worst kept passage on top.
struct Worst(Ranked);

impl PartialEq for Worst {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Worst {}
impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.rank(&self.0)
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
            heap: BinaryHeap::with_capacity(self.limit + 1),
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

/// One segment's best passages so far.
pub(super) struct SegmentTop {
    limit: usize,
    segment_ord: SegmentOrdinal,
    columns: Arc<PassageColumns>,
    heap: BinaryHeap<Worst>,
}

impl SegmentTop {
    /// The score a passage must exceed to be offered: just under the last place once the top
    /// is full, so ties are still offered.
    fn bar(&self) -> Score {
        match self.heap.peek() {
            Some(worst) if self.heap.len() >= self.limit => worst.0.score.next_down(),
            _ => Score::MIN,
        }
    }

    /// Keeps the passage if it ranks among the best so far; returns the new bar.
    fn offer(&mut self, doc: DocId, score: Score) -> Score {
        if self.heap.len() >= self.limit
            && self.heap.peek().is_some_and(|worst| score < worst.0.score)
        {
            return self.bar();
        }
        let (article, start) = self.columns.order_key(doc);
        let ranked = Ranked {
            score,
            article,
            start,
            addr: DocAddress::new(self.segment_ord, doc),
        };
        if self.heap.len() < self.limit {
            self.heap.push(Worst(ranked));
        } else if let Some(mut worst) = self.heap.peek_mut()
            && ranked.rank(&worst.0) == Ordering::Greater
        {
            *worst = Worst(ranked);
        }
        self.bar()
    }
}

impl SegmentCollector for SegmentTop {
    type Fruit = Vec<Ranked>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.offer(doc, score);
    }

    fn harvest(self) -> Vec<Ranked> {
        self.heap.into_iter().map(|w| w.0).collect()
    }
}
