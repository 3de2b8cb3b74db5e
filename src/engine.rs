//! The engine wires the article store, the search index and the alias table of one `data_dir`
//! together: ingest (store first, then index), ask, reindex, sources, stats.

use std::sync::Arc;

use futures::StreamExt;

use crate::answer::{Answerer, AskRequest, Recency, Weights};
use crate::config::Config;
use crate::ingest::{self, Article, Failure, Fetcher, Input, Parsed};
use crate::reply::{Answer, Hit, NotFoundReason, Stats};
use crate::search::{
    self, Aliases, ProgressFn, RebuildReport, SearchError, SearchFilters, SearchIndex,
};
use crate::store::{ArticleStore, SourceSummary, StoreError, StoredArticle, Upsert, Upserted};

/// Articles go to the store and the index in batches of this size.
const BATCH: usize = 500;
/// Longest time read articles wait for their commit during an ingest.
const COMMIT_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("alias table {path}")]
    Aliases {
        path: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// A page of the newest developments: the hits, whether more follow, and (when the page is
/// empty) the date of the newest article stored.
pub type Latest = (Vec<Hit>, bool, Option<chrono::DateTime<chrono::Utc>>);

impl EngineError {
    /// True when the cause is a full disk (or a file-size limit): the data directory cannot
    /// grow. Looks through the whole error chain, including SQLite's and tantivy's wrappers.
    pub fn is_disk_full(&self) -> bool {
        is_disk_full(self)
    }
}

/// Whether `error` (or anything in its chain of causes) says the disk is full or a file may not
/// grow: any error of the store, the index or the engine.
pub fn is_disk_full(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::StorageFull
                    | std::io::ErrorKind::FileTooLarge
                    | std::io::ErrorKind::QuotaExceeded
            )
        {
            return true;
        }
        // SQLite says SQLITE_FULL on ENOSPC and SQLITE_IOERR_WRITE on EFBIG/EDQUOT.
        if let Some(rusqlite::Error::SqliteFailure(f, _)) = e.downcast_ref::<rusqlite::Error>()
            && (f.code == rusqlite::ErrorCode::DiskFull
                || f.extended_code == rusqlite::ffi::SQLITE_IOERR_WRITE)
        {
            return true;
        }
        // tantivy keeps io errors as text in some of its variants.
        let text = e.to_string();
        if text.contains("No space left on device")
            || text.contains("File too large")
            || text.contains("database or disk is full")
        {
            return true;
        }
        cur = e.source();
    }
    false
}

/// Counts of one ingest run: every article read and every input refused is in exactly one of
/// them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IngestReport {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Articles with the address of one read earlier in the same run (not stored again).
    pub duplicates: Vec<Duplicate>,
    /// Inputs whose text encoding was guessed (nothing declared one and it was not UTF-8).
    pub guessed_encodings: Vec<(String, &'static str)>,
    pub failures: Vec<Failure>,
}

/// An article whose canonical URL an earlier input of the same run already gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Duplicate {
    pub input: String,
    /// The input that gave the URL first (the one stored).
    pub of: String,
    pub url: String,
}

impl IngestReport {
    /// Articles stored so far (added, updated or found unchanged).
    pub fn saved(&self) -> usize {
        self.added + self.updated + self.unchanged
    }
}

/// Reports ingest progress (a terminal progress bar, a chat message, nothing).
pub trait IngestProgress: Send + Sync {
    fn start(&self, _total: u64) {}
    fn advance(&self, _label: &str) {}
    /// Called after each commit: `saved` articles are durable now, whatever happens next.
    fn saved(&self, _saved: usize) {}
    fn finish(&self) {}
}

/// No progress output.
pub struct Quiet;
impl IngestProgress for Quiet {}

pub struct Engine {
    config: Config,
    store: Arc<ArticleStore>,
    index: SearchIndex,
    aliases: Aliases,
}

impl Engine {
    /// Opens the store and index of `config.data_dir`. The index is opened for writing when it
    /// can be; when another process holds the writer lock, read-only (asking still works).
    /// Articles stored but not yet indexed (a crash between the two) are indexed now.
    pub async fn open(config: Config) -> Result<Engine, EngineError> {
        let dir = config.data_dir.clone();
        std::fs::create_dir_all(&dir).map_err(|source| EngineError::DataDir {
            path: dir.display().to_string(),
            source,
        })?;
        let store = Arc::new(ArticleStore::open(&dir.join("store.sqlite"))?);
        store.set_cache_bytes(config.search.article_cache_mb.saturating_mul(1024 * 1024));
        let index = match SearchIndex::open(&dir, true) {
            Ok(index) => index,
            Err(SearchError::Locked) => SearchIndex::open(&dir, false)?,
            Err(e) => return Err(e.into()),
        };
        let aliases = load_aliases(&config)?;
        let engine = Engine {
            config,
            store,
            index,
            aliases,
        };
        engine.heal().await?;
        Ok(engine)
    }

    async fn heal(&self) -> Result<(), EngineError> {
        if !self.is_writable() {
            return Ok(());
        }
        // A store from before duplicate detection: sketch and group its articles first, so the
        // index (rebuilt below when it is of the older format too) carries their groups.
        let sketched = self.store.sketch_missing(1000)?;
        if sketched > 0 {
            tracing::info!(
                articles = sketched,
                "articles compared for copies of one report"
            );
        }
        if !self.index.is_current_format() {
            // Built by an older version: answers would miss what this one indexes (whole
            // articles), and its writer cannot take this version's documents. The old index
            // keeps answering other processes while the new one is built.
            tracing::info!(
                "the index was built by an older talkwatch version; rebuilding it from the article store"
            );
            let report = self.reindex(Arc::new(|_| {})).await?;
            tracing::info!(articles = report.articles, "index upgraded");
        }
        let pending = self.store.unindexed()?;
        if !pending.is_empty() {
            tracing::info!(
                articles = pending.len(),
                "indexing articles stored before a crash"
            );
            self.index_stored(pending).await?;
        }
        Ok(())
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn store(&self) -> &Arc<ArticleStore> {
        &self.store
    }

    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    pub fn is_writable(&self) -> bool {
        self.index.is_writable()
    }

    /// Stores and indexes already-parsed articles. Returns what happened to each (and the
    /// report group it joined: a copy of a report stored before has that report's group).
    pub async fn add_articles(&self, articles: Vec<Article>) -> Result<Vec<Upserted>, EngineError> {
        let mut out = Vec::with_capacity(articles.len());
        for chunk in articles.chunks(BATCH) {
            let results = self.store.upsert_many(chunk)?;
            let changed: Vec<StoredArticle> = results
                .iter()
                .zip(chunk)
                .filter(|(u, _)| u.what != Upsert::Unchanged)
                .map(|(u, article)| StoredArticle {
                    key: u.key,
                    story: u.story,
                    article: article.clone(),
                })
                .collect();
            if !changed.is_empty() {
                self.index_stored(changed).await?;
            }
            out.extend(results);
        }
        Ok(out)
    }

    async fn index_stored(&self, articles: Vec<StoredArticle>) -> Result<(), EngineError> {
        let keys: Vec<i64> = articles.iter().map(|a| a.key).collect();
        self.index.index(articles).await?;
        self.store.mark_indexed(&keys)?;
        Ok(())
    }

    /// Ingests files, directories and URLs. Bad inputs are reported, never fatal; a store or
    /// index failure stops the run (what was committed before stays). Articles are committed
    /// every `BATCH` articles or `COMMIT_EVERY`, whichever comes first, so what progress
    /// reported as saved survives the process being killed. Each input is read and parsed on a
    /// parsing thread (never a runtime worker) within `ingest.max_parse_ms`.
    pub async fn ingest(
        &self,
        args: &[String],
        progress: &dyn IngestProgress,
    ) -> Result<IngestReport, EngineError> {
        let (inputs, mut failures) = ingest::expand_inputs(args);
        let mut report = IngestReport::default();
        let fetcher = Fetcher::new(&self.config.ingest);
        let budget = self.config.ingest.parse_budget();
        let max_bytes = self.config.ingest.max_file_bytes;
        progress.start(inputs.len() as u64);
        let mut pending: Vec<Article> = Vec::new();
        // Canonical URL → the input that gave it first in this run.
        let mut first_of: std::collections::HashMap<String, String> = Default::default();
        let mut last_commit = std::time::Instant::now();
        // Inputs are read and parsed a few at a time (one per core), in order.
        let reads = futures::stream::iter(&inputs)
            .map(|input| async {
                let parsed = match input {
                    Input::File(path) => {
                        let path = path.clone();
                        ingest::bound::run(budget, move || ingest::read_file(&path, max_bytes))
                            .await
                            .unwrap_or_else(Parsed::failed)
                    }
                    Input::Url(url) => match &fetcher {
                        Ok(f) => f.fetch_articles(url).await,
                        Err(e) => Parsed::failed(e.clone()),
                    },
                };
                (input.label(), parsed)
            })
            .buffered(parallel_reads());
        futures::pin_mut!(reads);
        while let Some((label, parsed)) = reads.next().await {
            if let Some(encoding) = parsed.guessed_encoding {
                report.guessed_encodings.push((label.clone(), encoding));
            }
            for item in parsed.items {
                match item {
                    Ok(article) => match first_of.get(&article.url) {
                        Some(of) => report.duplicates.push(Duplicate {
                            input: label.clone(),
                            of: of.clone(),
                            url: article.url,
                        }),
                        None => {
                            first_of.insert(article.url.clone(), label.clone());
                            pending.push(article);
                        }
                    },
                    Err(error) => failures.push(Failure {
                        input: label.clone(),
                        error,
                    }),
                }
            }
            progress.advance(&label);
            if pending.len() >= BATCH
                || (!pending.is_empty() && last_commit.elapsed() >= COMMIT_EVERY)
            {
                self.flush(&mut pending, &mut report).await?;
                last_commit = std::time::Instant::now();
                progress.saved(report.saved());
            }
        }
        if !pending.is_empty() {
            self.flush(&mut pending, &mut report).await?;
            progress.saved(report.saved());
        }
        progress.finish();
        for f in &failures {
            tracing::warn!(input = %f.input, reason = %f.error, "input skipped");
        }
        report.failures = failures;
        Ok(report)
    }

    async fn flush(
        &self,
        pending: &mut Vec<Article>,
        report: &mut IngestReport,
    ) -> Result<(), EngineError> {
        for u in self.add_articles(std::mem::take(pending)).await? {
            match u.what {
                Upsert::Added => report.added += 1,
                Upsert::Updated => report.updated += 1,
                Upsert::Unchanged => report.unchanged += 1,
            }
        }
        Ok(())
    }

    /// Loads the bundled demo corpus when the store is empty. Returns how many were added.
    pub async fn ensure_demo(&self) -> Result<Option<usize>, EngineError> {
        if self.store.count()? > 0 || !self.is_writable() {
            return Ok(None);
        }
        let articles: Vec<Article> = crate::demo::articles()
            .into_iter()
            .filter_map(Result::ok)
            .collect();
        let results = self.add_articles(articles).await?;
        let added = results.iter().filter(|r| r.what == Upsert::Added).count();
        tracing::info!(articles = added, "demo corpus loaded");
        Ok(Some(added))
    }

    /// The newest developments within `filters`' dates and source, one per report (shown from
    /// its earliest or preferred copy, the others as "also"), newest first: the page at
    /// `offset`, whether more follow, and, when there are none, the newest article's date
    /// (blocking).
    pub fn latest(
        &self,
        filters: &SearchFilters,
        limit: usize,
        offset: usize,
    ) -> Result<Latest, EngineError> {
        let wanted = offset + limit + 1;
        // Copies of one report are usually minutes apart: four rows per wanted report is plenty.
        let rows = self.store.newest(
            filters.since,
            filters.until,
            filters.source.as_deref(),
            wanted * 4,
        )?;
        let mut groups: Vec<i64> = Vec::new();
        for (_, story) in rows {
            if !groups.contains(&story) {
                groups.push(story);
            }
        }
        let more = groups.len() > offset + limit;
        let page: Vec<i64> = groups.into_iter().skip(offset).take(limit).collect();
        if page.is_empty() {
            return Ok((Vec::new(), false, self.store.stats()?.newest));
        }
        let mut copies = self.store.copies_of(&page, 8)?;
        let preferred = &self.config.search.preferred_sources;
        let mut shown: Vec<(i64, Vec<crate::store::Copy>)> = Vec::new();
        for group in &page {
            let mut list = copies.remove(group).unwrap_or_default();
            let at = list
                .iter()
                .enumerate()
                .min_by_key(|(i, c)| {
                    let rank = preferred
                        .iter()
                        .position(|p| p.eq_ignore_ascii_case(&c.source))
                        .unwrap_or(usize::MAX);
                    (rank, *i)
                })
                .map(|(i, _)| i);
            let Some(at) = at else { continue };
            let first = list.remove(at);
            shown.push((first.key, list));
        }
        let keys: Vec<i64> = shown.iter().map(|(k, _)| *k).collect();
        let articles: std::collections::HashMap<i64, Arc<StoredArticle>> = self
            .store
            .get_many(&keys)?
            .into_iter()
            .map(|a| (a.key, a))
            .collect();
        let mut hits: Vec<Hit> = shown
            .into_iter()
            .filter_map(|(key, also)| {
                let a = &articles.get(&key)?.article;
                let lead = crate::search::passage::split(&a.body)
                    .into_iter()
                    .next()
                    .unwrap_or(0..0);
                let mut hit = Hit::quote(a, lead, Vec::new(), 0.0);
                hit.also = also.into_iter().map(crate::reply::Also::from).collect();
                Some(hit)
            })
            .collect();
        // A report is dated by the copy shown (its first or preferred outlet), which may be
        // older than the copy that put it on this page: the page reads newest first by the
        // dates it shows.
        hits.sort_by_key(|h| std::cmp::Reverse(h.published));
        Ok((hits, more, None))
    }

    /// The source a question names, when it is one this index holds ("What does Example Wire
    /// say about Riyadh?"): its name as written and where it stands in the question
    /// ([`crate::named_source::Mention::rest`] reads the question without it).
    pub fn named_source(&self, question: &str) -> Option<crate::named_source::Mention> {
        let candidates = crate::named_source::mentions(question);
        if candidates.is_empty() {
            return None;
        }
        let snapshot = self.index.snapshot().ok()?;
        candidates
            .into_iter()
            .find(|m| snapshot.has_source(&m.name.to_lowercase()).unwrap_or(false))
    }

    /// Answers a question (blocking: run it off the async runtime).
    pub fn ask(&self, req: &AskRequest) -> Result<Result<Answer, NotFoundReason>, SearchError> {
        self.answerer().ask(req)
    }

    /// What a watch of `words` shows for those of the stored articles `keys` it matches (see
    /// [`Answerer::watch_quotes`]).
    pub fn watch_quotes(&self, words: &str, keys: &[i64]) -> Result<Vec<(i64, Hit)>, SearchError> {
        self.answerer().watch_quotes(words, keys)
    }

    fn answerer(&self) -> Answerer<'_> {
        let s = &self.config.search;
        Answerer {
            store: &self.store,
            index: &self.index,
            aliases: &self.aliases,
            weights: Weights {
                title_boost: s.title_boost,
                phrase_boost: s.phrase_boost,
            },
            fuzzy: s.fuzzy,
            min_coverage: s.min_coverage,
            recency: Recency {
                weight: s.recency_weight,
                half_life_days: s.recency_half_life_days,
            },
            preferred_sources: &s.preferred_sources,
        }
    }

    pub async fn reindex(&self, progress: ProgressFn) -> Result<RebuildReport, SearchError> {
        self.index.rebuild(self.store.clone(), progress).await
    }

    pub fn sources(&self) -> Result<Vec<SourceSummary>, StoreError> {
        self.store.sources()
    }

    pub fn stats(&self) -> Result<Stats, StoreError> {
        Ok(Stats {
            store: self.store.stats()?,
            passages: self.index.passages(),
            index_bytes: self.index.size_on_disk(),
            aliases: self.aliases.len(),
        })
    }
}

/// How many inputs an ingest reads at once: one per core, within the parsing threads' cap.
fn parallel_reads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, ingest::bound::MAX_THREADS)
}

/// The name-variant table and the synonym table, as one table of words that count as each other.
fn load_aliases(config: &Config) -> Result<Aliases, EngineError> {
    let mut analyzer = search::analyzer();
    let mut aliases = Aliases::default();
    for (path, built_in, label) in [
        (
            config.aliases_path(),
            crate::demo::DEFAULT_ALIASES,
            "built-in aliases",
        ),
        (
            config.synonyms_path(),
            crate::demo::DEFAULT_SYNONYMS,
            "built-in synonyms",
        ),
    ] {
        let (text, name) = match path {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| EngineError::Aliases {
                    path: path.display().to_string(),
                    source: e.into(),
                })?;
                (text, path.display().to_string())
            }
            None => (built_in.to_string(), label.to_string()),
        };
        aliases
            .add_toml(&text, &mut analyzer)
            .map_err(|e| EngineError::Aliases {
                path: name,
                source: e.into(),
            })?;
    }
    Ok(aliases)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::SearchFilters;
    use chrono::TimeZone as _;

    fn article() -> Article {
        Article {
            url: "https://example.org/talks/riyadh".into(),
            title: "Envoys meet in Riyadh".into(),
            source: "example".into(),
            published: chrono::Utc.with_ymd_and_hms(2025, 2, 18, 9, 0, 0).unwrap(),
            published_estimated: false,
            tags: Vec::new(),
            body: "Delegations met in Riyadh for the first round.\n\nUshakov said the \
                   proposals on territory would be studied in Moscow before any reply."
                .into(),
        }
    }

    /// A fresh engine with its data in `dir`.
    async fn engine_in(dir: &tempfile::TempDir) -> Engine {
        let config = Config {
            data_dir: dir.path().join("data"),
            ..Config::default()
        };
        Engine::open(config).await.unwrap()
    }

    fn ask(engine: &Engine, question: &str) -> Vec<String> {
        let req = AskRequest {
            question: question.into(),
            filters: SearchFilters::default(),
            limit: 5,
            offset: 0,
            per_article: 1,
            by_date: false,
        };
        match engine.ask(&req).unwrap() {
            Ok(answer) => answer.hits.into_iter().map(|h| h.passage).collect(),
            Err(_) => Vec::new(),
        }
    }

    #[tokio::test]
    async fn a_watch_needs_every_word_or_its_synonym_and_quotes_as_answers_do() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine_in(&dir).await;
        let mut a = article();
        a.title = "Monitors arrive".into();
        a.body = "The weather was fine.\n\nCeasefire monitors arrived in the port on Saturday.\n\n\
                  Dockworkers went on with their day."
            .into();
        let key = engine.add_articles(vec![a]).await.unwrap()[0].key;
        let quote = |words: &str| {
            let hits = engine.watch_quotes(words, &[key]).unwrap();
            hits.into_iter().next().map(|(_, h)| h.passage)
        };
        let expected = Some("Ceasefire monitors arrived in the port on Saturday.".to_string());
        assert_eq!(quote("ceasefire monitor"), expected);
        // A synonym of the watched word finds the article too.
        assert_eq!(quote("truce monitors"), expected);
        assert_eq!(quote("ceasefire grain"), None);
        assert_eq!(quote("the of"), None, "stop words alone match nothing");
    }

    #[tokio::test]
    async fn the_answer_is_quoted_as_its_whole_paragraph_with_the_question_words_marked() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine_in(&dir).await;
        // The second paragraph is longer than one passage: the answering sentence is indexed
        // apart from the sentences around it, and the quote gives them back.
        let paragraph = "The evening session ran three hours longer than planned, and aides \
            from both delegations described the mood as businesslike rather than warm. Coffee \
            was brought in twice and the doors stayed shut until nearly midnight, when the \
            negotiators finally came out looking tired. Ushakov said the proposals on \
            territory would be studied in Moscow before any reply. A second round is expected \
            next month, although no date has been fixed.";
        assert!(paragraph.len() > crate::search::passage::MAX_PASSAGE);
        let mut long = article();
        long.body = format!("Delegations met in Riyadh for the first round.\n\n{paragraph}");
        let mut huge = article();
        huge.url = "https://example.org/talks/huge".into();
        huge.title = "Talks diary".into();
        huge.body = format!(
            "A diary of the week.\n\n{} Ushakov said proposals would follow. {}",
            "Nothing was agreed on the first day of the long meeting. ".repeat(12),
            "The second day went the same way as the first one. ".repeat(12),
        );
        engine.add_articles(vec![long, huge]).await.unwrap();
        let req = AskRequest {
            question: "What did Ushakov say about the proposals?".into(),
            filters: SearchFilters::default(),
            limit: 5,
            offset: 0,
            per_article: 1,
            by_date: false,
        };
        let answer = engine.ask(&req).unwrap().unwrap();
        let marked = |hit: &crate::reply::Hit| -> Vec<String> {
            let words = hit.highlights.iter().map(|r| &hit.passage[r.clone()]);
            words.map(str::to_owned).collect()
        };
        let first = &answer.hits[0];
        assert_eq!(first.url, "https://example.org/talks/riyadh");
        assert_eq!(first.passage, paragraph);
        assert_eq!(marked(first), ["Ushakov", "proposals"]);
        // A paragraph longer than a quote may be is quoted by its answering part only.
        let diary = answer
            .hits
            .iter()
            .find(|h| h.title == "Talks diary")
            .unwrap();
        assert!(diary.passage.len() <= crate::search::passage::MAX_QUOTE);
        assert!(
            diary
                .passage
                .contains("Ushakov said proposals would follow.")
        );
        assert_eq!(marked(diary), ["Ushakov", "proposals"]);
    }

    #[tokio::test]
    async fn an_index_from_an_older_version_is_rebuilt_at_start_and_answers() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().join("data"),
            ..Config::default()
        };
        let engine = Engine::open(config.clone()).await.unwrap();
        engine.add_articles(vec![article()]).await.unwrap();
        drop(engine);
        // An upgrade: the articles are stored, the live index is in the previous format.
        search::install_previous_format(&config.data_dir);
        {
            let old = SearchIndex::open(&config.data_dir, false).unwrap();
            assert!(!old.is_current_format());
        }
        let engine = Engine::open(config).await.unwrap();
        assert!(engine.index().is_current_format());
        let passages = ask(&engine, "What did Ushakov say about the proposals?");
        assert!(
            passages.first().is_some_and(|p| p.contains("Ushakov said")),
            "{passages:?}"
        );
    }
}
