//! Bytes → text, decided as a browser decides: a byte order mark first, then the encoding the
//! input declares (HTTP `Content-Type`, the XML declaration, an HTML `<meta>` in the first
//! 1,024 bytes), then UTF-8 when the bytes are valid UTF-8, and only then detection
//! (chardetng, the detector Firefox uses). UTF-16 and UTF-32 without a byte order mark are
//! recognised by where their zero bytes fall. Decoding itself is encoding_rs's.

use std::borrow::Cow;
use std::sync::LazyLock;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

use super::IngestError;

/// Text decoded from an input, and the encoding when it was guessed rather than declared.
#[derive(Debug)]
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    /// The encoding's name when nothing declared it and the bytes were not UTF-8.
    pub guessed: Option<&'static str>,
}

/// Where to look for a declared encoding inside the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniff {
    /// HTML: `<meta charset>` or `<meta http-equiv=content-type content="…; charset=…">`.
    Html,
    /// XML (feeds): the `<?xml … encoding="…"?>` declaration.
    Xml,
    /// Plain text, Markdown, JSON Lines: nothing inside declares an encoding.
    None,
}

/// How many bytes are looked at for zero-byte patterns, declarations and binary content.
const PRESCAN: usize = 1024;
const BINARY_SCAN: usize = 8192;

/// Decodes `bytes`; `declared` is a charset label from outside (HTTP `Content-Type`).
pub fn decode<'a>(
    bytes: &'a [u8],
    declared: Option<&str>,
    sniff: Sniff,
) -> Result<Decoded<'a>, IngestError> {
    if let Some(text) = utf32(bytes) {
        return finish(Cow::Owned(text), None);
    }
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return finish(text, None);
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(bytes);
        return finish(text, None);
    }
    if bytes[..bytes.len().min(BINARY_SCAN)].contains(&0) {
        return Err(IngestError::Binary);
    }
    let declared = declared
        .and_then(|label| Encoding::for_label(label.trim().as_bytes()))
        .or_else(|| sniffed(bytes, sniff));
    // A page that says UTF-16 but has no zero bytes is ASCII-compatible (the HTML standard's
    // rule); a declaration of UTF-8 that the bytes break is not believed.
    let declared = declared.map(|e| {
        if e == UTF_16LE || e == UTF_16BE {
            UTF_8
        } else {
            e
        }
    });
    match declared {
        Some(encoding) if encoding != UTF_8 => {
            let (text, _) = encoding.decode_without_bom_handling(bytes);
            finish(text, None)
        }
        _ => match std::str::from_utf8(bytes) {
            Ok(text) => finish(Cow::Borrowed(text), None),
            Err(_) => {
                let mut detector = chardetng::EncodingDetector::new();
                detector.feed(bytes, true);
                let encoding = detector.guess(None, true);
                let (text, _) = encoding.decode_without_bom_handling(bytes);
                finish(text, Some(encoding.name()))
            }
        },
    }
}

fn finish<'a>(
    text: Cow<'a, str>,
    guessed: Option<&'static str>,
) -> Result<Decoded<'a>, IngestError> {
    if text.trim().is_empty() {
        return Err(IngestError::Empty);
    }
    Ok(Decoded { text, guessed })
}

/// UTF-32 with or without a byte order mark (encoding_rs, like browsers, has no UTF-32).
fn utf32(bytes: &[u8]) -> Option<String> {
    if bytes.len() < 4 || !bytes.len().is_multiple_of(4) {
        return None;
    }
    let (big, body) = match bytes[..4] {
        [0, 0, 0xFE, 0xFF] => (true, &bytes[4..]),
        [0xFF, 0xFE, 0, 0] => (false, &bytes[4..]),
        _ => {
            // Without a mark: text in any script has a zero in the top two bytes of every
            // code unit and a non-zero low byte for most.
            let units = bytes[..bytes.len().min(PRESCAN)].chunks_exact(4);
            let n = units.len();
            let (mut be, mut le) = (0, 0);
            for u in units {
                be += usize::from(u[0] == 0 && u[1] == 0 && u[3] != 0);
                le += usize::from(u[3] == 0 && u[2] == 0 && u[0] != 0);
            }
            if be * 10 >= n * 9 {
                (true, bytes)
            } else if le * 10 >= n * 9 {
                (false, bytes)
            } else {
                return None;
            }
        }
    };
    let text: String = body
        .chunks_exact(4)
        .map(|u| {
            let v = if big {
                u32::from_be_bytes([u[0], u[1], u[2], u[3]])
            } else {
                u32::from_le_bytes([u[0], u[1], u[2], u[3]])
            };
            char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER)
        })
        .collect();
    Some(text)
}

/// UTF-16 without a byte order mark: mostly-ASCII text has a zero in every other byte.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(PRESCAN) & !1];
    let pairs = head.len() / 2;
    if pairs < 4 {
        return None;
    }
    let even_zeros = head.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd_zeros = head.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    if odd_zeros * 10 >= pairs * 6 && even_zeros * 10 <= pairs {
        Some(UTF_16LE)
    } else if even_zeros * 10 >= pairs * 6 && odd_zeros * 10 <= pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

static XML_DECLARATION: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(r#"^\s*<\?xml[^>]*?encoding\s*=\s*["']\s*([A-Za-z0-9._:-]+)"#)
        .expect("valid pattern")
});

static META_CHARSET: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(r#"(?i)<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)"#)
        .expect("valid pattern")
});

/// The encoding the bytes declare for themselves, if any.
fn sniffed(bytes: &[u8], sniff: Sniff) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(PRESCAN)];
    let pattern = match sniff {
        Sniff::Xml => &*XML_DECLARATION,
        // An XHTML page may carry an XML declaration instead of a meta tag.
        Sniff::Html => {
            return [&*META_CHARSET, &*XML_DECLARATION]
                .iter()
                .find_map(|p| label_of(p, head));
        }
        Sniff::None => return None,
    };
    label_of(pattern, head)
}

fn label_of(pattern: &regex::bytes::Regex, head: &[u8]) -> Option<&'static Encoding> {
    let label = pattern.captures(head)?.get(1)?.as_bytes();
    Encoding::for_label(label)
}

/// The `charset` parameter of a `Content-Type` header value.
pub fn charset_of(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(|c| c == '"' || c == '\''))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8], declared: Option<&str>, sniff: Sniff) -> (String, Option<&'static str>) {
        let d = decode(bytes, declared, sniff).unwrap();
        (d.text.into_owned(), d.guessed)
    }

    fn encode(encoding: &'static Encoding, s: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = encoding.encode(s);
        assert!(!unmappable, "{s} in {}", encoding.name());
        bytes.into_owned()
    }

    #[test]
    fn declared_encodings_are_believed_and_utf8_needs_no_guess() {
        let page = |charset: &str, body: &str| {
            let mut b =
                format!("<html><head><meta charset=\"{charset}\"></head><body><p>").into_bytes();
            b.extend(encode(
                Encoding::for_label(charset.as_bytes()).unwrap(),
                body,
            ));
            b
        };
        let latin1 = page("iso-8859-1", "Le café de la Paix a rouvert.");
        assert!(text(&latin1, None, Sniff::Html).0.contains("café"));
        let koi8 = page("koi8-r", "Переговоры в Стамбуле продолжатся завтра.");
        assert!(text(&koi8, None, Sniff::Html).0.contains("Стамбуле"));
        let http_equiv =
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1255\"><p>\xf9\xec\xe5\xed</p>";
        assert!(text(http_equiv, None, Sniff::Html).0.contains("שלום"));
        let xml = [
            b"<?xml version=\"1.0\" encoding=\"EUC-JP\"?><rss><title>".as_slice(),
            &encode(encoding_rs::EUC_JP, "和平交渉"),
        ]
        .concat();
        assert!(text(&xml, None, Sniff::Xml).0.contains("和平交渉"));
        // The HTTP header wins over the page's own claim.
        let sjis = encode(encoding_rs::SHIFT_JIS, "停戦合意");
        assert_eq!(text(&sjis, Some("Shift_JIS"), Sniff::None).0, "停戦合意");
        assert_eq!(
            text("Plain ünïcode".as_bytes(), None, Sniff::None),
            ("Plain ünïcode".into(), None)
        );
    }

    #[test]
    fn undeclared_legacy_text_is_detected_and_said_to_be_guessed() {
        let cp1252 = encode(
            encoding_rs::WINDOWS_1252,
            "Les négociateurs se sont réunis à Genève — une première étape.",
        );
        let (decoded, guessed) = text(&cp1252, None, Sniff::None);
        assert!(decoded.contains("négociateurs"), "{decoded}");
        assert_eq!(guessed, Some("windows-1252"));
        let gbk = encode(
            encoding_rs::GBK,
            "双方代表团在日内瓦举行了第三轮会谈，调解人表示会谈将持续两天。",
        );
        let (decoded, guessed) = text(&gbk, None, Sniff::None);
        assert!(decoded.contains("日内瓦"), "{decoded}");
        assert_eq!(guessed, Some("GBK"));
    }

    #[test]
    fn utf16_and_utf32_with_and_without_marks() {
        let s = "Talks resume in Geneva on Monday.";
        let le: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = s.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(text(&le, None, Sniff::None).0, s);
        assert_eq!(text(&be, None, Sniff::None).0, s);
        assert_eq!(
            text(&[[0xFF, 0xFE].as_slice(), &le].concat(), None, Sniff::None).0,
            s
        );
        let le32: Vec<u8> = s.chars().flat_map(|c| (c as u32).to_le_bytes()).collect();
        let be32: Vec<u8> = s.chars().flat_map(|c| (c as u32).to_be_bytes()).collect();
        assert_eq!(text(&le32, None, Sniff::None).0, s);
        assert_eq!(
            text(
                &[[0, 0, 0xFE, 0xFF].as_slice(), &be32].concat(),
                None,
                Sniff::None
            )
            .0,
            s
        );
    }

    #[test]
    fn binary_and_empty_inputs_are_still_refused() {
        assert_eq!(
            decode(
                &[0x7f, b'E', b'L', b'F', 0, 0, 1, 2, 3, 0, 0, 0, 7],
                None,
                Sniff::None
            )
            .unwrap_err(),
            IngestError::Binary
        );
        assert_eq!(
            decode(b" \n\n ", None, Sniff::None).unwrap_err(),
            IngestError::Empty
        );
    }

    #[test]
    fn charset_comes_from_the_content_type() {
        assert_eq!(
            charset_of("text/html; charset=ISO-8859-1"),
            Some("ISO-8859-1")
        );
        assert_eq!(
            charset_of("application/rss+xml;charset=\"utf-8\""),
            Some("utf-8")
        );
        assert_eq!(charset_of("text/html"), None);
    }
}
