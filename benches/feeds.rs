//! Feed reading on outside feeds: what talkwatch's feed reader gets out of each file.
//!
//! `TALKWATCH_FEEDS=<dir> cargo bench --bench feeds` walks the directory and prints one JSON line
//! per file: the entries with a title or text (`read`), those with a title and a link or text
//! (`storable`: what talkwatch stores), or the error the feed was refused with. `bench/feeds/run.py` runs it over feedparser's own test
//! feeds and compares with feedparser's counts.

use talkwatch::ingest::parse_feed;

fn main() {
    let Ok(dir) = std::env::var("TALKWATCH_FEEDS") else {
        eprintln!("set TALKWATCH_FEEDS to a directory of feeds (see bench/feeds/run.py)");
        return;
    };
    let mut files: Vec<_> = walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    files.sort();
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let line = match std::panic::catch_unwind(|| parse_feed(&bytes)) {
            Ok(Ok(items)) => {
                let read = items
                    .iter()
                    .filter(|i| !i.title.is_empty() || !i.paragraphs.is_empty())
                    .count();
                let storable = items
                    .iter()
                    .filter(|i| {
                        !i.title.is_empty() && (i.url.is_some() || !i.paragraphs.is_empty())
                    })
                    .count();
                serde_json::json!({"path": path, "read": read, "storable": storable})
            }
            Ok(Err(e)) => serde_json::json!({"path": path, "error": e.to_string()}),
            Err(_) => serde_json::json!({"path": path, "error": "panic"}),
        };
        println!("{line}");
    }
}
