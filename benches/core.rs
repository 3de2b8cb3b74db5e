//! Core benchmark: ingest, index size and warm `ask` latency on a generated corpus.
//!
//! `cargo bench --bench core` (default 10,000 articles; `TALKWATCH_BENCH_ARTICLES=N` to change,
//! `TALKWATCH_BENCH_REINDEX=0` to skip the reindex step, e.g. for the 1,000,000-article scale run).
//! Prints a table and checks the targets: ingest ≥ 2,000 articles/s, index ≤ 1.0× raw text,
//! warm ask (with passages) p50 ≤ 1 ms and p95 ≤ 5 ms (at 10,000 articles) or p95 ≤ 50 ms (at
//! 1,000,000). Articles are generated and ingested in batches, so memory stays flat.

#[path = "support/synth.rs"]
mod synth;

use std::time::Instant;

use talkwatch::answer::AskRequest;
use talkwatch::config::Config;
use talkwatch::engine::Engine;
use talkwatch::search::SearchFilters;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

#[tokio::main]
async fn main() {
    let n: u64 = std::env::var("TALKWATCH_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().join("data"),
        ..Config::default()
    };
    let engine = std::sync::Arc::new(Engine::open(config).await.unwrap());

    let reindex = std::env::var("TALKWATCH_BENCH_REINDEX").map_or(true, |v| v != "0");
    const BATCH: u64 = 5_000;
    let mut raw_bytes: u64 = 0;
    let mut ingest_secs = 0.0;
    let mut next = 0;
    while next < n {
        // One in twenty articles is another outlet's copy of the one before (a wire report),
        // so ingest pays for recognising copies and the store holds groups.
        let articles: Vec<_> = (next..(next + BATCH).min(n))
            .map(|i| match i % 20 {
                19 => synth::wire_copy(synth::article(42, i - 1), i),
                _ => synth::article(42, i),
            })
            .collect();
        next += articles.len() as u64;
        raw_bytes += articles
            .iter()
            .map(|a| (a.title.len() + a.body.len()) as u64)
            .sum::<u64>();
        let started = Instant::now();
        engine.add_articles(articles).await.unwrap();
        ingest_secs += started.elapsed().as_secs_f64();
        if n > 50_000 && next % 100_000 == 0 {
            eprintln!(
                "ingested {next}/{n} ({:.0} articles/s)",
                next as f64 / ingest_secs
            );
        }
    }
    let ingest_rate = n as f64 / ingest_secs;

    let stats = engine.stats().unwrap();
    let index_ratio = stats.index_bytes as f64 / raw_bytes as f64;

    let questions = synth::questions(7, 2000);
    let req = |q: &str| AskRequest {
        question: q.to_string(),
        filters: SearchFilters::default(),
        limit: 3,
        offset: 0,
        per_article: 1,
        by_date: false,
    };
    for q in questions.iter().take(200) {
        let _ = engine.ask(&req(q)).unwrap(); // warm up caches
    }
    let mut lat_ms: Vec<f64> = Vec::with_capacity(questions.len());
    let mut answered = 0;
    for q in &questions {
        let t = Instant::now();
        let r = engine.ask(&req(q)).unwrap();
        lat_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        answered += r.is_ok() as usize;
    }
    lat_ms.sort_by(f64::total_cmp);
    let (p50, p95, p99) = (
        percentile(&lat_ms, 0.50),
        percentile(&lat_ms, 0.95),
        percentile(&lat_ms, 0.99),
    );
    let mean = lat_ms.iter().sum::<f64>() / lat_ms.len() as f64;

    // Timelines and the newest developments, through the command handler as chat asks them.
    let handler = talkwatch::command::Handler::new(engine.clone());
    let caller = talkwatch::command::Caller::local();
    let mut timeline_ms: Vec<f64> = Vec::new();
    let mut latest_ms: Vec<f64> = Vec::new();
    for (i, q) in questions.iter().take(500).enumerate() {
        let ask = talkwatch::command::Ask {
            question: q.clone(),
            ..Default::default()
        };
        let t = Instant::now();
        let _ = handler
            .handle(talkwatch::command::Command::Timeline(ask), &caller, None)
            .await;
        timeline_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let ask = talkwatch::command::Ask {
            question: String::new(),
            offset: i % 5,
            ..Default::default()
        };
        let t = Instant::now();
        let _ = handler
            .handle(talkwatch::command::Command::Latest(ask), &caller, None)
            .await;
        latest_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    timeline_ms.sort_by(f64::total_cmp);
    latest_ms.sort_by(f64::total_cmp);

    // What reading time words costs a question: the date phrase, the recency cue and the
    // impossible-date check, as `ask` runs them, over the generated questions and a set of
    // questions with time words.
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T09:00:00Z")
        .unwrap()
        .to_utc();
    let timed: Vec<String> = TIME_QUESTIONS
        .iter()
        .map(|q| q.to_string())
        .chain(questions.iter().take(TIME_QUESTIONS.len() * 4).cloned())
        .collect();
    let parse_all = || {
        for q in &timed {
            let phrase = talkwatch::timewords::date_phrase(q, now, &chrono::Utc);
            let rest = phrase
                .as_ref()
                .map_or(q.as_str(), |(_, rest)| rest.as_str());
            std::hint::black_box(talkwatch::timewords::recency_cue(rest));
            std::hint::black_box(talkwatch::timewords::impossible_date(q));
            std::hint::black_box(phrase);
        }
    };
    parse_all();
    let rounds = 200;
    let t = Instant::now();
    for _ in 0..rounds {
        parse_all();
    }
    let timewords_us = t.elapsed().as_secs_f64() * 1e6 / (rounds * timed.len()) as f64;

    // What looking for a source named in the question costs ("according to X", "in X", "X
    // says": each candidate name looked up among the index's sources), over the same questions
    // and a few naming a source, as `ask` runs it before searching.
    let named: Vec<String> = timed
        .iter()
        .cloned()
        .chain(SOURCE_QUESTIONS.iter().map(|q| q.to_string()))
        .collect();
    let find_all = || {
        named
            .iter()
            .filter(|q| engine.named_source(q).is_some())
            .count()
    };
    let sources_found = find_all();
    let t = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(find_all());
    }
    let named_us = t.elapsed().as_secs_f64() * 1e6 / (rounds * named.len()) as f64;

    // Where the time goes: planning + tantivy top-k alone, without re-ranking.
    let aliases = talkwatch::search::Aliases::default();
    let mut search_ms: Vec<f64> = Vec::with_capacity(questions.len());
    for q in &questions {
        let t = Instant::now();
        let snapshot = engine.index().snapshot().unwrap();
        let mut lookup = snapshot.lookup();
        let mut analyzer = talkwatch::search::analyzer();
        let plan = talkwatch::search::query::plan(
            talkwatch::search::query::PlanInput {
                question: q,
                aliases: &aliases,
                fuzzy: true,
            },
            &mut analyzer,
            &mut lookup,
        );
        let query = talkwatch::search::query::build(
            &plan,
            &SearchFilters::default(),
            engine.index().fields(),
        )
        .unwrap();
        let _ = snapshot
            .top_passages(query.as_ref(), talkwatch::answer::candidate_passages(3))
            .unwrap();
        search_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    search_ms.sort_by(f64::total_cmp);

    let rss_after_queries = memory_kb("VmRSS:");
    let rss_files = memory_kb("RssFile:");
    let segments_before = engine.index().searcher().segment_readers().len();
    let mut after_ms: Vec<f64> = Vec::with_capacity(questions.len());
    let mut reindex_report = None;
    let mut segments_after = segments_before;
    if reindex {
        let started = Instant::now();
        let report = engine.reindex(std::sync::Arc::new(|_| {})).await.unwrap();
        reindex_report = Some((started.elapsed().as_secs_f64(), report.articles));
        segments_after = engine.index().searcher().segment_readers().len();
        for q in &questions {
            let t = Instant::now();
            let _ = engine.ask(&req(q)).unwrap();
            after_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        after_ms.sort_by(f64::total_cmp);
    }
    let store_bytes =
        talkwatch::search::dir_size(&dir.path().join("data")).saturating_sub(stats.index_bytes);

    println!(
        "talkwatch core benchmark ({n} generated articles, {:.1} MB raw text)",
        raw_bytes as f64 / 1e6
    );
    println!("| metric | value | target | ok |");
    println!("|---|---|---|---|");
    let row = |name: &str, value: String, target: &str, ok: bool| {
        println!(
            "| {name} | {value} | {target} | {} |",
            if ok { "yes" } else { "NO" }
        );
    };
    row(
        "ingest (store + index)",
        format!("{ingest_rate:.0} articles/s ({ingest_secs:.2} s)"),
        "≥ 2000 articles/s",
        ingest_rate >= 2000.0,
    );
    row(
        "index size / raw text",
        format!(
            "{index_ratio:.2}× ({:.1} MB, {} passages)",
            stats.index_bytes as f64 / 1e6,
            stats.passages
        ),
        "≤ 1.0×",
        index_ratio <= 1.0,
    );
    row(
        "ask p50 (warm, with passages)",
        format!("{p50:.3} ms"),
        "≤ 1 ms",
        p50 <= 1.0,
    );
    let p95_target = if n >= 1_000_000 { 50.0 } else { 5.0 };
    row(
        "ask p95",
        format!("{p95:.3} ms"),
        &format!("≤ {p95_target} ms"),
        p95 <= p95_target,
    );
    row(
        "  of which plan + tantivy's search for the candidates, p50",
        format!("{:.3} ms", percentile(&search_ms, 0.5)),
        "—",
        true,
    );
    row("ask p99", format!("{p99:.3} ms"), "—", true);
    let timeline_target = if n >= 1_000_000 { 50.0 } else { 20.0 };
    row(
        "timeline p50 / p95 (500 topics)",
        format!(
            "{:.3} / {:.3} ms",
            percentile(&timeline_ms, 0.5),
            percentile(&timeline_ms, 0.95)
        ),
        &format!("p95 ≤ {timeline_target} ms"),
        percentile(&timeline_ms, 0.95) <= timeline_target,
    );
    row(
        "latest p50 / p95 (one per report, pages 1–5)",
        format!(
            "{:.3} / {:.3} ms",
            percentile(&latest_ms, 0.5),
            percentile(&latest_ms, 0.95)
        ),
        &format!("p95 ≤ {timeline_target} ms"),
        percentile(&latest_ms, 0.95) <= timeline_target,
    );
    row(
        "wire copies folded (1 in 20 generated)",
        format!("{}", stats.store.folded_copies),
        &format!("{}", n / 20),
        stats.store.folded_copies == n / 20,
    );
    row(
        "source named in the question looked for",
        format!(
            "{named_us:.2} µs mean over {} questions ({sources_found} of the {} naming one found)",
            named.len(),
            SOURCE_QUESTIONS.len()
        ),
        "—",
        sources_found == SOURCE_QUESTIONS.len(),
    );
    row(
        "time words read per question (date phrase, cue, impossible date)",
        format!("{timewords_us:.2} µs mean over {} questions", timed.len()),
        "≤ 5 µs",
        timewords_us <= 5.0,
    );
    let (sketch_bytes, band_bytes) = sketch_storage(&dir.path().join("data/store.sqlite"));
    row(
        "wire-copy sketches on disk: per-article sketches + band table",
        format!(
            "{:.1} MB + {:.1} MB ({:.0} bytes per article; none held in memory)",
            sketch_bytes as f64 / 1e6,
            band_bytes as f64 / 1e6,
            (sketch_bytes + band_bytes) as f64 / n as f64
        ),
        "—",
        true,
    );
    row(
        "ask mean",
        format!("{mean:.3} ms ({answered}/{} answered)", questions.len()),
        "—",
        true,
    );
    row(
        "segments after ingest / after reindex",
        format!("{segments_before} / {segments_after}"),
        "—",
        true,
    );
    if let Some((reindex_secs, articles)) = reindex_report {
        row(
            "ask p50 / p95 after reindex",
            format!(
                "{:.3} / {:.3} ms",
                percentile(&after_ms, 0.5),
                percentile(&after_ms, 0.95)
            ),
            "≤ 1 / ≤ 5 ms",
            percentile(&after_ms, 0.5) <= 1.0 && percentile(&after_ms, 0.95) <= 5.0,
        );
        row(
            "reindex",
            format!("{reindex_secs:.2} s ({articles} articles)"),
            "—",
            true,
        );
    }
    row(
        "article store (SQLite) on disk",
        format!("{:.1} MB", store_bytes as f64 / 1e6),
        "—",
        true,
    );
    row(
        "memory: RSS after queries (of it mapped files) / peak RSS",
        format!(
            "{:.0} MB ({:.0} MB) / {:.0} MB",
            rss_after_queries as f64 / 1024.0,
            rss_files as f64 / 1024.0,
            memory_kb("VmHWM:") as f64 / 1024.0
        ),
        "—",
        true,
    );
}

/// Questions with the time words people use, for the parse timing.
const TIME_QUESTIONS: &[&str] = &[
    "What happened yesterday in the prisoner talks?",
    "Any news this week about the summit?",
    "What did they agree on 21 October?",
    "What is the latest on the ceasefire?",
    "Has Washington commented since Monday?",
    "What did the envoys say last week?",
    "Who spoke over the weekend about the dam?",
    "What was agreed in the last 3 days?",
    "Any news today?",
    "What happened in October on tariffs?",
    "Did the talks resume on 31 February?",
    "Is the second round still planned for May?",
];

/// Questions naming one of the generated sources, for the source-name timing.
const SOURCE_QUESTIONS: &[&str] = &[
    "What does Example Wire say about the ceasefire?",
    "Is territory negotiable, according to the Daily Example?",
    "Example World News's coverage of the summit",
    "What did Example Wire report on the envoys?",
];

/// Bytes of the stored MinHash sketches and of the band table that finds candidates.
fn sketch_storage(db: &std::path::Path) -> (u64, u64) {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let sketches: i64 = conn
        .query_row(
            "SELECT COALESCE(SUM(LENGTH(sketch)), 0) FROM articles",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let bands: i64 = conn
        .query_row(
            "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = 'dup_bands'",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0);
    (sketches as u64, bands as u64)
}

/// A line of /proc/self/status in kB (0 where there is no procfs).
fn memory_kb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
