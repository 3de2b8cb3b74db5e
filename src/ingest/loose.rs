//! A loose reading of a feed's entries, for when feed-rs reads fewer of them than the feed
//! holds: quick-xml's event reader with end-name checks off walks the document once, and every
//! `item` or `entry` element becomes an entry from the children a lenient reader knows by name
//! (`title`, `dc:title`, `link`, `description`, `summary`, `content`, `content:encoded`,
//! `body`, `xhtml:body`, `fullitem`, dates, ids), whatever the feed's format, version or
//! namespaces. An ill-formed document (an unclosed tag or CDATA section) keeps the entries read
//! before the break.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use super::item::FeedItem;
use super::parse::{html_paragraphs, parse_date};
use crate::text::collapse_ws;

#[derive(Default)]
struct Entry {
    guid: Option<String>,
    title: Option<String>,
    link: Option<String>,
    /// Text of the full body (`content`, `content:encoded`, `body`, `fullitem`).
    body: Option<String>,
    /// Text of the summary (`description`, `summary`, `abstract`).
    summary: Option<String>,
    date: Option<String>,
}

/// The entries of `xml`, read loosely.
pub fn entries(xml: &str) -> Vec<FeedItem> {
    let mut reader = Reader::from_str(xml);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    let mut out = Vec::new();
    let mut depth = 0usize;
    // The entry being read (and its element's depth), and the child whose text is read.
    let mut entry: Option<(usize, Entry)> = None;
    let mut field: Option<(String, usize)> = None;
    loop {
        let before = reader.buffer_position() as usize;
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                depth += 1;
                let name = local_name(&e);
                match &mut entry {
                    None if name == "item" || name == "entry" => {
                        entry = Some((depth, Entry::default()));
                    }
                    Some((at, current)) if depth == *at + 1 => {
                        if name == "link" {
                            take_href(&e, current);
                        }
                        field = Some((name, reader.buffer_position() as usize));
                    }
                    _ => {}
                }
            }
            Ok(Event::Empty(e)) => {
                if let Some((at, current)) = &mut entry
                    && depth == *at
                    && local_name(&e) == "link"
                {
                    take_href(&e, current);
                }
            }
            Ok(Event::End(_)) => {
                if let Some((at, current)) = &mut entry {
                    if depth == *at + 1
                        && let Some((name, start)) = field.take()
                    {
                        let inner = xml.get(start..before).unwrap_or_default();
                        keep(current, &name, inner);
                    } else if depth == *at {
                        let (_, done) = entry.take().expect("inside an entry");
                        out.extend(finish(done));
                    }
                }
                depth = depth.saturating_sub(1);
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    // A document cut short inside an entry keeps what that entry had.
    if let Some((_, unfinished)) = entry {
        out.extend(finish(unfinished));
    }
    out
}

fn local_name(e: &BytesStart<'_>) -> String {
    e.local_name().as_ref().to_ascii_lowercase()
}

/// An Atom-style `<link href="…">` (the alternate one, or the first).
fn take_href(e: &BytesStart<'_>, entry: &mut Entry) {
    let mut href = None;
    let mut alternate = true;
    for attr in e.attributes().flatten() {
        match attr.key.local_name().as_ref() {
            "href" => {
                href = attr
                    .normalized_value(XmlVersion::Implicit1_0)
                    .ok()
                    .map(|v| v.trim().to_string())
            }
            "rel" => alternate = attr.value.as_ref() == "alternate",
            _ => {}
        }
    }
    if let Some(href) = href.filter(|h| !h.is_empty())
        && (alternate || entry.link.is_none())
    {
        entry.link = Some(href);
    }
}

fn keep(entry: &mut Entry, name: &str, inner: &str) {
    let slot = match name {
        "title" => &mut entry.title,
        "link" => {
            let text = markup_of(inner);
            let text = text.trim();
            if !text.is_empty() && entry.link.is_none() {
                entry.link = Some(text.to_string());
            }
            return;
        }
        "content" | "encoded" | "body" | "fullitem" => &mut entry.body,
        "description" | "summary" | "abstract" => &mut entry.summary,
        "guid" | "id" => &mut entry.guid,
        "pubdate" | "published" | "issued" | "date" | "updated" | "modified" => &mut entry.date,
        _ => return,
    };
    if slot.is_none() {
        *slot = Some(markup_of(inner));
    }
}

/// An element's inner text as HTML: CDATA sections opened, escaped markup unescaped, raw markup
/// (an XHTML body) kept as it is.
fn markup_of(inner: &str) -> String {
    let mut text = String::new();
    let mut rest = inner;
    while let Some(at) = rest.find("<![CDATA[") {
        text.push_str(&rest[..at]);
        let body = &rest[at + 9..];
        match body.find("]]>") {
            Some(end) => {
                text.push_str(&body[..end]);
                rest = &body[end + 3..];
            }
            None => {
                text.push_str(body);
                rest = "";
            }
        }
    }
    text.push_str(rest);
    if text.contains("&lt;")
        && !text.contains('<')
        && let Ok(unescaped) = quick_xml::escape::unescape(&text)
    {
        return unescaped.into_owned();
    }
    text
}

fn finish(entry: Entry) -> Option<FeedItem> {
    let paragraphs = [entry.body, entry.summary]
        .into_iter()
        .flatten()
        .map(|t| html_paragraphs(&t))
        .find(|p| !p.is_empty())
        .unwrap_or_default();
    let guid = entry
        .guid
        .map(|g| collapse_ws(&g))
        .filter(|g| !g.is_empty());
    let item = FeedItem::new(
        guid.unwrap_or_default(),
        entry.title.as_deref(),
        entry.link,
        entry.date.as_deref().map(str::trim).and_then(parse_date),
        paragraphs,
    );
    if !item.has_text() && item.url.is_none() {
        return None;
    }
    // Without an id, the entry is known by its link, else its title.
    let guid = if item.guid.is_empty() {
        item.url
            .clone()
            .unwrap_or_else(|| format!("title:{}", item.title))
    } else {
        item.guid.clone()
    };
    Some(FeedItem { guid, ..item })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_feed_rs_leaves_empty_are_read_by_their_element_names() {
        let xml = r#"<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<item><dc:title>Summit date set</dc:title><link>https://example.org/summit</link>
<dc:date>2026-11-20T09:00:00Z</dc:date></item>
<item><body>The envoys <b>met</b> for five hours in Geneva.</body></item>
<item><title>Escaped</title><description>&lt;p&gt;The corridor reopened.&lt;/p&gt;</description></item>
</channel></rss>"#;
        let items = entries(xml);
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].title, "Summit date set");
        assert_eq!(items[0].url.as_deref(), Some("https://example.org/summit"));
        assert!(items[0].published.is_some());
        assert_eq!(
            items[1].paragraphs,
            ["The envoys met for five hours in Geneva."]
        );
        assert_eq!(items[2].paragraphs, ["The corridor reopened."]);
    }

    #[test]
    fn an_ill_formed_feed_keeps_the_entries_before_the_break() {
        let xml = "<rss><channel><item><title>First</title><description>One.</description></item>\
                   <item><title>Second</title><description><![CDATA[Two, cut off";
        let items = entries(xml);
        assert_eq!(items.len(), 2, "{items:?}");
        assert_eq!(items[0].title, "First");
        assert_eq!(items[1].title, "Second");
    }
}
