//! Feed parsing from any bytes: RSS, Atom and JSON Feed (feed-rs), entry HTML to paragraphs.
//! Must never panic, and (with `-timeout`) never take longer than `ingest.max_parse_ms`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(items) = talkwatch::ingest::parse_feed(data) {
        for item in items {
            assert!(item.paragraphs.iter().all(|p| !p.trim().is_empty()));
        }
    }
});
