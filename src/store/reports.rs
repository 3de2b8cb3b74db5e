//! Report groups: which stored report a new article is a copy of, through the MinHash band
//! keys in `dup_bands`.

use rusqlite::{Connection, OptionalExtension, params};

use super::StoreError;
use crate::dedup::Sketch;

/// Puts article `key` into the report group of the stored report `sketch` is a copy of (or a
/// group of its own) and records its band keys; returns the group.
///
/// A band key is recorded only where no member of the group holds it yet: a band then lists
/// each group once however many outlets carried the report, so finding candidates stays as
/// cheap for the thousandth copy as for the second.
pub(super) fn join_report(conn: &Connection, key: i64, sketch: &Sketch) -> Result<i64, StoreError> {
    let story = same_report(conn, key, sketch)?.unwrap_or(key);
    let mut held = conn.prepare_cached(
        "SELECT 1 FROM dup_bands d JOIN articles a ON a.key = d.article
         WHERE d.band = ?1 AND d.article != ?2 AND COALESCE(a.story, a.key) = ?3 LIMIT 1",
    )?;
    let mut add =
        conn.prepare_cached("INSERT OR IGNORE INTO dup_bands (band, article) VALUES (?1, ?2)")?;
    for band in sketch.band_keys() {
        if story == key || !held.exists(params![band, key, story])? {
            add.execute(params![band, key])?;
        }
    }
    Ok(story)
}

/// The group of the stored report `sketch` is a copy of (the most similar one, at least
/// [`crate::dedup::SAME_REPORT`]), other than article `key` itself.
fn same_report(conn: &Connection, key: i64, sketch: &Sketch) -> Result<Option<i64>, StoreError> {
    let mut candidates: Vec<i64> = Vec::new();
    let mut seen = rustc_hash::FxHashSet::default();
    {
        let mut stmt = conn.prepare_cached("SELECT article FROM dup_bands WHERE band = ?1")?;
        for band in sketch.band_keys() {
            for row in stmt.query_map([band], |r| r.get::<_, i64>(0))? {
                let other = row?;
                if other != key && seen.insert(other) {
                    candidates.push(other);
                }
            }
        }
    }
    let mut best: Option<(f64, i64)> = None;
    let mut stmt =
        conn.prepare_cached("SELECT sketch, COALESCE(story, key) FROM articles WHERE key = ?1")?;
    for other in candidates {
        let row: Option<(Option<Vec<u8>>, i64)> = stmt
            .query_row([other], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((Some(bytes), story)) = row else {
            continue;
        };
        let Some(theirs) = Sketch::from_bytes(&bytes) else {
            continue;
        };
        let similarity = sketch.similarity(&theirs);
        if similarity >= crate::dedup::SAME_REPORT
            && best.is_none_or(|(s, k)| similarity > s || (similarity == s && story < k))
        {
            best = Some((similarity, story));
        }
    }
    Ok(best.map(|(_, story)| story))
}
