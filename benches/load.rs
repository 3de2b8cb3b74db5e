//! Load benchmark: 1,000 questions at once through the command handler (the path every chat
//! adapter takes: parsing, cooldowns, the search concurrency cap, ranking, passages) against a
//! 10,000-article index. `cargo bench --bench load` prints latency percentiles, throughput,
//! errors, CPU time and peak memory.

#[path = "support/synth.rs"]
mod synth;

use std::sync::Arc;
use std::time::Instant;

use talkwatch::command::{Caller, Handler, Identity};
use talkwatch::config::Config;
use talkwatch::engine::Engine;
use talkwatch::reply::Reply;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// (user CPU + system CPU seconds, peak RSS in MB) of this process, from /proc.
fn usage() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let cpu = (ticks(11) + ticks(12)) / 100.0;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak_kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(0.0);
    (cpu, peak_kb / 1024.0)
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        data_dir: dir.path().join("data"),
        ..Config::default()
    };
    // Many people asking at once, not one person spamming: no cooldowns here.
    config.chat.user_limit = 0;
    config.chat.room_limit = 0;
    let engine = Arc::new(Engine::open(config).await.unwrap());
    let articles: Vec<_> = (0..10_000).map(|i| synth::article(42, i)).collect();
    engine.add_articles(articles).await.unwrap();
    let handler = Arc::new(Handler::new(engine));
    let questions = synth::questions(11, 1_000);
    for q in questions.iter().take(100) {
        let _ = handler.respond_to_question(q, &Caller::local()).await;
    }

    let (cpu0, _) = usage();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, q) in questions.into_iter().enumerate() {
        let handler = handler.clone();
        tasks.spawn(async move {
            let caller = Caller {
                identity: Identity::Matrix {
                    user_id: format!("@user{}:example.org", i % 200),
                },
                place: Some(format!("!room{}:example.org", i % 20)),
            };
            let t = Instant::now();
            let reply = handler.respond_to_question(&q, &caller).await;
            (t.elapsed().as_secs_f64() * 1000.0, reply)
        });
    }
    let mut lat = Vec::new();
    let (mut answers, mut not_found, mut errors) = (0, 0, 0);
    while let Some(r) = tasks.join_next().await {
        let (ms, reply) = r.expect("no panics");
        lat.push(ms);
        match reply {
            Reply::Answer(_) => answers += 1,
            Reply::NotFound { .. } => not_found += 1,
            _ => errors += 1,
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let (cpu1, peak_mb) = usage();
    lat.sort_by(f64::total_cmp);
    println!("talkwatch load benchmark: 1,000 concurrent questions, 10,000-article index, 2 cores");
    println!("| metric | value |");
    println!("|---|---|");
    println!("| answered / not found / errors | {answers} / {not_found} / {errors} |");
    println!(
        "| latency p50 / p95 / p99 (queueing included) | {:.1} / {:.1} / {:.1} ms |",
        percentile(&lat, 0.5),
        percentile(&lat, 0.95),
        percentile(&lat, 0.99)
    );
    println!(
        "| wall time, throughput | {wall:.2} s, {:.0} questions/s |",
        1000.0 / wall
    );
    println!(
        "| CPU time during the burst | {:.2} s ({:.0} % of 2 cores) |",
        cpu1 - cpu0,
        (cpu1 - cpu0) / wall / 2.0 * 100.0
    );
    println!("| peak RSS of the process | {peak_mb:.0} MB |");
    assert_eq!(errors, 0, "no errors under load");
}
