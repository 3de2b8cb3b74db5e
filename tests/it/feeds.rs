//! Feeds against a local feed server: RSS, Atom and JSON Feed, conditional GET, re-published
//! items, teaser-only items (the page is fetched), dead and broken feeds, and `talkwatch run`
//! polling right after start.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::support::service::Service;
use crate::support::{Env, eventually};

#[derive(Default)]
pub(crate) struct Feeds {
    pub(crate) rss: Mutex<String>,
    not_modified: AtomicUsize,
}

const ETAG_PREFIX: &str = "\"v-";

pub(crate) fn rss(items: &[(&str, &str, &str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(guid, title, link, description)| {
            format!(
                "<item><guid>{guid}</guid><title>{title}</title><link>{link}</link>\
                 <pubDate>Fri, 20 Nov 2026 09:00:00 GMT</pubDate><description>{description}</description></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Harbour Wire</title>{items}</channel></rss>"
    )
}

pub(crate) const LONG: &str = FILLER[0];

/// Paragraphs long enough that a feed item counts as the article rather than a teaser; distinct,
/// so that items built on different ones are different reports (one wire report is stored once).
pub(crate) const FILLER: [&str; 6] = [
    "Negotiators from both delegations met at the lakeside villa for a fourth round. \
    The mediator said the grain corridor was the first item on the agenda, and the inspection regime \
    for ships leaving the southern ports came second. Observers expect a joint statement by Friday, \
    although several questions about insurance for the vessels remain open. The talks are scheduled \
    to continue next week with technical teams working through the weekend on the wording of the text.",
    "The prisoner commission sat until late in the evening in a converted school gymnasium. \
    Lawyers for the families handed over lists with the names of missing relatives, and officials \
    from the Red Cross checked each entry against their own records. A spokesman said that \
    transport by bus across the border crossing was being prepared and that doctors would travel along.",
    "Tariff negotiators spent most of Thursday on the rules of origin for cars and machine parts. \
    Industry groups in both capitals warned that a quick deal on headline duties would mean little \
    without agreement on paperwork at customs. A second day of meetings was added at short notice, \
    and ministers are due to join by video link if the officials make progress on the annex.",
    "Harbour officials in Varna described a busy week, with dozens of bulk carriers anchored outside \
    the breakwater waiting for clearance. Shipping agents said freight rates had fallen since the \
    spring, when underwriters had refused cover for the route. The port authority hired extra pilots \
    and opened a second berth for grain so that queues at the terminal would shrink before winter.",
    "Residents of the port city lined the main avenue as a column of white vehicles drove in from the \
    north. The local mayor told a radio station that the shops had reopened and that the schools would \
    follow after the holiday. Several aid groups brought blankets, generators and medicine, and a field \
    kitchen near the railway station served hot meals to families who had returned from the villages.",
    "A planning meeting in the capital agreed on rotations of six weeks for each team deployed along the \
    line of contact. Defence ministry officials said helicopters would be available for emergencies and \
    that every patrol would carry satellite phones. The budget for the mission was approved by a narrow \
    vote after an opposition party asked for a public report to parliament every month.",
];

pub(crate) async fn serve() -> (String, Arc<Feeds>) {
    let state = Arc::new(Feeds::default());
    async fn rss_route(State(s): State<Arc<Feeds>>, headers: HeaderMap) -> Response {
        let body = s.rss.lock().unwrap().clone();
        let etag = format!("{ETAG_PREFIX}{}\"", body.len());
        if headers
            .get(header::IF_NONE_MATCH)
            .is_some_and(|v| v.to_str().unwrap_or_default() == etag)
        {
            s.not_modified.fetch_add(1, Ordering::SeqCst);
            return StatusCode::NOT_MODIFIED.into_response();
        }
        (
            [
                (header::CONTENT_TYPE, "application/rss+xml".to_string()),
                (header::ETAG, etag),
            ],
            body,
        )
            .into_response()
    }
    async fn atom() -> impl IntoResponse {
        (
            [(header::CONTENT_TYPE, "application/atom+xml")],
            format!(
                "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Atom Desk</title><id>urn:desk</id>\
                 <updated>2026-11-21T10:00:00Z</updated><entry><id>urn:desk:1</id><title>Envoys agree on a prisoner exchange timetable</title>\
                 <link href=\"https://desk.example.org/exchange\"/><updated>2026-11-21T10:00:00Z</updated>\
                 <content type=\"html\">&lt;p&gt;{}&lt;/p&gt;&lt;p&gt;The exchange timetable covers two hundred detainees on each side.&lt;/p&gt;</content></entry></feed>",
                FILLER[1]
            ),
        )
    }
    async fn json_feed() -> impl IntoResponse {
        (
            [(header::CONTENT_TYPE, "application/feed+json")],
            serde_json::json!({
                "version": "https://jsonfeed.org/version/1.1",
                "title": "JSON Post",
                "items": [{
                    "id": "jp-1",
                    "url": "https://post.example.org/tariffs",
                    "title": "Tariff talks stall over steel quotas",
                    "content_text": format!("{}\n\nSteel quotas remain the sticking point in the tariff talks.", FILLER[2]),
                    "date_published": "2026-11-22T08:00:00Z"
                }]
            })
            .to_string(),
        )
    }
    async fn page(Path(name): Path<String>) -> impl IntoResponse {
        (
            [(header::CONTENT_TYPE, "text/html")],
            format!(
                "<html><head><title>{name}</title></head><body><article><h1>Harbour talks: inspectors get access</h1>\
                 <p>{}</p><p>Inspectors will be allowed to board grain ships at the harbour of Varna, the mediator announced.</p>\
                 </article></body></html>",
                FILLER[3]
            ),
        )
    }
    async fn not_a_feed() -> impl IntoResponse {
        (
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body>Moved.</body></html>",
        )
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    *state.rss.lock().unwrap() = rss(&[
        (
            "h-1",
            "Grain corridor talks open a fourth round",
            "https://harbour.example.org/round-four",
            &format!("&lt;p&gt;{LONG}&lt;/p&gt;"),
        ),
        (
            "h-2",
            "Harbour talks: inspectors get access",
            &format!("{base}/articles/inspectors"),
            "Inspectors get access. Read more.",
        ),
    ]);
    let app = axum::Router::new()
        .route("/rss.xml", get(rss_route))
        .route("/atom.xml", get(atom))
        .route("/feed.json", get(json_feed))
        .route("/articles/{name}", get(page))
        .route("/moved.xml", get(not_a_feed))
        .with_state(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, state)
}

fn run(env: &Env, args: &[&str]) -> (bool, String, String) {
    let out = env.cmd().args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ask_top(env: &Env, question: &str) -> serde_json::Value {
    let (ok, out, err) = run(env, &["ask", "--json", question]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["hits"][0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn feeds_are_polled_deduplicated_and_conditional() {
    let (base, state) = serve().await;
    let env = Env::new();
    for (url, name) in [
        (format!("{base}/rss.xml"), "Harbour Wire"),
        (format!("{base}/atom.xml"), "Atom Desk"),
        (format!("{base}/feed.json"), "JSON Post"),
    ] {
        let (ok, out, err) = run(
            &env,
            &["feeds", "add", &url, "--name", name, "--interval", "5m"],
        );
        assert!(ok, "{err}");
        assert!(out.contains(&format!("Feed “{name}”")), "{out}");
    }
    let (ok, out, err) = run(&env, &["feeds", "poll"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("Harbour Wire: added 2"), "{out}");
    assert!(out.contains("Atom Desk: added 1"), "{out}");
    assert!(out.contains("JSON Post: added 1"), "{out}");

    // The teaser-only item was completed from its page; the source is the feed's name.
    let hit = ask_top(&env, "Can inspectors board grain ships in Varna?");
    assert_eq!(hit["url"], format!("{base}/articles/inspectors"));
    assert_eq!(hit["source"], "Harbour Wire");
    assert!(
        hit["passage"]
            .as_str()
            .unwrap()
            .contains("board grain ships")
    );
    let hit = ask_top(&env, "What is the sticking point in the tariff talks?");
    assert_eq!(hit["source"], "JSON Post");

    // Unchanged feed: a conditional GET answered 304.
    let (ok, out, _) = run(&env, &["feeds", "poll"]);
    assert!(ok);
    assert!(out.contains("Harbour Wire: not modified"), "{out}");
    assert_eq!(state.not_modified.load(Ordering::SeqCst), 1);

    // Re-published items with new GUIDs create no duplicates; a new item is added.
    *state.rss.lock().unwrap() = rss(&[
        (
            "new-guid-1",
            "Grain corridor talks open a fourth round",
            "https://harbour.example.org/round-four",
            &format!("&lt;p&gt;{LONG}&lt;/p&gt;"),
        ),
        (
            "new-guid-2",
            "Harbour talks: inspectors get access",
            &format!("{base}/articles/inspectors"),
            "Inspectors get access.",
        ),
        (
            "h-3",
            "Ceasefire monitors arrive in the port city",
            "https://harbour.example.org/monitors",
            &format!(
                "&lt;p&gt;{} Ceasefire monitors arrived on Saturday.&lt;/p&gt;",
                FILLER[4]
            ),
        ),
        (
            "h-4",
            "Harbour Wire carries the exchange timetable",
            "https://harbour.example.org/exchange-timetable",
            &format!(
                "&lt;p&gt;{}&lt;/p&gt;&lt;p&gt;The exchange timetable covers two hundred detainees on each side.&lt;/p&gt;",
                FILLER[1]
            ),
        ),
    ]);
    let (ok, out, _) = run(&env, &["feeds", "poll"]);
    assert!(ok);
    assert!(
        out.contains("Harbour Wire: added 1, 1 copy of a report another outlet carried first, updated 0, skipped 2"),
        "{out}"
    );
    let (_, out, _) = run(&env, &["stats"]);
    assert!(out.contains("Articles: 6"), "{out}");
    assert!(
        out.contains("Copies of a report another outlet carried first (shown once): 1"),
        "{out}"
    );

    // `reindex --refetch` reads every item again: an edited article is updated.
    *state.rss.lock().unwrap() = rss(&[
        (
            "new-guid-1",
            "Grain corridor talks open a fourth round",
            "https://harbour.example.org/round-four",
            &format!("&lt;p&gt;{LONG}&lt;/p&gt;"),
        ),
        (
            "new-guid-2",
            "Harbour talks: inspectors get access",
            &format!("{base}/articles/inspectors"),
            "Inspectors get access.",
        ),
        (
            "h-3",
            "Ceasefire monitors arrive in the port city",
            "https://harbour.example.org/monitors",
            &format!(
                "&lt;p&gt;{} Ceasefire monitors arrived on Sunday, a day late.&lt;/p&gt;",
                FILLER[4]
            ),
        ),
    ]);
    let (ok, _, err) = run(&env, &["reindex", "--refetch"]);
    assert!(ok, "{err}");
    assert!(
        err.contains("Harbour Wire: added 0, updated 1, skipped 2"),
        "{err}"
    );
    let hit = ask_top(&env, "When did the ceasefire monitors arrive?");
    assert!(
        hit["passage"].as_str().unwrap().contains("a day late"),
        "{hit}"
    );

    // Health per source.
    let (_, out, _) = run(&env, &["sources"]);
    assert!(out.contains("• Harbour Wire — 4 articles"), "{out}");
    assert!(out.contains("feed OK, last polled"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn dead_and_broken_feeds_are_reported_and_lose_nothing() {
    let (base, _) = serve().await;
    let env = Env::new();
    let dead = format!(
        "http://127.0.0.1:{}/rss.xml",
        crate::support::service::free_port()
    );
    run(
        &env,
        &[
            "feeds",
            "add",
            &format!("{base}/feed.json"),
            "--name",
            "JSON Post",
        ],
    );
    run(&env, &["feeds", "add", &dead, "--name", "Dead Wire"]);
    run(
        &env,
        &[
            "feeds",
            "add",
            &format!("{base}/moved.xml"),
            "--name",
            "Moved Wire",
        ],
    );
    let (ok, out, err) = run(&env, &["feeds", "poll"]);
    assert!(!ok, "a failing feed makes the poll exit non-zero");
    assert!(out.contains("JSON Post: added 1"), "{out}");
    assert!(
        err.contains("Dead Wire: poll failed: cannot fetch: could not connect"),
        "{err}"
    );
    assert!(
        err.contains("Moved Wire: poll failed: not a readable RSS, Atom or JSON feed"),
        "{err}"
    );
    run(&env, &["feeds", "poll"]);
    let (_, out, _) = run(&env, &["feeds", "list"]);
    assert!(out.contains("• Dead Wire — "), "{out}");
    assert!(out.contains("feed failing since"), "{out}");
    assert!(
        out.contains("(2 polls in a row): cannot fetch: could not connect"),
        "{out}"
    );
    let (_, out, _) = run(&env, &["stats"]);
    assert!(out.contains("Articles: 1"), "{out}");
    // Removing a feed keeps its articles.
    let (ok, out, _) = run(&env, &["feeds", "remove", "JSON Post"]);
    assert!(ok, "{out}");
    let (_, out, _) = run(&env, &["stats"]);
    assert!(out.contains("Articles: 1"), "{out}");
    let (ok, _, err) = run(&env, &["feeds", "remove", "Nope"]);
    assert!(!ok);
    assert!(err.contains("there is no feed named “Nope”"), "{err}");
    let (ok, _, err) = run(&env, &["feeds", "add", "not a url", "--name", "X"]);
    assert!(!ok);
    assert!(err.contains("bad url"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn run_polls_feeds_right_after_start_and_serves_metrics() {
    let (base, _) = serve().await;
    let env = Env::new();
    run(
        &env,
        &[
            "feeds",
            "add",
            &format!("{base}/atom.xml"),
            "--name",
            "Atom Desk",
            "--interval",
            "1h",
        ],
    );
    let mut service = Service::start(&env, &[]);
    service.wait_healthy(Duration::from_secs(60)).await;
    let metrics_url = service.url("/metrics");
    let last = Mutex::new(String::new());
    let text = eventually(
        Duration::from_secs(60),
        async || {
            let text = reqwest::get(&metrics_url)
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            *last.lock().unwrap() = text.clone();
            text.contains("talkwatch_feed_polls_total{feed=\"Atom Desk\",result=\"ok\"} 1")
                .then_some(text)
        },
        || {
            format!(
                "no poll in /metrics:\n{}\n{}",
                last.lock().unwrap(),
                service.log_text()
            )
        },
    )
    .await;
    // The demo corpus (29) plus the feed's article.
    assert!(text.contains("talkwatch_articles 30"), "{text}");
    assert!(
        text.contains("# TYPE talkwatch_answer_latency_seconds histogram"),
        "{text}"
    );
    let status = service.terminate(Duration::from_secs(10));
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?}\n{}",
        service.log_text()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn entries_without_links_are_told_apart_by_their_whole_guid() {
    let (base, state) = serve().await;
    // Two link-less entries whose GUIDs differ only in a character a URL cannot hold as is:
    // each is an article of its own (they were once both stored as ".../rss.xml#tag_a_1").
    *state.rss.lock().unwrap() = rss(&[
        (
            "tag:a 1",
            "Monitors arrive in the port city",
            "",
            &format!("&lt;p&gt;{}&lt;/p&gt;", FILLER[4]),
        ),
        (
            "tag:a/1",
            "Patrol rotations agreed for the mission",
            "",
            &format!("&lt;p&gt;{}&lt;/p&gt;", FILLER[5]),
        ),
    ]);
    let env = Env::new();
    let url = format!("{base}/rss.xml");
    let (ok, _, err) = run(&env, &["feeds", "add", &url, "--name", "Harbour Wire"]);
    assert!(ok, "{err}");
    let (ok, out, err) = run(&env, &["feeds", "poll"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("Harbour Wire: added 2"), "{out}");
    assert_eq!(crate::support::article_count(&env), 2);
    let first = ask_top(&env, "Which aid groups brought blankets to the port city?");
    let second = ask_top(&env, "How long are the patrol rotations?");
    assert_ne!(first["url"], second["url"]);
}
