//! Fetching over HTTPS as a user behind a private CA or in a bare container meets it: the CA
//! named by `SSL_CERT_FILE` is trusted, a certificate no root vouches for is refused in words
//! that say what to do, and with no roots at all `https://` says so while `http://` still works.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

use crate::support::Env;

const PAGE: &str = r#"<html><head><title>Port talks resume - Example Wire</title>
<meta property="article:published_time" content="2026-11-24T07:00:00Z"></head>
<body><article><h1>Port talks resume</h1>
<p>Negotiators for the harbour authority and the dock workers met again on Tuesday after a week without contact, a spokesperson said.</p>
<p>Both sides called the first session constructive and agreed to meet daily until the end of the month.</p>
</article></body></html>"#;

/// A test CA (PEM) and an HTTPS server on 127.0.0.1 whose certificate it signed, serving
/// [`PAGE`] at every path.
async fn serve_https() -> (String, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "talkwatch test CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("https://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake here.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{PAGE}",
                    PAGE.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (base, ca.pem())
}

/// A plain-HTTP server serving [`PAGE`].
async fn serve_http() -> String {
    let app = axum::Router::new().route(
        "/{*path}",
        axum::routing::get(|| async { ([("content-type", "text/html; charset=utf-8")], PAGE) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

async fn ingest(env: &Env, vars: &[(&str, String)], urls: &[String]) -> String {
    let mut cmd = env.cmd();
    cmd.arg("ingest").args(urls);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test]
async fn a_private_ca_named_by_ssl_cert_file_is_trusted() {
    let env = Env::new();
    let (base, ca_pem) = serve_https().await;
    let ca = env.write("ca.pem", ca_pem);
    let text = ingest(
        &env,
        &[("SSL_CERT_FILE", ca.display().to_string())],
        &[format!("{base}/port.html")],
    )
    .await;
    assert!(text.starts_with("added 1, "), "{text}");
}

#[tokio::test]
async fn an_untrusted_certificate_is_named_with_what_to_do() {
    let env = Env::new();
    let (base, _ca) = serve_https().await;
    // The system's roots (or the ones this machine's SSL_CERT_FILE names) do not include the
    // test CA.
    let text = ingest(&env, &[], &[format!("{base}/port.html")]).await;
    assert!(text.starts_with("added 0, "), "{text}");
    assert!(
        text.contains(
            "port.html: cannot fetch: the server's certificate is not trusted (signed by an authority no trusted root vouches for)"
        )
            && text.contains("point SSL_CERT_FILE at it"),
        "{text}"
    );
}

#[tokio::test]
async fn without_any_root_https_says_so_and_http_still_works() {
    let env = Env::new();
    let (https, _ca) = serve_https().await;
    let http = serve_http().await;
    let empty_file = env.write("empty.pem", "");
    let empty_dir = env.path("no-certs");
    std::fs::create_dir_all(&empty_dir).unwrap();
    let text = ingest(
        &env,
        &[
            ("SSL_CERT_FILE", empty_file.display().to_string()),
            ("SSL_CERT_DIR", empty_dir.display().to_string()),
        ],
        &[format!("{https}/port.html"), format!("{http}/port.html")],
    )
    .await;
    assert!(
        text.starts_with("added 1, updated 0, unchanged 0, failed 1"),
        "{text}"
    );
    assert!(
        text.contains(
            "cannot fetch: no trusted root certificates found; install ca-certificates or set SSL_CERT_FILE"
        ),
        "{text}"
    );
}
