//! Small text helpers shared by ingest, the command handler and the renderers: whitespace and
//! length, one function for each. A leaf module.

/// Whitespace runs become one space; leading and trailing whitespace goes.
pub fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whitespace runs become one space, but the ends are kept, so pieces of one text can be joined
/// around highlighted words.
pub fn squeeze_ws(piece: &str) -> String {
    let mut out = String::with_capacity(piece.len());
    let mut space = false;
    for c in piece.chars() {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

/// `s` in at most `max` characters (not bytes), ending with "…" when cut: what fits a limit
/// such as Discord's embed fields.
pub fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max.saturating_sub(1)) {
        Some((i, _)) if s[i..].chars().nth(1).is_some() => format!("{}…", &s[..i]),
        _ => s.to_string(),
    }
}

/// An error and its causes on one line, outermost first: "bad regex /x(/: regex parse error: …".
/// A cause whose text already ends the line (an error that prints its source itself, as
/// `"article store: {0}"` does) is not repeated.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn shorten_keeps_to_the_limit_ellipsis_included() {
        assert_eq!(super::shorten("Riyadh", 6), "Riyadh");
        assert_eq!(super::shorten("Riyadh talks", 6), "Riyad…");
        assert_eq!(super::shorten("Erdoğan", 4), "Erd…");
        assert_eq!(super::shorten("", 3), "");
    }
}
