//! Library-level tests: answer quality over the demo questions, and queries during a reindex.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use talkwatch::answer::AskRequest;
use talkwatch::config::Config;
use talkwatch::engine::{Engine, Quiet};
use talkwatch::search::SearchFilters;

use crate::support::demo_articles;

#[derive(serde::Deserialize)]
struct Questions {
    q: Vec<Question>,
}

#[derive(serde::Deserialize)]
struct Question {
    question: String,
    url: String,
    phrase: String,
}

async fn demo_engine(dir: &tempfile::TempDir) -> Engine {
    let config = Config {
        data_dir: dir.path().join("data"),
        ..Config::default()
    };
    let engine = Engine::open(config).await.unwrap();
    let report = engine
        .ingest(&[demo_articles().display().to_string()], &Quiet)
        .await
        .unwrap();
    assert_eq!(report.added, 29);
    engine
}

fn request(question: &str) -> AskRequest {
    AskRequest {
        question: question.into(),
        filters: SearchFilters::default(),
        limit: 3,
        offset: 0,
        per_article: 1,
        by_date: false,
    }
}

#[tokio::test]
async fn demo_questions_find_their_passages_and_unanswerable_ones_find_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let engine = demo_engine(&dir).await;
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/demo/questions.toml"))
        .unwrap();
    let questions: Questions = toml::from_str(&text).unwrap();
    let (mut answerable, mut top1, mut phrase_top3) = (0, 0, 0);
    let mut misses = Vec::new();
    for q in &questions.q {
        let result = engine.ask(&request(&q.question)).unwrap();
        if q.url.is_empty() {
            assert!(
                result.is_err(),
                "{:?} should find nothing, got {:?}",
                q.question,
                result
            );
            continue;
        }
        answerable += 1;
        let answer = result.unwrap_or_else(|r| panic!("{:?} found nothing ({r:?})", q.question));
        if answer.hits[0].url == q.url {
            top1 += 1;
        } else {
            misses.push(format!("{} → {}", q.question, answer.hits[0].url));
        }
        if answer
            .hits
            .iter()
            .any(|h| h.url == q.url && h.passage.contains(&q.phrase))
        {
            phrase_top3 += 1;
        }
        for hit in &answer.hits {
            assert!(
                hit.passage.len() <= talkwatch::search::passage::MAX_QUOTE,
                "passage too long: {}",
                hit.passage.len()
            );
            for r in &hit.highlights {
                assert!(
                    hit.passage.is_char_boundary(r.start) && hit.passage.is_char_boundary(r.end)
                );
            }
        }
    }
    assert!(answerable >= 30);
    println!(
        "demo questions: {top1}/{answerable} right article first, {phrase_top3}/{answerable} \
         answer phrase in the top 3; misses: {misses:?}"
    );
    assert!(
        top1 * 100 >= answerable * 90,
        "top-1 {top1}/{answerable}; misses: {misses:#?}"
    );
    assert!(
        phrase_top3 * 100 >= answerable * 80,
        "phrase in top 3: {phrase_top3}/{answerable}"
    );
}

/// The words of `hit`'s quote that are highlighted.
fn highlighted(hit: &talkwatch::reply::Hit) -> Vec<&str> {
    hit.highlights
        .iter()
        .map(|r| &hit.passage[r.clone()])
        .collect()
}

#[tokio::test]
async fn compound_words_find_their_other_spelling() {
    // The demo writes "ceasefire" and never "cease" or "fire": asked hyphenated, it is found
    // (and marked) all the same.
    let dir = tempfile::tempdir().unwrap();
    let engine = demo_engine(&dir).await;
    for question in [
        "Is a cease-fire on the table?",
        "Is a Cease-Fire on the table?",
    ] {
        let answer = engine
            .ask(&request(question))
            .unwrap()
            .unwrap_or_else(|r| panic!("{question:?} found nothing ({r:?})"));
        let hit = &answer.hits[0];
        assert!(
            highlighted(hit).contains(&"ceasefire"),
            "{question:?}: {:?} in {:?}",
            highlighted(hit),
            hit.passage
        );
    }
    // The other way round: a word the index lacks, held as two words.
    let articles = dir.path().join("articles");
    std::fs::create_dir_all(&articles).unwrap();
    std::fs::write(
        articles.join("fields.md"),
        "---\ntitle: \"Caracas opens its fields to Beijing\"\nurl: \"https://news.example.org/2026/11/caracas-fields\"\npublished: \"2026-11-02T09:00:00Z\"\n---\n\nVenezuela will let Chinese firms run 15 mature oil fields in the east of the country, the energy ministry said.\n\nThe agreement also covers a refinery study.\n",
    )
    .unwrap();
    let report = engine
        .ingest(&[articles.display().to_string()], &Quiet)
        .await
        .unwrap();
    assert_eq!(report.added, 1);
    let answer = engine
        .ask(&request("How many oilfields can Chinese firms run?"))
        .unwrap()
        .unwrap();
    let hit = &answer.hits[0];
    assert_eq!(hit.url, "https://news.example.org/2026/11/caracas-fields");
    assert!(
        highlighted(hit).contains(&"oil") && highlighted(hit).contains(&"fields"),
        "{:?}",
        highlighted(hit)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_query_is_answered_while_a_reindex_runs() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Arc::new(demo_engine(&dir).await);
    // Enough articles that the rebuild takes a while.
    let filler: Vec<talkwatch::ingest::Article> = (0..3000)
        .map(|i| talkwatch::ingest::Article {
            url: format!("https://filler.example.org/{i}"),
            title: format!("Filler {i}"),
            source: "Filler".into(),
            published: chrono::Utc::now(),
            published_estimated: false,
            tags: vec![],
            body: "Markets and weather in general terms. ".repeat(60),
        })
        .collect();
    engine.add_articles(filler).await.unwrap();

    let done = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let asker = {
        let (engine, done, answered) = (engine.clone(), done.clone(), answered.clone());
        tokio::task::spawn_blocking(move || {
            while !done.load(Ordering::SeqCst) {
                let answer = engine
                    .ask(&request("Is territory negotiable for Russia?"))
                    .expect("search works during reindex")
                    .expect("an answer during reindex");
                assert_eq!(
                    answer.hits[0].url,
                    "https://wire.example.org/2026/11/ushakov-territory-not-negotiable"
                );
                answered.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    let second = {
        let engine = engine.clone();
        async move {
            // Refused while the first one runs (or, if the first already finished, runs fine).
            engine.reindex(Arc::new(|_| {})).await
        }
    };
    let (first, second) = tokio::join!(engine.reindex(Arc::new(|_| {})), second);
    done.store(true, Ordering::SeqCst);
    asker.await.unwrap();
    let report = first.unwrap();
    assert_eq!(report.articles, 3029);
    match second {
        Err(talkwatch::search::SearchError::ReindexRunning) => {}
        Ok(r) => assert_eq!(r.articles, 3029),
        Err(e) => panic!("unexpected: {e}"),
    }
    assert!(answered.load(Ordering::SeqCst) > 0);
    assert_eq!(engine.stats().unwrap().store.articles, 3029);
}
