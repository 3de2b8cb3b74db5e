//! RSS 0.9/1.0/2.0, Atom and JSON Feed documents (parsed by feed-rs) → feed items.

use std::borrow::Cow;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};

use super::IngestError;
use super::bound::{Markup, check_depth};
use super::decode::{Sniff, decode};
use super::parse::{collapse_ws, html_paragraphs};

/// One entry of a feed, normalized.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    /// The entry's id (GUID); feed-rs derives a stable one when the feed has none.
    pub guid: String,
    /// The article's link, if any.
    pub url: Option<String>,
    pub title: String,
    pub published: Option<DateTime<Utc>>,
    /// Text of the entry's content, else of its summary.
    pub paragraphs: Vec<String>,
    /// Whether the text is only a summary (the page should be fetched for the full text).
    pub summary_only: bool,
}

static DECLARED_ENCODING: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r#"^(\s*<\?xml[^>]*?encoding\s*=\s*["'])[^"']*"#).expect("valid pattern")
});

/// Text decoded from another encoding, its XML declaration (if any) now saying UTF-8.
fn declare_utf8(text: &str) -> String {
    DECLARED_ENCODING.replace(text, "${1}UTF-8").into_owned()
}

/// Below this many characters, an entry's text counts as a teaser, not the article.
const FULL_TEXT_CHARS: usize = 400;

pub fn parse_feed(bytes: &[u8]) -> Result<Vec<FeedItem>, IngestError> {
    parse_feed_as(bytes, None)
}

/// [`parse_feed`] with the charset an HTTP `Content-Type` declared, if any. The feed is decoded
/// here (byte order mark, that charset, the XML declaration, detection) and handed to feed-rs
/// as UTF-8, its declaration saying so.
pub fn parse_feed_as(bytes: &[u8], charset: Option<&str>) -> Result<Vec<FeedItem>, IngestError> {
    let decoded = decode(bytes, charset, Sniff::Xml)?;
    let utf8: Cow<'_, [u8]> = match decoded.text {
        Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
        Cow::Owned(text) => Cow::Owned(declare_utf8(&text).into_bytes()),
    };
    // feed-rs builds its element tree recursively: refuse what would nest past any sense.
    check_depth(&utf8, Markup::Xml)?;
    let feed = feed_rs::parser::parse(utf8.as_ref())
        .map_err(|e| IngestError::Parse(format!("not a readable RSS, Atom or JSON feed: {e}")))?;
    Ok(feed
        .entries
        .into_iter()
        .map(|entry| {
            let url = entry
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or_else(|| entry.links.first())
                .map(|l| l.href.trim().to_string())
                .filter(|h| h.starts_with("http://") || h.starts_with("https://"));
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
            let chars: usize = paragraphs.iter().map(|p| p.chars().count()).sum();
            FeedItem {
                guid: entry.id,
                title: entry
                    .title
                    .map(|t| collapse_ws(&html_paragraphs(&t.content).join(" ")))
                    .unwrap_or_default(),
                published: entry.published.or(entry.updated),
                summary_only: url.is_some() && chars < FULL_TEXT_CHARS,
                url,
                paragraphs,
            }
        })
        .collect())
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
}
