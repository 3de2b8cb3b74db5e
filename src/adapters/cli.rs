//! The terminal adapter: the `talkwatch` command line and the `chat` REPL. Like the chat
//! adapters, it only translates: arguments and typed lines go to the shared handler, replies are
//! rendered as text (or JSON for `ask --json`).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use crate::command::{self, Ask, Caller, Command, Handler};
use crate::config::Config;
use crate::engine::{Engine, IngestProgress};
use crate::messages::cli::Hint;
use crate::messages::{self, Paging, Syntax};
use crate::reply::Reply;
use crate::search::RebuildProgress;
use crate::telemetry::{self, LogFormat};

/// The one-shot commands (`talkwatch ask`, `timeline`, …): a further page is asked for with
/// `--offset`.
const TERMINAL: Syntax<'static> = Syntax {
    prefix: "talkwatch ",
    paging: Paging::Flag,
};
/// In `chat`, which keeps the last list: `more` or `!more` shows its next page.
const CHAT: Syntax<'static> = Syntax {
    prefix: "!",
    paging: Paging::More,
};

/// `println!` for what a command prints, through [`write_out`].
macro_rules! out {
    ($($arg:tt)*) => {
        write_out(format_args!($($arg)*), true)
    };
}

/// Writes to stdout and flushes. When the reader has gone away (`talkwatch ask … | head -3`),
/// the command ends quietly with status 0, as a pipeline's reader expects, instead of panicking
/// with "Broken pipe"; any other write failure (a full disk behind `>`) is one error line and
/// status 1. Nothing is half-done at that point: the store commits before anything is printed.
fn write_out(args: std::fmt::Arguments<'_>, newline: bool) {
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_fmt(args)
        .and_then(|()| {
            if newline {
                stdout.write_all(b"\n")
            } else {
                Ok(())
            }
        })
        .and_then(|()| stdout.flush());
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "{}",
                messages::cli::cannot_write_output(&e)
            );
            std::process::exit(Exit::Runtime as i32)
        }
    }
}

/// talkwatch — answers questions about ongoing talks with quoted passages from the news.
#[derive(Debug, Parser)]
#[command(name = "talkwatch", version, about, long_about = None)]
pub struct Cli {
    /// Config file (default: config/talkwatch.toml when present, else built-in defaults).
    #[arg(long, global = true, env = "TALKWATCH_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,
    /// Answer as if it were this time (RFC 3339, e.g. 2026-10-31T09:00:00Z): "yesterday",
    /// "this week" and ages like 3d count from it. Also TALKWATCH_NOW.
    #[arg(long, global = true, value_name = "TIME", value_parser = parse_now)]
    pub now: Option<chrono::DateTime<chrono::Utc>>,
    #[command(subcommand)]
    pub command: CliCommand,
}

#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// Read articles from files, directories (recursively) and http(s) URLs.
    Ingest {
        /// .md/.txt (optional front matter), .html, .jsonl files, directories, or URLs.
        #[arg(required = true, value_name = "PATH_OR_URL")]
        inputs: Vec<String>,
    },
    /// Ask a question; prints the best matching passages with their sources.
    Ask(AskArgs),
    /// How a topic developed: one line per report (copies of one report once), oldest first.
    Timeline(TimelineArgs),
    /// The newest developments, one per report, newest first (optionally about some words).
    Latest(TimelineArgs),
    /// Chat with the bot in the terminal, exactly as in a chat room (no tokens needed).
    Chat,
    /// List the news sources in the store.
    Sources,
    /// Show article, passage and index figures.
    Stats,
    /// Rebuild the search index from the article store (the old one serves until the switch).
    Reindex {
        /// Poll every feed again first (ignoring "not modified"), then rebuild.
        #[arg(long)]
        refetch: bool,
    },
    /// Run the bot: every chat adapter enabled in config, until SIGINT/SIGTERM.
    Run,
    /// Ask a running `talkwatch run` (at http.listen) whether it is healthy; exit 0 if so.
    Healthcheck,
    /// Manage the news feeds `talkwatch run` polls.
    #[command(subcommand)]
    Feeds(FeedsCommand),
    /// Discord: register the slash commands (gateway mode also does it at start).
    #[command(subcommand)]
    Discord(DiscordCommand),
}

#[derive(Debug, Subcommand)]
pub enum DiscordCommand {
    /// Register /ask, /sources, /stats, /help, /reindex, ... (per guild when discord.guild_ids is set).
    Register,
}

#[derive(Debug, Subcommand)]
pub enum FeedsCommand {
    /// Add (or change) a feed: RSS, Atom or JSON Feed.
    Add {
        /// The feed's URL.
        url: String,
        /// The source name shown to users for its articles.
        #[arg(long)]
        name: String,
        /// Time between polls: 30s, 10m (minutes), 1h, 1d.
        #[arg(long, default_value = "10m", value_parser = parse_interval_flag)]
        interval: std::time::Duration,
        /// Only items containing one of these words (or matching /regex/); repeatable.
        #[arg(long)]
        include: Vec<String>,
        /// Skip items containing one of these words (or matching /regex/); repeatable.
        #[arg(long)]
        exclude: Vec<String>,
    },
    /// List feeds with their health.
    List,
    /// Remove a feed (its articles stay).
    Remove { name: String },
    /// Poll every feed once now and print what it brought.
    Poll,
}

fn parse_now(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .map(|d| d.to_utc())
        .map_err(|e| messages::cli::not_a_time(s, &e))
}

fn parse_interval_flag(s: &str) -> Result<std::time::Duration, String> {
    crate::feeds::parse_interval(s).map_err(|e| e.to_string())
}

/// The date and source flags of `ask`, `timeline` and `latest`.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Only articles published on or after this date (2026-11-01), within this age (3d, 2w) or
    /// since these words (yesterday, monday, "last week").
    #[arg(long, value_parser = command::parse_date_flag)]
    pub since: Option<command::DateBound>,
    /// Only articles published on or before this date or age.
    #[arg(long, value_parser = command::parse_date_flag)]
    pub until: Option<command::DateBound>,
    /// Only this source (as listed by `talkwatch sources`).
    #[arg(long)]
    pub source: Option<String>,
}

impl FilterArgs {
    /// Flags win over the same filters written inline in the question.
    fn apply(self, ask: &mut Ask) {
        ask.since = self.since.or(ask.since.take());
        ask.until = self.until.or(ask.until.take());
        ask.source = self.source.or(ask.source.take());
    }
}

#[derive(Debug, Args)]
pub struct AskArgs {
    /// The question (inline filters such as since:3d also work).
    #[arg(required = true, num_args = 1..)]
    pub question: Vec<String>,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Number of articles to quote (search.default_limit, 3, unless given; at most
    /// search.max_limit, 10, per reply: --offset shows the next ones).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub limit: Option<u16>,
    /// Passages per article (default 1: each article's best passage).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=10))]
    pub passages: Option<u16>,
    /// Articles to skip (the next page starts at the number shown).
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Print JSON: {"question", "hits": [{"title","url","source","published","passage","score",
    /// "also": [{"source","url","published"}]}]}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// The topic (inline filters and time words such as "since October" also work).
    pub topic: Vec<String>,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Number of items (default 10 for a timeline, 5 for the latest).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=40))]
    pub limit: Option<u16>,
    /// Items to skip (the next page starts at the number shown).
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Print JSON: {"topic", "items": [{"published","title","url","source","passage","also",
    /// "undated"}]}.
    #[arg(long)]
    pub json: bool,
}

/// Exit status of a CLI run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Runtime = 1,
    Usage = 2,
}

/// The program: parses the command line, runs it on a multi-threaded tokio runtime and maps the
/// outcome to the process's exit status.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            print_error(&messages::cli::no_runtime(&e), Hint::Threads.text());
            return std::process::ExitCode::from(Exit::Runtime as u8);
        }
    };
    let exit = runtime.block_on(run(cli));
    std::process::ExitCode::from(exit as u8)
}

/// Runs a parsed command line; errors are printed as one line plus a hint.
pub async fn run(cli: Cli) -> Exit {
    let default_log = if matches!(cli.command, CliCommand::Run) {
        "info"
    } else {
        "warn"
    };
    telemetry::init(cli.log_format, default_log);
    let mut config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            print_error(&e.to_string(), Hint::Config.text());
            return Exit::Usage;
        }
    };
    if cli.now.is_some() {
        config.now = cli.now;
    }
    if matches!(cli.command, CliCommand::Healthcheck) {
        return healthcheck(&config.http.listen).await;
    }
    if let CliCommand::Discord(DiscordCommand::Register) = &cli.command {
        let http = crate::adapters::discord::rest_client(&config.discord);
        return match crate::adapters::discord::register_commands(&http, &config.discord).await {
            Ok(n) => {
                out!(
                    "{}",
                    messages::discord_registered(n, config.discord.guild_ids.len())
                );
                Exit::Ok
            }
            Err(e) => {
                print_error(&format!("{e:#}"), Hint::DiscordCredentials.text());
                Exit::Runtime
            }
        };
    }
    let engine = match Engine::open(config).await {
        Ok(e) => Arc::new(e),
        Err(e) => {
            print_error(&crate::text::error_chain(&e), Hint::DataDirBusy.text());
            return Exit::Runtime;
        }
    };
    let handler = Handler::new(engine.clone());
    match cli.command {
        CliCommand::Ingest { inputs } => ingest(&engine, &inputs).await,
        CliCommand::Ask(args) => {
            load_demo_if_empty(&engine).await;
            ask(&handler, args).await
        }
        CliCommand::Timeline(args) => {
            load_demo_if_empty(&engine).await;
            timeline(&handler, args, true).await
        }
        CliCommand::Latest(args) => {
            load_demo_if_empty(&engine).await;
            timeline(&handler, args, false).await
        }
        CliCommand::Chat => {
            load_demo_if_empty(&engine).await;
            chat(&handler).await
        }
        CliCommand::Sources => print_reply(
            &handler
                .handle(Command::Sources, &Caller::local(), None)
                .await,
        ),
        CliCommand::Stats => {
            print_reply(&handler.handle(Command::Stats, &Caller::local(), None).await)
        }
        CliCommand::Reindex { refetch } => {
            if refetch {
                let code = poll_feeds(&engine, true, |line| eprintln!("{line}")).await;
                if code != Exit::Ok {
                    eprintln!("{}", messages::refetch_failed_continuing());
                }
            }
            let bar = progress_bar();
            let b = bar.clone();
            let progress: crate::search::ProgressFn = Arc::new(move |p: RebuildProgress| {
                b.set_length(p.total);
                b.set_position(p.done);
            });
            let reply = handler
                .handle(Command::Reindex, &Caller::local(), Some(progress))
                .await;
            bar.finish_and_clear();
            print_reply(&reply)
        }
        CliCommand::Healthcheck | CliCommand::Discord(_) => {
            unreachable!("handled before the engine opens")
        }
        CliCommand::Feeds(cmd) => feeds(&engine, &handler, cmd).await,
        CliCommand::Run => {
            load_demo_if_empty(&engine).await;
            match super::service::run(Arc::new(handler)).await {
                Ok(()) => Exit::Ok,
                Err(e) => {
                    print_error(&format!("{e:#}"), Hint::Settings.text());
                    Exit::Runtime
                }
            }
        }
    }
}

async fn feeds(engine: &Arc<Engine>, handler: &Handler, cmd: FeedsCommand) -> Exit {
    let store = engine.store();
    match cmd {
        FeedsCommand::Add {
            url,
            name,
            interval,
            include,
            exclude,
        } => {
            let record = crate::feeds::record_from_config(&crate::config::FeedConfig {
                url,
                name,
                interval: Some(format!("{}s", interval.as_secs())),
                include,
                exclude,
            });
            let mut record = match record {
                Ok(r) => r,
                Err(e) => {
                    print_error(&crate::text::error_chain(&e), Hint::FeedUrl.text());
                    return Exit::Usage;
                }
            };
            record.from_config = false;
            match store.put_feed(&record) {
                Ok(()) => {
                    out!(
                        "{}",
                        messages::feed_added(&record.name, &record.url, record.interval_secs)
                    );
                    Exit::Ok
                }
                Err(e) => {
                    print_error(&e.to_string(), Hint::DataDir.text());
                    Exit::Runtime
                }
            }
        }
        FeedsCommand::List => {
            print_reply(&handler.handle(Command::Feeds, &Caller::local(), None).await)
        }
        FeedsCommand::Remove { name } => match store.remove_feed(&name) {
            Ok(true) => {
                out!("{}", messages::feed_removed(&name));
                Exit::Ok
            }
            Ok(false) => {
                print_error(&messages::no_such_feed(&name), Hint::FeedsList.text());
                Exit::Usage
            }
            Err(e) => {
                print_error(&e.to_string(), Hint::DataDir.text());
                Exit::Runtime
            }
        },
        FeedsCommand::Poll => {
            if store.feeds().map(|f| f.is_empty()).unwrap_or(false) {
                out!("{}", messages::no_feeds());
                return Exit::Ok;
            }
            poll_feeds(engine, false, |line| out!("{line}")).await
        }
    }
}

/// Polls every feed once; `refetch` reads everything again (see `Poller::poll_with`).
/// Successes go to `report`, failures to stderr; exit 1 if any feed failed.
async fn poll_feeds(engine: &Arc<Engine>, refetch: bool, report: impl Fn(String)) -> Exit {
    let poller = match crate::feeds::Poller::new(engine.clone()) {
        Ok(p) => p,
        Err(e) => {
            print_error(&e.to_string(), Hint::IngestSettings.text());
            return Exit::Runtime;
        }
    };
    let mut exit = Exit::Ok;
    for feed in engine.store().feeds().unwrap_or_default() {
        match poller.poll_with(&feed, refetch).await {
            Ok(o) => report(messages::feed_polled(&feed.name, &o)),
            Err(e) => {
                exit = Exit::Runtime;
                eprintln!("{}", messages::feed_poll_failed(&feed.name, &e.to_string()));
            }
        }
    }
    exit
}

/// `GET /healthz` of the local service (for Docker's HEALTHCHECK; no curl needed).
async fn healthcheck(listen: &str) -> Exit {
    let address = listen
        .replace("0.0.0.0", "127.0.0.1")
        .replace("[::]", "[::1]");
    let url = format!("http://{address}/healthz");
    let response = reqwest::Client::new()
        .get(&url)
        .timeout(std::time::Duration::from_secs(4))
        .send()
        .await;
    match response {
        Ok(r) => {
            let ok = r.status().is_success();
            out!("{}", r.text().await.unwrap_or_default());
            if ok { Exit::Ok } else { Exit::Runtime }
        }
        Err(e) => {
            print_error(
                &messages::cli::not_answering(&url, &e),
                Hint::ServiceListen.text(),
            );
            Exit::Runtime
        }
    }
}

async fn load_demo_if_empty(engine: &Engine) {
    match engine.ensure_demo().await {
        Ok(Some(added)) => eprintln!("{}", messages::demo_loaded(added)),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "cannot load the demo corpus"),
    }
}

fn progress_bar() -> indicatif::ProgressBar {
    let bar =
        indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}")
            .expect("valid template"),
    );
    bar
}

struct Bar(indicatif::ProgressBar);

impl IngestProgress for Bar {
    fn start(&self, total: u64) {
        self.0.set_length(total);
    }
    fn advance(&self, label: &str) {
        self.0.set_message(crate::text::shorten(label, 60));
        self.0.inc(1);
    }
    fn saved(&self, saved: usize) {
        // Without a terminal no bar is drawn: say what is durable, a line per commit.
        if self.0.is_hidden() {
            eprintln!(
                "{}",
                messages::ingest_saved(saved, self.0.position(), self.0.length().unwrap_or(0))
            );
        }
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

async fn ingest(engine: &Engine, inputs: &[String]) -> Exit {
    let bar = Bar(progress_bar());
    match engine.ingest(inputs, &bar).await {
        Ok(report) => {
            out!("{}", messages::ingest_summary(&report));
            for (input, encoding) in &report.guessed_encodings {
                out!("{}", messages::ingest_encoding_guess(input, encoding));
            }
            for d in &report.duplicates {
                out!("{}", messages::ingest_duplicate(&d.input, &d.of, &d.url));
            }
            for f in &report.failures {
                out!("{}", messages::ingest_failure(f));
            }
            Exit::Ok
        }
        Err(e) if e.is_disk_full() => {
            tracing::error!(error = %e, "ingest stopped: disk full");
            print_error(
                &messages::disk_full(&engine.config().data_dir),
                messages::DISK_FULL_HINT,
            );
            Exit::Runtime
        }
        Err(e) => {
            print_error(&e.to_string(), Hint::IngestAgain.text());
            Exit::Runtime
        }
    }
}

async fn ask(handler: &Handler, args: AskArgs) -> Exit {
    let text = args.question.join(" ");
    let Some(mut ask) = question_of(&text, false) else {
        return Exit::Usage;
    };
    args.filters.apply(&mut ask);
    ask.limit = args.limit.map(usize::from).or(ask.limit);
    ask.passages_per_article = args.passages.map(usize::from).or(ask.passages_per_article);
    ask.offset = args.offset;
    let reply = handler
        .handle(Command::Ask(ask), &Caller::local(), None)
        .await;
    if args.json {
        return print_json(&text, &reply);
    }
    print_reply(&reply)
}

/// The question typed on the command line with its inline filters; a bad filter is printed as a
/// usage error (`None`). `empty_ok`: no words at all is allowed (`latest`).
fn question_of(text: &str, empty_ok: bool) -> Option<Ask> {
    let parsed = match command::parse_ask(text) {
        Ok(a) if a.question.trim().is_empty() && !empty_ok => Err(command::ParseError::Empty),
        other => other,
    };
    match parsed {
        Ok(a) => Some(a),
        Err(e) => {
            print_error(
                &e.to_string(),
                &messages::hint(crate::reply::Hint::Filters, TERMINAL),
            );
            None
        }
    }
}

async fn timeline(handler: &Handler, args: TimelineArgs, is_timeline: bool) -> Exit {
    let text = args.topic.join(" ");
    if is_timeline && text.trim().is_empty() {
        print_error(
            &messages::missing_words("timeline"),
            &messages::hint(crate::reply::Hint::Timeline, TERMINAL),
        );
        return Exit::Usage;
    }
    let Some(mut ask) = question_of(&text, true) else {
        return Exit::Usage;
    };
    args.filters.apply(&mut ask);
    ask.limit = args.limit.map(usize::from).or(ask.limit);
    ask.offset = args.offset;
    let command = if is_timeline {
        Command::Timeline(ask)
    } else {
        Command::Latest(ask)
    };
    let reply = handler.handle(command, &Caller::local(), None).await;
    if args.json {
        let (items, bounds) = match &reply {
            Reply::Timeline { items, .. } => (items.as_slice(), (None, None)),
            Reply::Latest { items, bounds, .. } => (items.as_slice(), *bounds),
            // Nothing found, or a page past the last one (`--offset`): no items.
            Reply::NotFound { .. } | Reply::NothingInRange { .. } | Reply::NothingMore => {
                (&[][..], (None, None))
            }
            other => return print_reply(other),
        };
        let items = items.iter().map(JsonItem::of).collect();
        let json = if is_timeline {
            serde_json::to_string_pretty(&JsonTimeline {
                topic: &text,
                items,
            })
        } else {
            serde_json::to_string_pretty(&JsonLatest {
                range: JsonRange {
                    since: bounds.0.map(rfc3339),
                    until: bounds.1.map(rfc3339),
                },
                items,
            })
        };
        out!("{}", json.expect("serializable"));
        return Exit::Ok;
    }
    print_reply(&reply)
}

#[derive(Serialize)]
struct JsonTimeline<'a> {
    topic: &'a str,
    items: Vec<JsonItem<'a>>,
}

/// `latest --json`: the range the items were chosen from (RFC 3339; null: open) and the items,
/// newest first.
#[derive(Serialize)]
struct JsonLatest<'a> {
    range: JsonRange,
    items: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct JsonRange {
    since: Option<String>,
    until: Option<String>,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    /// RFC 3339; null for an article without a date of its own.
    published: Option<String>,
    /// The article has no date of its own (`published` is the file or fetch time).
    undated: bool,
    title: &'a str,
    url: &'a str,
    source: &'a str,
    passage: &'a str,
    also: Vec<JsonAlso<'a>>,
}

impl<'a> JsonItem<'a> {
    fn of(h: &'a crate::reply::Hit) -> JsonItem<'a> {
        JsonItem {
            published: (!h.published_estimated).then(|| rfc3339(h.published)),
            undated: h.published_estimated,
            title: &h.title,
            url: &h.url,
            source: &h.source,
            passage: &h.passage,
            also: JsonAlso::of(h),
        }
    }
}

#[derive(Serialize)]
struct JsonAlso<'a> {
    source: &'a str,
    url: &'a str,
    published: String,
}

impl<'a> JsonAlso<'a> {
    fn of(h: &'a crate::reply::Hit) -> Vec<JsonAlso<'a>> {
        h.also
            .iter()
            .map(|a| JsonAlso {
                source: &a.source,
                url: &a.url,
                published: rfc3339(a.published),
            })
            .collect()
    }
}

fn rfc3339(d: chrono::DateTime<chrono::Utc>) -> String {
    d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[derive(Serialize)]
struct JsonAnswer<'a> {
    question: &'a str,
    hits: Vec<JsonHit<'a>>,
    /// A newer article that matches as well but is not among the hits.
    #[serde(skip_serializing_if = "Option::is_none")]
    newer: Option<JsonNewer<'a>>,
    /// How many matches the date range left out, when it left some out.
    #[serde(skip_serializing_if = "Option::is_none")]
    excluded: Option<usize>,
}

#[derive(Serialize)]
struct JsonNewer<'a> {
    title: &'a str,
    url: &'a str,
    source: &'a str,
    published: String,
}

#[derive(Serialize)]
struct JsonHit<'a> {
    title: &'a str,
    url: &'a str,
    source: &'a str,
    published: String,
    passage: &'a str,
    score: f32,
    also: Vec<JsonAlso<'a>>,
}

fn print_json(question: &str, reply: &Reply) -> Exit {
    fn hit(h: &crate::reply::Hit, score: f32) -> JsonHit<'_> {
        JsonHit {
            title: &h.title,
            url: &h.url,
            source: &h.source,
            published: rfc3339(h.published),
            passage: &h.passage,
            score,
            also: JsonAlso::of(h),
        }
    }
    let hits = match reply {
        Reply::Answer(a) => a.hits.iter().map(|h| hit(h, h.score)).collect(),
        // "What happened yesterday?": the newest developments, "How did the talks evolve?": the
        // timeline, each in date order (score 0).
        Reply::Latest { items, .. } | Reply::Timeline { items, .. } => {
            items.iter().map(|h| hit(h, 0.0)).collect()
        }
        Reply::NotFound { .. } | Reply::NothingInRange { .. } | Reply::NothingMore => Vec::new(),
        other => return print_reply(other),
    };
    let newer = match reply {
        Reply::Answer(a) => a.newer.as_ref().map(|n| JsonNewer {
            title: &n.title,
            url: &n.url,
            source: &n.source,
            published: rfc3339(n.published),
        }),
        _ => None,
    };
    let excluded = match reply {
        Reply::NothingInRange { outside, .. } if *outside > 0 => Some(*outside),
        _ => None,
    };
    let out = JsonAnswer {
        question,
        hits,
        newer,
        excluded,
    };
    out!(
        "{}",
        serde_json::to_string_pretty(&out).expect("serializable")
    );
    Exit::Ok
}

/// Prints a reply; problems go to stderr with a non-zero exit.
fn print_reply(reply: &Reply) -> Exit {
    let text = messages::plain(reply, TERMINAL);
    match reply {
        Reply::Invalid { problem, hint } => {
            print_error(problem, &messages::hint(*hint, TERMINAL));
            Exit::Usage
        }
        Reply::Failed { problem } | Reply::Refused { command: problem } => {
            print_error(problem, Hint::SeeLog.text());
            Exit::Runtime
        }
        _ => {
            out!("{text}");
            Exit::Ok
        }
    }
}

fn print_error(problem: &str, hint: &str) {
    eprintln!("error: {problem}");
    eprintln!("hint: {hint}");
}

/// The REPL: the same parser and handler as the chat adapters. `!command` or a plain question.
async fn chat(handler: &Handler) -> Exit {
    let interactive = std::io::stdin().is_terminal();
    if interactive {
        out!("{}", messages::cli::CHAT_BANNER);
    }
    let caller = Caller::local();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<String>(1);
    // Reading stdin blocks, so it gets its own thread.
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        for line in stdin.lock().lines() {
            let Ok(line) = line else { break };
            if tx.blocking_send(line).is_err() {
                break;
            }
        }
    });
    // The last answer or list with a further page: the line that asked for it, and where its
    // next page starts.
    let mut last: Option<(String, usize)> = None;
    loop {
        if interactive {
            write_out(format_args!("talkwatch> "), false);
        }
        let Some(line) = rx.recv().await else { break };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if matches!(line, "quit" | "exit" | "!quit" | "!exit") {
            break;
        }
        if command::asks_for_more(line.strip_prefix('!').unwrap_or(line)) {
            let (reply, kept) = handler.respond_to_more(last.take(), &caller).await;
            last = kept;
            out!("{}\n", messages::plain(&reply, CHAT));
            continue;
        }
        let asked = match line.strip_prefix('!') {
            Some(cmd) => command::paged_line(cmd),
            None => command::paged_question(line),
        };
        let reply = match line.strip_prefix('!') {
            Some(cmd) => {
                let progress: crate::search::ProgressFn = Arc::new(|p: RebuildProgress| {
                    eprintln!("{}", messages::reindex_progress(p.done, p.total));
                });
                handler
                    .respond_to_command(cmd, &caller, Some(progress))
                    .await
            }
            None => handler.respond_to_question(line, &caller).await,
        };
        last = command::next_page(&reply).map(|next| (asked, next));
        let text = match reply {
            Reply::Leaving => messages::nothing_to_leave(),
            other => messages::plain(&other, CHAT),
        };
        out!("{text}\n");
    }
    Exit::Ok
}
