//! What the bot says, as data. The command handler returns a [`Reply`]; each adapter renders it
//! for its platform (terminal text, Matrix HTML + plain text, Discord embeds). No adapter adds
//! facts to a reply, and no reply knows which platform will show it.

use std::ops::Range;

use chrono::{DateTime, Utc};

use crate::search::RebuildReport;
use crate::store::{FeedRecord, SourceSummary, StoreStats};

/// One quoted passage with where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub title: String,
    pub url: String,
    pub source: String,
    pub published: DateTime<Utc>,
    pub published_estimated: bool,
    /// The passage, literally as it stands in the article (paragraph breaks as blank lines).
    pub passage: String,
    /// Byte ranges of `passage` that match the question, for bold/mark rendering.
    pub highlights: Vec<Range<usize>>,
    pub score: f32,
    /// Other outlets that carried the same report (oldest first), shown as "also: …".
    pub also: Vec<Also>,
}

/// Another outlet's copy of a hit's report.
#[derive(Debug, Clone, PartialEq)]
pub struct Also {
    pub source: String,
    pub url: String,
    pub published: DateTime<Utc>,
    pub published_estimated: bool,
}

impl From<crate::store::Copy> for Also {
    fn from(c: crate::store::Copy) -> Also {
        Also {
            source: c.source,
            url: c.url,
            published: c.published,
            published_estimated: c.published_estimated,
        }
    }
}

impl Also {
    /// The copy's URL if it may be made a link (see [`Hit::link`]).
    pub fn link(&self) -> Option<&str> {
        safe_link(&self.url)
    }
}

/// A newer article that also matches the question but is not among the hits shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Newer {
    pub title: String,
    pub url: String,
    pub source: String,
    pub published: DateTime<Utc>,
}

impl Newer {
    pub fn link(&self) -> Option<&str> {
        safe_link(&self.url)
    }
}

/// `url` if it is an absolute http(s) URL; anything else (javascript:, data:, file:) must not be
/// made a link.
fn safe_link(url: &str) -> Option<&str> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(url)
}

impl Hit {
    /// A quote of `article`: the passage at `range` of its body, with highlight ranges relative
    /// to the passage.
    pub fn quote(
        article: &crate::ingest::Article,
        range: Range<usize>,
        highlights: Vec<Range<usize>>,
        score: f32,
    ) -> Hit {
        Hit {
            title: article.title.clone(),
            url: article.url.clone(),
            source: article.source.clone(),
            published: article.published,
            published_estimated: article.published_estimated,
            passage: article.body[range].to_string(),
            highlights,
            score,
            also: Vec::new(),
        }
    }

    /// The article URL if it is an absolute http(s) URL; anything else (javascript:, data:,
    /// file:) must not be made a link.
    pub fn link(&self) -> Option<&str> {
        safe_link(&self.url)
    }

    /// The passage cut into pieces for rendering: `(text, highlighted)`, whitespace runs of the
    /// plain pieces collapsed to one space (paragraph breaks read as spaces). Out-of-order or
    /// misaligned highlight ranges are skipped.
    pub fn passage_pieces(&self) -> Vec<(String, bool)> {
        let text = &self.passage;
        let mut pieces = Vec::new();
        let mut at = 0;
        let mut ranges = self.highlights.clone();
        ranges.sort_by_key(|r| r.start);
        for r in ranges {
            if r.start < at
                || r.end > text.len()
                || !text.is_char_boundary(r.start)
                || !text.is_char_boundary(r.end)
            {
                continue;
            }
            pieces.push((crate::text::squeeze_ws(&text[at..r.start]), false));
            pieces.push((text[r.start..r.end].to_string(), true));
            at = r.end;
        }
        pieces.push((crate::text::squeeze_ws(&text[at..]), false));
        pieces
    }
}

/// An answer to a question: the best passages, best first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    pub question: String,
    pub hits: Vec<Hit>,
    /// Index of the first hit among all hits (for paging).
    pub offset: usize,
    /// Whether more hits exist after these.
    pub more: bool,
    /// Spelling corrections that were applied: (as asked, as searched).
    pub corrections: Vec<(String, String)>,
    /// Words of the question found in no article (nor a close spelling of them): the hits
    /// match the rest of the question.
    pub unknown: Vec<String>,
    /// The newest article that matches as well but is newer than every hit shown.
    pub newer: Option<Newer>,
    /// The date range the question was limited to by its time words ("yesterday", "in
    /// October"), to be stated with the answer.
    pub range: Option<crate::timewords::Span>,
    /// The one source the hits were limited to (`source:`, or named in the question: "What
    /// does Example Wire say…"), as its articles spell it.
    pub source: Option<String>,
    /// A source the question named that has nothing matching the rest of it: the hits come
    /// from every source instead.
    pub source_unmatched: Option<String>,
}

/// The date range a question was limited to, as a reply words it.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeNote {
    /// "since 25 Nov 2026", "yesterday (3 Dec)".
    pub label: String,
    /// What to leave out to see the matches outside the range.
    pub drop: DropFilter,
    /// Whether the range is open towards now (the matches outside it are older).
    pub older: bool,
}

/// Which part of a question limited its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropFilter {
    Since,
    Until,
    Both,
    /// The question's own time words.
    Words,
}

/// Why no passage was returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotFoundReason {
    /// The question has no searchable words (only stop words, punctuation, emoji).
    NoWords,
    /// None of the words is in any article, or no passage covers enough of the question.
    NoMatch,
    /// The store is empty.
    EmptyIndex,
}

/// Figures for `stats`.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub store: StoreStats,
    pub passages: u64,
    pub index_bytes: u64,
    pub aliases: usize,
}

/// What the user can do after a problem; rendered per platform (`!help` vs `/help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// See the command list.
    Help,
    /// Ask a question.
    Ask,
    /// How filters are written.
    Filters,
    /// Ask something shorter.
    Shorter,
    /// Wait for running work.
    Wait,
    /// See the sources read.
    Sources,
    /// How a timeline is asked for, with an example topic.
    Timeline,
    /// How a watch is set, with example words.
    Watch,
    /// Where a room's watches are listed.
    Watches,
    /// The command a mistyped one was likely meant as ("timelin"), and the command list.
    DidYouMean(&'static str),
}

/// Small talk said to the bot in place of a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    /// "Hello", "hi there", "good morning".
    Hello,
    /// "Thanks", "thank you", "cheers".
    Thanks,
    /// "ok", "got it", "👍".
    Ok,
    /// "bye", "good night".
    Bye,
}

/// A reply of the platform-neutral bot.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Answer(Answer),
    NotFound {
        question: String,
        reason: NotFoundReason,
    },
    /// A date range (a `since:`/`until:` filter or the question's time words) left nothing,
    /// while `outside` matches (more than that when `more_outside`) lie outside it.
    NothingInRange {
        question: String,
        range: RangeNote,
        outside: usize,
        more_outside: bool,
    },
    /// `timeline <words>`: one item per report about the topic, oldest first (undated last).
    Timeline {
        topic: String,
        items: Vec<Hit>,
        offset: usize,
        more: bool,
        /// The range the topic was limited to, as words ("since 1 Nov 2026").
        range: Option<String>,
        /// The one source the lines were limited to, as its articles spell it.
        source: Option<String>,
        /// Words of the topic found in no article: the lines match the rest of it.
        unknown: Vec<String>,
    },
    /// `latest` (or "What is the latest news?"): the newest developments, one per report,
    /// newest first. `newest` is the newest article's date when the range holds none.
    Latest {
        /// `latest <words>`: the words; `None` for everything new.
        topic: Option<String>,
        /// Words of the topic found in no article.
        unknown: Vec<String>,
        /// The one source the items were limited to, as its articles spell it.
        source: Option<String>,
        range: Option<String>,
        /// The range as dates (`since`, `until`), for machine-readable output.
        bounds: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
        items: Vec<Hit>,
        offset: usize,
        more: bool,
        newest: Option<DateTime<Utc>>,
    },
    Sources(Vec<SourceSummary>),
    /// The polled feeds with their health (admins).
    Feeds(Vec<FeedRecord>),
    /// A watch was set (`added` false: it existed already).
    Watching {
        words: String,
        added: bool,
    },
    /// A watch was removed (`removed` false: there was none).
    Unwatched {
        words: String,
        removed: bool,
    },
    /// The watches of this room.
    Watches(Vec<String>),
    /// New articles matching this room's watches: (watch words, best passage).
    Alert {
        hits: Vec<(String, Hit)>,
    },
    Stats(Stats),
    Reindexed {
        report: RebuildReport,
        elapsed_ms: u64,
    },
    Help,
    /// Small talk answered in kind, with a pointer to what the bot does.
    SmallTalk(SmallTalk),
    /// `more` asked for where the last reply had no further page (chat, Matrix).
    NothingMore,
    /// An admin asked the bot to leave the room or channel the command came from. The adapter
    /// says goodbye and leaves; platforms without rooms (the terminal) just say so.
    Leaving,
    /// The caller (or room) sent too much too fast; `retry_secs` until the window frees up.
    SlowDown {
        retry_secs: u64,
    },
    /// Nothing to say: a rate-limited caller was already told to slow down in this window.
    /// Chat adapters send nothing (Discord, which must answer, repeats the slow-down privately).
    Quiet,
    /// An admin command from someone who is not an admin.
    Refused {
        command: String,
    },
    /// The user's input was not understood; `hint` says what to do instead.
    Invalid {
        problem: String,
        hint: Hint,
    },
    /// Something failed on our side; the message is safe to show.
    Failed {
        problem: String,
    },
}

impl Reply {
    /// Whether this reply reports a problem (adapters may show it privately or less loudly).
    pub fn is_error(&self) -> bool {
        matches!(
            self,
            Reply::Refused { .. }
                | Reply::Invalid { .. }
                | Reply::Failed { .. }
                | Reply::SlowDown { .. }
                | Reply::Quiet
        )
    }
}
