//! Parse: the raw HTTP request becomes a [`ParsedRequest`]: method, the
//! path after the stage, decoded query parameters, headers without the
//! hop-by-hop ones API Gateway drops, and the 10 MB payload limit.

use crate::context::{GatewayError, ParsedRequest, RequestContext};
use crate::responses::GatewayResponseType;

/// API Gateway's payload limit (10 MB).
pub const MAX_PAYLOAD_BYTES: usize = 10_485_760;

/// Request headers API Gateway drops before anything sees them (§2.5).
const DROPPED: [&str; 12] = [
    "connection",
    "content-length",
    "content-md5",
    "expect",
    "max-forwards",
    "proxy-authenticate",
    "server",
    "te",
    "transfer-encoding",
    "trailer",
    "upgrade",
    "www-authenticate",
];

pub(crate) fn run(ctx: &mut RequestContext<'_>) -> Result<(), GatewayError> {
    let Some(raw) = ctx.raw.take() else {
        return Err(GatewayError::new(GatewayResponseType::Default5xx));
    };
    let (parts, body) = raw.into_parts();
    if body.len() > MAX_PAYLOAD_BYTES {
        ctx.log.explain(format!(
            "the request body is {} bytes; API Gateway's payload limit is {MAX_PAYLOAD_BYTES} bytes (10 MB)",
            body.len()
        ));
        return Err(GatewayError::new(GatewayResponseType::RequestTooLarge));
    }
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter(|(n, _)| !DROPPED.contains(&n.as_str()))
        .map(|(n, v)| {
            (
                title_case(n.as_str()),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let host = parts
        .headers
        .get(http::header::HOST)
        .map(|h| String::from_utf8_lossy(h.as_bytes()).into_owned());
    let domain = host
        .as_deref()
        .map(strip_port)
        .unwrap_or_default()
        .to_string();
    let collapsed = ctx.path_after_stage.trim_start_matches('/');
    ctx.request = Some(ParsedRequest {
        method: parts.method.as_str().to_string(),
        path: format!("/{collapsed}"),
        raw_path: ctx.path_after_stage.clone(),
        query: parts.uri.query().map(decode_query).unwrap_or_default(),
        headers,
        body,
        source_ip: ctx.client_ip.to_string(),
        protocol: format!("{:?}", parts.version),
        domain,
        uri_path: parts.uri.path().to_string(),
        raw_query: parts.uri.query().unwrap_or_default().to_string(),
    });
    Ok(())
}

/// hyper hands us lower-case names; API Gateway shows what the client sent,
/// which for ordinary clients is Title-Case (`Content-Type`). The event's
/// `Authorization` and `User-Agent` are Title-Cased on AWS whatever the
/// client sent.
pub(crate) fn title_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        if upper {
            out.extend(c.to_uppercase())
        } else {
            out.push(c)
        }
        upper = c == '-';
    }
    out
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host
            .split_once(']')
            .map(|(h, _)| &host[..h.len() + 1])
            .unwrap_or(host);
    }
    host.rsplit_once(':')
        .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
        .map(|(h, _)| h)
        .unwrap_or(host)
}

/// Query strings are decoded (`+` is a space, `%2B` a plus); a `#` ends
/// the query; every value is kept, in order.
pub(crate) fn decode_query(q: &str) -> Vec<(String, String)> {
    let q = q.split('#').next().unwrap_or_default();
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_component(k), decode_component(v))
        })
        .collect()
}

fn decode_component(s: &str) -> String {
    let plus = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{stage_for, with_ctx};
    use bytes::Bytes;

    #[test]
    fn decodes_queries_like_aws() {
        let q = decode_query(
            "email=test%2Balias@gmail.com&plus=test+alias@gmail.com&a=1&a=2&zhash=abort/#frag=x&b",
        );
        assert_eq!(
            q,
            vec![
                ("email".into(), "test+alias@gmail.com".into()),
                ("plus".into(), "test alias@gmail.com".into()),
                ("a".into(), "1".into()),
                ("a".into(), "2".into()),
                ("zhash".into(), "abort/".into()),
            ]
        );
        assert_eq!(
            decode_query("bad=%ff%fe"),
            vec![("bad".into(), "\u{fffd}\u{fffd}".into())]
        );
    }

    #[test]
    fn parses_and_drops_hop_headers() {
        let stage = stage_for(serde_json::json!({}));
        let req = http::Request::post("/x?y=1")
            .header("content-type", "application/json")
            .header("connection", "keep-alive")
            .header("host", "abc.execute-api.localhost:4566")
            .header("x-weird", &b"\xff"[..])
            .body(Bytes::from_static(b"{}"))
            .unwrap();
        with_ctx(&stage, req, "//x/", |ctx| {
            run(ctx).unwrap();
            let r = ctx.request.as_ref().unwrap();
            assert_eq!(
                (r.method.as_str(), r.path.as_str(), r.raw_path.as_str()),
                ("POST", "/x/", "//x/")
            );
            assert_eq!(r.domain, "abc.execute-api.localhost");
            assert!(r.headers.iter().all(|(k, _)| k != "Connection"));
            assert!(
                r.headers
                    .contains(&("Content-Type".into(), "application/json".into()))
            );
            assert!(r.headers.contains(&("X-Weird".into(), "\u{fffd}".into())));
        });
    }

    #[test]
    fn too_large_is_413() {
        let stage = stage_for(serde_json::json!({}));
        let req = http::Request::post("/x")
            .body(Bytes::from(vec![b'a'; MAX_PAYLOAD_BYTES + 1]))
            .unwrap();
        with_ctx(&stage, req, "/x", |ctx| {
            assert_eq!(
                run(ctx).unwrap_err().kind,
                GatewayResponseType::RequestTooLarge
            );
        });
        assert_eq!(title_case("x-amzn-trace-id"), "X-Amzn-Trace-Id");
        assert_eq!(strip_port("[::1]:80"), "[::1]");
    }
}
