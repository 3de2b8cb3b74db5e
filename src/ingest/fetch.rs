//! Fetching articles over HTTP(S): bounded in time (timeouts), size (a cap enforced while
//! streaming) and redirects, and always with talkwatch's user agent.

use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;

use super::{DocKind, IngestError, Origin, Parsed, bound, charset_of, parse_input};
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
    /// Deadline of parsing one fetched page (`ingest.max_parse_ms`).
    parse_budget: Duration,
    /// False when the platform offered no trusted root certificate (a container without
    /// `ca-certificates`, `SSL_CERT_FILE` pointing at nothing): plain `http://` still works and
    /// every `https://` fetch fails with [`IngestError::NoTrustedRoots`].
    has_roots: bool,
}

impl Fetcher {
    pub fn new(cfg: &IngestConfig) -> Result<Fetcher, IngestError> {
        let builder = || {
            reqwest::Client::builder()
                .user_agent(cfg.user_agent.clone())
                .connect_timeout(Duration::from_secs(cfg.fetch_timeout_secs.clamp(1, 10)))
                .timeout(Duration::from_secs(cfg.fetch_timeout_secs.max(1)))
                .redirect(reqwest::redirect::Policy::limited(5))
        };
        // The platform verifier reads the system's roots (honouring SSL_CERT_FILE and
        // SSL_CERT_DIR) and refuses to build without any; keep a client for plain HTTP then.
        let (client, has_roots) = match builder().build() {
            Ok(client) => (client, true),
            Err(_) => {
                let client = builder()
                    .tls_certs_only(Vec::new())
                    .build()
                    .map_err(|e| IngestError::Fetch(e.to_string()))?;
                (client, false)
            }
        };
        Ok(Fetcher {
            client,
            max_bytes: cfg.max_fetch_bytes,
            parse_budget: cfg.parse_budget(),
            has_roots,
        })
    }

    /// Why `https://` fetches will fail, when they will (said once at start by the callers).
    pub fn tls_problem(&self) -> Option<IngestError> {
        (!self.has_roots).then_some(IngestError::NoTrustedRoots)
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
        if url.scheme() == "https"
            && let Some(problem) = self.tls_problem()
        {
            return Err(problem);
        }
        let mut request = self.client.get(url.clone());
        if let Some(etag) = etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = last_modified {
            request = request.header(reqwest::header::IF_MODIFIED_SINCE, lm);
        }
        let resp = request.send().await.map_err(|e| send_error(&e))?;
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
    pub async fn fetch_articles(&self, url: &url::Url) -> Parsed {
        let (body, content_type) = match self.get(url).await {
            Ok(x) => x,
            Err(e) => return Parsed::failed(e),
        };
        let kind = content_type
            .as_deref()
            .and_then(DocKind::from_content_type)
            .or_else(|| DocKind::from_path(std::path::Path::new(url.path())))
            .unwrap_or(DocKind::Html);
        let origin = Origin::Url {
            url: url.clone(),
            fetched: Utc::now(),
        };
        let charset = content_type
            .as_deref()
            .and_then(charset_of)
            .map(str::to_string);
        bound::run(self.parse_budget, move || {
            parse_input(&body, kind, &origin, charset.as_deref())
        })
        .await
        .unwrap_or_else(Parsed::failed)
    }

    /// Deadline of parsing one fetched document (`ingest.max_parse_ms`).
    pub fn parse_budget(&self) -> Duration {
        self.parse_budget
    }
}

/// A failed request as the user should read it: a certificate the roots do not vouch for is
/// named as such (with what to do), not as "could not connect".
fn send_error(e: &reqwest::Error) -> IngestError {
    let chain = crate::text::error_chain(e);
    match chain.find("invalid peer certificate: ") {
        Some(at) => {
            let reason = chain[at + "invalid peer certificate: ".len()..].trim();
            let name: String = reason.chars().take_while(|c| c.is_alphanumeric()).collect();
            IngestError::Untrusted(certificate_problem(&name).unwrap_or(reason).to_string())
        }
        None => IngestError::Fetch(describe(e)),
    }
}

/// rustls's name for a refused certificate, in words.
fn certificate_problem(rustls_name: &str) -> Option<&'static str> {
    Some(match rustls_name {
        "UnknownIssuer" => "signed by an authority no trusted root vouches for",
        "Expired" | "ExpiredContext" => "expired",
        "NotValidYet" | "NotValidYetContext" => "not valid yet",
        "NotValidForName" | "NotValidForNameContext" => "issued for another name",
        "Revoked" => "revoked",
        "BadSignature" => "badly signed",
        _ => return None,
    })
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else if e.is_redirect() {
        "too many redirects".into()
    } else {
        crate::text::error_chain(e)
    }
}
