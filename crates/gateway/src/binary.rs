//! Binary payloads (AWS's "Content type conversions in API Gateway"): a
//! body is binary when its media type is one of the API's
//! `binary_media_types`; `content_handling` on an integration (request)
//! or integration response (response) converts between binary and its
//! base64 text. A template only ever sees text.

use base64::Engine as _;
use bytes::Bytes;

/// `content_handling` on an integration or an integration response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ContentHandling {
    /// Unset: binary stays binary, text stays text.
    #[default]
    Passthrough,
    ConvertToText,
    ConvertToBinary,
}

impl ContentHandling {
    pub(crate) fn parse(s: &str) -> Result<ContentHandling, String> {
        match s {
            "" => Ok(ContentHandling::Passthrough),
            "CONVERT_TO_TEXT" => Ok(ContentHandling::ConvertToText),
            "CONVERT_TO_BINARY" => Ok(ContentHandling::ConvertToBinary),
            other => Err(format!(
                "content_handling `{other}` is not CONVERT_TO_TEXT or CONVERT_TO_BINARY"
            )),
        }
    }
}

/// A payload and whether it is binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Payload {
    pub bytes: Bytes,
    pub binary: bool,
}

/// Why a conversion failed: CONVERT_TO_BINARY on text that is not base64.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the payload is not valid base64, so CONVERT_TO_BINARY cannot decode it")]
pub(crate) struct NotBase64;

/// Whether a media type (`Content-Type`, parameters ignored) is one of
/// `binary_types`, `*/*` and `type/*` wildcards included. No header is
/// never binary.
pub(crate) fn is_binary_type(media_type: Option<&str>, binary_types: &[String]) -> bool {
    let Some(ct) = media_type else { return false };
    let ct = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if ct.is_empty() {
        return false;
    }
    binary_types.iter().any(|t| {
        let t = t.trim().to_ascii_lowercase();
        t == ct
            || t == "*/*"
            || t.strip_suffix("/*")
                .is_some_and(|p| ct.split('/').next() == Some(p))
    })
}

/// Whether the client asks for binary: AWS honours only the FIRST media
/// range of `Accept` ("When a request contains multiple media types in its
/// Accept header, API Gateway honors only the first").
pub(crate) fn accepts_binary(accept: Option<&str>, binary_types: &[String]) -> bool {
    let first = accept.and_then(|a| a.split(',').next());
    is_binary_type(first, binary_types)
}

fn encode(b: &[u8]) -> Bytes {
    Bytes::from(base64::engine::general_purpose::STANDARD.encode(b))
}

fn decode(b: &[u8]) -> Result<Bytes, NotBase64> {
    // Surrounding whitespace (a trailing newline from a template) is not
    // part of the base64 text.
    base64::engine::general_purpose::STANDARD
        .decode(b.trim_ascii())
        .map(Bytes::from)
        .map_err(|_| NotBase64)
}

/// The integration request payload (AWS's request table): binary +
/// CONVERT_TO_TEXT is base64-encoded; text + CONVERT_TO_BINARY is
/// base64-decoded; everything else is unchanged.
pub(crate) fn convert_request(
    body: &Bytes,
    binary: bool,
    handling: ContentHandling,
) -> Result<Payload, NotBase64> {
    Ok(match (binary, handling) {
        (true, ContentHandling::ConvertToText) => Payload {
            bytes: encode(body),
            binary: false,
        },
        (false, ContentHandling::ConvertToBinary) => Payload {
            bytes: decode(body)?,
            binary: true,
        },
        _ => Payload {
            bytes: body.clone(),
            binary,
        },
    })
}

/// The method response payload before any template (AWS's response
/// table, binary integration payloads): CONVERT_TO_TEXT, or no handling
/// while the client's first `Accept` is a text type, gives base64 text;
/// otherwise the bytes stay binary. Text payloads are returned as they
/// are here; [`convert_text_response`] runs after the template.
pub(crate) fn convert_binary_response(
    body: &Bytes,
    handling: ContentHandling,
    accept_binary: bool,
) -> Payload {
    match handling {
        ContentHandling::ConvertToText => Payload {
            bytes: encode(body),
            binary: false,
        },
        ContentHandling::Passthrough if !accept_binary => Payload {
            bytes: encode(body),
            binary: false,
        },
        _ => Payload {
            bytes: body.clone(),
            binary: true,
        },
    }
}

/// A text method response (after its template): CONVERT_TO_BINARY
/// base64-decodes it; CONVERT_TO_TEXT and no handling leave text as is.
pub(crate) fn convert_text_response(
    body: Bytes,
    handling: ContentHandling,
) -> Result<Bytes, NotBase64> {
    match handling {
        ContentHandling::ConvertToBinary => decode(&body),
        _ => Ok(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ContentHandling::*;

    fn types(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn media_type_matching() {
        let t = types(&["image/png", "application/octet-stream"]);
        assert!(is_binary_type(Some("image/png"), &t));
        assert!(is_binary_type(Some("IMAGE/PNG; charset=x"), &t));
        assert!(!is_binary_type(Some("image/jpeg"), &t));
        assert!(!is_binary_type(None, &t));
        assert!(is_binary_type(Some("image/jpeg"), &types(&["image/*"])));
        assert!(!is_binary_type(Some("text/plain"), &types(&["image/*"])));
        assert!(is_binary_type(Some("text/plain"), &types(&["*/*"])));
        assert!(!is_binary_type(Some(""), &types(&["*/*"])));
        assert!(!is_binary_type(Some("image/png"), &[]));
    }

    #[test]
    fn only_the_first_accept_range_counts() {
        let t = types(&["image/png"]);
        assert!(accepts_binary(Some("image/png, text/html"), &t));
        assert!(!accepts_binary(Some("text/html, image/png"), &t));
        assert!(accepts_binary(Some("image/png;q=0.9"), &t));
        assert!(!accepts_binary(None, &t));
    }

    #[test]
    fn request_table() {
        let bin = Bytes::from_static(&[0x89, b'P', 0, 0xff]);
        let p = convert_request(&bin, true, ConvertToText).unwrap();
        assert_eq!((&p.bytes[..], p.binary), (&b"iVAA/w=="[..], false));
        for h in [Passthrough, ConvertToBinary] {
            let p = convert_request(&bin, true, h).unwrap();
            assert_eq!((p.bytes.clone(), p.binary), (bin.clone(), true), "{h:?}");
        }
        let text = Bytes::from_static(b"aGk=");
        let p = convert_request(&text, false, ConvertToBinary).unwrap();
        assert_eq!((&p.bytes[..], p.binary), (&b"hi"[..], true));
        for h in [Passthrough, ConvertToText] {
            let p = convert_request(&text, false, h).unwrap();
            assert_eq!((p.bytes.clone(), p.binary), (text.clone(), false), "{h:?}");
        }
        assert_eq!(
            convert_request(&Bytes::from_static(b"not base64!"), false, ConvertToBinary),
            Err(NotBase64)
        );
    }

    #[test]
    fn response_table() {
        let bin = Bytes::from_static(&[0xff, 0x00]);
        let b64 = Bytes::from_static(b"/wA=");
        let p = convert_binary_response(&bin, ConvertToText, true);
        assert_eq!((p.bytes, p.binary), (b64.clone(), false));
        let p = convert_binary_response(&bin, Passthrough, false);
        assert_eq!((p.bytes, p.binary), (b64.clone(), false), "text Accept");
        let p = convert_binary_response(&bin, Passthrough, true);
        assert_eq!((p.bytes, p.binary), (bin.clone(), true), "binary Accept");
        let p = convert_binary_response(&bin, ConvertToBinary, false);
        assert_eq!((p.bytes, p.binary), (bin.clone(), true));
        assert_eq!(
            convert_text_response(b64.clone(), ConvertToBinary).unwrap(),
            bin
        );
        assert_eq!(
            convert_text_response(Bytes::from_static(b"/wA=\n"), ConvertToBinary).unwrap(),
            bin,
            "a template's trailing newline"
        );
        assert_eq!(
            convert_text_response(b64.clone(), ConvertToText).unwrap(),
            b64
        );
        assert!(convert_text_response(Bytes::from_static(b"{}"), ConvertToBinary).is_err());
        assert_eq!(ContentHandling::parse("").unwrap(), Passthrough);
        assert!(ContentHandling::parse("CONVERT_TO_JSON").is_err());
    }
}
