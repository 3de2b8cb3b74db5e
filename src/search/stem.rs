//! Stop words and Snowball stemming as one token filter with a per-thread memo.
//!
//! Stemming was most of the time of a question: the answer step analyzes every candidate
//! passage, and the Snowball algorithm costs far more per word than a hash lookup. News text
//! reuses a small vocabulary, so each thread remembers what every word it has seen becomes
//! (its stem, or nothing for a stop word). The output is exactly that of tantivy's
//! `StopWordFilter` followed by its `Stemmer` (same token positions, gaps where stop words were),
//! so indexes built before and after are the same.

use std::cell::RefCell;

use rustc_hash::FxHashMap;
use tantivy::tokenizer::{
    Language, RawTokenizer, Stemmer, StopWordFilter, TextAnalyzer, Token, TokenFilter, TokenStream,
    Tokenizer,
};

/// Most distinct words one thread remembers; past it the memo starts over (news vocabularies
/// stay far below; a flood of junk words cannot grow memory without bound).
const MEMO_WORDS: usize = 1 << 16;

struct Memo {
    /// Lowercased, ASCII-folded word → its stem, or `None` for a stop word.
    words: FxHashMap<Box<str>, Option<Box<str>>>,
    /// tantivy's own filters, run on one word when it is not in the memo.
    fallback: TextAnalyzer,
}

impl Memo {
    fn new() -> Self {
        Memo {
            words: FxHashMap::default(),
            fallback: TextAnalyzer::builder(RawTokenizer::default())
                .filter(
                    StopWordFilter::new(Language::English)
                        .expect("English stop words are built in"),
                )
                .filter(Stemmer::new(Language::English))
                .build(),
        }
    }

    /// Replaces `word` by its stem; false for a stop word.
    fn stem(&mut self, word: &mut String) -> bool {
        if let Some(known) = self.words.get(word.as_str()) {
            return replace(word, known.as_deref());
        }
        let stem = {
            let mut stream = self.fallback.token_stream(word);
            stream.next().map(|t| t.text.clone().into_boxed_str())
        };
        if self.words.len() >= MEMO_WORDS {
            self.words.clear();
        }
        self.words.insert(word.as_str().into(), stem.clone());
        replace(word, stem.as_deref())
    }
}

/// Puts `stem` in place of `word`; false (and `word` untouched) for a stop word.
fn replace(word: &mut String, stem: Option<&str>) -> bool {
    let Some(stem) = stem else {
        return false;
    };
    word.clear();
    word.push_str(stem);
    true
}

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(Memo::new());
}

/// Token filter: drops English stop words, stems the rest (tokens must be lowercased).
#[derive(Clone, Copy, Debug, Default)]
pub struct StopAndStem;

impl TokenFilter for StopAndStem {
    type Tokenizer<T: Tokenizer> = StopAndStemFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> StopAndStemFilter<T> {
        StopAndStemFilter { inner }
    }
}

#[derive(Clone)]
pub struct StopAndStemFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for StopAndStemFilter<T> {
    type TokenStream<'a> = StopAndStemStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        StopAndStemStream {
            tail: self.inner.token_stream(text),
        }
    }
}

pub struct StopAndStemStream<T> {
    tail: T,
}

impl<T: TokenStream> TokenStream for StopAndStemStream<T> {
    fn advance(&mut self) -> bool {
        while self.tail.advance() {
            let token = self.tail.token_mut();
            if MEMO.with(|m| m.borrow_mut().stem(&mut token.text)) {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer};

    use super::*;

    fn run(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut out = Vec::new();
        let mut stream = analyzer.token_stream(text);
        while let Some(t) = stream.next() {
            out.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
        }
        out
    }

    #[test]
    fn same_tokens_as_tantivys_stop_word_filter_and_stemmer() {
        let mut plain = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(StopWordFilter::new(Language::English).unwrap())
            .filter(Stemmer::new(Language::English))
            .build();
        let mut memo = crate::search::analyzer();
        let text = "The Kremlin's adviser, Yuri Ushakov, said that the Americans' proposals \
                    were being studied; territories weren't negotiable. Erdoğan's envoys \
                    flew to Istanbul in 2025 — talks, talking, talked, the THE The. \
                    Try trying tries happily running runs ran";
        // Twice: the second pass is answered from the memo.
        for _ in 0..2 {
            assert_eq!(run(&mut memo, text), run(&mut plain, text));
        }
    }

    #[test]
    fn stop_words_leave_position_gaps() {
        let mut a = crate::search::analyzer();
        let t = run(&mut a, "talks of the peace");
        assert_eq!(t[0].0, "talk");
        assert_eq!((t[1].0.as_str(), t[1].1), ("peac", 3));
    }
}
