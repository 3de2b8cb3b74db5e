//! One entry of a feed, as both feed readers (`feed.rs` through feed-rs, `loose.rs` by element
//! name) give it.

use chrono::{DateTime, Utc};

use super::parse::html_paragraphs;
use crate::text::collapse_ws;

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

impl FeedItem {
    /// An entry from what a reader found: its title as markup, its link (kept only when it is
    /// an http(s) URL) and its text; a short text with a link counts as a teaser.
    pub(super) fn new(
        guid: String,
        title_markup: Option<&str>,
        link: Option<String>,
        published: Option<DateTime<Utc>>,
        paragraphs: Vec<String>,
    ) -> FeedItem {
        let url = link
            .map(|h| h.trim().to_string())
            .filter(|h| h.starts_with("http://") || h.starts_with("https://"));
        let chars: usize = paragraphs.iter().map(|p| p.chars().count()).sum();
        FeedItem {
            guid,
            title: title_markup
                .map(|t| collapse_ws(&html_paragraphs(t).join(" ")))
                .unwrap_or_default(),
            published,
            summary_only: url.is_some() && chars < FULL_TEXT_CHARS,
            url,
            paragraphs,
        }
    }

    /// Whether the entry has a title or text of its own (not only a link).
    pub(super) fn has_text(&self) -> bool {
        !self.title.is_empty() || !self.paragraphs.is_empty()
    }
}
