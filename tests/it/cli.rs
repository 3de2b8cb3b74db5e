//! End-to-end tests of the command line: the real binary on a temp data dir.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{Env, article_count, demo_articles, stderr, stdout};

const TERRITORY_URL: &str = "https://wire.example.org/2026/11/ushakov-territory-not-negotiable";
const CENTRAL_BANK_URL: &str =
    "https://business.example.org/2026/10/nordmark-reserve-bank-holds-rates";

fn ingest_demo(env: &Env) -> String {
    let out = env
        .cmd()
        .arg("ingest")
        .arg(demo_articles())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

fn ask_json(env: &Env, args: &[&str]) -> Value {
    let out = env
        .cmd()
        .arg("ask")
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("ask --json prints JSON")
}

/// The links of an `ask --json` answer's hits, in order.
fn hit_urls(v: &Value) -> Vec<&str> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["url"].as_str().unwrap())
        .collect()
}

#[test]
fn ask_on_an_empty_store_loads_the_demo_and_answers() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["ask", "Is territory negotiable for Russia?"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("loaded the bundled demo corpus (29 sample articles"),
        "{}",
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.starts_with("1. “"), "{text}");
    assert!(
        text.contains(
            "Ushakov said the status of the regions Russia claims as its own is not negotiable"
        ),
        "{text}"
    );
    assert!(text.contains(TERRITORY_URL), "{text}");
    assert!(
        text.contains("— Ushakov: Russia will not bargain over territory after Moscow meetings — Example Wire, 19 Nov 2026"),
        "{text}"
    );
}

#[test]
fn json_answer_has_exactly_the_documented_shape() {
    let env = Env::new();
    ingest_demo(&env);
    let v = ask_json(&env, &["Has Washington commented?"]);
    let obj = v.as_object().unwrap();
    // `newer` is there only when a newer matching article is not among the hits.
    let keys: Vec<&String> = obj.keys().filter(|k| *k != "newer").collect();
    assert_eq!(keys, ["hits", "question"]);
    assert_eq!(v["question"], "Has Washington commented?");
    let hits = v["hits"].as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 3);
    for hit in hits {
        let keys: Vec<&String> = hit.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "also",
                "passage",
                "published",
                "score",
                "source",
                "title",
                "url"
            ]
        );
        let published = hit["published"].as_str().unwrap();
        chrono::DateTime::parse_from_rfc3339(published).expect("RFC 3339 date");
        assert!(hit["score"].as_f64().unwrap() > 0.0);
    }
    let top = &hits[0];
    // "Has…?" asks about now: the 22 Nov statement first, the 19 Nov silence after it.
    assert_eq!(
        top["url"],
        "https://news.example.org/2026/11/envoys-return-state-department-statement"
    );
    assert_eq!(
        top["title"],
        "Witkoff and Kushner brief Trump as State Department breaks its silence"
    );
    assert_eq!(top["source"], "Example World News");
    assert_eq!(top["published"], "2026-11-22T20:10:00Z");
    assert_eq!(top["also"], serde_json::json!([]));
    assert_eq!(
        hits[1]["url"],
        "https://daily.example.org/2026/11/white-house-silent-on-moscow-talks"
    );

    // A wire report carried by three outlets is one hit, from the first, with the others as also.
    let v = ask_json(
        &env,
        &["Does the US propose a pause in strikes on power plants?"],
    );
    let top = &v["hits"][0];
    assert_eq!(top["source"], "Meridian Wire");
    assert_eq!(
        top["url"],
        "https://meridian.example.org/2026/11/us-energy-truce-proposal"
    );
    assert_eq!(
        top["also"],
        serde_json::json!([
            {"source": "Capital Ledger", "url": "https://ledger.example.org/2026/11/washington-energy-strike-pause", "published": "2026-11-24T10:05:00Z"},
            {"source": "Northern Courier", "url": "https://courier.example.org/2026/11/energy-truce-on-the-table", "published": "2026-11-24T13:40:00Z"},
        ])
    );
    let copies = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| {
            h["title"].as_str().unwrap().contains("strike") || h["source"] == "Northern Courier"
        })
        .count();
    assert_eq!(copies, 1, "{v:#}");

    let none = ask_json(&env, &["What is the recipe for sourdough bread?"]);
    assert_eq!(none["hits"], serde_json::json!([]));
}

#[test]
fn reingesting_never_duplicates_and_edits_replace() {
    let env = Env::new();
    let corpus = env.path("corpus");
    copy_dir(demo_articles(), &corpus);
    let first = env.cmd().arg("ingest").arg(&corpus).output().unwrap();
    assert_eq!(
        stdout(&first).trim(),
        "added 29, updated 0, unchanged 0, failed 0"
    );
    let again = env.cmd().arg("ingest").arg(&corpus).output().unwrap();
    assert_eq!(
        stdout(&again).trim(),
        "added 0, updated 0, unchanged 29, failed 0"
    );

    let file = corpus.join("15-white-house-declines-comment.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace(
            "Washington declined on Thursday",
            "Washington refused on Thursday",
        ),
    )
    .unwrap();
    let edited = env.cmd().arg("ingest").arg(&corpus).output().unwrap();
    assert_eq!(
        stdout(&edited).trim(),
        "added 0, updated 1, unchanged 28, failed 0"
    );
    assert_eq!(article_count(&env), 29);

    let v = ask_json(
        &env,
        &["Did Washington comment on how the Moscow talks had gone?"],
    );
    let passage = v["hits"][0]["passage"].as_str().unwrap();
    assert!(
        passage.starts_with("Washington refused on Thursday"),
        "{passage}"
    );
    let dupes = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["url"] == v["hits"][0]["url"])
        .count();
    assert_eq!(dupes, 1);
}

#[test]
fn bad_inputs_are_reported_and_skipped_and_nothing_stored_is_lost() {
    let env = Env::new();
    ingest_demo(&env);
    let bad = env.path("bad");
    env.write("bad/binary.txt", [0x7f, b'E', b'L', b'F', 0, 0, 1, 2, 3]);
    env.write("bad/empty.md", "   \n\n");
    env.write(
        "bad/latin1.txt",
        b"Caf\xe9 talks\n\nThe caf\xe9 was closed.",
    );
    env.write(
        "bad/nothing.html",
        "<html><head><title>x</title></head><body><div><img src=a.png></div></body></html>",
    );
    env.write(
        "bad/broken-front.md",
        "---\ntitle: [oops\n---\nBody text here.\n",
    );
    env.write(
        "bad/lines.jsonl",
        "{\"title\":\"Good line\",\"url\":\"https://x.example.org/good\",\"body\":\"A fine body about summit talks.\"}\n{oops\n",
    );
    let huge = env.write("bad/huge.txt", "");
    std::fs::File::options()
        .write(true)
        .open(&huge)
        .unwrap()
        .set_len(50 * 1024 * 1024)
        .unwrap();

    let out = env
        .cmd()
        .arg("ingest")
        .arg(&bad)
        .arg(env.path("missing.md"))
        .arg("http://127.0.0.1:9/unreachable")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("added 2, updated 0, unchanged 0, failed 8\n"),
        "{text}"
    );
    for (file, reason) in [
        ("binary.txt", "binary file, not text"),
        ("empty.md", "empty file"),
        // Not an error any more: read in the encoding its bytes point to, and said so.
        (
            "latin1.txt",
            "read as windows-1252 (no encoding declared and not UTF-8; guessed from the text)",
        ),
        ("nothing.html", "no readable text found"),
        ("broken-front.md", "bad front matter"),
        ("lines.jsonl", "line 2:"),
        (
            "huge.txt",
            "too large: 52428800 bytes, the limit is 10485760 bytes",
        ),
        ("missing.md", "no such file or directory"),
        (
            "http://127.0.0.1:9/unreachable",
            "cannot fetch: could not connect",
        ),
    ] {
        assert!(
            text.lines().any(|l| l.contains(file) && l.contains(reason)),
            "no line for {file} with {reason:?} in:\n{text}"
        );
    }
    assert_eq!(article_count(&env), 31);
    let v = ask_json(&env, &["Is territory negotiable for Russia?"]);
    assert_eq!(v["hits"][0]["url"], TERRITORY_URL);
}

#[test]
fn query_syntax_never_fails() {
    let env = Env::new();
    ingest_demo(&env);
    for q in [
        "\"unbalanced",
        "AND OR",
        "what?!",
        "🕊️🇺🇦 ?",
        "title:Ushakov (territory",
        "Zelensky* NOT~ ^2",
    ] {
        let out = env.cmd().args(["ask", "--json", q]).output().unwrap();
        assert!(out.status.success(), "{q}: {}", stderr(&out));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["question"], q);
    }
    // Words inside the syntax still count.
    let v = ask_json(&env, &["\"Ushakov territory"]);
    assert_eq!(v["hits"][0]["url"], TERRITORY_URL);
    // 10 KB of text is searched as words when the limit allows it, refused clearly otherwise.
    let long = "Is territory negotiable for Russia? ".repeat(280);
    let out = env
        .cmd()
        .env("TALKWATCH_CHAT__MAX_QUESTION_CHARS", "20000")
        .env("TALKWATCH_CHAT__MAX_MESSAGE_BYTES", "20000")
        .args(["ask", "--json", &long])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["hits"][0]["url"], TERRITORY_URL);
    let out = env.cmd().args(["ask", &long]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(
            "error: That question is too long (10079 characters; the limit is 500).\nhint: "
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn filters_work_as_flags_and_inline() {
    let env = Env::new();
    ingest_demo(&env);
    let v = ask_json(&env, &["--source", "daily example", "Moscow talks"]);
    let hits = v["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h["source"] == "Daily Example"), "{v}");

    let v = ask_json(&env, &["since:2026-11-21 until:2026-11-22 Moscow talks"]);
    let hits = v["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    for h in hits {
        let d = h["published"].as_str().unwrap();
        assert!(("2026-11-21".."2026-11-23").contains(&d), "{d}");
    }
    let v = ask_json(&env, &["--limit", "1", "Moscow talks"]);
    assert_eq!(v["hits"].as_array().unwrap().len(), 1);

    // A source nothing was read from is named as such, for answers, timelines and lists alike;
    // a known one in another case still filters.
    for args in [
        &["ask", "--source", "Nope Wire", "Moscow talks"][..],
        &["timeline", "source:\"Nope Wire\" talks"],
        &["latest", "--source", "Nope Wire"],
    ] {
        let err = usage_error(&env, args);
        assert!(
            err.contains("I have read nothing from “Nope Wire”.")
                && err.contains("Run `talkwatch sources` to see the sources I have read.")
                && !err.contains(".."),
            "{args:?}: {err}"
        );
    }
    let v = ask_json(&env, &["--source", "DAILY EXAMPLE", "Moscow talks"]);
    assert!(!v["hits"].as_array().unwrap().is_empty(), "{v}");

    let err = usage_error(&env, &["ask", "--since", "banana", "x"]);
    assert!(err.contains("`banana` is not a date"), "{err}");
    let err = usage_error(&env, &["ask", "since:banana talks"]);
    assert!(
        err.contains(
            "error: `since:banana` is not valid: use a date like 2026-11-01, an age like 10m, 12h, 3d, 2w or 2months, or words like yesterday, monday, november or \"last week\""
        ),
        "{err}"
    );
    // A day that does not exist is named, with exit status 2.
    let err = usage_error(&env, &["ask", "What was agreed on 31 February?"]);
    assert!(
        err.starts_with(
            "error: “31 February” is not a day of the calendar; check the day and the month"
        ),
        "{err}"
    );
    // A range that ends before it starts is a usage error, not "nothing found".
    let err = usage_error(&env, &["ask", "since:2026-11-25 until:2026-11-20 talks"]);
    assert!(
        err.starts_with(
            "error: That range ends (20 Nov 2026) before it starts (25 Nov 2026): `until:` has to come after `since:`"
        ),
        "{err}"
    );
}

/// Runs `talkwatch ARGS`, expects a usage error (exit status 2) and returns its stderr.
fn usage_error(env: &Env, args: &[&str]) -> String {
    let out = env.cmd().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    stderr(&out)
}

#[test]
fn name_variants_and_typos_find_the_same_articles() {
    let env = Env::new();
    ingest_demo(&env);
    let v = ask_json(&env, &["What does Zelenskiy demand?"]);
    let passage = v["hits"][0]["passage"].as_str().unwrap();
    assert!(passage.contains("Zelensky"), "{passage}");
    let v = ask_json(&env, &["Erdogan Istanbul"]);
    assert_eq!(
        v["hits"][0]["url"],
        "https://wire.example.org/2026/11/erdogan-offers-istanbul-venue"
    );
    let ask = |q: &str| stdout(&env.cmd().args(["ask", q]).output().unwrap());
    let text = ask("What did Ushakof say about territory?");
    assert!(text.contains(TERRITORY_URL), "{text}");
    assert!(
        text.contains("(Searched for close spellings: “Ushakof” → “Ushakov”.)"),
        "{text}"
    );
    assert!(!text.contains("No article I have read mentions"), "{text}");
    // A word no article holds is named, so that the answer is not taken for one about it.
    let text = ask("What did Ushakov say about zeppelins?");
    assert!(text.contains("Ushakov"), "{text}");
    assert!(
        text.contains(
            "(No article I have read mentions “zeppelins”; these match the rest of the question.)"
        ),
        "{text}"
    );
    // A word that only frames the question is not searched for, nor named as unread.
    let text = ask("What happened in Moscow?");
    assert!(text.contains("Moscow"), "{text}");
    assert!(!text.contains("No article I have read mentions"), "{text}");
}

/// A question's word is answered by words that say it another way: "fail" by talks that "ended
/// without a deal" (the synonym table), not by the sanctions that "have failed to change"
/// Moscow's course; "change" by a rate "left unchanged" (its negation).
#[test]
fn a_question_word_is_answered_by_another_way_of_saying_it() {
    let env = Env::new();
    ingest_demo(&env);
    for (question, url, quote) in [
        (
            "Why did the Moscow talks fail?",
            "https://news.example.org/2026/11/moscow-talks-end-without-deal",
            "without an agreement",
        ),
        (
            "Did the central bank change rates?",
            CENTRAL_BANK_URL,
            "left its main interest rate unchanged",
        ),
    ] {
        let v = ask_json(&env, &["--limit", "1", question]);
        assert_eq!(v["hits"][0]["url"], url, "{question}: {v}");
        assert!(
            v["hits"][0]["passage"].as_str().unwrap().contains(quote),
            "{question}: {v}"
        );
    }
}

#[test]
fn a_source_named_in_a_question_keeps_the_answer_to_it() {
    let env = Env::new();
    ingest_demo(&env);
    // Before, "Example" and "Wire" were searched as words, named as words no article mentions,
    // and the answer quoted every outlet.
    let v = ask_json(
        &env,
        &[
            "--limit",
            "10",
            "What has Example Wire reported about the talks?",
        ],
    );
    let hits = v["hits"].as_array().unwrap();
    assert!(hits.len() >= 3, "{v}");
    assert!(hits.iter().all(|h| h["source"] == "Example Wire"), "{v}");
    for (question, source) in [
        ("What does Example Wire say about Riyadh?", "Example Wire"),
        (
            "Is territory negotiable, according to the daily example?",
            "Daily Example",
        ),
        (
            "Meridian Wire's coverage of the energy truce",
            "Meridian Wire",
        ),
    ] {
        let text = stdout(&env.cmd().args(["ask", question]).output().unwrap());
        assert!(
            text.starts_with(&format!("From {source}:\n\n1. “")),
            "{question}: {text}"
        );
        assert!(!text.contains("mentions “"), "{question}: {text}");
        let citations: Vec<&str> = text.lines().filter(|l| l.starts_with("   — ")).collect();
        assert!(!citations.is_empty(), "{question}: {text}");
        assert!(
            citations
                .iter()
                .all(|l| l.contains(&format!(" — {source}, "))),
            "{question}: {text}"
        );
    }
    // A source with nothing on the rest: every source's matches, saying so.
    let text = stdout(
        &env.cmd()
            .args(["ask", "What does Capital Ledger say about Istanbul?"])
            .output()
            .unwrap(),
    );
    assert!(text.contains("Erdoğan offers Istanbul"), "{text}");
    assert!(
        text.contains("Nothing from Capital Ledger matches the rest of the question"),
        "{text}"
    );
    // The source alone: its newest developments. A name that is no source stays a word.
    let text = stdout(
        &env.cmd()
            .args(["ask", "What does Example Wire say?"])
            .output()
            .unwrap(),
    );
    assert!(
        text.starts_with("The newest developments from Example Wire:\n1. 26 Nov 2026"),
        "{text}"
    );
    // A timeline kept to a source says so, and one with nothing from it names the source.
    let text = stdout(
        &env.cmd()
            .args(["timeline", "Riyadh talks in Example Wire"])
            .output()
            .unwrap(),
    );
    assert!(
        text.starts_with("How “Riyadh talks” developed in Example Wire (oldest first):\n1. "),
        "{text}"
    );
    let text = stdout(
        &env.cmd()
            .args(["timeline", "Riyadh from Capital Ledger"])
            .output()
            .unwrap(),
    );
    assert!(
        text.starts_with("I found nothing about “Riyadh from Capital Ledger”"),
        "{text}"
    );
    let v = ask_json(
        &env,
        &["--limit", "1", "What did Ushakov say, according to Peskov?"],
    );
    assert_eq!(v["hits"].as_array().unwrap().len(), 1, "{v}");
}

#[test]
fn how_a_question_is_put_is_not_searched() {
    let env = Env::new();
    ingest_demo(&env);
    // "What's" is "what is": its "s" was searched, matched every possessive and quoted the
    // older report's "Turkey's offer" first.
    // "current status" and "How are … going?" ask how things stand now: "status" found the
    // "status of the regions" Russia claims, "going" the White House's "not going to negotiate".
    let riyadh = "https://wire.example.org/2026/11/riyadh-round-postponed-january";
    for (question, url, quote) in [
        ("What's happening with Riyadh?", riyadh, "Riyadh"),
        ("What's going on with Riyadh?", riyadh, "Riyadh"),
        (
            "What is the current status of the Riyadh talks?",
            riyadh,
            "Riyadh",
        ),
        (
            "How are the Nile talks going?",
            "https://wire.example.org/2026/11/nile-dam-filling-seven-years",
            "seven-year",
        ),
    ] {
        let v = ask_json(&env, &["--limit", "1", question]);
        assert_eq!(v["hits"][0]["url"], url, "{question}: {v}");
        assert!(
            v["hits"][0]["passage"].as_str().unwrap().contains(quote),
            "{question}: {v}"
        );
    }
    // Neither a negation's "don", a request's "summarize" nor a greeting is a word to look
    // for: before, "don", "Hey" and "talkwatch" were named as words no article mentions, and
    // "summarize" was corrected to "summer".
    for question in [
        "Why don't the sides agree on territory?",
        "Summarize the Moscow talks",
        "Tell me about the Moscow talks",
        "Hey, what did Peskov say?",
        "hi talkwatch, is territory negotiable?",
    ] {
        let out = env.cmd().args(["ask", question]).output().unwrap();
        let text = stdout(&out);
        assert!(text.starts_with("1. “"), "{question}: {text}");
        assert!(!text.contains("mentions “"), "{question}: {text}");
        assert!(!text.contains("close spellings"), "{question}: {text}");
    }
    // Thanks after a question: before, "thanks" quoted Zelenskyy having "thanked the Emirati
    // mediators" instead of what Ushakov said.
    let v = ask_json(&env, &["--limit", "1", "what did ushakov say thanks"]);
    assert_eq!(
        v["hits"][0]["url"], "https://wire.example.org/2026/11/ushakov-territory-not-negotiable",
        "{v}"
    );
}

#[test]
fn the_demo_names_the_envoys_from_the_report_about_the_moscow_talks() {
    let env = Env::new();
    ingest_demo(&env);
    // The newer report on the next round recalls "the American envoys in Moscow" in its last
    // paragraph; the report about the Moscow talks is the answer, quoted where it names them.
    let v = ask_json(
        &env,
        &["--limit", "1", "Who were the US envoys who went to Moscow?"],
    );
    let hit = &v["hits"][0];
    assert_eq!(
        hit["url"], "https://news.example.org/2026/11/moscow-talks-end-without-deal",
        "{hit}"
    );
    let passage = hit["passage"].as_str().unwrap();
    assert!(
        passage.contains("Steve Witkoff and Jared Kushner"),
        "{passage}"
    );
}

#[test]
fn what_someone_said_about_a_topic_is_quoted_where_they_speak_of_it() {
    let env = Env::new();
    ingest_demo(&env);
    // Every paragraph of the Ushakov report has him speaking, and the title holds "territory";
    // the quote is one where he speaks of territory, not of prisoner releases and flights.
    let v = ask_json(
        &env,
        &["--limit", "1", "What did Ushakov say about territory?"],
    );
    let hit = &v["hits"][0];
    assert_eq!(
        hit["url"], "https://wire.example.org/2026/11/ushakov-territory-not-negotiable",
        "{hit}"
    );
    let passage = hit["passage"].as_str().unwrap();
    assert!(passage.contains("territory"), "{passage}");
}

#[test]
fn a_close_spelling_is_named_only_when_the_quotes_show_it() {
    let env = Env::new();
    let story = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/story/articles");
    let out = env.cmd().arg("ingest").arg(story).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // "resist" is in none of the articles; its close spelling "registered" is in one about
    // the accord's registration, which is not what the answer quotes: no note about it.
    let out = env
        .cmd()
        .args([
            "ask",
            "--limit",
            "1",
            "Why does Essaria resist Durmand's demand for water?",
        ])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(text.contains("Durmand"), "{text}");
    assert!(!text.contains("close spellings"), "{text}");
}

#[test]
fn usage_errors_exit_2_runtime_errors_exit_1() {
    let env = Env::new();
    let out = env.cmd().args(["ask"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = env.cmd().args(["frobnicate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = env
        .cmd()
        .args(["--config", "nope.toml", "stats"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("error: config file nope.toml not found\nhint: "),
        "{}",
        stderr(&out)
    );
    // A data dir that cannot be created is a runtime error.
    let blocker = env.write("blocker", "a file, not a directory");
    let out = env
        .cmd()
        .env("TALKWATCH_DATA_DIR", blocker.join("data"))
        .arg("stats")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: cannot create data directory"),
        "{}",
        stderr(&out)
    );
}

/// What `talkwatch chat` prints for the lines of `input`, once it has ended well.
fn chat(env: &Env, input: &str) -> String {
    let out = env.cmd().arg("chat").write_stdin(input).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn chat_repl_uses_the_same_commands_as_the_chat_platforms() {
    let env = Env::new();
    let text = chat(
        &env,
        "!help\nIs territory negotiable for Russia?\n!frobnicate\n!sources\n!reindex\nhelp\nquit\n",
    );
    // "!help", and "help" said as a question (not searched for), both show the commands.
    assert_eq!(
        text.matches("!ask <question> — best matching passages")
            .count(),
        2,
        "{text}"
    );
    assert!(text.contains(TERRITORY_URL), "{text}");
    assert!(
        text.contains("Unknown command `frobnicate`. Send !help to see what I can do."),
        "{text}"
    );
    assert!(text.contains("• Example Wire — "), "{text}");
    assert!(text.contains("Reindex done: 29 articles, "), "{text}");
    // A problem and its hint are two sentences, one full stop between them.
    let text = chat(&env, "source:\"Nope\" talks\nquit\n");
    assert!(
        text.contains("I have read nothing from “Nope”. Send !sources"),
        "{text}"
    );
}

#[test]
fn more_in_chat_shows_the_next_page_of_the_last_answer_or_timeline() {
    let env = Env::new();
    let text = chat(
        &env,
        "more\nIs territory negotiable?\nmore\n!timeline talks\nmore\nmore\nquit\n",
    );
    let nothing = "There is nothing more to show";
    // Nothing asked yet: nothing to page.
    assert!(text.starts_with(nothing), "{text}");
    assert_eq!(text.matches(nothing).count(), 2, "{text}");
    // The answer's second page goes on from 4; the timeline's from 11, then nothing is left.
    assert!(
        text.contains("More matches exist; send !more to see the next ones."),
        "{text}"
    );
    assert!(text.contains("\n4. “"), "{text}");
    assert!(
        text.contains("More exist; send !more to see the next ones."),
        "{text}"
    );
    let second_page = text.find("\n11. ").expect("the timeline's second page");
    assert!(text[second_page..].contains(nothing), "{text}");
    assert_eq!(text.matches("How “talks” developed").count(), 2, "{text}");
}

#[test]
fn whats_new_on_a_topic_asks_for_its_newest_report_not_for_the_word_new() {
    let env = Env::new();
    let text = chat(&env, "What's new on the energy truce?\nWhat's new?\nquit\n");
    // The newest report on the truce first, not quoted for "the new timing" it mentions.
    let first = text.find("1. “").expect("an answer");
    let link = text[first..].lines().nth(2).unwrap_or("");
    assert_eq!(
        link.trim(),
        "https://wire.example.org/2026/11/riyadh-round-postponed-january",
        "{text}"
    );
    assert!(!text.contains("the new timing"), "{text}");
    // Alone, it lists the newest developments.
    assert!(text.contains("The newest developments:"), "{text}");
}

/// Pages past the tenth article go on from where the one before stopped: no article twice.
#[test]
fn more_never_shows_an_article_twice_however_deep() {
    let env = Env::new();
    let text = chat(&env, "Russia Ukraine\nmore\nmore\nmore\nmore\nmore\nquit\n");
    let links: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("   https://"))
        .collect();
    assert!(links.len() > 12, "{text}");
    let mut unique = links.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), links.len(), "{text}");
    // Numbered on from page to page.
    assert!(text.contains("\n13. “"), "{text}");
}

/// The newer-coverage line points to what has not been shown: on the second page of "the latest
/// on the Riyadh talks", not to the 26 Nov report the first page opened with.
#[test]
fn more_never_points_to_newer_coverage_already_shown() {
    let env = Env::new();
    let text = chat(
        &env,
        "What's the latest on the Riyadh talks?\nmore\nmore\nquit\n",
    );
    let mut shown: Vec<&str> = Vec::new();
    for line in text.lines() {
        if let Some(link) = line.strip_prefix("   https://") {
            shown.push(link);
        } else if let Some(newer) = line.strip_prefix("Newer: ") {
            let link = newer.rsplit(" https://").next().unwrap_or("");
            assert!(!shown.contains(&link), "{link} was shown already:\n{text}");
        }
    }
    assert!(
        shown.first() == Some(&"wire.example.org/2026/11/riyadh-round-postponed-january"),
        "{text}"
    );
    assert!(text.contains("\n4. “"), "{text}");
}

#[test]
fn a_command_without_its_words_shows_an_example_of_it() {
    let env = Env::new();
    let text = chat(&env, "!timeline\n!watch\n!unwatch\nquit\n");
    for line in [
        "`timeline` needs a topic. Try !timeline prisoner exchange.",
        "`watch` needs the words to watch for. Try !watch prisoner exchange.",
        "`unwatch` needs the words of the watch to remove. Send !watches to list this room's watches.",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    // On the command line, the example is a command to run.
    let out = env.cmd().arg("timeline").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim_end(),
        "error: `timeline` needs a topic.\nhint: Try `talkwatch timeline \"prisoner exchange\"`."
    );
}

#[test]
fn greetings_and_thanks_are_answered_in_kind_not_searched() {
    let env = Env::new();
    let text = chat(
        &env,
        "Hi there!\nthanks\nWho thanked the mediators?\nok\nbye\nquit\n",
    );
    assert!(
        text.contains("Hello! I answer questions about ongoing talks with quotes from the news I have read, e.g. !ask What did Ushakov say about the proposals?\nSend !help to see everything I can do."),
        "{text}"
    );
    assert!(
        text.contains("You're welcome. Ask me anything else about the talks, or try !latest for the newest developments."),
        "{text}"
    );
    assert!(
        text.contains(
            "Anything else? Ask me about the talks, or try !latest for the newest developments."
        ),
        "{text}"
    );
    assert!(text.contains("Goodbye!"), "{text}");
    assert!(!text.contains("I found nothing"), "{text}");
    // Before, "thanks" was searched and quoted Zelenskyy thanking the Emirati mediators; asked
    // as a question, that quote is still there.
    assert_eq!(
        text.matches("thanked the Emirati mediators").count(),
        1,
        "{text}"
    );
}

#[test]
fn questions_about_the_bot_get_the_help_and_a_mistyped_command_its_likely_name() {
    let env = Env::new();
    let text = chat(
        &env,
        "who are you?\nWhat can you do\n!timelin energy truce\n!frob\nquit\n",
    );
    // Before, both questions said "I couldn't find any words to search for".
    assert_eq!(
        text.matches("!timeline <topic> — how a topic developed")
            .count(),
        2,
        "{text}"
    );
    assert!(!text.contains("any words to search for"), "{text}");
    assert!(
        text.contains(
            "Unknown command `timelin`. Did you mean !timeline? Send !help to see what I can do."
        ),
        "{text}"
    );
    assert!(
        text.contains("Unknown command `frob`. Send !help to see what I can do."),
        "{text}"
    );
}

#[test]
fn tell_me_more_pages_on_and_hurried_spellings_are_no_words() {
    let env = Env::new();
    let text = chat(&env, "Is territory negotiable?\ntell me more\nnext\nquit\n");
    assert!(text.contains("\n4. “"), "{text}");
    assert!(text.contains("\n7. “"), "{text}");
    // "wat" and "whos" were named as words no article mentions.
    let out = env
        .cmd()
        .args(["ask", "wat did peskov say"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        text.starts_with("1. “Kremlin spokesman Dmitry Peskov said"),
        "{text}"
    );
    assert!(!text.contains("mentions “"), "{text}");
}

#[test]
fn a_timeline_leaves_out_articles_about_something_else() {
    let env = Env::new();
    ingest_demo(&env);
    let text = stdout(
        &env.cmd()
            .args(["timeline", "--limit", "20", "Moscow talks"])
            .output()
            .unwrap(),
    );
    assert!(
        text.contains("https://news.example.org/2026/11/moscow-talks-end-without-deal"),
        "{text}"
    );
    assert!(
        text.contains("— Ushakov: Russia will not bargain"),
        "{text}"
    );
    // The Nile round holds "talks" but never "Moscow": before, it had a line of its own.
    assert!(!text.contains("Nile dam"), "{text}");
    // Words no article holds are named apart, not counted against every article.
    let text = stdout(
        &env.cmd()
            .args(["timeline", "Riyadh blimps zeppelins"])
            .output()
            .unwrap(),
    );
    assert!(
        text.starts_with("How “Riyadh blimps zeppelins” developed (oldest first; no article I have read mentions “blimps” or “zeppelins”):\n1. "),
        "{text}"
    );
}

#[test]
fn a_question_about_how_talks_evolved_is_answered_by_their_timeline() {
    let env = Env::new();
    ingest_demo(&env);
    let out = env
        .cmd()
        .args(["ask", "How did the Riyadh talks evolve?"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        text.starts_with("How “Riyadh talks” developed (oldest first):\n1. 23 Nov 2026 — "),
        "{text}"
    );
    assert!(text.contains("\n2. 26 Nov 2026 — "), "{text}");
    // As JSON: the same lines as hits, oldest first.
    let v = ask_json(&env, &["timeline of the Riyadh round"]);
    assert_eq!(
        hit_urls(&v)[..2],
        [
            "https://daily.example.org/2026/11/riyadh-follow-up-talks-december",
            "https://wire.example.org/2026/11/riyadh-round-postponed-january"
        ],
        "{v}"
    );
}

#[test]
fn a_question_starting_like_a_command_pages_as_that_question() {
    let env = Env::new();
    let text = chat(&env, "timeline energy truce\nmore\nquit\n");
    // Asked without "!", it is a question: its next page goes on from 4, it is not read as a
    // timeline of "energy truce" from its 4th line.
    assert!(text.starts_with("1. “"), "{text}");
    assert!(text.contains("\n4. “"), "{text}");
    assert!(!text.contains("I found nothing"), "{text}");
    assert!(!text.contains("developed (oldest first)"), "{text}");
}

#[test]
fn one_shot_commands_name_the_offset_of_their_next_page() {
    let env = Env::new();
    ingest_demo(&env);
    let run = |args: &[&str]| {
        let out = env.cmd().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    let links = |text: &str| -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|l| l.starts_with("https://"))
            .map(String::from)
            .collect()
    };
    let first = run(&["ask", "Is territory negotiable?"]);
    assert!(
        first
            .trim_end()
            .ends_with("More matches exist; add --offset 3 to see the next ones."),
        "{first}"
    );
    // Following the hint shows the next articles, numbered on, none of the first page again.
    let next = run(&["ask", "--offset", "3", "Is territory negotiable?"]);
    assert!(next.starts_with("4. “"), "{next}");
    for link in links(&next) {
        assert!(!links(&first).contains(&link), "{link} shown twice");
    }
    // A limit above what one reply holds (search.max_limit, 10) still names a page that moves
    // on, not the limit it already has.
    let most = run(&["ask", "--limit", "25", "Russia Ukraine talks"]);
    assert!(most.contains("\n10. “"), "{most}");
    assert!(!most.contains("\n11. “"), "{most}");
    assert!(
        most.trim_end()
            .ends_with("More matches exist; add --offset 10 to see the next ones."),
        "{most}"
    );
    let text = run(&["timeline", "talks"]);
    assert!(
        text.trim_end()
            .ends_with("More exist; add --offset 10 to see the next ones."),
        "{text}"
    );
    let text = run(&["timeline", "--offset", "10", "talks"]);
    assert!(text.contains("\n11. "), "{text}");
    // Past the last page it says so, not that nothing matches the words.
    for args in [
        &["ask", "--offset", "100", "Is territory negotiable?"][..],
        &["timeline", "--offset", "100", "talks"],
        &["latest", "--offset", "100"],
    ] {
        assert_eq!(
            run(args).trim_end(),
            "There is nothing more to show at that offset; leave out --offset to see the first page.",
            "{args:?}"
        );
    }
    // A word of the topic that no article holds is named in the header; `latest <words>` says
    // what it is about.
    for (args, header) in [
        (
            ["timeline", "prisoner zeppelins"],
            "How “prisoner zeppelins” developed (oldest first; no article I have read mentions “zeppelins”):",
        ),
        (
            ["latest", "energy truce"],
            "The newest developments about “energy truce”:",
        ),
        (
            ["latest", "prisoner zeppelins"],
            "The newest developments about “prisoner zeppelins” (no article I have read mentions “zeppelins”):",
        ),
    ] {
        let out = env.cmd().args(args).output().unwrap();
        let text = stdout(&out);
        assert!(
            text.starts_with(&format!("{header}\n1. ")),
            "{args:?}: {text}"
        );
    }
}

#[test]
fn reindex_swaps_generations_and_cleans_half_built_ones() {
    let env = Env::new();
    ingest_demo(&env);
    // Leftover of a reindex killed mid-way.
    let stale = env.data_dir().join("tantivy-7.building");
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::write(stale.join("junk"), "half a segment").unwrap();
    let out = env.cmd().arg("reindex").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("Reindex done: 29 articles, "),
        "{}",
        stdout(&out)
    );
    assert!(!stale.exists(), "half-built generation left behind");
    let current = std::fs::read_to_string(env.data_dir().join("CURRENT")).unwrap();
    assert_eq!(
        current, "tantivy-2",
        "the stale generation is removed before numbering"
    );
    let v = ask_json(&env, &["Is territory negotiable for Russia?"]);
    assert_eq!(v["hits"][0]["url"], TERRITORY_URL);
}

#[test]
fn killing_a_reindex_leaves_the_old_index_serving() {
    let env = Env::new();
    ingest_demo(&env);
    let lines: String = (0..4000)
        .map(|i| {
            serde_json::json!({
                "title": format!("Filler report {i}"),
                "url": format!("https://filler.example.org/{i}"),
                "published": "2026-10-01",
                "body": format!("Filler paragraph {i} about markets and weather in general terms. {}", "More words follow here to make the article longer. ".repeat(40)),
            })
            .to_string()
                + "\n"
        })
        .collect();
    let bulk = env.write("bulk.jsonl", lines);
    let out = env.cmd().arg("ingest").arg(&bulk).output().unwrap();
    assert!(stdout(&out).starts_with("added 4000,"), "{}", stdout(&out));
    // Start a rebuild, wait (bounded) until it has started writing its new generation, then
    // kill -9. A rebuild that finishes before the new generation was seen (this test's thread
    // kept off the CPU by other tests) is not what is tested: start another, at most 3 times.
    let (before, building) = (0..3)
        .find_map(|_| {
            let before = std::fs::read_to_string(env.data_dir().join("CURRENT")).unwrap();
            let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_talkwatch"))
                .current_dir(env.dir.path())
                .env("TALKWATCH_DATA_DIR", env.data_dir())
                .arg("reindex")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let deadline = Instant::now() + Duration::from_secs(60);
            let building = loop {
                let found = std::fs::read_dir(env.data_dir())
                    .unwrap()
                    .flatten()
                    .map(|e| e.path())
                    .find(|p| p.to_string_lossy().ends_with(".building"));
                if let Some(p) = found {
                    break p;
                }
                if child.try_wait().unwrap().is_some() {
                    return None;
                }
                assert!(Instant::now() < deadline, "reindex stalled");
                std::thread::yield_now();
            };
            child.kill().unwrap();
            child.wait().unwrap();
            Some((before, building))
        })
        .expect("three rebuilds finished before one could be killed");
    assert_eq!(
        std::fs::read_to_string(env.data_dir().join("CURRENT")).unwrap(),
        before,
        "CURRENT must still name the old generation"
    );
    let v = ask_json(&env, &["Is territory negotiable for Russia?"]);
    assert_eq!(v["hits"][0]["url"], TERRITORY_URL);
    assert!(!building.exists(), "half-built generation not cleaned up");
    assert_eq!(article_count(&env), 4029);
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// A small local web server for URL ingest: one article page, one page with no text, one huge
/// body, and a check that talkwatch sends its user agent.
async fn serve_pages() -> (String, tokio::sync::oneshot::Receiver<String>) {
    use axum::{Router, http::HeaderMap, routing::get};
    let (ua_tx, ua_rx) = tokio::sync::oneshot::channel::<String>();
    let ua_tx = std::sync::Arc::new(std::sync::Mutex::new(Some(ua_tx)));
    let app = Router::new()
        .route(
            "/talks.html",
            get(move |headers: HeaderMap| {
                let ua_tx = ua_tx.clone();
                async move {
                    let ua = headers
                        .get("user-agent")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    if let Some(tx) = ua_tx.lock().unwrap().take() {
                        let _ = tx.send(ua);
                    }
                    (
                        [("content-type", "text/html; charset=utf-8")],
                        r#"<html><head><title>Summit ends in Vienna - Example Post</title>
                        <link rel="canonical" href="https://post.example.org/vienna-summit">
                        <meta property="article:published_time" content="2026-11-22T08:00:00Z"></head>
                        <body><article><h1>Summit ends in Vienna</h1>
                        <p>The Vienna summit on nuclear safety ended on Sunday with a joint statement on the Zaporizhzhia plant, diplomats said.</p>
                        <p>Inspectors will return to the plant next month under the agreement, which both delegations described as a modest but real step.</p>
                        <p>No date was set for another round, but officials said contacts would continue at expert level in the coming weeks.</p>
                        </article></body></html>"#,
                    )
                }
            }),
        )
        .route(
            "/empty.html",
            get(|| async { ([("content-type", "text/html")], "<html><body><nav>menu</nav></body></html>") }),
        )
        .route(
            "/huge.txt",
            get(|| async { ([("content-type", "text/plain")], "word ".repeat(4 * 1024 * 1024)) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, ua_rx)
}

#[tokio::test]
async fn urls_are_fetched_with_limits_and_extracted() {
    let env = Env::new();
    let (base, ua) = serve_pages().await;
    let out = tokio::task::spawn_blocking({
        let mut cmd = env.cmd();
        cmd.env("TALKWATCH_INGEST__MAX_FETCH_BYTES", "1000000")
            .args([
                "ingest".to_string(),
                format!("{base}/talks.html"),
                format!("{base}/empty.html"),
                format!("{base}/huge.txt"),
                format!("{base}/missing.html"),
            ]);
        move || cmd.output().unwrap()
    })
    .await
    .unwrap();
    let text = stdout(&out);
    assert!(
        text.starts_with("added 1, updated 0, unchanged 0, failed 3\n"),
        "{text}"
    );
    assert!(
        text.contains("empty.html: no readable text found"),
        "{text}"
    );
    assert!(text.contains("huge.txt: too large:"), "{text}");
    assert!(
        text.contains("missing.html: cannot fetch: server answered 404 Not Found"),
        "{text}"
    );
    assert!(ua.await.unwrap().starts_with("talkwatch/"));

    let out = tokio::task::spawn_blocking({
        let mut cmd = env.cmd();
        cmd.args(["ask", "--json", "Zaporizhzhia inspectors"]);
        move || cmd.output().unwrap()
    })
    .await
    .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["hits"][0]["url"],
        "https://post.example.org/vienna-summit"
    );
    assert_eq!(v["hits"][0]["published"], "2026-11-22T08:00:00Z");
    assert_eq!(v["hits"][0]["source"], "post.example.org");
}

/// Largest file under `dir`, in bytes.
fn largest_file(dir: &std::path::Path) -> u64 {
    walkdir_sizes(dir).into_iter().max().unwrap_or(0)
}

fn walkdir_sizes(dir: &std::path::Path) -> Vec<u64> {
    let mut sizes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let meta = entry.metadata().unwrap();
        if meta.is_dir() {
            sizes.extend(walkdir_sizes(&entry.path()));
        } else {
            sizes.push(meta.len());
        }
    }
    sizes
}

#[test]
fn a_full_disk_during_ingest_loses_nothing_and_says_what_happened() {
    let env = Env::new();
    ingest_demo(&env);
    let before = article_count(&env);
    for i in 0..600 {
        let filler =
            format!("Harbour clause {i} was discussed by the delegations at length. ").repeat(40);
        env.write(
            &format!("bulk/{i:03}.md"),
            format!(
                "---\ntitle: \"Harbour agreement draft {i}\"\nurl: \"https://bulk.example.org/{i}\"\npublished: \"2026-11-20T10:00:00Z\"\n---\n\nThe quayside tariff schedule number {i} was agreed.\n\n{filler}\n"
            ),
        );
    }
    // A file-size limit with SIGXFSZ ignored makes writes past it fail (EFBIG), as a full disk
    // does (ENOSPC): no root, no loop device needed.
    let limit_kb = largest_file(&env.data_dir()) / 1024 + 256;
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {limit_kb}; exec \"$0\" ingest \"$1\""
        ))
        .arg(env!("CARGO_BIN_EXE_talkwatch"))
        .arg(env.path("bulk"))
        .current_dir(env.dir.path())
        .env_remove("TALKWATCH_CONFIG")
        .env("TALKWATCH_DATA_DIR", env.data_dir())
        .env("TALKWATCH_LOG", "warn")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains("no space left for the data directory"),
        "{err}"
    );

    // Everything stored before is still there and answers.
    let after_failure = article_count(&env);
    assert!(after_failure >= before, "{after_failure} < {before}");
    let v = ask_json(&env, &["Is territory negotiable for Russia?"]);
    assert_eq!(v["hits"][0]["url"], TERRITORY_URL);

    // With space again, the same command finishes the job; nothing is duplicated.
    let out = env
        .cmd()
        .arg("ingest")
        .arg(env.path("bulk"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(article_count(&env), before + 600);
    let v = ask_json(&env, &["quayside tariff schedule 599"]);
    assert_eq!(v["hits"][0]["url"], "https://bulk.example.org/599");
}

/// Runs a command whose stdout reader has already gone away (`talkwatch … | head -0`).
fn with_closed_stdout(env: &Env, args: &[&str], stdin: &str) -> std::process::Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = env
        .process()
        .env("TALKWATCH_LOG", "debug")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn every_command_ends_quietly_when_its_reader_goes_away_and_logs_carry_no_colour_codes() {
    let env = Env::with_demo();
    for args in [
        &["ask", "Is territory negotiable for Russia?"][..],
        &["ask", "--json", "Is territory negotiable for Russia?"],
        &["sources"],
        &["stats"],
        &["feeds", "list"],
        &["chat"],
    ] {
        let out = with_closed_stdout(&env, args, "Is territory negotiable?\n!sources\n");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{args:?}: {err}"
        );
        // The log went to a pipe: plain text, no escape codes.
        assert!(
            err.contains("DEBUG") || err.contains("INFO"),
            "{args:?} logged nothing: {err}"
        );
        assert!(!err.contains('\u{1b}'), "{args:?}: {err:?}");
    }
}

#[test]
fn ages_mean_one_thing_and_the_reply_states_the_range() {
    let env = Env::with_demo();
    // `m` is minutes, as in `--interval 10m`: nothing in the demo is that new.
    let minute = |d: chrono::DateTime<chrono::Utc>| d.format("%-d %b %Y %H:%M UTC").to_string();
    let before = minute(chrono::Utc::now() - chrono::Duration::minutes(10));
    let out = env
        .cmd()
        .args(["ask", "since:10m Moscow talks"])
        .output()
        .unwrap();
    let after = minute(chrono::Utc::now() - chrono::Duration::minutes(10));
    let text = stdout(&out);
    assert!(
        [before, after]
            .iter()
            .any(|m| text.starts_with(&format!("Nothing about “Moscow talks” since {m}; "))),
        "{text}"
    );
    assert!(
        text.contains("older matches — drop `since:` to see them"),
        "{text}"
    );
    // An answer inside a range says which range it used.
    let out = env
        .cmd()
        .args(["ask", "--since", "2026-11-21", "Moscow talks"])
        .output()
        .unwrap();
    assert!(
        stdout(&out).starts_with("Since 21 Nov 2026:\n"),
        "{}",
        stdout(&out)
    );
    // Time words as a filter's value are read at the time of asking (Sunday 22 Nov here).
    for (args, header) in [
        (
            &["ask", "since:yesterday", "Moscow talks"][..],
            "Since 21 Nov 2026:\n",
        ),
        (
            &["ask", "--since", "Yesterday", "Moscow talks"],
            "Since 21 Nov 2026:\n",
        ),
        (
            &["ask", "--until", "monday", "Moscow talks"],
            "Until 16 Nov 2026:\n",
        ),
    ] {
        let out = env
            .cmd()
            .env("TALKWATCH_NOW", "2026-11-22T09:00:00Z")
            .args(args)
            .output()
            .unwrap();
        assert!(
            stdout(&out).starts_with(header),
            "{args:?}: {}{}",
            stdout(&out),
            stderr(&out)
        );
    }
    // A one-letter `M` is refused rather than guessed.
    let out = env.cmd().args(["ask", "since:2M talks"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("an age like 10m, 12h, 3d, 2w or 2months"),
        "{}",
        stderr(&out)
    );
    let out = env
        .cmd()
        .args([
            "feeds",
            "add",
            "--name",
            "W",
            "https://feeds.example.org/a.xml",
            "--interval",
            "2M",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("write months as `months`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_fixed_now_makes_time_words_reproducible() {
    let env = Env::with_demo();
    // "yesterday" counted from --now: 19 Nov, the day of the Ushakov article.
    let out = env
        .cmd()
        .args([
            "ask",
            "--now",
            "2026-11-20T09:00:00Z",
            "What did Ushakov say about territory yesterday?",
        ])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(text.starts_with("Yesterday (19 Nov):\n"), "{text}");
    assert!(text.contains(TERRITORY_URL), "{text}");
    // The same from the environment, and an age counts from it too.
    let out = env
        .cmd()
        .env("TALKWATCH_NOW", "2026-11-20T09:00:00Z")
        .args(["ask", "--json", "since:2d Ushakov territory"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let hits = v["hits"].as_array().unwrap();
    // (By the clock, nothing in the demo is two days old.)
    assert!(!hits.is_empty(), "{v}");
    for h in hits {
        let d = h["published"].as_str().unwrap();
        assert!(d >= "2026-11-18T09", "{d}");
    }
    let out = env
        .cmd()
        .args(["ask", "--now", "soon", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is not a time like 2026-10-31T09:00:00Z"),
        "{}",
        stderr(&out)
    );
}

/// The machine-readable shapes of the story commands on the demo: `timeline --json` in date
/// order, `latest --json` with its range as dates, and `ask --json` adding `newer` and
/// `excluded` (the existing fields unchanged).
#[test]
fn story_commands_print_their_json_shapes() {
    let env = Env::with_demo();
    let json = |args: &[&str]| -> Value {
        let out = env
            .cmd()
            .args(["--now", "2026-11-27T09:00:00Z"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };

    let v = json(&["timeline", "--json", "energy truce"]);
    assert_eq!(v["topic"], "energy truce");
    let items = v["items"].as_array().unwrap();
    assert!(items.len() >= 2, "{v}");
    let dates: Vec<&str> = items
        .iter()
        .map(|i| i["published"].as_str().unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
    for key in ["title", "url", "source", "passage"] {
        assert!(items[0][key].is_string(), "{key}: {v}");
    }
    assert!(items[0]["also"].is_array(), "{v}");

    let v = json(&["latest", "--json", "since:2026-11-20"]);
    assert_eq!(v["range"]["since"], "2026-11-20T00:00:00Z", "{v}");
    assert!(v["range"]["until"].is_null(), "{v}");
    let dates: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["published"].as_str().unwrap())
        .collect();
    assert!(
        !dates.is_empty() && dates.windows(2).all(|w| w[0] >= w[1]),
        "{dates:?}"
    );

    // A date range that leaves every match out: no hits, and how many it left out.
    let v = json(&["ask", "--json", "since:2026-11-25 Ushakov territory"]);
    assert_eq!(v["hits"].as_array().unwrap().len(), 0, "{v}");
    assert!(v["excluded"].as_u64().unwrap() >= 1, "{v}");
    assert!(v.get("newer").is_none(), "{v}");

    // Asked for the start, the first hit is the oldest; the newer coverage is pointed to.
    let v = json(&[
        "ask",
        "--json",
        "limit:1 What did Washington first say after the Moscow talks?",
    ]);
    assert_eq!(v["hits"].as_array().unwrap().len(), 1, "{v}");
    let newer = &v["newer"];
    assert!(
        newer["published"].as_str().unwrap() > v["hits"][0]["published"].as_str().unwrap(),
        "{v}"
    );
    for key in ["title", "url", "source"] {
        assert!(newer[key].is_string(), "{key}: {v}");
    }
    assert!(v.get("excluded").is_none(), "{v}");
}

/// "won" also finds "win" (the stemmer keeps irregular forms apart): the marathon report, which
/// says "to win", is the answer, not the football report that "won a corner".
#[test]
fn an_irregular_past_form_finds_its_verb() {
    let env = Env::with_demo();
    let v = ask_json(&env, &["--limit", "1", "Who won the marathon?"]);
    assert_eq!(
        v["hits"][0]["url"], "https://sports.example.org/2026/11/harborview-marathon-course-record",
        "{v}"
    );
}

/// "What did Washington say?" asks for Washington's words: the Nile dam rounds held in
/// Washington name it only as a place and come after the reports in which Washington speaks.
#[test]
fn a_speaker_named_only_as_a_place_does_not_answer() {
    let env = Env::with_demo();
    let v = ask_json(&env, &["--limit", "3", "What did Washington say?"]);
    let urls = hit_urls(&v);
    assert_eq!(
        urls[0], "https://ledger.example.org/2026/11/washington-energy-strike-pause",
        "{v}"
    );
    assert!(urls.iter().all(|u| !u.contains("nile-dam")), "{v}");
    // Asked what Washington said first, the earliest report in which it speaks (its "no
    // comment" of 19 Nov), not one measured from the Nile round held there on 9 Nov.
    let v = ask_json(&env, &["--limit", "1", "What did Washington first say?"]);
    assert_eq!(
        v["hits"][0]["url"], "https://daily.example.org/2026/11/white-house-silent-on-moscow-talks",
        "{v}"
    );
}

/// The demo's story: the Riyadh round was set for December (23 Nov), then moved to January
/// (26 Nov). Asked when it is, the newer statement comes first, the older one still shown.
#[test]
fn the_demo_answers_with_the_newest_statement_first() {
    let env = Env::with_demo();
    let v = ask_json(&env, &["When will the Riyadh talks be held?"]);
    let urls = hit_urls(&v);
    assert_eq!(
        urls[..2],
        [
            "https://wire.example.org/2026/11/riyadh-round-postponed-january",
            "https://daily.example.org/2026/11/riyadh-follow-up-talks-december"
        ],
        "{v}"
    );
    // Where it will be held: the newest report on the round, quoted where it names the place
    // (not for "held at the level of advisers").
    let v = ask_json(
        &env,
        &["--limit", "1", "Where will the next round be held?"],
    );
    assert_eq!(
        v["hits"][0]["url"], "https://wire.example.org/2026/11/riyadh-round-postponed-january",
        "{v}"
    );
    assert!(
        v["hits"][0]["passage"]
            .as_str()
            .unwrap()
            .contains("will take place in Riyadh"),
        "{v}"
    );
    // Whether something has happened is asked about now: the 22 Nov statement, not the
    // 19 Nov "declined to comment".
    let v = ask_json(&env, &["--limit", "1", "Has Washington commented?"]);
    assert_eq!(
        v["hits"][0]["url"],
        "https://news.example.org/2026/11/envoys-return-state-department-statement",
        "{v}"
    );
}
