//! Fast-field columns of a segment's passages (article key, byte range, date, report group), read
//! by the search ([`super::read`]) and by its collector ([`super::top`]).

use std::ops::Range;
use std::sync::Arc;

use tantivy::columnar::Column;

use super::SearchError;

/// Fast-field columns of one segment: article key, passage start and end, and the article's
/// date and report group (absent in an older version's index).
pub(super) struct PassageColumns {
    article: Column<u64>,
    start: Column<u64>,
    end: Column<u64>,
    published: Option<Column<tantivy::DateTime>>,
    story: Option<Column<u64>>,
}

impl PassageColumns {
    pub(super) fn open(reader: &tantivy::SegmentReader) -> Result<PassageColumns, SearchError> {
        let ff = reader.fast_fields();
        Ok(PassageColumns {
            article: ff.u64("article")?,
            start: ff.u64("start")?,
            end: ff.u64("end")?,
            published: ff.date("published").ok(),
            story: ff.u64("story").ok(),
        })
    }

    /// The article key of each passage of the segment.
    pub(super) fn articles(&self) -> &Column<u64> {
        &self.article
    }

    /// Article key and start of the passage `doc` (missing values last).
    pub(super) fn order_key(&self, doc: tantivy::DocId) -> (u64, u64) {
        (
            self.article.first(doc).unwrap_or(u64::MAX),
            self.start.first(doc).unwrap_or(u64::MAX),
        )
    }
}

/// Article key and byte range of the passage at `addr`, from its segment's columns.
pub(super) fn passage_at(
    columns: &[Arc<PassageColumns>],
    addr: tantivy::DocAddress,
) -> Option<(i64, Range<usize>)> {
    let c = &*columns[addr.segment_ord as usize];
    Some((
        c.article.first(addr.doc_id)? as i64,
        c.start.first(addr.doc_id)? as usize..c.end.first(addr.doc_id)? as usize,
    ))
}

/// When and in which report group the article of the passage at `addr` is.
pub(super) fn dating_at(
    columns: &[Arc<PassageColumns>],
    addr: tantivy::DocAddress,
    article: i64,
) -> Dating {
    let c = &*columns[addr.segment_ord as usize];
    let story = c.story.as_ref().and_then(|s| s.first(addr.doc_id));
    Dating {
        published: c
            .published
            .as_ref()
            .and_then(|p| p.first(addr.doc_id))
            .filter(|_| story.is_none_or(|s| s & 1 == 0))
            .map(|d| d.into_timestamp_secs()),
        story: story.map_or(article, |s| (s >> 1) as i64),
    }
}

/// An article's date (`None` when it is only estimated, or unknown) and report group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dating {
    /// Seconds since the epoch.
    pub published: Option<i64>,
    pub story: i64,
}
