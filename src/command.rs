//! The platform-neutral bot: what a message asks for ([`parse`], pure) and what to answer
//! ([`Handler::handle`], returns a [`Reply`]). Every adapter (terminal, Matrix, Discord) goes
//! through here, so all of them understand the same commands and filters.
//!
//! Architecture Invariant: permission checks happen here, never in adapters. Adapters say who is
//! asking ([`Identity`]); [`Permissions`] decides whether that is an admin.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};

use crate::answer::AskRequest;
use crate::config::Config;
use crate::engine::Engine;
use crate::reply::{Hint, NotFoundReason, Reply};
use crate::search::{ProgressFn, SearchError, SearchFilters};

/// Everything the bot can be asked to do. Closed: adding a command means handling it everywhere.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Ask(Ask),
    Sources,
    Stats,
    Reindex,
    Help,
    /// Leave the room or channel the command was said in (admins only).
    Leave,
    /// List the polled feeds and their health (admins only).
    Feeds,
    /// Alert this room about new articles containing these words.
    Watch(String),
    /// Stop a watch of this room.
    Unwatch(String),
    /// List this room's watches.
    Watches,
    /// The distinct developments about a topic, oldest first (`question` holds the topic).
    Timeline(Ask),
    /// The newest developments, one per report (`question` may be empty).
    Latest(Ask),
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Ask(_) => "ask",
            Command::Sources => "sources",
            Command::Stats => "stats",
            Command::Reindex => "reindex",
            Command::Help => "help",
            Command::Leave => "leave",
            Command::Feeds => "feeds",
            Command::Watch(_) => "watch",
            Command::Unwatch(_) => "unwatch",
            Command::Watches => "watches",
            Command::Timeline(_) => "timeline",
            Command::Latest(_) => "latest",
        }
    }

    pub fn is_admin_only(&self) -> bool {
        matches!(self, Command::Reindex | Command::Leave | Command::Feeds)
    }
}

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

/// A date as the user wrote it: a calendar date/time, or an age ("3d", "2w", "12h").
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DateBound {
    At(DateTime<Utc>),
    Ago(Duration),
}

impl DateBound {
    pub fn resolve(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            DateBound::At(d) => d,
            DateBound::Ago(age) => now - age,
        }
    }

    /// Parses `2026-11-01`, RFC 3339, or an age as [`crate::units::parse_duration`] reads it
    /// (`10m` ten minutes, `12h`, `3d`, `2w`, `2months`), at most 100 years.
    pub fn parse(s: &str) -> Option<DateBound> {
        let s = s.trim();
        if let Some(d) = crate::ingest::parse_date(s) {
            return Some(DateBound::At(d));
        }
        let age = crate::units::parse_duration(s).ok()?;
        if age > std::time::Duration::from_secs(100 * 365 * 86_400) {
            return None;
        }
        Some(DateBound::Ago(Duration::from_std(age).ok()?))
    }
}

/// Why a message could not be understood. The wording is shown to users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the message is empty")]
    Empty,
    #[error("unknown command `{0}`")]
    UnknownCommand(String),
    #[error("{}", crate::messages::missing_words(command))]
    MissingQuestion { command: String },
    #[error("`{key}:{value}` is not valid: {expected}")]
    BadFilter {
        key: String,
        value: String,
        expected: String,
    },
    #[error("`{0}` takes no arguments")]
    UnexpectedArguments(String),
}

/// Longest watch phrase kept.
const MAX_WATCH_CHARS: usize = 100;
/// Most watches one room may have.
const MAX_WATCHES_PER_PLACE: usize = 20;

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
    let no_args = |cmd: Command| {
        if rest.is_empty() {
            Ok(cmd)
        } else {
            Err(ParseError::UnexpectedArguments(lower.clone()))
        }
    };
    match lower.as_str() {
        "ask" | "a" | "q" => parse_question(rest).map_err(|e| match e {
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
        "timeline" | "tl" => match parse_question(rest) {
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
    let ask = parse_ask(text)?;
    if ask.question.trim().is_empty() {
        return Err(ParseError::Empty);
    }
    Ok(Command::Ask(ask))
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
        let key_lower = key.to_ascii_lowercase();
        let bad = |expected: &str| ParseError::BadFilter {
            key: key_lower.clone(),
            value: value.chars().take(40).collect(),
            expected: expected.into(),
        };
        match key_lower.as_str() {
            "since" | "until" => {
                let bound = DateBound::parse(value).ok_or_else(|| {
                    bad("use a date like 2026-11-01 or an age like 10m, 12h, 3d, 2w or 2months")
                })?;
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

/// Who is asking, as the platform knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The local terminal: whoever runs the binary owns the data.
    Local,
    Matrix {
        user_id: String,
    },
    Discord {
        user_id: u64,
        role_ids: Vec<u64>,
    },
}

impl Identity {
    /// Who, for records: a Matrix user id, a Discord user id, or "local".
    pub fn label(&self) -> String {
        match self {
            Identity::Local => "local".into(),
            Identity::Matrix { user_id } => user_id.clone(),
            Identity::Discord { user_id, .. } => user_id.to_string(),
        }
    }

    /// The platform's name, for metrics and logs.
    pub fn platform(&self) -> &'static str {
        match self {
            Identity::Local => "cli",
            Identity::Matrix { .. } => "matrix",
            Identity::Discord { .. } => "discord",
        }
    }
}

/// A message's sender and where it was said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub identity: Identity,
    /// Room or channel id, for logs.
    pub place: Option<String>,
}

impl Caller {
    pub fn local() -> Caller {
        Caller {
            identity: Identity::Local,
            place: None,
        }
    }
}

/// Decides who is an admin, from config.
#[derive(Debug, Clone, Default)]
pub struct Permissions {
    matrix_admins: Vec<String>,
    discord_users: Vec<u64>,
    discord_roles: Vec<u64>,
}

impl Permissions {
    pub fn from_config(config: &Config) -> Permissions {
        Permissions {
            matrix_admins: config.matrix.admins.clone(),
            discord_users: config.discord.admin_user_ids.clone(),
            discord_roles: config.discord.admin_role_ids.clone(),
        }
    }

    pub fn is_admin(&self, identity: &Identity) -> bool {
        match identity {
            Identity::Local => true,
            Identity::Matrix { user_id } => self.matrix_admins.iter().any(|a| a == user_id),
            Identity::Discord { user_id, role_ids } => {
                self.discord_users.contains(user_id)
                    || role_ids.iter().any(|r| self.discord_roles.contains(r))
            }
        }
    }
}

/// Runs commands against the engine.
pub struct Handler {
    engine: Arc<Engine>,
    permissions: Permissions,
    per_user: crate::limits::Limiter,
    per_room: crate::limits::Limiter,
    searches: tokio::sync::Semaphore,
}

impl Handler {
    pub fn new(engine: Arc<Engine>) -> Handler {
        let config = engine.config();
        let permissions = Permissions::from_config(config);
        let window = std::time::Duration::from_secs(config.chat.limit_window_secs.max(1));
        Handler {
            per_user: crate::limits::Limiter::new(config.chat.user_limit, window),
            per_room: crate::limits::Limiter::new(config.chat.room_limit, window),
            searches: tokio::sync::Semaphore::new(config.chat.max_concurrent_searches.max(1)),
            engine,
            permissions,
        }
    }

    /// Applies the per-person and per-room cooldowns (never to the terminal).
    fn rate_limit(&self, caller: &Caller) -> Option<Reply> {
        use crate::limits::Verdict;
        if caller.identity == Identity::Local {
            return None;
        }
        let now = std::time::Instant::now();
        let platform = caller.identity.platform();
        let user = self
            .per_user
            .check(&format!("{platform}:{}", caller.identity.label()), now);
        let verdict = match (user, caller.place.as_deref()) {
            (Verdict::Allow, Some(place)) => {
                self.per_room.check(&format!("{platform}:{place}"), now)
            }
            (v, _) => v,
        };
        match verdict {
            Verdict::Allow => None,
            Verdict::SlowDown { retry_secs } => {
                tracing::info!(caller = %caller.identity.label(), place = caller.place.as_deref().unwrap_or("-"), "rate limited");
                Some(Reply::SlowDown { retry_secs })
            }
            Verdict::Quiet => Some(Reply::Quiet),
        }
    }

    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    pub fn is_admin(&self, caller: &Caller) -> bool {
        self.permissions.is_admin(&caller.identity)
    }

    /// Handles a command line that followed the platform's prefix (`ask ...`, `sources`, ...).
    pub async fn respond_to_command(
        &self,
        text: &str,
        caller: &Caller,
        progress: Option<ProgressFn>,
    ) -> Reply {
        if let Some(reply) = self.check_size(text) {
            return reply;
        }
        match parse(text) {
            Ok(cmd) => self.handle(cmd, caller, progress).await,
            Err(e) => invalid(e),
        }
    }

    /// Handles free text addressed to the bot (a mention, a DM, a terminal line) as a question.
    pub async fn respond_to_question(&self, text: &str, caller: &Caller) -> Reply {
        if let Some(reply) = self.check_size(text) {
            return reply;
        }
        match parse_question(text) {
            Ok(cmd) => self.handle(cmd, caller, None).await,
            Err(ParseError::Empty) => Reply::Help,
            Err(e) => invalid(e),
        }
    }

    fn check_size(&self, text: &str) -> Option<Reply> {
        let max = self.engine.config().chat.max_message_bytes;
        (text.len() > max).then(|| Reply::Invalid {
            problem: crate::messages::too_long_message(text.len(), max),
            hint: Hint::Shorter,
        })
    }

    /// Runs one command for one caller. Never panics on user input; failures become replies.
    pub async fn handle(
        &self,
        command: Command,
        caller: &Caller,
        progress: Option<ProgressFn>,
    ) -> Reply {
        if let Some(reply) = self.rate_limit(caller) {
            return reply;
        }
        if command.is_admin_only() && !self.is_admin(caller) {
            tracing::warn!(
                command = command.name(),
                caller = ?caller.identity,
                place = caller.place.as_deref().unwrap_or("-"),
                "admin command refused"
            );
            return Reply::Refused {
                command: command.name().into(),
            };
        }
        if command.is_admin_only() {
            tracing::info!(
                command = command.name(),
                caller = ?caller.identity,
                place = caller.place.as_deref().unwrap_or("-"),
                "admin command"
            );
        }
        let engine = &self.engine;
        match command {
            Command::Help => Reply::Help,
            Command::Leave => Reply::Leaving,
            Command::Watch(_) | Command::Unwatch(_) | Command::Watches
                if caller.place.is_none() =>
            {
                Reply::Invalid {
                    problem: crate::messages::watches_need_a_room(),
                    hint: Hint::Help,
                }
            }
            Command::Watches => {
                let place = caller.place.as_deref().unwrap_or_default();
                match engine.store().watches_of(caller.identity.platform(), place) {
                    Ok(list) => Reply::Watches(list.into_iter().map(|w| w.words).collect()),
                    Err(e) => failed(e),
                }
            }
            Command::Watch(words) => {
                let place = caller.place.as_deref().unwrap_or_default();
                let platform = caller.identity.platform();
                let store = engine.store();
                let count = store
                    .watches_of(platform, place)
                    .map(|l| l.len())
                    .unwrap_or(0);
                if count >= MAX_WATCHES_PER_PLACE {
                    return Reply::Invalid {
                        problem: crate::messages::too_many_watches(MAX_WATCHES_PER_PLACE),
                        hint: Hint::Help,
                    };
                }
                match store.add_watch(platform, place, &words, &caller.identity.label()) {
                    Ok(added) => Reply::Watching { words, added },
                    Err(e) => failed(e),
                }
            }
            Command::Unwatch(words) => {
                let place = caller.place.as_deref().unwrap_or_default();
                match engine
                    .store()
                    .remove_watch(caller.identity.platform(), place, &words)
                {
                    Ok(removed) => Reply::Unwatched { words, removed },
                    Err(e) => failed(e),
                }
            }
            Command::Feeds => match engine.store().feeds() {
                Ok(feeds) => Reply::Feeds(feeds),
                Err(e) => failed(e),
            },
            Command::Timeline(ask) => self.timeline(ask).await,
            Command::Latest(ask) => self.latest(ask).await,
            Command::Ask(ask) => {
                let started = Instant::now();
                let reply = self.ask(ask).await;
                if matches!(
                    reply,
                    Reply::Answer(_) | Reply::NotFound { .. } | Reply::NothingInRange { .. }
                ) {
                    crate::metrics::question_answered(
                        caller.identity.platform(),
                        started.elapsed().as_secs_f64(),
                    );
                }
                reply
            }
            Command::Sources => match engine.sources() {
                Ok(sources) => Reply::Sources(sources),
                Err(e) => failed(e),
            },
            Command::Stats => match engine.stats() {
                Ok(stats) => Reply::Stats(stats),
                Err(e) => failed(e),
            },
            Command::Reindex => {
                let started = Instant::now();
                let progress = progress.unwrap_or_else(|| Arc::new(|_| {}));
                match engine.reindex(progress).await {
                    Ok(report) => {
                        crate::metrics::reindexed(started.elapsed().as_secs_f64());
                        Reply::Reindexed {
                            report,
                            elapsed_ms: started.elapsed().as_millis() as u64,
                        }
                    }
                    Err(SearchError::ReindexRunning) => Reply::Invalid {
                        problem: crate::messages::reindex_running(),
                        hint: Hint::Wait,
                    },
                    Err(e) => failed(e),
                }
            }
        }
    }

    /// The question's filters resolved at `now`: inline or flag dates, else the question's own
    /// time words ("yesterday", "in October"), which are then taken out of it.
    fn resolve(&self, ask: &Ask, now: DateTime<Utc>) -> Resolved {
        let config = self.engine.config();
        let mut question = ask.question.clone();
        let mut span = None;
        let (mut since, mut until) = (
            ask.since.map(|b| b.resolve(now)),
            ask.until.map(|b| match b {
                // A bare date means "through the end of that day".
                DateBound::At(d) if d.time() == chrono::NaiveTime::MIN => {
                    d + Duration::days(1) - Duration::seconds(1)
                }
                other => other.resolve(now),
            }),
        );
        if since.is_none()
            && until.is_none()
            && let Some((found, rest)) =
                crate::timewords::date_phrase(&question, now, &config.chat.tz())
        {
            since = Some(found.since);
            until = found.until.map(|u| u - Duration::seconds(1));
            question = rest;
            span = Some(found);
        }
        Resolved {
            question,
            filters: SearchFilters {
                since,
                until,
                source: ask.source.as_ref().map(|s| s.to_lowercase()),
            },
            span,
        }
    }

    fn too_long(&self, question: &str) -> Option<Reply> {
        let max = self.engine.config().chat.max_question_chars;
        let chars = question.chars().count();
        (chars > max).then(|| Reply::Invalid {
            problem: crate::messages::question_too_long(chars, max),
            hint: Hint::Shorter,
        })
    }

    async fn ask(&self, ask: Ask) -> Reply {
        if let Some(reply) = self.too_long(&ask.question) {
            return reply;
        }
        let config = self.engine.config();
        let resolved = self.resolve(&ask, self.engine.config().now());
        if let Some(reply) = bad_dates(&resolved) {
            return reply;
        }
        // "What is the latest news?", "What happened yesterday?": the newest developments.
        let (cue, words) = crate::timewords::recency_cue(&resolved.question);
        let hinted = cue == crate::timewords::Cue::Current || resolved.span.is_some();
        if crate::timewords::asks_what_is_new(&words, hinted) {
            return self.latest_of(resolved, &ask).await;
        }
        let request = AskRequest {
            filters: resolved.filters.clone(),
            limit: ask
                .limit
                .unwrap_or(config.search.default_limit)
                .min(config.search.max_limit),
            offset: ask.offset,
            per_article: ask.passages_per_article.unwrap_or(1),
            question: resolved.question.clone(),
            by_date: false,
        };
        match self.run_ask(request.clone()).await {
            Ok(Ok(mut answer)) => {
                // The reply states the range it used, from time words or from `since:`/`until:`.
                answer.range = resolved.span.clone().or_else(|| {
                    let (since, until) = (request.filters.since, request.filters.until);
                    (since.is_some() || until.is_some()).then(|| crate::timewords::Span {
                        since: since.unwrap_or(DateTime::<Utc>::MIN_UTC),
                        until,
                        label: range_note(&resolved, &ask).label,
                    })
                });
                Reply::Answer(answer)
            }
            Ok(Err(NotFoundReason::NoMatch))
                if request.filters.since.is_some() || request.filters.until.is_some() =>
            {
                // Does anything match outside the range? Say how much, and how to see it.
                let mut wider = request.clone();
                wider.filters.since = None;
                wider.filters.until = None;
                wider.offset = 0;
                wider.limit = OUTSIDE_COUNTED;
                let outside = match self.run_ask(wider).await {
                    Ok(Ok(a)) => (a.hits.len(), a.more),
                    _ => (0, false),
                };
                if outside.0 == 0 {
                    return Reply::NotFound {
                        question: ask.question,
                        reason: NotFoundReason::NoMatch,
                    };
                }
                Reply::NothingInRange {
                    question: resolved.question.clone(),
                    range: range_note(&resolved, &ask),
                    outside: outside.0,
                    more_outside: outside.1,
                }
            }
            Ok(Err(reason)) => Reply::NotFound {
                question: ask.question,
                reason,
            },
            Err(e) => e,
        }
    }

    /// Runs a question on the blocking pool, one of `max_concurrent_searches` at a time.
    async fn run_ask(
        &self,
        request: AskRequest,
    ) -> Result<Result<crate::reply::Answer, NotFoundReason>, Reply> {
        let _permit = self.searches.acquire().await;
        let engine = self.engine.clone();
        match tokio::task::spawn_blocking(move || engine.ask(&request)).await {
            Ok(Ok(result)) => Ok(result),
            Ok(Err(e)) => Err(failed(e)),
            Err(e) => Err(failed(e)),
        }
    }

    async fn timeline(&self, ask: Ask) -> Reply {
        if let Some(reply) = self.too_long(&ask.question) {
            return reply;
        }
        let resolved = self.resolve(&ask, self.engine.config().now());
        if let Some(reply) = bad_dates(&resolved) {
            return reply;
        }
        let limit = ask.limit.unwrap_or(TIMELINE_LIMIT).min(TIMELINE_POOL);
        let hits = match self.topic_pool(&resolved, &ask.question).await {
            Ok(hits) => hits,
            Err(reply) => return reply,
        };
        let (items, more) = crate::answer::timeline(hits, ask.offset, limit);
        if items.is_empty() {
            return Reply::NotFound {
                question: ask.question,
                reason: NotFoundReason::NoMatch,
            };
        }
        Reply::Timeline {
            topic: resolved.question,
            items,
            offset: ask.offset,
            more,
            range: resolved.span.map(|s| s.label),
        }
    }

    /// The best [`TIMELINE_POOL`] matches of a topic, one per article, for `timeline` and
    /// `latest` to put in date order; the reply to give instead when none match or the search
    /// failed.
    async fn topic_pool(
        &self,
        resolved: &Resolved,
        asked: &str,
    ) -> Result<Vec<crate::reply::Hit>, Reply> {
        let request = AskRequest {
            filters: resolved.filters.clone(),
            limit: TIMELINE_POOL,
            offset: 0,
            per_article: 1,
            question: resolved.question.clone(),
            by_date: true,
        };
        match self.run_ask(request).await {
            Ok(Ok(answer)) => Ok(answer.hits),
            Ok(Err(reason)) => Err(Reply::NotFound {
                question: asked.to_string(),
                reason,
            }),
            Err(e) => Err(e),
        }
    }

    async fn latest(&self, ask: Ask) -> Reply {
        let resolved = self.resolve(&ask, self.engine.config().now());
        if let Some(reply) = bad_dates(&resolved) {
            return reply;
        }
        if resolved.question.trim().is_empty() {
            return self.latest_of(resolved, &ask).await;
        }
        // `latest <words>`: the newest developments about them, newest first.
        if let Some(reply) = self.too_long(&ask.question) {
            return reply;
        }
        let limit = ask
            .limit
            .unwrap_or(LATEST_LIMIT)
            .min(self.engine.config().search.max_limit);
        let hits = match self.topic_pool(&resolved, &ask.question).await {
            Ok(hits) => hits,
            Err(reply) => return reply,
        };
        let (mut items, _) = crate::answer::timeline(hits, 0, TIMELINE_POOL);
        items.sort_by_key(|h| (h.published_estimated, std::cmp::Reverse(h.published)));
        let more = items.len() > ask.offset + limit;
        let items: Vec<_> = items.into_iter().skip(ask.offset).take(limit).collect();
        Reply::Latest {
            bounds: (resolved.filters.since, resolved.filters.until),
            range: resolved.span.map(|s| s.label),
            items,
            offset: ask.offset,
            more,
            newest: None,
        }
    }

    async fn latest_of(&self, resolved: Resolved, ask: &Ask) -> Reply {
        let limit = ask
            .limit
            .unwrap_or(LATEST_LIMIT)
            .min(self.engine.config().search.max_limit);
        let engine = self.engine.clone();
        let filters = resolved.filters.clone();
        let offset = ask.offset;
        let result =
            tokio::task::spawn_blocking(move || engine.latest(&filters, limit, offset)).await;
        let range = match &resolved.span {
            Some(span) => Some(span.label.clone()),
            None if resolved.filters.since.is_some() || resolved.filters.until.is_some() => {
                Some(range_note(&resolved, ask).label)
            }
            None => None,
        };
        match result {
            Ok(Ok((items, more, newest))) => Reply::Latest {
                bounds: (resolved.filters.since, resolved.filters.until),
                range,
                items,
                offset,
                more,
                newest,
            },
            Ok(Err(e)) => failed(e),
            Err(e) => failed(e),
        }
    }
}

/// A question's filters once dates are resolved.
struct Resolved {
    /// The question without its time words.
    question: String,
    filters: SearchFilters,
    /// The range its time words gave, if they did.
    span: Option<crate::timewords::Span>,
}

/// A range that ends before it starts, or a day that does not exist ("31 February"), is a
/// mistake to point out, not a search that finds nothing.
fn bad_dates(resolved: &Resolved) -> Option<Reply> {
    if let (Some(since), Some(until)) = (resolved.filters.since, resolved.filters.until)
        && until < since
    {
        return Some(Reply::Invalid {
            problem: crate::messages::range_backwards(since, until),
            hint: Hint::Filters,
        });
    }
    let words = crate::timewords::impossible_date(&resolved.question)?;
    Some(Reply::Invalid {
        problem: crate::messages::no_such_day(&words),
        hint: Hint::Filters,
    })
}

/// How many matches outside a date range are counted for "N older matches".
const OUTSIDE_COUNTED: usize = 10;
/// Items a timeline shows at once.
const TIMELINE_LIMIT: usize = 10;
/// Articles a timeline is chosen from (the best matches, then put in date order).
const TIMELINE_POOL: usize = 40;
/// Developments `latest` shows at once.
const LATEST_LIMIT: usize = 5;

/// The range a question was limited to and how to widen it, as the reply words them.
fn range_note(resolved: &Resolved, ask: &Ask) -> crate::reply::RangeNote {
    if let Some(span) = &resolved.span {
        return crate::reply::RangeNote {
            label: span.label.clone(),
            drop: crate::reply::DropFilter::Words,
            older: span.until.is_none(),
        };
    }
    // A day, or the minute when the bound is not midnight ("since:10m").
    let day = |d: DateTime<Utc>| {
        let last_second = chrono::NaiveTime::from_hms_opt(23, 59, 59);
        if d.time() == chrono::NaiveTime::MIN || Some(d.time()) == last_second {
            d.format("%-d %b %Y").to_string()
        } else {
            d.format("%-d %b %Y %H:%M UTC").to_string()
        }
    };
    let (since, until) = (resolved.filters.since, resolved.filters.until);
    let label = match (since, until) {
        (Some(a), Some(b)) => format!("between {} and {}", day(a), day(b)),
        (Some(a), None) => format!("since {}", day(a)),
        (None, Some(b)) => format!("until {}", day(b)),
        (None, None) => String::new(),
    };
    let drop = match (ask.since.is_some(), ask.until.is_some()) {
        (true, false) => crate::reply::DropFilter::Since,
        (false, true) => crate::reply::DropFilter::Until,
        _ => crate::reply::DropFilter::Both,
    };
    crate::reply::RangeNote {
        label,
        drop,
        older: until.is_none(),
    }
}

fn invalid(e: ParseError) -> Reply {
    let hint = match &e {
        ParseError::UnknownCommand(_) | ParseError::UnexpectedArguments(_) => Hint::Help,
        ParseError::Empty | ParseError::MissingQuestion { .. } => Hint::Ask,
        ParseError::BadFilter { .. } => Hint::Filters,
    };
    Reply::Invalid {
        problem: e.to_string(),
        hint,
    }
}

/// A failure on our side as chat users see it: a full disk said as such, anything else as an
/// internal error with a reference to the log line that holds the details (internal error text
/// names files and modules, and is no use to someone asking a question).
fn failed(e: impl std::error::Error + 'static) -> Reply {
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let reference = {
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let t = chrono::Utc::now().timestamp_subsec_nanos() as u64;
        format!("{:06x}", (t ^ n.wrapping_mul(0x9e37_79b9)) & 0xff_ffff)
    };
    tracing::error!(error = %e, reference = %reference, "command failed");
    Reply::Failed {
        problem: if crate::engine::is_disk_full(&e) {
            crate::messages::failure_disk_full()
        } else {
            crate::messages::failure_internal(&reference)
        },
    }
}

/// Helper for adapters and tests: the reason a reply has no hits, if any.
pub fn not_found_reason(reply: &Reply) -> Option<NotFoundReason> {
    match reply {
        Reply::NotFound { reason, .. } => Some(*reason),
        _ => None,
    }
}

/// A date given as `YYYY-MM-DD` for CLI flags.
pub fn parse_date_flag(s: &str) -> Result<DateBound, String> {
    DateBound::parse(s).ok_or_else(|| {
        format!("`{s}` is not a date; use a date like 2026-11-01 or an age like 10m, 12h, 3d, 2w or 2months")
    })
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
    fn commands_parse_case_insensitively() {
        assert_eq!(parse("sources"), Ok(Command::Sources));
        assert_eq!(parse("  STATS "), Ok(Command::Stats));
        assert_eq!(parse("Reindex"), Ok(Command::Reindex));
        assert_eq!(parse("help"), Ok(Command::Help));
        assert_eq!(
            ask(parse("ask Is territory negotiable?").unwrap()).question,
            "Is territory negotiable?"
        );
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
            "`watch` needs the words to watch for, e.g. `watch prisoner exchange`"
        );
        assert_eq!(
            parse("timeline").unwrap_err().to_string(),
            "`timeline` needs a topic, e.g. `timeline prisoner exchange`"
        );
        assert_eq!(
            parse("ask").unwrap_err().to_string(),
            "`ask` needs a question"
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
            "`since:banana` is not valid: use a date like 2026-11-01 or an age like 10m, 12h, 3d, 2w or 2months"
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
    }

    #[test]
    fn admins_come_from_config() {
        let mut cfg = Config::default();
        cfg.matrix.admins = vec!["@alice:example.org".into()];
        cfg.discord.admin_role_ids = vec![7];
        let p = Permissions::from_config(&cfg);
        assert!(p.is_admin(&Identity::Local));
        assert!(p.is_admin(&Identity::Matrix {
            user_id: "@alice:example.org".into()
        }));
        assert!(!p.is_admin(&Identity::Matrix {
            user_id: "@bob:example.org".into()
        }));
        assert!(p.is_admin(&Identity::Discord {
            user_id: 1,
            role_ids: vec![7]
        }));
        assert!(!p.is_admin(&Identity::Discord {
            user_id: 1,
            role_ids: vec![8]
        }));
    }

    #[test]
    fn failures_show_no_internal_text_and_name_a_full_disk() {
        let full = std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            "/data/store.sqlite: ENOSPC",
        );
        let Reply::Failed { problem } = failed(full) else {
            panic!("not a failure")
        };
        assert_eq!(problem, crate::messages::failure_disk_full());
        let other = std::io::Error::other("tantivy-7/meta.json: lock poisoned in writer thread");
        let Reply::Failed { problem } = failed(other) else {
            panic!("not a failure")
        };
        assert!(
            !problem.contains("tantivy") && !problem.contains("meta.json"),
            "{problem}"
        );
        assert!(problem.contains("ref "), "{problem}");
    }
}
