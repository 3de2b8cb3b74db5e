//! Running a [`Command`]: rate limits and permissions, then the engine; every outcome a
//! [`Reply`].

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};

use super::{
    Ask, Caller, Command, Identity, ParseError, Permissions, next_page, page_of, parse,
    parse_question,
};
use crate::answer::AskRequest;
use crate::engine::Engine;
use crate::reply::{Hint, Hit, NotFoundReason, Reply};
use crate::search::{ProgressFn, SearchError, SearchFilters};

/// Most watches one room may have.
const MAX_WATCHES_PER_PLACE: usize = 20;

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

    /// Whether the Matrix bot may accept an invite from `inviter` (see [`Permissions::may_invite`]).
    pub fn may_invite(&self, inviter: &str, own_server: &str) -> bool {
        self.permissions.may_invite(inviter, own_server)
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

    /// `more`: the next page of a conversation's last paged reply. `last` is the line that asked
    /// for it and where its next page starts; returns the reply and what to keep for the next
    /// `more` (None when nothing further follows).
    pub async fn respond_to_more(
        &self,
        last: Option<(String, usize)>,
        caller: &Caller,
    ) -> (Reply, Option<(String, usize)>) {
        let Some((asked, next)) = last else {
            return (Reply::NothingMore, None);
        };
        let Some(command) = page_of(&asked, next) else {
            return (Reply::NothingMore, None);
        };
        let reply = self.handle(command, caller, None).await;
        let kept = next_page(&reply).map(|next| (asked, next));
        (reply, kept)
    }

    fn check_size(&self, text: &str) -> Option<Reply> {
        let max = self.engine.config().chat.max_message_bytes;
        (text.len() > max).then(|| Reply::Invalid {
            problem: crate::messages::too_long_message(text.len(), max),
            hint: Hint::Shorter,
        })
    }

    /// The refusal `caller` gets for `command` when it is for admins only and they are not one;
    /// None when they may run it. (An adapter that answers long commands late asks first, so a
    /// refusal is said at once.)
    pub fn refusal(&self, command: &Command, caller: &Caller) -> Option<Reply> {
        if !command.is_admin_only() || self.is_admin(caller) {
            return None;
        }
        tracing::warn!(
            command = command.name(),
            caller = ?caller.identity,
            place = caller.place.as_deref().unwrap_or("-"),
            "admin command refused"
        );
        Some(Reply::Refused {
            command: command.name().into(),
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
        if let Some(refused) = self.refusal(&command, caller) {
            return refused;
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
            Command::SmallTalk(said) => Reply::SmallTalk(said),
            Command::Leave => Reply::Leaving,
            Command::Watch(_) | Command::Unwatch(_) | Command::Watches => {
                self.watches(command, caller)
            }
            Command::Feeds => match engine.store().feeds() {
                Ok(feeds) => Reply::Feeds(feeds),
                Err(e) => failed(e),
            },
            Command::Timeline(ask) => past_the_end(ask.offset, self.timeline(ask).await),
            Command::Latest(ask) => past_the_end(ask.offset, self.latest(ask).await),
            Command::Ask(ask) => {
                let started = Instant::now();
                let reply = past_the_end(ask.offset, self.ask(ask).await);
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
            Command::Reindex => self.reindex(progress).await,
        }
    }

    /// `watch`, `unwatch` and `watches`: the watches of the room or channel asked in.
    fn watches(&self, command: Command, caller: &Caller) -> Reply {
        match command {
            _ if caller.place.is_none() => Reply::Invalid {
                problem: crate::messages::watches_need_a_room(),
                hint: Hint::Help,
            },
            Command::Watches => {
                let place = caller.place.as_deref().unwrap_or_default();
                match self
                    .engine
                    .store()
                    .watches_of(caller.identity.platform(), place)
                {
                    Ok(list) => Reply::Watches(list.into_iter().map(|w| w.words).collect()),
                    Err(e) => failed(e),
                }
            }
            Command::Watch(words) => {
                let place = caller.place.as_deref().unwrap_or_default();
                let platform = caller.identity.platform();
                let store = self.engine.store();
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
                match self
                    .engine
                    .store()
                    .remove_watch(caller.identity.platform(), place, &words)
                {
                    Ok(removed) => Reply::Unwatched { words, removed },
                    Err(e) => failed(e),
                }
            }
            _ => unreachable!("only watch commands come here"),
        }
    }

    async fn reindex(&self, progress: Option<ProgressFn>) -> Reply {
        let started = Instant::now();
        let progress = progress.unwrap_or_else(|| Arc::new(|_| {}));
        match self.engine.reindex(progress).await {
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

    /// The question's filters resolved at `now`: inline or flag dates, else the question's own
    /// time words ("yesterday", "in October"), which are then taken out of it.
    fn resolve(&self, ask: &Ask, now: DateTime<Utc>) -> Resolved {
        let config = self.engine.config();
        let mut question = ask.question.clone();
        let mut span = None;
        let tz = config.chat.tz();
        let (mut since, mut until) = (
            ask.since.as_ref().map(|b| b.since(now, &tz)),
            ask.until.as_ref().map(|b| b.until(now, &tz)),
        );
        if since.is_none()
            && until.is_none()
            && let Some((found, rest)) = crate::timewords::date_phrase(&question, now, &tz)
        {
            since = Some(found.since);
            until = found.until.map(|u| u - Duration::seconds(1));
            question = rest;
            span = Some(found);
        }
        // "What does Example Wire say about Riyadh?": the source it names, when one is read.
        let mut source = ask.source.clone();
        let mut named = None;
        if source.is_none()
            && let Some(mention) = self.engine.named_source(&question)
        {
            question = mention.rest(&question);
            source = Some(mention.name.clone());
            named = Some(mention.name);
        }
        Resolved {
            question,
            filters: SearchFilters {
                since,
                until,
                source: source.map(|s| s.to_lowercase()),
            },
            span,
            named,
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
        // "How did the talks on the prisoner exchange evolve?": its timeline.
        if let Some(topic) = crate::question::development_topic(&ask.question) {
            return self
                .timeline(Ask {
                    question: topic,
                    ..ask
                })
                .await;
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
        let mut result = self.run_ask(request.clone()).await;
        // Nothing but a source ("What does Example Wire say?"): its newest developments.
        if let (Ok(Err(NotFoundReason::NoWords)), Some(_)) = (&result, &resolved.named) {
            return self.latest_of(resolved, &ask).await;
        }
        // A source named in the question with nothing on the rest of it: every source's hits,
        // saying so (the source was a guess from the question's words, not a `source:`).
        let mut unmatched = None;
        if let (Ok(Err(NotFoundReason::NoMatch)), Some(named)) = (&result, &resolved.named) {
            let mut wider = request.clone();
            wider.filters.source = None;
            if let Ok(Ok(answer)) = self.run_ask(wider).await {
                unmatched = Some(named.clone());
                result = Ok(Ok(answer));
            }
        }
        match result {
            Ok(Ok(mut answer)) => {
                if unmatched.is_some() {
                    answer.source_unmatched = unmatched;
                } else {
                    answer.source = source_shown(&request.filters, &answer.hits);
                }
                // The reply states the range it used, from time words or from `since:`/`until:`.
                answer.range = resolved.span.clone().or_else(|| {
                    request.filters.is_dated().then(|| crate::timewords::Span {
                        since: request.filters.since.unwrap_or(DateTime::<Utc>::MIN_UTC),
                        until: request.filters.until,
                        label: range_note(&resolved, &ask).label,
                    })
                });
                Reply::Answer(answer)
            }
            Ok(Err(reason)) => self.not_found(reason, &request, &resolved, &ask).await,
            Err(e) => e,
        }
    }

    /// The reply when `request` found nothing: with a date range (`since:`, `until:`, time
    /// words) and matches outside it, how many there are and how to see them; else "nothing
    /// found" for the words as asked.
    async fn not_found(
        &self,
        reason: NotFoundReason,
        request: &AskRequest,
        resolved: &Resolved,
        ask: &Ask,
    ) -> Reply {
        // The words searched for, without the time words that only set the range; with the
        // source a question named, as asked ("Riyadh from Capital Ledger": other sources may
        // well have it).
        let words = if resolved.question.trim().is_empty() || resolved.named.is_some() {
            &ask.question
        } else {
            &resolved.question
        };
        let not_found = || Reply::NotFound {
            question: words.clone(),
            reason,
        };
        if reason == NotFoundReason::NoMatch
            && let Some(reply) = self.unknown_source(ask).await
        {
            return reply;
        }
        if reason != NotFoundReason::NoMatch || !request.filters.is_dated() {
            return not_found();
        }
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
            return not_found();
        }
        Reply::NothingInRange {
            question: resolved.question.clone(),
            range: range_note(resolved, ask),
            outside: outside.0,
            more_outside: outside.1,
        }
    }

    /// When `ask` names a source (`source:`) that no article or feed has, says so (with where
    /// to see the sources) in place of "nothing found"; asked only once nothing was found.
    async fn unknown_source(&self, ask: &Ask) -> Option<Reply> {
        let name = ask.source.clone()?;
        let engine = self.engine.clone();
        let sources = tokio::task::spawn_blocking(move || engine.sources())
            .await
            .ok()?
            .ok()?;
        let wanted = name.to_lowercase();
        if sources.iter().any(|s| s.source.to_lowercase() == wanted) {
            return None;
        }
        Some(Reply::Invalid {
            problem: crate::messages::unknown_source(&name),
            hint: Hint::Sources,
        })
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
        let pool = match self.topic_pool(&resolved, &ask).await {
            Ok(pool) => pool,
            Err(reply) => return reply,
        };
        let (items, more) = crate::answer::timeline(pool.hits, ask.offset, limit);
        if items.is_empty() {
            return Reply::NotFound {
                question: ask.question,
                reason: NotFoundReason::NoMatch,
            };
        }
        Reply::Timeline {
            range: range_label(&resolved, &ask),
            source: source_shown(&resolved.filters, &items),
            topic: resolved.question,
            items,
            offset: ask.offset,
            more,
            unknown: pool.unknown,
        }
    }

    /// The best [`TIMELINE_POOL`] matches of a topic, one per article, for `timeline` and
    /// `latest` to put in date order; the reply to give instead when none match or the search
    /// failed.
    async fn topic_pool(
        &self,
        resolved: &Resolved,
        ask: &Ask,
    ) -> Result<crate::reply::Answer, Reply> {
        let request = AskRequest {
            filters: resolved.filters.clone(),
            limit: TIMELINE_POOL,
            offset: 0,
            per_article: 1,
            question: resolved.question.clone(),
            by_date: true,
        };
        match self.run_ask(request.clone()).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(reason)) => Err(self.not_found(reason, &request, resolved, ask).await),
            Err(e) => Err(e),
        }
    }

    async fn latest(&self, ask: Ask) -> Reply {
        if let Some(reply) = self.too_long(&ask.question) {
            return reply;
        }
        let resolved = self.resolve(&ask, self.engine.config().now());
        if let Some(reply) = bad_dates(&resolved) {
            return reply;
        }
        if resolved.question.trim().is_empty() {
            return self.latest_of(resolved, &ask).await;
        }
        // `latest <words>`: the newest developments about them, newest first.
        let limit = ask
            .limit
            .unwrap_or(LATEST_LIMIT)
            .min(self.engine.config().search.max_limit);
        let pool = match self.topic_pool(&resolved, &ask).await {
            Ok(pool) => pool,
            Err(reply) => return reply,
        };
        let (mut items, _) = crate::answer::timeline(pool.hits, 0, TIMELINE_POOL);
        items.sort_by_key(|h| (h.published_estimated, std::cmp::Reverse(h.published)));
        let more = items.len() > ask.offset + limit;
        let items: Vec<_> = items.into_iter().skip(ask.offset).take(limit).collect();
        Reply::Latest {
            topic: Some(resolved.question.clone()),
            unknown: pool.unknown,
            source: source_shown(&resolved.filters, &items),
            bounds: (resolved.filters.since, resolved.filters.until),
            range: range_label(&resolved, &ask),
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
        let range = range_label(&resolved, ask);
        match result {
            Ok(Ok((items, more, newest))) => {
                // Nothing at all from a source no article or feed has: say that instead.
                if items.is_empty()
                    && let Some(reply) = self.unknown_source(ask).await
                {
                    return reply;
                }
                Reply::Latest {
                    topic: None,
                    unknown: Vec::new(),
                    source: source_shown(&resolved.filters, &items),
                    bounds: (resolved.filters.since, resolved.filters.until),
                    range,
                    items,
                    offset,
                    more,
                    newest,
                }
            }
            Ok(Err(e)) => failed(e),
            Err(e) => failed(e),
        }
    }
}

/// A page past the last one (`--offset` beyond the end, a "More" button on an index that has
/// since changed) shows nothing: that is said as such, not as "I found nothing about" words that
/// do match.
fn past_the_end(offset: usize, reply: Reply) -> Reply {
    let empty = match &reply {
        Reply::NotFound {
            reason: NotFoundReason::NoMatch,
            ..
        } => true,
        Reply::Latest { items, .. } => items.is_empty(),
        _ => false,
    };
    if offset > 0 && empty {
        Reply::NothingMore
    } else {
        reply
    }
}

/// Runs `work`, handing it a progress callback, and while it runs shows a reindex's progress
/// through `show`: the first report at once, then at most one every `every`. Adapters show it
/// their own way (a notice edited in place, an edited interaction response).
pub async fn with_progress<W, S, F>(
    every: std::time::Duration,
    work: impl FnOnce(ProgressFn) -> W,
    mut show: S,
) -> Reply
where
    W: std::future::Future<Output = Reply>,
    S: FnMut(crate::search::RebuildProgress) -> F,
    F: std::future::Future<Output = ()>,
{
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let progress: ProgressFn = Arc::new(move |p| {
        let _ = tx.send(p);
    });
    let work = work(progress);
    tokio::pin!(work);
    let mut shown: Option<Instant> = None;
    loop {
        tokio::select! {
            biased;
            Some(p) = rx.recv() => {
                if shown.is_none_or(|t| t.elapsed() >= every) {
                    show(p).await;
                    shown = Some(Instant::now());
                }
            }
            reply = &mut work => return reply,
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
    /// The source the question named (as written), which `filters` keeps to.
    named: Option<String>,
}

/// The source a reply's hits were limited to, as they spell it.
fn source_shown(filters: &SearchFilters, hits: &[Hit]) -> Option<String> {
    filters.source.as_ref()?;
    hits.first().map(|h| h.source.clone())
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

/// The range a list was limited to, as its header states it: the time words' range, or the
/// `since:`/`until:` dates; None when the list is not limited.
fn range_label(resolved: &Resolved, ask: &Ask) -> Option<String> {
    (resolved.span.is_some() || resolved.filters.is_dated())
        .then(|| range_note(resolved, ask).label)
}

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
        ParseError::UnknownCommand(name) => super::parse::closest_command(name)
            .map(Hint::DidYouMean)
            .unwrap_or(Hint::Help),
        ParseError::UnexpectedArguments(_) => Hint::Help,
        ParseError::Empty => Hint::Ask,
        // A command without its words: an example of it.
        ParseError::MissingQuestion { command } => match command.as_str() {
            "timeline" => Hint::Timeline,
            "watch" => Hint::Watch,
            "unwatch" => Hint::Watches,
            _ => Hint::Ask,
        },
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
    tracing::error!(error = %crate::text::error_chain(&e), reference = %reference, "command failed");
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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_command_without_its_words_points_to_what_fits_it() {
        let hint_of = |line: &str| match invalid(parse(line).unwrap_err()) {
            Reply::Invalid { hint, .. } => hint,
            other => panic!("{other:?}"),
        };
        assert_eq!(hint_of("ask"), Hint::Ask);
        // An example of the command itself; a sample question would not fit.
        assert_eq!(hint_of("timeline"), Hint::Timeline);
        assert_eq!(hint_of("watch"), Hint::Watch);
        assert_eq!(hint_of("unwatch"), Hint::Watches);
    }
}
