//! Article extraction from any bytes: HTML (depth scan, readability, paragraphs), Markdown and
//! text with front matter, JSON Lines. The first byte picks the reader, the rest is the input.
//! Must never panic, and (with `-timeout`) never take longer than `ingest.max_parse_ms`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use talkwatch::ingest::{DocKind, Origin, parse_bytes};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, input)) = data.split_first() else {
        return;
    };
    let kind = match pick % 4 {
        0 => DocKind::Html,
        1 => DocKind::Markdown,
        2 => DocKind::Text,
        _ => DocKind::JsonLines,
    };
    let origin = Origin::Url {
        url: url::Url::parse("https://example.org/fuzz/page").unwrap(),
        fetched: chrono::DateTime::UNIX_EPOCH,
    };
    for article in parse_bytes(input, kind, &origin).into_iter().flatten() {
        assert!(!article.title.is_empty());
        assert!(!article.url.is_empty());
    }
});
