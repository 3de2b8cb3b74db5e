#![recursion_limit = "256"]
//! talkwatch answers questions about ongoing talks (peace talks, trade talks, summits) with quoted
//! passages from the news articles it has read.
//!
//! Data flows one way through the modules:
//!
//! * [`ingest`] reads files, directories and URLs and normalizes them into [`ingest::Article`]s.
//! * [`store`] keeps every article in SQLite: the source of truth the index is derived from.
//! * [`search`] owns the tantivy index: schema, the single writer task, readers, passages.
//! * [`answer`] turns a question into ranked, collapsed, highlighted hits.
//! * [`command`] is the platform-neutral bot: a closed [`command::Command`] enum, a pure
//!   [`command::parse`], and [`command::Handler::handle`] returning a [`reply::Reply`].
//! * [`adapters`] translate between a platform (terminal, Matrix, Discord) and the handler; they
//!   are the only modules that know a platform exists.
//!
//! [`config`] is what the program runs with, [`messages`] holds every user-facing sentence, and
//! [`engine`] wires store, index and aliases together for the handler.

pub mod adapters;
pub mod answer;
pub mod atomic;
pub mod command;
pub mod config;
pub mod dedup;
pub mod demo;
pub mod engine;
pub mod feeds;
pub mod health;
pub mod http;
pub mod ingest;
pub mod limits;
pub mod messages;
pub mod metrics;
pub mod named_source;
pub mod question;
pub mod reply;
pub mod retry;
pub mod search;
pub mod shutdown;
pub mod store;
pub mod telemetry;
pub mod text;
pub mod timewords;
pub mod units;
pub mod watch;

/// Answering a question makes a few thousand small allocations (postings, tokens, hits); with
/// mimalloc instead of the system allocator a question takes about a tenth less time
/// (docs/benchmarks.md). Declared here so the binary, the benchmarks and the tests all use it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
