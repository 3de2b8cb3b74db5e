//! Format-specific parsing: Markdown/text with optional YAML front matter, HTML (through the
//! readability port `dom_smoothie`), and JSON Lines. Everything ends as normalized paragraphs.

use crate::text::{collapse_ws, shorten};
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use gray_matter::Matter;
use gray_matter::engine::YAML;
use serde::Deserialize;

use super::bound::{Markup, check_depth};
use super::decode::{Sniff, decode};
use super::{Article, IngestError, Origin};

/// The formats talkwatch reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Markdown,
    Text,
    Html,
    JsonLines,
}

impl DocKind {
    pub fn from_path(path: &Path) -> Option<DocKind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "md" | "markdown" => DocKind::Markdown,
            "txt" | "text" => DocKind::Text,
            "html" | "htm" | "xhtml" => DocKind::Html,
            "jsonl" | "ndjson" => DocKind::JsonLines,
            _ => return None,
        })
    }

    /// Guesses from an HTTP `Content-Type`.
    pub fn from_content_type(content_type: &str) -> Option<DocKind> {
        let mime = content_type.split(';').next()?.trim().to_ascii_lowercase();
        Some(match mime.as_str() {
            "text/html" | "application/xhtml+xml" => DocKind::Html,
            "text/plain" => DocKind::Text,
            "text/markdown" => DocKind::Markdown,
            "application/x-ndjson" | "application/jsonl" => DocKind::JsonLines,
            _ => return None,
        })
    }
}

/// Parses raw bytes of one input. File-level problems come back as a single `Err`; a JSON Lines
/// file yields one entry per non-empty line, so one bad line does not lose the others.
pub fn parse_bytes(
    bytes: &[u8],
    kind: DocKind,
    origin: &Origin,
) -> Vec<Result<Article, IngestError>> {
    parse_input(bytes, kind, origin, None).items
}

/// What one input gave: its articles (or why not), and the encoding its text was read in when
/// that was guessed rather than declared.
#[derive(Debug)]
pub struct Parsed {
    pub items: Vec<Result<Article, IngestError>>,
    pub guessed_encoding: Option<&'static str>,
}

impl Parsed {
    /// An input that gave nothing, for this reason.
    pub fn failed(error: IngestError) -> Parsed {
        Parsed {
            items: vec![Err(error)],
            guessed_encoding: None,
        }
    }
}

/// [`parse_bytes`] with the charset an HTTP `Content-Type` declared, if any.
pub fn parse_input(bytes: &[u8], kind: DocKind, origin: &Origin, charset: Option<&str>) -> Parsed {
    let sniff = match kind {
        DocKind::Html => Sniff::Html,
        _ => Sniff::None,
    };
    let decoded = match decode(bytes, charset, sniff) {
        Ok(decoded) => decoded,
        Err(e) => return Parsed::failed(e),
    };
    let text: &str = &decoded.text;
    let items = match kind {
        DocKind::JsonLines => parse_jsonl(text, origin),
        DocKind::Html => vec![parse_html(text, origin)],
        DocKind::Markdown | DocKind::Text => vec![parse_text(text, kind, origin)],
    };
    Parsed {
        items,
        guessed_encoding: decoded.guessed,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FrontMatter {
    title: Option<String>,
    url: Option<String>,
    published: Option<String>,
    source: Option<String>,
    tags: Option<Tags>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Tags {
    List(Vec<String>),
    Comma(String),
}

impl Tags {
    fn into_vec(self) -> Vec<String> {
        match self {
            Tags::List(v) => v,
            Tags::Comma(s) => s.split(',').map(|t| t.trim().to_string()).collect(),
        }
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect()
    }
}

fn parse_text(text: &str, kind: DocKind, origin: &Origin) -> Result<Article, IngestError> {
    let (front, content) = if text.trim_start().starts_with("---") {
        let matter = Matter::<YAML>::new();
        let parsed = matter
            .parse::<FrontMatter>(text.trim_start())
            .map_err(|e| IngestError::FrontMatter(first_line(&e.to_string())))?;
        (parsed.data.unwrap_or_default(), parsed.content)
    } else {
        (FrontMatter::default(), text.to_string())
    };
    let markdown = kind == DocKind::Markdown;
    let mut paragraphs = normalize_paragraphs(&content, markdown);
    let title = match front
        .title
        .map(|t| collapse_ws(&t))
        .filter(|t| !t.is_empty())
    {
        Some(t) => t,
        None => {
            if paragraphs.is_empty() {
                return Err(IngestError::NoText);
            }
            let first = paragraphs.remove(0);
            // A first "paragraph" that is really several lines: its first line is the title.
            match first.split_once('\n') {
                Some((t, rest)) => {
                    paragraphs.insert(0, rest.to_string());
                    t.to_string()
                }
                None => first,
            }
        }
    };
    let paragraphs: Vec<String> = paragraphs
        .into_iter()
        .map(|p| collapse_ws(&p))
        .filter(|p| !p.is_empty())
        .collect();
    if paragraphs.is_empty() {
        return Err(IngestError::NoText);
    }
    let published = match front.published.as_deref() {
        Some(s) => Some(parse_date(s).ok_or_else(|| {
            IngestError::FrontMatter(format!(
                "`published: {s}` is not a date (use 2026-11-20 or RFC 3339)"
            ))
        })?),
        None => None,
    };
    finish(
        title,
        paragraphs,
        front.url,
        front.source,
        published,
        front.tags.map(Tags::into_vec).unwrap_or_default(),
        origin,
        None,
    )
}

#[derive(Debug, Deserialize)]
struct JsonArticle {
    title: Option<String>,
    url: Option<String>,
    published: Option<String>,
    source: Option<String>,
    #[serde(default)]
    tags: Option<Tags>,
    #[serde(alias = "text", alias = "content")]
    body: Option<String>,
}

fn parse_jsonl(text: &str, origin: &Origin) -> Vec<Result<Article, IngestError>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let wrap = |reason: String| IngestError::JsonLine {
            line: line_no,
            reason,
        };
        let parsed: Result<Article, IngestError> = (|| {
            let json: JsonArticle = serde_json::from_str(line).map_err(|e| wrap(e.to_string()))?;
            let title = json
                .title
                .map(|t| collapse_ws(&t))
                .filter(|t| !t.is_empty())
                .ok_or_else(|| wrap("missing `title`".into()))?;
            let body = json.body.unwrap_or_default();
            let paragraphs: Vec<String> = normalize_paragraphs(&body, false)
                .into_iter()
                .map(|p| collapse_ws(&p))
                .collect();
            if paragraphs.is_empty() {
                return Err(wrap("missing `body` text".into()));
            }
            let published = match json.published.as_deref() {
                Some(s) => Some(
                    parse_date(s)
                        .ok_or_else(|| wrap(format!("`published` {s:?} is not a date")))?,
                ),
                None => None,
            };
            finish(
                title,
                paragraphs,
                json.url,
                json.source,
                published,
                json.tags.map(Tags::into_vec).unwrap_or_default(),
                origin,
                Some(line_no),
            )
            .map_err(|e| wrap(e.to_string()))
        })();
        out.push(parsed);
    }
    if out.is_empty() {
        out.push(Err(IngestError::Empty));
    }
    out
}

fn parse_html(html: &str, origin: &Origin) -> Result<Article, IngestError> {
    check_depth(html.as_bytes(), Markup::Html)?;
    let base = origin_url(origin, None);
    let document = dom_query::Document::from(html);
    let canonical = ["link[rel='canonical']", "meta[property='og:url']"]
        .iter()
        .find_map(|sel| {
            let s = document.select(sel);
            s.attr("href")
                .or_else(|| s.attr("content"))
                .map(|v| v.to_string())
        })
        .and_then(|href| url::Url::parse(&base).ok()?.join(href.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(|u| u.to_string());
    let base_for_readability = url::Url::parse(&base).ok().map(|u| u.to_string());
    let mut readability =
        dom_smoothie::Readability::with_document(document, base_for_readability.as_deref(), None)
            .map_err(|e| IngestError::Io(e.to_string()))?;
    let article = readability.parse().map_err(|_| IngestError::NoText)?;
    let content = dom_query::Document::from(article.content.as_ref());
    let mut paragraphs = block_paragraphs(&content);
    if paragraphs.is_empty() {
        paragraphs = article
            .text_content
            .lines()
            .map(collapse_ws)
            .filter(|t| !t.is_empty())
            .collect();
    }
    let text_len: usize = paragraphs.iter().map(|p| p.len()).sum();
    if text_len < 20 {
        return Err(IngestError::NoText);
    }
    let title = collapse_ws(&article.title);
    let page_url = canonical.clone().unwrap_or_else(|| base.clone());
    let title = without_site_name(&title, article.site_name.as_deref(), &page_url);
    let title = if title.is_empty() {
        paragraphs.remove(0)
    } else {
        title
    };
    let published = article.published_time.as_deref().and_then(parse_date);
    finish(
        title,
        paragraphs,
        canonical,
        article.site_name,
        published,
        Vec::new(),
        origin,
        None,
    )
}

/// A page title without the site's name before or after it ("Talks stall - BusinessWeek" →
/// "Talks stall"): removed only when that part is the page's declared site name or a label of
/// its host, and the rest is at least two words.
fn without_site_name(title: &str, site_name: Option<&str>, url: &str) -> String {
    const SEPARATORS: [&str; 6] = [" - ", " | ", " – ", " — ", " :: ", " · "];
    let squash = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    let host_labels: Vec<String> = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .map(|h| {
            let labels: Vec<&str> = h.split('.').collect();
            let keep = labels.len().saturating_sub(1);
            labels[..keep]
                .iter()
                .filter(|l| **l != "www")
                .map(|l| squash(l))
                .collect()
        })
        .unwrap_or_default();
    let is_site = |part: &str| {
        let part = squash(part);
        !part.is_empty()
            && (site_name.is_some_and(|s| squash(s) == part) || host_labels.contains(&part))
    };
    let words = |s: &str| s.split_whitespace().count();
    for sep in SEPARATORS {
        if let Some((head, tail)) = title.rsplit_once(sep)
            && is_site(tail)
            && words(head) >= 2
        {
            return head.trim().to_string();
        }
        if let Some((head, tail)) = title.split_once(sep)
            && is_site(head)
            && words(tail) >= 2
        {
            return tail.trim().to_string();
        }
    }
    title.to_string()
}

#[allow(clippy::too_many_arguments)]
fn finish(
    title: String,
    paragraphs: Vec<String>,
    url: Option<String>,
    source: Option<String>,
    published: Option<DateTime<Utc>>,
    tags: Vec<String>,
    origin: &Origin,
    line: Option<usize>,
) -> Result<Article, IngestError> {
    if title.is_empty() {
        return Err(IngestError::NoTitle);
    }
    let url = match url.map(|u| u.trim().to_string()).filter(|u| !u.is_empty()) {
        Some(u) => canonical_url(&u).map_err(|e| {
            IngestError::FrontMatter(format!("`url: {u}` is not an absolute URL ({e})"))
        })?,
        None => origin_url(origin, line),
    };
    let source = source
        .map(|s| collapse_ws(&s))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| source_from_url(&url));
    let (published, published_estimated) = match published {
        Some(p) => (p, false),
        None => (origin_time(origin), true),
    };
    Ok(Article {
        url,
        title: shorten(&title, 300),
        source,
        published,
        published_estimated,
        tags,
        body: paragraphs.join("\n\n"),
    })
}

/// Normalizes a URL so the same article always gets the same identity: no fragment, no
/// tracking parameters, lowercase host.
pub fn canonical_url(raw: &str) -> Result<String, url::ParseError> {
    let mut url = url::Url::parse(raw)?;
    if matches!(url.scheme(), "http" | "https") {
        url.set_fragment(None);
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !k.starts_with("utm_") && k != "fbclid" && k != "gclid")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    Ok(url.to_string())
}

fn origin_url(origin: &Origin, line: Option<usize>) -> String {
    let mut url = match origin {
        Origin::File { path, .. } => url::Url::from_file_path(path)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| format!("file://{}", path.display())),
        Origin::Url { url, .. } => canonical_url(url.as_str()).unwrap_or_else(|_| url.to_string()),
        Origin::Embedded { name } => format!("https://demo.example.org/{name}"),
    };
    if let Some(line) = line {
        url.push_str(&format!("#line-{line}"));
    }
    url
}

fn origin_time(origin: &Origin) -> DateTime<Utc> {
    match origin {
        Origin::File { modified, .. } => *modified,
        Origin::Url { fetched, .. } => *fetched,
        Origin::Embedded { .. } => Utc::now(),
    }
}

fn source_from_url(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| h.trim_start_matches("www.").to_string())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "local".to_string())
}

/// Accepts RFC 3339, RFC 2822, `YYYY-MM-DD` and `YYYY-MM-DD HH:MM[:SS]` (taken as UTC).
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(d.and_utc());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

/// Splits text into paragraphs at blank lines. Lines inside a paragraph are kept (joined later)
/// so a plain-text title line can still be told apart from the paragraph below it.
fn normalize_paragraphs(text: &str, markdown: bool) -> Vec<String> {
    if markdown {
        return markdown_paragraphs(text);
    }
    let mut out = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for raw in text.lines() {
        let line = without_controls(raw.trim());
        if line.is_empty() {
            if !current.is_empty() {
                out.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
    out
}

/// The paragraphs of a Markdown text, read as CommonMark (pulldown-cmark): each paragraph,
/// heading, code block and table row stands alone, a list is one paragraph with an item per
/// line; inline markup (emphasis, links, code spans) keeps only its text and raw HTML is
/// dropped. Lines inside a paragraph are kept, as for plain text.
fn markdown_paragraphs(text: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let mut out = Vec::new();
    let mut current = String::new();
    let mut lists = 0usize;
    let flush = |current: &mut String, out: &mut Vec<String>| {
        let block: Vec<String> = current
            .lines()
            .map(|l| without_controls(l.trim().trim_end_matches('|').trim_end()))
            .filter(|l| !l.is_empty())
            .collect();
        if !block.is_empty() {
            out.push(block.join("\n"));
        }
        current.clear();
    };
    for event in Parser::new_ext(text, Options::ENABLE_TABLES) {
        match event {
            Event::Text(t) | Event::Code(t) => current.push_str(&t),
            Event::SoftBreak | Event::HardBreak => current.push('\n'),
            Event::Start(Tag::List(_)) => {
                if lists == 0 {
                    flush(&mut current, &mut out);
                }
                lists += 1;
            }
            Event::End(TagEnd::List(_)) => {
                lists = lists.saturating_sub(1);
                if lists == 0 {
                    flush(&mut current, &mut out);
                }
            }
            Event::End(TagEnd::Item | TagEnd::Paragraph) if lists > 0 => current.push('\n'),
            Event::End(TagEnd::TableCell) => current.push_str(" | "),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_)
                | TagEnd::TableHead
                | TagEnd::TableRow,
            ) => flush(&mut current, &mut out),
            _ => {}
        }
    }
    flush(&mut current, &mut out);
    out
}

/// `line` with control characters (tabs aside) as spaces.
fn without_controls(line: &str) -> String {
    line.chars()
        .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
        .collect()
}

/// Collapses every run of whitespace (newlines included) into one space.
/// Texts of the block elements of a document, in order: paragraphs, headings, list items,
/// quotes; a table's rows as their cells joined by ` | `; and the text of a `div` that holds
/// no block of its own (text written straight into it). A block that contains paragraphs counts
/// through them, and nothing inside a counted block is counted twice.
fn block_paragraphs(doc: &dom_query::Document) -> Vec<String> {
    const COUNTED: &[&str] = &["p", "h2", "h3", "h4", "li", "blockquote", "pre", "tr"];
    const BLOCKS: &[&str] = &[
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "table",
        "blockquote",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
    ];
    doc.select("p, h2, h3, h4, li, blockquote, pre, tr, div")
        .iter()
        .filter_map(|el| {
            if el.is("tr") {
                // A layout table's row holds whole tables: its inner rows count instead.
                if el.select("table, p").length() > 0 || link_dense(&el, &el.text()) {
                    return None;
                }
                let cells: Vec<String> = el
                    .select("th, td")
                    .iter()
                    .map(|c| collapse_ws(&c.text()))
                    .filter(|t| !t.is_empty())
                    .collect();
                return Some(cells.join(" | "));
            }
            if el.is("div") {
                let node = el.nodes().first()?;
                let is_one_of = |n: &dom_query::NodeRef<'_>, names: &[&str]| {
                    names.iter().any(|name| n.has_name(name))
                };
                if node.descendants_it().any(|d| is_one_of(&d, BLOCKS))
                    || node.ancestors_it(None).any(|a| is_one_of(&a, COUNTED))
                {
                    return None;
                }
            } else if !(el.is("p") || el.select("p").length() == 0) {
                return None;
            }
            let text = el.text();
            (!link_dense(&el, &text)).then(|| collapse_ws(&text))
        })
        .filter(|t| !t.is_empty() && !is_dateline(t))
        .collect()
}

/// Whether a block is only a dateline ("Updated 1:39 am EST, Wednesday, November 20, 2019",
/// "PUBLISHED: 10:48, Tue, Nov 19, 2019", "November 18, 2019 | 4:10pm"): at most 16 words, each
/// a month, a weekday, a number, a clock time or zone, or one of a few framing words
/// ("updated", "published", "posted", "at", "on"); a month, a weekday or a year among them, and
/// a year, a clock time or a framing word.
/// The page's date is read from its metadata; as a paragraph the line is not article text.
fn is_dateline(text: &str) -> bool {
    const WEEKDAYS: &str = "monday tuesday wednesday thursday friday saturday sunday mon tue \
        tues wed thu thur thurs fri sat sun";
    /// Clock words and time zones ("a.m." splits into "a" and "m").
    const CLOCK: &[&str] = &[
        "am", "pm", "a", "m", "p", "est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt", "et",
        "pt", "ct", "gmt", "utc", "bst", "cet", "cest", "ist",
    ];
    /// Words that stamp a page's time, and words that may stand between the parts of a stamp.
    const STAMPS: &[&str] = &["updated", "published", "posted", "modified"];
    const FILLERS: &[&str] = &["first", "last", "on", "at", "date", "time"];
    const ORDINALS: &[&str] = &["st", "nd", "rd", "th"];
    // Most blocks are sentences far longer than any dateline: told apart by length alone.
    if text.len() > 160 {
        return false;
    }
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() || words.len() > 16 {
        return false;
    }
    // A calendar word, and a year, a clock time or a word stamping the page ("December 3"
    // alone may be a heading of a timeline, not a stamp).
    let (mut calendar, mut stamp) = (false, false);
    for word in &words {
        let w = word.as_str();
        let number = w.chars().all(|c| c.is_ascii_digit());
        if number && w.len() == 4 {
            (calendar, stamp) = (true, true);
            continue;
        }
        if crate::timewords::month_number(w).is_some()
            || WEEKDAYS.split_whitespace().any(|d| d == w)
        {
            calendar = true;
            continue;
        }
        // "4", "10pm", "21st"
        let suffix = w.trim_start_matches(|c: char| c.is_ascii_digit());
        let numbered = suffix.len() < w.len();
        if numbered && CLOCK.contains(&suffix) || CLOCK.contains(&w) || STAMPS.contains(&w) {
            stamp = true;
            continue;
        }
        if !(number || numbered && ORDINALS.contains(&suffix) || FILLERS.contains(&w)) {
            return false;
        }
    }
    calendar && stamp
}

/// Share of a block's text inside links at which it counts as navigation, not article text:
/// lists of related stories, "More:" teasers, breadcrumbs, author and share links. Chosen on the
/// extraction benchmark's tuning half (docs/reliability.md).
const LINK_DENSITY: f32 = 0.75;

/// Whether most of the block's `text` (at least [`LINK_DENSITY`] of its non-space characters) is
/// the text of links.
fn link_dense(el: &dom_query::Selection<'_>, text: &str) -> bool {
    let count = |t: &str| t.chars().filter(|c| !c.is_whitespace()).count();
    let all = count(text);
    if all == 0 {
        return false;
    }
    let linked: usize = el.select("a").iter().map(|a| count(&a.text())).sum();
    linked as f32 >= LINK_DENSITY * all as f32
}

/// Paragraph texts of an HTML fragment (feed content or summary); plain text passes through.
/// A fragment nested too deeply to parse gives no paragraphs (a feed item then keeps its title
/// and link, and its page is read instead).
pub fn html_paragraphs(html: &str) -> Vec<String> {
    if !html.contains('<') {
        // Plain text, perhaps with entities (`Talks&hellip;`, `a&nbsp;b`) left by the feed.
        return html_escape::decode_html_entities(html)
            .split("\n\n")
            .map(collapse_ws)
            .filter(|t| !t.is_empty())
            .collect();
    }
    if let Err(e) = check_depth(html.as_bytes(), Markup::Html) {
        tracing::warn!(reason = %e, "feed entry text skipped");
        return Vec::new();
    }
    let doc = dom_query::Document::from(html);
    let mut paragraphs = block_paragraphs(&doc);
    if paragraphs.is_empty() {
        let text = collapse_ws(&doc.select("body").text());
        if !text.is_empty() {
            paragraphs.push(text);
        }
    }
    paragraphs
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin::File {
            path: "/tmp/a.md".into(),
            modified: parse_date("2026-01-02").unwrap(),
        }
    }

    fn one(bytes: &[u8], kind: DocKind) -> Result<Article, IngestError> {
        parse_bytes(bytes, kind, &origin()).remove(0)
    }

    #[test]
    fn front_matter_fields_are_used() {
        let a = one(
            b"---\ntitle: \"Talks end\"\nurl: https://news.example.org/a?utm_source=x#top\npublished: 2026-11-20\nsource: Example Wire\ntags: [a, b]\n---\n\nFirst para\nstill first.\n\nSecond.\n",
            DocKind::Markdown,
        )
        .unwrap();
        assert_eq!(a.title, "Talks end");
        assert_eq!(a.url, "https://news.example.org/a");
        assert_eq!(a.source, "Example Wire");
        assert_eq!(a.published, parse_date("2026-11-20").unwrap());
        assert!(!a.published_estimated);
        assert_eq!(a.tags, vec!["a", "b"]);
        assert_eq!(a.body, "First para still first.\n\nSecond.");
    }

    #[test]
    fn plain_text_title_is_first_line_and_defaults_fill_in() {
        let a = one(b"\n\nThe Title\nBody line one.\n\nBody two.", DocKind::Text).unwrap();
        assert_eq!(a.title, "The Title");
        assert_eq!(a.body, "Body line one.\n\nBody two.");
        assert_eq!(a.url, "file:///tmp/a.md");
        assert_eq!(a.source, "local");
        assert!(a.published_estimated);
    }

    #[test]
    fn bad_inputs_have_reasons() {
        assert_eq!(one(b"  \n", DocKind::Text), Err(IngestError::Empty));
        assert_eq!(one(b"ab\0cd", DocKind::Text), Err(IngestError::Binary));
        let latin1 = parse_input(
            b"Caf\xe9 talks\n\nThe caf\xe9 by the lake reopened for the delegations.",
            DocKind::Text,
            &origin(),
            None,
        );
        assert_eq!(latin1.items[0].as_ref().unwrap().title, "Café talks");
        assert_eq!(latin1.guessed_encoding, Some("windows-1252"));
        assert_eq!(
            one(b"Only a title", DocKind::Text),
            Err(IngestError::NoText)
        );
        assert!(matches!(
            one(b"---\ntitle: [unclosed\n---\nbody\n", DocKind::Markdown),
            Err(IngestError::FrontMatter(_))
        ));
        assert!(matches!(
            one(
                b"---\ntitle: x\npublished: someday\n---\nbody\n",
                DocKind::Markdown
            ),
            Err(IngestError::FrontMatter(_))
        ));
    }

    #[test]
    fn jsonl_keeps_good_lines_and_reports_bad_ones() {
        let input = b"{\"title\":\"A\",\"url\":\"https://x.example.org/a\",\"body\":\"Text a.\"}\nnot json\n\n{\"title\":\"B\",\"text\":\"Text b.\"}\n";
        let out = parse_bytes(input, DocKind::JsonLines, &origin());
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].as_ref().unwrap().title, "A");
        assert!(matches!(out[1], Err(IngestError::JsonLine { line: 2, .. })));
        assert_eq!(out[2].as_ref().unwrap().url, "file:///tmp/a.md#line-4");
    }

    #[test]
    fn html_main_text_canonical_and_date() {
        let html = r#"<html><head><title>Envoys leave Moscow - Example Wire</title>
            <link rel="canonical" href="https://news.example.org/envoys">
            <meta property="article:published_time" content="2026-11-21T10:00:00Z">
            </head><body><nav>Home | World | Sport</nav>
            <article><h1>Envoys leave Moscow</h1>
            <p>The two envoys left Moscow on Friday after two days of meetings with the Russian president, officials said.</p>
            <p>A Kremlin adviser said that territory was not up for negotiation and that no compromise had been reached so far.</p>
            <p>Washington did not comment on the outcome of the talks, which lasted late into the night on both days.</p>
            </article><footer>Copyright</footer></body></html>"#;
        let a = one(html.as_bytes(), DocKind::Html).unwrap();
        assert_eq!(a.url, "https://news.example.org/envoys");
        assert!(a.title.contains("Envoys leave Moscow"), "{}", a.title);
        assert!(a.body.contains("territory was not up for negotiation"));
        assert!(!a.body.contains("Home | World"));
        assert_eq!(a.published, parse_date("2026-11-21T10:00:00Z").unwrap());
    }

    #[test]
    fn titles_lose_the_site_name_but_keep_their_own_words() {
        let page = |title: &str, site: &str| {
            format!(
                "<html><head><title>{title}</title>{site}\
                 <link rel=\"canonical\" href=\"https://www.businessweek.com/steel\"></head>\
                 <body><article><p>Tariff negotiators spent most of Thursday on the rules of \
                 origin for cars and machine parts, officials said late in the evening.</p>\
                 <p>A second day of meetings was added at short notice, and ministers are due \
                 to join by video link if the officials make progress on the annex.</p>\
                 </article></body></html>"
            )
        };
        let site = r#"<meta property="og:site_name" content="Bloomberg BusinessWeek">"#;
        for (title, meta, expected) in [
            (
                "Talks stall over steel quotas - BusinessWeek",
                "",
                "Talks stall over steel quotas",
            ),
            (
                "Talks stall over steel quotas | Bloomberg BusinessWeek",
                site,
                "Talks stall over steel quotas",
            ),
            (
                "BusinessWeek :: Talks stall over steel quotas",
                "",
                "Talks stall over steel quotas",
            ),
            ("Peace talks - a timeline", "", "Peace talks - a timeline"),
            ("Steel - BusinessWeek", "", "Steel - BusinessWeek"),
        ] {
            let a = one(page(title, meta).as_bytes(), DocKind::Html).unwrap();
            assert_eq!(a.title, expected, "{title}");
        }
    }

    #[test]
    fn tables_become_rows_and_text_written_into_divs_is_kept() {
        let html = r#"<html><head><title>Qualifying standings after the third round</title></head>
            <body><article><h1>Qualifying standings after the third round</h1>
            <p>The delegations' football teams played their third round on Sunday in Geneva.</p>
            <table><tr><th>Team</th><th>Played</th><th>Points</th></tr>
            <tr><td>Harbour United</td><td>3</td><td>7</td></tr>
            <tr><td>Lakeside Rovers</td><td>3</td><td>4</td></tr></table>
            <div>The final round is set for 3 December, the organisers said on Monday evening.<br>
            Tickets go on sale on Friday.</div>
            <div><p>A paragraph in a div counts once.</p></div>
            </article></body></html>"#;
        let a = one(html.as_bytes(), DocKind::Html).unwrap();
        let paragraphs: Vec<&str> = a.paragraphs().collect();
        assert!(
            paragraphs.contains(&"Team | Played | Points"),
            "{paragraphs:?}"
        );
        assert!(
            paragraphs.contains(&"Harbour United | 3 | 7"),
            "{paragraphs:?}"
        );
        assert!(
            paragraphs
                .iter()
                .any(|p| p.starts_with("The final round is set for 3 December")
                    && p.ends_with("Tickets go on sale on Friday.")),
            "{paragraphs:?}"
        );
        assert_eq!(
            paragraphs
                .iter()
                .filter(|p| p.contains("counts once"))
                .count(),
            1,
            "{paragraphs:?}"
        );
    }

    #[test]
    fn blocks_made_of_links_are_left_out_and_a_link_in_a_sentence_stays() {
        let html = r#"<html><head><title>Envoys end the Lisbon round without a date</title></head>
            <body><article><h1>Envoys end the Lisbon round without a date</h1>
            <p>The envoys left Lisbon on Tuesday without setting a date for the next round, and
            both delegations said the <a href="https://example.org/text">published text</a> of
            the draft was still open to change.</p>
            <p><a href="https://example.org/more">More: How the Lisbon round began</a></p>
            <p>Officials from both sides described the two days of meetings as frank and said the
            mediators would propose new dates within a week.</p>
            <ul><li><a href="https://example.org/a">Steel quota talks slip to spring</a></li>
            <li><a href="https://example.org/b">Ferry strike ends after nine days</a></li></ul>
            </article></body></html>"#;
        let a = one(html.as_bytes(), DocKind::Html).unwrap();
        let paragraphs: Vec<&str> = a.paragraphs().collect();
        assert!(
            paragraphs
                .iter()
                .any(|p| p.contains("the published text of the draft was still open")),
            "{paragraphs:?}"
        );
        assert!(
            paragraphs.iter().any(|p| p.contains("frank")),
            "{paragraphs:?}"
        );
        for teaser in ["More: How", "Steel quota talks", "Ferry strike"] {
            assert!(
                !paragraphs.iter().any(|p| p.contains(teaser)),
                "{teaser}: {paragraphs:?}"
            );
        }
    }

    #[test]
    fn a_dateline_is_not_a_paragraph_but_a_sentence_with_a_date_is() {
        for line in [
            "Updated 1:39 am EST, Wednesday, November 20, 2019",
            "PUBLISHED: 10:48, Tue, Nov 19, 2019",
            "November 18, 2019 | 4:10pm",
            "Nov. 20, 2019 5:52 AM EST",
            "23 Nov 2017",
            "Posted on 3rd December at 9 a.m.",
        ] {
            assert!(is_dateline(line), "{line}");
        }
        for line in [
            "The talks resumed on Wednesday, November 20.",
            "December 3",
            "2019: a year of talks",
            "10 | 4 | 7",
            "Geneva, November 20, 2019",
            "Last Friday",
        ] {
            assert!(!is_dateline(line), "{line}");
        }
        let html = r#"<html><head><title>Envoys end the Lisbon round</title></head>
            <body><article><h1>Envoys end the Lisbon round</h1>
            <p>Updated 1:39 am EST, Wednesday, November 20, 2026</p>
            <p>The envoys left Lisbon on Tuesday, November 19, without setting a date for the next
            round of talks, officials from both delegations said.</p>
            <p>Mediators said they would propose new dates within a week.</p>
            </article></body></html>"#;
        let a = one(html.as_bytes(), DocKind::Html).unwrap();
        let paragraphs: Vec<&str> = a.paragraphs().collect();
        assert!(
            !paragraphs.iter().any(|p| p.starts_with("Updated")),
            "{paragraphs:?}"
        );
        assert!(
            paragraphs
                .iter()
                .any(|p| p.contains("Tuesday, November 19")),
            "{paragraphs:?}"
        );
    }

    #[test]
    fn html_without_text_is_refused() {
        let html = b"<html><head><title>x</title></head><body><div></div></body></html>";
        assert_eq!(one(html, DocKind::Html), Err(IngestError::NoText));
    }

    #[test]
    fn markdown_is_read_as_commonmark() {
        let md = "# Talks resume\n\nSee [the deal](https://x.org) **now**, said `A`.\nA second line.\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nNot [a link] <b>bold</b>";
        assert_eq!(
            markdown_paragraphs(md),
            [
                "Talks resume",
                "See the deal now, said A.\nA second line.",
                "one\ntwo",
                "a | b",
                "1 | 2",
                "Not [a link] bold",
            ]
        );
    }
}
