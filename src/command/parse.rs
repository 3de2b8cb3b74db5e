//! Reading a message into a [`Command`]: command names, inline filters, dates. Pure.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::Command;
use crate::messages::errors;
use crate::reply::SmallTalk;

/// A question and its filters, as typed (relative dates unresolved).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ask {
    pub question: String,
    pub since: Option<DateBound>,
    pub until: Option<DateBound>,
    pub source: Option<String>,
    pub limit: Option<usize>,
    pub offset: usize,
    pub passages_per_article: Option<usize>,
}

/// A date as the user wrote it: a calendar date/time, an age ("3d", "2w", "12h"), or time words
/// ("yesterday", "monday", "last week", "november", "3 nov"), read at the time of asking.
#[derive(Debug, Clone, PartialEq)]
pub enum DateBound {
    At(DateTime<Utc>),
    Ago(Duration),
    /// Time words, lowercased, that [`crate::timewords::filter_span`] reads as one range.
    Words(String),
}

impl DateBound {
    /// Where a `since` bound starts at `now`: the date, `now` less the age, the start of the
    /// range the words name ("since:monday" from Monday 00:00 in the chat's time zone `tz`).
    pub fn since<Tz: TimeZone>(&self, now: DateTime<Utc>, tz: &Tz) -> DateTime<Utc> {
        match self {
            DateBound::At(d) => *d,
            DateBound::Ago(age) => now - *age,
            DateBound::Words(w) => {
                crate::timewords::filter_span(w, now, tz).map_or(now, |span| span.since)
            }
        }
    }

    /// Where an `until` bound ends at `now`: a bare date through the end of that day, `now` less
    /// the age, the end of the range the words name ("until:monday" through Monday 23:59:59;
    /// "until:today", a range still running, up to `now`).
    pub fn until<Tz: TimeZone>(&self, now: DateTime<Utc>, tz: &Tz) -> DateTime<Utc> {
        match self {
            DateBound::At(d) if d.time() == chrono::NaiveTime::MIN => {
                *d + Duration::days(1) - Duration::seconds(1)
            }
            DateBound::At(d) => *d,
            DateBound::Ago(age) => now - *age,
            DateBound::Words(w) => crate::timewords::filter_span(w, now, tz)
                .and_then(|span| span.until)
                .map_or(now, |end| end - Duration::seconds(1)),
        }
    }

    /// Parses `2026-11-01`, RFC 3339, an age as [`crate::units::parse_duration`] reads it
    /// (`10m` ten minutes, `12h`, `3d`, `2w`, `2months`), at most 100 years, or time words that
    /// name one range and nothing else.
    pub fn parse(s: &str) -> Option<DateBound> {
        let s = s.trim();
        if let Some(d) = crate::ingest::parse_date(s) {
            return Some(DateBound::At(d));
        }
        if let Ok(age) = crate::units::parse_duration(s) {
            if age > std::time::Duration::from_secs(100 * 365 * 86_400) {
                return None;
            }
            return Some(DateBound::Ago(Duration::from_std(age).ok()?));
        }
        // Whether words name a range does not depend on the day they are read on.
        let any_day = Utc.with_ymd_and_hms(2026, 1, 15, 12, 0, 0).single()?;
        // "since:last-week" is typed where a space would end the filter.
        let words = crate::text::collapse_ws(&s.to_lowercase().replace(['-', '_'], " "));
        crate::timewords::filter_span(&words, any_day, &Utc).map(|_| DateBound::Words(words))
    }
}

/// Why a message could not be understood. The wording users see is in `messages::errors`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("{}", errors::empty_message())]
    Empty,
    #[error("{}", errors::unknown_command(.0))]
    UnknownCommand(String),
    #[error("{}", crate::messages::missing_words(command))]
    MissingQuestion { command: String },
    #[error("{}", errors::bad_filter(key, value, expected))]
    BadFilter {
        key: String,
        value: String,
        expected: String,
    },
    #[error("{}", errors::unexpected_arguments(.0))]
    UnexpectedArguments(String),
}

/// Longest watch phrase kept.
const MAX_WATCH_CHARS: usize = 100;

/// Parses a command line without its platform prefix: `ask <question>`, `sources`, `stats`,
/// `reindex`, `help`. Command names are case-insensitive.
pub fn parse(text: &str) -> Result<Command, ParseError> {
    let text = text.trim();
    let (name, rest) = match text.split_once(char::is_whitespace) {
        Some((name, rest)) => (name, rest.trim()),
        None => (text, ""),
    };
    if name.is_empty() {
        return Err(ParseError::Empty);
    }
    let lower = name.to_lowercase();
    let canonical = paged_command(&lower).unwrap_or(&lower);
    let no_args = |cmd: Command| {
        if rest.is_empty() {
            Ok(cmd)
        } else {
            Err(ParseError::UnexpectedArguments(lower.clone()))
        }
    };
    match canonical {
        "ask" => parse_question(rest).map_err(|e| match e {
            ParseError::Empty => ParseError::MissingQuestion {
                command: "ask".into(),
            },
            other => other,
        }),
        "sources" => no_args(Command::Sources),
        "stats" => no_args(Command::Stats),
        "reindex" => no_args(Command::Reindex),
        "leave" => no_args(Command::Leave),
        "feeds" => no_args(Command::Feeds),
        "watches" => no_args(Command::Watches),
        "watch" | "unwatch" => {
            let words = crate::text::collapse_ws(rest);
            if words.is_empty() {
                return Err(ParseError::MissingQuestion { command: lower });
            }
            let words: String = words.chars().take(MAX_WATCH_CHARS).collect();
            Ok(if lower == "watch" {
                Command::Watch(words)
            } else {
                Command::Unwatch(words)
            })
        }
        "timeline" => match parse_question(rest) {
            Ok(Command::Ask(a)) => Ok(Command::Timeline(a)),
            Ok(other) => Ok(other),
            Err(ParseError::Empty) => Err(ParseError::MissingQuestion {
                command: "timeline".into(),
            }),
            Err(e) => Err(e),
        },
        // Words are optional: `latest`, `latest since:3d`, `latest prisoner exchange`.
        "latest" => parse_ask(rest).map(Command::Latest),
        "help" | "h" | "?" | "commands" => Ok(Command::Help),
        _ => Err(ParseError::UnknownCommand(name.chars().take(32).collect())),
    }
}

/// Writes a question and its filters as one line that [`parse_question`] reads back (used by
/// platforms whose commands carry filters as separate options).
pub fn ask_line(
    question: &str,
    since: Option<&str>,
    until: Option<&str>,
    source: Option<&str>,
    limit: Option<u64>,
) -> String {
    let mut line = String::new();
    let mut push = |key: &str, value: &str| {
        let value = value.trim().replace('"', "");
        if value.chars().any(char::is_whitespace) {
            line.push_str(&format!("{key}:\"{value}\" "));
        } else {
            line.push_str(&format!("{key}:{value} "));
        }
    };
    if let Some(v) = since {
        push("since", v);
    }
    if let Some(v) = until {
        push("until", v);
    }
    if let Some(v) = source {
        push("source", v);
    }
    if let Some(v) = limit {
        push("limit", &v.to_string());
    }
    line.push_str(question.trim());
    line
}

/// Parses free text as a question, taking out inline filters (`since:2026-11-01`, `until:`,
/// `source:reuters` or `source:"Example Wire"`, `limit:5`, `passages:2`). Anything else, query
/// syntax and punctuation included, stays part of the question.
pub fn parse_question(text: &str) -> Result<Command, ParseError> {
    // "help" said to the bot (in chat, a mention, a direct message, `/ask help`) asks how to use
    // it: a search for the word would quote articles about humanitarian help.
    let bare = text.trim().trim_end_matches(['?', '!', '.']).trim();
    let words = lowercase_words(bare);
    if bare.is_empty() && !text.trim().is_empty()
        || ["help", "commands"]
            .iter()
            .any(|w| bare.eq_ignore_ascii_case(w))
        || ABOUT_THE_BOT.contains(&words.join(" ").as_str())
    {
        return Ok(Command::Help);
    }
    if let Some(said) = small_talk(bare, &words) {
        return Ok(Command::SmallTalk(said));
    }
    let ask = parse_ask(text)?;
    if ask.question.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    Ok(Command::Ask(ask))
}

/// Questions about the bot itself, answered by the help: searched for, "who are you" had no
/// word to look for and "what can you do" none either.
const ABOUT_THE_BOT: &[&str] = &[
    "who are you",
    "what are you",
    "what is this",
    "what is talkwatch",
    "what can you do",
    "what do you do",
    "how do you work",
    "how does this work",
    "how do i use you",
    "how do i use this",
    "what can i ask",
    "what can i ask you",
    "what should i ask",
];

/// The names a command may be typed by, for a mistyped one's "did you mean" (aliases such as
/// `q` and `tl` are too short to tell a typo from).
const COMMAND_NAMES: &[&str] = &[
    "ask", "timeline", "latest", "sources", "stats", "reindex", "leave", "feeds", "watch",
    "unwatch", "watches", "help", "more",
];

/// The command a mistyped name was most likely meant as: "timelin", "lastest", "soruces". One
/// edit (two for a longer name), letters swapped counting as one.
pub fn closest_command(name: &str) -> Option<&'static str> {
    let name = name.to_lowercase();
    if name.chars().count() < 3 {
        return None;
    }
    COMMAND_NAMES
        .iter()
        .map(|c| (strsim::damerau_levenshtein(&name, c), *c))
        .filter(|(d, c)| *d > 0 && *d <= if c.len() >= 6 { 2 } else { 1 })
        .min()
        .map(|(_, c)| c)
}

/// What may be said to the bot instead of a question, lowercased, without punctuation.
const SMALL_TALK: &[(SmallTalk, &[&str])] = &[
    (SmallTalk::Hello, crate::question::GREETINGS),
    (
        SmallTalk::Thanks,
        &[
            "thanks",
            "thank you",
            "thank u",
            "thx",
            "ty",
            "tysm",
            "cheers",
            "many thanks",
            "thanks a lot",
            "thanks so much",
            "thanks again",
            "thank you so much",
            "thank you very much",
            "much appreciated",
            "ok thanks",
            "ok thank you",
            "great thanks",
        ],
    ),
    (
        SmallTalk::Ok,
        &[
            "ok", "okay", "k", "cool", "great", "got it", "i see", "sure", "alright", "lol",
        ],
    ),
    (
        SmallTalk::Bye,
        &[
            "bye",
            "goodbye",
            "good bye",
            "bye bye",
            "good night",
            "see you",
            "see ya",
            "cya",
        ],
    ),
];

/// A message of only these is a nod: "👍", "🙏".
const NODS: &[(SmallTalk, char)] = &[
    (SmallTalk::Ok, '\u{1F44D}'),
    (SmallTalk::Ok, '\u{1F44C}'),
    (SmallTalk::Thanks, '\u{1F64F}'),
];

/// Whether a whole message is small talk rather than a question: "Hi!", "thanks talkwatch",
/// "Thank you :)", "ok", "👍". A search for "thanks" would quote someone thanking mediators,
/// and one for "ok" say that no article mentions it. `words` are the message's
/// [`lowercase_words`], which the caller has already read.
fn small_talk(message: &str, words: &[String]) -> Option<SmallTalk> {
    if words.is_empty() {
        // A skin tone or variation selector is part of the emoji before it.
        let mut nods = message
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_ascii_punctuation() && !is_modifier(*c))
            .map(|c| {
                NODS.iter()
                    .find(|(_, nod)| *nod == c)
                    .map(|(said, _)| *said)
            });
        let first = nods.next()??;
        return nods.all(|n| n == Some(first)).then_some(first);
    }
    let mut said = words;
    while let [rest @ .., last] = said
        && !rest.is_empty()
        && crate::question::ADDRESSEES.contains(&last.as_str())
    {
        said = rest;
    }
    let said = said.join(" ");
    SMALL_TALK
        .iter()
        .find(|(_, phrases)| phrases.contains(&said.as_str()))
        .map(|(kind, _)| *kind)
}

/// A skin-tone modifier or variation selector, which follows an emoji.
fn is_modifier(c: char) -> bool {
    matches!(c, '\u{1F3FB}'..='\u{1F3FF}' | '\u{FE0E}' | '\u{FE0F}')
}

/// A question's words and inline filters; the words may be empty (`latest since:3d`).
pub fn parse_ask(text: &str) -> Result<Ask, ParseError> {
    let mut ask = Ask::default();
    let mut words: Vec<&str> = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let (token, after) = next_token(rest);
        rest = after.trim_start();
        let Some((key, value)) = token.split_once(':') else {
            words.push(token);
            continue;
        };
        // A filter that ends the question leaves its mark out: "What did Ushakov say since:3d?".
        let value = if rest.is_empty() {
            value.trim_end_matches(['?', '!', '.'])
        } else {
            value
        };
        let key_lower = key.to_ascii_lowercase();
        let bad = |expected: &str| ParseError::BadFilter {
            key: key_lower.clone(),
            value: value.chars().take(40).collect(),
            expected: expected.into(),
        };
        match key_lower.as_str() {
            "since" | "until" => {
                let bound = DateBound::parse(value).ok_or_else(|| bad(errors::DATE_EXPECTED))?;
                if key_lower == "since" {
                    ask.since = Some(bound);
                } else {
                    ask.until = Some(bound);
                }
            }
            "source" | "from" => {
                let v = value.trim_matches('"').trim();
                if v.is_empty() {
                    return Err(bad("name a source, e.g. source:\"Example Wire\""));
                }
                ask.source = Some(v.to_string());
            }
            "limit" => {
                ask.limit = Some(
                    value
                        .parse::<usize>()
                        .ok()
                        .filter(|n| *n >= 1)
                        .ok_or_else(|| bad("use a number like 3"))?,
                );
            }
            "passages" => {
                ask.passages_per_article = Some(
                    value
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=10).contains(n))
                        .ok_or_else(|| bad("use a number from 1 to 10"))?,
                );
            }
            _ => words.push(token),
        }
    }
    ask.question = words.join(" ");
    Ok(ask)
}

/// Splits off one whitespace-separated token; `key:"two words"` stays one token.
fn next_token(s: &str) -> (&str, &str) {
    if let Some(colon) = s.find(':') {
        let before_ws = s.find(char::is_whitespace).unwrap_or(s.len());
        if colon < before_ws && s[colon + 1..].starts_with('"') {
            let value_start = colon + 2;
            if let Some(close) = s[value_start..].find('"') {
                let end = value_start + close + 1;
                return (&s[..end], &s[end..]);
            }
        }
    }
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    }
}

/// Where the page after `reply` starts, for a platform that keeps the line that asked for it
/// (`more` in `chat` and Matrix, with [`page_of`]); None when the reply has no further page.
pub fn next_page(reply: &crate::reply::Reply) -> Option<usize> {
    use crate::reply::Reply;
    match reply {
        Reply::Answer(a) if a.more => Some(a.offset + a.hits.len()),
        Reply::Timeline {
            offset,
            items,
            more: true,
            ..
        }
        | Reply::Latest {
            offset,
            items,
            more: true,
            ..
        } => Some(offset + items.len()),
        _ => None,
    }
}

/// Ways of asking for the next page, lowercased, without punctuation.
const MORE: &[&str] = &[
    "more",
    "more please",
    "tell me more",
    "show more",
    "show me more",
    "next",
    "next page",
    "next please",
];

/// Whether `text` (a command without its prefix, or a question) asks for the next page: "more",
/// "tell me more", "next". Searched for, "tell me more" quoted whatever says "more".
pub fn asks_for_more(text: &str) -> bool {
    MORE.contains(&lowercase_words(text).join(" ").as_str())
}

/// A message's words, lowercased, without punctuation or emoji ("Thanks!!" and "'more'" read
/// as "thanks" and "more"), for matching it against a list of what may be said.
fn lowercase_words(message: &str) -> Vec<String> {
    message
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The command a lowercased first word names among those whose replies page, by its own name:
/// `ask` (also `a`, `q`), `timeline` (also `tl`), `latest`. [`parse`] reads the names through
/// it, and a paged line keeps them in this form for [`page_of`].
fn paged_command(lower: &str) -> Option<&'static str> {
    match lower {
        "ask" | "a" | "q" => Some("ask"),
        "timeline" | "tl" => Some("timeline"),
        "latest" => Some("latest"),
        _ => None,
    }
}

/// The line to keep for paging what a command (without its prefix) asked, with the command's
/// own name: `ask X` (or `q X`) pages as the question X (see [`paged_question`]), `tl X` as
/// `timeline X`, any other as itself.
pub fn paged_line(line: &str) -> String {
    let line = line.trim();
    let (first, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    match paged_command(&first.to_lowercase()) {
        Some("ask") => paged_question(rest),
        Some(name) => format!("{name} {}", rest.trim()).trim_end().to_string(),
        None => line.to_string(),
    }
}

/// Whether a kept line starts with a paged command's own name ([`paged_line`] writes them so),
/// which [`page_of`] reads as that command.
fn starts_as_command(line: &str) -> bool {
    let first = line.split_whitespace().next().unwrap_or_default();
    paged_command(first) == Some(first)
}

/// The line to keep for paging a question: the question, or `ask` and the question when it
/// starts as a command would ("timeline of the talks?" asked as a question pages as that
/// question, not as a timeline of "of the talks?").
pub fn paged_question(question: &str) -> String {
    let question = question.trim();
    if starts_as_command(question) {
        format!("ask {question}")
    } else {
        question.to_string()
    }
}

/// The command that shows page `offset` (at most 100) of a paged reply, read back from the line
/// the reply carries: a timeline's or latest list's line starts with its command, an answer's
/// is the question. None when the line no longer reads as one of those.
pub fn page_of(line: &str, offset: usize) -> Option<Command> {
    let parsed = if starts_as_command(line) {
        parse(line)
    } else {
        parse_question(line)
    };
    match parsed.ok()? {
        Command::Ask(mut ask) => {
            ask.offset = offset.min(100);
            Some(Command::Ask(ask))
        }
        Command::Timeline(mut ask) => {
            ask.offset = offset.min(100);
            Some(Command::Timeline(ask))
        }
        Command::Latest(mut ask) => {
            ask.offset = offset.min(100);
            Some(Command::Latest(ask))
        }
        _ => None,
    }
}

/// A date given as `YYYY-MM-DD` for CLI flags.
pub fn parse_date_flag(s: &str) -> Result<DateBound, String> {
    DateBound::parse(s).ok_or_else(|| format!("`{s}` is not a date; {}", errors::DATE_EXPECTED))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(cmd: Command) -> Ask {
        match cmd {
            Command::Ask(a) => a,
            other => panic!("expected ask, got {other:?}"),
        }
    }

    #[test]
    fn a_mistyped_command_has_a_likely_name() {
        for (typed, meant) in [
            ("timelin", "timeline"),
            ("Timeline2", "timeline"),
            ("lastest", "latest"),
            ("soruces", "sources"),
            ("wacth", "watch"),
            ("hlep", "help"),
            ("stat", "stats"),
        ] {
            assert_eq!(closest_command(typed), Some(meant), "{typed}");
        }
        for typed in ["frob", "ak", "timeline", "rss"] {
            assert_eq!(closest_command(typed), None, "{typed}");
        }
    }

    #[test]
    fn commands_parse_case_insensitively() {
        assert_eq!(parse("sources"), Ok(Command::Sources));
        assert_eq!(parse("  STATS "), Ok(Command::Stats));
        assert_eq!(parse("Reindex"), Ok(Command::Reindex));
        assert_eq!(parse("help"), Ok(Command::Help));
        for said in ["help", " Help? ", "?", "commands", "HELP!"] {
            assert_eq!(parse_question(said), Ok(Command::Help), "{said}");
        }
        assert!(matches!(
            parse_question("help for Gaza"),
            Ok(Command::Ask(_))
        ));
        for (said, talk) in [
            ("hello", SmallTalk::Hello),
            ("Hi there!", SmallTalk::Hello),
            ("Good morning, talkwatch", SmallTalk::Hello),
            ("Thanks!", SmallTalk::Thanks),
            ("thank you :)", SmallTalk::Thanks),
            ("Cheers bot", SmallTalk::Thanks),
            ("\u{1F64F}", SmallTalk::Thanks),
            ("ok", SmallTalk::Ok),
            ("\u{1F44D}\u{1F3FD} \u{1F44D}", SmallTalk::Ok),
            ("Bye!", SmallTalk::Bye),
        ] {
            assert_eq!(parse_question(said), Ok(Command::SmallTalk(talk)), "{said}");
        }
        for more in ["more", "More!", "tell me more", "Next page", "next, please"] {
            assert!(asks_for_more(more), "{more}");
        }
        for question in ["more sanctions", "next round", "Tell me more about Ushakov"] {
            assert!(!asks_for_more(question), "{question}");
        }
        // "Nice" is also a city.
        for question in [
            "thanks to Qatar",
            "Hello Kitty",
            "there",
            "talkwatch",
            "Nice",
        ] {
            assert!(
                matches!(parse_question(question), Ok(Command::Ask(_))),
                "{question}"
            );
        }
        assert_eq!(
            ask(parse("ask Is territory negotiable?").unwrap()).question,
            "Is territory negotiable?"
        );
    }

    #[test]
    fn a_filter_ending_the_question_leaves_the_question_mark_out() {
        let a = ask(parse_question("What did Ushakov say since:3d?").unwrap());
        assert_eq!(a.question, "What did Ushakov say");
        assert!(a.since.is_some());
        let a = ask(parse_question("Who spoke source:\"Example Wire\"?").unwrap());
        assert_eq!(a.source.as_deref(), Some("Example Wire"));
        // Inside the question a mark is the value's, and stays an error where it is wrong.
        assert!(parse_question("since:3d? What did Ushakov say").is_err());
        // A time word after the colon is read as the words would be.
        let a = ask(parse_question("What did Ushakov say since:Yesterday?").unwrap());
        assert_eq!(a.question, "What did Ushakov say");
        assert_eq!(a.since, Some(DateBound::Words("yesterday".into())));
    }

    #[test]
    fn bad_commands_are_errors_not_panics() {
        assert_eq!(parse(""), Err(ParseError::Empty));
        assert_eq!(
            parse("frobnicate x"),
            Err(ParseError::UnknownCommand("frobnicate".into()))
        );
        assert_eq!(
            parse("ask"),
            Err(ParseError::MissingQuestion {
                command: "ask".into()
            })
        );
        assert_eq!(
            parse("sources now"),
            Err(ParseError::UnexpectedArguments("sources".into()))
        );
        // Each says what was missing.
        assert_eq!(
            parse("watch").unwrap_err().to_string(),
            "`watch` needs the words to watch for."
        );
        assert_eq!(
            parse("timeline").unwrap_err().to_string(),
            "`timeline` needs a topic."
        );
        assert_eq!(
            parse("ask").unwrap_err().to_string(),
            "`ask` needs a question."
        );
    }

    #[test]
    fn inline_filters_are_taken_out_of_the_question() {
        let a = ask(parse_question(
            "since:2026-11-01 source:\"Example Wire\" limit:5 what did Ushakov say",
        )
        .unwrap());
        assert_eq!(a.question, "what did Ushakov say");
        assert_eq!(a.source.as_deref(), Some("Example Wire"));
        assert_eq!(a.limit, Some(5));
        assert_eq!(
            a.since,
            Some(DateBound::At(
                crate::ingest::parse_date("2026-11-01").unwrap()
            ))
        );
        let b = ask(parse_question("until:2w news from:reuters").unwrap());
        assert_eq!(b.until, Some(DateBound::Ago(Duration::weeks(2))));
        assert_eq!(b.source.as_deref(), Some("reuters"));
        assert_eq!(b.question, "news");
    }

    #[test]
    fn query_syntax_stays_plain_words() {
        for q in [
            "\"unbalanced",
            "AND OR",
            "what?!",
            "🕊️ peace?",
            "title:foo (bar",
            "https://x.example.org/a",
        ] {
            assert_eq!(ask(parse_question(q).unwrap()).question, q);
        }
    }

    #[test]
    fn bad_filters_say_what_is_expected() {
        let e = parse_question("since:banana talks").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`since:banana` is not valid: use a date like 2026-11-01, an age like 10m, 12h, 3d, 2w or 2months, or words like yesterday, monday, november or \"last week\""
        );
        assert!(matches!(
            parse_question("limit:0 x"),
            Err(ParseError::BadFilter { .. })
        ));
        assert!(matches!(
            parse_question("limit:lots x"),
            Err(ParseError::BadFilter { .. })
        ));
        assert_eq!(parse_question("since:3d"), Err(ParseError::Empty));
        // `latest` takes filters without words, and keeps them.
        let Ok(Command::Latest(a)) = parse("latest since:3d source:Wire") else {
            panic!("latest with filters only")
        };
        assert_eq!(
            (a.question.as_str(), a.since, a.source.as_deref()),
            ("", Some(DateBound::Ago(Duration::days(3))), Some("Wire"))
        );
    }

    #[test]
    fn ask_lines_round_trip() {
        let line = ask_line(
            "Is territory negotiable?",
            Some("3d"),
            None,
            Some("Example Wire"),
            Some(5),
        );
        assert_eq!(
            line,
            "since:3d source:\"Example Wire\" limit:5 Is territory negotiable?"
        );
        let a = ask(parse_question(&line).unwrap());
        assert_eq!(a.question, "Is territory negotiable?");
        assert_eq!(a.source.as_deref(), Some("Example Wire"));
        assert_eq!(a.limit, Some(5));
    }

    #[test]
    fn paged_replies_are_read_back_from_their_line() {
        let Some(Command::Timeline(ask)) = page_of("timeline prisoner exchange since:3d", 10)
        else {
            panic!("a timeline line")
        };
        assert_eq!(
            (ask.question.as_str(), ask.offset),
            ("prisoner exchange", 10)
        );
        let Some(Command::Ask(ask)) = page_of("Is territory negotiable?", 500) else {
            panic!("a question line")
        };
        assert_eq!(ask.offset, 100);
        assert_eq!(page_of("  ", 5), None);
        // A question that starts as a command would pages as the question it is.
        for (asked, line) in [
            (
                paged_question("timeline energy truce"),
                "ask timeline energy truce",
            ),
            (
                paged_line("ask latest on the talks"),
                "ask latest on the talks",
            ),
        ] {
            assert_eq!(asked, line);
            let Some(Command::Ask(ask)) = page_of(&asked, 3) else {
                panic!("{asked} pages as a question");
            };
            assert_eq!((ask.question.as_str(), ask.offset), (&line[4..], 3));
        }
        assert_eq!(
            paged_question(" Is territory negotiable? "),
            "Is territory negotiable?"
        );
        // A command's short or capitalised name pages as that command.
        assert_eq!(paged_line("tl talks since:3d"), "timeline talks since:3d");
        assert_eq!(paged_line("Timeline talks"), "timeline talks");
        // Only the own names read as commands: a question starting "A" or "Timeline" stays as
        // it is.
        assert_eq!(paged_question("A deal at last?"), "A deal at last?");
        assert_eq!(
            paged_question("Timeline of the talks?"),
            "Timeline of the talks?"
        );
        let Some(Command::Ask(ask)) = page_of(&paged_line("q Is territory negotiable?"), 3) else {
            panic!("q pages as ask");
        };
        assert_eq!(ask.question, "Is territory negotiable?");
    }

    #[test]
    fn date_bounds() {
        assert_eq!(
            DateBound::parse("3d"),
            Some(DateBound::Ago(Duration::days(3)))
        );
        assert_eq!(
            DateBound::parse("12h"),
            Some(DateBound::Ago(Duration::hours(12)))
        );
        assert_eq!(DateBound::parse("d"), None);
        assert_eq!(DateBound::parse("99999999d"), None);
        assert_eq!(DateBound::parse("banana"), None);
        // Time words that name one range, in any case, spaces collapsed, hyphens as spaces.
        for words in [
            "yesterday",
            "Today",
            "monday",
            "November",
            "last  week",
            "last-week",
            "this_week",
            "3 Nov",
        ] {
            assert!(
                matches!(DateBound::parse(words), Some(DateBound::Words(_))),
                "{words}"
            );
        }
        // Words with anything else in them are no range.
        assert_eq!(DateBound::parse("yesterday talks"), None);
        assert_eq!(DateBound::parse("the week"), None);
    }

    #[test]
    fn time_word_bounds_resolve_to_the_range_they_name() {
        // Thursday 26 Nov 2026, 09:00 UTC.
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap();
        // The first and the last second of a day of 2026.
        let start = |m, d| Utc.with_ymd_and_hms(2026, m, d, 0, 0, 0).unwrap();
        let end = |m, d| Utc.with_ymd_and_hms(2026, m, d, 23, 59, 59).unwrap();
        let words = |w: &str| DateBound::parse(w).unwrap();
        // (words, where `since` starts, where `until` ends)
        let table = [
            ("yesterday", start(11, 25), end(11, 25)),
            ("monday", start(11, 23), end(11, 23)),
            ("october", start(10, 1), end(10, 31)),
            ("last week", start(11, 16), end(11, 22)),
            // A range still running ends now.
            ("today", start(11, 26), now),
        ];
        for (w, since, until) in table {
            assert_eq!(words(w).since(now, &Utc), since, "since:{w}");
            assert_eq!(words(w).until(now, &Utc), until, "until:{w}");
        }
        // In the chat's time zone: Monday begins at local midnight.
        let tz = chrono::FixedOffset::east_opt(3 * 3600).unwrap();
        assert_eq!(
            words("monday").since(now, &tz),
            Utc.with_ymd_and_hms(2026, 11, 22, 21, 0, 0).unwrap()
        );
    }
}
