//! The index schema (one document per passage, the lead passage also carrying the whole
//! article), the analyzer every text goes through, and how a stored article becomes documents.

use tantivy::schema::{
    DateOptions, FAST, INDEXED, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing,
    TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};
use tantivy::{DateTime as TDateTime, Index, TantivyDocument};

use super::{passage, stem};
use crate::store::StoredArticle;

const ANALYZER: &str = "talkwatch_en";
const RAW_LOWER: &str = "talkwatch_raw";

/// Handles to the schema's fields.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub article: tantivy::schema::Field,
    pub start: tantivy::schema::Field,
    pub end: tantivy::schema::Field,
    pub text: tantivy::schema::Field,
    pub title: tantivy::schema::Field,
    pub published: tantivy::schema::Field,
    pub source: tantivy::schema::Field,
    /// On an article's lead passage only: the article key (finds the one document that carries
    /// the whole article).
    pub lead: tantivy::schema::Field,
    /// On an article's lead passage only: its title and whole body, term frequencies without
    /// positions, for scoring articles as a whole.
    pub body: tantivy::schema::Field,
    /// The article's report group (see [`crate::dedup`]) shifted left by one, the low bit set
    /// when its date is only estimated (undated articles are neutral for recency).
    pub story: tantivy::schema::Field,
}

pub(crate) fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text_opts = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let raw_opts = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(RAW_LOWER)
            .set_index_option(IndexRecordOption::Basic),
    );
    let body_opts = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let u64_fast_indexed = NumericOptions::default().set_fast().set_indexed();
    let fields = Fields {
        article: b.add_u64_field("article", u64_fast_indexed),
        start: b.add_u64_field("start", FAST),
        end: b.add_u64_field("end", FAST),
        text: b.add_text_field("text", text_opts.clone()),
        title: b.add_text_field("title", text_opts),
        published: b.add_date_field("published", DateOptions::from(INDEXED).set_fast()),
        source: b.add_text_field("source", raw_opts),
        lead: b.add_u64_field("lead", NumericOptions::default().set_indexed()),
        body: b.add_text_field("body", body_opts),
        story: b.add_u64_field("story", FAST),
    };
    (b.build(), fields)
}

/// The English analyzer used for passages, titles, questions and highlighting alike:
/// words → lowercase → ASCII folding (Erdoğan = Erdogan) → stop words → Snowball stemming
/// (memoized per thread, see `stem`).
pub fn analyzer() -> TextAnalyzer {
    static PROTOTYPE: std::sync::OnceLock<TextAnalyzer> = std::sync::OnceLock::new();
    PROTOTYPE
        .get_or_init(|| {
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .filter(stem::StopAndStem)
                .build()
        })
        .clone()
}

pub(super) fn register_tokenizers(index: &Index) {
    index.tokenizers().register(ANALYZER, analyzer());
    index.tokenizers().register(
        RAW_LOWER,
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .build(),
    );
}

/// Whether an index on disk has every field of this version's schema (older versions lack the
/// article-level `lead` and `body`, and the report group `story`).
pub(super) fn is_current_format(on_disk: tantivy::schema::Schema, fields: &Fields) -> bool {
    [
        ("lead", fields.lead),
        ("body", fields.body),
        ("story", fields.story),
    ]
    .iter()
    .all(|(name, field)| on_disk.get_field(name).ok() == Some(*field))
}

/// Passages of an article as tantivy documents. The first passage's text is indexed followed by
/// the headline, as the lead of a printed article is read with it: a question worded like the
/// headline finds the article even when the body uses other words. (One value, so the
/// passage's word positions stay those of its text and the headline's come after them.)
/// The lead passage also carries the whole article (`lead`, `body`), so articles can be scored
/// as a whole too (see [`TermLookup::article_scores`]).
pub(super) fn documents(fields: &Fields, stored: &StoredArticle) -> Vec<TantivyDocument> {
    let a = &stored.article;
    let published = TDateTime::from_timestamp_secs(a.published.timestamp());
    passage::split(&a.body)
        .into_iter()
        .map(|range| {
            let mut doc = TantivyDocument::default();
            doc.add_u64(fields.article, stored.key as u64);
            doc.add_u64(fields.start, range.start as u64);
            doc.add_u64(fields.end, range.end as u64);
            if passage::is_lead(&a.body, &range) {
                doc.add_text(fields.text, format!("{}\n\n{}", &a.body[range], a.title));
                doc.add_u64(fields.lead, stored.key as u64);
                doc.add_text(fields.body, &a.title);
                doc.add_text(fields.body, &a.body);
            } else {
                doc.add_text(fields.text, &a.body[range]);
            }
            doc.add_text(fields.title, &a.title);
            doc.add_date(fields.published, published);
            doc.add_text(fields.source, &a.source);
            doc.add_u64(
                fields.story,
                ((stored.story as u64) << 1) | a.published_estimated as u64,
            );
            doc
        })
        .collect()
}
