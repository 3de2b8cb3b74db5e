//! Wire copies folded, look-alikes kept apart, measured on `bench/story/duplicates.toml`: 20
//! agency reports each republished 2–5 times (own titles, rewritten intros, added paragraphs,
//! cut endings, byte-identical copies) and 20 pairs that must stay apart (two outlets' own
//! reports on one meeting; one outlet's update that keeps its background paragraph). All 114
//! articles go into one store, and every pair of them is judged: folded together or not.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use talkwatch::config::Config;
use talkwatch::engine::Engine;
use talkwatch::ingest::Article;

use crate::support::article;

#[derive(serde::Deserialize)]
struct Set {
    group: Vec<Group>,
    pair: Vec<Pair>,
}

#[derive(serde::Deserialize)]
struct Group {
    id: String,
    outlet: String,
    published: DateTime<Utc>,
    title: String,
    body: String,
    copy: Vec<Copy>,
}

#[derive(serde::Deserialize)]
struct Copy {
    outlet: String,
    title: Option<String>,
    lede: Option<String>,
    extra: Option<String>,
    #[serde(default)]
    trim: bool,
}

#[derive(serde::Deserialize)]
struct Pair {
    id: String,
    kind: String,
    a_outlet: String,
    a_title: String,
    a_published: DateTime<Utc>,
    a: String,
    b_outlet: String,
    b_title: String,
    b_published: DateTime<Utc>,
    b: String,
}

fn slug(outlet: &str) -> String {
    outlet.to_lowercase().replace(' ', "-")
}

/// A copy as the outlet ran it: the agency's paragraphs with the intro rewritten, a paragraph
/// added or the last one cut.
fn republish(body: &str, copy: &Copy) -> String {
    let mut paragraphs: Vec<String> = body.trim().split("\n\n").map(str::to_string).collect();
    if let Some(lede) = &copy.lede {
        paragraphs[0] = lede.clone();
    }
    if copy.trim {
        paragraphs.pop();
    }
    if let Some(extra) = &copy.extra {
        paragraphs.push(extra.clone());
    }
    paragraphs.join("\n\n")
}

/// The articles, each with the id of the report it belongs to (a group's id, or a look-alike's
/// own id).
fn articles(set: &Set) -> Vec<(Article, String)> {
    let mut out = Vec::new();
    for g in &set.group {
        out.push((
            article(
                &format!("https://{}.example.org/{}", slug(&g.outlet), g.id),
                &g.outlet,
                &g.title,
                g.published,
                g.body.trim(),
            ),
            g.id.clone(),
        ));
        for (i, c) in g.copy.iter().enumerate() {
            out.push((
                article(
                    &format!("https://{}.example.org/{}-copy", slug(&c.outlet), g.id),
                    &c.outlet,
                    c.title.as_deref().unwrap_or(&g.title),
                    g.published + chrono::Duration::minutes(40 * (i as i64 + 1)),
                    republish(&g.body, c).trim(),
                ),
                g.id.clone(),
            ));
        }
    }
    for p in &set.pair {
        for (side, outlet, title, published, body) in [
            ("a", &p.a_outlet, &p.a_title, p.a_published, &p.a),
            ("b", &p.b_outlet, &p.b_title, p.b_published, &p.b),
        ] {
            out.push((
                article(
                    &format!("https://{}.example.org/{}{side}", slug(outlet), p.id),
                    outlet,
                    title,
                    published,
                    body.trim(),
                ),
                format!("{}{side}", p.id),
            ));
        }
    }
    out
}

#[tokio::test]
async fn fold_set_copies_fold_and_look_alikes_stay_apart() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/story/duplicates.toml");
    let set: Set = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!((set.group.len(), set.pair.len()), (20, 20));
    let kinds: BTreeSet<&str> = set.pair.iter().map(|p| p.kind.as_str()).collect();
    assert_eq!(kinds, BTreeSet::from(["same event", "update"]));
    let labelled = articles(&set);

    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().join("data"),
        ..Config::default()
    };
    let engine = Arc::new(Engine::open(config).await.unwrap());
    engine
        .add_articles(labelled.iter().map(|(a, _)| a.clone()).collect())
        .await
        .unwrap();
    drop(engine);

    // Which report group the store put each article in (a group's first article has none).
    let conn = rusqlite::Connection::open(dir.path().join("data/store.sqlite")).unwrap();
    let mut stmt = conn
        .prepare("SELECT url, COALESCE(story, key) FROM articles")
        .unwrap();
    let folded: HashMap<String, i64> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(folded.len(), labelled.len());

    let (mut both, mut said_same, mut truly_same) = (0usize, 0usize, 0usize);
    let mut wrong = Vec::new();
    for (i, (a, truth_a)) in labelled.iter().enumerate() {
        for (b, truth_b) in &labelled[i + 1..] {
            let same = truth_a == truth_b;
            let said = folded[&a.url] == folded[&b.url];
            said_same += said as usize;
            truly_same += same as usize;
            both += (said && same) as usize;
            if said != same {
                wrong.push(format!("{} / {}: folded {said}", a.url, b.url));
            }
        }
    }
    // How far apart the two kinds lie, by the sketches' estimate of shingle overlap.
    let sketch = |a: &Article| talkwatch::dedup::Sketch::of(&a.body).unwrap();
    let (mut lowest_same, mut highest_apart) = (1.0f64, 0.0f64);
    for (i, (a, truth_a)) in labelled.iter().enumerate() {
        for (b, truth_b) in &labelled[i + 1..] {
            let s = sketch(a).similarity(&sketch(b));
            if truth_a == truth_b {
                lowest_same = lowest_same.min(s);
            } else {
                highest_apart = highest_apart.max(s);
            }
        }
    }
    println!(
        "fold set: lowest similarity of two copies of one report {lowest_same:.2}, highest of \
         two different articles {highest_apart:.2} (threshold {})",
        talkwatch::dedup::SAME_REPORT
    );
    let precision = both as f64 / said_same.max(1) as f64;
    let recall = both as f64 / truly_same as f64;
    println!(
        "fold set: {} articles, {truly_same} pairs that are one report, {said_same} folded; \
         precision {precision:.3}, recall {recall:.3}",
        labelled.len()
    );
    for w in &wrong {
        println!("  {w}");
    }
    assert!(precision >= 0.99 && recall >= 0.95, "{wrong:#?}");
}
