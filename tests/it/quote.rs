//! The quote that answers: the sentence with the who, when, how long, how many and why, never
//! a subheading; words that only frame a question ("will it take", "did … last") neither sink
//! the answer nor pull in an article of their own; words that mean the same find each other.

use chrono::{DateTime, TimeZone, Utc};
use talkwatch::command::{Caller, Handler};
use talkwatch::ingest::Article;
use talkwatch::reply::{Answer, Reply};

use crate::support::article;

fn at(month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, 12, 0, 0).unwrap()
}

/// An article laid out as news sites print it: a subheading, paragraphs, more subheadings.
const MOSCOW: &str = "US Envoys Leave Moscow Talks Without a Breakthrough\n\n\
The American push for a settlement stalled in the Russian capital this week. After two days \
of negotiations at the Kremlin, the envoys Jared Kushner and Steve Witkoff flew home without \
persuading Vladimir Putin to accept the draft they had brought.\n\n\
Kremlin Holds Firm on Territory\n\n\
The Kremlin adviser Yuri Ushakov said some ideas were workable, but that the question of \
land was closed. He said no compromise had been reached on it.\n\n\
A Long Road Ahead for the Moscow Talks\n\n\
Analysts expect the process to be prolonged. The White House had hoped for quick progress, \
but diplomats now speak of months of further contacts.";

fn corpus() -> Vec<Article> {
    vec![
        article(
            "https://news.example.org/2026/12/moscow-talks-no-breakthrough",
            "Example World News",
            "Kushner and Witkoff fail to win over Putin in Moscow talks",
            at(12, 3),
            MOSCOW,
        ),
        article(
            "https://news.example.org/2026/10/tana-dam-filling-plan",
            "Example World News",
            "Talks on the Tana Dam open with a four-year filling plan",
            at(10, 5),
            "Delegations from Varnia and Osterland met in Geneva on Monday to discuss the new \
             Tana Dam on the river they share.\n\nVarnia told the meeting that it planned to fill \
             the dam's reservoir in four years. Osterland asked for a slower schedule to protect \
             its farmers downstream.",
        ),
        article(
            "https://wire.example.org/2026/11/tana-dam-seven-years",
            "Example Wire",
            "Varnia agrees to slower filling of Tana Dam",
            at(11, 20),
            "Varnia and Osterland reached a compromise on the Tana Dam on Friday after a third \
             round of talks in Geneva.\n\nUnder the compromise the reservoir will be filled over \
             seven years instead of four, with the pace slowing in dry seasons because \
             Osterland's farmers depend on the river in summer.",
        ),
        article(
            "https://daily.example.org/2026/11/monitors-ceasefire",
            "Daily Example",
            "Monitors ready to deploy in the east",
            at(11, 25),
            "An observer mission of two hundred monitors is ready to deploy in the east once a \
             ceasefire takes hold, officials said. The monitors would report on violations every \
             week.",
        ),
    ]
}

async fn handler(dir: &tempfile::TempDir) -> Handler {
    crate::support::handler_with(dir, corpus()).await
}

async fn answer(handler: &Handler, question: &str) -> Answer {
    match handler
        .respond_to_question(question, &Caller::local())
        .await
    {
        Reply::Answer(a) => a,
        other => panic!("no answer to {question:?}: {other:?}"),
    }
}

#[tokio::test]
async fn the_sentence_that_answers_is_quoted_not_a_subheading() {
    let dir = tempfile::tempdir().unwrap();
    let handler = handler(&dir).await;
    for (question, expected) in [
        ("How long did the Moscow talks last?", "After two days"),
        (
            "Who were the US envoys who went to Moscow?",
            "Jared Kushner and Steve Witkoff",
        ),
        ("What did Ushakov say about territory?", "no compromise"),
        // "take long" is "prolonged" (config/synonyms.toml).
        ("Will the Moscow talks take long?", "prolonged"),
    ] {
        let a = answer(&handler, question).await;
        assert!(
            a.hits[0].passage.contains(expected),
            "{question}: {:?}",
            a.hits[0].passage
        );
        assert!(
            !a.hits[0].passage.starts_with("US Envoys Leave")
                && !a.hits[0].passage.starts_with("A Long Road"),
            "{question}: a subheading was quoted: {:?}",
            a.hits[0].passage
        );
    }
}

#[tokio::test]
async fn words_that_frame_a_question_neither_sink_the_answer_nor_find_an_article_alone() {
    let dir = tempfile::tempdir().unwrap();
    let handler = handler(&dir).await;
    // Named: the newest state of the dam talks, quoted where it gives the number of years.
    let a = answer(
        &handler,
        "How many years will it take to fill the Tana Dam reservoir?",
    )
    .await;
    assert_eq!(
        a.hits[0].url,
        "https://wire.example.org/2026/11/tana-dam-seven-years"
    );
    assert!(a.hits[0].passage.contains("seven years"), "{:?}", a.hits[0]);
    // Unnamed: still the dam articles, never the monitors' "once a ceasefire takes hold".
    let a = answer(
        &handler,
        "How many years will it take to fill the reservoir?",
    )
    .await;
    assert!(a.hits[0].url.contains("tana-dam"), "{:?}", a.hits[0]);
    assert!(
        a.hits.iter().all(|h| !h.url.contains("monitors")),
        "{:#?}",
        a.hits
    );
    // The reason, asked for with "why", is the sentence with "because".
    let a = answer(&handler, "Why will the Tana reservoir fill more slowly?").await;
    assert!(a.hits[0].passage.contains("because"), "{:?}", a.hits[0]);
}

#[tokio::test]
async fn words_that_mean_the_same_find_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let handler = handler(&dir).await;
    // "truce" finds the article that says "ceasefire"; "special representatives" finds "envoys"
    // (neither word is in any article).
    let a = answer(&handler, "Any news on a truce?").await;
    assert_eq!(
        a.hits[0].url,
        "https://daily.example.org/2026/11/monitors-ceasefire"
    );
    let a = answer(&handler, "Who are the special representatives?").await;
    assert_eq!(
        a.hits[0].url,
        "https://news.example.org/2026/12/moscow-talks-no-breakthrough"
    );
    assert!(a.hits[0].passage.contains("envoys"), "{:?}", a.hits[0]);
}

#[tokio::test]
async fn a_person_named_in_full_in_the_lead_is_the_same_person_further_down() {
    let dir = tempfile::tempdir().unwrap();
    let handler = crate::support::handler_with(
        &dir,
        vec![article(
            "https://news.example.org/2026/11/harbour-deal-porto-alba",
            "Example World News",
            "Harbour deal signed in Porto Alba",
            at(11, 10),
            "Trade minister Henrik Saal said on Tuesday that the harbour agreement he signed \
             with Castavia in Porto Alba was the best of his career.\n\n\
             The port authority's budget will be reviewed after five years, and 2027 will be \
             the first full year of the new rules.\n\n\
             Mr Saal said the new quay would open in March and take 40 more ships a month.\n\n\
             The signing ceremony lasted about two hours.",
        )],
    )
    .await;
    // "Henrik" is only in the lead; the quay is where "Mr Saal" speaks.
    let a = answer(&handler, "What did Henrik Saal say about the quay?").await;
    assert!(a.hits[0].passage.contains("new quay"), "{:?}", a.hits[0]);
    // The number of what is counted, not "after five years" or "2027".
    let a = answer(
        &handler,
        "How many more ships will the port take each month?",
    )
    .await;
    assert!(
        a.hits[0].passage.contains("40 more ships"),
        "{:?}",
        a.hits[0]
    );
    // A length bound to the question's verb, not the bare "after five years".
    let a = answer(&handler, "How long did the signing ceremony last?").await;
    assert!(
        a.hits[0].passage.contains("lasted about two hours"),
        "{:?}",
        a.hits[0]
    );
}

#[tokio::test]
async fn when_and_where_quote_the_paragraph_with_the_time_or_the_place() {
    let dir = tempfile::tempdir().unwrap();
    // Each pair of paragraphs holds the same question words; the first of each lacks the answer,
    // so only the kind of answer the question asks for can put the second ahead of it.
    let handler = crate::support::handler_with(
        &dir,
        vec![article(
            "https://news.example.org/2026/11/lissa-harbour-round",
            "Example World News",
            "Varnia and Osterland end another harbour round",
            at(11, 12),
            "The customs commission will meet again soon, a Varnian official said.\n\n\
             The customs commission will meet again on March 14.\n\n\
             The border levy should be scrapped eventually, the ministers agreed.\n\n\
             The border levy should be scrapped within six months, the ministers agreed.\n\n\
             The pipeline negotiators will gather next week, officials confirmed.\n\n\
             The pipeline negotiators will gather in Brena, officials confirmed.",
        )],
    )
    .await;
    for (question, expected) in [
        ("When will the customs commission meet again?", "March 14"),
        (
            "When should the border levy be scrapped?",
            "within six months",
        ),
        ("Where will the pipeline negotiators gather?", "in Brena"),
    ] {
        let a = answer(&handler, question).await;
        assert!(
            a.hits[0].passage.contains(expected),
            "{question}: {:?}",
            a.hits[0].passage
        );
    }
}
