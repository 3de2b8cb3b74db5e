//! Ingest under hostile and messy input: nothing stalls the batch, nothing reported is lost,
//! every input is counted once.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::support::{Env, article_count, stderr, stdout};

fn article_md(title: &str, url: &str, body: &str) -> String {
    format!("---\ntitle: {title}\nurl: {url}\npublished: 2026-11-20\n---\n{body}\n")
}

fn line_for<'a>(text: &'a str, input: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(input))
        .unwrap_or_else(|| panic!("no line for {input} in:\n{text}"))
}

#[test]
fn a_pipe_a_deeply_nested_page_and_a_huge_page_are_refused_while_good_files_are_stored() {
    let env = Env::new();
    env.write(
        "batch/good.md",
        article_md(
            "Negotiators agree on a prisoner exchange",
            "https://example.org/talks/exchange",
            "Both delegations agreed in Istanbul to exchange 1,000 prisoners each.",
        ),
    );
    let deep = format!(
        "<html><body>{}<p>The envoys met for five hours in the capital.</p>{}</body></html>",
        "<div>".repeat(200_000),
        "</div>".repeat(200_000)
    );
    env.write("batch/deep.html", deep);
    let words = "The delegations met again and talked about the ceasefire line. ";
    let mut huge = String::from("<html><body><p>");
    while huge.len() < 50 * 1024 * 1024 {
        huge.push_str(words);
    }
    huge.push_str("</p></body></html>");
    env.write("batch/huge.html", huge);
    // A FIFO with an article's name, in the directory and named on its own: opening it would
    // block until someone writes.
    let fifo = env.path("batch/news.txt");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());

    let out = env
        .cmd()
        .env(
            "TALKWATCH_INGEST__MAX_FILE_BYTES",
            (64 * 1024 * 1024).to_string(),
        )
        .arg("ingest")
        .arg(env.path("batch"))
        .arg(&fifo)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        line_for(&text, "deep.html").contains("too deeply nested: more than 1000 levels"),
        "{text}"
    );
    // The huge page is parsed within the budget or given up on at it; either way the batch
    // went on and said so.
    let huge_failed = text.lines().any(|l| l.contains("huge.html"));
    if huge_failed {
        assert!(
            line_for(&text, "huge.html").contains("took too long to read: over 2000 ms"),
            "{text}"
        );
    }
    let pipe_lines = text
        .lines()
        .filter(|l| l.contains("news.txt") && l.contains("not a regular file (a named pipe)"))
        .count();
    assert_eq!(pipe_lines, 2, "{text}");
    let (added, failed) = if huge_failed { (1, 4) } else { (2, 3) };
    assert!(
        text.starts_with(&format!(
            "added {added}, updated 0, unchanged 0, failed {failed}\n"
        )),
        "{text}"
    );
    assert_eq!(article_count(&env), added);
}

#[test]
fn every_input_lands_in_exactly_one_counter_and_a_second_address_names_the_first() {
    let env = Env::new();
    let page = |title: &str| {
        format!(
            "<html><head><title>{title}</title>\
             <link rel=\"canonical\" href=\"https://example.org/talks/geneva-round\"></head>\
             <body><article><h1>{title}</h1><p>Delegations from both sides sat down in Geneva \
             on Tuesday for a third round of talks on the corridor.</p><p>The mediator said the \
             round would last two days.</p></article></body></html>"
        )
    };
    env.write(
        "first/kept.md",
        article_md(
            "Mediator sets a date",
            "https://example.org/talks/date",
            "The mediator set the next round for 3 December.",
        ),
    );
    env.write(
        "first/changed.md",
        article_md(
            "Talks paused",
            "https://example.org/talks/paused",
            "The talks were paused on Monday.",
        ),
    );
    let first = env
        .cmd()
        .arg("ingest")
        .arg(env.path("first"))
        .output()
        .unwrap();
    assert!(stdout(&first).starts_with("added 2,"), "{}", stdout(&first));

    env.write(
        "first/changed.md",
        article_md(
            "Talks resume",
            "https://example.org/talks/paused",
            "The talks resumed on Thursday after a three-day pause.",
        ),
    );
    env.write("batch/a-geneva.html", page("Geneva round opens"));
    env.write(
        "batch/b-geneva-mirror.html",
        page("Geneva round opens (mirror)"),
    );
    env.write("batch/c-geneva-amp.html", page("Geneva round opens (AMP)"));
    env.write(
        "batch/d-new.md",
        article_md(
            "Corridor reopens",
            "https://example.org/talks/corridor",
            "The grain corridor reopened on Friday under the new terms.",
        ),
    );
    env.write("batch/e-empty.md", "\n\n");
    env.write("empty-dir/notes.csv", "a,b\n");

    let out = env
        .cmd()
        .arg("ingest")
        .arg(env.path("first"))
        .arg(env.path("batch"))
        .arg(env.path("empty-dir"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    // 8 inputs (2 + 5 files, 1 directory with nothing to read): 2 added (a-geneva, d-new),
    // 1 updated, 1 unchanged, 2 with the address of a-geneva, 2 failed.
    assert!(
        text.starts_with("added 2, updated 1, unchanged 1, same address twice 2, failed 2\n"),
        "{text}"
    );
    for copy in ["b-geneva-mirror.html", "c-geneva-amp.html"] {
        let line = line_for(&text, copy);
        assert!(
            line.contains("same address as")
                && line.contains("a-geneva.html")
                && line.contains("https://example.org/talks/geneva-round"),
            "{line}"
        );
    }
    assert!(
        line_for(&text, "e-empty.md").contains("empty file"),
        "{text}"
    );
    assert!(
        line_for(&text, "empty-dir")
            .contains("no .md, .txt, .html or .jsonl file in this directory"),
        "{text}"
    );
    assert_eq!(article_count(&env), 4);
}

#[test]
fn killing_an_ingest_loses_nothing_it_reported_saved_and_a_rerun_adds_only_the_rest() {
    let env = Env::new();
    const FILES: usize = 1_500;
    for i in 0..FILES {
        env.write(
            &format!("many/{i:05}.md"),
            article_md(
                &format!("Round {i} of the corridor talks"),
                &format!("https://example.org/talks/round-{i}"),
                &format!("Delegates met for round {i} and agreed to meet again."),
            ),
        );
    }
    let mut child = env
        .process()
        .env("TALKWATCH_LOG", "warn")
        .arg("ingest")
        .arg(env.path("many"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Without a terminal, each commit prints "saved N articles (…)": kill -9 right after the
    // first one.
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let saved: u64 = loop {
        let line = lines
            .next()
            .expect("ingest ended before saying what it saved")
            .unwrap();
        if let Some(rest) = line.strip_prefix("saved ") {
            break rest.split(' ').next().unwrap().parse().unwrap();
        }
    };
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the ingest finished before it was killed"
    );
    assert!(saved > 0);

    let stored = article_count(&env);
    assert!(stored >= saved, "saved {saved} but {stored} stored");
    let out = env
        .cmd()
        .arg("ingest")
        .arg(env.path("many"))
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!(
            "added {}, updated 0, unchanged {stored}, failed 0\n",
            FILES as u64 - stored
        )),
        "{text}"
    );
    assert_eq!(article_count(&env), FILES as u64);
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_and_files_in_legacy_encodings_are_read_and_a_guess_is_named() {
    use axum::http::header;
    use axum::routing::get;

    fn encode(encoding: &'static encoding_rs::Encoding, text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = encoding.encode(text);
        assert!(!unmappable);
        bytes.into_owned()
    }
    // Korean, declared only by the server's Content-Type header.
    let korean = encode(
        encoding_rs::EUC_KR,
        "<html><head><title>평화 회담 재개</title></head><body><article><h1>평화 회담 재개</h1>\
         <p>양측 대표단은 월요일 제네바에서 세 번째 회담을 열었다고 중재자가 밝혔다.</p>\
         <p>회담은 이틀 동안 계속될 예정이다.</p></article></body></html>",
    );
    let app = axum::Router::new().route(
        "/korean",
        get(move || {
            let body = korean.clone();
            async move { ([(header::CONTENT_TYPE, "text/html; charset=EUC-KR")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/korean", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let env = Env::new();
    // Latin-1, declared by the page's own <meta>.
    env.write(
        "pages/geneve.html",
        [
            b"<html><head><meta charset=\"iso-8859-1\"><title>".as_slice(),
            &encode(
                encoding_rs::WINDOWS_1252,
                "Genève accueille les négociateurs</title></head><body><article>\
                 <p>Les délégations se sont réunies à Genève lundi pour une troisième série de \
                 pourparlers sur le corridor céréalier.</p></article></body></html>",
            ),
        ]
        .concat(),
    );
    // cp1252 text with nothing declared: guessed, and the summary says so.
    env.write(
        "pages/notes.txt",
        encode(
            encoding_rs::WINDOWS_1252,
            "Médiation à Genève\n\nLe médiateur a déclaré que la série durerait deux jours — \
             « une étape », selon lui.",
        ),
    );
    let out = tokio::task::spawn_blocking({
        let mut cmd = env.cmd();
        cmd.arg("ingest").arg(env.path("pages")).arg(&url);
        move || cmd.output().unwrap()
    })
    .await
    .unwrap();
    let text = stdout(&out);
    assert!(
        text.starts_with("added 3, updated 0, unchanged 0, failed 0\n"),
        "{text}"
    );
    assert!(
        line_for(&text, "notes.txt").contains("read as windows-1252 (no encoding declared"),
        "{text}"
    );
    assert_eq!(
        text.lines().count(),
        2,
        "only the guess is worth a line: {text}"
    );

    let ask = |question: &str| {
        let out = env
            .cmd()
            .args(["ask", "--json", question])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["hits"][0].clone()
    };
    let hit = ask("délégations Genève corridor céréalier");
    assert_eq!(hit["title"], "Genève accueille les négociateurs", "{hit}");
    let hit = ask("제네바 회담");
    assert_eq!(hit["title"], "평화 회담 재개", "{hit}");
    assert_eq!(hit["url"], url.as_str(), "{hit}");
}
