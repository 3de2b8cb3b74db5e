//! A source named in a question: "What does Example Wire say about Riyadh?", "according to the
//! Daily Example", "the talks, from Meridian Wire", "Example Wire's coverage of the truce".
//!
//! [`mentions`] reads the words around a cue ("according to", "from", "in", "by" before, a
//! reporting verb or a possessive after) as candidate names of one to four words,
//! longest first, each with the span of the question that the name and the words that only
//! framed it take. The caller keeps the first candidate that is a source it has read (and reads
//! the question without that span, [`Mention::rest`]), so a speaker or a place ("according to
//! Ushakov", "in Riyadh") stays a search word: nothing here knows which sources exist.

/// Words before a name that belong to it as a source ("according to X", "from X"): taken out
/// with the name.
const PREPOSITIONS: &[&[&str]] = &[&["according", "to"], &["from"], &["in"], &["by"]];

/// A verb after a name that says it reported ("X says", "X reported"): taken out with it.
const REPORTING: &[&str] = &[
    "say",
    "says",
    "said",
    "saying",
    "report",
    "reports",
    "reported",
    "reporting",
    "write",
    "writes",
    "wrote",
    "written",
    "writing",
    "publish",
    "publishes",
    "published",
    "cover",
    "covers",
    "covered",
    "covering",
];

/// A noun after a possessive name that only says whose reports are meant ("X's coverage of").
const COVERAGE: &[&str] = &[
    "coverage",
    "reporting",
    "report",
    "reports",
    "articles",
    "article",
    "take",
    "view",
];

/// The longest name looked for, in words.
const MAX_WORDS: usize = 4;

/// A longer text is no question naming a source (the handler refuses questions far shorter);
/// it is not read, so no input makes the candidates, each looked up, grow without bound.
const MAX_QUESTION_WORDS: usize = 120;

/// One way of reading a question as naming a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// The name as written, its words joined by single spaces: "Example Wire".
    pub name: String,
    /// Bytes of the question the name and its framing words take ("according to the Daily
    /// Example", "Example Wire says").
    cut: std::ops::Range<usize>,
}

impl Mention {
    /// `question` (the one this mention was read from) without the name and the words that
    /// only framed it.
    pub fn rest(&self, question: &str) -> String {
        let rest = crate::text::collapse_ws(&format!(
            "{} {}",
            &question[..self.cut.start],
            &question[self.cut.end..]
        ));
        tidy(&rest)
    }
}

/// One word of the question: its byte span without surrounding punctuation, lowercased.
struct Word {
    start: usize,
    end: usize,
    lower: String,
    /// Whether it ends with a possessive ("'s", or "'" after an "s"), which `end` leaves out.
    possessive: bool,
    /// The end with the possessive.
    full_end: usize,
}

fn words(question: &str) -> Vec<Word> {
    let mut out = Vec::new();
    for raw in question.split_whitespace() {
        // `raw` is a slice of `question`: its offset is where it starts.
        let at = raw.as_ptr() as usize - question.as_ptr() as usize;
        let trimmed = raw.trim_start_matches(|c: char| !c.is_alphanumeric());
        let start = at + (raw.len() - trimmed.len());
        let mut token = trimmed.trim_end_matches(|c: char| !c.is_alphanumeric());
        let mut full_end = start + token.len();
        let mut possessive = false;
        let after = &trimmed[token.len()..];
        for mark in ["'", "’"] {
            if let Some(stem) = token.strip_suffix(&format!("{mark}s") as &str) {
                token = stem;
                possessive = true;
            } else if token.ends_with('s') && after.starts_with(mark) {
                full_end += mark.len();
                possessive = true;
            }
        }
        if token.is_empty() {
            continue;
        }
        out.push(Word {
            start,
            end: start + token.len(),
            lower: token.to_lowercase(),
            possessive,
            full_end,
        });
    }
    out
}

/// Every way of reading `question` as naming a source, the likeliest (longest name, earliest
/// cue) first. Nothing is checked against the sources read.
pub fn mentions(question: &str) -> Vec<Mention> {
    let words = words(question);
    if words.len() > MAX_QUESTION_WORDS {
        return Vec::new();
    }
    let mut found: Vec<(usize, usize, std::ops::Range<usize>)> = Vec::new();
    // (first word of the name, word count, byte range to take out)
    // One name read two ways ("in Reuters' coverage": after "in", before "coverage") is cut
    // as the two readings together.
    let mut push = |first: usize, len: usize, cut: std::ops::Range<usize>| match found
        .iter_mut()
        .find(|(f, l, _)| *f == first && *l == len)
    {
        Some((_, _, had)) => *had = had.start.min(cut.start)..had.end.max(cut.end),
        None => found.push((first, len, cut)),
    };
    for i in 0..words.len() {
        // A cue before the name: "according to X", "from the X".
        let lead = PREPOSITIONS.iter().find(|p| {
            p.len() <= words.len() - i
                && p.iter().zip(&words[i..]).all(|(w, word)| word.lower == *w)
        });
        if let Some(cue) = lead {
            let cue_len = cue.len();
            // After a bare "in", "from" or "by" a name must be written as one (capitalized):
            // "in local elections" is no question about the source "local" (what files without
            // a source are filed under), while "according to" says a source is meant.
            let capitalized_only = cue_len == 1;
            let mut first = i + cue_len;
            let with_the = words.get(first).is_some_and(|w| w.lower == "the");
            for skip_the in [false, true] {
                if skip_the && !with_the {
                    continue;
                }
                if skip_the {
                    first += 1;
                }
                for len in (1..=MAX_WORDS.min(words.len().saturating_sub(first))).rev() {
                    let last = &words[first + len - 1];
                    // A possessive ends a name: "from Example Wire's desk" is not "Wire's desk".
                    if words[first..first + len - 1].iter().any(|w| w.possessive) {
                        continue;
                    }
                    if capitalized_only
                        && !question[words[first].start..].starts_with(char::is_uppercase)
                    {
                        continue;
                    }
                    let mut end = last.full_end;
                    if let Some(next) = words.get(first + len)
                        && REPORTING.contains(&next.lower.as_str())
                    {
                        end = next.end;
                    }
                    push(first, len, words[i].start..end);
                }
            }
        }
        // A reporting verb or coverage noun after the name: "X says", "X's coverage".
        let after_verb = REPORTING.contains(&words[i].lower.as_str()) && i > 0;
        let after_possessive = words[i].possessive && i + 1 < words.len();
        if after_verb || after_possessive {
            let (last, end) = if after_verb {
                (i - 1, words[i].end)
            } else {
                let next = &words[i + 1];
                let end = if COVERAGE.contains(&next.lower.as_str()) {
                    next.end
                } else {
                    // "Example Wire's": the name and its "'s".
                    words[i].full_end
                };
                (i, end)
            };
            if after_verb && words[last].possessive {
                continue;
            }
            for len in (1..=MAX_WORDS.min(last + 1)).rev() {
                let first = last + 1 - len;
                if words[first..last].iter().any(|w| w.possessive) {
                    continue;
                }
                let mut start = words[first].start;
                if first > 0 && words[first - 1].lower == "the" {
                    start = words[first - 1].start;
                }
                push(first, len, start..end);
            }
        }
    }
    found.sort_by_key(|(first, len, _)| (std::cmp::Reverse(*len), *first));
    found
        .into_iter()
        .map(|(first, len, cut)| {
            let name = words[first..first + len]
                .iter()
                .map(|w| &question[w.start..w.end])
                .collect::<Vec<_>>()
                .join(" ");
            Mention { name, cut }
        })
        .collect()
}

/// What is left after a cut: no space before the closing punctuation, no dangling comma.
fn tidy(rest: &str) -> String {
    let mut out = rest
        .replace(" ?", "?")
        .replace(" ,", ",")
        .replace(" .", ".");
    while out.ends_with(",?") || out.ends_with(",.") {
        let mark = out.pop().unwrap_or('?');
        out.pop();
        out.push(mark);
    }
    out.trim_end_matches(',').trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first candidate named `name`, and the question without it.
    fn rest_for(question: &str, name: &str) -> Option<String> {
        mentions(question)
            .into_iter()
            .find(|m| m.name.eq_ignore_ascii_case(name))
            .map(|m| m.rest(question))
    }

    #[test]
    fn a_name_before_a_reporting_verb() {
        assert_eq!(
            rest_for("What does Example Wire say about Riyadh?", "Example Wire").as_deref(),
            Some("What does about Riyadh?")
        );
        assert_eq!(
            rest_for(
                "What has Example Wire reported on the truce?",
                "Example Wire"
            )
            .as_deref(),
            Some("What has on the truce?")
        );
        assert_eq!(
            rest_for("what did example wire write about the swap", "example wire").as_deref(),
            Some("what did about the swap")
        );
        assert_eq!(
            rest_for("What has the Daily Example written?", "Daily Example").as_deref(),
            Some("What has?")
        );
    }

    #[test]
    fn a_name_after_according_to_from_or_in_goes_with_its_preposition() {
        assert_eq!(
            rest_for(
                "Is territory negotiable, according to the Daily Example?",
                "Daily Example"
            )
            .as_deref(),
            Some("Is territory negotiable?")
        );
        assert_eq!(
            rest_for("Riyadh talks from Example Wire", "Example Wire").as_deref(),
            Some("Riyadh talks")
        );
        // With "the" or without it, whichever the source's name holds.
        assert_eq!(
            rest_for("What is new in The Guardian?", "The Guardian").as_deref(),
            Some("What is new?")
        );
        assert_eq!(
            rest_for("What is new in The Guardian?", "Guardian").as_deref(),
            Some("What is new?")
        );
    }

    #[test]
    fn a_possessive_name_and_its_coverage() {
        assert_eq!(
            rest_for(
                "Example Wire's coverage of the energy truce",
                "Example Wire"
            )
            .as_deref(),
            Some("of the energy truce")
        );
        assert_eq!(
            rest_for("What is Reuters' take on Riyadh?", "Reuters").as_deref(),
            Some("What is on Riyadh?")
        );
    }

    #[test]
    fn longest_names_come_first_and_nothing_is_a_name_without_a_cue() {
        let all = mentions("What does Example Wire say about Riyadh?");
        assert_eq!(all[0].name.split(' ').count(), MAX_WORDS);
        assert!(all.iter().any(|m| m.name == "Example Wire"));
        assert!(mentions("Is territory negotiable at the Riyadh talks?").is_empty());
        // After a bare preposition only a capitalized name: "local" is what files without a
        // source are filed under, and "local elections" no source.
        assert_eq!(rest_for("Who won in local elections?", "local"), None);
        assert_eq!(
            rest_for("according to local officials", "local officials").as_deref(),
            Some("")
        );
    }

    #[test]
    fn a_text_far_longer_than_a_question_is_not_read() {
        assert!(!mentions(&"in Example Wire ".repeat(MAX_QUESTION_WORDS / 3)).is_empty());
        assert!(mentions(&"in Example Wire ".repeat(10_000)).is_empty());
    }
}
