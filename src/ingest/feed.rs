//! RSS 0.9/1.0/2.0, Atom and JSON Feed documents (parsed by feed-rs) → feed items.

use std::borrow::Cow;
use std::sync::LazyLock;

use super::IngestError;
use super::bound::{Markup, check_depth};
use super::decode::{Sniff, decode};
use super::item::FeedItem;
use super::loose;
use super::parse::html_paragraphs;

static DECLARED_ENCODING: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r#"^(\s*<\?xml[^>]*?encoding\s*=\s*["'])[^"']*"#).expect("valid pattern")
});

/// Text decoded from another encoding, its XML declaration (if any) now saying UTF-8.
fn declare_utf8(text: &str) -> String {
    DECLARED_ENCODING.replace(text, "${1}UTF-8").into_owned()
}

static ATOM_03_DATES: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"<(/?)(issued|modified)\b").expect("valid pattern"));
static ATOM_03_TYPES: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r#"\btype\s*=\s*["'](text/plain|text/html|application/xhtml\+xml)["']"#)
        .expect("valid pattern")
});
static RSS_ROOT: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"<rss\b([^>]*)>").expect("valid pattern"));
static RSS_ROOT_NOISE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r#"\s(version|xmlns)\s*=\s*("[^"]*"|'[^']*')"#).expect("valid pattern")
});
static ENTRY_TAG: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"<(?:[A-Za-z0-9_-]+:)?(?:item|entry)[\s>/]").expect("valid pattern")
});
static NAMED_ENTITY: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"&([A-Za-z][A-Za-z0-9]{1,31});").expect("valid pattern"));

/// What lenient feed readers (feedparser) accept and feed-rs does not, rewritten into what it
/// reads:
/// - Atom 0.3 (`http://purl.org/atom/ns#`) read as Atom 1.0: the namespace swapped, `issued` and
///   `modified` named `published` and `updated`, the MIME types of text constructs named as 1.0
///   names them (`text/html` → `html`);
/// - `<rss>` of any version, or none, read as RSS 2.0 (0.9x is a subset of it), and a default
///   namespace on it (some generators add one) dropped;
/// - HTML's named entities (`&nbsp;`, `&hellip;`), undefined in XML, written as character
///   references.
fn lenient(text: Cow<'_, str>) -> Cow<'_, str> {
    let mut text = text;
    if text.contains("http://purl.org/atom/ns#") {
        let swapped = text.replace("http://purl.org/atom/ns#", "http://www.w3.org/2005/Atom");
        let dated = ATOM_03_DATES.replace_all(&swapped, |c: &regex::Captures<'_>| {
            let name = if &c[2] == "issued" {
                "published"
            } else {
                "updated"
            };
            format!("<{}{name}", &c[1])
        });
        let typed = ATOM_03_TYPES.replace_all(&dated, |c: &regex::Captures<'_>| {
            let kind = match &c[1] {
                "text/plain" => "text",
                "text/html" => "html",
                _ => "xhtml",
            };
            format!("type=\"{kind}\"")
        });
        text = Cow::Owned(typed.into_owned());
    }
    if let Some(root) = RSS_ROOT.captures(&text) {
        let attributes = RSS_ROOT_NOISE.replace_all(&root[1], "");
        let fixed = format!("<rss version=\"2.0\"{attributes}>");
        if fixed != root[0] {
            let range = root.get(0).expect("whole match").range();
            let mut owned = text.into_owned();
            owned.replace_range(range, &fixed);
            text = Cow::Owned(owned);
        }
    }
    if NAMED_ENTITY.is_match(&text) {
        let replaced = NAMED_ENTITY.replace_all(&text, |c: &regex::Captures<'_>| {
            if matches!(&c[1], "amp" | "lt" | "gt" | "quot" | "apos") {
                return c[0].to_string();
            }
            let decoded = html_escape::decode_html_entities(&c[0]);
            if decoded == c[0] {
                return c[0].to_string();
            }
            decoded
                .chars()
                .map(|ch| format!("&#x{:X};", ch as u32))
                .collect()
        });
        if let Cow::Owned(replaced) = replaced {
            text = Cow::Owned(replaced);
        }
    }
    text
}

pub fn parse_feed(bytes: &[u8]) -> Result<Vec<FeedItem>, IngestError> {
    parse_feed_as(bytes, None)
}

/// [`parse_feed`] with the charset an HTTP `Content-Type` declared, if any. The feed is decoded
/// here (byte order mark, that charset, the XML declaration, detection) and handed to feed-rs
/// as UTF-8, its declaration saying so.
pub fn parse_feed_as(bytes: &[u8], charset: Option<&str>) -> Result<Vec<FeedItem>, IngestError> {
    let decoded = decode(bytes, charset, Sniff::Xml)?;
    let text = match decoded.text {
        Cow::Borrowed(text) => lenient(Cow::Borrowed(text)),
        Cow::Owned(text) => lenient(Cow::Owned(declare_utf8(&text))),
    };
    let utf8: Cow<'_, [u8]> = match text {
        Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
        Cow::Owned(text) => Cow::Owned(text.into_bytes()),
    };
    // feed-rs builds its element tree recursively: refuse what would nest past any sense.
    check_depth(&utf8, Markup::Xml)?;
    let text = std::str::from_utf8(&utf8).unwrap_or_default();
    let written = ENTRY_TAG.find_iter(text).count();
    let feed = match feed_rs::parser::parse(utf8.as_ref()) {
        Ok(feed) => feed,
        Err(e) => {
            // Ill-formed, or not a format feed-rs knows: what a loose reading recovers.
            let recovered = if written > 0 {
                loose::entries(text)
            } else {
                Vec::new()
            };
            if recovered.is_empty() {
                return Err(IngestError::Parse(format!(
                    "not a readable RSS, Atom or JSON feed: {e}"
                )));
            }
            return Ok(recovered);
        }
    };
    let items: Vec<FeedItem> = feed
        .entries
        .into_iter()
        .map(|entry| {
            let link = entry
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or_else(|| entry.links.first())
                .map(|l| l.href.clone());
            let content = entry
                .content
                .as_ref()
                .and_then(|c| c.body.as_deref())
                .map(html_paragraphs)
                .filter(|p| !p.is_empty());
            let paragraphs = content.unwrap_or_else(|| {
                entry
                    .summary
                    .as_ref()
                    .map(|s| html_paragraphs(&s.content))
                    .unwrap_or_default()
            });
            FeedItem::new(
                entry.id,
                entry.title.as_ref().map(|t| t.content.as_str()),
                link,
                entry.published.or(entry.updated),
                paragraphs,
            )
        })
        .collect();
    let readable = |items: &[FeedItem]| items.iter().filter(|i| i.has_text()).count();
    // Entries feed-rs left out or left empty (unknown element names, versions, namespaces):
    // a loose reading that gets more of them wins.
    let mut items = items;
    if readable(&items) < written {
        let loosely = loose::entries(text);
        if readable(&loosely) > readable(&items) {
            items = loosely;
        }
    }
    // A feed whose entries are all lost would look healthy and never bring news: say so.
    let usable = items
        .iter()
        .filter(|i| i.has_text() || i.url.is_some())
        .count();
    if usable == 0 && written > 0 {
        return Err(IngestError::Parse(format!(
            "the feed has {written} {} but none could be read (no title, text or link found)",
            if written == 1 { "entry" } else { "entries" }
        )));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_atom_and_json_feed() {
        let rss = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>W</title>
            <item><guid>a-1</guid><title>Talks &amp; more</title><link>https://news.example.org/a</link>
            <pubDate>Thu, 19 Nov 2026 18:00:00 GMT</pubDate><description>&lt;p&gt;Short teaser.&lt;/p&gt;</description></item>
            </channel></rss>"#;
        let items = parse_feed(rss).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].guid, "a-1");
        assert_eq!(items[0].title, "Talks & more");
        assert_eq!(items[0].url.as_deref(), Some("https://news.example.org/a"));
        assert_eq!(items[0].paragraphs, vec!["Short teaser.".to_string()]);
        assert!(items[0].summary_only);
        assert_eq!(
            items[0].published.unwrap().to_rfc3339(),
            "2026-11-19T18:00:00+00:00"
        );

        let atom = br#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>x</id><updated>2026-11-20T10:00:00Z</updated>
            <entry><id>urn:b</id><title>Envoys meet</title><link href="https://news.example.org/b"/><updated>2026-11-20T10:00:00Z</updated>
            <content type="html">&lt;p&gt;First paragraph.&lt;/p&gt;&lt;p&gt;Second one.&lt;/p&gt;</content></entry></feed>"#;
        let items = parse_feed(atom).unwrap();
        assert_eq!(items[0].paragraphs.len(), 2);

        let json = br#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"j1","url":"https://news.example.org/c","title":"Summit","content_text":"Plain text body.","date_published":"2026-11-21T08:00:00Z"}]}"#;
        let items = parse_feed(json).unwrap();
        assert_eq!(items[0].guid, "j1");
        assert_eq!(items[0].title, "Summit");
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let e = parse_feed(b"<html><body>not a feed</body></html>").unwrap_err();
        assert!(
            e.to_string()
                .contains("not a readable RSS, Atom or JSON feed"),
            "{e}"
        );
    }

    fn rss_in(title: &str, body: &str, declaration: &str) -> String {
        format!(
            "<?xml version=\"1.0\"{declaration}?><rss version=\"2.0\"><channel><title>Desk</title>\
             <item><guid>1</guid><title>{title}</title><link>https://example.org/1</link>\
             <description>{body}</description></item></channel></rss>"
        )
    }

    #[test]
    fn feeds_in_other_encodings_are_read_as_declared_or_detected() {
        // Declared in the XML declaration.
        let xml = rss_in(
            "和平交渉が再開",
            "代表団は月曜日に会談した。",
            " encoding=\"EUC-JP\"",
        );
        let (bytes, _, _) = encoding_rs::EUC_JP.encode(&xml);
        let items = parse_feed(&bytes).unwrap();
        assert_eq!(items[0].title, "和平交渉が再開");
        // Declared only by the HTTP header.
        let xml = rss_in(
            "Переговоры продолжатся",
            "Делегации встретились в понедельник.",
            "",
        );
        let (bytes, _, _) = encoding_rs::KOI8_R.encode(&xml);
        let items = parse_feed_as(&bytes, Some("koi8-r")).unwrap();
        assert_eq!(items[0].title, "Переговоры продолжатся");
        // UTF-16 with a byte order mark, its declaration saying so.
        let xml = rss_in(
            "Talks resume",
            "Delegations met on Monday.",
            " encoding=\"UTF-16\"",
        );
        let bytes: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(xml.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(parse_feed(&bytes).unwrap()[0].title, "Talks resume");
        // Nothing declared and not UTF-8: detected.
        let xml = rss_in(
            "Négociations à Genève",
            "Les délégations se sont réunies lundi à Genève.",
            "",
        );
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&xml);
        assert_eq!(
            parse_feed(&bytes).unwrap()[0].title,
            "Négociations à Genève"
        );
    }

    #[test]
    fn what_lenient_readers_read_is_read() {
        // Atom 0.3: its own namespace, MIME types on text constructs, `issued`.
        let atom03 = br#"<?xml version="1.0"?>
<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Desk</title>
<entry><title type="text/plain">Envoys meet in Geneva</title>
<link rel="alternate" type="text/html" href="https://example.org/geneva"/>
<issued>2026-11-20T09:00:00Z</issued>
<content type="text/html" mode="escaped">&lt;p&gt;The envoys met for five hours.&lt;/p&gt;</content>
</entry></feed>"#;
        let items = parse_feed(atom03).unwrap();
        assert_eq!(items[0].title, "Envoys meet in Geneva");
        assert_eq!(items[0].url.as_deref(), Some("https://example.org/geneva"));
        assert_eq!(items[0].paragraphs, ["The envoys met for five hours."]);
        assert_eq!(
            items[0].published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2026-11-20T09:00:00+00:00")
        );
        // RSS without a version, 0.94, and with a default namespace on the root.
        for root in [
            "<rss>",
            "<rss version=\"0.94\">",
            "<rss version=\"2.0\" xmlns=\"http://backend.userland.com/rss2\">",
        ] {
            let feed = format!(
                "{root}<channel><title>Desk</title><item><title>Summit date set</title>\
                 <link>https://example.org/summit</link><description>The summit is set for May.\
                 </description></item></channel></rss>"
            );
            let items = parse_feed(feed.as_bytes()).unwrap();
            assert_eq!(items.len(), 1, "{root}");
            assert_eq!(items[0].title, "Summit date set", "{root}");
        }
        // HTML entities XML does not define, raw and escaped.
        let feed = "<rss version=\"2.0\"><channel><title>Desk</title><item>\
            <title>Talks&nbsp;resume&hellip;</title><link>https://example.org/t</link>\
            <description>Talks resume&amp;hellip; on Monday&amp;nbsp;morning.</description>\
            </item></channel></rss>";
        let items = parse_feed(feed.as_bytes()).unwrap();
        assert_eq!(items[0].title, "Talks resume…");
        assert_eq!(items[0].paragraphs, ["Talks resume… on Monday morning."]);
    }

    #[test]
    fn a_feed_whose_entries_cannot_be_read_is_an_error_not_an_empty_feed() {
        let lost = b"<rss version=\"2.0\"><channel><title>Desk</title>\
            <item><guid>1</guid></item><item><guid>2</guid></item></channel></rss>";
        let e = parse_feed(lost).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the feed has 2 entries but none could be read (no title, text or link found)"
        );
        let empty = b"<rss version=\"2.0\"><channel><title>Desk</title></channel></rss>";
        assert_eq!(parse_feed(empty).unwrap(), []);
    }
}
