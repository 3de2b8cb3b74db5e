//! Cutting articles into passages (the unit that is indexed and quoted) and finding the query
//! terms inside a passage for highlighting.
//!
//! A passage is always a byte range of the article body, so what users see is literally what the
//! article says; ranges start and end on sentence boundaries unless one sentence alone is longer
//! than the maximum, in which case it is cut at a word boundary.

use std::ops::Range;

use tantivy::tokenizer::TextAnalyzer;
use unicode_segmentation::UnicodeSegmentation;

/// Passages grow sentence by sentence up to this many bytes.
pub const MAX_PASSAGE: usize = 400;
/// Passages shorter than this may take in the next paragraph's first sentences.
pub const MIN_PASSAGE: usize = 150;
/// A quote is the whole paragraph its passages stand in, up to this many bytes (a news
/// paragraph is the unit that says one thing; BBC's are 467 bytes on average, 1,120 at p95);
/// a longer paragraph is quoted by the passages that answer, joined up to this size.
pub const MAX_QUOTE: usize = 1000;

/// Splits `body` (paragraphs separated by blank lines) into passage ranges.
pub fn split(body: &str) -> Vec<Range<usize>> {
    let sentences = sentence_spans(body);
    let mut out: Vec<Range<usize>> = Vec::new();
    let mut current: Option<(Range<usize>, usize)> = None; // (range, paragraph)
    for (span, para) in sentences {
        current = match current {
            None => Some((span, para)),
            Some((cur, cur_para)) => {
                let joined_len = span.end - cur.start;
                let fits = joined_len <= MAX_PASSAGE;
                let may_join = para == cur_para || cur.len() < MIN_PASSAGE;
                if fits && may_join {
                    Some((cur.start..span.end, para))
                } else {
                    out.push(cur);
                    Some((span, para))
                }
            }
        };
    }
    if let Some((cur, _)) = current {
        out.push(cur);
    }
    out
}

/// Units to group into passages: whole paragraphs that fit, else sentences (trimmed, never longer
/// than [`MAX_PASSAGE`]), each with its paragraph number.
fn sentence_spans(body: &str) -> Vec<(Range<usize>, usize)> {
    let mut spans = Vec::new();
    for (para_no, (offset, para)) in paragraphs(body, 0).enumerate() {
        // A paragraph that fits in one passage is one unit: no need to find its sentences.
        if para.len() <= MAX_PASSAGE {
            let range = trimmed(para, offset);
            if !range.is_empty() {
                spans.push((range, para_no));
            }
            continue;
        }
        for (start, sentence) in para.split_sentence_bound_indices() {
            let range = trimmed(sentence, offset + start);
            if range.is_empty() {
                continue;
            }
            for piece in cut_long(&body[range.clone()]) {
                spans.push((
                    (range.start + piece.start)..(range.start + piece.end),
                    para_no,
                ));
            }
        }
    }
    spans
}

/// The paragraphs of `text` (split at blank lines, as they stand, whitespace included), each
/// with the byte offset it starts at, `text` itself starting at `offset`.
pub fn paragraphs(text: &str, offset: usize) -> impl Iterator<Item = (usize, &str)> {
    text.split("\n\n").scan(offset, |next, para| {
        let at = *next;
        *next += para.len() + 2;
        Some((at, para))
    })
}

/// The byte range of `text` without its leading and trailing whitespace, `text` starting at
/// `offset` (empty when `text` is all whitespace).
pub fn trimmed(text: &str, offset: usize) -> Range<usize> {
    let start = offset + text.len() - text.trim_start().len();
    start..start + text.trim().len()
}

/// Cuts an over-long sentence at word boundaries into pieces of at most [`MAX_PASSAGE`] bytes.
fn cut_long(sentence: &str) -> Vec<Range<usize>> {
    if sentence.len() <= MAX_PASSAGE {
        return std::iter::once(0..sentence.len()).collect();
    }
    let mut pieces = Vec::new();
    let mut start = 0;
    while sentence.len() - start > MAX_PASSAGE {
        let window_end = sentence.floor_char_boundary(start + MAX_PASSAGE);
        let cut = sentence[start..window_end]
            .rfind(char::is_whitespace)
            .map(|i| start + i)
            .filter(|&i| i > start)
            .unwrap_or(window_end);
        pieces.push(start..cut);
        start = cut;
        while let Some(c) = sentence[start..].chars().next() {
            if !c.is_whitespace() {
                break;
            }
            start += c.len_utf8();
        }
    }
    if start < sentence.len() {
        pieces.push(start..sentence.len());
    }
    pieces
}

/// An analyzed token (of a passage or a question): its indexed form, where it stands (left
/// empty when read from the postings, which keep positions only), and its position.
#[derive(Debug, Clone, PartialEq)]
pub struct PassageToken {
    /// Shared: a passage's occurrences of one term all point at one string.
    pub text: std::sync::Arc<str>,
    pub range: Range<usize>,
    pub position: usize,
}

/// Analyzes text with the index's analyzer (questions, alias names, tests). Passages found by a
/// search are not analyzed again: their terms come from the postings (`search::TermLookup`).
pub fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<PassageToken> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(t) = stream.next() {
        out.push(PassageToken {
            text: t.text.as_str().into(),
            range: t.offset_from..t.offset_to,
            position: t.position,
        });
    }
    out
}

/// The one term `word` analyzes to; `None` for a stop word or text that gives several terms.
pub fn term(analyzer: &mut TextAnalyzer, word: &str) -> Option<std::sync::Arc<str>> {
    let [token] = <[PassageToken; 1]>::try_from(tokens(analyzer, word)).ok()?;
    Some(token.text)
}

/// Whether `range` is the article's lead passage: [`split`] starts the first passage at the
/// body's first non-blank character.
pub fn is_lead(body: &str, range: &Range<usize>) -> bool {
    range.start == trimmed(body, 0).start
}

/// Where an article body's paragraphs break: the offset of every blank line (`"\n\n"`; in a
/// run of newlines, at each offset), found once per quoted article with `memchr`. Whether a
/// passage spans a break, and which paragraph a quote widens to, are then binary searches
/// instead of scans of the text (the scans were about 5 % of a question's time).
pub struct Paragraphs<'a> {
    body: &'a str,
    breaks: Vec<usize>,
}

impl<'a> Paragraphs<'a> {
    pub fn new(body: &'a str) -> Paragraphs<'a> {
        let bytes = body.as_bytes();
        let breaks = memchr::memchr_iter(b'\n', bytes)
            .filter(|&i| bytes.get(i + 1) == Some(&b'\n'))
            .collect();
        Paragraphs { body, breaks }
    }

    /// Whether a blank line lies wholly within `range` (the range spans a paragraph break).
    pub fn spans_break(&self, range: &Range<usize>) -> bool {
        let i = self.breaks.partition_point(|&p| p < range.start);
        self.breaks.get(i).is_some_and(|&p| p + 2 <= range.end)
    }

    /// Whether nothing but one paragraph's text lies between byte offsets `end` and `start` (no
    /// blank line: the two stand in the same paragraph).
    pub fn same_paragraph(&self, end: usize, start: usize) -> bool {
        end <= start && !self.spans_break(&(end..start))
    }

    /// `range` widened to the whole paragraph(s) it stands in (without their surrounding
    /// whitespace), if that is at most [`MAX_QUOTE`] bytes; else `range` itself.
    pub fn around(&self, range: &Range<usize>) -> Range<usize> {
        let body = self.body;
        if body.get(..range.start).is_none() || body.get(range.end..).is_none() {
            return range.clone();
        }
        let before = self.breaks.partition_point(|&p| p + 2 <= range.start);
        let start = before.checked_sub(1).map_or(0, |i| self.breaks[i] + 2);
        let after = self.breaks.partition_point(|&p| p < range.end);
        let end = self.breaks.get(after).copied().unwrap_or(body.len());
        let paragraph = trimmed(&body[start..end], start);
        if paragraph.start <= range.start
            && paragraph.end >= range.end
            && paragraph.len() <= MAX_QUOTE
        {
            paragraph
        } else {
            range.clone()
        }
    }
}

/// The words the index's tokenizer (tantivy's `SimpleTokenizer`: runs of alphanumeric
/// characters) finds in `text`, before the analyzer's filters drop any, with their positions
/// (the ones stored in the index) and byte ranges; `f` returns false to stop. The same split as
/// the tokenizer's, without copying each word into a token (a test checks they agree).
fn words(text: &str, mut f: impl FnMut(usize, Range<usize>) -> bool) {
    let bytes = text.as_bytes();
    // Whether the character at `i` is alphanumeric, and its length. Pure ASCII text (nearly
    // every English paragraph; checked a word at a time) is classified by a table, without
    // decoding a char.
    let ascii = text.is_ascii();
    let class = |i: usize| -> (bool, usize) {
        let b = bytes[i];
        if ascii || b.is_ascii() {
            (ASCII_ALPHANUMERIC[usize::from(b)], 1)
        } else {
            let c = text[i..].chars().next().unwrap_or_default();
            (c.is_alphanumeric(), c.len_utf8())
        }
    };
    let mut i = 0;
    let mut position = 0;
    while i < bytes.len() {
        // Up to the next word ...
        let (alphanumeric, len) = class(i);
        if !alphanumeric {
            i += len;
            continue;
        }
        // ... and to its end.
        let start = i;
        i += len;
        while i < bytes.len() {
            let (alphanumeric, len) = class(i);
            if !alphanumeric {
                break;
            }
            i += len;
        }
        if !f(position, start..i) {
            return;
        }
        position += 1;
    }
}

/// Whether each byte value is an ASCII letter or digit.
static ASCII_ALPHANUMERIC: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    table
};

/// How many words the tokenizer finds in `text` (the positions its words take in the index).
pub fn word_count(text: &str) -> usize {
    if text.is_ascii() {
        // Word starts: a letter or digit after anything else (no branch per byte).
        let mut n = 0;
        let mut previous = false;
        for &b in text.as_bytes() {
            let alphanumeric = ASCII_ALPHANUMERIC[usize::from(b)];
            n += usize::from(alphanumeric && !previous);
            previous = alphanumeric;
        }
        return n;
    }
    let mut n = 0;
    words(text, |_, _| {
        n += 1;
        true
    });
    n
}

/// Byte ranges of the words at `positions` (ascending) in `text`: the positions stored in the
/// index map back to the text without analyzing it again.
pub fn word_ranges(text: &str, positions: &[usize]) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(positions.len());
    let mut wanted = positions.iter().copied().peekable();
    words(text, |position, range| {
        if wanted.peek() == Some(&position) {
            out.push(range);
            while wanted.next_if(|&p| p <= position).is_some() {}
        }
        wanted.peek().is_some()
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(body: &'a str, ranges: &[Range<usize>]) -> Vec<&'a str> {
        ranges.iter().map(|r| &body[r.clone()]).collect()
    }

    #[test]
    fn words_split_as_the_index_tokenizer_does() {
        use tantivy::tokenizer::{TokenStream as _, Tokenizer as _};
        // Mixed scripts, and pure ASCII text (which takes a faster path).
        for text in [
            "Erdoğan's 1.5bn-euro offer—“final”, said Zelenskyy_aide; 東京 talks…  end",
            "U.S. envoy's 12-point plan -- no; \"final\" offer (2025), 3rd_round  end.",
        ] {
            let mut expected = Vec::new();
            let mut tokenizer = tantivy::tokenizer::SimpleTokenizer::default();
            let mut stream = tokenizer.token_stream(text);
            while stream.advance() {
                let t = stream.token();
                expected.push((t.position, t.offset_from..t.offset_to));
            }
            let mut got = Vec::new();
            words(text, |p, r| {
                got.push((p, r));
                true
            });
            assert_eq!(got, expected, "{text}");
            assert_eq!(word_count(text), expected.len(), "{text}");
        }
    }

    #[test]
    fn word_ranges_map_index_positions_back_to_the_text() {
        let text = "Ushakov said the talks in Riyadh were useful, and Ushakov's aides agreed.";
        let mut analyzer = crate::search::analyzer();
        let analyzed = tokens(&mut analyzer, text);
        let wanted: Vec<&PassageToken> = analyzed
            .iter()
            .filter(|t| &*t.text == "ushakov" || &*t.text == "talk")
            .collect();
        assert_eq!(wanted.len(), 3, "{analyzed:?}");
        let positions: Vec<usize> = wanted.iter().map(|t| t.position).collect();
        let ranges = word_ranges(text, &positions);
        let expected: Vec<Range<usize>> = wanted.iter().map(|t| t.range.clone()).collect();
        assert_eq!(ranges, expected);
        let words: Vec<&str> = ranges.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(words, ["Ushakov", "talks", "Ushakov"]);
    }

    #[test]
    fn a_quote_widens_to_its_paragraph_when_that_is_not_too_long() {
        let body =
            "Lead paragraph.\n\n  First sentence here. The answer is 42. Last one.  \n\nNext.";
        let answer = body.find("The answer").unwrap();
        let range = answer..answer + "The answer is 42.".len();
        let paragraphs = Paragraphs::new(body);
        let para = paragraphs.around(&range);
        assert_eq!(
            &body[para],
            "First sentence here. The answer is 42. Last one."
        );
        assert!(paragraphs.same_paragraph(range.end, body.find("Last").unwrap()));
        assert!(!paragraphs.same_paragraph(range.end, body.find("Next").unwrap()));
        assert!(paragraphs.spans_break(&(0..answer)));
        assert!(!paragraphs.spans_break(&range));
        let long = format!(
            "Lead.\n\n{} The answer is 42.",
            "Filler words. ".repeat(100)
        );
        let answer = long.find("The answer").unwrap();
        let range = answer..long.len();
        assert_eq!(
            Paragraphs::new(&long).around(&range),
            range,
            "longer than MAX_QUOTE: kept"
        );
        assert_eq!(Paragraphs::new("Short.").around(&(0..6)), 0..6);
    }

    #[test]
    fn short_heading_joins_the_next_paragraph() {
        let body = "Territory stays off the table\n\nThe adviser said territory was not negotiable. He added that no compromise was found.";
        let p = split(body);
        assert_eq!(p.len(), 1);
        assert_eq!(&body[p[0].clone()], body);
    }

    #[test]
    fn long_paragraphs_split_at_sentences() {
        let s = "This sentence is about sixty characters long, give or take. ";
        let body = s.repeat(12);
        let p = split(body.trim());
        assert!(p.len() >= 2);
        for t in texts(&body, &p) {
            assert!(t.len() <= MAX_PASSAGE, "{}", t.len());
            assert!(t.ends_with('.'), "{t:?}");
        }
    }

    #[test]
    fn a_huge_sentence_is_cut_at_words_on_char_boundaries() {
        let body = "Зеленський ".repeat(100);
        let p = split(body.trim());
        assert!(p.len() > 1);
        for r in &p {
            assert!(body.is_char_boundary(r.start) && body.is_char_boundary(r.end));
            assert!(r.len() <= MAX_PASSAGE);
            assert!(!body[r.clone()].starts_with(' '));
        }
    }

    #[test]
    fn separate_paragraphs_of_normal_size_stay_apart() {
        let a = "A".repeat(10)
            + " first paragraph sentence that is long enough to stand on its own as a passage, which needs more than one hundred and fifty characters in total, so here we go.";
        let b = "Second paragraph, also standing alone.";
        let body = format!("{a}\n\n{b}");
        let p = split(&body);
        assert_eq!(texts(&body, &p), vec![a.as_str(), b]);
    }
}
