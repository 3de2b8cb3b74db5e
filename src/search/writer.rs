//! The one task that owns the `IndexWriter`: it indexes batches of articles and rebuilds the
//! whole index into a new generation, switching to it when done.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, RwLock};

use tantivy::indexer::UserOperation;
use tantivy::{IndexWriter, Term};
use tokio::sync::oneshot;

use super::SearchError;
use super::generation::{
    BUILDING, GEN_PREFIX, Live, create_index, next_generation, open_live, open_writer, set_current,
};
use super::schema::{Fields, documents};
use crate::store::{ArticleStore, StoredArticle};

pub(super) const WRITER_HEAP: usize = 64 * 1024 * 1024;
const REBUILD_HEAP: usize = 192 * 1024 * 1024;

/// Progress of a rebuild, reported every few hundred articles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildProgress {
    pub done: u64,
    pub total: u64,
}

pub type ProgressFn = Arc<dyn Fn(RebuildProgress) + Send + Sync>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildReport {
    pub articles: u64,
    pub passages: u64,
}

pub(super) enum WriterMsg {
    Index {
        articles: Vec<StoredArticle>,
        reply: oneshot::Sender<Result<u64, SearchError>>,
    },
    Rebuild {
        store: Arc<ArticleStore>,
        progress: ProgressFn,
        reply: oneshot::Sender<Result<RebuildReport, SearchError>>,
    },
}

pub(super) struct WriterTask {
    pub(super) writer: IndexWriter,
    pub(super) fields: Fields,
    pub(super) live: Arc<RwLock<Arc<Live>>>,
    pub(super) data_dir: PathBuf,
    pub(super) rebuilding: Arc<AtomicBool>,
}

impl WriterTask {
    pub(super) fn run(mut self, rx: mpsc::Receiver<WriterMsg>) {
        while let Ok(msg) = rx.recv() {
            match msg {
                WriterMsg::Index { articles, reply } => {
                    let _ = reply.send(self.index(&articles));
                }
                WriterMsg::Rebuild {
                    store,
                    progress,
                    reply,
                } => {
                    let result = self.rebuild(&store, &progress);
                    self.rebuilding.store(false, Ordering::SeqCst);
                    let _ = reply.send(result);
                }
            }
        }
        // All senders gone: commit whatever is pending so nothing is lost at shutdown.
        let _ = self.writer.commit();
        let _ = self.writer.wait_merging_threads();
    }

    fn index(&mut self, articles: &[StoredArticle]) -> Result<u64, SearchError> {
        let mut passages = 0;
        for stored in articles {
            // One batch per article: the old version goes and the new one's documents land
            // together, lead first, in one segment (see `TermLookup::lead_near`).
            let docs = documents(&self.fields, stored);
            passages += docs.len() as u64;
            let delete =
                UserOperation::Delete(Term::from_field_u64(self.fields.article, stored.key as u64));
            let ops: Vec<UserOperation> = std::iter::once(delete)
                .chain(docs.into_iter().map(UserOperation::Add))
                .collect();
            self.writer.run(ops)?;
        }
        self.writer.commit()?;
        self.live.read().expect("live lock").reader.reload()?;
        Ok(passages)
    }

    fn rebuild(
        &mut self,
        store: &ArticleStore,
        progress: &ProgressFn,
    ) -> Result<RebuildReport, SearchError> {
        let started = std::time::Instant::now();
        let generation = next_generation(&self.data_dir);
        let building = self
            .data_dir
            .join(format!("{GEN_PREFIX}{generation}{BUILDING}"));
        let final_dir = self.data_dir.join(format!("{GEN_PREFIX}{generation}"));
        std::fs::create_dir_all(&building)?;
        let result = (|| -> Result<RebuildReport, SearchError> {
            let index = create_index(&building)?;
            let mut writer = open_writer(&index, REBUILD_HEAP)?;
            // Merged once at the end instead (below): no background merge can hold a segment.
            writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
            let total = store.count()?;
            let mut report = RebuildReport {
                articles: 0,
                passages: 0,
            };
            let mut failure = None;
            progress(RebuildProgress { done: 0, total });
            store.for_each(500, |batch| {
                for stored in &batch {
                    let docs = documents(&self.fields, stored);
                    report.passages += docs.len() as u64;
                    let ops: Vec<UserOperation> =
                        docs.into_iter().map(UserOperation::Add).collect();
                    if let Err(e) = writer.run(ops) {
                        failure = Some(e);
                        return false;
                    }
                }
                report.articles += batch.len() as u64;
                progress(RebuildProgress {
                    done: report.articles,
                    total,
                });
                true
            })?;
            if let Some(e) = failure {
                return Err(e.into());
            }
            writer.commit()?;
            // One segment: every question looks each term up once per segment, and the writer's
            // threads and heap flushes leave several.
            let segments = index.searchable_segment_ids()?;
            if segments.len() > 1 {
                writer.merge(&segments).wait()?;
            }
            writer.wait_merging_threads()?;
            Ok(report)
        })();
        let report = match result {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&building);
                return Err(SearchError::Rebuild(Box::new(e)));
            }
        };
        std::fs::rename(&building, &final_dir)?;
        let new_live = open_live(&final_dir)?;
        let new_writer = open_writer(&new_live.index, WRITER_HEAP)?;
        set_current(&self.data_dir, &final_dir)?;
        let old_dir = {
            let mut live = self.live.write().expect("live lock");
            let old = std::mem::replace(&mut *live, Arc::new(new_live));
            old.dir.clone()
        };
        let old_writer = std::mem::replace(&mut self.writer, new_writer);
        drop(old_writer);
        // Readers still holding the old generation keep their mmaps; unlinking is safe on Unix.
        if let Err(e) = std::fs::remove_dir_all(&old_dir) {
            tracing::warn!(dir = %old_dir.display(), error = %e, "cannot remove old index generation");
        }
        tracing::info!(
            articles = report.articles,
            passages = report.passages,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "index rebuilt"
        );
        Ok(report)
    }
}
