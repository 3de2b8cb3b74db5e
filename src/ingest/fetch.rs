//! Fetching articles over HTTP(S): bounded in time (timeouts), size (a cap enforced while
//! streaming) and redirects, and always with talkwatch's user agent.

use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;

use super::{Article, DocKind, IngestError, Origin, parse_bytes};
use crate::config::IngestConfig;

/// The outcome of a conditional GET.
#[derive(Debug)]
pub enum Conditional {
    NotModified,
    Modified {
        body: Vec<u8>,
        content_type: Option<String>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

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
        match self.get_conditional(url, None, None).await? {
            Conditional::Modified {
                body, content_type, ..
            } => Ok((body, content_type)),
            Conditional::NotModified => Err(IngestError::Fetch("unexpected 304".into())),
        }
    }

    /// Like [`Fetcher::get`], sending `If-None-Match` / `If-Modified-Since` from an earlier
    /// response; a 304 comes back as [`Conditional::NotModified`].
    pub async fn get_conditional(
        &self,
        url: &url::Url,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<Conditional, IngestError> {
        let mut request = self.client.get(url.clone());
        if let Some(etag) = etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = last_modified {
            request = request.header(reqwest::header::IF_MODIFIED_SINCE, lm);
        }
        let resp = request
            .send()
            .await
            .map_err(|e| IngestError::Fetch(describe(&e)))?;
        let status = resp.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Conditional::NotModified);
        }
        let header = |name: reqwest::header::HeaderName| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let new_etag = header(reqwest::header::ETAG);
        let new_last_modified = header(reqwest::header::LAST_MODIFIED);
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
        Ok(Conditional::Modified {
            body,
            content_type,
            etag: new_etag,
            last_modified: new_last_modified,
        })
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
