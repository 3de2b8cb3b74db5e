//! RSS 0.9/1.0/2.0, Atom and JSON Feed documents (parsed by feed-rs) → feed items.

use chrono::{DateTime, Utc};

use super::IngestError;
use super::bound::{Markup, check_depth};
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

/// Below this many characters, an entry's text counts as a teaser, not the article.
const FULL_TEXT_CHARS: usize = 400;

pub fn parse_feed(bytes: &[u8]) -> Result<Vec<FeedItem>, IngestError> {
    // feed-rs builds its element tree recursively: refuse what would nest past any sense.
    check_depth(bytes, Markup::Xml)?;
    let feed = feed_rs::parser::parse(bytes)
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
}
