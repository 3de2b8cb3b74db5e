//! How inputs that could not be read and messages that could not be understood are worded.

use std::fmt;

use crate::ingest::IngestError;

/// Why no `https://` page can be fetched on a machine without trusted roots (said per fetch and
/// once when the feed poller starts).
pub const NO_TRUSTED_ROOTS: &str =
    "no trusted root certificates found; install ca-certificates or set SSL_CERT_FILE";

/// What a `since`/`until` value may be, said when one could not be read.
pub const DATE_EXPECTED: &str = "use a date like 2026-11-01, an age like 10m, 12h, 3d, 2w or 2months, or words like yesterday, monday, november or \"last week\"";

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IngestError::Empty => write!(f, "empty file"),
            IngestError::Binary => write!(f, "binary file, not text"),
            IngestError::TooLarge { size, limit } => write!(
                f,
                "too large: {size} bytes, the limit is {limit} bytes (ingest.max_file_bytes)"
            ),
            IngestError::OverLimit { limit } => write!(
                f,
                "too large: more than {limit} bytes (ingest.max_file_bytes)"
            ),
            IngestError::NotRegular(kind) => write!(
                f,
                "not a regular file ({kind}); only files and directories are read"
            ),
            IngestError::TooDeep { limit } => write!(
                f,
                "too deeply nested: more than {limit} levels of elements, which no article needs"
            ),
            IngestError::TooSlow { budget_ms } => write!(
                f,
                "took too long to read: over {budget_ms} ms (ingest.max_parse_ms)"
            ),
            IngestError::ParserFailed => write!(
                f,
                "the page broke the text extractor (a bug in talkwatch; the other inputs go on)"
            ),
            IngestError::NoText => write!(f, "no readable text found"),
            IngestError::NoTitle => {
                write!(f, "no title found (add a `title:` in the front matter)")
            }
            IngestError::FrontMatter(why) => write!(f, "bad front matter: {why}"),
            IngestError::JsonLine { line, reason } => write!(f, "line {line}: {reason}"),
            IngestError::Unsupported(ext) => write!(
                f,
                "unsupported file type `.{ext}` (use .md, .txt, .html or .jsonl)"
            ),
            IngestError::Fetch(why) => write!(f, "cannot fetch: {why}"),
            IngestError::NoTrustedRoots => write!(f, "cannot fetch: {NO_TRUSTED_ROOTS}"),
            IngestError::Untrusted(why) => write!(
                f,
                "cannot fetch: the server's certificate is not trusted ({why}); behind a \
                 TLS-inspecting proxy, put its CA in a bundle and point SSL_CERT_FILE at it"
            ),
            IngestError::Io(why) => write!(f, "cannot read: {why}"),
            IngestError::Missing => write!(f, "no such file or directory"),
            IngestError::EmptyDir => {
                write!(f, "no .md, .txt, .html or .jsonl file in this directory")
            }
            IngestError::Parse(why) => write!(f, "{why}"),
        }
    }
}

// The wording of `command::ParseError` (which sits above this module: it calls these).

pub fn empty_message() -> String {
    "the message is empty".into()
}

pub fn unknown_command(name: &str) -> String {
    format!("unknown command `{name}`")
}

pub fn bad_filter(key: &str, value: &str, expected: &str) -> String {
    format!("`{key}:{value}` is not valid: {expected}")
}

pub fn unexpected_arguments(command: &str) -> String {
    format!("`{command}` takes no arguments")
}
