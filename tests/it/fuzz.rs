//! Property tests of everything that reads untrusted input: no panics, no hangs, invariants hold.
//! A bounded number of cases runs in CI; `cargo test --release -- --ignored fuzz` runs long.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use talkwatch::adapters::discord::verify;
use talkwatch::adapters::matrix::render::{BotNames, escape, render, trigger};
use talkwatch::command::{parse, parse_question};
use talkwatch::ingest::{DocKind, Origin, html_paragraphs, parse_bytes, parse_feed};
use talkwatch::messages::{Paging, Syntax};
use talkwatch::search::passage::split;

/// Text with the characters that matter: quotes, colons, markup, emoji, multi-byte letters.
fn messy() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("ask ".to_string()),
            Just("since:".to_string()),
            Just("source:\"".to_string()),
            Just("limit:".to_string()),
            Just("\"".to_string()),
            Just("<a href=javascript:x>".to_string()),
            Just("</blockquote>".to_string()),
            Just("\n\n".to_string()),
            Just(". ".to_string()),
            Just("🕊️".to_string()),
            Just("Зеленський ".to_string()),
            Just("AND OR ".to_string()),
            "[a-zA-Z0-9 ]{0,12}",
            any::<char>().prop_map(|c| c.to_string()),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

fn check_one(text: &str) {
    let _ = parse(text);
    let _ = parse_question(text);
    // Passages are in-bounds, on char boundaries, ordered, and not oversized.
    let mut last_end = 0;
    for r in split(text) {
        assert!(r.start <= r.end && r.end <= text.len());
        assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
        assert!(r.start >= last_end, "passages do not overlap");
        last_end = r.end;
    }
    let _ = html_paragraphs(text);
    let _ = parse_feed(text.as_bytes());
    let origin = Origin::Embedded {
        name: "fuzz.md".into(),
    };
    let _ = parse_bytes(text.as_bytes(), DocKind::Markdown, &origin);
    let _ = parse_bytes(text.as_bytes(), DocKind::Html, &origin);
    // HTML escaping leaves no markup.
    let escaped = escape(text);
    assert!(!escaped.contains('<') && !escaped.contains('>'));
    let names = BotNames::new("@talkwatch:example.org", Some("Talk Watch".into()));
    let _ = trigger(text, "!", &names, true, true);
    let _ = render(
        &talkwatch::reply::Reply::Invalid {
            problem: text.to_string(),
            hint: talkwatch::reply::Hint::Help,
        },
        Syntax {
            prefix: "!",
            paging: Paging::Limit,
        },
    );
    let key = ed25519_dalek::SigningKey::from_bytes(&[1u8; 32]).verifying_key();
    let _ = verify(&key, Some(text), Some(text), text.as_bytes(), 0);
}

fn run(cases: u32) -> u32 {
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&messy(), |text| {
            check_one(&text);
            Ok(())
        })
        .unwrap();
    cases
}

#[test]
fn fuzz_untrusted_inputs_never_panic() {
    run(300);
}

#[test]
#[ignore = "long run: cargo test --release -- --ignored fuzz"]
fn fuzz_long_run() {
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000);
    eprintln!("fuzz: {} cases passed", run(cases));
}
