//! The platform-neutral bot: what a message asks for ([`parse`], pure) and what to answer
//! ([`Handler::handle`], returns a [`Reply`]). Every adapter (terminal, Matrix, Discord) goes
//! through here, so all of them understand the same commands and filters.
//!
//! Architecture Invariant: permission checks happen here, never in adapters. Adapters say who is
//! asking ([`Identity`]); [`Permissions`] decides whether that is an admin.
//!
//! `parse.rs` reads a message into a [`Command`] (pure); `caller.rs` says who is asking and
//! whether they are an admin; `handler.rs` runs a command against the engine.

mod caller;
mod handler;
mod parse;

pub use caller::{Caller, Identity, Permissions};
pub use handler::{Handler, not_found_reason, with_progress};
pub use parse::{
    Ask, DateBound, ParseError, ask_line, asks_for_more, next_page, page_of, paged_line,
    paged_question, parse, parse_ask, parse_date_flag, parse_question,
};

use crate::reply::SmallTalk;

/// Everything the bot can be asked to do. Closed: adding a command means handling it everywhere.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Ask(Ask),
    Sources,
    Stats,
    Reindex,
    Help,
    /// Small talk instead of a question: a greeting, thanks, a nod, a goodbye.
    SmallTalk(SmallTalk),
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
            Command::SmallTalk(SmallTalk::Hello) => "hello",
            Command::SmallTalk(SmallTalk::Thanks) => "thanks",
            Command::SmallTalk(SmallTalk::Ok) => "ok",
            Command::SmallTalk(SmallTalk::Bye) => "bye",
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
