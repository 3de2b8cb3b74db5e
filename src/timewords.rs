//! Time in the words of a question: "yesterday", "since Monday", "in October" become a date
//! range (the same meaning as `since:`/`until:`), and "latest", "still", "yet" or "first",
//! "originally" say whether the asker wants the current state or the start of a story.
//!
//! Pure functions of the question, the current instant and the time zone. Date parsing crates
//! (chrono-english, interim) read a string that *is* a date; here the phrase has to be found
//! inside a sentence and turned into a range (a month, a weekend), and a month name only counts
//! after "in", "on", "since" or with a day number ("May" the name, "march" the verb stay words).

use std::ops::Range;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};

/// What a question says about time beyond its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    None,
    /// "latest", "now", "still", "so far", "yet", "currently", "in the end": the current state.
    Current,
    /// "first", "initially", "originally": how it started.
    Start,
}

/// Words asking for the current state, or the final one ("end up", "eventually"). They are taken
/// out of the search words: an article saying Washington "has yet to comment" is the stale
/// answer to "Has Washington commented yet?".
const CURRENT: &[&str] = &[
    "latest",
    // "What's new on the energy truce?": searched for, "new" quoted "the new timing".
    "what s new",
    "whats new",
    "what is new",
    "anything new",
    "most recent",
    "right now",
    "now",
    "still",
    "so far",
    "yet",
    "currently",
    "at the moment",
    "as of today",
    "end up",
    "ended up",
    "in the end",
    "eventually",
    "finally",
    "ultimately",
    // "What is the current status of the Riyadh talks?": searched for, "status" found the
    // "status of the regions" Russia claims.
    "what is the status of",
    "what s the status of",
    "whats the status of",
    "current status",
    "current state",
    "state of play",
];
/// Words asking for the start, taken out of the search words.
const START: &[&str] = &["initially", "originally", "at first", "in the beginning"];
/// A start word that stays in the search where it is an adjective ("the first round" is about a
/// round, see [`DETERMINERS`]) and is taken out where it is an adverb ("What did Castavia first
/// put on the table?": searched for, it found every article saying "first").
const START_KEPT: &[&str] = &["first"];
/// Words before "first" that make it an adjective ("the first round", "its first weekend",
/// "Toshak's first game"): then it names what is asked about and stays a search word.
const DETERMINERS: &[&str] = &[
    "the", "a", "an", "its", "his", "her", "their", "our", "your", "my", "this", "that", "s",
];
/// First words of a question asking whether something has happened by now ("Has Washington
/// commented?", "Have the envoys left Moscow?"): the current state, as "yet" asks for it. They
/// stay in the question (they are no search words).
const HAS_IT_HAPPENED: &[&str] = &["has", "have"];
/// Words of a question about what is still to come: there "first" is about that event ("When
/// will the commission first meet?"), not about how the story started.
const FUTURE: &[&str] = &["will", "shall", "going to", "due to", "expected to"];

/// The question's cue and the question without its cue words.
pub fn recency_cue(question: &str) -> (Cue, String) {
    let mut cue = Cue::None;
    let mut text = question.to_string();
    // The words are found once, and again only after a phrase is taken out.
    let mut words = word_ranges(&text);
    for (list, kind, strip) in [
        (CURRENT, Cue::Current, true),
        (START, Cue::Start, true),
        (START_KEPT, Cue::Start, false),
    ] {
        if kind == Cue::Start
            && !strip
            && FUTURE
                .iter()
                .any(|f| find_phrase(&text, &words, f).is_some())
        {
            continue;
        }
        for phrase in list {
            // Words before `from` are kept adjectives: the search goes on after them, and taking
            // out a later word leaves their places as they are.
            let mut from = 0;
            while let Some((i, at)) = find_phrase(&text, &words[from..], phrase) {
                let i = from + i;
                if cue == Cue::None {
                    cue = kind;
                }
                if !strip {
                    let adjective = i.checked_sub(1).is_some_and(|p| {
                        DETERMINERS
                            .iter()
                            .any(|d| text[words[p].clone()].eq_ignore_ascii_case(d))
                    });
                    if adjective {
                        from = i + 1;
                        continue;
                    }
                }
                text.replace_range(at, " ");
                words = word_ranges(&text);
            }
        }
    }
    if cue == Cue::None {
        // Nothing was taken out, so `words` are the question's own ('"Has …' counts too).
        let word = |i: Option<&Range<usize>>| i.map_or("", |r| &question[r.clone()]);
        let first = word(words.first());
        // "How are the Nile talks going?" asks how things stand now.
        let how_going = first.eq_ignore_ascii_case("how")
            && ["is", "are"]
                .iter()
                .any(|w| word(words.get(1)).eq_ignore_ascii_case(w))
            && word(words.last()).eq_ignore_ascii_case("going");
        if how_going
            || HAS_IT_HAPPENED
                .iter()
                .any(|w| first.eq_ignore_ascii_case(w))
        {
            cue = Cue::Current;
        }
        return (cue, question.to_string());
    }
    (cue, crate::text::collapse_ws(&text))
}

/// A date range taken from a question's words, as the reply states it.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub since: DateTime<Utc>,
    /// Exclusive end; `None`: up to now.
    pub until: Option<DateTime<Utc>>,
    /// The words as they were understood, e.g. "yesterday (3 Dec)", "since Monday 30 Nov",
    /// "in October 2026".
    pub label: String,
}

/// A time phrase found: how many words it spans, the range it names (end exclusive), its label.
type Found = (usize, DateTime<Utc>, Option<DateTime<Utc>>, String);

/// Time words given as a `since`/`until` value ("since:yesterday", `--until monday`, Discord's
/// `since` option "last week"): the range they name, when they name one and nothing else. Read
/// as written ("yesterday", "last week", "since monday"), then as a day ("monday", "3 nov") and
/// as a month ("november").
pub fn filter_span<Tz: TimeZone>(value: &str, now: DateTime<Utc>, tz: &Tz) -> Option<Span> {
    ["", "on ", "in "].iter().find_map(|prefix| {
        let (span, rest) = date_phrase(&format!("{prefix}{value}"), now, tz)?;
        rest.trim().is_empty().then_some(span)
    })
}

/// Finds the first time phrase of `question` in `tz` at `now`. Returns the range and the
/// question without the phrase.
pub fn date_phrase<Tz: TimeZone>(
    question: &str,
    now: DateTime<Utc>,
    tz: &Tz,
) -> Option<(Span, String)> {
    let local_now = now.with_timezone(tz);
    let today = local_now.date_naive();
    let start = |d: NaiveDate| -> DateTime<Utc> {
        tz.from_local_datetime(&d.and_time(NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN)))
    };
    let words = words_of(question);
    let lower: Vec<String> = words.iter().map(|(_, w)| w.to_lowercase()).collect();
    let day_span = |d: NaiveDate| (start(d), Some(start(d + Days::new(1))));
    for i in 0..lower.len() {
        let w = |k: usize| lower.get(i + k).map(String::as_str).unwrap_or("");
        let found: Option<Found> = match w(0) {
            "today" => Some((1, start(today), None, format!("today ({})", short(today)))),
            "yesterday" => {
                let d = today - Days::new(1);
                let (a, b) = day_span(d);
                Some((1, a, b, format!("yesterday ({})", short(d))))
            }
            "tonight" | "this" if w(0) == "tonight" || w(1) == "morning" => {
                let n = if w(0) == "tonight" { 1 } else { 2 };
                Some((n, start(today), None, format!("today ({})", short(today))))
            }
            "this" | "last" | "past" if matches!(w(1), "week" | "month" | "weekend") => {
                let monday = today - Days::new(today.weekday().num_days_from_monday() as u64);
                let first = today.with_day(1).unwrap_or(today);
                let (a, b, label) = match (w(0), w(1)) {
                    ("this", "week") => (
                        start(monday),
                        None,
                        format!("this week (since {})", weekday_date(monday)),
                    ),
                    ("this", "month") => (
                        start(first),
                        None,
                        format!("this month ({})", month_year(first)),
                    ),
                    ("this", "weekend") | ("last" | "past", "weekend") => {
                        let (sat, end) = weekend(today);
                        (
                            start(sat),
                            Some(start(end)),
                            format!(
                                "over the weekend ({} – {})",
                                short(sat),
                                short(sat + Days::new(1))
                            ),
                        )
                    }
                    ("past", "week") => {
                        let d = today - Days::new(7);
                        (
                            start(d),
                            None,
                            format!("the past week (since {})", short(d)),
                        )
                    }
                    ("last", "week") => {
                        let m = monday - Days::new(7);
                        (
                            start(m),
                            Some(start(monday)),
                            format!(
                                "last week ({} – {})",
                                short(m),
                                short(monday - Days::new(1))
                            ),
                        )
                    }
                    _ => {
                        // last / past month: the previous calendar month
                        let m = first - Months::new(1);
                        (
                            start(m),
                            Some(start(first)),
                            format!("last month ({})", month_year(m)),
                        )
                    }
                };
                Some((2, a, b, label))
            }
            "over" | "at" | "during" if w(1) == "the" && w(2) == "weekend" => {
                let (sat, end) = weekend(today);
                Some((
                    3,
                    start(sat),
                    Some(start(end)),
                    format!(
                        "over the weekend ({} – {})",
                        short(sat),
                        short(sat + Days::new(1))
                    ),
                ))
            }
            "since" => {
                if w(1) == "yesterday" {
                    let d = today - Days::new(1);
                    Some((2, start(d), None, format!("since yesterday ({})", short(d))))
                } else if let Some(day) = weekday(w(1)) {
                    let d = last_weekday(today, day);
                    Some((2, start(d), None, format!("since {}", weekday_date(d))))
                } else if let Some((n, d)) = calendar_date(&lower[i + 1..], today) {
                    Some((
                        1 + n,
                        start(d),
                        None,
                        format!("since {}", short_year(d, today)),
                    ))
                } else if let Some((n, first)) = month(&lower[i + 1..], today) {
                    Some((
                        1 + n,
                        start(first),
                        None,
                        format!("since {}", month_year(first)),
                    ))
                } else {
                    None
                }
            }
            "on" => {
                if let Some(day) = weekday(w(1)) {
                    let d = last_weekday(today, day);
                    let (a, b) = day_span(d);
                    Some((2, a, b, format!("on {}", weekday_date(d))))
                } else if let Some((n, d)) = calendar_date(&lower[i + 1..], today) {
                    let (a, b) = day_span(d);
                    Some((1 + n, a, b, format!("on {}", short_year(d, today))))
                } else {
                    None
                }
            }
            "in" => month(&lower[i + 1..], today).map(|(n, first)| {
                let next = first + Months::new(1);
                (
                    1 + n,
                    start(first),
                    Some(start(next)),
                    format!("in {}", month_year(first)),
                )
            }),
            _ => None,
        };
        if let Some((n, since, until, label)) = found {
            let from = words[i].0.start;
            let to = words[i + n - 1].0.end;
            let mut rest = question.to_string();
            rest.replace_range(from..to, " ");
            // The rest is shown ("Nothing about “What did Veltra say?” last week"): no space
            // left before the closing mark.
            let mut rest = crate::text::collapse_ws(&rest);
            for mark in ['?', '!', '.', ','] {
                rest = rest.replace(&format!(" {mark}"), &mark.to_string());
            }
            return Some((
                Span {
                    since,
                    until,
                    label,
                },
                rest,
            ));
        }
    }
    None
}

/// Whether a question (its time phrase and cue words taken out) asks only what is new: "What is
/// the latest news?", "What happened?", "Anything new?".
pub fn asks_what_is_new(rest: &str, hinted: bool) -> bool {
    const FILLER: &[&str] = &[
        "what",
        "whats",
        "what's",
        "is",
        "are",
        "the",
        "news",
        "new",
        "happened",
        "happening",
        "has",
        "have",
        "any",
        "anything",
        "there",
        "been",
        "developments",
        "development",
        "updates",
        "update",
        "going",
        "on",
        "tell",
        "me",
        "us",
        "give",
        "show",
        "of",
        "in",
        "headlines",
        "stories",
        "story",
        "did",
        "do",
        "we",
        "know",
        "about",
        "talks",
        "s",
    ];
    let words: Vec<String> = rest
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect();
    // Filler alone ("what?!") asks nothing; it asks for news once a word says so or a time word
    // or "latest" was taken out ("What happened yesterday?", "Latest?").
    const NEWS: &[&str] = &[
        "news",
        "new",
        "happened",
        "happening",
        "developments",
        "development",
        "updates",
        "update",
        "headlines",
        "stories",
        "story",
        "going",
    ];
    words.iter().all(|w| FILLER.contains(&w.as_str()))
        && (hinted || words.iter().any(|w| NEWS.contains(&w.as_str())))
}

/// Byte ranges and text of the words of `s` (letters, digits; "21st" is one word).
fn words_of(s: &str) -> Vec<(Range<usize>, &str)> {
    word_ranges(s)
        .into_iter()
        .map(|r| (r.clone(), &s[r]))
        .collect()
}

/// Byte ranges of the words (runs of letters and digits) of `s`.
fn word_ranges(s: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(b) = start.take() {
            out.push(b..i);
        }
    }
    if let Some(b) = start {
        out.push(b..s.len());
    }
    out
}

/// Where `phrase` (lowercase words, one space apart) stands in `text`, whose `words` are given,
/// as whole words, case-insensitively: the index of its first word and its byte range.
fn find_phrase(text: &str, words: &[Range<usize>], phrase: &str) -> Option<(usize, Range<usize>)> {
    let n = phrase.split(' ').count();
    let first = phrase.split(' ').next()?.as_bytes();
    let word = |w: &Range<usize>| &text.as_bytes()[w.clone()];
    (0..words.len()).find_map(|i| {
        // Most words are not the phrase's first: turned away before its other words are split.
        if !word(&words[i]).eq_ignore_ascii_case(first) {
            return None;
        }
        let slice = words.get(i..i + n)?;
        slice
            .iter()
            .zip(phrase.split(' '))
            .all(|(w, p)| word(w).eq_ignore_ascii_case(p.as_bytes()))
            .then(|| (i, slice[0].start..slice[n - 1].end))
    })
}

fn weekday(w: &str) -> Option<Weekday> {
    Some(match w {
        "monday" => Weekday::Mon,
        "tuesday" => Weekday::Tue,
        "wednesday" => Weekday::Wed,
        "thursday" => Weekday::Thu,
        "friday" => Weekday::Fri,
        "saturday" => Weekday::Sat,
        "sunday" => Weekday::Sun,
        _ => return None,
    })
}

/// Whether `w` (in any case) names a weekday or a month, or is a month's short form ("Sept",
/// "Nov"), as a report's date words do.
pub(crate) fn is_calendar_word(w: &str) -> bool {
    // "wednesday" and "september" are the longest; the word is lowered on the stack, since
    // this runs for every capitalised word a quote is checked for.
    let mut buf = [0u8; 9];
    let Some(lower) = buf.get_mut(..w.len()) else {
        return false;
    };
    lower.copy_from_slice(w.as_bytes());
    lower.make_ascii_lowercase();
    std::str::from_utf8(lower).is_ok_and(|w| weekday(w).is_some() || month_number(w).is_some())
}

/// The most recent `day` up to and including `today`.
fn last_weekday(today: NaiveDate, day: Weekday) -> NaiveDate {
    let back = (7 + today.weekday().num_days_from_monday() - day.num_days_from_monday()) % 7;
    today - Days::new(back as u64)
}

/// The most recent weekend: its Saturday and the Monday after it (today's, on a weekend day).
fn weekend(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let sat = last_weekday(today, Weekday::Sat);
    (sat, sat + Days::new(2))
}

/// A month's number from its name or its three-letter (or "sept") abbreviation, lower case.
pub(crate) fn month_number(w: &str) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    NAMES
        .iter()
        .position(|m| *m == w || (w.len() == 3 && m.starts_with(w) && w != "may"))
        .or_else(|| (w == "sept").then_some(8))
        .map(|i| i as u32 + 1)
}

fn year(w: &str) -> Option<i32> {
    w.parse::<i32>().ok().filter(|y| (1990..=2100).contains(y))
}

/// A month (with an optional year) at the start of `words`: its first day and how many words it
/// took. Without a year, the latest such month not after `today`.
fn month(words: &[String], today: NaiveDate) -> Option<(usize, NaiveDate)> {
    let m = month_number(words.first()?)?;
    let (n, y) = match words.get(1).and_then(|w| year(w)) {
        Some(y) => (2, y),
        None if m > today.month() => (1, today.year() - 1),
        None => (1, today.year()),
    };
    Some((n, NaiveDate::from_ymd_opt(y, m, 1)?))
}

/// "21 October", "October 21", "21st of October", with an optional year; without one, the
/// latest such day not after `today`.
fn calendar_date(words: &[String], today: NaiveDate) -> Option<(usize, NaiveDate)> {
    let day = day_number;
    let first = words.first()?;
    let (n, d, m) = if let Some(d) = day(first) {
        let of = usize::from(words.get(1).is_some_and(|w| w == "of"));
        (2 + of, d, month_number(words.get(1 + of)?)?)
    } else {
        let m = month_number(first)?;
        (2, day(words.get(1)?)?, m)
    };
    let (n, y) = match words.get(n).and_then(|w| year(w)) {
        Some(y) => (n + 1, y),
        None => {
            let this = NaiveDate::from_ymd_opt(today.year(), m, d)?;
            (
                n,
                if this > today {
                    today.year() - 1
                } else {
                    today.year()
                },
            )
        }
    };
    Some((n, NaiveDate::from_ymd_opt(y, m, d)?))
}

/// "21", "21st", "3rd": a day of a month (1 to 31).
fn day_number(w: &str) -> Option<u32> {
    let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &w[digits.len()..];
    if !matches!(suffix, "" | "st" | "nd" | "rd" | "th") {
        return None;
    }
    digits.parse::<u32>().ok().filter(|d| (1..=31).contains(d))
}

/// A day and month that name no day in any year ("31 February", "April 31st"), as written: a
/// clear error for the asker instead of a search for the words.
pub fn impossible_date(question: &str) -> Option<String> {
    let words = words_of(question);
    let lower: Vec<String> = words.iter().map(|(_, w)| w.to_lowercase()).collect();
    (0..lower.len()).find_map(|i| {
        let w = |k: usize| lower.get(i + k).map(String::as_str).unwrap_or("");
        let (n, d, m) = if let Some(d) = day_number(w(0)) {
            let of = usize::from(w(1) == "of");
            (2 + of, d, month_number(w(1 + of))?)
        } else {
            (2, day_number(w(1))?, month_number(w(0))?)
        };
        // 2024 is a leap year: only days that never exist are refused.
        NaiveDate::from_ymd_opt(2024, m, d)
            .is_none()
            .then(|| question[words[i].0.start..words[i + n - 1].0.end].to_string())
    })
}

fn short(d: NaiveDate) -> String {
    d.format("%-d %b").to_string()
}

fn short_year(d: NaiveDate, today: NaiveDate) -> String {
    if d.year() == today.year() {
        short(d)
    } else {
        d.format("%-d %b %Y").to_string()
    }
}

fn weekday_date(d: NaiveDate) -> String {
    d.format("%A %-d %b").to_string()
}

fn month_year(d: NaiveDate) -> String {
    d.format("%B %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Friday 4 December 2026, 12:00 UTC.
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap()
    }

    fn span(q: &str) -> Option<(String, String, Option<String>, String)> {
        let (s, rest) = date_phrase(q, now(), &Utc)?;
        Some((
            s.label,
            s.since.format("%F %R").to_string(),
            s.until.map(|u| u.format("%F %R").to_string()),
            rest,
        ))
    }

    fn range(q: &str) -> (String, Option<String>) {
        let (_, since, until, _) = span(q).unwrap_or_else(|| panic!("no date in {q:?}"));
        (since, until)
    }

    #[test]
    fn each_form_becomes_a_range_and_leaves_the_question() {
        assert_eq!(
            span("What happened yesterday?").unwrap(),
            (
                "yesterday (3 Dec)".into(),
                "2026-12-03 00:00".into(),
                Some("2026-12-04 00:00".into()),
                "What happened?".into()
            )
        );
        assert_eq!(range("talks today"), ("2026-12-04 00:00".into(), None));
        assert_eq!(range("talks this week"), ("2026-11-30 00:00".into(), None));
        assert_eq!(
            range("talks last week"),
            ("2026-11-23 00:00".into(), Some("2026-11-30 00:00".into()))
        );
        assert_eq!(
            span("What did Peskov say since Monday?").unwrap().0,
            "since Monday 30 Nov"
        );
        assert_eq!(
            range("Any word from Riyadh in October?"),
            ("2026-10-01 00:00".into(), Some("2026-11-01 00:00".into()))
        );
        assert_eq!(
            range("What was agreed on 21 October?"),
            ("2026-10-21 00:00".into(), Some("2026-10-22 00:00".into()))
        );
        assert_eq!(
            range("What was agreed on October 21st?"),
            ("2026-10-21 00:00".into(), Some("2026-10-22 00:00".into()))
        );
        assert_eq!(
            range("Who met over the weekend?"),
            ("2026-11-28 00:00".into(), Some("2026-11-30 00:00".into()))
        );
        assert_eq!(span("Who met over the weekend?").unwrap().3, "Who met?");
        // A month later in the year than now is last year's.
        assert_eq!(
            range("the summit in December"),
            ("2026-12-01 00:00".into(), Some("2027-01-01 00:00".into()))
        );
        assert_eq!(
            range("the summit in March"),
            ("2026-03-01 00:00".into(), Some("2026-04-01 00:00".into()))
        );
        assert_eq!(
            range("since 25 Nov tariffs"),
            ("2026-11-25 00:00".into(), None)
        );
    }

    #[test]
    fn days_that_never_exist_are_named() {
        assert_eq!(
            impossible_date("What was agreed on 31 February?").as_deref(),
            Some("31 February")
        );
        assert_eq!(
            impossible_date("talks on April 31st").as_deref(),
            Some("April 31st")
        );
        assert_eq!(impossible_date("talks on 29 February"), None);
        assert_eq!(impossible_date("What did Theresa May say?"), None);
        assert_eq!(impossible_date("the 24/7 hotline and 45 March"), None);
    }

    #[test]
    fn names_and_verbs_are_not_dates() {
        assert_eq!(span("What did Theresa May say about Brexit?"), None);
        assert_eq!(span("May Ushakov attend the talks?"), None);
        assert_eq!(span("Will farmers march on the capital?"), None);
        assert_eq!(span("Why did the protesters march?"), None);
        assert_eq!(span("What was said on the record?"), None);
        assert_eq!(span("Is territory in play?"), None);
    }

    #[test]
    fn the_time_zone_sets_the_day() {
        // 23:30 UTC on 3 Dec is already 4 Dec in Kyiv (UTC+2).
        let late = Utc.with_ymd_and_hms(2026, 12, 3, 23, 30, 0).unwrap();
        let kyiv = chrono::FixedOffset::east_opt(2 * 3600).unwrap();
        let (s, _) = date_phrase("news today", late, &kyiv).unwrap();
        assert_eq!(s.label, "today (4 Dec)");
        assert_eq!(
            s.since,
            Utc.with_ymd_and_hms(2026, 12, 3, 22, 0, 0).unwrap()
        );
    }

    #[test]
    fn cues_ask_for_the_current_state_or_the_start() {
        assert_eq!(
            recency_cue("Has Washington commented yet?"),
            (Cue::Current, "Has Washington commented ?".into())
        );
        assert_eq!(
            recency_cue("What is the latest on the summit date?"),
            (Cue::Current, "What is the on the summit date?".into())
        );
        assert_eq!(
            recency_cue("What's new on the energy truce?"),
            (Cue::Current, "on the energy truce?".into())
        );
        assert_eq!(
            recency_cue("Anything new about Riyadh?"),
            (Cue::Current, "about Riyadh?".into())
        );
        assert_eq!(
            recency_cue("What is the current status of the Riyadh talks?"),
            (Cue::Current, "What is the of the Riyadh talks?".into())
        );
        assert_eq!(
            recency_cue("How are the Nile talks going?"),
            (Cue::Current, "How are the Nile talks going?".into())
        );
        assert_eq!(recency_cue("How is Ushakov going to respond?").0, Cue::None);
        // "new" naming what is asked about stays.
        assert_eq!(
            recency_cue("What new sanctions did the EU impose?").0,
            Cue::None
        );
        assert_eq!(
            recency_cue("Where do the talks stand so far").0,
            Cue::Current
        );
        // The final state is the current one.
        assert_eq!(
            recency_cue("Where did the summit end up taking place?"),
            (Cue::Current, "Where did the summit taking place?".into())
        );
        assert_eq!(
            recency_cue("Were the journalists freed in the end?").0,
            Cue::Current
        );
        assert_eq!(
            recency_cue("Where was the summit originally planned?"),
            (Cue::Start, "Where was the summit planned?".into())
        );
        assert_eq!(
            recency_cue("When was the first round?"),
            (Cue::Start, "When was the first round?".into())
        );
        // "First" as an adverb asks for the start and is no search word; after "the", "its" or
        // a possessive it names what is asked about.
        assert_eq!(
            recency_cue("What dairy quota did Castavia first put on the table?"),
            (
                Cue::Start,
                "What dairy quota did Castavia put on the table?".into()
            )
        );
        assert_eq!(
            recency_cue("Which country chairs the commission first?"),
            (Cue::Start, "Which country chairs the commission ?".into())
        );
        assert_eq!(
            recency_cue("What did Toshak's first game bring?").1,
            "What did Toshak's first game bring?"
        );
        // An adjective keeps its "first"; an adverb later in the same question is still a cue.
        assert_eq!(
            recency_cue("What did the first envoy first say?"),
            (Cue::Start, "What did the first envoy say?".into())
        );
        assert_eq!(
            recency_cue("Is territory negotiable?"),
            (Cue::None, "Is territory negotiable?".into())
        );
        // Whether something has happened is asked about now.
        assert_eq!(
            recency_cue("Has Washington commented?"),
            (Cue::Current, "Has Washington commented?".into())
        );
        assert_eq!(recency_cue("Have the envoys left?").0, Cue::Current);
        assert_eq!(recency_cue("\"Has Kyiv replied?\"").0, Cue::Current);
        assert_eq!(recency_cue("What has Kyiv said?").0, Cue::None);
        // Inside a word is no cue.
        assert_eq!(recency_cue("a snowstorm and yetis").0, Cue::None);
        // "First" about an event still to come is no question about the start.
        assert_eq!(
            recency_cue("When will the joint river commission first meet?").0,
            Cue::None
        );
        assert_eq!(
            recency_cue("What did Belmora first say about the contacts?").0,
            Cue::Start
        );
    }

    #[test]
    fn questions_about_what_is_new() {
        assert!(asks_what_is_new("What is the news?", false));
        assert!(asks_what_is_new("What happened ?", false));
        assert!(asks_what_is_new("Anything new", false));
        assert!(asks_what_is_new("What is the ?", true));
        assert!(!asks_what_is_new("what?!", false));
        assert!(!asks_what_is_new("What happened in Riyadh?", false));
        assert!(!asks_what_is_new("Is territory negotiable?", true));
    }

    #[test]
    fn calendar_words_are_known_in_any_case_and_short_form() {
        for w in ["Sept", "sep", "NOV", "Wednesday", "september", "May"] {
            assert!(is_calendar_word(w), "{w}");
        }
        for w in ["Septembers", "Mayor", "Serre", "", "Überweisung"] {
            assert!(!is_calendar_word(w), "{w}");
        }
    }
}
