//! talkwatch's side of the engine comparison driven by `bench/compare/run.py`.
//!
//! Reads `docs.jsonl` (`{"id", "title", "body"}`) and `queries.jsonl` (`{"id", "q"}`) from
//! `TALKWATCH_COMPARE_DIR` (documents may carry `published` and `source`), ingests the documents through `Engine::add_articles` (store + index,
//! as `talkwatch ingest` does) and merges the index (`reindex`; both count as build time), asks
//! every query once to warm up, then times `TALKWATCH_COMPARE_REPEAT` rounds over all queries
//! (default 5; single thread, top 10 articles with their best passage each) and keeps each
//! query's median, so a slow moment of the machine does not land on one engine; writes
//! `talkwatch.results.jsonl`
//! (`{"id", "ranked": [doc ids], "passages": [..], "ms"}`) and `talkwatch.build.json`.
//! Scoring is done by the driver, the same way for every engine.
//!
//! With `TALKWATCH_COMPARE_INDEX=<dir>`, the data directory is kept there: built on the first
//! run, opened as it is by later ones (no ingest), so runs of two builds search the very same
//! index (its document order follows the indexing threads and differs from one ingest to the
//! next, which moved instruction counts by up to 13 %).

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use serde::Deserialize;
use talkwatch::answer::AskRequest;
use talkwatch::config::Config;
use talkwatch::engine::Engine;
use talkwatch::ingest::Article;
use talkwatch::search::SearchFilters;

const URL_PREFIX: &str = "https://example.org/compare/";

#[derive(Deserialize)]
struct Doc {
    id: String,
    title: String,
    body: String,
    /// RFC 3339; absent: 2005-01-01 (the BBC collection has no dates).
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    source: Option<String>,
}

#[derive(Deserialize)]
struct Query {
    id: String,
    q: String,
    /// "timeline": the question is a topic for `timeline` (lines in date order); "question": asked
    /// as chat asks it (time words become dates, "what's new" lists the newest); else `ask`.
    #[serde(default)]
    mode: Option<String>,
}

fn read_jsonl<T: for<'de> Deserialize<'de>>(path: &std::path::Path) -> Vec<T> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    std::io::BufReader::new(file)
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect()
}

#[tokio::main]
async fn main() {
    let Some(dir) = std::env::var_os("TALKWATCH_COMPARE_DIR").map(PathBuf::from) else {
        eprintln!("compare: set TALKWATCH_COMPARE_DIR (bench/compare/run.py does); nothing to do");
        return;
    };
    let docs: Vec<Doc> = read_jsonl(&dir.join("docs.jsonl"));
    let queries: Vec<Query> = read_jsonl(&dir.join("queries.jsonl"));
    let data = tempfile::tempdir().unwrap();
    let kept = std::env::var_os("TALKWATCH_COMPARE_INDEX").map(PathBuf::from);
    let reuse = kept
        .as_ref()
        .is_some_and(|k| k.join("store.sqlite").exists());
    // The defaults, with `TALKWATCH_SEARCH__*` overrides (to try a setting without editing code:
    // `TALKWATCH_SEARCH__RECENCY_WEIGHT=0.3 python3 bench/compare/run.py --only-talkwatch`).
    let search_env = std::env::vars().filter(|(k, _)| k.starts_with("TALKWATCH_SEARCH__"));
    let mut config =
        Config::load_with_env(None, search_env).expect("TALKWATCH_SEARCH__* overrides");
    config.data_dir = kept.unwrap_or_else(|| data.path().join("data"));
    // For an A/B of the article cache: TALKWATCH_COMPARE_ARTICLE_CACHE_MB=0 turns it off.
    if let Some(mb) = std::env::var("TALKWATCH_COMPARE_ARTICLE_CACHE_MB")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.search.article_cache_mb = mb;
    }
    // The clock that time words count from ("yesterday"), fixed for a question set.
    if let Some(now) = std::env::var("TALKWATCH_COMPARE_NOW")
        .ok()
        .and_then(|v| chrono::DateTime::parse_from_rfc3339(&v).ok())
    {
        config.now = Some(now.to_utc());
    }
    let engine = std::sync::Arc::new(Engine::open(config).await.unwrap());
    let handler = talkwatch::command::Handler::new(engine.clone());
    let published = Utc.with_ymd_and_hms(2005, 1, 1, 0, 0, 0).unwrap();
    let articles: Vec<Article> = docs
        .into_iter()
        .map(|d| Article {
            url: format!("{URL_PREFIX}{}", d.id),
            title: d.title,
            source: d.source.unwrap_or_else(|| "compare".into()),
            published: d
                .published
                .as_deref()
                .and_then(talkwatch::ingest::parse_date)
                .unwrap_or(published),
            published_estimated: false,
            tags: Vec::new(),
            body: d.body,
        })
        .collect();
    let n = articles.len();
    let started = Instant::now();
    if !reuse {
        engine.add_articles(articles).await.unwrap();
        // Merged into one generation, as `talkwatch reindex` does after a bulk import:
        // tantivy-py's build waits for its merges too, and questions timed during background
        // merges vary by 2×.
        engine.reindex(std::sync::Arc::new(|_| {})).await.unwrap();
    }
    let build_s = started.elapsed().as_secs_f64();
    let stats = engine.stats().unwrap();

    let req = |q: &str| AskRequest {
        question: q.to_string(),
        filters: SearchFilters::default(),
        limit: 10,
        offset: 0,
        per_article: 1,
        by_date: false,
    };
    // A command as chat runs it: a timeline's first page of lines, or a question with the
    // page size of the other sets (time words become dates, "what's new" lists the newest).
    let handled = |command: talkwatch::command::Command| {
        let handler = &handler;
        async move {
            let caller = talkwatch::command::Caller::local();
            match handler.handle(command, &caller, None).await {
                talkwatch::reply::Reply::Answer(a) => a.hits,
                talkwatch::reply::Reply::Timeline { items, .. }
                | talkwatch::reply::Reply::Latest { items, .. } => items,
                _ => Vec::new(),
            }
        }
    };
    let run = |q: &Query| {
        let handled = &handled;
        let req = &req;
        let engine = &engine;
        let (mode, text) = (q.mode.clone(), q.q.clone());
        async move {
            use talkwatch::command::{Ask, Command};
            match mode.as_deref() {
                Some("timeline") => {
                    handled(Command::Timeline(Ask {
                        question: text,
                        ..Default::default()
                    }))
                    .await
                }
                Some("question") => {
                    handled(Command::Ask(Ask {
                        question: text,
                        limit: Some(10),
                        ..Default::default()
                    }))
                    .await
                }
                _ => engine
                    .ask(&req(&text))
                    .unwrap()
                    .map(|a| a.hits)
                    .unwrap_or_default(),
            }
        }
    };
    for q in &queries {
        let _ = run(q).await;
    }
    let rounds: usize = std::env::var("TALKWATCH_COMPARE_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
        .max(1);
    let mut timings: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); queries.len()];
    let mut answers = Vec::with_capacity(queries.len());
    for round in 0..rounds {
        for (i, q) in queries.iter().enumerate() {
            let t = Instant::now();
            let hits = run(q).await;
            timings[i].push(t.elapsed().as_secs_f64() * 1000.0);
            if round == 0 {
                answers.push(hits);
            }
        }
    }
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(dir.join("talkwatch.results.jsonl")).unwrap(),
    );
    for ((q, hits), mut ms) in queries.iter().zip(answers).zip(timings) {
        ms.sort_by(f64::total_cmp);
        let ranked: Vec<&str> = hits
            .iter()
            .map(|h| h.url.strip_prefix(URL_PREFIX).unwrap_or(&h.url))
            .collect();
        let passages: Vec<&str> = hits.iter().map(|h| h.passage.as_str()).collect();
        // Other outlets' copies of a hit's report, shown with it as "also".
        let also: Vec<Vec<&str>> = hits
            .iter()
            .map(|h| {
                h.also
                    .iter()
                    .map(|a| a.url.strip_prefix(URL_PREFIX).unwrap_or(&a.url))
                    .collect()
            })
            .collect();
        let line = serde_json::json!({"id": q.id, "ranked": ranked, "also": also, "passages": passages, "ms": ms[ms.len() / 2]});
        writeln!(out, "{line}").unwrap();
    }
    out.flush().unwrap();
    let build = serde_json::json!({
        "docs": n,
        "build_s": build_s,
        "index_bytes": stats.index_bytes,
        "store_bytes": talkwatch::search::dir_size(&data.path().join("data")) - stats.index_bytes,
        "passages": stats.passages,
    });
    std::fs::write(dir.join("talkwatch.build.json"), build.to_string()).unwrap();
    eprintln!(
        "compare: talkwatch answered {} queries over {n} documents",
        queries.len()
    );
}
