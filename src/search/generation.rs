//! The on-disk generations of the index: `CURRENT` names the live one (`tantivy-N`); a rebuild
//! writes `tantivy-N.building` and switches by renaming. Opening a generation for reading
//! ([`Live`]) and for writing.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tantivy::directory::MmapDirectory;
use tantivy::index::SegmentId;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy};

use super::SearchError;
use super::columns::PassageColumns;
use super::schema::{is_current_format, register_tokenizers, schema};

pub(super) const CURRENT: &str = "CURRENT";
pub(super) const GEN_PREFIX: &str = "tantivy-";
pub(super) const BUILDING: &str = ".building";

/// One generation of the index, open for reading.
pub(super) struct Live {
    pub(super) index: Index,
    pub(super) reader: IndexReader,
    pub(super) dir: PathBuf,
    /// Opened fast-field columns per segment. Opening a column reads its footer and looks the
    /// field up by name, which cost ~0.2 ms per question over a handful of segments; segments
    /// are immutable, so their columns are opened once.
    pub(super) columns: Mutex<HashMap<SegmentId, Arc<PassageColumns>>>,
    /// Whether this generation has the article-level fields (see [`is_current_format`]).
    pub(super) article_level: bool,
}

impl Live {
    /// The columns of every segment of `searcher`, in segment order; segments that left the
    /// index (merged away) are dropped from the cache.
    pub(super) fn columns(
        &self,
        searcher: &tantivy::Searcher,
    ) -> Result<Vec<Arc<PassageColumns>>, SearchError> {
        let mut cache = self.columns.lock().expect("columns lock");
        let mut out = Vec::with_capacity(searcher.segment_readers().len());
        for reader in searcher.segment_readers() {
            let id = reader.segment_id();
            let cols = match cache.get(&id) {
                Some(c) => c.clone(),
                None => {
                    let c = Arc::new(PassageColumns::open(reader)?);
                    cache.insert(id, c.clone());
                    c
                }
            };
            out.push(cols);
        }
        if cache.len() > out.len() {
            let live: HashSet<SegmentId> = searcher
                .segment_readers()
                .iter()
                .map(|r| r.segment_id())
                .collect();
            cache.retain(|id, _| live.contains(id));
        }
        Ok(out)
    }
}

pub(super) fn create_index(dir: &Path) -> Result<Index, SearchError> {
    let (schema, _) = schema();
    let index = Index::create_in_dir(dir, schema)?;
    register_tokenizers(&index);
    Ok(index)
}

/// Test support: makes `data_dir`'s live generation an empty index in the format of the version
/// before article-level scoring (the schema without `lead` and `body`).
#[cfg(test)]
pub(crate) fn install_previous_format(data_dir: &Path) {
    let (current, fields) = schema();
    let mut b = tantivy::schema::Schema::builder();
    for (field, entry) in current.fields() {
        if field != fields.lead && field != fields.body {
            b.add_field(entry.clone());
        }
    }
    let dir = data_dir.join(format!("{GEN_PREFIX}{}", next_generation(data_dir)));
    std::fs::create_dir_all(&dir).unwrap();
    Index::create_in_dir(&dir, b.build()).unwrap();
    set_current(data_dir, &dir).unwrap();
}

pub(super) fn open_live(dir: &Path) -> Result<Live, SearchError> {
    let index = Index::open(MmapDirectory::open(dir).map_err(tantivy::TantivyError::from)?)?;
    register_tokenizers(&index);
    // Picks up commits made by another process too; our own commits reload explicitly.
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::OnCommitWithDelay)
        .try_into()?;
    let (_, fields) = schema();
    Ok(Live {
        article_level: is_current_format(index.schema(), &fields),
        index,
        reader,
        dir: dir.to_path_buf(),
        columns: Mutex::new(HashMap::new()),
    })
}

pub(super) fn open_writer(index: &Index, heap: usize) -> Result<IndexWriter, SearchError> {
    index.writer(heap).map_err(|e| match e {
        tantivy::TantivyError::LockFailure(..) => SearchError::Locked,
        other => SearchError::Tantivy(other),
    })
}

pub(super) fn set_current(data_dir: &Path, gen_dir: &Path) -> Result<(), SearchError> {
    let name = gen_dir
        .file_name()
        .expect("generation dirs have names")
        .to_string_lossy()
        .into_owned();
    crate::atomic::write(&data_dir.join(CURRENT), name.as_bytes())?;
    Ok(())
}

/// Deletes half-built and superseded generations (after a crash or a finished rebuild).
pub(super) fn remove_stale_generations(data_dir: &Path, current: &Path) {
    let Ok(entries) = std::fs::read_dir(data_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(GEN_PREFIX) && path != current && path.is_dir() {
            match std::fs::remove_dir_all(&path) {
                Ok(()) => tracing::info!(dir = %path.display(), "removed stale index generation"),
                Err(e) => {
                    tracing::warn!(dir = %path.display(), error = %e, "cannot remove stale index generation")
                }
            }
        }
    }
}

pub(super) fn next_generation(data_dir: &Path) -> u64 {
    std::fs::read_dir(data_dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.strip_prefix(GEN_PREFIX)?
                        .trim_end_matches(BUILDING)
                        .parse::<u64>()
                        .ok()
                })
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0)
        + 1
}
