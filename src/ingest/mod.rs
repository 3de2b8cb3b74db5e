//! Turning outside input (files, directories, URLs) into normalized [`Article`]s.
//!
//! Every input either becomes articles or a [`Failure`] with a reason a person can act on; one
//! bad file never stops the others, and nothing here touches the store or the index.
//!
//! `parse.rs`: Markdown/text with YAML front matter, HTML through the readability port
//! `dom_smoothie`, JSON Lines. `fetch.rs`: bounded HTTP fetches (timeouts, size cap, redirect
//! limit). `decode.rs`: bytes to text as a browser decides (BOM, `Content-Type`, XML declaration,
//! `<meta>`, UTF-8, then chardetng's guess, which the summary names). `bound.rs`: a linear
//! nesting-depth scan that refuses markup too deep to parse, and the pool of parsing threads every
//! file, page and feed is parsed on, with a deadline (`ingest.max_parse_ms`): parsing never runs
//! on a runtime worker. `feed.rs` / `loose.rs`: RSS, Atom and JSON Feed through feed-rs after
//! making lenient readers' input readable to it, and a by-element-name reading when feed-rs gets
//! fewer entries or fails. Only regular files are read, never past the size limit.

pub mod bound;
mod decode;
mod feed;
mod fetch;
mod item;
mod loose;
mod parse;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use decode::charset_of;
pub use feed::{parse_feed, parse_feed_as};
pub use fetch::{Conditional, Fetcher};
pub use item::FeedItem;
pub use parse::{
    DocKind, Parsed, canonical_url, html_paragraphs, parse_bytes, parse_date, parse_input,
};

/// One news article, normalized: the unit the store keeps and the index is built from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Canonical URL; also the article's identity (re-ingesting it updates, never duplicates).
    pub url: String,
    pub title: String,
    /// Who published it (shown to users); the URL's host or `local` when not given.
    pub source: String,
    pub published: DateTime<Utc>,
    /// True when `published` is a file time or fetch time, not a date the article carries.
    pub published_estimated: bool,
    pub tags: Vec<String>,
    /// Paragraphs separated by a blank line.
    pub body: String,
}

impl Article {
    pub fn paragraphs(&self) -> impl Iterator<Item = &str> {
        self.body.split("\n\n").filter(|p| !p.trim().is_empty())
    }
}

/// Where an input came from, for URLs and dates of articles that carry neither.
#[derive(Debug, Clone)]
pub enum Origin {
    File {
        path: PathBuf,
        modified: DateTime<Utc>,
    },
    Url {
        url: url::Url,
        fetched: DateTime<Utc>,
    },
    Embedded {
        name: String,
    },
}

impl Origin {
    pub fn label(&self) -> String {
        match self {
            Origin::File { path, .. } => path.display().to_string(),
            Origin::Url { url, .. } => url.to_string(),
            Origin::Embedded { name } => name.clone(),
        }
    }
}

/// Why an input was skipped. The wording users see is in `messages::errors`.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum IngestError {
    Empty,
    Binary,
    TooLarge { size: u64, limit: u64 },
    OverLimit { limit: u64 },
    NotRegular(&'static str),
    TooDeep { limit: usize },
    TooSlow { budget_ms: u64 },
    ParserFailed,
    NoText,
    NoTitle,
    FrontMatter(String),
    JsonLine { line: usize, reason: String },
    Unsupported(String),
    Fetch(String),
    NoTrustedRoots,
    Untrusted(String),
    Io(String),
    Missing,
    EmptyDir,
    Parse(String),
}

/// An input that produced no article, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub input: String,
    pub error: IngestError,
}

/// Expands the user's arguments into concrete inputs: directories are walked recursively (only
/// known extensions are taken from them), files and URLs are kept as named.
pub fn expand_inputs(args: &[String]) -> (Vec<Input>, Vec<Failure>) {
    let mut inputs = Vec::new();
    let mut failures = Vec::new();
    for arg in args {
        if arg.starts_with("http://") || arg.starts_with("https://") {
            match url::Url::parse(arg) {
                Ok(url) => inputs.push(Input::Url(url)),
                Err(e) => failures.push(Failure {
                    input: arg.clone(),
                    error: IngestError::Fetch(format!("invalid URL: {e}")),
                }),
            }
            continue;
        }
        let path = Path::new(arg);
        if path.is_dir() {
            let mut files: Vec<PathBuf> = walkdir::WalkDir::new(path)
                .follow_links(true)
                .into_iter()
                .filter_map(Result::ok)
                // Pipes and devices with an article's extension are inputs too: refused by name.
                .filter(|e| !e.file_type().is_dir())
                .map(|e| e.into_path())
                .filter(|p| DocKind::from_path(p).is_some())
                .collect();
            files.sort();
            if files.is_empty() {
                failures.push(Failure {
                    input: arg.clone(),
                    error: IngestError::EmptyDir,
                });
            }
            inputs.extend(files.into_iter().map(Input::File));
        } else if path.exists() {
            inputs.push(Input::File(path.to_path_buf()));
        } else {
            failures.push(Failure {
                input: arg.clone(),
                error: IngestError::Missing,
            });
        }
    }
    (inputs, failures)
}

/// One concrete thing to read.
#[derive(Debug, Clone)]
pub enum Input {
    File(PathBuf),
    Url(url::Url),
}

impl Input {
    pub fn label(&self) -> String {
        match self {
            Input::File(p) => p.display().to_string(),
            Input::Url(u) => u.to_string(),
        }
    }
}

/// Reads one file into articles, enforcing the size limit before reading it whole.
pub fn read_file(path: &Path, max_bytes: u64) -> Parsed {
    read_file_inner(path, max_bytes).unwrap_or_else(Parsed::failed)
}

fn read_file_inner(path: &Path, max_bytes: u64) -> Result<Parsed, IngestError> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;

    // A FIFO or device would block `open` or `read` (and reports length 0): look first, and
    // open without blocking in case the path changed in between.
    let meta = std::fs::metadata(path).map_err(|e| IngestError::Io(e.to_string()))?;
    not_special(&meta.file_type())?;
    if meta.len() > max_bytes {
        return Err(IngestError::TooLarge {
            size: meta.len(),
            limit: max_bytes,
        });
    }
    let kind = match DocKind::from_path(path) {
        Some(kind) => kind,
        None => {
            let ext = path
                .extension()
                .map(|e| e.to_string_lossy().into_owned())
                .unwrap_or_default();
            if ext.is_empty() {
                DocKind::Text
            } else {
                return Err(IngestError::Unsupported(ext));
            }
        }
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| IngestError::Io(e.to_string()))?;
    let opened = file
        .metadata()
        .map_err(|e| IngestError::Io(e.to_string()))?;
    not_special(&opened.file_type())?;
    // The reported length is a claim: read no further than the limit whatever it said.
    let mut bytes = Vec::with_capacity(opened.len().min(max_bytes) as usize);
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| IngestError::Io(e.to_string()))?;
    if bytes.len() as u64 > max_bytes {
        return Err(IngestError::OverLimit { limit: max_bytes });
    }
    let modified = opened
        .modified()
        .map(DateTime::<Utc>::from)
        .unwrap_or_else(|_| Utc::now());
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    Ok(parse_input(
        &bytes,
        kind,
        &Origin::File {
            path: abs,
            modified,
        },
        None,
    ))
}

/// Refuses what is not a regular file (pipes, sockets, devices), naming what it is.
fn not_special(kind: &std::fs::FileType) -> Result<(), IngestError> {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_file() {
        return Ok(());
    }
    Err(IngestError::NotRegular(if kind.is_fifo() {
        "a named pipe"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_dir() {
        "a directory"
    } else {
        "not a file"
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_stops_at_the_limit_whatever_the_file_claims() {
        // procfs files report a length of 0 and have more to read.
        let path = Path::new("/proc/self/maps");
        assert_eq!(std::fs::metadata(path).unwrap().len(), 0);
        assert_eq!(
            read_file(path, 16).items,
            vec![Err(IngestError::OverLimit { limit: 16 })]
        );
        assert_eq!(
            read_file(Path::new("/dev/null"), 16).items,
            vec![Err(IngestError::NotRegular("a device"))]
        );
    }
}
