//! Bounds on the work one outside input can cause.
//!
//! Two bounds, enforced by structure rather than hoped for:
//! - **Depth.** html5ever's tree building and the readability pass both take time growing with
//!   the square of the element nesting depth (10k nested `<div>`s: about a minute). A linear byte
//!   scan ([`nesting_depth`]) runs first and refuses markup nested deeper than [`MAX_DEPTH`], so
//!   the parsers only ever see inputs they finish quickly. The scan over-estimates rather than
//!   under-estimates: it counts every element that may nest and skips only void elements, those
//!   whose end tag is optional, comments and raw text (`<script>`, `<style>`…). Real news pages
//!   count between 50 and 150.
//! - **Time.** [`run`] does the parsing on a parsing thread and stops waiting for it at a
//!   deadline (`ingest.max_parse_ms`): the async workers that serve chat and schedule feeds never
//!   parse, and an input that takes too long is reported and the batch goes on. A thread that
//!   overran finishes in the background (the depth and size bounds keep that short); at most
//!   [`MAX_THREADS`] parse at once, so overruns cannot pile up.

use std::time::Duration;

use super::IngestError;

/// Deepest element nesting parsed (as [`nesting_depth`] counts it); deeper inputs are refused.
pub const MAX_DEPTH: usize = 1_000;

/// How many parsing threads may run at once, overrunning ones included.
pub const MAX_THREADS: usize = 4;

/// Stack of a parsing thread: recursion in the parsers follows the (bounded) nesting depth.
const STACK_BYTES: usize = 16 * 1024 * 1024;

static THREADS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_THREADS);

/// Runs `job` (a parse of outside bytes) on a parsing thread and waits at most `budget` for it.
/// A job that panics is reported as an extraction failure, never taken down with the caller.
pub async fn run<T, F>(budget: Duration, job: F) -> Result<T, IngestError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let permit = THREADS
        .acquire()
        .await
        .expect("the parsing semaphore is never closed");
    let (tx, rx) = tokio::sync::oneshot::channel();
    pool::dispatch(Box::new(move || {
        let _permit = permit;
        let _ = tx.send(job());
    }))
    .map_err(|e| IngestError::Io(format!("cannot start a parsing thread: {e}")))?;
    match tokio::time::timeout(budget, rx).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(_)) => Err(IngestError::ParserFailed),
        Err(_) => Err(IngestError::TooSlow {
            budget_ms: budget.as_millis() as u64,
        }),
    }
}

/// The parsing threads: started on demand (never more than [`MAX_THREADS`] busy, so never more
/// than that many alive), kept while jobs come and ended after [`pool::IDLE_EXIT`] without one.
/// A thread that finished a job looks for the next one briefly before it sleeps: waking a
/// sleeping thread for every page of a batch cost 6–8 % of extraction throughput.
mod pool {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::mpsc::{Sender, channel};
    use std::time::Duration;

    pub type Job = Box<dyn FnOnce() + Send>;

    pub const IDLE_EXIT: Duration = Duration::from_secs(30);
    /// How long a thread that finished a job looks for the next one before it sleeps.
    const SPIN: Duration = Duration::from_micros(300);

    /// Threads waiting for a job: an id and the way to hand it one.
    static IDLE: Mutex<Vec<(u64, Sender<Job>)>> = Mutex::new(Vec::new());
    static NEXT_ID: AtomicU64 = AtomicU64::new(0);

    fn idle() -> std::sync::MutexGuard<'static, Vec<(u64, Sender<Job>)>> {
        IDLE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Hands `job` to an idle thread, or starts one for it.
    pub fn dispatch(job: Job) -> std::io::Result<()> {
        let mut job = job;
        loop {
            let Some((_, worker)) = idle().pop() else {
                break;
            };
            // A thread leaves the list before it ends, so this fails only if it died.
            match worker.send(job) {
                Ok(()) => return Ok(()),
                Err(returned) => job = returned.0,
            }
        }
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        std::thread::Builder::new()
            .name("talkwatch-parse".into())
            .stack_size(super::STACK_BYTES)
            .spawn(move || work(id, job))
            .map(|_| ())
    }

    fn work(id: u64, first: Job) {
        let (tx, rx) = channel::<Job>();
        let mut job = first;
        loop {
            // A panicking parser drops the job's reply channel: its caller hears of it.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            idle().push((id, tx.clone()));
            // Pages of a batch come back to back: look for the next one for a moment before
            // sleeping.
            let spin_until = std::time::Instant::now() + SPIN;
            let mut next = None;
            while next.is_none() && std::time::Instant::now() < spin_until {
                next = rx.try_recv().ok();
                std::thread::yield_now();
            }
            if let Some(next) = next {
                job = next;
                continue;
            }
            job = match rx.recv_timeout(IDLE_EXIT) {
                Ok(next) => next,
                Err(_) => {
                    let mut list = idle();
                    match list.iter().position(|(i, _)| *i == id) {
                        Some(at) => {
                            // Still listed, so nobody holds this thread's sender: end.
                            list.remove(at);
                            return;
                        }
                        // Taken off the list by a dispatcher, whose job is on its way.
                        None => {
                            drop(list);
                            match rx.recv() {
                                Ok(next) => next,
                                Err(_) => return,
                            }
                        }
                    }
                }
            };
        }
    }
}

/// Refuses markup nested deeper than [`MAX_DEPTH`] before any parser sees it.
pub fn check_depth(bytes: &[u8], markup: Markup) -> Result<(), IngestError> {
    if nesting_depth(bytes, markup, MAX_DEPTH) > MAX_DEPTH {
        Err(IngestError::TooDeep { limit: MAX_DEPTH })
    } else {
        Ok(())
    }
}

/// How start and end tags nest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Markup {
    /// HTML: `<br>`-like void elements and elements with optional end tags do not count, `/>`
    /// does not close (html5ever ignores it on ordinary elements), raw-text elements are skipped.
    Html,
    /// XML (feeds): every element counts, `<x/>` is empty, CDATA sections are skipped.
    Xml,
}

/// An upper estimate of the deepest element nesting in `bytes`, scanning once; stops counting
/// once past `stop_above`.
pub fn nesting_depth(bytes: &[u8], markup: Markup, stop_above: usize) -> usize {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut i = 0;
    while let Some(found) = memchr::memchr(b'<', &bytes[i..]) {
        let at = i + found + 1;
        let rest = &bytes[at..];
        match rest.first() {
            Some(b'!') => {
                let close: &[u8] = if rest.starts_with(b"!--") {
                    b"-->"
                } else if rest.starts_with(b"![CDATA[") {
                    b"]]>"
                } else {
                    b">"
                };
                i = skip_past(bytes, at, close);
            }
            Some(b'?') => i = skip_past(bytes, at, b">"),
            Some(b'/') => {
                let (name, end) = tag_name(bytes, at + 1);
                if !name.is_empty() && counts(markup, name.as_bytes()) {
                    depth = depth.saturating_sub(1);
                }
                i = end;
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let (name, end) = tag_name(bytes, at);
                i = end;
                match markup {
                    Markup::Html if is_raw_text(name.as_bytes()) => {
                        i = skip_raw_text(bytes, end, name.as_bytes());
                    }
                    Markup::Html if name == "plaintext" => break,
                    Markup::Html if !counts(markup, name.as_bytes()) => {}
                    Markup::Xml if self_closing(bytes, end) => {}
                    _ => {
                        depth += 1;
                        deepest = deepest.max(depth);
                        if deepest > stop_above {
                            return deepest;
                        }
                    }
                }
            }
            _ => i = at,
        }
        if i >= bytes.len() {
            break;
        }
    }
    deepest
}

/// The lowercased tag name starting at `at` and the offset after it.
fn tag_name(bytes: &[u8], at: usize) -> (String, usize) {
    let len = bytes[at..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b':' | b'_' | b'.'))
        .count();
    let name = String::from_utf8_lossy(&bytes[at..at + len]).to_ascii_lowercase();
    (name, at + len)
}

/// Whether an element of this name is counted as a nesting level.
fn counts(markup: Markup, name: &[u8]) -> bool {
    match markup {
        Markup::Xml => true,
        Markup::Html => !matches!(
            name,
            // Void elements: never have content.
            b"area" | b"base" | b"br" | b"col" | b"embed" | b"hr" | b"img" | b"input"
                | b"keygen" | b"link" | b"meta" | b"param" | b"source" | b"track" | b"wbr"
                // End tag optional (closed by a sibling), so often left unclosed.
                | b"p" | b"li" | b"dt" | b"dd" | b"option" | b"optgroup" | b"tr" | b"td"
                | b"th" | b"thead" | b"tbody" | b"tfoot" | b"colgroup" | b"caption" | b"rb"
                | b"rt" | b"rp" | b"html" | b"head" | b"body"
        ),
    }
}

fn is_raw_text(name: &[u8]) -> bool {
    matches!(
        name,
        b"script"
            | b"style"
            | b"textarea"
            | b"title"
            | b"xmp"
            | b"iframe"
            | b"noembed"
            | b"noframes"
    )
}

/// The offset after the end tag `</name` that closes a raw-text element (or the end).
fn skip_raw_text(bytes: &[u8], from: usize, name: &[u8]) -> usize {
    let mut i = from;
    while let Some(found) = memchr::memmem::find(&bytes[i..], b"</") {
        let at = i + found + 2;
        if bytes.len() >= at + name.len() && bytes[at..at + name.len()].eq_ignore_ascii_case(name) {
            return at + name.len();
        }
        i = at;
    }
    bytes.len()
}

/// Whether the tag whose name ended at `from` ends with `/>` (quoted attribute values skipped).
fn self_closing(bytes: &[u8], from: usize) -> bool {
    let mut quote = None;
    let mut prev = 0u8;
    for &b in &bytes[from..] {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return prev == b'/',
            None => {}
        }
        if !b.is_ascii_whitespace() {
            prev = b;
        }
    }
    false
}

/// The offset after the first `close` at or after `from` (or the end).
fn skip_past(bytes: &[u8], from: usize, close: &[u8]) -> usize {
    memchr::memmem::find(&bytes[from..], close).map_or(bytes.len(), |p| from + p + close.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(s: &str) -> usize {
        nesting_depth(s.as_bytes(), Markup::Html, usize::MAX)
    }

    fn xml(s: &str) -> usize {
        nesting_depth(s.as_bytes(), Markup::Xml, usize::MAX)
    }

    #[test]
    fn nested_elements_are_counted_and_closed_ones_released() {
        assert_eq!(html("<div><div><span>a</span></div><div>b</div></div>"), 3);
        assert_eq!(html(&"<div>".repeat(5000)), 5000);
        assert_eq!(
            html(&format!("{}x{}", "<DIV>".repeat(3), "</div>".repeat(3))),
            3
        );
    }

    #[test]
    fn void_optional_end_raw_text_and_comments_do_not_count() {
        assert_eq!(html(&"<p>one<br><img src=x>".repeat(1000)), 0);
        assert_eq!(html(&"<li>item".repeat(1000)), 0);
        assert_eq!(
            html("<script>for (i=0;i<n;i++) { s += '<div>' }</script><div>a</div>"),
            1
        );
        assert_eq!(html("<!-- <div><div> --><style>a<b{}</style>"), 0);
        assert_eq!(html("a < b and c<3 <!doctype html>"), 0);
    }

    #[test]
    fn html_ignores_self_closing_slashes_but_xml_does_not() {
        // html5ever opens `<div/>` like `<div>`, so it nests.
        assert_eq!(html(&"<div/>".repeat(100)), 100);
        assert_eq!(xml(&"<link href='a>b'/>".repeat(100)), 0);
        assert_eq!(
            xml(
                "<?xml version='1.0'?><rss><channel><item><![CDATA[<a><b>]]></item></channel></rss>"
            ),
            3
        );
    }

    #[test]
    fn the_scan_stops_once_past_the_limit() {
        let deep = "<div>".repeat(200_000);
        assert_eq!(nesting_depth(deep.as_bytes(), Markup::Html, 10), 11);
        assert_eq!(
            check_depth(deep.as_bytes(), Markup::Html),
            Err(IngestError::TooDeep { limit: MAX_DEPTH })
        );
    }

    #[tokio::test]
    async fn a_job_past_its_budget_is_reported_and_a_panic_is_contained() {
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let slow = run(Duration::from_millis(50), move || wait.recv().ok()).await;
        assert_eq!(slow, Err(IngestError::TooSlow { budget_ms: 50 }));
        release.send(()).unwrap();
        let panicked = run(Duration::from_secs(60), || -> u8 { panic!("parser bug") }).await;
        assert_eq!(panicked, Err(IngestError::ParserFailed));
        assert_eq!(run(Duration::from_secs(60), || 7).await, Ok(7));
    }
}
