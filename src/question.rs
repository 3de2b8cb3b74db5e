//! What a question asks for, read from its wording: its [`Form`] (who, when, how long, how many,
//! why, what someone said, where), the words that only frame it ("how long did the talks
//! *last*", "how many *years* will it *take*") and must not decide what is found, and whether a
//! paragraph holds the kind of answer the form asks for (a name, a date, a duration, a number, a
//! reason, a speech verb, a place), and for "what did X say", who X is and whether a text names
//! X only as a place.
//!
//! Pure functions of text with a small table of patterns (`regex`), no model: the kinds of
//! answer are recognised in the passage, not guessed from the question alone, and each pattern is
//! tested below. A leaf module: the search plans its words from [`read`], the answer path
//! chooses its quote with [`Form::answered_by`].

use std::sync::LazyLock;

use regex::Regex;

/// The kind of answer a question asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// "Who…", "which minister…": names of people.
    Who,
    /// "When…", "what date…": a date or a day.
    When,
    /// "How long…", "how many years…", "will it take long": a duration.
    HowLong,
    /// "How many…", "how much…", "what share…": a number.
    HowMany,
    /// "Why…", "for what reason…": a reason.
    Why,
    /// "What did X say…", "how did X react…": someone's words.
    Said,
    /// "Where…", "which city…": a place.
    Where,
    /// Anything else: no kind of answer preferred.
    Other,
}

/// A question as read: what kind of answer it wants, and its words with the framing ones
/// blanked out (byte positions are kept, so the rest reads as before).
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub want: Want,
    pub words: String,
}

/// What a "how many" question counts: a paragraph with a number of that ("15 mature oil
/// fields" for "how many oilfields") answers it better than one with another number in it
/// ("110m tons", "in 2004").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Counted {
    /// "How many *prisoners*", "how much *gas*": the noun, lower case, without a plural -s.
    Noun(String),
    /// "What share of", "what percentage": a percentage.
    Share,
    /// "How much did they pay", "what price": an amount of money.
    Money,
}

/// Words that end the counted noun of "how many …": "how many old oilfields *did* …".
const COUNT_STOPS: &[&str] = &[
    "did", "does", "do", "is", "are", "was", "were", "will", "would", "could", "can", "has",
    "have", "had", "should", "might", "must", "in", "on", "at", "of", "for", "from", "to", "under",
    "per", "a", "an", "the",
];

/// Verbs of "how much … *pay*": the amount asked for is money.
const MONEY_VERBS: &[&str] = &[
    "pay", "paid", "cost", "costs", "spend", "spent", "worth", "earn", "earned", "charge",
    "charged", "raise", "raised", "sell", "sold", "fine", "fined", "price", "invest", "invested",
];

impl Counted {
    fn of(question: &str) -> Option<Counted> {
        let words = lowercase_words(question);
        let at = words.windows(2).position(|w| {
            matches!(
                (w[0].as_str(), w[1].as_str()),
                ("how", "many" | "much")
                    | (
                        "what",
                        "share" | "fraction" | "percentage" | "proportion" | "price"
                    )
            )
        })?;
        match words[at + 1].as_str() {
            "share" | "fraction" | "percentage" | "proportion" => return Some(Counted::Share),
            "price" => return Some(Counted::Money),
            _ => {}
        }
        let noun: Vec<&String> = words[at + 2..]
            .iter()
            .take_while(|w| !COUNT_STOPS.contains(&w.as_str()))
            .take(4)
            .collect();
        match noun.last() {
            Some(last) => Some(Counted::Noun(singular(last).to_string())),
            None if words[at + 1] == "much"
                && words[at + 2..]
                    .iter()
                    .any(|w| MONEY_VERBS.contains(&w.as_str())) =>
            {
                Some(Counted::Money)
            }
            None => None,
        }
    }

    /// Whether `text` holds a number of what is counted.
    fn bound(&self, text: &str) -> bool {
        // Most paragraphs do not name what is counted: turned away before their words are read
        // (by the noun's last three letters, which its two-word spelling, "oil fields", ends
        // with as well; a paragraph in capitals is turned away too).
        if let Counted::Noun(noun) = self
            && let Some(tail) = noun.len().checked_sub(3).and_then(|at| noun.get(at..))
            && !text.contains(tail)
        {
            return false;
        }
        let mut tokens = text.split_whitespace().map(|w| {
            w.trim_matches(|c: char| {
                matches!(
                    c,
                    ',' | '.' | ';' | ':' | '(' | ')' | '"' | '\u{201c}' | '\u{201d}'
                )
            })
        });
        // The four words after each number, read only where there is a number.
        let mut next: Vec<&str> = Vec::with_capacity(4);
        std::iter::from_fn(|| tokens.next().map(|t| (t, tokens.clone()))).any(|(token, rest)| {
            if !is_number(token) {
                return false;
            }
            next.clear();
            next.extend(rest.take(4));
            let next = next.as_slice();
            match self {
                Counted::Share => {
                    token.ends_with('%')
                        || next.first().is_some_and(|w| {
                            w.eq_ignore_ascii_case("percent") || w.eq_ignore_ascii_case("%")
                        })
                        || next.first().is_some_and(|w| w.eq_ignore_ascii_case("per"))
                            && next.get(1).is_some_and(|w| w.eq_ignore_ascii_case("cent"))
                }
                Counted::Money => {
                    token.starts_with(['$', '\u{a3}', '\u{20ac}'])
                        || next
                            .iter()
                            .take(2)
                            .any(|w| CURRENCIES.iter().any(|c| w.eq_ignore_ascii_case(c)))
                }
                // The noun as one word or two ("oilfields", "oil fields").
                Counted::Noun(noun) => (0..next.len()).any(|j| {
                    let one = next[j];
                    starts_with_ignore_case(one, noun)
                        || (starts_with_ignore_case(noun, one)
                            && next.get(j + 1).is_some_and(|two| {
                                starts_with_ignore_case(two, &noun[one.len()..])
                            }))
                }),
            }
        })
    }
}

/// The words of a question, lower case, without the punctuation around them.
fn lowercase_words(question: &str) -> Vec<String> {
    question
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect()
}

/// Verbs that only carry a "who" question ("who *were* the envoys"): the role is what follows.
const WHO_AUXILIARIES: &[&str] = &[
    "is", "are", "was", "were", "will", "would", "has", "have", "had", "did", "does", "do",
    "could", "can", "should", "might", "must", "be",
];

/// Words that end the role of a "who" question ("who were the US envoys *who* went").
const ROLE_STOPS: &[&str] = &[
    "who", "that", "which", "to", "in", "at", "of", "on", "for", "from", "with", "by", "the", "a",
    "an", "and", "or", "about", "over", "after", "before", "during",
];

/// The asked role of a "who" question: the verb after "who" ("who *signed*"), or after a verb
/// that only carries the question the last word of the noun it asks about ("who were the US
/// *envoys*"; "which *officials*"), its plural or tense ending cut off.
fn role_of(question: &str) -> Option<String> {
    let words = lowercase_words(question);
    let at = words
        .iter()
        .position(|w| matches!(w.as_str(), "who" | "whom" | "which" | "what"))?;
    let mut rest = words[at + 1..].iter().map(String::as_str).peekable();
    let first = *rest.peek()?;
    let role = if WHO_AUXILIARIES.contains(&first) {
        rest.next();
        while rest
            .peek()
            .is_some_and(|w| matches!(*w, "the" | "a" | "an"))
        {
            rest.next();
        }
        rest.take_while(|w| !ROLE_STOPS.contains(w)).last()?
    } else {
        // "who signed"; "which officials", "what minister" (a "who" question names the role
        // right after "which" or "what")
        first
    };
    let role = role.trim_end_matches("'s");
    let stem = ["ing", "ed", "es", "s"]
        .iter()
        .find_map(|end| role.strip_suffix(end).filter(|s| s.len() >= 3))
        .unwrap_or(role);
    (stem.len() >= 3).then(|| stem.to_string())
}

/// Whether a name in `text` stands within a few words of the asked `role` ("the American
/// envoys Steve Witkoff and Jared Kushner", "Henrik Saal and Paulo Ferraz signed").
fn role_bound(text: &str, role: &str) -> bool {
    /// How far from a name, in bytes, the role may stand.
    const NEAR: usize = 40;
    people(text).any(|m| {
        let from = text.floor_char_boundary(m.start().saturating_sub(NEAR));
        let to = text.ceil_char_boundary(m.end() + NEAR);
        text[from..to]
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| starts_with_ignore_case(w, role))
    })
}

/// The one a "what did X say" question asks about: the capitalised words after its verb ("What
/// did *Washington* first say?", "How did *the State Department* react?", "What has *Veltra's*
/// foreign ministry said": "Veltra"), without "the" and a possessive.
fn speaker_of(question: &str) -> Option<String> {
    static SPEAKER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?-u:\b)(?i:did|does|do|has|have|had|will|would|is|was|were|are)\s+(?:the\s+)?([A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*)")
            .expect("speaker pattern")
    });
    let name = SPEAKER.captures(question)?.get(1)?.as_str();
    let name = name
        .strip_suffix("'s")
        .or_else(|| name.strip_suffix("’s"))
        .unwrap_or(name);
    let first = name.split([' ', '-']).next().unwrap_or("");
    (name.len() > 1 && !NOT_NAMES.contains(&first) && !crate::timewords::is_calendar_word(first))
        .then(|| name.to_string())
}

/// Words after which a name is not the one speaking, besides [`BEFORE_PLACES`]: where someone
/// went or what lies between ("returned to Washington", "between Washington and Moscow").
const BEFORE_DESTINATIONS: &[&str] = &["to", "between"];

/// Nouns before which a name is where people met ("after the Washington round").
const MEETINGS: &[&str] = &["round", "talks", "summit", "meeting", "meetings"];

/// How a name is mentioned again after its first time: a person by the last word of the name
/// ("Werner Seifert", then "Mr Seifert"), so every mention of the full name is one of it too.
fn short_name(name: &str) -> &str {
    name.rsplit(' ').next().unwrap_or(name)
}

/// Whether `text` names `name` (or its [`short_name`]) and never as one who could be speaking:
/// each time as a place or a destination ("two days of meetings in Washington", "after the
/// Washington round", "the ministers return to Washington in January").
pub fn only_as_place<'t>(texts: impl IntoIterator<Item = &'t str>, name: &str) -> bool {
    let name = short_name(name);
    let mut seen = false;
    for (text, at) in texts
        .into_iter()
        .flat_map(|text| text.match_indices(name).map(move |(at, _)| (text, at)))
    {
        let before = &text[..at];
        let after = &text[at + name.len()..];
        if before.ends_with(|c: char| c.is_alphanumeric())
            || after.starts_with(|c: char| c.is_alphanumeric())
        {
            continue; // part of a longer word
        }
        let spaced = before.len() > before.trim_end().len();
        let word_before = before.trim_end().rsplit([' ', '\n']).next().unwrap_or("");
        let word_after = after
            .strip_prefix(' ')
            .and_then(|rest| rest.split(|c: char| !c.is_alphanumeric()).next())
            .unwrap_or("");
        let place = (spaced
            && BEFORE_PLACES
                .iter()
                .chain(BEFORE_DESTINATIONS)
                .any(|w| w.eq_ignore_ascii_case(word_before)))
            || MEETINGS.contains(&word_after);
        if !place {
            return false;
        }
        seen = true;
    }
    seen
}

/// Whether `word` starts with `prefix`, ASCII case ignored.
fn starts_with_ignore_case(word: &str, prefix: &str) -> bool {
    !prefix.is_empty()
        && word.len() >= prefix.len()
        && word.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Currency words after an amount: "200,000 yuan", "1.5bn euros".
const CURRENCIES: &[&str] = &[
    "dollars", "dollar", "pounds", "pound", "euros", "euro", "yuan", "yen", "rupees", "rupiah",
    "roubles", "rubles", "francs", "krona", "kronor", "pesos", "riyals", "dinars",
];

/// A word as a number: "15", "1.6m", "$600", "£39.99", "two", "dozens".
fn is_number(token: &str) -> bool {
    static WORDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        let mut words: Vec<&str> = NUMBER_WORDS.split('|').collect();
        words.sort_unstable();
        words
    });
    let t = token.trim_start_matches(['$', '\u{a3}', '\u{20ac}']);
    if t.starts_with(|c: char| c.is_ascii_digit()) {
        return true;
    }
    // Most words start with a letter no number word starts with.
    static FIRSTS: LazyLock<[bool; 128]> = LazyLock::new(|| {
        let mut firsts = [false; 128];
        for w in NUMBER_WORDS.split('|') {
            firsts[usize::from(w.as_bytes()[0].to_ascii_lowercase())] = true;
        }
        firsts
    });
    if !t
        .as_bytes()
        .first()
        .is_some_and(|b| b.is_ascii() && FIRSTS[usize::from(b.to_ascii_lowercase())])
    {
        return false;
    }
    // Number words are short: the word lower-cased on the stack, then looked up.
    let mut lower = [0u8; 16];
    let Some(buf) = lower.get_mut(..t.len()) else {
        return false;
    };
    buf.copy_from_slice(t.as_bytes());
    buf.make_ascii_lowercase();
    std::str::from_utf8(buf).is_ok_and(|w| WORDS.binary_search(&w).is_ok())
}

/// A noun without its plural ending, for comparing "oilfields" with "oil fields".
fn singular(word: &str) -> &str {
    if word.len() > 3 && word.ends_with('s') && !word.ends_with("ss") {
        &word[..word.len() - 1]
    } else {
        word
    }
}

/// The verb of a "how long" question: a paragraph with the same verb bound to a length of time
/// ("the summit *lasted* about seven hours") answers it better than one with another length in
/// it ("for more than ten days").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lasting {
    Last,
    Take,
    Run,
    Continue,
}

impl Lasting {
    fn of(verb: &str) -> Option<Lasting> {
        match verb.to_ascii_lowercase().as_str() {
            "last" | "lasts" | "lasted" => Some(Lasting::Last),
            "take" | "takes" | "took" | "taken" => Some(Lasting::Take),
            "run" | "runs" | "ran" => Some(Lasting::Run),
            "continue" | "continued" | "go on" | "went on" => Some(Lasting::Continue),
            _ => None,
        }
    }

    /// The verb in its written forms, followed by a length of time.
    fn bound(self) -> &'static Regex {
        static BOUND: LazyLock<[Regex; 4]> = LazyLock::new(|| {
            LASTING_VERBS.map(|verb| {
                Regex::new(&format!(
                    r"(?i)(?-u:\b){verb}\s+(?:for\s+)?{QUALIFIERS}{}(?-u:\b)",
                    *LENGTH
                ))
                .expect("lasting pattern")
            })
        });
        &BOUND[self as usize]
    }
}

/// What the quote should hold: the question's form and, for "how long", its verb, for "how
/// many", what it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Want {
    pub form: Form,
    /// For a "how long" question, the verb it closes with ("did the talks *last*").
    pub lasting: Option<Lasting>,
    /// For a "how many" question, what it counts.
    pub counted: Option<Counted>,
    /// For a "who" question, the start of the asked role ("sign" for "who signed", "envoy"
    /// for "who were the envoys"), lower case.
    pub role: Option<String>,
    /// For a "what did X say" question, who is asked about ("Washington", "State Department"),
    /// as written.
    pub speaker: Option<String>,
}

impl Want {
    /// No kind of answer preferred.
    pub const ANY: Want = Want {
        form: Form::Other,
        lasting: None,
        counted: None,
        role: None,
        speaker: None,
    };

    /// How well `text` (a paragraph) holds the answer wanted (see [`Form::answer_strength`]): a
    /// length of time bound to the question's own verb counts in full, a length bound to another
    /// verb three quarters; a number of what the question counts in full, another number half;
    /// a name near the asked role in full, elsewhere three quarters.
    pub fn answer_strength(&self, text: &str) -> f32 {
        let strength = self.form.answer_strength(text);
        if strength < 1.0 {
            return strength;
        }
        if self
            .speaker
            .as_deref()
            .is_some_and(|s| only_as_place([text], s))
        {
            // "officials said … after two days of meetings in Washington": not Washington's word
            return 0.0;
        }
        match (self.lasting, &self.counted, &self.role) {
            (Some(verb), _, _) if !verb.bound().is_match(text) => 0.75,
            (_, Some(counted), _) if !counted.bound(text) => 0.5,
            (_, _, Some(role)) if !role_bound(text, role) => 0.75,
            _ => strength,
        }
    }
}

/// Units of time: after "how many" they make the question a "how long", and they frame it.
const TIME_UNITS: &str =
    r"(?:seconds?|minutes?|hours?|days?|nights?|weeks?|months?|years?|decades?|time)";

/// Question patterns, first match wins: (pattern, form). Case-insensitive, on the question as
/// written.
static FORMS: LazyLock<(regex::RegexSet, Vec<Form>)> = LazyLock::new(|| {
    let speech = r"(?:say|said|tell|told|think|thought|make of|react|reacted|respond|responded|reply|replied|comment|commented)";
    let patterns: [(String, Form); 12] = [
        (
            format!(r"(?i)(?-u:\b)what(?-u:\b).*(?-u:\b)(?:did|does|do|has|have|had|will|would)(?-u:\b).+(?-u:\b){speech}(?-u:\b)"),
            Form::Said,
        ),
        (format!(r"(?i)(?-u:\b)how (?:did|does|do|has|have|had|will|would)(?-u:\b).+(?-u:\b){speech}(?-u:\b)"), Form::Said),
        (r"(?i)(?-u:\b)what (?:was|is|were|are) (?:the )?(?:\w+'s? )?(?:response|reaction|answer|message)(?-u:\b)".into(), Form::Said),
        (r"(?i)(?-u:\b)(?:how long|for how long)(?-u:\b)".into(), Form::HowLong),
        (format!(r"(?i)(?-u:\b)how many {TIME_UNITS}(?-u:\b)"), Form::HowLong),
        (r"(?i)(?-u:\b)take (?:a |so |too |very )?(?:long|while)(?-u:\b)".into(), Form::HowLong),
        (
            r"(?i)(?-u:\b)(?:how (?:many|much|often|far|big|old)|what (?:share|fraction|percentage|proportion|price|number|amount|sum|figure|size)|which (?:figure|number|amount))(?-u:\b)".into(),
            Form::HowMany,
        ),
        (
            r"(?i)(?:^\W*when(?-u:\b)|(?-u:\b)(?:since|until|by|from) when(?-u:\b)|(?-u:\b)(?:what|which) (?:date|day|month|year|time|week)(?-u:\b))".into(),
            Form::When,
        ),
        (r"(?i)(?:(?-u:\b)why(?-u:\b)|(?-u:\b)for what reasons?(?-u:\b)|(?-u:\b)how come(?-u:\b)|(?-u:\b)what (?:is|was|are|were) the reasons?(?-u:\b))".into(), Form::Why),
        (
            r"(?i)(?:(?-u:\b)where(?-u:\b)|(?-u:\b)(?:which|what) (?:city|cities|country|countries|town|venue|place|capital|port|ports|region|site|location)(?-u:\b))".into(),
            Form::Where,
        ),
        (
            r"(?i)(?-u:\b)(?:who|whom|whose|(?:which|what) (?:person|people|official|officials|minister|leader|leaders|envoy|envoys|negotiator|negotiators|mediator|president|adviser|spokesman|spokesperson))(?-u:\b)".into(),
            Form::Who,
        ),
        (r"(?i)(?-u:\b)when(?-u:\b)".into(), Form::When),
    ];
    let (patterns, forms): (Vec<String>, Vec<Form>) = patterns.into_iter().unzip();
    (regex::RegexSet::new(patterns).expect("form pattern"), forms)
});

/// Framing words (capture group 1 of each pattern is blanked), case-insensitive. They carry the
/// question's form, not its topic: searched for, "last" finds "a lasting settlement", "take"
/// finds "once a ceasefire takes hold", "long" finds "for as long as necessary".
static FRAMES: LazyLock<(regex::RegexSet, Vec<Regex>)> = LazyLock::new(|| {
    let patterns: Vec<String> = vec![
        r"(?i)(?-u:\b)how (long)(?-u:\b)".to_string(),
        format!(r"(?i)(?-u:\b)how many ({TIME_UNITS})(?-u:\b)"),
        format!(r"(?i)(?-u:\b)how much ({TIME_UNITS})(?-u:\b)"),
        // "will it take", "did they last"
        r"(?i)(?-u:\b)(?:will|would|did|does|do|could|can|might|is|was|has|had|should)\s+(?:it|they|this|that)\s+(take|takes|took|taken|last|lasts|lasted)(?-u:\b)".into(),
        // "how long did the talks last?", "…scheduled to run?": the verb closing a how-long question
        r"(?i)(?-u:\b)how long(?-u:\b).*(?-u:\b)(last|lasted|lasts|take|took|takes|run|ran|runs|continue|continued|go on|went on)\W*$".into(),
        r"(?i)(?-u:\b)how many(?-u:\b).*(?-u:\b)(take|took|takes)(?-u:\b)".into(),
        // "Where did the handover take place?": asks for a place; searched for, "take" and
        // "place" find unrelated sentences ("buses waited to take them")
        r"(?i)(?-u:\b)where(?-u:\b).*(?-u:\b)(take place|took place|takes place|taken place|taking place)(?-u:\b)".into(),
        // "Where will the next round be held?": as for when-questions below, the closing verb
        // only asks for the place; searched for, "held" found "held at the level of advisers".
        r"(?i)(?-u:\b)where(?-u:\b).*(?-u:\b)(held|happen|happened|happens)\W*$".into(),
        // "When will the talks be held?": the verb closing a when-question asks for the date;
        // searched for, "held" finds "the talks, held at the Kremlin", not the report that the
        // round "will take place" in January.
        r"(?i)(?-u:\b)when(?-u:\b).*(?-u:\b)(held|take place|took place|takes place|taking place|happen|happened|happens)\W*$".into(),
        // "What happened in Moscow?": the verb asks for events, any; searched for, it finds the
        // rare sentence saying "happened", and the answer would note that no article mentions it.
        r"(?i)(?-u:\b)what(?:'s|’s| is| was| has| had| will| would)?\s+(happened|happens|happening|happen)(?-u:\b)".into(),
        // "How are the Nile talks going?": the verb asks how things stand; searched for,
        // "going" found "we are not going to negotiate".
        r"(?i)^\W*how (?:is|are|was|were)(?-u:\b).+(?-u:\b)(going)\W*$".into(),
        // "What's going on with the truce?": as "happening", the verb asks for events.
        r"(?i)(?-u:\b)what(?:'s|’s| is| was| has been| had been)?\s+(going on)(?-u:\b)".into(),
        // A request for an account of the topic, not a word of it: "Tell me about the energy
        // truce", "Summarize the Moscow talks", "any news on the grain corridor?". Searched for,
        // "summarize" was corrected to "summer".
        r"(?i)^\W*(?:please\s+|can you\s+|could you\s+)?(tell me(?: more)? about|fill me in on|brief me on|update me on|catch me up on|sum up|summari[sz]e|recap|explain)(?-u:\b)".into(),
        r"(?i)(?:^\W*|(?-u:\b)(?:a|an|the|any|quick|short|brief)\s+)(summary|overview|recap|rundown|update|updates|news)\s+(?:of|on|about|from|for)(?-u:\b)".into(),
        // Courtesy around a question, said to the bot: "Hey, what did Peskov say?", "hi
        // talkwatch, is territory negotiable?", "Can you tell me …", "… please", "… thanks".
        // Searched for, "thanks" quoted Zelenskyy having "thanked the Emirati mediators".
        format!(
            r"(?i)^\W*((?:{})(?:\s+(?:{}))?)(?-u:\b)",
            alternatives(GREETINGS),
            alternatives(ADDRESSEES)
        ),
        r"(?i)^\W*((?:can|could|would) you (?:please )?(?:tell me|let me know)|do you know)(?-u:\b)".into(),
        r"(?i)(?-u:\b)(please|pls|plz|kindly|talkwatch)(?-u:\b)".into(),
        r"(?i)(?-u:\b)(thanks|thank you|thx|cheers)(?:\s+(?:in advance|a lot|so much))?\W*$".into(),
        // "what day", not "what date": a date is what moves in a story ("a new date was set").
        r"(?i)(?-u:\b)(?:what|which) (day|month|year|time|week)(?-u:\b)".into(),
        r"(?i)(?-u:\b)for what (reasons?)(?-u:\b)".into(),
        r"(?i)(?-u:\b)what (?:is|was|are|were) the (reasons?)(?-u:\b)".into(),
        r"(?i)(?-u:\b)how (?:did|does|do|has|have|had|will|would)(?-u:\b).+(?-u:\b)(react|reacted|respond|responded|reply|replied)(?-u:\b)".into(),
        r"(?i)(?-u:\b)what (?:was|is|were|are) (?:the )?(?:\w+'s? )?(response|reaction)(?-u:\b)".into(),
        r"(?i)(?-u:\b)what did(?-u:\b).+(?-u:\b)(make of|think of|think)(?-u:\b)".into(),
    ];
    (
        regex::RegexSet::new(&patterns).expect("frame pattern"),
        patterns
            .iter()
            .map(|re| Regex::new(re).expect("frame pattern"))
            .collect(),
    )
});

/// Every form and frame pattern needs one of these words (or a greeting's first word): a
/// question without any (most headlines pasted as questions) is read without running the
/// patterns.
static TRIGGER: LazyLock<Regex> = LazyLock::new(|| {
    let greetings: Vec<&str> = GREETINGS
        .iter()
        .filter_map(|g| g.split(' ').next())
        .collect();
    Regex::new(&format!(
        r"(?i)(?-u:\b)(?:what|how|who|whom|whose|which|when|where|why|take|takes|took|taken|last|lasts|lasted|tell|fill|brief|update|updates|catch|sum|summari[sz]e|summary|recap|explain|overview|rundown|news|{}|can|could|would|do|please|pls|plz|kindly|talkwatch|thanks|thank|thx|cheers)(?-u:\b)",
        greetings.join("|")
    ))
    .expect("trigger pattern")
});

/// What greets, alone ("Hi!", answered in kind) or before a question ("Hey, what did Peskov
/// say?", not searched), lowercased.
pub const GREETINGS: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "hiya",
    "howdy",
    "greetings",
    "good morning",
    "good afternoon",
    "good evening",
];

/// Words that may follow a greeting or thanks, naming whom it is said to ("hi there", "thanks
/// talkwatch").
pub const ADDRESSEES: &[&str] = &["there", "all", "everyone", "bot", "talkwatch"];

/// Phrases as one regex alternation, their spaces matching any run of whitespace.
fn alternatives(phrases: &[&str]) -> String {
    phrases
        .iter()
        .map(|p| p.replace(' ', r"\s+"))
        .collect::<Vec<_>>()
        .join("|")
}

/// The topic of a question asking how something developed over time, which a timeline answers
/// (hits in relevance order do not): "How did the talks on the prisoner exchange evolve?",
/// "How has the energy truce developed since October?" (the time words stay with the topic),
/// "timeline of the Nile talks", "history of the Riyadh round".
pub fn development_topic(question: &str) -> Option<String> {
    static EVOLVED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^\W*how (?:did|has|have|had) (.+?) (?:evolve|evolved|develop|developed|unfold|unfolded|progress|progressed)(?-u:\b)(.*)$")
            .expect("development pattern")
    });
    static HISTORY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^\W*(?:(?:give me|show me|what is|what's|whats)\s+)?(?:a |the )?(?:timeline|history|chronology) (?:of|for) (.+)$")
            .expect("history pattern")
    });
    let topic = if let Some(c) = EVOLVED.captures(question) {
        format!("{} {}", &c[1], &c[2])
    } else {
        HISTORY.captures(question)?[1].to_string()
    };
    let topic = crate::text::collapse_ws(&topic);
    // "the talks" is said as "talks" in the timeline's header ("The Hague" keeps its article).
    let topic = ["the ", "a ", "an "]
        .iter()
        .find_map(|a| topic.strip_prefix(a))
        .unwrap_or(&topic);
    let topic = topic.trim_end_matches(['?', '!', '.']).trim_end();
    (!topic.is_empty()).then(|| topic.to_string())
}

/// Reads a question: its form, and its words without the framing ones.
pub fn read(question: &str) -> Reading {
    let mut words = question.to_string();
    if !TRIGGER.is_match(question) {
        return Reading {
            want: Want::ANY,
            words,
        };
    }
    let (set, forms) = &*FORMS;
    // The first pattern that matches decides (the set reports matches in pattern order).
    let form = set
        .matches(question)
        .iter()
        .next()
        .map_or(Form::Other, |i| forms[i]);
    let mut lasting = None;
    let (set, frames) = &*FRAMES;
    for i in set.matches(question).iter() {
        let re = &frames[i];
        let blank: Vec<std::ops::Range<usize>> = re
            .captures_iter(question)
            .filter_map(|c| c.get(1).map(|m| m.range()))
            .collect();
        for range in blank {
            if form == Form::HowLong && lasting.is_none() {
                lasting = Lasting::of(&question[range.clone()]);
            }
            let len = range.len();
            words.replace_range(range, &" ".repeat(len));
        }
    }
    Reading {
        want: Want {
            form,
            lasting,
            counted: if form == Form::HowMany {
                Counted::of(question)
            } else {
                None
            },
            role: if form == Form::Who {
                role_of(question)
            } else {
                None
            },
            speaker: if form == Form::Said {
                speaker_of(question)
            } else {
                None
            },
        },
        words,
    }
}

/// Month names as written in news text (capitalised; "May" only with a day or a preposition).
const MONTHS: &str = "January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec";
const WEEKDAYS: &str = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday";
/// Numbers in words, as news text writes small and round numbers.
const NUMBER_WORDS: &str = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|hundreds|thousand|thousands|million|millions|billion|billions|dozen|dozens|half|a third|a quarter";

/// A date to the day: "January 11", "11 October", "in 2014", "yesterday", "10 am". (A weekday
/// alone is mostly the day of the report, "officials said on Wednesday": it counts as a
/// [`PERIOD`].)
static DAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?-u:\b)(?:(?:{MONTHS})\.? \d{{1,2}}(?-u:\b)|\d{{1,2}} (?:{MONTHS})(?-u:\b)|(?:19|20)\d\d(?-u:\b)|(?:[Yy]esterday|[Tt]oday|[Tt]omorrow|[Tt]onight)(?-u:\b)|\d{{1,2}}(?::\d\d)? ?(?:am|pm|a\.m\.|p\.m\.))"
    ))
    .expect("day pattern")
});

/// A vaguer time: "in January", "mid-December", "next month", "this spring", "on Monday", and a
/// time frame from now ("within six months", "over the next two years").
static PERIOD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?-u:\b)(?:(?:[Ii]n|[Oo]n|[Oo]f|[Tt]o|[Bb]y|[Uu]ntil|[Ss]ince|[Ff]rom|[Bb]efore|[Aa]fter|[Ee]arly|[Ll]ate|[Mm]id-?|[Nn]ext|[Ll]ast|[Tt]his) (?:{MONTHS})(?-u:\b)|mid-(?:{MONTHS})(?-u:\b)|(?:{WEEKDAYS})(?-u:\b)|(?:[Nn]ext|[Ll]ast|[Tt]his|[Cc]oming|[Ee]arly|[Ll]ate|[Tt]he following) (?:week|weekend|month|year|spring|summer|autumn|winter|quarter)(?-u:\b)|(?:[Ww]ithin|[Ii]n|[Oo]ver) the (?:next|coming) (?:(?:\d+|{NUMBER_WORDS}|few|several|couple of) )?(?:days|weeks|months|years)(?-u:\b)|[Ww]ithin (?:(?:\d+|{NUMBER_WORDS}|a|an|a few) )?(?:days?|weeks?|months?|years?)(?-u:\b))"
    ))
    .expect("period pattern")
});

static DURATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)(?-u:\b)(?:(?:\d[\d,.]*|an?|{NUMBER_WORDS}|several|few|many|some|couple of)[ -](?:(?:more|full|straight|long|consecutive|extra|whole|nearly|about)\s+)?(?:seconds?|minutes?|hours?|days?|nights?|weeks?|fortnights?|months?|years?|decades?|centuries)|\d+-(?:second|minute|hour|day|night|week|month|year|decade)|(?:hours|days|weeks|months|years|decades) of|overnight|prolonged|protracted|lengthy|drawn-out)(?-u:\b)"
    ))
    .expect("duration pattern")
});

/// A length of time as written: "two days", "a further 20 months", "several weeks".
static LENGTH: LazyLock<String> = LazyLock::new(|| {
    format!(
        r"(?:\d[\d,.]*|an?|several|few|many|some|couple of|{NUMBER_WORDS})[ -](?:(?:more|full|straight|long|consecutive|extra|whole)\s+)?(?:seconds?|minutes?|hours?|days?|nights?|weeks?|fortnights?|months?|years?|decades?|centuries)"
    )
});

/// The verbs of [`Lasting`], in its order, as written in a paragraph.
const LASTING_VERBS: [&str; 4] = [
    "last(?:s|ed|ing)?",
    "t(?:ake|akes|ook|aken|aking)",
    "r(?:un|uns|an|unning)",
    "(?:continu(?:e|es|ed|ing)|go(?:es)? on|went on)",
];

/// Words between a verb of lasting and its length: "lasted *about* seven hours".
const QUALIFIERS: &str = r"(?:(?:about|around|roughly|nearly|almost|some|more than|less than|just|only|at least|up to|another|a further|the (?:past|last|next|first))\s+)*";

/// A duration bound to what lasted: after a verb of lasting or "for"/"over" ("lasted about
/// seven hours", "scheduled to run for two weeks", "took 15 years"), before "of" ("four days of
/// talks"), or an adjective of length ("prolonged"). A bare length ("reviewed after five
/// years") is more often a point in time.
static BOUND_DURATION: LazyLock<Regex> = LazyLock::new(|| {
    let (verbs, length) = (LASTING_VERBS.join("|"), &*LENGTH);
    Regex::new(&format!(
        r"(?i)(?-u:\b)(?:(?:{verbs}|spent|spend(?:s|ing)?|for|over)\s+{QUALIFIERS}{length}|{length} of(?-u:\b)|\d+-(?:second|minute|hour|day|night|week|month|year|decade)|prolonged|protracted|lengthy|drawn-out)(?-u:\b)"
    ))
    .expect("bound duration pattern")
});

static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)(?:\d|(?-u:\b)(?:{NUMBER_WORDS}|percent|per cent)(?-u:\b))"
    ))
    .expect("number pattern")
});

static REASON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:because|due to|owing to|as a result|in order to|so that|reasons?|caused by|led to|on the grounds|fears?|feared|worried|concerns? (?:that|about|over)|argu(?:ed|ing|es) that|so as to|in protest|blamed|citing|to protect|to avoid)(?-u:\b)")
        .expect("reason pattern")
});

static SPEECH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:["“”]|(?-u:\b)(?:said|says|say|told|tells|stated|added|stressed|insisted|argued|warned|called|described|urged|noted|declared|announced|confirmed|denied|repeated|explained|claimed|acknowledged|suggested|dismissed|rejected|welcomed|vowed|pledged|promised|accused|criticised|criticized|praised|according to|ruled out|reacted|responded|replied)(?-u:\b))"#)
        .expect("speech pattern")
});

/// A place after a preposition ("in Riyadh", "near the border with Belarus") or a place noun.
static PLACE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:(?-u:\b)(?:in|at|near|across|outside|inside|from|to|into|between|along|on|off) (?:the )?([A-Z][\w'’-]+)|(?-u:\b)(?:city|capital|border|port|ports|region|province|town|village|venue|bridge|temple|palace|headquarters|resort|island|coast|river|country)(?-u:\b))")
        .expect("place pattern")
});

/// Two or more capitalised words in a row ("Meseret Alemu", "Khalid al-Subaie"), or a role
/// followed by one ("captain Ellison", "chief executive Geoff Dixon").
static NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:(?-u:\b)([A-Z][a-z'’]+(?:[ -](?:al-|el-|de |van |von |bin )?[A-Z][a-z'’-]+)+)|(?-u:\b)(?:minister|president|envoy|envoys|adviser|advisor|spokesman|spokeswoman|spokesperson|chief|captain|leader|negotiator|chairman|chairwoman|director|governor|secretary|ambassador|founder|executive|mediator|manager|premier|chancellor|king|queen|prince|mayor|coach|striker|runner|athlete|winger|substitute) [A-Z][a-z'’]+)")
        .expect("name pattern")
});

/// Words after which a capitalised name is a place, not a person ("signed in Porto Alba", "met
/// at Camp David"). Narrower than [`PLACE`]'s list: "from", "to", "on", "with" come before
/// people as often ("a letter from John Smith").
const BEFORE_PLACES: &[&str] = &["in", "at", "near", "into", "inside", "outside", "across"];

/// The names in `text` that may be people's: not those right after one of [`BEFORE_PLACES`],
/// nor capitalised runs that start with a word naming no one ("The Kremlin", "On Tuesday").
fn people(text: &str) -> impl Iterator<Item = regex::Match<'_>> {
    NAME.find_iter(text).filter(|m| {
        let before = text[..m.start()].trim_end();
        let word = before.rsplit(' ').next().unwrap_or("");
        let first = m.as_str().split([' ', '-']).next().unwrap_or("");
        // A role followed by a name ("captain Ellison") starts in lower case.
        let named = first.starts_with(|c: char| c.is_lowercase())
            || (!NOT_NAMES.contains(&first) && !crate::timewords::is_calendar_word(first));
        named && !(before.len() < m.start() && BEFORE_PLACES.contains(&word))
    })
}

/// Capitalised words that start sentences or name no one ("The Kremlin", "In Berlin").
const NOT_NAMES: &[&str] = &[
    "The", "A", "An", "In", "On", "At", "As", "But", "And", "For", "From", "After", "Before",
    "Under", "Until", "Since", "With", "Without", "This", "That", "These", "Those", "It", "Its",
    "He", "She", "They", "We", "His", "Her", "Their", "Our", "Some", "Several", "Many", "Most",
    "Both", "Neither", "No", "None", "Not", "If", "When", "While", "Although", "Still", "Yet",
];

impl Form {
    /// How well `text` (a paragraph) holds the kind of answer this form asks for: 1 when it
    /// does, 0.5 for a vaguer kind (a month where a day is asked for, a bare length of time where
    /// one bound to what lasted is), 0 when it does not.
    pub fn answer_strength(self, text: &str) -> f32 {
        match self {
            Form::When if DAY.is_match(text) => 1.0,
            Form::When if PERIOD.is_match(text) => 0.5,
            Form::When => 0.0,
            Form::HowLong if BOUND_DURATION.is_match(text) => 1.0,
            Form::HowLong if DURATION.is_match(text) => 0.5,
            Form::HowLong => 0.0,
            _ if self.answered_by(text) => 1.0,
            _ => 0.0,
        }
    }

    /// Whether `text` (a paragraph) holds the kind of answer this form asks for.
    pub fn answered_by(self, text: &str) -> bool {
        match self {
            Form::Other => false,
            Form::When => DAY.is_match(text) || PERIOD.is_match(text),
            Form::HowLong => DURATION.is_match(text),
            Form::HowMany => NUMBER.is_match(text),
            Form::Why => REASON.is_match(text),
            Form::Said => SPEECH.is_match(text),
            // Matches are checked as text (captures would need the regex crate's slower
            // engines): the place is the match's last word, the name its first.
            Form::Where => PLACE.find_iter(text).any(|m| {
                let word = m.as_str().rsplit(' ').next().unwrap_or("");
                !crate::timewords::is_calendar_word(word)
                    && !is_demonym_before_noun(word, &text[m.end()..])
            }),
            Form::Who => people(text).next().is_some(),
        }
    }
}

/// A people's adjective before a noun, which follows "from the" as a place does: "from the
/// Karvanian side", "in Japanese custody" (not "in Iran and").
fn is_demonym_before_noun(word: &str, after: &str) -> bool {
    ["ian", "ean", "ese", "ish"]
        .iter()
        .any(|end| word.len() > end.len() + 2 && word.ends_with(end))
        && after
            .strip_prefix(' ')
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_is_read_from_the_question_words() {
        for (q, form) in [
            ("Who were the US envoys who went to Moscow?", Form::Who),
            ("Which minister leads the delegation?", Form::Who),
            ("When will the Riyadh talks be held?", Form::When),
            ("What date was set for the summit?", Form::When),
            ("How long did the Moscow talks last?", Form::HowLong),
            (
                "How many years will it take to fill the reservoir?",
                Form::HowLong,
            ),
            ("Will the talks take a long time?", Form::HowLong),
            ("How many prisoners were exchanged?", Form::HowMany),
            ("What share of the flow does Durmand get?", Form::HowMany),
            ("Why was the Riyadh round delayed?", Form::Why),
            ("What did Ushakov say about territory?", Form::Said),
            ("How did Moscow react to the proposal?", Form::Said),
            ("Where is the COP31 summit being held?", Form::Where),
            ("Which ports did the grain leave from?", Form::Where),
            ("Is territory negotiable?", Form::Other),
            ("Has Washington commented?", Form::Other),
        ] {
            assert_eq!(read(q).want.form, form, "{q}");
        }
    }

    #[test]
    fn the_speaker_is_read_from_a_said_question() {
        for (q, speaker) in [
            ("What did Washington first say?", Some("Washington")),
            (
                "How did the State Department react?",
                Some("State Department"),
            ),
            (
                "What has Veltra's foreign ministry said about the split?",
                Some("Veltra"),
            ),
            (
                "What did Werner Seifert say about the LSE?",
                Some("Werner Seifert"),
            ),
            ("What did the director say about the film?", None),
            ("Who signed the deal?", None),
        ] {
            assert_eq!(read(q).want.speaker.as_deref(), speaker, "{q}");
        }
    }

    #[test]
    fn a_name_only_where_people_met_or_went_is_a_place() {
        for (text, place) in [
            (
                "Officials said so after two days of meetings in Washington.",
                true,
            ),
            (
                "Ethiopia agrees to slower filling after Washington round",
                true,
            ),
            ("The ministers return to Washington in January.", true),
            ("Washington wants an answer first, officials said.", false),
            (
                "Talks in Washington ended. Washington said it was pleased.",
                false,
            ),
            ("Nothing about the city here.", false),
            ("The Washingtonian magazine said so.", false),
        ] {
            assert_eq!(only_as_place([text], "Washington"), place, "{text}");
        }
        // A person is named again by the last word of the name.
        assert!(!only_as_place(
            ["Mr Seifert said talks went well."],
            "Werner Seifert"
        ));
        let want = read("What did Washington say?").want;
        assert_eq!(
            want.answer_strength("Officials said so after meetings in Washington."),
            0.0
        );
        assert_eq!(want.answer_strength("Washington said it was pleased."), 1.0);
    }

    #[test]
    fn a_question_about_how_something_developed_has_a_timeline_topic() {
        for (question, topic) in [
            (
                "How did the talks on the prisoner exchange evolve?",
                Some("talks on the prisoner exchange"),
            ),
            (
                "How has the energy truce developed since October?",
                Some("energy truce since October"),
            ),
            ("timeline of the Nile talks", Some("Nile talks")),
            (
                "What's the history of the Riyadh round?",
                Some("Riyadh round"),
            ),
            ("How did The Hague talks evolve?", Some("The Hague talks")),
            ("How did the talks end?", None),
            ("Who developed the plan?", None),
            ("What did the timeline say?", None),
        ] {
            assert_eq!(development_topic(question).as_deref(), topic, "{question}");
        }
    }

    #[test]
    fn framing_words_are_blanked_and_the_topic_kept() {
        let kept = |q: &str| {
            read(q)
                .words
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(
            kept("How long did the Moscow talks last?"),
            "How did the Moscow talks ?"
        );
        assert_eq!(
            kept("How many years will it take to fill the dam reservoir?"),
            "How many will it to fill the dam reservoir?"
        );
        assert_eq!(
            kept("How long is the summit scheduled to run?"),
            "How is the summit scheduled to ?"
        );
        assert_eq!(
            kept("How did Moscow react to the proposal?"),
            "How did Moscow to the proposal?"
        );
        assert_eq!(
            kept("Where did the first-stage handover take place?"),
            "Where did the first-stage handover ?"
        );
        assert_eq!(kept("What happened in Moscow?"), "What in Moscow?");
        assert_eq!(
            kept("What's happening with the truce?"),
            "What's with the truce?"
        );
        assert_eq!(kept("What's going on with Riyadh?"), "What's with Riyadh?");
        assert_eq!(
            kept("How are the Nile talks going?"),
            "How are the Nile talks ?"
        );
        assert_eq!(kept("Tell me about the energy truce"), "the energy truce");
        assert_eq!(kept("Summarize the Moscow talks"), "the Moscow talks");
        assert_eq!(kept("please recap the prisoner swap"), "the prisoner swap");
        assert_eq!(
            kept("Give me a summary of the Nile talks"),
            "Give me a of the Nile talks"
        );
        assert_eq!(
            kept("any news on the grain corridor?"),
            "any on the grain corridor?"
        );
        assert_eq!(kept("News about Riyadh?"), "about Riyadh?");
        assert_eq!(kept("Hey, what did Peskov say?"), ", what did Peskov say?");
        assert_eq!(
            kept("hi talkwatch, is territory negotiable?"),
            ", is territory negotiable?"
        );
        // The greetings small talk answers in kind, the same list.
        assert_eq!(
            kept("Greetings all, who leads the talks?"),
            ", who leads the talks?"
        );
        assert_eq!(kept("Good  evening, what is new?"), ", what is new?");
        assert_eq!(kept("what did ushakov say thanks"), "what did ushakov say");
        assert_eq!(
            kept("Can you please tell me what Peskov said?"),
            "what Peskov said?"
        );
        assert_eq!(
            kept("Do you know anything about COP31?"),
            "anything about COP31?"
        );
        assert_eq!(kept("Where is Nice, please?"), "Where is Nice, ?");
        // Only as a request: the words stay where they are the topic.
        assert_eq!(
            kept("Did the envoys explain the delay?"),
            "Did the envoys explain the delay?"
        );
        assert_eq!(
            kept("Who leaked the news to the press?"),
            "Who leaked the news to the press?"
        );
        assert_eq!(
            kept("Where will the next round be held?"),
            "Where will the next round be ?"
        );
        assert_eq!(
            kept("When will the Riyadh talks be held?"),
            "When will the Riyadh talks be ?"
        );
        assert_eq!(
            kept("When did the handover take place?"),
            "When did the handover ?"
        );
        // Content words stay: "last" in "last week", "held".
        assert_eq!(
            kept("What happened at the talks last week?"),
            "What at the talks last week?"
        );
        assert_eq!(
            kept("How long had the men been held?"),
            "How had the men been held?"
        );
        assert_eq!(
            kept("When were the prisoners held in Doha freed?"),
            "When were the prisoners held in Doha freed?"
        );
        // Byte positions are kept.
        let q = "How long did the talks last?";
        assert_eq!(read(q).words.len(), q.len());
    }

    #[test]
    fn each_kind_of_answer_is_recognised_in_a_paragraph() {
        let yes = |form: Form, text: &str| assert!(form.answered_by(text), "{form:?}: {text}");
        let no = |form: Form, text: &str| assert!(!form.answered_by(text), "{form:?}: {text}");
        yes(
            Form::When,
            "The round will take place in the second half of January.",
        );
        yes(Form::When, "Talks resume on Monday in Washington.");
        yes(Form::When, "The agreement targets January 1 as the start.");
        yes(Form::When, "It was annexed in 2014.");
        no(
            Form::When,
            "Officials may meet the envoys soon, diplomats said.",
        );
        assert_eq!(Form::When.answer_strength("It starts on January 11."), 1.0);
        assert_eq!(Form::When.answer_strength("It starts in January."), 0.5);
        assert_eq!(Form::When.answer_strength("It starts soon."), 0.0);
        // A time frame from now answers "when" as a month does.
        for frame in [
            "The ban is likely to be lifted in the next six months.",
            "He expects a deal within weeks.",
            "A ruling is due within a year.",
            "Prices should ease over the coming months.",
        ] {
            assert_eq!(Form::When.answer_strength(frame), 0.5, "{frame}");
        }
        assert_eq!(
            Form::When.answer_strength("The talks have gone on for six months."),
            0.0
        );
        assert_eq!(
            Form::Why.answer_strength("It failed because of the weather."),
            1.0
        );
        yes(
            Form::HowLong,
            "The talks ended without an agreement after two days.",
        );
        yes(Form::HowLong, "The handover took nearly four hours.");
        // A length bound to what lasted is the answer; a bare one is a point in time.
        for bound in [
            "The summit lasted about seven hours.",
            "The summit is scheduled to run for two weeks.",
            "The talks broke up after four days of haggling.",
            "Diplomats expect the negotiations to be prolonged.",
        ] {
            assert_eq!(Form::HowLong.answer_strength(bound), 1.0, "{bound}");
        }
        assert_eq!(
            Form::HowLong.answer_strength("The share will be reviewed after five years."),
            0.5
        );
        yes(Form::HowLong, "a proposed 30-day pause in strikes");
        yes(
            Form::HowLong,
            "Diplomats expect the negotiations to be prolonged.",
        );
        no(Form::HowLong, "The talks ended without an agreement.");
        yes(Form::HowMany, "They swapped 150 captives each.");
        // A number of what is counted is the answer; another number half one.
        let counted = |q: &str, text: &str| read(q).want.answer_strength(text);
        let oilfields = "How many old oilfields could Chinese firms run?";
        assert_eq!(
            counted(oilfields, "They may run 15 mature oil fields."),
            1.0
        );
        assert_eq!(counted(oilfields, "Imports rose 21% to 110m tons."), 0.5);
        assert_eq!(
            counted(oilfields, "Fifteen Oilfields were offered, officials said."),
            1.0
        );
        assert_eq!(
            counted(
                "How many prisoners were freed?",
                "Some 120 were freed on Monday."
            ),
            0.5
        );
        let share = "What share of the flow does Durmand get?";
        assert_eq!(counted(share, "Durmand gets 42 percent of it."), 1.0);
        assert_eq!(counted(share, "It has 3 dams."), 0.5);
        let paid = "How much did the broadcaster pay for the script?";
        assert_eq!(counted(paid, "It bought the script for $600."), 1.0);
        assert_eq!(counted(paid, "It was his first of 11 novels."), 0.5);
        // A name in the asked role is the answer; a name elsewhere three quarters of one.
        let who = |q: &str, text: &str| read(q).want.answer_strength(text);
        let envoys = "Who were the US envoys who went to Moscow?";
        assert_eq!(read(envoys).want.role.as_deref(), Some("envoy"));
        assert_eq!(
            who(
                envoys,
                "The American envoys Steve Witkoff and Jared Kushner flew home."
            ),
            1.0
        );
        assert_eq!(
            who(envoys, "Dmitry Peskov said Moscow had no objection."),
            0.75
        );
        let signed = "Who signed the trade agreement?";
        assert_eq!(read(signed).want.role.as_deref(), Some("sign"));
        // A place is no one's name, however near the role.
        assert_eq!(
            who(
                signed,
                "The two countries signed it in Porto Alba on Tuesday."
            ),
            0.0
        );
        assert_eq!(
            who(
                signed,
                "Henrik Saal and Paulo Ferraz signed the text on Tuesday."
            ),
            1.0
        );
        assert_eq!(
            read("Which officials attended the talks?")
                .want
                .role
                .as_deref(),
            Some("official")
        );
        assert_eq!(
            read("How many voters are there?").want.counted,
            Some(Counted::Noun("voter".into()))
        );
        yes(Form::HowMany, "Four people were killed.");
        no(Form::HowMany, "The strikes hit a residential district.");
        yes(
            Form::Why,
            "The bank held rates because inflation was stubborn.",
        );
        yes(Form::Why, "The delay was due to the weather.");
        no(Form::Why, "The bank held rates on Thursday.");
        yes(Form::Said, "Ushakov said the status is not negotiable.");
        yes(
            Form::Said,
            "\"Nobody expected it,\" the spokesperson added.",
        );
        no(Form::Said, "The talks ended without a deal.");
        yes(
            Form::Where,
            "Technical teams will meet in Addis Ababa next month.",
        );
        yes(Form::Where, "Soldiers stepped off buses near the border.");
        no(Form::Where, "The talks resume in January.");
        no(Form::Where, "The talks resume in Sept, after the vote.");
        no(
            Form::Where,
            "She watched the handover from the Karvanian side.",
        );
        yes(Form::Where, "The men walked across the Ostrel bridge.");
        yes(
            Form::Who,
            "The American envoys Steve Witkoff and Jared Kushner arrived.",
        );
        yes(Form::Who, "A header from captain Ellison won it.");
        no(
            Form::Who,
            "The talks ended on Thursday without an agreement.",
        );
        no(Form::Who, "In Berlin the government said little.");
        no(Form::Who, "Sept 3 was the day the minutes were written.");
        no(
            Form::Other,
            "Ushakov said on Thursday that the talks would go on.",
        );
    }
}
