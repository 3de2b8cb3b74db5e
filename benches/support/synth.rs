//! Deterministic synthetic news articles for benchmarks: the same seed always gives the same
//! corpus, so figures can be compared run to run. Articles are 2–4 KB of English-like text
//! about talks, with names, places and topics drawn from fixed lists.

#![allow(dead_code)]

use chrono::{Duration, TimeZone, Utc};
use talkwatch::ingest::Article;

/// SplitMix64: tiny, fast, and good enough for picking words.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

pub const PEOPLE: &[&str] = &[
    "Ushakov",
    "Peskov",
    "Lavrov",
    "Witkoff",
    "Kushner",
    "Zelensky",
    "Erdogan",
    "Macron",
    "Scholz",
    "Rubio",
    "Yermak",
    "Sybiha",
    "Fidan",
    "Guterres",
    "Kallas",
    "Tusk",
    "Meloni",
    "Starmer",
    "Modi",
    "Lula",
    "Xi",
    "Wang",
    "Blinken",
    "Sullivan",
    "Borrell",
    "Stoltenberg",
];
pub const PLACES: &[&str] = &[
    "Moscow",
    "Kyiv",
    "Washington",
    "Istanbul",
    "Geneva",
    "Riyadh",
    "Brussels",
    "Berlin",
    "Paris",
    "Ankara",
    "Doha",
    "Vienna",
    "Beijing",
    "London",
    "Warsaw",
    "Kharkiv",
    "Odesa",
    "Donetsk",
    "Luhansk",
    "Zaporizhzhia",
    "Kherson",
    "Crimea",
    "Minsk",
    "Abu Dhabi",
    "Oslo",
];
pub const TOPICS: &[&str] = &[
    "territory",
    "ceasefire",
    "sanctions",
    "prisoner exchange",
    "grain corridor",
    "security guarantees",
    "energy supplies",
    "tariffs",
    "rare earths",
    "nuclear plant",
    "humanitarian corridor",
    "reconstruction fund",
    "frozen assets",
    "peace plan",
    "troop withdrawal",
    "border demarcation",
    "shipping insurance",
    "debt relief",
    "climate finance",
    "trade quotas",
    "visa regime",
    "air defence",
    "arms control",
];
pub const VERBS: &[&str] = &[
    "said",
    "stressed",
    "warned",
    "insisted",
    "suggested",
    "denied",
    "confirmed",
    "argued",
    "acknowledged",
    "hinted",
    "repeated",
    "claimed",
    "signalled",
    "noted",
    "declared",
];
pub const FILLER: &[&str] = &[
    "officials",
    "negotiators",
    "delegations",
    "diplomats",
    "analysts",
    "reporters",
    "the talks",
    "the meeting",
    "the proposal",
    "the statement",
    "the framework",
    "the summit",
    "on Tuesday",
    "late on Friday",
    "after hours of discussion",
    "behind closed doors",
    "in a brief statement",
    "according to people familiar with the matter",
    "for now",
    "without giving details",
    "in the coming weeks",
    "before the winter",
    "at the last round",
];
pub const SOURCES: &[&str] = &[
    "Example Wire",
    "Daily Example",
    "Example World News",
    "Example Business Review",
    "Example Post",
    "Example Herald",
    "Example Times",
    "Example Tribune",
];

const SYLLABLES: &[&str] = &[
    "ka", "ro", "mi", "te", "lan", "dor", "si", "vel", "qu", "ar", "ben", "tis", "po", "ne", "gra",
    "lo", "fu", "sen", "da", "mer", "ti", "vo", "ham", "el", "ris", "cu", "on", "ple",
];

/// The `rank`-th word of a synthetic English-like vocabulary (deterministic, ~20k words).
fn vocab_word(rank: usize) -> String {
    let mut n = rank;
    let mut w = String::new();
    loop {
        w.push_str(SYLLABLES[n % SYLLABLES.len()]);
        n /= SYLLABLES.len();
        if n == 0 {
            break;
        }
    }
    w
}

/// A word drawn from a Zipf-like distribution over 20,000 ranks, as in real news text: a few
/// words are everywhere, most are rare.
fn zipf_word(rng: &mut Rng) -> String {
    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let rank = (20_000f64.powf(u) as usize).saturating_sub(1);
    vocab_word(rank)
}

/// A clause of everyday words between the entities.
fn words(rng: &mut Rng, n: usize) -> String {
    (0..n).map(|_| zipf_word(rng)).collect::<Vec<_>>().join(" ")
}

/// One sentence. About a third name people, places and topics of the talks (dense, as in
/// coverage of one story); the rest is everyday vocabulary.
fn sentence(rng: &mut Rng) -> String {
    if rng.below(3) != 0 {
        let n = 10 + rng.below(14);
        let mut s = words(rng, n);
        if let Some(first) = s.get(..1) {
            let upper = first.to_uppercase();
            s.replace_range(..1, &upper);
        }
        return format!("{s}.");
    }
    let s = templated(rng);
    let n = 4 + rng.below(8);
    let extra = words(rng, n);
    format!("{} {extra}.", s.trim_end_matches('.'))
}

fn templated(rng: &mut Rng) -> String {
    let person = rng.pick(PEOPLE);
    let verb = rng.pick(VERBS);
    let topic = rng.pick(TOPICS);
    let place = rng.pick(PLACES);
    let filler = rng.pick(FILLER);
    let filler2 = rng.pick(FILLER);
    match rng.below(5) {
        0 => format!(
            "{person} {verb} that the question of {topic} would be raised again in {place} {filler}."
        ),
        1 => format!(
            "In {place}, {filler} {verb} that {topic} remained the main obstacle, {filler2}."
        ),
        2 => format!("The position on {topic} has not changed, {person} {verb} {filler}."),
        3 => format!(
            "Talks in {place} focused on {topic} and on {}, {filler}.",
            rng.pick(TOPICS)
        ),
        _ => format!(
            "{person} and {} met in {place} to discuss {topic} {filler2}.",
            rng.pick(PEOPLE)
        ),
    }
}

/// Article number `i` of the corpus for `seed`.
pub fn article(seed: u64, i: u64) -> Article {
    let mut rng = Rng::new(seed ^ i.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let target = 2048 + rng.below(2048);
    let mut paragraphs = Vec::new();
    let mut len = 0;
    while len < target {
        let n = 2 + rng.below(3);
        let p: Vec<String> = (0..n).map(|_| sentence(&mut rng)).collect();
        let p = p.join(" ");
        len += p.len() + 2;
        paragraphs.push(p);
    }
    let title = format!(
        "{} {} on {} in {}",
        rng.pick(PEOPLE),
        rng.pick(VERBS),
        rng.pick(TOPICS),
        rng.pick(PLACES)
    );
    let base = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    Article {
        url: format!("https://bench.example.org/{seed}/{i}"),
        title,
        source: rng.pick(SOURCES).to_string(),
        published: base + Duration::minutes((i * 7) as i64),
        published_estimated: false,
        tags: vec![],
        body: paragraphs.join("\n\n"),
    }
}

/// Questions of the kind users ask, mixing names, places and topics.
pub fn questions(seed: u64, n: usize) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| match rng.below(4) {
            0 => format!(
                "What did {} say about {}?",
                rng.pick(PEOPLE),
                rng.pick(TOPICS)
            ),
            1 => format!(
                "Is {} negotiable in {}?",
                rng.pick(TOPICS),
                rng.pick(PLACES)
            ),
            2 => format!("{} {} talks", rng.pick(PLACES), rng.pick(TOPICS)),
            _ => format!(
                "Has {} commented on {}?",
                rng.pick(PEOPLE),
                rng.pick(TOPICS)
            ),
        })
        .collect()
}

/// Another outlet's copy of `original` (a wire report republished): its own URL, source and
/// title, a reworded first sentence and an added closing paragraph; the rest word for word.
pub fn wire_copy(original: Article, i: u64) -> Article {
    let mut rng = Rng::new(i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut paragraphs: Vec<String> = original.body.split("\n\n").map(str::to_string).collect();
    if let Some(first) = paragraphs.first_mut() {
        *first = format!("{} {first}", sentence(&mut rng));
    }
    paragraphs.push(sentence(&mut rng));
    Article {
        url: format!("https://copies.example.org/{i}"),
        title: format!("{} (from the wire)", original.title),
        source: "Bench Courier".to_string(),
        published: original.published + Duration::hours(2),
        body: paragraphs.join("\n\n"),
        ..original
    }
}
