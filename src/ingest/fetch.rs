//! Fetching articles over HTTP(S): bounded in time (timeouts), size (a cap enforced while
//! streaming) and redirects, and always with talkwatch's user agent.

use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;

use super::{Article, DocKind, IngestError, Origin, parse_bytes};
use crate::config::IngestConfig;

/// A shared HTTP client for article pages.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    max_bytes: u64,
}

impl Fetcher {
    pub fn new(cfg: &IngestConfig) -> Result<Fetcher, IngestError> {
        let client = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .connect_timeout(Duration::from_secs(cfg.fetch_timeout_secs.clamp(1, 10)))
            .timeout(Duration::from_secs(cfg.fetch_timeout_secs.max(1)))
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(|e| IngestError::Fetch(e.to_string()))?;
        Ok(Fetcher {
            client,
            max_bytes: cfg.max_fetch_bytes,
        })
    }

    /// Downloads the body of `url` (at most `max_bytes`) with its content type.
    pub async fn get(&self, url: &url::Url) -> Result<(Vec<u8>, Option<String>), IngestError> {
        let resp = self
            .client
            .get(url.clone())
            .send()
            .await
            .map_err(|e| IngestError::Fetch(describe(&e)))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(IngestError::Fetch(format!("server answered {status}")));
        }
        if let Some(len) = resp.content_length()
            && len > self.max_bytes
        {
            return Err(IngestError::TooLarge {
                size: len,
                limit: self.max_bytes,
            });
        }
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut body = Vec::new();
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| IngestError::Fetch(describe(&e)))?;
            if body.len() as u64 + chunk.len() as u64 > self.max_bytes {
                return Err(IngestError::TooLarge {
                    size: body.len() as u64 + chunk.len() as u64,
                    limit: self.max_bytes,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok((body, content_type))
    }

    /// Fetches a page and extracts its article(s).
    pub async fn fetch_articles(&self, url: &url::Url) -> Vec<Result<Article, IngestError>> {
        let (body, content_type) = match self.get(url).await {
            Ok(x) => x,
            Err(e) => return vec![Err(e)],
        };
        let kind = content_type
            .as_deref()
            .and_then(DocKind::from_content_type)
            .or_else(|| DocKind::from_path(std::path::Path::new(url.path())))
            .unwrap_or(DocKind::Html);
        parse_bytes(
            &body,
            kind,
            &Origin::Url {
                url: url.clone(),
                fetched: Utc::now(),
            },
        )
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else if e.is_redirect() {
        "too many redirects".into()
    } else {
        let mut msg = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            msg = format!("{msg}: {s}");
            source = s.source();
        }
        msg
    }
}
