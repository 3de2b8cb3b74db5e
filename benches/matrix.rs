//! Matrix latency benchmark: question → reply as a person in the room sees it, through a real
//! Synapse on 127.0.0.1 and the real `talkwatch run` binary.
//!
//! `cargo bench --bench matrix` prints p50/p95 for
//! 1. 100 sequential `!ask` questions in one plain room (`TALKWATCH_BENCH_QUESTIONS`),
//! 2. 200 questions in 20 rooms at once (10 per room, rooms in parallel), checking that every
//!    question is answered exactly once.
//!
//! The latency is measured by an independent raw-HTTP client that syncs like an open chat app:
//! from just before it sends the question until its long-polling `/sync` shows the bot's reply.

#[path = "../tests/it/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::Env;
use support::service::Service;
use support::synapse::{MatrixUser, synapse};

const WAIT: Duration = Duration::from_secs(60);

const QUESTIONS: &[&str] = &[
    "What did Ushakov say about the American proposals?",
    "Is territory negotiable for Russia?",
    "Has Washington commented?",
    "What was the outcome of the Moscow talks?",
    "Was Ukraine represented at the meetings with Putin?",
];

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

async fn ask(user: &MatrixUser, room: &str, bot: &str, question: &str) -> (f64, String) {
    let (id, _, elapsed) = user
        .send_and_wait(room, &format!("!ask {question}"), WAIT, |q, ev| {
            ev["sender"] == bot && ev["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] == q
        })
        .await;
    (elapsed.as_secs_f64() * 1000.0, id)
}

async fn room_with_bot(owner: &MatrixUser, bot: &str) -> String {
    let room = owner.create_room("bench", &[bot], false, false).await;
    owner.wait_until_joined(&room, bot, WAIT).await;
    room
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("TALKWATCH_BENCH_QUESTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let hs = synapse().await;
    let env = Env::with_demo();
    let bot = hs.register("talkwatch", false).await;
    let mut service = Service::start(
        &env,
        &[
            ("TALKWATCH_MATRIX__ENABLED", "true"),
            ("TALKWATCH_MATRIX__HOMESERVER", hs.base_url()),
            ("TALKWATCH_MATRIX__USER", &bot.user_id),
            ("TALKWATCH_MATRIX__PASSWORD", &bot.password),
        ],
    );
    service.wait_healthy(WAIT).await;
    let alice = hs.register("alice", false).await;
    let room = room_with_bot(&alice, &bot.user_id).await;

    for q in QUESTIONS {
        ask(&alice, &room, &bot.user_id, q).await;
    }
    let mut one_room = Vec::with_capacity(n);
    for i in 0..n {
        let (ms, _) = ask(&alice, &room, &bot.user_id, QUESTIONS[i % QUESTIONS.len()]).await;
        one_room.push(ms);
    }
    one_room.sort_by(f64::total_cmp);

    // 20 rooms, each with its own person asking 10 questions one after another.
    let rooms = 20;
    let per_room = 10;
    let mut people = Vec::new();
    for _ in 0..rooms {
        let user = hs.register("asker", false).await;
        let room = room_with_bot(&user, &bot.user_id).await;
        people.push((user, room));
    }
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (user, room) in people.clone() {
        let bot = bot.user_id.clone();
        tasks.spawn(async move {
            let mut out = Vec::new();
            for i in 0..per_room {
                out.push(ask(&user, &room, &bot, QUESTIONS[i % QUESTIONS.len()]).await);
            }
            out
        });
    }
    let mut many = Vec::new();
    let mut ids = Vec::new();
    while let Some(r) = tasks.join_next().await {
        for (ms, id) in r.unwrap() {
            many.push(ms);
            ids.push(id);
        }
    }
    let wall = started.elapsed().as_secs_f64();
    many.sort_by(f64::total_cmp);
    // Exactly once: count the bot's replies per question across all rooms.
    let mut replies = 0;
    let mut duplicates = 0;
    for (user, room) in &people {
        let history = user.room_messages(room).await;
        for id in &ids {
            let c = history
                .iter()
                .filter(|ev| {
                    ev["sender"] == bot.user_id.as_str()
                        && ev["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] == id.as_str()
                })
                .count();
            replies += c.min(1);
            duplicates += c.saturating_sub(1);
        }
    }

    println!("talkwatch Matrix benchmark (Synapse on 127.0.0.1, release build, demo corpus)");
    println!("| scenario | questions | p50 | p95 | max | notes |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| one room, sequential | {n} | {:.0} ms | {:.0} ms | {:.0} ms | target p50 ≤ 250 ms |",
        percentile(&one_room, 0.5),
        percentile(&one_room, 0.95),
        one_room.last().unwrap()
    );
    println!(
        "| 20 rooms at once, 10 each | {} | {:.0} ms | {:.0} ms | {:.0} ms | {:.1} questions/s; answered {replies}/{}, duplicates {duplicates} |",
        many.len(),
        percentile(&many, 0.5),
        percentile(&many, 0.95),
        many.last().unwrap(),
        many.len() as f64 / wall,
        ids.len()
    );
    assert_eq!(replies, ids.len(), "every question answered");
    assert_eq!(duplicates, 0, "no question answered twice");
    drop(service);
}
