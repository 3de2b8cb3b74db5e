//! Extraction throughput on real news pages: how many pages per second become articles.
//!
//! `TALKWATCH_PAGES=/path/to/html cargo bench --bench extract` reads every `*.html` file of the
//! directory (for instance the pages of the article-extraction benchmark, see
//! docs/reliability.md) and extracts each page several times over:
//! - `parse`: `ingest::parse_bytes` on the calling thread (depth scan, readability, paragraphs);
//! - `bounded`: the same through `ingest::bound::run`, one page at a time, as the feed poller
//!   runs it (on a parsing thread, with a deadline);
//! - `bounded ×N`: as `ingest` runs it, N pages at once (one per core), in order;
//! - `depth scan`: the linear pre-pass alone.
//!
//! Prints pages/s and MB/s of the best of `TALKWATCH_BENCH_PASSES` (default 5) passes. With
//! `TALKWATCH_EXTRACT_OUT=<file.json>` it first writes each page's extracted body as
//! `{"<file stem>": {"articleBody": "…"}}`, the article-extraction benchmark's format
//! (`bench/extraction/run.py` scores it).

use std::time::{Duration, Instant};

use futures::StreamExt;

use talkwatch::ingest::bound::{self, Markup};
use talkwatch::ingest::{DocKind, Origin, parse_bytes};

fn best_of<F: FnMut()>(passes: usize, mut pass: F) -> Duration {
    (0..passes)
        .map(|_| {
            let t = Instant::now();
            pass();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

#[tokio::main]
async fn main() {
    let Ok(dir) = std::env::var("TALKWATCH_PAGES") else {
        eprintln!("set TALKWATCH_PAGES to a directory of .html pages (see docs/reliability.md)");
        return;
    };
    let passes: usize = std::env::var("TALKWATCH_BENCH_PASSES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let mut named: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("TALKWATCH_PAGES is a readable directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            (stem, std::fs::read(p).unwrap())
        })
        .collect();
    named.sort();
    if let Ok(out) = std::env::var("TALKWATCH_EXTRACT_OUT") {
        let origin = Origin::Embedded {
            name: "bench".into(),
        };
        let bodies: serde_json::Map<String, serde_json::Value> = named
            .iter()
            .map(|(stem, page)| {
                let body = match parse_bytes(page, DocKind::Html, &origin).remove(0) {
                    Ok(article) => article.body,
                    Err(_) => String::new(),
                };
                (stem.clone(), serde_json::json!({ "articleBody": body }))
            })
            .collect();
        std::fs::write(&out, serde_json::to_string(&bodies).unwrap()).unwrap();
        eprintln!("wrote {} extracted bodies to {out}", bodies.len());
    }
    let pages: Vec<Vec<u8>> = named.into_iter().map(|(_, page)| page).collect();
    let bytes: usize = pages.iter().map(Vec::len).sum();
    let origin = Origin::Embedded {
        name: "bench".into(),
    };
    let articles = pages
        .iter()
        .filter(|p| parse_bytes(p, DocKind::Html, &origin)[0].is_ok())
        .count();
    println!(
        "{} pages ({:.1} MB), {} give an article; best of {passes} passes",
        pages.len(),
        bytes as f64 / 1e6,
        articles
    );
    let report = |name: &str, took: Duration| {
        println!(
            "{name:<12} {:>8.1} pages/s {:>8.1} MB/s",
            pages.len() as f64 / took.as_secs_f64(),
            bytes as f64 / 1e6 / took.as_secs_f64()
        );
    };
    report(
        "parse",
        best_of(passes, || {
            for page in &pages {
                std::hint::black_box(parse_bytes(page, DocKind::Html, &origin));
            }
        }),
    );
    let budget = Duration::from_secs(60);
    let mut bounded = Duration::MAX;
    for _ in 0..passes {
        let t = Instant::now();
        for page in &pages {
            let page = page.clone();
            let origin = origin.clone();
            let out = bound::run(budget, move || parse_bytes(&page, DocKind::Html, &origin)).await;
            std::hint::black_box(out.ok());
        }
        bounded = bounded.min(t.elapsed());
    }
    report("bounded", bounded);
    let parallel = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, bound::MAX_THREADS);
    let mut pipelined = Duration::MAX;
    for _ in 0..passes {
        let t = Instant::now();
        let outs = futures::stream::iter(&pages)
            .map(|page| {
                let page = page.clone();
                let origin = origin.clone();
                bound::run(budget, move || parse_bytes(&page, DocKind::Html, &origin))
            })
            .buffered(parallel)
            .count()
            .await;
        std::hint::black_box(outs);
        pipelined = pipelined.min(t.elapsed());
    }
    report(&format!("bounded ×{parallel}"), pipelined);
    report(
        "depth scan",
        best_of(passes, || {
            for page in &pages {
                std::hint::black_box(bound::nesting_depth(page, Markup::Html, bound::MAX_DEPTH));
            }
        }),
    );
}
