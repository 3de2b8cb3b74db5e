//! Following a story: the newest statement first, one wire report once (with "also"),
//! timelines in date order, time words as date ranges, and what a date filter left out.

use chrono::{DateTime, TimeZone, Utc};
use talkwatch::command::{Caller, Command, Handler};
use talkwatch::ingest::Article;

use crate::support::article;
use talkwatch::messages::{self, Paging, Syntax};
use talkwatch::reply::Reply;

const BANG: Syntax<'static> = Syntax {
    prefix: "!",
    paging: Paging::Limit,
};

const WIRE: &str = "Negotiators from Arvenia and Belmora agreed in Doha on Tuesday to \
exchange 120 prisoners before the end of the month, Qatari mediators said.\n\nThe list was \
settled after three rounds held behind closed doors. The releases are to take place in two \
stages at the Kessel border crossing, with the Red Crescent present at both.\n\nRelatives of \
the detainees welcomed the agreement but said they would believe it when the buses arrived. \
Officials on both sides declined to give the names of those on the list.";

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
}

fn corpus() -> Vec<Article> {
    let copy = WIRE.replacen(
        "Negotiators from Arvenia and Belmora agreed in Doha on Tuesday to exchange 120 prisoners before the end of the month, Qatari mediators said.",
        "Arvenia and Belmora will swap 120 detainees before the month is out under a deal struck in Doha on Tuesday, according to Qatari mediators.",
        1,
    );
    vec![
        article(
            "https://ledger.example.org/2026/11/arvenia-silent",
            "Capital Ledger",
            "Belmora government declines to comment on Doha contacts",
            at(10, 9),
            "The government of Belmora declined to comment on Monday on reports that its envoys had \
             met Arvenian officials in Doha about a prisoner exchange.\n\nA spokesman said only that \
             the foreign ministry does not discuss contacts of that kind and has yet to comment on \
             the reports.",
        ),
        article(
            "https://courier.example.org/2026/11/belmora-statement",
            "Northern Courier",
            "Belmora confirms talks on detainees",
            at(14, 18),
            "Belmora's foreign ministry broke its silence on Friday and confirmed that its envoys \
             are negotiating with Arvenia in Doha. The ministry said the talks on a prisoner \
             exchange were serious and that a first list of names was being drawn up.",
        ),
        article(
            "https://meridian.example.org/2026/11/prisoner-deal",
            "Meridian Wire",
            "Arvenia and Belmora agree prisoner exchange",
            at(17, 10),
            WIRE,
        ),
        article(
            "https://ledger.example.org/2026/11/prisoner-deal-copy",
            "Capital Ledger",
            "120 prisoners to be freed in Doha deal",
            at(17, 12),
            &copy,
        ),
        article(
            "https://courier.example.org/2026/11/prisoner-deal-copy",
            "Northern Courier",
            "Doha deal: two stages at Kessel crossing",
            at(17, 14),
            &(copy.clone()
                + "\n\nIn the border town of Kessel, shopkeepers said they expected crowds."),
        ),
        article(
            "https://harbor.example.org/2026/11/exchange-completed",
            "Harbor Times",
            "First buses cross at Kessel as prisoner exchange begins",
            at(24, 16),
            "The first stage of the prisoner exchange between Arvenia and Belmora was completed on \
             Tuesday at the Kessel border crossing. Sixty detainees crossed in each direction under \
             the eyes of the Red Crescent.",
        ),
    ]
}

async fn handler(dir: &tempfile::TempDir) -> Handler {
    crate::support::handler_with(dir, corpus()).await
}

async fn say(handler: &Handler, line: &str) -> Reply {
    match line.strip_prefix('!') {
        Some(cmd) => {
            handler
                .respond_to_command(cmd, &Caller::local(), None)
                .await
        }
        None => handler.respond_to_question(line, &Caller::local()).await,
    }
}

#[tokio::test]
async fn the_newest_statement_comes_first_and_a_wire_report_is_shown_once() {
    let dir = tempfile::tempdir().unwrap();
    let handler = handler(&dir).await;

    // "declined to comment" (10 Nov) and "broke its silence" (14 Nov) both match; the newer
    // statement is the answer, and "yet" is not searched for (it would find "has yet to comment").
    let Reply::Answer(a) = say(&handler, "Has Belmora commented on the Doha talks yet?").await
    else {
        panic!("no answer")
    };
    assert_eq!(
        a.hits[0].url,
        "https://courier.example.org/2026/11/belmora-statement"
    );

    // Three outlets carried one report: one hit, from the earliest, with the others as "also".
    let reply = say(&handler, "How many prisoners will be exchanged? limit:5").await;
    let Reply::Answer(a) = &reply else {
        panic!("no answer: {reply:?}")
    };
    let deal: Vec<_> = a
        .hits
        .iter()
        .filter(|h| h.passage.contains("120") || h.title.contains("120"))
        .collect();
    assert_eq!(deal.len(), 1, "{:#?}", a.hits);
    assert_eq!(deal[0].source, "Meridian Wire");
    let also: Vec<&str> = deal[0].also.iter().map(|c| c.source.as_str()).collect();
    assert_eq!(also, ["Capital Ledger", "Northern Courier"]);
    let text = messages::plain(&reply, BANG);
    assert!(
        text.contains(
            "also: Capital Ledger https://ledger.example.org/2026/11/prisoner-deal-copy, Northern Courier https://courier.example.org/2026/11/prisoner-deal-copy"
        ),
        "{text}"
    );

    // "First" asks for the start: the oldest matching report comes first.
    let Reply::Answer(a) = say(
        &handler,
        "What did Belmora first say about the contacts in Doha?",
    )
    .await
    else {
        panic!("no answer")
    };
    assert_eq!(
        a.hits[0].url,
        "https://ledger.example.org/2026/11/arvenia-silent"
    );
}

#[tokio::test]
async fn an_older_report_with_the_asked_detail_beats_a_newer_one_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let signed = "https://news.example.org/2026/10/norvia-castel-sign";
    // The Arvenia story beside a trade deal's: the deal's words are in some articles, not all.
    let mut articles = corpus();
    articles.extend([
        article(
            "https://ledger.example.org/2026/10/norvia-castel-talks",
            "Capital Ledger",
            "Norvia and Castel open talks on a trade agreement",
            at(1, 8) - chrono::Duration::days(30),
            "Norvia and Castel opened talks on a trade agreement on Thursday. Officials said the \
             first round would deal with tariffs on cars and steel.",
        ),
        article(
            signed,
            "Example World News",
            "Norvia and Castel sign trade agreement after two years of talks",
            at(2, 15),
            "The prime ministers of Norvia and Castel signed their trade agreement in Velsa on \
             Monday, two years after the first round of negotiations.\n\nThe text runs to more \
             than 400 pages, most of them tariff schedules for cars, steel and dairy.\n\nBoth \
             parliaments still have to ratify the agreement before it can take effect.",
        ),
        article(
            "https://courier.example.org/2026/11/castel-ratifies",
            "Northern Courier",
            "Castel parliament ratifies trade agreement with Norvia",
            at(12, 17),
            "Castel's parliament ratified the trade agreement with Norvia on Thursday by 201 votes \
             to 88.",
        ),
        article(
            "https://meridian.example.org/2026/11/norvia-castel-in-force",
            "Meridian Wire",
            "Norvia-Castel trade agreement enters into force",
            at(20, 9),
            "The trade agreement between Norvia and Castel entered into force on Friday. Officials \
             of Norvia and Castel said the trade agreement would cut the tariff on cars at once.\n\n\
             Exporters in Castel said they expected trade with Norvia to grow quickly under the \
             agreement.",
        ),
    ]);
    let handler = crate::support::handler_with(&dir, articles).await;

    // The newer report repeats "Norvia", "Castel", "trade" and "agreement" often, and is the
    // newest, but only the signing report says how many pages the agreement has.
    let Reply::Answer(a) = say(
        &handler,
        "How many pages is the Norvia-Castel trade agreement?",
    )
    .await
    else {
        panic!("no answer")
    };
    assert_eq!(a.hits[0].url, signed);
    assert!(
        a.hits[0].passage.contains("400 pages"),
        "{}",
        a.hits[0].passage
    );
}

#[tokio::test]
async fn a_timeline_lists_each_report_once_in_date_order() {
    let dir = tempfile::tempdir().unwrap();
    let handler = handler(&dir).await;
    let reply = say(&handler, "!timeline prisoner exchange Arvenia Belmora").await;
    let Reply::Timeline { items, .. } = &reply else {
        panic!("no timeline: {reply:?}")
    };
    let urls: Vec<&str> = items.iter().map(|h| h.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://ledger.example.org/2026/11/arvenia-silent",
            "https://courier.example.org/2026/11/belmora-statement",
            "https://meridian.example.org/2026/11/prisoner-deal",
            "https://harbor.example.org/2026/11/exchange-completed",
        ]
    );
    let text = messages::plain(&reply, BANG);
    assert!(
        text.starts_with(
            "How “prisoner exchange Arvenia Belmora” developed (oldest first):\n1. 10 Nov 2026 — “"
        ),
        "{text}"
    );
    assert!(text.contains("4. 24 Nov 2026 — “"), "{text}");
    assert!(text.contains("also: Capital Ledger"), "{text}");
}

#[tokio::test]
async fn date_filters_say_what_they_left_out_and_latest_lists_the_newest() {
    let dir = tempfile::tempdir().unwrap();
    let handler = handler(&dir).await;
    let reply = say(&handler, "since:2026-11-25 prisoner exchange Kessel").await;
    let text = messages::plain(&reply, BANG);
    assert!(
        text.starts_with("Nothing about “prisoner exchange Kessel” since 25 Nov 2026; 4 older matches — drop `since:` to see them."),
        "{text}"
    );
    // A timeline and a latest list of the topic say the same, not that nothing matches at all.
    for command in ["!timeline", "!latest"] {
        let reply = say(
            &handler,
            &format!("{command} prisoner exchange Kessel since:2026-11-25"),
        )
        .await;
        let text = messages::plain(&reply, BANG);
        assert!(
            text.starts_with(
                "Nothing about “prisoner exchange Kessel” since 25 Nov 2026; 4 older matches"
            ),
            "{command}: {text}"
        );
    }
    // A list limited by dates says so in its first line.
    let reply = say(&handler, "!timeline prisoner exchange since:2026-11-15").await;
    let text = messages::plain(&reply, BANG);
    assert!(
        text.starts_with("How “prisoner exchange” developed, since 15 Nov 2026 (oldest first):\n1. 17 Nov 2026 — "),
        "{text}"
    );
    // Nothing anywhere: the words searched for, without the range.
    let reply = say(&handler, "!timeline sourdough since:2026-11-25").await;
    assert_eq!(
        reply,
        Reply::NotFound {
            question: "sourdough".into(),
            reason: talkwatch::reply::NotFoundReason::NoMatch
        }
    );

    let reply = say(&handler, "!latest").await;
    let Reply::Latest { items, .. } = &reply else {
        panic!("no latest: {reply:?}")
    };
    assert_eq!(
        items[0].url,
        "https://harbor.example.org/2026/11/exchange-completed"
    );
    // One per report: the three copies of the deal are one item.
    assert_eq!(items.len(), 4, "{items:#?}");

    let stats = messages::plain(
        &handler.handle(Command::Stats, &Caller::local(), None).await,
        BANG,
    );
    assert!(
        stats.contains("Copies of a report another outlet carried first (shown once): 2"),
        "{stats}"
    );
}

#[tokio::test]
async fn time_words_limit_the_dates_and_the_reply_states_the_range() {
    let dir = tempfile::tempdir().unwrap();
    let handler = handler(&dir).await;
    // "in November 2026" is a date range, stated with the answer; it is not searched for.
    let reply = say(&handler, "What was agreed in Doha in November 2026?").await;
    let Reply::Answer(a) = &reply else {
        panic!("no answer: {reply:?}")
    };
    let label = &a.range.as_ref().expect("a stated range").label;
    assert_eq!(label, "in November 2026");
    assert!(
        messages::plain(&reply, BANG).starts_with("In November 2026:\n"),
        "{}",
        messages::plain(&reply, BANG)
    );
    // A range with nothing in it names the newest article's date.
    let reply = say(&handler, "What happened yesterday?").await;
    let text = messages::plain(&reply, BANG);
    assert!(matches!(reply, Reply::Latest { .. }), "{reply:?}");
    assert!(
        text.starts_with("No articles yesterday (")
            && text.ends_with("The newest article I have is from 24 Nov 2026."),
        "{text}"
    );
}

#[tokio::test]
async fn an_undated_article_is_neither_favoured_nor_buried() {
    let dir = tempfile::tempdir().unwrap();
    let url = |name: &str| format!("https://news.example.org/2026/11/{name}");
    let mut undated = article(
        &url("lissa-dam-background"),
        "Example World News",
        "Lissa dam talks: what divides the sides",
        // Read on 30 Nov, the newest date of all, but only the day it was read.
        at(30, 8),
        "The Lissa dam talks turn on how much water Arvenia may hold back in summer. Belmora \
         wants a fixed minimum flow, while Arvenia prefers a commission to set it.",
    );
    undated.published_estimated = true;
    let articles = vec![
        article(
            &url("lissa-dam-talks-open"),
            "Capital Ledger",
            "Lissa dam talks open in Geneva",
            at(2, 9),
            "Arvenia and Belmora opened the Lissa dam talks in Geneva on Monday. The two \
             delegations agreed to meet weekly until the summer flow of the river is settled.",
        ),
        undated,
        article(
            &url("lissa-dam-talks-progress"),
            "Northern Courier",
            "Lissa dam talks make progress on flow",
            at(20, 17),
            "Officials at the Lissa dam talks reported progress on Friday. A draft on the \
             minimum river flow in summer is to be put to both governments next week.",
        ),
    ];
    let handler = crate::support::handler_with(&dir, articles).await;
    let Reply::Answer(a) = say(&handler, "Lissa dam talks").await else {
        panic!("an answer")
    };
    let order: Vec<&str> = a.hits.iter().map(|h| h.url.as_str()).collect();
    // The newest dated report first, the oldest last; the undated article, although read
    // after all of them, is not taken for the newest, nor for the oldest.
    assert_eq!(
        order,
        [
            url("lissa-dam-talks-progress"),
            url("lissa-dam-background"),
            url("lissa-dam-talks-open")
        ],
        "{order:#?}"
    );
    let text = messages::plain(&Reply::Answer(a.clone()), BANG);
    assert!(
        text.contains("30 Nov 2026 (no date in the article; file or fetch time)"),
        "{text}"
    );
}

#[tokio::test]
async fn the_latest_report_is_found_even_where_older_ones_name_the_topic_more() {
    let dir = tempfile::tempdir().unwrap();
    // Twenty reports about the crossing, each naming it in its title and its text; then the
    // newest, which names it once, in its lead: by its words alone it ranks last.
    let mut articles: Vec<Article> = (1..=20)
        .map(|day| {
            article(
                &format!("https://ledger.example.org/2026/11/kessel-crossing-{day}"),
                "Capital Ledger",
                &format!("Kessel crossing: queues on day {day} of the border talks"),
                at(day, 9),
                &format!(
                    "Trucks queued for {day} hours at the Kessel crossing on the {day}th day of \
                     the border talks. Officials counted {} vehicles and said the hours would \
                     stay as they are.",
                    100 + day
                ),
            )
        })
        .collect();
    let newest = "https://courier.example.org/2026/11/border-towns-winter";
    articles.push(article(
        newest,
        "Northern Courier",
        "Border towns prepare for a hard winter",
        at(25, 9),
        "Negotiators agreed on Wednesday to close the Kessel crossing to trucks from December, \
         moving freight to the rail link while the road is rebuilt.\n\nShopkeepers in the \
         border towns said they feared a quiet winter.",
    ));
    let handler = crate::support::handler_with(&dir, articles).await;
    let first = |reply: Reply| match reply {
        Reply::Answer(a) => a.hits[0].url.clone(),
        other => panic!("no answer: {other:?}"),
    };
    assert_eq!(
        first(say(&handler, "What is the latest on the Kessel crossing?").await),
        newest
    );
    // Asked without a word for now, the reports about the crossing come first.
    assert_ne!(first(say(&handler, "Kessel crossing").await), newest);
}
