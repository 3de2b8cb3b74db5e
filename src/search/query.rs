//! From a free-form question to a tantivy query, without ever failing on syntax: the question is
//! analyzed into words (never handed to a query parser), each word is widened with its name
//! variants (alias table), with its compound forms ("cease-fire" finds "ceasefire", and a word the
//! index lacks, "oilfields", finds "oil fields") or, when it matches nothing, with close spellings
//! (fuzzy), and adjacent words add a phrase boost.

use std::collections::{HashMap, HashSet};
use std::ops::Bound;

use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder};
use serde::Deserialize;
use tantivy::query::{BooleanQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Term};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DateTime as TDateTime, Searcher};

use super::passage::{self, PassageToken, tokens};
use super::{Fields, TermLookup};

/// Words too common in questions to say anything about the answer. (English stop words are
/// removed by the analyzer already.)
const QUESTION_WORDS: &[&str] = &[
    "what",
    "who",
    "whom",
    "whose",
    "which",
    "when",
    "where",
    "why",
    "how",
    "many",
    "much",
    "did",
    "does",
    "do",
    "has",
    "have",
    "had",
    "is",
    "are",
    "was",
    "were",
    "any",
    "about",
    "tell",
    "me",
    "please",
    "know",
    "can",
    "could",
    "would",
    "should",
    "there",
    "latest",
    "news",
    "say",
    "said",
    "says",
    "been",
    "being",
    "anything",
    "something",
    "i",
    "you",
    "we",
    "us",
    "our",
    // As typed in a hurry: "wat did peskov say", "whos witkoff".
    "wat",
    "whats",
    "wats",
    "whos",
    "hows",
    "wheres",
    "whens",
    "whys",
];

/// At most this many distinct words of a question are searched (a 10 KB paste stays cheap).
const MAX_WORDS: usize = 32;
/// Words shorter than this never get fuzzy variants.
const FUZZY_MIN_CHARS: usize = 5;
/// Shortest part of a compound word ("oil" + "fields"): shorter parts would split ordinary
/// words into a prefix and a word ("a" + "broad").
const COMPOUND_PART_CHARS: usize = 3;

/// The alias table: groups of spellings that name the same person or place.
#[derive(Debug, Default, Clone)]
pub struct Aliases {
    /// analyzed single-token member → group index
    by_term: HashMap<String, usize>,
    /// analyzed multi-token members by their first token: (the tokens, group index)
    by_first: HashMap<String, Vec<(Vec<String>, usize)>>,
    /// each group's members, analyzed into token sequences
    groups: Vec<Vec<Vec<String>>>,
}

/// An alias or synonym table that is not TOML of the expected shape (`groups = [[…], …]`).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct AliasError(#[from] toml::de::Error);

#[derive(Debug, Deserialize)]
struct AliasFile {
    groups: Vec<Vec<String>>,
}

impl Aliases {
    /// Parses `aliases.toml` (`groups = [["Zelensky", "Zelenskyy"], ...]`).
    pub fn from_toml(text: &str, analyzer: &mut TextAnalyzer) -> Result<Aliases, AliasError> {
        let mut aliases = Aliases::default();
        aliases.add_toml(text, analyzer)?;
        Ok(aliases)
    }

    /// Adds the groups of a table in the `aliases.toml` format (name variants and synonyms use
    /// the same one). A member already in a group stays in that group only.
    pub fn add_toml(&mut self, text: &str, analyzer: &mut TextAnalyzer) -> Result<(), AliasError> {
        let file: AliasFile = toml::from_str(text)?;
        for group in file.groups {
            let members: Vec<Vec<String>> = group
                .iter()
                .map(|m| {
                    tokens(analyzer, m)
                        .into_iter()
                        .map(|t| t.text.to_string())
                        .collect::<Vec<_>>()
                })
                .filter(|tokens| !tokens.is_empty())
                .collect();
            if members.len() < 2 {
                continue;
            }
            let idx = self.groups.len();
            for m in &members {
                match m.as_slice() {
                    [single] => {
                        self.by_term.entry(single.clone()).or_insert(idx);
                    }
                    [first, ..] => {
                        let known = self.by_first.entry(first.clone()).or_default();
                        if !known.iter().any(|(k, _)| k == m) {
                            known.push((m.clone(), idx));
                        }
                    }
                    [] => {}
                }
            }
            self.groups.push(members);
        }
        Ok(())
    }

    /// The longest multi-word member that `words` (analyzed, in question order) start with:
    /// how many words it spans and its group's other members. "take a long time" in a question
    /// is one word group, whose forms are "prolonged", "lengthy", ….
    pub fn phrase_at(&self, words: &[&str]) -> Option<(usize, Vec<Vec<String>>)> {
        let (member, group) = self
            .by_first
            .get(*words.first()?)?
            .iter()
            .filter(|(m, _)| m.len() <= words.len() && m.iter().zip(words).all(|(a, b)| a == b))
            .max_by_key(|(m, _)| m.len())?;
        let others = self.groups[*group]
            .iter()
            .filter(|m| *m != member)
            .cloned()
            .collect();
        Some((member.len(), others))
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Other spellings of `term` (analyzed), each a token sequence.
    pub fn variants(&self, term: &str) -> Vec<Vec<String>> {
        self.by_term
            .get(term)
            .map(|&g| {
                self.groups[g]
                    .iter()
                    .filter(|m| m.as_slice() != [term])
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// One word of the question and everything that counts as a match for it.
#[derive(Debug, Clone)]
pub struct WordGroup {
    /// The analyzed word as asked.
    pub term: String,
    /// The word as the question wrote it (for telling the user about a correction).
    pub asked: String,
    /// Single-token forms that match: the word, then its aliases, then fuzzy corrections.
    pub terms: Vec<String>,
    /// How many of `terms` after the first are aliases (the rest are fuzzy corrections).
    pub alias_count: usize,
    /// Multi-token aliases, matched as phrases.
    pub phrases: Vec<Vec<String>>,
    /// Spelling corrections used, for telling the user.
    pub corrected_to: Option<String>,
    /// Inverse document frequency weight of the group (its best-known form); for a word found
    /// nowhere, the average of the others'.
    pub weight: f32,
    /// Whether any form of the word is in the index.
    pub in_index: bool,
    /// For a word that begins a name ("Hugo" of "Hugo Chavez"), the group of the name's next
    /// word: a paragraph that names the person by the later word alone ("Mr Chavez") names
    /// them as fully as the lead that wrote the whole name.
    pub name_next: Option<usize>,
}

impl WordGroup {
    /// Whether `contains` reports the word itself, an alias or all words of a multi-word alias
    /// (spelling corrections are guesses and do not count).
    pub fn is_found(&self, contains: impl Fn(&str) -> bool) -> bool {
        self.terms[..=self.alias_count].iter().any(|t| contains(t))
            || self.phrases.iter().any(|p| p.iter().all(|t| contains(t)))
    }

    /// The weight this word adds where `contains` reports its forms: all of it for the word or
    /// an alias (a multi-word alias needs all its words), half for a spelling correction only
    /// (a guess), nothing otherwise.
    pub fn matched_weight(&self, contains: impl Fn(&str) -> bool) -> f32 {
        if self.is_found(&contains) {
            self.weight
        } else if self.terms[self.alias_count + 1..]
            .iter()
            .any(|t| contains(t))
        {
            self.weight * 0.5
        } else {
            0.0
        }
    }
}

/// A word group's forms as bits over a list of terms (see [`Plan::term_bits`]).
#[derive(Debug, Clone)]
pub struct GroupBits {
    /// The word and its single-word aliases.
    exact: u64,
    /// Spelling corrections.
    guesses: u64,
    /// Each multi-word alias (all its bits needed).
    phrases: Vec<u64>,
}

/// A question turned into what to search for.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub groups: Vec<WordGroup>,
    /// Adjacent word pairs with their position gap, for the phrase boost.
    pub pairs: Vec<(String, String, usize)>,
    /// Passages in the index the plan was made on (see [`SMALL_INDEX`]).
    pub passages: u64,
}

impl Plan {
    /// Every analyzed form that counts as a hit, for highlighting.
    pub fn highlight_terms(&self) -> rustc_hash::FxHashSet<String> {
        self.groups
            .iter()
            .flat_map(|g| g.terms.iter().chain(g.phrases.iter().flatten()))
            .cloned()
            .collect()
    }

    /// Every analyzed form coverage, phrase checks or highlighting look for.
    pub fn relevant_terms(&self) -> rustc_hash::FxHashSet<String> {
        let mut terms = self.highlight_terms();
        for (a, b, _) in &self.pairs {
            terms.insert(a.clone());
            terms.insert(b.clone());
        }
        terms
    }

    pub fn total_weight(&self) -> f32 {
        self.groups.iter().map(|g| g.weight).sum()
    }

    /// Share (0..1) of the question's weight whose words `contains` reports as present.
    /// A word matched only through a spelling correction counts half: it is a guess.
    pub fn coverage(&self, contains: impl Fn(&str) -> bool) -> f32 {
        let total = self.total_weight();
        if total <= 0.0 {
            return 0.0;
        }
        let hit: f32 = self
            .groups
            .iter()
            .map(|g| g.matched_weight(&contains))
            .sum();
        hit / total
    }

    /// Each word group's forms as bits over `terms` (bit `i` stands for `terms[i]`), for
    /// [`Plan::coverage_bits`]; `None` when a form is not among the first 64 terms.
    pub fn term_bits(&self, terms: &[&str]) -> Option<Vec<GroupBits>> {
        let bit = |t: &String| {
            terms
                .iter()
                .position(|x| *x == t.as_str())
                .filter(|&i| i < 64)
                .map(|i| 1u64 << i)
        };
        let mask = |forms: &[String]| forms.iter().try_fold(0, |m, t| Some(m | bit(t)?));
        self.groups
            .iter()
            .map(|g| {
                Some(GroupBits {
                    exact: mask(&g.terms[..=g.alias_count])?,
                    guesses: mask(&g.terms[g.alias_count + 1..])?,
                    phrases: g.phrases.iter().map(|p| mask(p)).collect::<Option<_>>()?,
                })
            })
            .collect()
    }

    /// [`Plan::coverage`] where the terms present are the bits set in `present` (see
    /// [`Plan::term_bits`]): the same sum, with bit tests instead of comparing strings (the
    /// candidates' coverage was checked about 70 times per question). Written out rather than
    /// sharing a helper with `coverage` and `matched_weight`: that version measured 8 % slower
    /// per headline (the same instructions within 1 %; the compiler inlined differently).
    pub fn coverage_bits(&self, bits: &[GroupBits], present: u64) -> f32 {
        let total = self.total_weight();
        if total <= 0.0 {
            return 0.0;
        }
        let hit: f32 = self
            .groups
            .iter()
            .zip(bits)
            .map(|(g, b)| {
                let exact = present & b.exact != 0
                    || b.phrases.iter().any(|&phrase| phrase & !present == 0);
                if exact {
                    g.weight
                } else if present & b.guesses != 0 {
                    g.weight * 0.5
                } else {
                    0.0
                }
            })
            .sum();
        hit / total
    }

    /// Share (0..1) of the question's adjacent word pairs that stand together, as asked, in a
    /// passage.
    pub fn phrase_share(&self, tokens: &[PassageToken]) -> f32 {
        if self.pairs.is_empty() {
            return 0.0;
        }
        let found = self
            .pairs
            .iter()
            .filter(|(a, b, gap)| {
                tokens.iter().any(|first| {
                    *first.text == **a
                        && tokens.iter().any(|second| {
                            *second.text == **b && second.position == first.position + gap
                        })
                })
            })
            .count();
        found as f32 / self.pairs.len() as f32
    }
}

pub struct PlanInput<'a> {
    pub question: &'a str,
    pub aliases: &'a Aliases,
    pub fuzzy: bool,
}

/// Endings the tokenizer splits off a contraction at its apostrophe ("don't", "they're",
/// "we'll", "I'm").
const CONTRACTED: &[&str] = &["t", "re", "ve", "ll", "d", "m"];

/// Words whose "'s" is "is" or "has" ("What's", "it's"), not a possessive: a possessive's "s"
/// stays a search word ("General Electric's film unit" is found by its words standing together).
const IS_CONTRACTED: &[&str] = &[
    "what", "who", "where", "when", "why", "how", "it", "that", "there", "here", "he", "she", "let",
];

/// Whether `token` is part of a contraction in `question` (its ending, or a negated auxiliary),
/// no word of it. Searched for, the "s" of "What's happening with Riyadh?" matched every
/// possessive and quoted "Turkey's offer" as if it covered the question, and the "don" of "Why
/// don't the sides agree?" was reported as a word no article mentions.
fn is_contraction(question: &str, token: &PassageToken) -> bool {
    let word = &question[token.range.clone()];
    // The auxiliary of a negation: "don" of "don't", "won" of "won't", "didn" of "didn't".
    let negated = question[token.range.end..]
        .strip_prefix(['\'', '\u{2019}'])
        .and_then(|a| a.strip_prefix(['t', 'T']))
        .is_some_and(|a| !a.starts_with(char::is_alphanumeric));
    if negated && word.ends_with(['n', 'N']) {
        return true;
    }
    let Some(before) = question[..token.range.start].strip_suffix(['\'', '\u{2019}']) else {
        return false;
    };
    if word.eq_ignore_ascii_case("s") {
        let owner = before
            .rsplit(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or("");
        IS_CONTRACTED.iter().any(|w| owner.eq_ignore_ascii_case(w))
    } else {
        CONTRACTED.iter().any(|c| word.eq_ignore_ascii_case(c))
    }
}

/// Analyzes a question into word groups, with aliases and (for unknown words) fuzzy variants.
pub fn plan(
    input: PlanInput<'_>,
    analyzer: &mut TextAnalyzer,
    lookup: &mut TermLookup<'_>,
) -> Plan {
    static STOP: std::sync::OnceLock<HashSet<String>> = std::sync::OnceLock::new();
    let stop = STOP.get_or_init(|| {
        let mut analyzer = crate::search::analyzer();
        QUESTION_WORDS
            .iter()
            .flat_map(|w| {
                tokens(&mut analyzer, w)
                    .into_iter()
                    .map(|t| t.text.to_string())
            })
            .chain(QUESTION_WORDS.iter().map(|w| w.to_string()))
            .collect()
    });
    let tokens: Vec<PassageToken> = tokens(analyzer, input.question)
        .into_iter()
        .filter(|t| !stop.contains(&*t.text) && !is_contraction(input.question, t))
        .collect();
    let num_docs = lookup.searcher().num_docs().max(1) as f32;
    let idf = |df: u64| -> f32 { super::idf(num_docs, df as f32) };

    // Two hyphenated words that the index also holds written as one ("cease-fire":
    // "ceasefire"): the joined word counts as either.
    let joined: Vec<Option<String>> = tokens
        .windows(2)
        .map(|w| joined_word(input.question, &w[0], &w[1], analyzer, lookup))
        .collect();
    let mut groups: Vec<WordGroup> = Vec::new();
    let mut seen = HashSet::new();
    let mut pairs = Vec::new();
    let mut prev: Option<&PassageToken> = None;
    let mut phrase_end = 0;
    let words: Vec<&str> = tokens.iter().map(|t| &*t.text).collect();
    // Per group: the position of its word when the question writes it capitalized.
    let mut capitalized: Vec<Option<usize>> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if let Some(p) = prev
            && token.position > p.position
            && token.position - p.position <= 3
            && p.text != token.text
        {
            pairs.push((
                p.text.to_string(),
                token.text.to_string(),
                token.position - p.position,
            ));
        }
        prev = Some(token);
        if i < phrase_end {
            continue;
        }
        // Words that together mean what one word does ("take a long time": "prolonged") are
        // one group: the synonym table's other members are its forms.
        if let Some(group) = phrase_group(&input, &tokens, &words, i, lookup, idf) {
            phrase_end = i + group.1;
            if groups.len() < MAX_WORDS && seen.insert(group.0.term.clone().into()) {
                groups.push(group.0);
                capitalized.push(None);
            }
            continue;
        }
        if !seen.insert(token.text.clone()) || groups.len() >= MAX_WORDS {
            continue;
        }
        let compounds = [
            i.checked_sub(1).and_then(|j| joined[j].as_ref()),
            joined.get(i).and_then(Option::as_ref),
        ];
        groups.push(word_group(&input, token, compounds, analyzer, lookup, &idf));
        let upper = input.question[token.range.clone()].starts_with(char::is_uppercase);
        capitalized.push(upper.then_some(token.position));
    }
    link_names(&mut groups, &capitalized);
    weigh_unknown(&mut groups);
    Plan {
        groups,
        pairs,
        passages: lookup.searcher().num_docs(),
    }
}

/// Links each capitalized word to the capitalized word right after it ("Hugo" → "Chavez",
/// "Las" → "Vegas"), as parts of one name (see [`WordGroup::name_next`]).
fn link_names(groups: &mut [WordGroup], capitalized: &[Option<usize>]) {
    for i in 0..groups.len() {
        let Some(at) = capitalized[i] else { continue };
        groups[i].name_next = capitalized.iter().position(|c| *c == Some(at + 1));
    }
}

/// Irregular past forms the English stemmer keeps apart from their verb, with the verb. Past
/// forms only: a question's "win" or "meeting" is as often a noun. Left out: forms with a common
/// second sense ("left", "fell", "led", "rose", "struck") and "sent" ("Has Durmand sent its
/// ambassador back?" then found the reports that Durmand would "send" one, a story tuning
/// question lost; docs/benchmarks.md).
const PAST_FORMS: &[(&str, &str)] = &[
    ("won", "win"),
    ("met", "meet"),
    ("held", "hold"),
    ("spoke", "speak"),
    ("told", "tell"),
    ("sought", "seek"),
    ("fought", "fight"),
    ("broke", "break"),
    ("began", "begin"),
    ("chose", "choose"),
    ("brought", "bring"),
    ("withdrew", "withdraw"),
];

/// Question words whose negated form answers a yes-or-no question about them, with that form:
/// "Did the bank change rates?" is answered by rates "left unchanged", "Is the offer
/// acceptable?" by "called it unacceptable". One way, as for [`PAST_FORMS`]: a question's
/// "unchanged" does not search for "change". Only words whose "un-" form negates them ("cover"
/// and "uncover", "rest" and "unrest" are other words), and not words that mostly frame a
/// question ("Is it clear when…?" found "it remained unclear whether", about something else,
/// before the report that gives the date; "certain", "known" alike).
const NEGATED_FORMS: &[(&str, &str)] = &[
    ("change", "unchanged"),
    ("resolved", "unresolved"),
    ("acceptable", "unacceptable"),
    ("confirmed", "unconfirmed"),
    ("successful", "unsuccessful"),
    ("answered", "unanswered"),
    ("decided", "undecided"),
];

/// [`PAST_FORMS`] and [`NEGATED_FORMS`] as the analyzer's terms: the stem of a question's word
/// to the one further term it also searches for, one way.
fn one_way_terms() -> &'static HashMap<String, String> {
    static TERMS: std::sync::OnceLock<HashMap<String, String>> = std::sync::OnceLock::new();
    TERMS.get_or_init(|| {
        let mut analyzer = crate::search::analyzer();
        PAST_FORMS
            .iter()
            .chain(NEGATED_FORMS)
            .filter_map(|(word, further)| {
                Some((
                    crate::search::passage::term(&mut analyzer, word)?.to_string(),
                    crate::search::passage::term(&mut analyzer, further)?.to_string(),
                ))
            })
            .collect()
    })
}

/// The word group of one question word: the word, its aliases (single words; multi-word ones
/// as phrases), the one-word `compounds` the index holds for it and a neighbour ("cease-fire":
/// "ceasefire"), and for a word the index lacks, its split into known words or spelling
/// corrections, whichever more passages support. Weighted by its idf (0 when unknown).
fn word_group(
    input: &PlanInput<'_>,
    token: &PassageToken,
    compounds: [Option<&String>; 2],
    analyzer: &mut TextAnalyzer,
    lookup: &mut TermLookup<'_>,
    idf: &impl Fn(u64) -> f32,
) -> WordGroup {
    let mut terms = vec![token.text.to_string()];
    let mut phrases = Vec::new();
    for variant in input.aliases.variants(&token.text) {
        match variant.as_slice() {
            [single] => terms.push(single.clone()),
            _ => phrases.push(variant),
        }
    }
    for c in compounds.into_iter().flatten() {
        if !terms.contains(c) {
            terms.push(c.clone());
        }
    }
    // An irregular past form also finds its verb, a word its negation, one way: "Who won the
    // marathon?" finds "to win", but "a comeback win" is not searched as "won".
    if let Some(extra) = one_way_terms().get(&*token.text)
        && !terms.contains(extra)
    {
        terms.push(extra.clone());
    }
    let alias_count = terms.len() - 1;
    let mut df = terms.iter().map(|t| lookup.doc_freq(t)).max().unwrap_or(0);
    // A word the index lacks may be misspelt ("Ushakof") or a compound it holds as two words
    // ("oilfields"): both are guesses, the one more passages support wins.
    let mut corrected_to = None;
    if df == 0 && phrases.is_empty() {
        let word = &input.question[token.range.clone()];
        let split = split_word(word, analyzer, lookup);
        let corrections = if input.fuzzy && token.text.chars().count() >= FUZZY_MIN_CHARS {
            fuzzy_terms(lookup.searcher(), lookup.fields(), &token.text, word)
        } else {
            Vec::new()
        };
        match (split, corrections.first()) {
            (Some((parts, parts_df)), best) if best.is_none_or(|b| b.1 < parts_df) => {
                phrases.push(parts);
                df = parts_df;
            }
            (_, Some((best, best_df))) => {
                corrected_to = Some(best.clone());
                df = *best_df;
                terms.extend(corrections.into_iter().map(|(t, _)| t));
            }
            (_, None) => {}
        }
    }
    WordGroup {
        term: token.text.to_string(),
        asked: input.question[token.range.clone()].to_string(),
        terms,
        alias_count,
        phrases,
        corrected_to,
        weight: if df == 0 { 0.0 } else { idf(df) },
        in_index: df > 0,
        name_next: None,
    }
}

/// A word found nowhere still counts against coverage, weighing like an average known word (a
/// question made only of unknown words covers nothing, so it never gets an answer).
fn weigh_unknown(groups: &mut [WordGroup]) {
    let known: Vec<f32> = groups
        .iter()
        .map(|g| g.weight)
        .filter(|w| *w > 0.0)
        .collect();
    let unknown_weight = if known.is_empty() {
        1.0
    } else {
        known.iter().sum::<f32>() / known.len() as f32
    };
    for g in groups.iter_mut().filter(|g| g.weight == 0.0) {
        g.weight = unknown_weight;
    }
}

/// The word group of a multi-word member of the synonym table that the question's words
/// (`words`, the analyzed `tokens`) start with at `i`, and how many words it spans. Its forms are the group's other members (the
/// words as asked count as a phrase); `None` when no member starts there, or the group has no
/// single-word member to stand for it.
fn phrase_group(
    input: &PlanInput<'_>,
    tokens: &[PassageToken],
    words: &[&str],
    i: usize,
    lookup: &mut TermLookup<'_>,
    idf: impl Fn(u64) -> f32,
) -> Option<(WordGroup, usize)> {
    let words = &words[i..];
    let (len, others) = input.aliases.phrase_at(words)?;
    let (terms, mut phrases): (Vec<Vec<String>>, Vec<Vec<String>>) =
        others.into_iter().partition(|m| m.len() == 1);
    let terms: Vec<String> = terms.into_iter().flatten().collect();
    if terms.is_empty() {
        return None;
    }
    let asked_words: Vec<String> = words[..len].iter().map(|w| w.to_string()).collect();
    phrases.push(asked_words.clone());
    let df = terms.iter().map(|t| lookup.doc_freq(t)).max().unwrap_or(0);
    let span = tokens[i].range.start..tokens[i + len - 1].range.end;
    Some((
        WordGroup {
            term: asked_words.join(" "),
            asked: input.question[span].to_string(),
            alias_count: terms.len() - 1,
            terms,
            phrases,
            corrected_to: None,
            weight: if df == 0 { 0.0 } else { idf(df) },
            in_index: df > 0,
            name_next: None,
        },
        len,
    ))
}

/// The analyzed form of `a` and `b` written as one word, when the question joins them with a
/// hyphen ("cease-fire", which the tokenizer splits) and the index holds that word. (Two words
/// apart by a space are not tried: most adjacent words are no compound, and looking each pair
/// up cost 5–7 % of a headline's time.)
fn joined_word(
    question: &str,
    a: &PassageToken,
    b: &PassageToken,
    analyzer: &mut TextAnalyzer,
    lookup: &mut TermLookup<'_>,
) -> Option<String> {
    if b.position != a.position + 1 || question.get(a.range.end..b.range.start)? != "-" {
        return None;
    }
    let word = format!(
        "{}{}",
        &question[a.range.clone()],
        &question[b.range.clone()]
    );
    let joined = passage::term(analyzer, &word)?;
    (joined != a.text && joined != b.text && lookup.doc_freq(&joined) > 0)
        .then(|| joined.to_string())
}

/// A word split into two words the index holds ("oilfields": "oil", "field"), analyzed, with
/// the rarer part's document count (at most as many passages hold both); the split whose rarer
/// part is commonest wins. Only plain ASCII words, each part at least [`COMPOUND_PART_CHARS`].
fn split_word(
    word: &str,
    analyzer: &mut TextAnalyzer,
    lookup: &mut TermLookup<'_>,
) -> Option<(Vec<String>, u64)> {
    if !word.bytes().all(|b| b.is_ascii_alphabetic()) || word.len() < 2 * COMPOUND_PART_CHARS {
        return None;
    }
    let mut best: Option<(Vec<String>, u64)> = None;
    'splits: for at in COMPOUND_PART_CHARS..=word.len() - COMPOUND_PART_CHARS {
        let mut parts = Vec::with_capacity(2);
        let mut df = u64::MAX;
        for part in [&word[..at], &word[at..]] {
            // A stop word is no part.
            let Some(term) = passage::term(analyzer, part) else {
                continue 'splits;
            };
            df = df.min(lookup.doc_freq(&term));
            if df == 0 {
                continue 'splits;
            }
            parts.push(term.to_string());
        }
        if best.as_ref().is_none_or(|b| df > b.1) {
            best = Some((parts, df));
        }
    }
    best
}

/// Index terms within edit distance 1 (5–7 chars) or 2 (8+ chars) of `term` that start with the
/// same letter: nearest first, then nearest to the word as typed (`word`, before stemming: for
/// "Chaves", stemmed "chave", both "chase" and "chavez" are one edit away, but only "chavez" is
/// one edit from "chaves"), then most frequent.
///
/// Only the text field is walked: every headline is also indexed in its article's lead passage,
/// so the title field has no word the text field lacks. Misspellings rarely change the first
/// letter ("Chaves", "Blare", "Ushakof"), and keeping it walks one letter's part of the term
/// dictionary instead of all of it.
fn fuzzy_terms(searcher: &Searcher, fields: &Fields, term: &str, word: &str) -> Vec<(String, u64)> {
    // Building a Levenshtein automaton builder is costly (tables per distance): do it once.
    static BUILDERS: std::sync::OnceLock<[LevenshteinAutomatonBuilder; 2]> =
        std::sync::OnceLock::new();
    let builders = BUILDERS.get_or_init(|| {
        [
            LevenshteinAutomatonBuilder::new(1, true),
            LevenshteinAutomatonBuilder::new(2, true),
        ]
    });
    let builder = if term.chars().count() >= 8 {
        &builders[1]
    } else {
        &builders[0]
    };
    let Some(first) = term.chars().next() else {
        return Vec::new();
    };
    let prefix = first.to_string();
    let dfa = builder.build_dfa(term);
    let mut found: HashMap<String, (u8, u64)> = HashMap::new();
    for segment in searcher.segment_readers() {
        let Ok(inverted) = segment.inverted_index(fields.text) else {
            continue;
        };
        let mut builder = inverted.terms().search(Dfa(&dfa)).ge(&prefix);
        if let Some(next) = char::from_u32(first as u32 + 1) {
            builder = builder.lt(next.to_string());
        }
        let Ok(mut stream) = builder.into_stream() else {
            continue;
        };
        while stream.advance() {
            let Ok(key) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            let dist = match dfa.eval(key) {
                Distance::Exact(d) => d,
                Distance::AtLeast(_) => continue,
            };
            let entry = found.entry(key.to_string()).or_insert((dist, 0));
            entry.1 += u64::from(stream.value().doc_freq);
        }
    }
    let typed = word.to_lowercase();
    let mut out: Vec<(String, (u8, usize), u64)> = found
        .into_iter()
        .map(|(t, (d, df))| {
            let from_typed = edit_distance(&typed, &t);
            (t, (d, from_typed), df)
        })
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    out.into_iter().take(3).map(|(t, _, df)| (t, df)).collect()
}

/// Levenshtein distance between `a` and `b`, by characters (two short words).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

struct Dfa<'a>(&'a levenshtein_automata::DFA);

impl tantivy_fst::Automaton for Dfa<'_> {
    type State = u32;
    fn start(&self) -> u32 {
        self.0.initial_state()
    }
    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(_))
    }
    fn can_match(&self, state: &u32) -> bool {
        *state != levenshtein_automata::SINK_STATE
    }
    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

/// Weight (BM25 idf) of a word found in a tenth of the passages: `ln(1 + 9)`. Words more common
/// than that ("year", "people", "new", "first") are left out of the passage search when the
/// question has a rarer word that the index holds (a word found nowhere does not count: its
/// weight is only the average of the others'). They add little to a passage's score, yet
/// their long postings are most of the search's work: leaving them out cut the time per
/// natural question by 13 % with the same rankings on the tuning questions, headlines and
/// talks (docs/benchmarks.md). They still count everywhere else: coverage, phrases,
/// whole-article scores, highlights.
pub const COMMON_IDF: f32 = std::f32::consts::LN_10;

/// Below this many passages every word of a question is searched, common or not. A small
/// collection is usually one story, whose names ("Castavia", "Ravel") are in more than a tenth
/// of its passages yet are what the question is about; left out, a word that only frames the
/// question ("decide", "announced") chose the candidates alone. Searching them costs
/// microseconds at this size; the bar sits far below the BBC collection of the compare bench
/// (17,077 passages), where leaving them out was measured.
pub const SMALL_INDEX: u64 = 5_000;

/// Filters applied to a search, already resolved to absolute dates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchFilters {
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    /// Lowercased source name.
    pub source: Option<String>,
}

impl SearchFilters {
    /// Whether a date bound (`since`, `until`) limits the search.
    pub fn is_dated(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }
}

/// Builds the tantivy query for a plan: a disjunction of plain term queries over passage text
/// (each word's spellings and aliases as alternatives), so tantivy can prune with block-max WAND.
/// Title and phrase bonuses are applied when re-ranking the candidates (see `answer`).
/// Words in more than about a tenth of the passages are left out of it when the question has a
/// rarer word (see [`COMMON_IDF`]).
/// Returns `None` when there is nothing to search for.
pub fn build(plan: &Plan, filters: &SearchFilters, fields: &Fields) -> Option<Box<dyn Query>> {
    if plan.groups.is_empty() {
        return None;
    }
    let term_q = |field, t: &str| -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, t),
            IndexRecordOption::WithFreqs,
        ))
    };
    let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut seen = HashSet::new();
    let is_common = |g: &WordGroup| g.in_index && g.weight < COMMON_IDF;
    let has_rare = plan.passages >= SMALL_INDEX
        && plan
            .groups
            .iter()
            .any(|g| g.in_index && g.weight >= COMMON_IDF);
    for g in &plan.groups {
        if has_rare && is_common(g) {
            continue;
        }
        for t in &g.terms {
            if seen.insert(t.as_str()) {
                should.push((Occur::Should, term_q(fields.text, t)));
            }
        }
        for p in &g.phrases {
            let terms: Vec<(usize, Term)> = p
                .iter()
                .enumerate()
                .map(|(i, t)| (i, Term::from_field_text(fields.text, t)))
                .collect();
            should.push((Occur::Should, Box::new(PhraseQuery::new_with_offset(terms))));
        }
    }
    let words: Box<dyn Query> = Box::new(BooleanQuery::new(should));
    if filters == &SearchFilters::default() {
        return Some(words);
    }
    let mut must: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, words)];
    if filters.is_dated() {
        let bound = |d: Option<chrono::DateTime<chrono::Utc>>, inclusive: bool| match d {
            None => Bound::Unbounded,
            Some(d) => {
                let t = Term::from_field_date(
                    fields.published,
                    TDateTime::from_timestamp_secs(d.timestamp()),
                );
                if inclusive {
                    Bound::Included(t)
                } else {
                    Bound::Excluded(t)
                }
            }
        };
        must.push((
            Occur::Must,
            Box::new(RangeQuery::new(
                bound(filters.since, true),
                bound(filters.until, true),
            )),
        ));
    }
    if let Some(source) = &filters.source {
        must.push((Occur::Must, term_q(fields.source, source)));
    }
    Some(Box::new(BooleanQuery::new(must)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_from_bits_is_coverage_from_names() {
        let group = |terms: &[&str], alias_count, phrases: &[&[&str]], weight| WordGroup {
            term: terms[0].into(),
            asked: terms[0].into(),
            terms: terms.iter().map(|t| t.to_string()).collect(),
            alias_count,
            phrases: phrases
                .iter()
                .map(|p| p.iter().map(|t| t.to_string()).collect())
                .collect(),
            corrected_to: None,
            weight,
            in_index: true,
            name_next: None,
        };
        let plan = Plan {
            groups: vec![
                group(&["ushakov"], 0, &[], 7.5),
                group(&["us", "washington"], 1, &[&["unit", "state"]], 3.25),
                group(&["chave", "chavez", "chase"], 0, &[], 6.0),
                group(&["talk"], 0, &[], 1.5),
            ],
            pairs: Vec::new(),
            passages: 100_000,
        };
        let terms = [
            "talk",
            "state",
            "chase",
            "washington",
            "ushakov",
            "unit",
            "chavez",
            "us",
            "chave",
        ];
        let bits = plan
            .term_bits(&terms)
            .expect("all forms are among the terms");
        for present in 0u64..1 << terms.len() {
            let has = |t: &str| {
                terms
                    .iter()
                    .position(|x| *x == t)
                    .is_some_and(|i| present & (1 << i) != 0)
            };
            assert_eq!(plan.coverage_bits(&bits, present), plan.coverage(has));
        }
        assert!(plan.term_bits(&terms[1..]).is_none(), "a form missing");
    }

    fn aliases() -> Aliases {
        let toml = r#"groups = [["Zelensky", "Zelenskyy", "Зеленський"], ["Kharkiv", "Kharkov"], ["UAE", "United Arab Emirates"], ["lonely"]]"#;
        Aliases::from_toml(toml, &mut crate::search::analyzer()).unwrap()
    }

    #[test]
    fn variants_are_the_other_members_analyzed() {
        let a = aliases();
        assert_eq!(a.len(), 3, "single-member groups are dropped");
        assert_eq!(
            a.variants("zelenski"),
            vec![
                vec!["zelenskyy".to_string()],
                vec!["зеленський".to_string()]
            ]
        );
        assert_eq!(a.variants("kharkov"), vec![vec!["kharkiv".to_string()]]);
        assert_eq!(
            a.variants("uae"),
            vec![vec![
                "unit".to_string(),
                "arab".to_string(),
                "emir".to_string()
            ]]
        );
        assert!(a.variants("putin").is_empty());
    }

    #[test]
    fn common_words_are_searched_only_when_the_question_has_no_rarer_one() {
        let (_, fields) = crate::search::schema();
        let group = |term: &str, weight: f32| WordGroup {
            term: term.to_string(),
            asked: term.to_string(),
            terms: vec![term.to_string()],
            alias_count: 0,
            phrases: Vec::new(),
            corrected_to: None,
            weight,
            in_index: true,
            name_next: None,
        };
        let unknown = |term: &str, weight: f32| WordGroup {
            in_index: false,
            ..group(term, weight)
        };
        let searched = |groups: Vec<WordGroup>| -> Vec<String> {
            let plan = Plan {
                groups,
                pairs: Vec::new(),
                passages: 100_000,
            };
            let query = build(&plan, &SearchFilters::default(), &fields).unwrap();
            let mut terms = Vec::new();
            query.query_terms(&mut |t, _| terms.push(t.value().as_str().unwrap().to_string()));
            terms.sort();
            terms
        };
        let common = COMMON_IDF - 0.5;
        assert_eq!(
            searched(vec![group("year", common), group("ushakov", 7.0)]),
            ["ushakov"]
        );
        assert_eq!(
            searched(vec![group("year", common), group("first", common)]),
            ["first", "year"]
        );
        // A word the index lacks weighs like the average word but is not a rarer word: the
        // common ones are still searched.
        assert_eq!(
            searched(vec![group("year", common), unknown("narnia", 7.0)]),
            ["narnia", "year"]
        );
        // In a small collection (one story) every word is searched.
        let small = Plan {
            groups: vec![group("year", common), group("ushakov", 7.0)],
            pairs: Vec::new(),
            passages: SMALL_INDEX - 1,
        };
        let query = build(&small, &SearchFilters::default(), &fields).unwrap();
        let mut terms = Vec::new();
        query.query_terms(&mut |t, _| terms.push(t.value().as_str().unwrap().to_string()));
        terms.sort();
        assert_eq!(terms, ["ushakov", "year"]);
    }

    #[test]
    fn the_close_spelling_nearest_to_the_word_as_typed_comes_first() {
        let (schema, fields) = crate::search::schema();
        let index = tantivy::Index::create_in_ram(schema);
        crate::search::schema::register_tokenizers(&index);
        let mut writer: tantivy::IndexWriter =
            index.writer_with_num_threads(1, 15_000_000).unwrap();
        for text in [
            "A car chase",
            "The chase ended",
            "Chase scenes",
            "President Chavez",
        ] {
            writer
                .add_document(tantivy::doc!(fields.text => text))
                .unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        // "Chaves" stems to "chave", one edit from both "chase" (three passages) and "chavez"
        // (one); "chavez" is one edit from the word as typed, "chase" two.
        let found = fuzzy_terms(&searcher, &fields, "chave", "Chaves");
        assert_eq!(found, [("chavez".to_string(), 1), ("chase".to_string(), 3)]);
    }

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("chaves", "chavez"), 1);
        assert_eq!(edit_distance("chaves", "chase"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("ushakof", "ushakov"), 1);
        assert_eq!(edit_distance("zelenskyy", "zelenskyy"), 0);
    }

    #[test]
    fn each_one_way_form_is_a_term_of_its_own() {
        // Every pair kept (no two words sharing a stem), and the further form not stemmed into
        // its word ("unchanged" stays "unchang", not "chang").
        let terms = one_way_terms();
        assert_eq!(terms.len(), PAST_FORMS.len() + NEGATED_FORMS.len());
        assert_eq!(terms["chang"], "unchang");
        assert_eq!(terms["won"], "win");
        assert!(terms.iter().all(|(word, further)| further != word));
        // A past form is its own stem, so the question's analyzed word finds it.
        assert!(PAST_FORMS.iter().all(|(past, _)| terms.contains_key(*past)));
    }

    #[test]
    fn contractions_are_no_search_words_but_possessives_are() {
        let mut analyzer = crate::search::analyzer();
        for (question, words) in [
            (
                "What's happening with Riyadh?",
                vec!["what", "happen", "riyadh"],
            ),
            ("Why don’t the sides agree?", vec!["whi", "side", "agre"]),
            (
                "Why won't they sign? They're far apart",
                vec!["whi", "sign", "far", "apart"],
            ),
            (
                "What did Russia's envoy say?",
                vec!["what", "did", "russia", "s", "envoy", "say"],
            ),
            ("Who won the vote?", vec!["who", "won", "vote"]),
        ] {
            let kept: Vec<String> = tokens(&mut analyzer, question)
                .into_iter()
                .filter(|t| !is_contraction(question, t))
                .map(|t| t.text.to_string())
                .collect();
            assert_eq!(kept, words, "{question}");
        }
    }

    #[test]
    fn the_shipped_synonym_table_joins_every_member_to_the_others() {
        #[derive(Deserialize)]
        struct File {
            groups: Vec<Vec<String>>,
        }
        let mut analyzer = crate::search::analyzer();
        let table = Aliases::from_toml(crate::demo::DEFAULT_SYNONYMS, &mut analyzer).unwrap();
        let file: File = toml::from_str(crate::demo::DEFAULT_SYNONYMS).unwrap();
        assert!(file.groups.len() >= 4);
        let analyzed = |w: &str, analyzer: &mut TextAnalyzer| -> Vec<String> {
            tokens(analyzer, w)
                .into_iter()
                .map(|t| t.text.to_string())
                .collect()
        };
        for group in &file.groups {
            assert!(
                group.iter().any(|m| analyzed(m, &mut analyzer).len() == 1),
                "{group:?} needs a single-word member"
            );
            for member in group {
                let words = analyzed(member, &mut analyzer);
                // What a question holding this member searches for besides it.
                let found: Vec<Vec<String>> = match words.as_slice() {
                    [single] => table.variants(single),
                    _ => {
                        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
                        let (len, others) = table.phrase_at(&refs).expect(member);
                        assert_eq!(len, words.len(), "{member}");
                        others
                    }
                };
                for other in group.iter().filter(|o| *o != member) {
                    let other = analyzed(other, &mut analyzer);
                    assert!(
                        other == words || found.contains(&other),
                        "{member} does not find {other:?}: {found:?}"
                    );
                }
            }
        }
        // Words around a phrase are left to it: "will the talks take a long time" holds
        // "take a long time", not "take long".
        let words = ["take", "long", "time", "talk"];
        assert_eq!(table.phrase_at(&words).map(|p| p.0), Some(3));
        assert_eq!(table.phrase_at(&["take", "time"]), None);
    }

    #[test]
    fn the_shipped_alias_table_parses() {
        let a = Aliases::from_toml(crate::demo::DEFAULT_ALIASES, &mut crate::search::analyzer())
            .unwrap();
        assert!(a.len() >= 30);
        assert!(!a.variants("erdogan").is_empty() || !a.variants("kiev").is_empty());
    }
}
