//! Choosing an article's quotes: its paragraphs scored by the question weight they carry (title
//! words discounted, words spread over many paragraphs discounted), the phrase boost, the kind
//! of answer the question's form asks for, and headings discounted.

use std::ops::Range;

use rustc_hash::FxHashMap;
use tantivy::DocAddress;

use crate::question::{Form, Want};
use crate::search::passage::{self, PassageToken};
use crate::search::{self, PassageTerms, query};

/// Passages (byte ranges, in article order) with the question's terms found in each.
pub(super) type PassagesWithTerms = Vec<(Range<usize>, Vec<PassageToken>)>;

/// How much a question word found in the title counts when choosing the quote inside an
/// article: the title already says the article is about it, so the quote should carry the
/// words the title does not (the lead paragraph repeats the title; the answer is often further
/// down).
const TITLE_WORD_DISCOUNT: f32 = 0.5;

/// Factor for a paragraph holding the kind of answer the question's form asks for (a date for
/// "when", a duration for "how long", a name for "who", …).
const FORM_BOOST: f32 = 2.0;

/// Factor for a paragraph that reads as a headline or subheading: quoted only when no body
/// sentence covers the question as well (a subheading repeats the story's words without
/// answering anything).
const HEADING_FACTOR: f32 = 0.5;

/// Longest paragraph, in words, that can be a subheading when it has no closing punctuation.
const HEADING_WORDS: usize = 20;

/// Whether `text` (a paragraph) reads as a headline rather than a sentence: the article's title
/// repeated, or a short line without closing punctuation.
fn is_heading(text: &str, title: &str) -> bool {
    let text = text.trim();
    let closed = text
        .trim_end_matches(['"', '\u{201d}', '\u{2019}', '\'', ')', ']'])
        .ends_with(['.', '!', '?', ':', ';', '\u{2026}']);
    if !closed && passage::word_count(text) <= HEADING_WORDS {
        return true;
    }
    // The title repeated as a line of the body (only lines of about its length are compared).
    let words = |s: &'_ str| {
        s.split_whitespace()
            .map(|w| {
                w.trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase()
            })
            .collect::<Vec<_>>()
    };
    !title.is_empty()
        && text.len() <= title.len() + title.len() / 4
        && title.len() <= text.len() + text.len() / 4
        && words(text) == words(title)
}

/// The `n` quotes of an article that answer the question best, best first: passages of one
/// paragraph are joined into one quote (up to [`passage::MAX_QUOTE`] bytes), and each quote
/// scores the question weight it carries (title words discounted, spelling corrections half,
/// and with `whole_article`, words spread over many paragraphs discounted), times the phrase
/// boost, a boost when it holds the kind of answer the question's `form` asks for, and a
/// discount when it reads as a heading; ties go to the earlier quote. A quote is shown as its
/// whole paragraph when that fits. `passages` are byte ranges
/// in article order with the question terms found in them (positions only), which also place
/// the highlights. Returns (score relative to the best, byte range, highlight ranges relative
/// to the quote).
/// Also returns the share of the question the whole article (title and body) covers.
#[allow(clippy::type_complexity, clippy::too_many_arguments)] // one private call site
pub(super) fn best_passages(
    want: &Want,
    whole_article: bool,
    plan: &query::Plan,
    title: &str,
    body: &str,
    passages: Vec<(Range<usize>, Vec<PassageToken>)>,
    in_title: impl Fn(&str) -> bool,
    highlight_terms: &rustc_hash::FxHashSet<String>,
    n: usize,
) -> (Vec<(f32, Range<usize>, Vec<Range<usize>>)>, f32) {
    // Each unit with the weight each of the question's words earns in it (computed once: it
    // sets both the words' specificity and the units' scores).
    let paragraphs = passage::Paragraphs::new(body);
    let units: Vec<(Unit, Vec<f32>)> = paragraph_units(body, &paragraphs, passages)
        .into_iter()
        .map(|unit| {
            let mut matched: Vec<f32> = plan
                .groups
                .iter()
                .map(|g| g.matched_weight(|t| unit.has(t)))
                .collect();
            // A name's first word counts where its later word names the person.
            for (gi, g) in plan.groups.iter().enumerate() {
                if let Some(next) = g.name_next
                    && matched[gi] == 0.0
                    && matched[next] > 0.0
                {
                    matched[gi] = g.weight;
                }
            }
            (unit, matched)
        })
        .collect();
    // With the whole article at hand, a word's weight is scaled by how few of its paragraphs
    // carry it: a word in every paragraph says what the article is about (the title's subject,
    // repeated), a word in one paragraph says where this question's answer is. A word of the
    // title counts less wherever it is found.
    let all = units.len() as f32;
    let in_title_group: Vec<bool> = plan
        .groups
        .iter()
        .map(|g| g.terms.iter().any(|t| in_title(t)))
        .collect();
    let word_factor: Vec<f32> = in_title_group
        .iter()
        .enumerate()
        .map(|(gi, &titled)| {
            let n = units
                .iter()
                .filter(|(_, matched)| matched[gi] > 0.0)
                .count();
            let specificity = if whole_article && n > 0 && all > 1.0 {
                (1.0 + all / n as f32).ln() / (1.0 + all).ln()
            } else {
                1.0
            };
            if titled {
                specificity * TITLE_WORD_DISCOUNT
            } else {
                specificity
            }
        })
        .collect();
    // A word of the title counts in every paragraph, found there or not: the title says what
    // the whole article is about, so the paragraph that answers need not repeat it ("the
    // Moscow talks" in the title, "after two days of negotiations" in the body).
    let mut scored: Vec<(f32, Unit)> = Vec::new();
    for (unit, matched) in units {
        let carried: f32 = matched
            .iter()
            .zip(&word_factor)
            .zip(plan.groups.iter().zip(&in_title_group))
            .map(
                |((w, f), (g, t))| {
                    if *w == 0.0 && *t { g.weight * f } else { w * f }
                },
            )
            .sum();
        let mut score = carried * (1.0 + plan.phrase_share(&unit.tokens));
        if is_heading(&body[unit.range.clone()], title) {
            score *= HEADING_FACTOR;
        }
        scored.push((score, unit));
    }
    // The form's boost, read from the text only where it can matter: a paragraph that, boosted
    // in full, would still score below the n-th best unboosted one stays out of the quotes
    // either way.
    if want.form != Form::Other && !scored.is_empty() {
        let mut unboosted: Vec<f32> = scored.iter().map(|s| s.0).collect();
        let nth = n.clamp(1, unboosted.len()) - 1;
        let (_, bar, _) = unboosted.select_nth_unstable_by(nth, |a, b| b.total_cmp(a));
        let bar = *bar;
        for (score, unit) in scored.iter_mut() {
            if *score * FORM_BOOST >= bar {
                *score *= FORM_BOOST.powf(want.answer_strength(&body[unit.range.clone()]));
            }
        }
    }
    let coverage = plan.coverage(|t| in_title(t) || scored.iter().any(|(_, unit)| unit.has(t)));
    // Stable sort: equal scores keep article order.
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let top = scored
        .first()
        .map(|s| s.0)
        .filter(|s| *s > 0.0)
        .unwrap_or(1.0);
    let best = scored
        .into_iter()
        .take(n)
        .map(|(score, unit)| {
            let quote = paragraphs.around(&unit.range);
            let highlights = unit.highlights(body, &quote, |t| highlight_terms.contains(t));
            (score / top, quote, highlights)
        })
        .collect();
    (best, coverage)
}

/// What choosing an article's quotes needs of the question.
pub(super) struct Quoting<'a> {
    pub(super) want: &'a Want,
    pub(super) plan: &'a query::Plan,
    pub(super) highlight_terms: &'a rustc_hash::FxHashSet<String>,
    pub(super) per_article: usize,
}

/// An article's best quotes (see [`best_passages`]) among `all` its passages when they were
/// read, else among the passages the search `found` (their terms taken out of `terms_of`); and
/// the share of the question the article covers.
#[allow(clippy::type_complexity)]
pub(super) fn quote_article(
    q: &Quoting<'_>,
    article: &crate::ingest::Article,
    title: &[String],
    found: &[search::PassageHit],
    all: PassagesWithTerms,
    terms_of: &mut FxHashMap<DocAddress, PassageTerms>,
) -> (Vec<(f32, Range<usize>, Vec<Range<usize>>)>, f32) {
    let whole_article = !all.is_empty();
    let scored = if whole_article {
        all
    } else {
        let mut r: Vec<_> = found
            .iter()
            .map(|p| {
                let text = terms_of.remove(&p.addr).unwrap_or_default().text;
                (p.range.clone(), text)
            })
            .collect();
        r.sort_by_key(|(r, _)| r.start);
        r
    };
    best_passages(
        q.want,
        whole_article,
        q.plan,
        &article.title,
        &article.body,
        scored,
        |t| title.iter().any(|x| x == t),
        q.highlight_terms,
        q.per_article,
    )
}

/// How far apart the positions of two pieces of one unit are kept: a term keeps its position
/// in its piece (as the index gave it), plus this times the piece's number, so joining pieces
/// needs no counting of words, and words of two pieces are never taken for adjacent. (A piece
/// is at most a passage, [`passage::MAX_PASSAGE`] bytes: far fewer words than this.)
const PIECE_STRIDE: usize = 1 << 16;

/// A quote candidate: pieces of one paragraph (passages, or the parts of a passage that spans a
/// paragraph break), in article order, with the question terms found in them.
struct Unit {
    /// From the first piece's start to the last one's end (bytes of the body).
    range: Range<usize>,
    /// Each piece's byte range.
    pieces: Vec<Range<usize>>,
    /// The terms found, at `piece number × PIECE_STRIDE + position in the piece`.
    tokens: Vec<PassageToken>,
}

impl Unit {
    fn new(range: Range<usize>, tokens: Vec<PassageToken>) -> Unit {
        Unit {
            pieces: vec![range.clone()],
            range,
            tokens,
        }
    }

    /// Whether `term` was found in this unit.
    fn has(&self, term: &str) -> bool {
        self.tokens.iter().any(|tok| &*tok.text == term)
    }

    /// Byte ranges, relative to `quote` (which holds this unit), of the terms `wanted` picks.
    fn highlights(
        &self,
        body: &str,
        quote: &Range<usize>,
        wanted: impl Fn(&str) -> bool,
    ) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        for (i, piece) in self.pieces.iter().enumerate() {
            let mut positions: Vec<usize> = self
                .tokens
                .iter()
                .filter(|t| t.position / PIECE_STRIDE == i && wanted(&t.text))
                .map(|t| t.position % PIECE_STRIDE)
                .collect();
            if positions.is_empty() {
                continue;
            }
            positions.sort_unstable();
            let shift = piece.start - quote.start;
            out.extend(
                passage::word_ranges(&body[piece.clone()], &positions)
                    .into_iter()
                    .map(|r| r.start + shift..r.end + shift),
            );
        }
        out
    }
}

/// An article's passages (in article order) as paragraph units: a passage that spans a
/// paragraph break (a short paragraph joins the next one's first sentences) is split at it,
/// and pieces that stand in one paragraph are joined, up to [`passage::MAX_QUOTE`] bytes. The
/// lead passage is indexed with the headline after its own words (see `search::documents`):
/// terms past the passage's own words are the headline's, which say what the article is about
/// rather than what the passage says, and are left out. Passages outside the body (the
/// article changed since it was indexed) are skipped.
fn paragraph_units(
    body: &str,
    paragraphs: &passage::Paragraphs<'_>,
    passages: Vec<(Range<usize>, Vec<PassageToken>)>,
) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::new();
    for (range, mut tokens) in passages {
        let Some(text) = body.get(range.clone()) else {
            continue;
        };
        // Nearly every passage lies within one paragraph: its terms stay as they are.
        if !paragraphs.spans_break(&range) {
            if passage::is_lead(body, &range) {
                let words = passage::word_count(text);
                tokens.retain(|t| t.position < words);
            }
            join_paragraph(&mut units, paragraphs, range, tokens);
            continue;
        }
        let mut first_word = 0;
        for (offset, piece) in passage::paragraphs(text, range.start) {
            let piece_words = first_word..first_word + passage::word_count(piece);
            first_word = piece_words.end;
            let piece_range = passage::trimmed(piece, offset);
            if piece_range.is_empty() {
                continue;
            }
            let piece_tokens = tokens
                .iter()
                .filter(|t| piece_words.contains(&t.position))
                .map(|t| PassageToken {
                    position: t.position - piece_words.start,
                    ..t.clone()
                })
                .collect();
            join_paragraph(&mut units, paragraphs, piece_range, piece_tokens);
        }
    }
    units
}

/// Adds a piece of one paragraph to `units`: joined to the last unit when that stands in the
/// same paragraph and the two fit in [`passage::MAX_QUOTE`] bytes, else as a unit of its own.
fn join_paragraph(
    units: &mut Vec<Unit>,
    paragraphs: &passage::Paragraphs<'_>,
    range: Range<usize>,
    tokens: Vec<PassageToken>,
) {
    if let Some(unit) = units.last_mut()
        && range.start >= unit.range.end
        && range.end - unit.range.start <= passage::MAX_QUOTE
        && paragraphs.same_paragraph(unit.range.end, range.start)
    {
        let stride = unit.pieces.len() * PIECE_STRIDE;
        unit.tokens.extend(tokens.into_iter().map(|mut t| {
            t.position += stride;
            t
        }));
        unit.pieces.push(range.clone());
        unit.range.end = range.end;
    } else {
        units.push(Unit::new(range, tokens));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passages_become_paragraph_units_whose_highlights_land_on_the_words() {
        let body = "Talks resume.\n\nDelegates met in Geneva again. Ushakov said the talks went well.\n\nA date follows.";
        let para = body.find("Delegates").unwrap();
        let second = body.find("Ushakov").unwrap();
        let third = body.find("A date").unwrap();
        // The lead passage spans the first paragraph break (a short paragraph takes in the
        // next one's first sentence); the second sentence is a passage of its own.
        let passages = [0..second - 1, second..third - 2, third..body.len()];
        let mut analyzer = crate::search::analyzer();
        let indexed: Vec<(Range<usize>, Vec<PassageToken>)> = passages
            .iter()
            .map(|r| (r.clone(), passage::tokens(&mut analyzer, &body[r.clone()])))
            .collect();
        let units = paragraph_units(body, &passage::Paragraphs::new(body), indexed);
        let texts: Vec<&str> = units.iter().map(|u| &body[u.range.clone()]).collect();
        assert_eq!(
            texts,
            [
                "Talks resume.",
                "Delegates met in Geneva again. Ushakov said the talks went well.",
                "A date follows."
            ]
        );
        let joined = &units[1];
        assert!(joined.has("ushakov") && joined.has("geneva") && !joined.has("resum"));
        // The last word of one piece and the first of the next are not adjacent.
        let position = |term: &str| {
            joined
                .tokens
                .iter()
                .find(|t| &*t.text == term)
                .unwrap()
                .position
        };
        assert_ne!(position("ushakov"), position("again") + 1);
        let quote = para..third - 2;
        let marked: Vec<&str> = joined
            .highlights(body, &quote, |t| ["geneva", "talk", "ushakov"].contains(&t))
            .into_iter()
            .map(|r| &body[quote.clone()][r])
            .collect();
        assert_eq!(marked, ["Geneva", "Ushakov", "talks"]);
    }
}
