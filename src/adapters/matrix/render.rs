//! Pure Matrix presentation: which messages are meant for the bot ([`trigger`]) and how a
//! [`Reply`] looks as an `m.notice` ([`render`]: plain-text body + HTML `formatted_body`).
//!
//! Article text is untrusted: everything placed in HTML is escaped, links are only `http(s)`,
//! attributes are quoted.

use crate::messages::{self, Syntax};
use crate::reply::{Hit, Reply};

/// Matrix allows 64 KiB per event; stay well below it so encryption overhead never tips it over.
pub const MAX_BODY_BYTES: usize = 24 * 1024;

/// What a message asks the bot to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// A command line without its prefix: `ask ...`, `sources`, `reindex`, `frob` (unknown).
    Command(String),
    /// Free text addressed to the bot, taken as a question (filters allowed).
    Question(String),
}

/// The names the bot answers to.
#[derive(Debug, Clone)]
pub struct BotNames {
    /// `@talkwatch:example.org`
    pub user_id: String,
    /// `talkwatch`
    pub localpart: String,
    /// Display name, if set.
    pub display_name: Option<String>,
}

impl BotNames {
    pub fn new(user_id: &str, display_name: Option<String>) -> BotNames {
        let localpart = user_id
            .trim_start_matches('@')
            .split(':')
            .next()
            .unwrap_or_default()
            .to_string();
        BotNames {
            user_id: user_id.to_string(),
            localpart,
            display_name: display_name.filter(|d| !d.trim().is_empty()),
        }
    }

    fn candidates(&self) -> Vec<&str> {
        let mut names = vec![self.user_id.as_str()];
        if let Some(d) = &self.display_name {
            names.push(d.as_str());
        }
        names.push(self.localpart.as_str());
        // Longest first, so "talkwatch-bot" is not cut to "-bot" by a display name "talkwatch".
        names.sort_by_key(|n| std::cmp::Reverse(n.len()));
        names
    }

    /// `text` without a leading "name:", "@name," or "name " address, if it starts with one.
    fn strip_address<'t>(&self, text: &'t str) -> Option<&'t str> {
        let t = text.trim_start();
        let t = t.strip_prefix('@').unwrap_or(t);
        for name in self.candidates() {
            let name = name.strip_prefix('@').unwrap_or(name);
            if name.is_empty() || t.len() < name.len() || !t.is_char_boundary(name.len()) {
                continue;
            }
            if !t[..name.len()].eq_ignore_ascii_case(name)
                && t[..name.len()].to_lowercase() != name.to_lowercase()
            {
                continue;
            }
            let rest = &t[name.len()..];
            match rest.chars().next() {
                None => return Some(""),
                Some(c) if c == ':' || c == ',' || c.is_whitespace() => {
                    return Some(rest[c.len_utf8()..].trim_start());
                }
                _ => {}
            }
        }
        None
    }

    /// `text` with the first occurrence of one of the bot's names removed (a mention mid-text).
    fn without_name(&self, text: &str) -> String {
        let lower = text.to_lowercase();
        for name in self.candidates() {
            let needle = name.to_lowercase();
            if needle.is_empty() {
                continue;
            }
            if let Some(i) = lower.find(&needle) {
                // Lowercasing can change byte lengths for some scripts; only cut when aligned.
                if text.is_char_boundary(i) && text.is_char_boundary(i + needle.len()) {
                    let mut s = String::with_capacity(text.len());
                    s.push_str(text[..i].trim_end_matches('@'));
                    s.push_str(&text[i + needle.len()..]);
                    let s = s.trim_matches(|c: char| c.is_whitespace() || c == ':' || c == ',');
                    return crate::text::collapse_ws(s);
                }
            }
        }
        text.trim().to_string()
    }
}

/// Decides whether a text message is for the bot and what it asks.
///
/// * `!ask ...`, `!sources` (the configured prefix, then a letter): a command.
/// * "talkwatch: question", "@talkwatch, sources", or a message whose `m.mentions` names the bot:
///   a command when the rest is one (`sources`, `help`), else a question.
/// * Any message in a direct-message room: the same.
/// * Anything else: not for the bot.
pub fn trigger(
    body: &str,
    prefix: &str,
    names: &BotNames,
    mentioned: bool,
    is_direct: bool,
) -> Option<Trigger> {
    let text = strip_reply_fallback(body).trim();
    if let Some(command) = strip_prefix(text, prefix) {
        return Some(Trigger::Command(command.to_string()));
    }
    let addressed = names.strip_address(text);
    let rest = match (addressed, mentioned, is_direct) {
        (Some(rest), _, _) => rest.to_string(),
        (None, true, _) => names.without_name(text),
        (None, false, true) => text.to_string(),
        (None, false, false) => return None,
    };
    if let Some(command) = strip_prefix(&rest, prefix) {
        return Some(Trigger::Command(command.to_string()));
    }
    if crate::command::parse(&rest).is_ok() && !rest.is_empty() {
        return Some(Trigger::Command(rest));
    }
    Some(Trigger::Question(rest))
}

fn strip_prefix<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    if prefix.is_empty() {
        return None;
    }
    let rest = text.strip_prefix(prefix)?;
    rest.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic())
        .then_some(rest)
}

/// Removes the "> <@alice:example.org> quoted text" lines clients put before a rich reply.
fn strip_reply_fallback(body: &str) -> &str {
    if !body.starts_with("> ") {
        return body;
    }
    let mut rest = body;
    while rest.starts_with('>') {
        rest = match rest.split_once('\n') {
            Some((_, after)) => after,
            None => "",
        };
    }
    rest
}

/// A reply as Matrix shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub plain: String,
    pub html: String,
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The passage as HTML: escaped, paragraph breaks as spaces, question words in `<b>`.
fn passage_html(hit: &Hit) -> String {
    let mut out = String::with_capacity(hit.passage.len() + 32);
    for (piece, highlighted) in hit.passage_pieces() {
        if highlighted {
            out.push_str(&format!("<b>{}</b>", escape(&piece)));
        } else {
            out.push_str(&escape(&piece));
        }
    }
    out.trim().to_string()
}

fn citation_html(hit: &Hit) -> String {
    let title = escape(&hit.title);
    let title = match hit.link() {
        Some(url) => format!("<a href=\"{}\">{title}</a>", escape(url)),
        None => title,
    };
    format!(
        "— {title}, {}, {}",
        escape(&hit.source),
        escape(&messages::date(hit.published, hit.published_estimated))
    )
}

/// "also: <a>Capital Ledger</a>, <a>Northern Courier</a>" for a report others carried too.
fn also_html(hit: &Hit) -> String {
    messages::also_names(hit, |source, link| match link {
        Some(url) => format!("<a href=\"{}\">{}</a>", escape(url), escape(source)),
        None => escape(source),
    })
    .map_or_else(String::new, |names| format!("<p><i>also: {names}</i></p>"))
}

/// Timeline or latest items: date, quote, citation with link, "also".
fn items_html(header: &str, items: &[Hit]) -> String {
    let mut html = format!("<p>{}</p>", escape(header));
    push_capped(
        &mut html,
        items.iter().enumerate().map(|(i, hit)| {
            let apart = if messages::starts_undated(items, i) {
                format!("<p><i>{}</i></p>", escape(&messages::undated_apart()))
            } else {
                String::new()
            };
            format!(
                "{apart}<blockquote><p><b>{}</b> — “{}”</p><p>{}</p>{}</blockquote>",
                escape(&messages::item_date(hit)),
                passage_html(hit),
                citation_html(hit),
                also_html(hit)
            )
        }),
    );
    html
}

/// Appends `items` while the body stays within [`MAX_BODY_BYTES`]; the first one that does not
/// fit is replaced by the line saying the reply was cut.
fn push_capped(html: &mut String, items: impl Iterator<Item = String>) {
    for item in items {
        if html.len() + item.len() > MAX_BODY_BYTES {
            html.push_str(&format!(
                "<p><i>{}</i></p>",
                escape(&messages::reply_truncated())
            ));
            break;
        }
        html.push_str(&item);
    }
}

fn lines_html(text: &str) -> String {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|p| format!("<p>{}</p>", escape(p).replace('\n', "<br>")))
        .collect();
    paragraphs.concat()
}

/// Renders a reply for Matrix: the plain body is [`messages::plain`], the HTML is the same
/// content with quotes, links and bold question words. Oversized replies are cut at a hit or
/// line boundary and say so.
pub fn render(reply: &Reply, syntax: Syntax<'_>) -> Rendered {
    let plain = messages::plain(reply, syntax);
    let html = match reply {
        Reply::Answer(answer) => {
            let mut html = String::new();
            if let Some(lead) = messages::answer_lead(answer) {
                html.push_str(&format!("<p><i>{}</i></p>", escape(&lead)));
            }
            push_capped(
                &mut html,
                answer.hits.iter().map(|hit| {
                    format!(
                        "<blockquote><p>“{}”</p><p>{}</p>{}</blockquote>",
                        passage_html(hit),
                        citation_html(hit),
                        also_html(hit)
                    )
                }),
            );
            if let Some(n) = &answer.newer {
                let line = escape(&messages::newer(n));
                html.push_str(&match n.link() {
                    Some(url) => format!(
                        "<p>{line} <a href=\"{}\">{}</a></p>",
                        escape(url),
                        escape(url)
                    ),
                    None => format!("<p>{line}</p>"),
                });
            }
            for note in messages::search_notes(answer) {
                html.push_str(&format!("<p><i>{}</i></p>", escape(&note)));
            }
            if answer.more {
                html.push_str(&format!(
                    "<p><i>{}</i></p>",
                    escape(&messages::more_available(
                        answer.offset + answer.hits.len(),
                        syntax
                    ))
                ));
            }
            html
        }
        Reply::Alert { hits } => {
            let mut html = format!("<p>{}</p>", escape(&messages::alert_header(hits)));
            for (words, hit) in hits {
                html.push_str(&format!(
                    "<blockquote><p>[{}] “{}”</p><p>{}</p></blockquote>",
                    escape(words),
                    passage_html(hit),
                    citation_html(hit)
                ));
            }
            html
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
            let header =
                messages::timeline_header(topic, source.as_deref(), range.as_deref(), unknown);
            let mut html = items_html(&header, items);
            if *more {
                html.push_str(&format!(
                    "<p><i>{}</i></p>",
                    escape(&messages::more_items(
                        "timeline",
                        offset + items.len(),
                        syntax
                    ))
                ));
            }
            html
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
            let header = messages::latest_header(
                topic.as_deref(),
                source.as_deref(),
                range.as_deref(),
                unknown,
            );
            let mut html = items_html(&header, items);
            if *more {
                html.push_str(&format!(
                    "<p><i>{}</i></p>",
                    escape(&messages::more_items(
                        "latest",
                        offset + items.len(),
                        syntax
                    ))
                ));
            }
            html
        }
        _ => lines_html(&plain),
    };
    Rendered {
        plain: cap(plain),
        html: cap_html(html),
    }
}

/// Cuts plain text at a line boundary below [`MAX_BODY_BYTES`].
fn cap(text: String) -> String {
    if text.len() <= MAX_BODY_BYTES {
        return text;
    }
    let mut cut = MAX_BODY_BYTES;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let cut = text[..cut].rfind('\n').unwrap_or(cut);
    format!("{}\n{}", &text[..cut], messages::reply_truncated())
}

/// Cuts HTML at a closing `</p>` or `</blockquote>` below [`MAX_BODY_BYTES`] so no tag is left
/// open.
fn cap_html(html: String) -> String {
    if html.len() <= MAX_BODY_BYTES {
        return html;
    }
    let head = &html[..html
        .char_indices()
        .map(|(i, _)| i)
        .take_while(|&i| i <= MAX_BODY_BYTES)
        .last()
        .unwrap_or(0)];
    let cut = [
        head.rfind("</blockquote>").map(|i| i + 13),
        head.rfind("</p>").map(|i| i + 4),
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(0);
    // A `</p>` inside an open blockquote would leave the blockquote open; prefer the blockquote
    // end when the last `<blockquote>` opened after it.
    let cut = match (
        head[..cut].rfind("<blockquote>"),
        head[..cut].rfind("</blockquote>"),
    ) {
        (Some(open), Some(close)) if open > close => close + 13,
        (Some(_), None) => 0,
        _ => cut,
    };
    format!(
        "{}<p><i>{}</i></p>",
        &html[..cut],
        escape(&messages::reply_truncated())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::Answer;

    const BANG: Syntax<'static> = Syntax {
        prefix: "!",
        paging: crate::messages::Paging::Limit,
    };

    #[test]
    fn the_longest_name_is_removed() {
        let n = BotNames::new("@talkwatch-7:example.org", Some("talkwatch".into()));
        assert_eq!(
            trigger("hey talkwatch-7 what now", "!", &n, true, false),
            q("hey what now")
        );
    }

    fn names() -> BotNames {
        BotNames::new("@talkwatch:example.org", Some("Talk Watch".into()))
    }

    fn q(s: &str) -> Option<Trigger> {
        Some(Trigger::Question(s.into()))
    }

    fn c(s: &str) -> Option<Trigger> {
        Some(Trigger::Command(s.into()))
    }

    #[test]
    fn triggers() {
        let n = names();
        assert_eq!(
            trigger("!ask is territory negotiable?", "!", &n, false, false),
            c("ask is territory negotiable?")
        );
        assert_eq!(trigger("!sources", "!", &n, false, false), c("sources"));
        assert_eq!(trigger("!!! wow", "!", &n, false, false), None);
        assert_eq!(trigger("just chatting", "!", &n, false, false), None);
        assert_eq!(
            trigger("talkwatch: what did Ushakov say?", "!", &n, false, false),
            q("what did Ushakov say?")
        );
        assert_eq!(
            trigger("Talk Watch, sources", "!", &n, true, false),
            c("sources")
        );
        assert_eq!(
            trigger("@talkwatch:example.org: ceasefire?", "!", &n, true, false),
            q("ceasefire?")
        );
        assert_eq!(
            trigger("hey Talk Watch what about Geneva", "!", &n, true, false),
            q("hey what about Geneva")
        );
        assert_eq!(
            trigger("is territory negotiable?", "!", &n, false, true),
            q("is territory negotiable?")
        );
        assert_eq!(trigger("help", "!", &n, false, true), c("help"));
        assert_eq!(trigger("!frob", "!", &n, false, false), c("frob"));
        assert_eq!(
            trigger(
                "> <@alice:example.org> earlier\n\n!stats",
                "!",
                &n,
                false,
                false
            ),
            c("stats")
        );
        assert_eq!(trigger("talkwatching is fun", "!", &n, false, false), None);
    }

    fn hit(passage: &str, url: &str) -> Hit {
        Hit {
            title: "Talks <b>resume</b> & \"stall\"".into(),
            url: url.into(),
            source: "Example <Wire>".into(),
            published: crate::ingest::parse_date("2026-11-20").unwrap(),
            published_estimated: false,
            passage: passage.into(),
            highlights: std::iter::once(0..9).collect(),
            score: 1.0,
            also: Vec::new(),
        }
    }

    fn answer(hits: Vec<Hit>) -> Reply {
        Reply::Answer(Answer {
            question: "territory".into(),
            hits,
            offset: 0,
            more: false,
            corrections: vec![],
            unknown: vec![],
            newer: None,
            range: None,
            source: None,
            source_unmatched: None,
        })
    }

    #[test]
    fn article_html_is_escaped_and_links_are_http_only() {
        let evil =
            "Territory <a href=javascript:alert(1)>x</a> <img src=x> <mx-reply> </blockquote>";
        let r = render(&answer(vec![hit(evil, "javascript:alert(1)")]), BANG);
        assert_eq!(
            r.html,
            "<blockquote><p>“<b>Territory</b> &lt;a href=javascript:alert(1)&gt;x&lt;/a&gt; &lt;img src=x&gt; &lt;mx-reply&gt; &lt;/blockquote&gt;”</p>\
             <p>— Talks &lt;b&gt;resume&lt;/b&gt; &amp; &quot;stall&quot;, Example &lt;Wire&gt;, 20 Nov 2026</p></blockquote>"
        );
        let ok = render(
            &answer(vec![hit(
                "Territory is not negotiable.",
                "https://news.example.org/a?x=1&y=\"2\"",
            )]),
            BANG,
        );
        assert!(
            ok.html
                .contains("<a href=\"https://news.example.org/a?x=1&amp;y=&quot;2&quot;\">"),
            "{}",
            ok.html
        );
        assert!(ok.plain.contains("https://news.example.org/a?x=1&y=\"2\""));
    }

    #[test]
    fn what_the_search_did_with_the_words_is_one_paragraph_each() {
        let Reply::Answer(mut a) = answer(vec![hit("Territory <b>", "https://news.example.org/a")])
        else {
            unreachable!()
        };
        a.corrections = vec![("Ushakof".into(), "Ushakov".into())];
        a.unknown = vec!["<zeppelins>".into()];
        let r = render(&Reply::Answer(a), BANG);
        assert!(
            r.html.ends_with(
                "<p><i>(Searched for close spellings: “Ushakof” → “Ushakov”.)</i></p>\
                 <p><i>(No article I have read mentions “&lt;zeppelins&gt;”; these match the rest of the question.)</i></p>"
            ),
            "{}",
            r.html
        );
        assert!(
            r.plain
                .contains("(No article I have read mentions “<zeppelins>”;"),
            "{}",
            r.plain
        );
    }

    #[test]
    fn a_timeline_is_dated_lines_in_order_with_undated_articles_apart() {
        let at = |day: &str, passage: &str| Hit {
            published: crate::ingest::parse_date(day).unwrap(),
            ..hit(passage, "https://news.example.org/a")
        };
        let undated = Hit {
            published_estimated: true,
            ..hit(
                "Territory, background on the war.",
                "https://news.example.org/c",
            )
        };
        let r = render(
            &Reply::Timeline {
                topic: "territory <talks>".into(),
                items: vec![
                    at("2026-11-18", "Territory: envoys met in Moscow."),
                    at("2026-11-20", "Territory is not negotiable."),
                    undated,
                ],
                offset: 0,
                more: false,
                range: None,
                source: None,
                unknown: vec!["<zeppelins>".into()],
            },
            BANG,
        );
        let first = r
            .html
            .find("<b>18 Nov 2026</b> — “<b>Territory</b>: envoys")
            .expect("first date");
        let second = r
            .html
            .find("<b>20 Nov 2026</b> — “<b>Territory</b>")
            .expect("second");
        let apart = r
            .html
            .find("<p><i>Undated articles (not placed in the date order):</i></p>")
            .expect("undated heading");
        let third = r
            .html
            .find("<b>undated</b> — “<b>Territory</b>, background")
            .expect("undated");
        assert!(
            first < second && second < apart && apart < third,
            "{}",
            r.html
        );
        assert!(
            r.html
                .starts_with("<p>How “territory &lt;talks&gt;” developed (oldest first; no article I have read mentions “&lt;zeppelins&gt;”):</p>"),
            "{}",
            r.html
        );
        assert!(
            r.plain
                .contains("2. 20 Nov 2026 — “Territory is not negotiable.”"),
            "{}",
            r.plain
        );
        assert!(
            r.plain
                .contains("Undated articles (not placed in the date order):\n3. undated — "),
            "{}",
            r.plain
        );
    }

    #[test]
    fn newer_coverage_is_one_line_with_its_link_in_html_and_plain_text() {
        let mut reply = answer(vec![hit(
            "Washington declined to comment.",
            "https://news.example.org/a",
        )]);
        if let Reply::Answer(a) = &mut reply {
            a.newer = Some(crate::reply::Newer {
                title: "State Department breaks its silence".into(),
                url: "https://news.example.org/b?x=1&y=2".into(),
                source: "Example World News".into(),
                published: crate::ingest::parse_date("2026-11-22").unwrap(),
            });
        }
        let r = render(&reply, BANG);
        assert!(
            r.html.ends_with(
                "<p>Newer: “State Department breaks its silence” — Example World News, 22 Nov 2026 \
                 <a href=\"https://news.example.org/b?x=1&amp;y=2\">https://news.example.org/b?x=1&amp;y=2</a></p>"
            ),
            "{}",
            r.html
        );
        assert!(
            r.plain.ends_with(
                "Newer: “State Department breaks its silence” — Example World News, 22 Nov 2026 https://news.example.org/b?x=1&y=2"
            ),
            "{}",
            r.plain
        );
    }

    #[test]
    fn huge_replies_are_cut_cleanly() {
        let sources = (0..3000)
            .map(|i| crate::store::SourceSummary {
                source: format!("Source number {i}"),
                articles: 3,
                newest: None,
                feed: None,
            })
            .collect();
        let r = render(&Reply::Sources(sources), BANG);
        assert!(r.html.len() <= MAX_BODY_BYTES + 200);
        assert!(r.plain.len() <= MAX_BODY_BYTES + 200);
        assert_eq!(
            r.html.matches("<blockquote>").count(),
            r.html.matches("</blockquote>").count()
        );
        assert!(r.plain.ends_with(&messages::reply_truncated()));
    }
}
