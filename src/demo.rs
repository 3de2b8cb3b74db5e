//! The bundled demo corpus: sample articles about ongoing talks (plus unrelated distractors),
//! embedded in the binary so `talkwatch chat` works from any directory with no setup.

use include_dir::{Dir, include_dir};

use crate::ingest::{Article, DocKind, IngestError, Origin, parse_bytes};

static ARTICLES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/demo/articles");

/// The built-in alias table (a copy of `config/aliases.toml`), used when no file is configured.
pub const DEFAULT_ALIASES: &str = include_str!("../config/aliases.toml");
/// The synonym table built into the binary (used when no `synonyms.toml` is configured).
pub const DEFAULT_SYNONYMS: &str = include_str!("../config/synonyms.toml");

/// Parses every embedded article. The corpus is tested, so failures here are bugs.
pub fn articles() -> Vec<Result<Article, IngestError>> {
    let mut files: Vec<_> = ARTICLES.files().collect();
    files.sort_by_key(|f| f.path());
    files
        .into_iter()
        .filter_map(|f| {
            let kind = DocKind::from_path(f.path())?;
            let origin = Origin::Embedded {
                name: f.path().display().to_string(),
            };
            Some(parse_bytes(f.contents(), kind, &origin))
        })
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_demo_article_parses_with_real_metadata() {
        let all = super::articles();
        assert!(all.len() >= 15, "only {} demo articles", all.len());
        for a in all {
            let a = a.expect("demo article parses");
            assert!(
                a.url.starts_with("https://") && a.url.contains("example.org"),
                "{}",
                a.url
            );
            assert!(!a.published_estimated, "{} has no date", a.url);
            assert_ne!(a.source, "local");
        }
    }
}
