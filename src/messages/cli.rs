//! What the command line says besides replies: the chat banner, and for each error the hint
//! printed under it.

/// The first line of an interactive `chat`.
pub const CHAT_BANNER: &str = "talkwatch chat — ask about ongoing talks, e.g. “Is territory negotiable?”. Type !help for commands, more for the next page of a list, quit to leave.";

/// What to try after an error, printed as `hint: …` under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    Threads,
    Config,
    DiscordCredentials,
    DataDir,
    DataDirBusy,
    Settings,
    FeedUrl,
    FeedsList,
    IngestSettings,
    ServiceListen,
    IngestAgain,
    SeeLog,
}

impl Hint {
    pub fn text(self) -> &'static str {
        match self {
            Hint::Threads => "check the limits on threads and open files",
            Hint::Config => "check the config file and TALKWATCH_* variables",
            Hint::DiscordCredentials => {
                "set TALKWATCH_DISCORD__TOKEN and TALKWATCH_DISCORD__APPLICATION_ID"
            }
            Hint::DataDir => "check data_dir",
            Hint::DataDirBusy => {
                "check data_dir (TALKWATCH_DATA_DIR) and that no other process is rebuilding it"
            }
            Hint::Settings => "see config/talkwatch.toml for the settings",
            Hint::FeedUrl => "give an http(s) URL of an RSS, Atom or JSON feed",
            Hint::FeedsList => "see `talkwatch feeds list`",
            Hint::IngestSettings => "check the [ingest] settings",
            Hint::ServiceListen => "is `talkwatch run` running with this http.listen?",
            Hint::IngestAgain => {
                "nothing already stored was lost; fix the cause and run the same ingest again"
            }
            Hint::SeeLog => "see the log lines above (TALKWATCH_LOG=debug for more)",
        }
    }
}

pub fn cannot_write_output(e: &std::io::Error) -> String {
    format!("error: cannot write the output: {e}")
}

pub fn not_a_time(s: &str, e: &chrono::ParseError) -> String {
    format!("`{s}` is not a time like 2026-10-31T09:00:00Z ({e})")
}

pub fn no_runtime(e: &std::io::Error) -> String {
    format!("cannot start the async runtime: {e}")
}

pub fn not_answering(url: &str, e: &reqwest::Error) -> String {
    format!("{url} is not answering: {e}")
}
