//! Pure Discord presentation: a [`Reply`] as an interaction callback body (embeds, content,
//! a "More" button), within Discord's limits, with markdown in article text escaped and no
//! mentions allowed to ping anyone.

use serde_json::{Value, json};

use crate::messages::{self, Paging, Syntax};
use crate::reply::{Hit, Reply};
use crate::text::shorten;

pub const SLASH: Syntax<'static> = Syntax {
    prefix: "/",
    paging: Paging::Limit,
};

/// Discord's limits.
pub const MAX_CONTENT: usize = 2000;
pub const MAX_TITLE: usize = 256;
pub const MAX_DESCRIPTION: usize = 4096;
pub const MAX_FOOTER: usize = 2048;
pub const MAX_EMBEDS: usize = 10;
pub const MAX_EMBED_TOTAL: usize = 6000;
pub const MAX_FIELD_VALUE: usize = 1024;
/// Ephemeral message flag.
pub const EPHEMERAL: u64 = 1 << 6;

/// Interaction callback types.
pub const PONG: u64 = 1;
pub const MESSAGE: u64 = 4;
pub const DEFERRED_MESSAGE: u64 = 5;
pub const UPDATE_MESSAGE: u64 = 7;
pub const AUTOCOMPLETE_RESULT: u64 = 8;

/// Escapes Discord markdown so article text shows literally.
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '*'
                | '_'
                | '~'
                | '`'
                | '|'
                | '>'
                | '#'
                | '['
                | ']'
                | '('
                | ')'
                | '-'
                | '<'
                | '@'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Mentions in article text or questions must never ping anyone.
pub fn no_mentions() -> Value {
    json!({ "parse": [] })
}

/// The passage with markdown escaped and question words in bold.
fn passage_markdown(hit: &Hit) -> String {
    let mut out = String::with_capacity(hit.passage.len() + 16);
    for (piece, highlighted) in hit.passage_pieces() {
        if highlighted {
            out.push_str(&format!("**{}**", escape_markdown(&piece)));
        } else {
            out.push_str(&escape_markdown(&piece));
        }
    }
    out.trim().to_string()
}

fn embed(hit: &Hit, description_budget: usize) -> Value {
    let mut e = json!({
        "title": shorten(&hit.title, MAX_TITLE),
        "description": shorten(&format!("“{}”", passage_markdown(hit)), description_budget.min(MAX_DESCRIPTION)),
        "footer": { "text": shorten(&format!("{} · {}", hit.source, messages::date(hit.published, hit.published_estimated)), MAX_FOOTER) },
    });
    if let Some(url) = hit.link() {
        e["url"] = json!(url);
    }
    if let Some(also) = also_field(hit) {
        e["fields"] = json!([also]);
    }
    e
}

/// The embed field listing the other outlets that carried the same report, as links.
fn also_field(hit: &Hit) -> Option<Value> {
    let names = messages::also_names(hit, |source, link| match link {
        Some(url) => format!("[{}]({url})", escape_markdown(source)),
        None => escape_markdown(source),
    })?;
    Some(json!({ "name": "also", "value": shorten(&names, MAX_FIELD_VALUE), "inline": false }))
}

/// Embeds for hits within Discord's total size, each given a fair share of what is left.
fn embeds_of(hits: &[&Hit], dated: bool) -> Vec<Value> {
    let mut budget = MAX_EMBED_TOTAL;
    let mut embeds = Vec::new();
    for (i, hit) in hits.iter().enumerate() {
        let left = hits.len() - i;
        let share = (budget / left).saturating_sub(400).max(200);
        let mut e = embed(hit, share);
        if dated {
            e["title"] = json!(shorten(
                &format!("{} — {}", messages::item_date(hit), hit.title),
                MAX_TITLE
            ));
        }
        let used = embed_chars(&e);
        if used > budget {
            break;
        }
        budget -= used;
        embeds.push(e);
    }
    embeds
}

/// A page of `hits` (the items from `offset` on) as embeds, with the "More" button when
/// further items exist: those the reply left for a next page (`more`) and those that did not
/// fit in one message (Discord shows at most 10 embeds within 6,000 characters), which the
/// next page starts with. `paging` is the button's `custom_id` before the offset; `None` when the
/// message keeps no line to page from.
fn page_of_embeds(
    data: &mut Value,
    hits: &[Hit],
    dated: bool,
    offset: usize,
    more: bool,
    paging: Option<&str>,
) {
    let shown: Vec<&Hit> = hits.iter().take(MAX_EMBEDS).collect();
    let embeds = embeds_of(&shown, dated);
    let next = offset + embeds.len();
    data["components"] = match paging {
        Some(prefix) if more || embeds.len() < hits.len() => more_button(format!("{prefix}{next}")),
        _ => json!([]),
    };
    data["embeds"] = json!(embeds);
}

/// The "More" button with `custom_id` ("more:3": the next page starts at the 4th item; "more:q:3"
/// reads the message's line as a question).
fn more_button(custom_id: String) -> Value {
    json!([{
        "type": 1,
        "components": [{
            "type": 2,
            "style": 2,
            "label": messages::more_button(),
            "custom_id": custom_id,
        }]
    }])
}

fn embed_chars(e: &Value) -> usize {
    ["title", "description"]
        .iter()
        .map(|k| e[k].as_str().map_or(0, |s| s.chars().count()))
        .sum::<usize>()
        + e["fields"].as_array().map_or(0, |f| {
            f.iter()
                .map(|f| {
                    f["name"].as_str().map_or(0, |s| s.chars().count())
                        + f["value"].as_str().map_or(0, |s| s.chars().count())
                })
                .sum()
        })
        + e["footer"]["text"]
            .as_str()
            .map_or(0, |s| s.chars().count())
}

/// The message data (content, embeds, components, flags) for a reply.
///
/// `ask_line` is the question with its filters (written into the message so the "More" button
/// can page after a restart); `ephemeral` hides the message from others.
pub fn message(reply: &Reply, ask_line: Option<&str>, ephemeral: bool) -> Value {
    // Problems, misses and small talk are for the one who asked, not the channel.
    let ephemeral = ephemeral
        || reply.is_error()
        || matches!(reply, Reply::NotFound { .. } | Reply::SmallTalk(_));
    // A question kept as `ask <question>` (it starts like a command: "latest on the talks") is
    // shown as asked; its button remembers that the line is a question.
    let (ask_line, question) = match ask_line.and_then(|l| l.strip_prefix("ask ")) {
        Some(q) => (Some(q), true),
        None => (ask_line, false),
    };
    let paging = ask_line.map(|_| if question { "more:q:" } else { "more:" });
    let mut data = json!({ "allowed_mentions": no_mentions() });
    match reply {
        Reply::Answer(answer) => {
            let mut content = header(ask_line);
            if let Some(lead) = messages::answer_lead(answer) {
                content = format!("{content}\n{lead}");
            }
            for note in messages::search_notes(answer) {
                content = format!("{content}\n{note}");
            }
            if let Some(n) = &answer.newer {
                let line = escape_markdown(&messages::newer(n));
                content = match n.link() {
                    Some(url) => format!("{content}\n{line} <{url}>"),
                    None => format!("{content}\n{line}"),
                };
            }
            data["content"] = json!(shorten(content.trim(), MAX_CONTENT));
            page_of_embeds(
                &mut data,
                &answer.hits,
                false,
                answer.offset,
                answer.more,
                paging,
            );
        }
        Reply::Timeline {
            topic,
            items,
            offset,
            more,
            source,
            range,
            unknown,
        } => {
            let content = format!(
                "{}\n{}",
                header(ask_line),
                escape_markdown(&messages::timeline_header(
                    topic,
                    source.as_deref(),
                    range.as_deref(),
                    unknown
                ))
            );
            data["content"] = json!(shorten(content.trim(), MAX_CONTENT));
            page_of_embeds(&mut data, items, true, *offset, *more, paging);
        }
        Reply::Latest {
            topic,
            unknown,
            source,
            range,
            items,
            offset,
            more,
            ..
        } if !items.is_empty() => {
            let content = format!(
                "{}\n{}",
                header(ask_line),
                escape_markdown(&messages::latest_header(
                    topic.as_deref(),
                    source.as_deref(),
                    range.as_deref(),
                    unknown
                ))
            );
            data["content"] = json!(shorten(content.trim(), MAX_CONTENT));
            page_of_embeds(&mut data, items, true, *offset, *more, paging);
        }
        Reply::Quiet => {
            // Discord needs an answer to every interaction.
            data["content"] = json!(messages::slow_down_again());
            data["embeds"] = json!([]);
            data["components"] = json!([]);
        }
        other => {
            data["content"] = json!(shorten(&messages::plain(other, SLASH), MAX_CONTENT));
            data["embeds"] = json!([]);
            data["components"] = json!([]);
        }
    }
    if ephemeral {
        data["flags"] = json!(EPHEMERAL);
    }
    data
}

/// The question line a message starts with ("> ..."), so the More button can page after a
/// restart.
fn header(ask_line: Option<&str>) -> String {
    ask_line
        .map(|l| format!("> {}", shorten(&escape_markdown(l), 1500)))
        .unwrap_or_default()
}

/// A complete callback body: `{"type": kind, "data": message(...)}`.
pub fn callback(kind: u64, reply: &Reply, ask_line: Option<&str>, ephemeral: bool) -> Value {
    json!({ "type": kind, "data": message(reply, ask_line, ephemeral) })
}

/// The question line stored in a message's content by [`message`] ("> ..."), unescaped.
pub fn ask_line_of(content: &str) -> Option<String> {
    let line = content.lines().next()?.strip_prefix("> ")?;
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    Some(out.trim_end_matches('…').to_string())
}

/// The slash commands talkwatch registers (their wording: [`messages::discord::description`]).
pub fn command_definitions() -> Value {
    let d = messages::discord::description;
    let string = |name: &str, description: &str, required: bool| json!({ "type": 3, "name": name, "description": description, "required": required });
    json!([
        {
            "name": "ask",
            "type": 1,
            "description": d("ask"),
            "options": [
                { "type": 3, "name": "question", "description": d("ask.question"), "required": true, "max_length": 500 },
                string("since", d("since"), false),
                string("until", d("until"), false),
                { "type": 3, "name": "source", "description": d("source"), "required": false, "autocomplete": true },
                { "type": 4, "name": "limit", "description": d("ask.limit"), "required": false, "min_value": 1, "max_value": 10 },
                { "type": 5, "name": "hide", "description": d("ask.hide"), "required": false },
            ],
        },
        {
            "name": "timeline",
            "type": 1,
            "description": d("timeline"),
            "options": [
                { "type": 3, "name": "topic", "description": d("timeline.topic"), "required": true, "max_length": 500 },
                string("since", d("since"), false),
                string("until", d("until"), false),
                { "type": 3, "name": "source", "description": d("source"), "required": false, "autocomplete": true },
                { "type": 4, "name": "limit", "description": d("timeline.limit"), "required": false, "min_value": 1, "max_value": 10 },
            ],
        },
        {
            "name": "latest",
            "type": 1,
            "description": d("latest"),
            "options": [
                { "type": 3, "name": "topic", "description": d("latest.topic"), "required": false, "max_length": 500 },
                string("since", d("since"), false),
                string("until", d("until"), false),
                { "type": 3, "name": "source", "description": d("source"), "required": false, "autocomplete": true },
                { "type": 4, "name": "limit", "description": d("latest.limit"), "required": false, "min_value": 1, "max_value": 10 },
            ],
        },
        { "name": "sources", "type": 1, "description": d("sources") },
        { "name": "stats", "type": 1, "description": d("stats") },
        { "name": "help", "type": 1, "description": d("help") },
        { "name": "reindex", "type": 1, "description": d("reindex"), "default_member_permissions": 0 },
        { "name": "feeds", "type": 1, "description": d("feeds"), "default_member_permissions": 0 },
        { "name": "watch", "type": 1, "description": d("watch"),
          "options": [string("words", d("watch.words"), true)] },
        { "name": "unwatch", "type": 1, "description": d("unwatch"),
          "options": [string("words", d("unwatch.words"), true)] },
        { "name": "watches", "type": 1, "description": d("watches") },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::Answer;

    fn hit(passage: &str) -> Hit {
        Hit {
            title: "T".repeat(300),
            url: "javascript:alert(1)".into(),
            source: "Example Wire".into(),
            published: crate::ingest::parse_date("2026-11-20").unwrap(),
            published_estimated: false,
            passage: passage.into(),
            highlights: std::iter::once(0..9).collect(),
            score: 1.0,
            also: Vec::new(),
        }
    }

    #[test]
    fn an_answer_kept_to_a_source_names_it_under_the_question() {
        let reply = Reply::Answer(Answer {
            question: "Riyadh".into(),
            hits: vec![hit("Riyadh")],
            source: Some("Example Wire".into()),
            ..Answer::default()
        });
        let data = message(
            &reply,
            Some("What does Example Wire say about Riyadh?"),
            false,
        );
        let content = data["content"].as_str().unwrap();
        assert!(content.ends_with("\nFrom Example Wire:"), "{content}");
    }

    #[test]
    fn limits_escaping_and_links() {
        let long = "Territory @everyone *bold* <@123> ".repeat(400);
        let reply = Reply::Answer(Answer {
            question: "q".into(),
            hits: (0..12).map(|_| hit(&long)).collect(),
            offset: 0,
            more: true,
            corrections: vec![],
            unknown: vec![],
            newer: None,
            range: None,
            source: None,
            source_unmatched: None,
        });
        let data = message(&reply, Some("Is territory negotiable?"), false);
        let embeds = data["embeds"].as_array().unwrap();
        assert!(embeds.len() <= MAX_EMBEDS);
        let total: usize = embeds.iter().map(embed_chars).sum();
        assert!(total <= MAX_EMBED_TOTAL, "{total}");
        for e in embeds {
            assert!(e["title"].as_str().unwrap().chars().count() <= MAX_TITLE);
            assert!(e.get("url").is_none(), "no javascript: links");
            let d = e["description"].as_str().unwrap();
            assert!(d.starts_with("“**Territory**"), "{d}");
            assert!(d.contains("\\@everyone \\*bold\\* \\<\\@123\\>"), "{d}");
        }
        assert_eq!(data["allowed_mentions"], json!({"parse": []}));
        // The next page starts with the first hit that did not fit.
        assert_eq!(
            data["components"][0]["components"][0]["custom_id"],
            format!("more:{}", embeds.len())
        );
        assert_eq!(
            ask_line_of(data["content"].as_str().unwrap()).unwrap(),
            "Is territory negotiable?"
        );
    }

    #[test]
    fn a_timeline_is_dated_embeds_in_order_within_discord_limits() {
        let long = "Territory talks resumed in Doha. ".repeat(200);
        let mut items: Vec<Hit> = (0..12)
            .map(|day| Hit {
                published: crate::ingest::parse_date(&format!("2026-11-{:02}", day + 1)).unwrap(),
                url: format!("https://news.example.org/{day}"),
                ..hit(&long)
            })
            .collect();
        items[11].published_estimated = true;
        let reply = Reply::Timeline {
            topic: "territory".into(),
            items: items.clone(),
            offset: 0,
            more: false,
            range: None,
            source: None,
            unknown: vec![],
        };
        let data = message(&reply, Some("territory"), false);
        let embeds = data["embeds"].as_array().unwrap();
        assert_eq!(embeds.len(), MAX_EMBEDS);
        let total: usize = embeds.iter().map(embed_chars).sum();
        assert!(total <= MAX_EMBED_TOTAL, "{total}");
        for (day, e) in embeds.iter().enumerate() {
            let title = e["title"].as_str().unwrap();
            assert!(title.chars().count() <= MAX_TITLE);
            assert!(
                title.starts_with(&format!("{} Nov 2026 — TTT", day + 1)),
                "{title}"
            );
            assert_eq!(e["url"], format!("https://news.example.org/{day}"));
        }
        assert_eq!(
            data["content"],
            "> territory\nHow “territory” developed \\(oldest first\\):"
        );
        // Two items did not fit: the "More" button goes on with the 11th.
        assert_eq!(
            data["components"][0]["components"][0]["custom_id"],
            "more:10"
        );
        // The next page shows them, the undated one marked as such.
        let page = Reply::Timeline {
            topic: "territory".into(),
            items: items.split_off(10),
            offset: 10,
            more: false,
            range: None,
            source: None,
            unknown: vec![],
        };
        let data = message(&page, Some("territory"), false);
        let titles: Vec<&str> = data["embeds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["title"].as_str().unwrap())
            .collect();
        assert!(titles[0].starts_with("11 Nov 2026 — "), "{titles:?}");
        assert!(titles[1].starts_with("undated — "), "{titles:?}");
        assert_eq!(data["components"], json!([]));
    }

    #[test]
    fn newer_coverage_is_a_line_of_the_message_with_its_link() {
        let reply = Reply::Answer(Answer {
            question: "Has Washington commented?".into(),
            hits: vec![hit("Washington declined to comment.")],
            offset: 0,
            more: false,
            corrections: vec![],
            unknown: vec![],
            newer: Some(crate::reply::Newer {
                title: "State Department breaks its *silence*".into(),
                url: "https://news.example.org/b".into(),
                source: "Example World News".into(),
                published: crate::ingest::parse_date("2026-11-22").unwrap(),
            }),
            range: None,
            source: None,
            source_unmatched: None,
        });
        let data = message(&reply, Some("Has Washington commented?"), false);
        assert!(
            data["content"].as_str().unwrap().ends_with(
                "Newer: “State Department breaks its \\*silence\\*” — Example World News, 22 Nov 2026 <https://news.example.org/b>"
            ),
            "{}",
            data["content"]
        );
    }

    #[test]
    fn problems_are_ephemeral() {
        let data = message(
            &Reply::Refused {
                command: "reindex".into(),
            },
            None,
            false,
        );
        assert_eq!(data["flags"], EPHEMERAL);
        assert!(data["content"].as_str().unwrap().contains("/reindex"));
    }

    #[test]
    fn small_talk_is_for_the_one_who_said_it() {
        let data = message(
            &Reply::SmallTalk(crate::reply::SmallTalk::Thanks),
            None,
            false,
        );
        assert_eq!(data["flags"], EPHEMERAL);
        assert!(
            data["content"]
                .as_str()
                .unwrap()
                .starts_with("You're welcome."),
            "{data}"
        );
        assert!(
            data["content"].as_str().unwrap().contains("/latest"),
            "{data}"
        );
    }
}
