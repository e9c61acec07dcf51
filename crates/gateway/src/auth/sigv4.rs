//! `AWS_IAM` methods: the request's SigV4 `Authorization` header verified
//! against the credentials Portico is configured with. The canonical
//! request is built from what the client sent (the whole path it signed,
//! its query, the signed headers, the body's SHA-256 or
//! `X-Amz-Content-Sha256`), so any SDK signing for service `execute-api`
//! verifies. HMAC-SHA256 is written out here (RFC 2104) over `sha2`.

use crate::context::ParsedRequest;
use sha2::{Digest, Sha256};

/// The 5-minute clock skew AWS allows.
const SKEW_SECS: i64 = 300;

/// A verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    pub access_key: String,
}

/// Why a signature is refused: the AWS message, and Portico's explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub message: String,
    pub explain: String,
}

fn refuse(message: &str, explain: String) -> Refusal {
    Refusal {
        message: message.to_string(),
        explain,
    }
}

pub(crate) fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |b: u8| k.iter().map(|x| x ^ b).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(data)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// RFC 3986 encoding of everything but unreserved characters.
fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn canonical_query(raw: &str) -> String {
    let mut pairs: Vec<(String, String)> = raw
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (uri_encode(&decode(k), false), uri_encode(&decode(v), false))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

struct AuthHeader<'a> {
    access_key: &'a str,
    scope: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_header(h: &str) -> Option<AuthHeader<'_>> {
    let rest = h.strip_prefix("AWS4-HMAC-SHA256")?.trim();
    let (mut cred, mut signed, mut sig) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => cred = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => sig = Some(v),
            _ => {}
        }
    }
    let (access_key, scope) = cred?.split_once('/')?;
    Some(AuthHeader {
        access_key,
        scope,
        signed_headers: signed?.split(';').collect(),
        signature: sig?,
    })
}

/// Verifies the request; `credentials` are (access key id, secret) pairs.
pub(crate) fn verify(
    req: &ParsedRequest,
    credentials: &[(String, String)],
    now: time::OffsetDateTime,
) -> Result<Caller, Refusal> {
    let header = req.header("authorization").unwrap_or_default();
    let Some(a) = parse_header(header) else {
        return Err(refuse(
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter.",
            "the Authorization header is not AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…".into(),
        ));
    };
    let Some((_, secret)) = credentials.iter().find(|(k, _)| k == a.access_key) else {
        return Err(refuse(
            "The security token included in the request is invalid.",
            format!(
                "access key `{}` is not one Portico knows (PORTICO_ACCESS_KEY_ID / PORTICO_SECRET_ACCESS_KEY, default test/test)",
                a.access_key
            ),
        ));
    };
    let Some(amz_date) = req.header("x-amz-date") else {
        return Err(refuse(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
            "the signed request has no X-Amz-Date header".into(),
        ));
    };
    let fmt = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    if let Ok(t) = time::PrimitiveDateTime::parse(amz_date, &fmt).map(|t| t.assume_utc()) {
        let skew = (now - t).whole_seconds();
        if skew > SKEW_SECS {
            let f = |t: time::OffsetDateTime| t.format(&fmt).unwrap_or_default();
            return Err(refuse(
                &format!(
                    "Signature expired: {amz_date} is now earlier than {} ({} - 5 min.)",
                    f(now - time::Duration::seconds(SKEW_SECS)),
                    f(now)
                ),
                "the request was signed more than 5 minutes ago".into(),
            ));
        }
    }
    let mut canonical_headers = String::new();
    for name in &a.signed_headers {
        let values: Vec<String> = req
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    let payload_hash = req
        .header("x-amz-content-sha256")
        .map(str::to_string)
        .unwrap_or_else(|| hex(&Sha256::digest(&req.body)));
    // Non-S3 services sign the path URI-encoded once more.
    let path = uri_encode(&req.uri_path, true);
    let canonical = format!(
        "{}\n{path}\n{}\n{canonical_headers}\n{}\n{payload_hash}",
        req.method,
        canonical_query(&req.raw_query),
        a.signed_headers.join(";"),
    );
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{}\n{}",
        a.scope,
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in a.scope.split('/') {
        key = hmac(&key, part.as_bytes()).to_vec();
    }
    let expected = hex(&hmac(&key, to_sign.as_bytes()));
    if expected != a.signature {
        return Err(refuse(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
            format!(
                "the canonical request Portico computed was:\n{canonical}\nand the string to sign:\n{to_sign}"
            ),
        ));
    }
    Ok(Caller {
        access_key: a.access_key.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        assert_eq!(
            hex(&hmac(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    /// AWS's documented example signing key (sigv4 "derive signing key").
    #[test]
    fn signing_key_example() {
        let mut key = b"AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_vec();
        for p in ["20120215", "us-east-1", "iam", "aws4_request"] {
            key = hmac(&key, p.as_bytes()).to_vec();
        }
        assert_eq!(
            hex(&key),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    fn signed(secret: &str) -> ParsedRequest {
        let mut req = ParsedRequest {
            method: "GET".into(),
            uri_path: "/_aws/execute-api/abc/test/pets".into(),
            raw_query: "b=2&a=1".into(),
            headers: vec![
                ("Host".into(), "127.0.0.1:4566".into()),
                ("X-Amz-Date".into(), "20240101T000000Z".into()),
            ],
            ..Default::default()
        };
        let scope = "20240101/us-east-1/execute-api/aws4_request";
        let canonical = format!(
            "GET\n/_aws/execute-api/abc/test/pets\na=1&b=2\nhost:127.0.0.1:4566\nx-amz-date:20240101T000000Z\n\nhost;x-amz-date\n{}",
            hex(&Sha256::digest(b""))
        );
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n20240101T000000Z\n{scope}\n{}",
            hex(&Sha256::digest(canonical.as_bytes()))
        );
        let mut key = format!("AWS4{secret}").into_bytes();
        for p in scope.split('/') {
            key = hmac(&key, p.as_bytes()).to_vec();
        }
        let sig = hex(&hmac(&key, to_sign.as_bytes()));
        req.headers.push((
            "Authorization".into(),
            format!("AWS4-HMAC-SHA256 Credential=test/{scope}, SignedHeaders=host;x-amz-date, Signature={sig}"),
        ));
        req
    }

    #[test]
    fn verifies_and_refuses() {
        let creds = vec![("test".to_string(), "test".to_string())];
        let now = time::macros::datetime!(2024-01-01 0:01 UTC);
        assert!(verify(&signed("test"), &creds, now).is_ok());
        let e = verify(&signed("other"), &creds, now).unwrap_err();
        assert!(e.message.starts_with("The request signature we calculated"));
        let e = verify(&signed("test"), &[("AK".into(), "x".into())], now).unwrap_err();
        assert_eq!(
            e.message,
            "The security token included in the request is invalid."
        );
        let late = time::macros::datetime!(2024-01-01 0:10 UTC);
        let e = verify(&signed("test"), &creds, late).unwrap_err();
        assert_eq!(
            e.message,
            "Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z (20240101T001000Z - 5 min.)"
        );
    }
}
