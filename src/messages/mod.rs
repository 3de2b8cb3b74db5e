//! Every sentence talkwatch says to a person lives here, so wording is reviewed in one place
//! (and snapshot-tested). Adapters take these strings and only add platform markup.

pub mod cli;
pub mod discord;
pub mod errors;

use chrono::{DateTime, Utc};

use crate::ingest::Failure;
use crate::reply::{
    Answer, DropFilter, Hint, Hit, Newer, NotFoundReason, RangeNote, Reply, SmallTalk, Stats,
};
use crate::search::RebuildReport;
use crate::store::{FeedRecord, SourceSummary};

/// How commands are written on a platform: `!ask` in Matrix and the terminal, `/ask` on Discord;
/// and how a reply with a further page says how to see it.
#[derive(Debug, Clone, Copy)]
pub struct Syntax<'a> {
    pub prefix: &'a str,
    pub paging: Paging,
}

/// How the next page of an answer or list is asked for on a platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// Asking again with a higher `limit:` (Discord also has a More button).
    Limit,
    /// `!more`: the platform keeps the last paged line (`chat`, Matrix).
    More,
    /// A one-shot command line: `--offset`.
    Flag,
}

impl Syntax<'_> {
    /// Whether commands are run on the command line (the prefix is the program's name), not
    /// sent in a chat.
    fn on_command_line(&self) -> bool {
        self.paging == Paging::Flag
    }

    /// A command as the user types it: `!sources` in a room, `` `talkwatch sources` `` on the
    /// command line.
    pub fn cmd(&self, name: &str) -> String {
        if self.on_command_line() {
            format!("`{}{}`", self.prefix, name)
        } else {
            format!("{}{}", self.prefix, name)
        }
    }

    /// A command with its words, as an example to type: `!ask Is territory negotiable?`, or
    /// `` `talkwatch ask "Is territory negotiable?"` `` on the command line.
    fn example(&self, name: &str, words: &str) -> String {
        if self.on_command_line() {
            format!("`{}{name} \"{words}\"`", self.prefix)
        } else {
            format!("{}{name} {words}", self.prefix)
        }
    }

    /// How a command is given: sent in a chat, run on the command line.
    fn give(&self) -> &'static str {
        if self.on_command_line() {
            "Run"
        } else {
            "Send"
        }
    }
}

pub fn help(syntax: Syntax<'_>) -> String {
    let c = |n: &str| syntax.cmd(n);
    format!(
        "talkwatch answers questions about ongoing talks with quotes from the news it has read.\n\
         \n\
         {ask} <question> — best matching passages, with links, the newest first among equals. Example: {ask} What did Ushakov say about the proposals?\n\
         {timeline} <topic> — how a topic developed, one line per report, oldest first. Example: {timeline} prisoner exchange (or ask “How did the prisoner exchange evolve?”)\n\
         {latest} — the newest developments, one per report (also: {latest} <words>, or ask “What happened yesterday?”)\n\
         {sources} — the news sources I have read, with their newest article\n\
         {stats} — how many articles and passages I know\n\
         {help} — this help\n\
         {more}{reindex} — rebuild the search index (admins only)\n\
         {leave} — make me leave this room or channel (admins only)\n\
         {feeds} — the news feeds I poll and their health (admins only)\n\
         {watch} <words> — tell this room when a new article mentions all these words; {unwatch} <words> stops it, {watches} lists them\n\
         \n\
         Filters you can add to a question: since:2026-11-01, since:3d or since:monday, until:2026-11-20, source:\"Example Wire\", limit:5, passages:2 (several quotes per article). Time words work too: today, yesterday, this week, last week, since Monday, in October, on 21 October, over the weekend; and a source by name: “What does Example Wire say about Riyadh?”.",
        ask = c("ask"),
        timeline = c("timeline"),
        latest = c("latest"),
        sources = c("sources"),
        stats = c("stats"),
        help = c("help"),
        reindex = c("reindex"),
        leave = c("leave"),
        feeds = c("feeds"),
        watch = c("watch"),
        unwatch = c("unwatch"),
        watches = c("watches"),
        more = if syntax.paging == Paging::More {
            format!("{} — the next page of the last answer or list\n", c("more"))
        } else {
            String::new()
        },
    )
}

/// "20 Nov 2026", or "20 Nov 2026 (date unknown, file time)" when estimated.
pub fn date(d: DateTime<Utc>, estimated: bool) -> String {
    let s = d.format("%-d %b %Y").to_string();
    if estimated {
        format!("{s} (no date in the article; file or fetch time)")
    } else {
        s
    }
}

/// The passage as one line of text (paragraph breaks become spaces).
pub fn passage_line(passage: &str) -> String {
    crate::text::collapse_ws(passage)
}

pub fn reply_truncated() -> String {
    "(Cut here: the full reply is too long for one message. Ask with a smaller limit: or a narrower question.)".into()
}

/// "Title — Source, 20 Nov 2026"
pub fn citation(hit: &Hit) -> String {
    format!(
        "{} — {}, {}",
        hit.title,
        hit.source,
        date(hit.published, hit.published_estimated)
    )
}

/// "“a”, “b” or “c”": the words of a question or topic that no article holds, as the reply
/// names them; `None` when there are none.
fn unread(words: &[String]) -> Option<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("“{w}”")).collect();
    match quoted.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [rest @ .., last] => Some(format!("{} or {last}", rest.join(", "))),
    }
}

/// What the search did with the question's words, when it did not find them all as asked: the
/// close spellings it searched for, the words no article holds; one line each.
pub fn search_notes(answer: &Answer) -> Vec<String> {
    let mut notes = Vec::new();
    if !answer.corrections.is_empty() {
        let list: Vec<String> = answer
            .corrections
            .iter()
            .map(|(from, to)| format!("“{from}” → “{to}”"))
            .collect();
        notes.push(format!(
            "(Searched for close spellings: {}.)",
            list.join(", ")
        ));
    }
    if let Some(u) = unread(&answer.unknown) {
        notes.push(format!(
            "(No article I have read mentions {u}; these match the rest of the question.)"
        ));
    }
    if let Some(source) = &answer.source_unmatched {
        notes.push(format!(
            "(Nothing from {source} matches the rest of the question; these come from other sources.)"
        ));
    }
    notes
}

pub fn not_found(question: &str, reason: NotFoundReason, syntax: Syntax<'_>) -> String {
    match reason {
        NotFoundReason::NoWords => format!(
            "I couldn't find any words to search for in “{}”. Try a question with names or topics, e.g. {}",
            crate::text::shorten(question, 80),
            syntax.example("ask", "Is territory negotiable?")
        ),
        NotFoundReason::NoMatch => format!(
            "I found nothing about “{}” in the articles I have read. {} lists what I have read.",
            crate::text::shorten(question, 80),
            syntax.cmd("sources")
        ),
        NotFoundReason::EmptyIndex => "I haven't read any articles yet. Add some with `talkwatch ingest <files or URLs>`, then ask again.".to_string(),
    }
}

/// A `source:` filter that names no source read (nor a feed polled).
pub fn unknown_source(name: &str) -> String {
    format!(
        "I have read nothing from “{}”.",
        crate::text::shorten(name.trim(), 80)
    )
}

/// The other outlets that carried the same report, each written by `name(source, link)` (the link
/// only when it may be made one), joined by commas; `None` when the report is alone. Every
/// rendering of "also" goes through here.
pub fn also_names(hit: &Hit, name: impl Fn(&str, Option<&str>) -> String) -> Option<String> {
    if hit.also.is_empty() {
        return None;
    }
    let names: Vec<String> = hit.also.iter().map(|a| name(&a.source, a.link())).collect();
    Some(names.join(", "))
}

/// The "also" line with each copy's link, for plain text.
pub fn also_with_links(hit: &Hit) -> Option<String> {
    also_names(hit, |source, link| match link {
        Some(url) => format!("{source} {url}"),
        None => source.to_string(),
    })
    .map(|names| format!("also: {names}"))
}

/// The one line pointing to a newer matching article that is not among the hits.
pub fn newer(n: &Newer) -> String {
    format!(
        "Newer: “{}” — {}, {}",
        n.title,
        n.source,
        date(n.published, false)
    )
}

/// The line before an answer's hits, when they were limited: "From Example Wire:", "Since 20
/// Nov 2026:", "From Example Wire, since 20 Nov 2026:".
pub fn answer_lead(answer: &Answer) -> Option<String> {
    let range = answer.range.as_ref().map(|span| span.label.as_str());
    match (answer.source.as_deref(), range) {
        (Some(source), Some(range)) => Some(format!("From {source}, {range}:")),
        (Some(source), None) => Some(format!("From {source}:")),
        (None, Some(range)) => Some(range_used(range)),
        (None, None) => None,
    }
}

/// The range a question's time words limited it to.
fn range_used(label: &str) -> String {
    let mut chars = label.chars();
    match chars.next() {
        Some(first) => format!("{}{}:", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// `until:` before `since:`.
pub fn range_backwards(since: DateTime<Utc>, until: DateTime<Utc>) -> String {
    format!(
        "That range ends ({}) before it starts ({}): `until:` has to come after `since:`",
        until.format("%-d %b %Y"),
        since.format("%-d %b %Y")
    )
}

/// A day and month that never exist, as the question wrote them.
pub fn no_such_day(words: &str) -> String {
    format!("“{words}” is not a day of the calendar; check the day and the month")
}

/// A date range left nothing, but matches exist outside it.
pub fn nothing_in_range(question: &str, range: &RangeNote, outside: usize, more: bool) -> String {
    let count = if more {
        format!("{outside}+")
    } else {
        outside.to_string()
    };
    let which = if range.older { "older" } else { "other" };
    let plural = plural(if more { 2 } else { outside as u64 });
    let drop = match range.drop {
        DropFilter::Since => "drop `since:` to see them".to_string(),
        DropFilter::Until => "drop `until:` to see them".to_string(),
        DropFilter::Both => "drop `since:` and `until:` to see them".to_string(),
        DropFilter::Words => format!(
            "ask without “{}” to see them",
            range.label.split(" (").next().unwrap_or(&range.label)
        ),
    };
    format!(
        "Nothing about “{}” {}; {count} {which} match{} — {drop}.",
        crate::text::shorten(question, 80),
        range.label,
        if plural.is_empty() { "" } else { "es" }
    )
}

/// The first line of a timeline.
pub fn timeline_header(
    topic: &str,
    source: Option<&str>,
    range: Option<&str>,
    unknown: &[String],
) -> String {
    let topic = crate::text::shorten(topic, 80);
    let from = source.map(|s| format!(" in {s}")).unwrap_or_default();
    let range = range.map(|r| format!(", {r}")).unwrap_or_default();
    let unknown = unread(unknown)
        .map(|u| format!("; no article I have read mentions {u}"))
        .unwrap_or_default();
    format!("How “{topic}” developed{from}{range} (oldest first{unknown}):")
}

/// The first line of the newest developments.
pub fn latest_header(
    topic: Option<&str>,
    source: Option<&str>,
    range: Option<&str>,
    unknown: &[String],
) -> String {
    let from = source.map(|s| format!(" from {s}")).unwrap_or_default();
    let about = topic
        .map(|t| format!("{from} about “{}”", crate::text::shorten(t, 80)))
        .unwrap_or(from);
    // "The newest developments on 24 Nov", "… about “energy truce”, since 20 Nov 2026".
    let range = range
        .map(|r| {
            if about.is_empty() {
                format!(" {r}")
            } else {
                format!(", {r}")
            }
        })
        .unwrap_or_default();
    let unknown = unread(unknown)
        .map(|u| format!(" (no article I have read mentions {u})"))
        .unwrap_or_default();
    format!("The newest developments{about}{range}{unknown}:")
}

/// The range (or the store) holds no article at all.
pub fn nothing_new(range: Option<&str>, newest: Option<DateTime<Utc>>) -> String {
    let when = range.map(|r| format!(" {r}")).unwrap_or_default();
    match newest {
        Some(d) => format!(
            "No articles{when}. The newest article I have is from {}.",
            date(d, false)
        ),
        None => "I haven't read any articles yet.".to_string(),
    }
}

/// The line before a dated list's undated articles (last, never mixed into the order).
pub fn undated_apart() -> String {
    "Undated articles (not placed in the date order):".to_string()
}

/// Whether `items[i]` is the first undated article of a dated list, to be set apart by
/// [`undated_apart`].
pub fn starts_undated(items: &[Hit], i: usize) -> bool {
    items[i].published_estimated && (i == 0 || !items[i - 1].published_estimated)
}

/// "21 Nov 2026", or "undated" for an article without a date of its own.
pub fn item_date(hit: &Hit) -> String {
    if hit.published_estimated {
        "undated".to_string()
    } else {
        hit.published.format("%-d %b %Y").to_string()
    }
}

/// Small talk answered in kind, with what the bot does.
pub fn small_talk(said: SmallTalk, syntax: Syntax<'_>) -> String {
    match said {
        SmallTalk::Hello => format!(
            "Hello! I answer questions about ongoing talks with quotes from the news I have read, e.g. {}\n{} {} to see everything I can do.",
            syntax.example("ask", "What did Ushakov say about the proposals?"),
            syntax.give(),
            syntax.cmd("help")
        ),
        SmallTalk::Thanks => format!(
            "You're welcome. Ask me anything else about the talks, or try {} for the newest developments.",
            syntax.cmd("latest")
        ),
        SmallTalk::Ok => format!(
            "Anything else? Ask me about the talks, or try {} for the newest developments.",
            syntax.cmd("latest")
        ),
        SmallTalk::Bye => "Goodbye! Ask again whenever the talks move.".to_string(),
    }
}

/// `more` asked for when the last reply had no further page, or a page past the last one.
pub fn nothing_more(syntax: Syntax<'_>) -> String {
    match syntax.paging {
        Paging::More => format!(
            "There is nothing more to show: ask a question, or try {} or {}, and send {} when the reply says more exist.",
            syntax.cmd("timeline"),
            syntax.cmd("latest"),
            syntax.cmd("more")
        ),
        Paging::Flag => {
            "There is nothing more to show at that offset; leave out --offset to see the first page."
                .to_string()
        }
        Paging::Limit => format!(
            "There is nothing more to show: ask again, or try {} or {}.",
            syntax.cmd("timeline"),
            syntax.cmd("latest")
        ),
    }
}

/// More items of a timeline or of the newest developments exist; the next page starts at the
/// `next`th item (counted from 0).
pub fn more_items(command: &str, next: usize, syntax: Syntax<'_>) -> String {
    how_to_page("More exist", command, 20, next, syntax)
}

/// `lead`, then how to see the next page on this platform: `!more`, the `--offset` flag with
/// `next` (where the next page starts), or a higher `limit:` on `command`.
fn how_to_page(lead: &str, command: &str, limit: usize, next: usize, syntax: Syntax<'_>) -> String {
    match syntax.paging {
        Paging::More => format!("{lead}; send {} to see the next ones.", syntax.cmd("more")),
        Paging::Flag => format!("{lead}; add --offset {next} to see the next ones."),
        Paging::Limit => format!(
            "{lead}; add limit:{limit} to your {} to see more.",
            syntax.cmd(command)
        ),
    }
}

/// A timeline or latest list as plain text.
fn items_plain(header: &str, items: &[Hit], offset: usize) -> String {
    let mut out = format!(
        "{header}
"
    );
    for (i, hit) in items.iter().enumerate() {
        if starts_undated(items, i) {
            out.push_str(&format!(
                "{}
",
                undated_apart()
            ));
        }
        out.push_str(&format!(
            "{}. {} — “{}”
   — {}, {}
   {}
",
            offset + i + 1,
            item_date(hit),
            passage_line(&hit.passage),
            hit.title,
            hit.source,
            hit.url
        ));
        if let Some(a) = also_with_links(hit) {
            out.push_str(&format!(
                "   {a}
"
            ));
        }
    }
    out
}

/// More articles match than an answer showed; the next page starts at the `next`th (from 0).
pub fn more_available(next: usize, syntax: Syntax<'_>) -> String {
    how_to_page("More matches exist", "ask", 10, next, syntax)
}

/// An admin command refused to someone else: what it would have done, and who can do it.
pub fn refused(command: &str, syntax: Syntax<'_>) -> String {
    let shown = syntax.cmd(command);
    let ask_for = match command {
        "reindex" => "if the index needs a rebuild",
        "feeds" => "to show, add or remove the news feeds I poll",
        "leave" => "if I should leave this room",
        _ => "if it needs doing",
    };
    format!("Sorry, `{shown}` is for admins only. Ask an admin of this bot {ask_for}.")
}

/// A command typed without the words it works on.
pub fn missing_words(command: &str) -> String {
    match command {
        "watch" => "`watch` needs the words to watch for.".into(),
        "unwatch" => "`unwatch` needs the words of the watch to remove.".into(),
        "timeline" => "`timeline` needs a topic.".into(),
        other => format!("`{other}` needs a question."),
    }
}

pub fn too_long_message(len: usize, max: usize) -> String {
    format!("That message is too long for me ({len} bytes; I read at most {max}).")
}

pub fn question_too_long(chars: usize, max: usize) -> String {
    format!("That question is too long ({chars} characters; the limit is {max}).")
}

/// What to do next after a problem, in the platform's command syntax.
pub fn hint(hint: Hint, syntax: Syntax<'_>) -> String {
    match hint {
        Hint::Shorter => "Ask a shorter question, e.g. “Is territory negotiable?”.".into(),
        Hint::Help => format!("{} {} to see what I can do.", syntax.give(), syntax.cmd("help")),
        Hint::DidYouMean(command) => format!(
            "Did you mean {}? {} {} to see what I can do.",
            syntax.cmd(command),
            syntax.give(),
            syntax.cmd("help")
        ),
        Hint::Ask => format!(
            "Ask a question, e.g. {}",
            syntax.example("ask", "What did Ushakov say about the proposals?")
        ),
        Hint::Filters => {
            "Filters: since:2026-11-01, since:3d or since:yesterday, until:…, source:\"Example Wire\", limit:5."
                .into()
        }
        Hint::Wait => "Wait for it to finish; it reports when done.".into(),
        Hint::Sources => format!(
            "{} {} to see the sources I have read.",
            syntax.give(),
            syntax.cmd("sources")
        ),
        Hint::Timeline => format!("Try {}.", syntax.example("timeline", "prisoner exchange")),
        Hint::Watch => format!("Try {}.", syntax.example("watch", "prisoner exchange")),
        Hint::Watches => format!(
            "{} {} to list this room's watches.",
            syntax.give(),
            syntax.cmd("watches")
        ),
    }
}

pub fn leaving() -> String {
    "Goodbye! An admin asked me to leave. Invite me again whenever you want answers about the talks.".into()
}

pub fn nothing_to_leave() -> String {
    "There is no room to leave here.".into()
}

pub fn reindex_running() -> String {
    "A reindex is already running.".into()
}

pub fn reindex_started() -> String {
    "Rebuilding the search index… the current index keeps answering meanwhile.".into()
}

pub fn reindex_progress(done: u64, total: u64) -> String {
    let pct = (done * 100).checked_div(total).unwrap_or(100);
    format!("Rebuilding the search index… {done}/{total} articles ({pct}%)")
}

pub fn reindexed(report: &RebuildReport, elapsed_ms: u64) -> String {
    format!(
        "Reindex done: {} articles, {} passages, in {:.1} s.",
        report.articles,
        report.passages,
        elapsed_ms as f64 / 1000.0
    )
}

pub fn failed(problem: &str) -> String {
    format!("Sorry, something went wrong on my side: {problem}")
}

/// What a chat user is told when the disk is full.
pub fn failure_disk_full() -> String {
    "the disk is full, so nothing new can be saved; an admin has to free some space".into()
}

/// What a chat user is told about any other failure on our side; `reference` is in the log line
/// with the details.
pub fn failure_internal(reference: &str) -> String {
    format!(
        "an internal error (ref {reference}; the details are in the bot's log). Please try again in a moment"
    )
}

/// A problem and what to do about it, as one message: the problem begins with a capital and ends
/// with one full stop, whether or not it was written with one.
pub fn invalid(problem: &str, hint: &str) -> String {
    let mut p = problem.trim_end().trim_end_matches('.').to_string();
    if let Some(first) = p.get(..1) {
        p.replace_range(..1, &first.to_uppercase());
    }
    format!("{p}. {hint}")
}

pub fn demo_loaded(added: usize) -> String {
    format!(
        "The store was empty, so I loaded the bundled demo corpus ({added} sample articles about ongoing talks)."
    )
}

pub fn sources(list: &[SourceSummary]) -> String {
    if list.is_empty() {
        return "I haven't read any articles yet.".into();
    }
    let mut out = format!(
        "I have read {} source{}:\n",
        list.len(),
        plural(list.len() as u64)
    );
    for s in list {
        let newest = s
            .newest
            .map(|d| date(d, false))
            .unwrap_or_else(|| "—".into());
        out.push_str(&format!(
            "• {} — {} article{}, newest {}",
            s.source,
            s.articles,
            plural(s.articles),
            newest
        ));
        if let Some(feed) = &s.feed {
            out.push_str(&format!(" · {}", feed_health(feed)));
        }
        out.push('\n');
    }
    // The source with the most articles (the list comes in that order), named as a user would.
    if let Some(first) = list.iter().find(|s| s.articles > 0) {
        out.push_str(&format!(
            "Ask about one by name, e.g. “What does {} say about …?”, or add source:\"{}\" to a question.",
            first.source, first.source
        ));
    }
    out.trim_end().to_string()
}

fn utc(d: DateTime<Utc>) -> String {
    d.format("%-d %b %H:%M UTC").to_string()
}

/// "feed OK, last polled 20 Nov 12:00 UTC" or "feed failing since … (3 polls): reason".
pub fn feed_health(feed: &FeedRecord) -> String {
    match (&feed.last_error, feed.failing_since) {
        (Some(error), Some(since)) if feed.failures > 0 => format!(
            "feed failing since {} ({} poll{} in a row): {error}{}",
            utc(since),
            feed.failures,
            plural(feed.failures as u64),
            feed.last_success
                .map(|d| format!("; last success {}", utc(d)))
                .unwrap_or_default()
        ),
        _ => match feed.last_success {
            Some(d) => format!("feed OK, last polled {}", utc(d)),
            None => "feed not polled yet".to_string(),
        },
    }
}

pub fn feeds(list: &[FeedRecord]) -> String {
    if list.is_empty() {
        return no_feeds();
    }
    let mut out = format!("I poll {} feed{}:\n", list.len(), plural(list.len() as u64));
    for f in list {
        out.push_str(&format!(
            "• {} — {} every {} · {}\n",
            f.name,
            f.url,
            crate::units::format_interval(f.interval_secs),
            feed_health(f)
        ));
    }
    out.trim_end().to_string()
}

pub fn discord_registered(commands: usize, guilds: usize) -> String {
    if guilds == 0 {
        format!(
            "Registered {commands} global commands (Discord may take up to an hour to show changes)."
        )
    } else {
        format!("Registered {commands} commands in {guilds} guild(s).")
    }
}

pub fn slow_down(retry_secs: u64) -> String {
    format!(
        "You're asking faster than I can keep up with. Please wait {retry_secs} s and ask again."
    )
}

pub fn refetch_failed_continuing() -> String {
    "Some feeds could not be fetched; rebuilding from what is stored.".into()
}

pub fn slow_down_again() -> String {
    "Still too fast; please wait a little before asking again.".into()
}

pub fn more_button() -> String {
    "More".into()
}

pub fn discord_unsupported() -> String {
    "that kind of interaction is not supported".into()
}

pub fn discord_paging_expired() -> String {
    "I can't read the question of that message any more".into()
}

pub fn watches_need_a_room() -> String {
    "watches work in chat rooms and channels, where I can post the alerts".into()
}

pub fn too_many_watches(max: usize) -> String {
    format!("this room already has {max} watches; remove one first")
}

pub fn watching(words: &str, added: bool, syntax: Syntax<'_>) -> String {
    if added {
        format!(
            "Watching “{words}”: I'll post here when a new article mentions all of these words. {} {words} stops it.",
            syntax.cmd("unwatch")
        )
    } else {
        format!("This room already watches “{words}”.")
    }
}

pub fn unwatched(words: &str, removed: bool, syntax: Syntax<'_>) -> String {
    if removed {
        format!("Stopped watching “{words}”.")
    } else {
        format!(
            "This room doesn't watch “{words}”. {} lists what it watches.",
            syntax.cmd("watches")
        )
    }
}

pub fn watch_list(words: &[String], syntax: Syntax<'_>) -> String {
    if words.is_empty() {
        return format!(
            "This room watches nothing yet. Try {} ceasefire monitors",
            syntax.cmd("watch")
        );
    }
    let list: Vec<String> = words.iter().map(|w| format!("• {w}")).collect();
    format!("This room watches:\n{}", list.join("\n"))
}

/// The first line of an alert.
pub fn alert_header(hits: &[(String, Hit)]) -> String {
    match hits {
        [(words, _)] => format!("New article for your watch “{words}”:"),
        _ => format!("{} new articles for your watches:", hits.len()),
    }
}

/// New articles for a room's watches, one entry per article.
pub fn alert(hits: &[(String, Hit)]) -> String {
    let mut out = format!("{}\n", alert_header(hits));
    for (words, hit) in hits {
        out.push_str(&format!(
            "• [{words}] “{}”\n   — {}\n   {}\n",
            passage_line(&hit.passage),
            citation(hit),
            hit.url
        ));
    }
    out.trim_end().to_string()
}

pub fn no_feeds() -> String {
    "No feeds yet. Add one with `talkwatch feeds add URL --name NAME`.".into()
}

pub fn feed_added(name: &str, url: &str, interval_secs: u64) -> String {
    format!(
        "Feed “{name}” ({url}) saved; `talkwatch run` polls it every {} (first poll right after start).",
        crate::units::format_interval(interval_secs)
    )
}

pub fn feed_removed(name: &str) -> String {
    format!("Feed “{name}” removed; its articles stay searchable.")
}

pub fn no_such_feed(name: &str) -> String {
    format!("there is no feed named “{name}”")
}

pub fn feed_polled(name: &str, outcome: &crate::feeds::PollOutcome) -> String {
    if outcome.not_modified {
        return format!("{name}: not modified since the last poll");
    }
    let (added, updated, skipped) = (outcome.added.len(), outcome.updated, outcome.skipped);
    let copies = match outcome.copies {
        0 => String::new(),
        1 => ", 1 copy of a report another outlet carried first".to_string(),
        n => format!(", {n} copies of reports other outlets carried first"),
    };
    format!(
        "{name}: added {added}{copies}, updated {updated}, skipped {skipped} (known or filtered)"
    )
}

pub fn feed_poll_failed(name: &str, error: &str) -> String {
    format!("{name}: poll failed: {error}")
}

pub fn stats(s: &Stats) -> String {
    let when = |d: Option<DateTime<Utc>>| {
        d.map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_else(|| "never".into())
    };
    let mut out = format!(
        "Articles: {}\nSources: {}\nPassages indexed: {}\nIndex size on disk: {}\nLast ingest: {}\nNewest article: {}\nName variants known: {} groups",
        s.store.articles,
        s.store.sources,
        s.passages,
        human_bytes(s.index_bytes),
        when(s.store.last_ingest),
        s.store
            .newest
            .map(|d| date(d, false))
            .unwrap_or_else(|| "—".into()),
        s.aliases,
    );
    if s.store.folded_copies > 0 {
        out.push_str(&format!(
            "\nCopies of a report another outlet carried first (shown once): {}",
            s.store.folded_copies
        ));
    }
    if s.store.estimated_dates > 0 {
        out.push_str(&format!(
            "\nArticles without a published date (file or fetch time used): {}",
            s.store.estimated_dates
        ));
    }
    out
}

/// "added 3, updated 0, unchanged 26, failed 1": every input of a run in one count.
pub fn ingest_summary(report: &crate::engine::IngestReport) -> String {
    let (added, updated, unchanged) = (report.added, report.updated, report.unchanged);
    let failed = report.failures.len();
    let duplicates = report.duplicates.len();
    let duplicates = if duplicates > 0 {
        format!(", same address twice {duplicates}")
    } else {
        String::new()
    };
    format!("added {added}, updated {updated}, unchanged {unchanged}{duplicates}, failed {failed}")
}

/// One line per article not stored because an earlier input of the run had its address.
pub fn ingest_duplicate(input: &str, of: &str, url: &str) -> String {
    format!("  {input}: same address as {of} ({url}); stored once, from the first")
}

/// One line per input read in an encoding nothing declared (guessed from its bytes).
pub fn ingest_encoding_guess(input: &str, encoding: &str) -> String {
    format!(
        "  {input}: read as {encoding} (no encoding declared and not UTF-8; guessed from the text)"
    )
}

/// Progress of a long ingest where no progress bar is drawn (output to a file or a pipe).
pub fn ingest_saved(saved: usize, read: u64, total: u64) -> String {
    format!("saved {saved} articles ({read} of {total} inputs read)")
}

/// A write into the data directory failed for lack of space.
pub fn disk_full(data_dir: &std::path::Path) -> String {
    format!(
        "no space left for the data directory {}: the articles of this run that were not saved yet are not stored",
        data_dir.display()
    )
}

pub const DISK_FULL_HINT: &str = "free some space (or move data_dir) and run the same ingest again: everything stored before is kept, and re-ingesting never duplicates";

pub fn ingest_failure(f: &Failure) -> String {
    format!("  {}: {}", f.input, f.error)
}

/// Plain-text rendering of a whole reply (terminal, Matrix fallback body).
pub fn plain(reply: &Reply, syntax: Syntax<'_>) -> String {
    match reply {
        Reply::Answer(answer) => {
            let mut out = String::new();
            if let Some(lead) = answer_lead(answer) {
                out.push_str(&lead);
                out.push_str("\n\n");
            }
            for (i, hit) in answer.hits.iter().enumerate() {
                out.push_str(&format!(
                    "{}. “{}”\n   — {}\n   {}\n",
                    answer.offset + i + 1,
                    passage_line(&hit.passage),
                    citation(hit),
                    hit.url
                ));
                if let Some(a) = also_with_links(hit) {
                    out.push_str(&format!("   {a}\n"));
                }
                out.push('\n');
            }
            if let Some(n) = &answer.newer {
                out.push_str(&format!("{} {}\n", newer(n), n.url));
            }
            for note in search_notes(answer) {
                out.push_str(&note);
                out.push('\n');
            }
            if answer.more {
                out.push_str(&more_available(answer.offset + answer.hits.len(), syntax));
            }
            out.trim_end().to_string()
        }
        Reply::NotFound { question, reason } => not_found(question, *reason, syntax),
        Reply::NothingInRange {
            question,
            range,
            outside,
            more_outside,
        } => nothing_in_range(question, range, *outside, *more_outside),
        Reply::Timeline {
            topic,
            items,
            offset,
            more,
            source,
            range,
            unknown,
        } => {
            let header = timeline_header(topic, source.as_deref(), range.as_deref(), unknown);
            let mut out = items_plain(&header, items, *offset);
            if *more {
                out.push_str(&more_items("timeline", offset + items.len(), syntax));
            }
            out.trim_end().to_string()
        }
        Reply::Latest {
            topic,
            unknown,
            source,
            range,
            items,
            offset,
            more,
            newest,
            ..
        } => {
            if items.is_empty() {
                return nothing_new(range.as_deref(), *newest);
            }
            let mut out = items_plain(
                &latest_header(
                    topic.as_deref(),
                    source.as_deref(),
                    range.as_deref(),
                    unknown,
                ),
                items,
                *offset,
            );
            if *more {
                out.push_str(&more_items("latest", offset + items.len(), syntax));
            }
            out.trim_end().to_string()
        }
        Reply::Sources(list) => sources(list),
        Reply::Feeds(list) => feeds(list),
        Reply::Watching { words, added } => watching(words, *added, syntax),
        Reply::Unwatched { words, removed } => unwatched(words, *removed, syntax),
        Reply::Watches(list) => watch_list(list, syntax),
        Reply::SlowDown { retry_secs } => slow_down(*retry_secs),
        Reply::Quiet => String::new(),
        Reply::Alert { hits } => alert(hits),
        Reply::Stats(s) => stats(s),
        Reply::Reindexed { report, elapsed_ms } => reindexed(report, *elapsed_ms),
        Reply::Help => help(syntax),
        Reply::SmallTalk(said) => small_talk(*said, syntax),
        Reply::NothingMore => nothing_more(syntax),
        Reply::Refused { command } => refused(command, syntax),
        Reply::Invalid { problem, hint: h } => invalid(problem, &hint(*h, syntax)),
        Reply::Leaving => leaving(),
        Reply::Failed { problem } => failed(problem),
    }
}

pub fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    //! Snapshots of user-facing wording: a change of wording shows up as a reviewed diff.

    use super::*;
    use crate::reply::{Answer, Hit};

    const BANG: Syntax<'static> = Syntax {
        prefix: "!",
        paging: Paging::Limit,
    };

    fn hit() -> Hit {
        Hit {
            title: "Kremlin rules out territorial concessions".into(),
            url: "https://news.example.org/a".into(),
            source: "Example Wire".into(),
            published: crate::ingest::parse_date("2026-11-20T18:30:00Z").unwrap(),
            published_estimated: false,
            passage: "Territory is not negotiable, the adviser said.\n\nNo compromise was found."
                .into(),
            highlights: std::iter::once(0..9).collect(),
            score: 3.5,
            also: Vec::new(),
        }
    }

    #[test]
    fn answer_in_plain_text() {
        let reply = Reply::Answer(Answer {
            question: "Is territory negotiable?".into(),
            hits: vec![hit()],
            offset: 0,
            more: true,
            corrections: vec![("ushakof".into(), "ushakov".into())],
            unknown: vec!["zeppelins".into(), "blimps".into()],
            newer: None,
            range: None,
            source: None,
            source_unmatched: None,
        });
        insta::assert_snapshot!(plain(&reply, BANG));
    }

    #[test]
    fn the_sources_list_counts_in_words_and_shows_how_to_ask_about_one() {
        let source = |name: &str, articles| SourceSummary {
            source: name.into(),
            articles,
            newest: crate::ingest::parse_date("2026-11-26"),
            feed: None,
        };
        assert_eq!(
            sources(&[source("Example Wire", 7)]),
            "I have read 1 source:\n• Example Wire — 7 articles, newest 26 Nov 2026\n\
             Ask about one by name, e.g. “What does Example Wire say about …?”, or add source:\"Example Wire\" to a question."
        );
        let two = sources(&[source("Example Wire", 7), source("Daily Example", 1)]);
        assert!(two.starts_with("I have read 2 sources:\n"), "{two}");
        assert!(two.contains("• Daily Example — 1 article, newest"), "{two}");
    }

    #[test]
    fn an_answer_kept_to_one_source_says_so_first() {
        let mut answer = Answer {
            question: "Riyadh".into(),
            hits: vec![hit()],
            source: Some("Example Wire".into()),
            ..Answer::default()
        };
        let text = plain(&Reply::Answer(answer.clone()), BANG);
        assert!(text.starts_with("From Example Wire:\n\n1. “"), "{text}");
        answer.range = Some(crate::timewords::Span {
            since: crate::ingest::parse_date("2026-11-20").unwrap(),
            until: None,
            label: "since 20 Nov 2026".into(),
        });
        let text = plain(&Reply::Answer(answer.clone()), BANG);
        assert!(
            text.starts_with("From Example Wire, since 20 Nov 2026:\n\n1. “"),
            "{text}"
        );
        answer.source = None;
        answer.range = None;
        answer.source_unmatched = Some("Capital Ledger".into());
        let text = plain(&Reply::Answer(answer), BANG);
        assert!(text.starts_with("1. “"), "{text}");
        assert!(
            text.contains("(Nothing from Capital Ledger matches the rest of the question; these come from other sources.)"),
            "{text}"
        );
    }

    #[test]
    fn a_timeline_lists_undated_articles_apart_after_the_dated_ones() {
        let dated = |day: &str, title: &str| Hit {
            title: title.into(),
            published: crate::ingest::parse_date(day).unwrap(),
            ..hit()
        };
        let undated = Hit {
            title: "Background: the border war".into(),
            published_estimated: true,
            ..hit()
        };
        let reply = Reply::Timeline {
            topic: "territory".into(),
            items: vec![
                dated("2026-11-18", "Envoys meet in Moscow"),
                dated("2026-11-20", "Kremlin rules out territorial concessions"),
                undated,
            ],
            offset: 0,
            more: true,
            range: None,
            source: None,
            unknown: vec![],
        };
        let text = plain(&reply, BANG);
        assert!(
            text.starts_with(
                "How “territory” developed (oldest first):\n1. 18 Nov 2026 — “Territory"
            ),
            "{text}"
        );
        let second = text.find("2. 20 Nov 2026 — ").expect("the second date");
        let apart = text.find(&undated_apart()).expect("the undated heading");
        let third = text.find("3. undated — ").expect("the undated article");
        assert!(second < apart && apart < third, "{text}");
        assert_eq!(text.matches(&undated_apart()).count(), 1, "{text}");
        assert!(
            text.ends_with("More exist; add limit:20 to your !timeline to see more."),
            "{text}"
        );
    }

    #[test]
    fn an_answer_points_to_newer_coverage_in_one_line() {
        let reply = Reply::Answer(Answer {
            question: "Has Washington commented?".into(),
            hits: vec![hit()],
            offset: 0,
            more: false,
            corrections: vec![],
            unknown: vec![],
            newer: Some(crate::reply::Newer {
                title: "State Department breaks its silence".into(),
                url: "https://news.example.org/b".into(),
                source: "Example World News".into(),
                published: crate::ingest::parse_date("2026-11-22").unwrap(),
            }),
            range: None,
            source: None,
            source_unmatched: None,
        });
        let text = plain(&reply, BANG);
        assert!(
            text.ends_with(
                "Newer: “State Department breaks its silence” — Example World News, 22 Nov 2026 https://news.example.org/b"
            ),
            "{text}"
        );
    }

    #[test]
    fn problems_and_refusals() {
        let replies = [
            Reply::NotFound {
                question: "sourdough recipe".into(),
                reason: NotFoundReason::NoMatch,
            },
            Reply::NotFound {
                question: "?!".into(),
                reason: NotFoundReason::NoWords,
            },
            Reply::NotFound {
                question: "x".into(),
                reason: NotFoundReason::EmptyIndex,
            },
            Reply::Refused {
                command: "reindex".into(),
            },
            Reply::Invalid {
                problem: "unknown command `frob`".into(),
                hint: Hint::Help,
            },
            Reply::Failed {
                problem: "search index: disk full".into(),
            },
        ];
        let text: Vec<String> = replies.iter().map(|r| plain(r, BANG)).collect();
        insta::assert_snapshot!(text.join("\n---\n"));
    }

    #[test]
    fn a_refusal_names_who_may_and_what_the_command_does() {
        let refused = |command: &str| {
            plain(
                &Reply::Refused {
                    command: command.into(),
                },
                BANG,
            )
        };
        assert_eq!(
            refused("feeds"),
            "Sorry, `!feeds` is for admins only. Ask an admin of this bot to show, add or remove the news feeds I poll."
        );
        assert_eq!(
            refused("leave"),
            "Sorry, `!leave` is for admins only. Ask an admin of this bot if I should leave this room."
        );
    }

    #[test]
    fn help_for_each_platform_syntax() {
        insta::assert_snapshot!(help(Syntax {
            prefix: "/",
            paging: Paging::Limit
        }));
    }
}
