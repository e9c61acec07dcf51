//! `AWS_PROXY`: the v1 (payload format 1.0) event exactly as API Gateway
//! builds it, and the function's response contract (apigateway.md §4).

use crate::binary::{accepts_binary, is_binary_type};
use crate::context::{MethodOut, RequestContext};
use base64::Engine as _;
use bytes::Bytes;
use serde_json::{Value, json};

/// Pairs as a JSON object's entries: a repeated name keeps the position of
/// its first appearance and the last value (what an insertion-ordered map
/// gives), or every value with `multi`.
fn entries<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(&'a str, Vec<&'a str>)> {
    let mut out: Vec<(&str, Vec<&str>)> = Vec::new();
    // Names are looked up by index, not by scanning: a query string can
    // carry tens of thousands of names.
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (k, v) in pairs {
        match index.get(k) {
            Some(&i) => out[i].1.push(v),
            None => {
                index.insert(k, out.len());
                out.push((k, vec![v]));
            }
        }
    }
    out
}

/// A JSON object written straight into the event's buffer, keys in the
/// order they are given: the event is built on every proxy request, and a
/// tree of `serde_json::Value` maps cost several times the writing.
struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    fn open(out: &'a mut Vec<u8>) -> Obj<'a> {
        out.push(b'{');
        Obj { out, first: true }
    }

    fn key(&mut self, k: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        string(self.out, k);
        self.out.push(b':');
    }

    fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        string(self.out, v);
    }

    fn value(&mut self, k: &str, v: &Value) {
        self.key(k);
        // Writing a Value into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *self.out, v);
    }

    fn raw(&mut self, k: &str, v: &str) {
        self.key(k);
        self.out.extend_from_slice(v.as_bytes());
    }

    /// `{name: value}` (the last value of a repeated name), or with
    /// `every` `{name: [values]}`; `null` when empty (AWS sends `null`,
    /// not `{}`).
    fn map(&mut self, k: &str, e: &[(&str, Vec<&str>)], every: bool) {
        self.key(k);
        if e.is_empty() {
            self.out.extend_from_slice(b"null");
            return;
        }
        let mut o = Obj::open(self.out);
        for (n, vals) in e {
            o.key(n);
            if !every {
                string(o.out, vals.last().copied().unwrap_or_default());
                continue;
            }
            o.out.push(b'[');
            for (i, v) in vals.iter().enumerate() {
                if i > 0 {
                    o.out.push(b',');
                }
                string(o.out, v);
            }
            o.out.push(b']');
        }
        o.close();
    }

    fn close(self) {
        self.out.push(b'}');
    }
}

fn string(out: &mut Vec<u8>, s: &str) {
    // A &str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// Builds the event. `mapped_headers` / `mapped_query` are the
/// integration's `request_parameters` results, which AWS adds to the event.
pub(crate) fn build(
    ctx: &RequestContext<'_>,
    mapped_headers: &[(String, String)],
    mapped_query: &[(String, String)],
) -> Bytes {
    let Some(req) = ctx.request.as_ref() else {
        return Bytes::new();
    };
    let resource = ctx.resource();
    let resource_path = resource.map(|r| r.path.as_str()).unwrap_or_default();
    let mut headers: Vec<(&str, String)> = req
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    if req.header("x-amzn-trace-id").is_none() {
        headers.push(("X-Amzn-Trace-Id", ctx.ids.trace_id.clone()));
    }
    let xff = match req.header("x-forwarded-for") {
        Some(v) => format!("{v}, {}", req.source_ip),
        None => req.source_ip.clone(),
    };
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case("x-forwarded-for"));
    headers.push(("X-Forwarded-For", xff));
    let port = req
        .header("host")
        .and_then(|h| h.rsplit_once(':'))
        .map(|(_, p)| p.to_string());
    headers.push(("X-Forwarded-Port", port.unwrap_or_else(|| "80".into())));
    headers.push(("X-Forwarded-Proto", "http".into()));
    headers.extend(mapped_headers.iter().map(|(k, v)| (k.as_str(), v.clone())));
    let headers = entries(headers.iter().map(|(k, v)| (*k, v.as_str())));
    let query = entries(
        req.query
            .iter()
            .chain(mapped_query)
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let path_params = entries(
        ctx.route
            .iter()
            .flat_map(|r| r.path_params.iter())
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let stage_vars = entries(
        ctx.stage
            .variables
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let binary = is_binary_type(req.header("content-type"), &ctx.api().binary_media_types);
    let body = if req.body.is_empty() {
        None
    } else if binary {
        Some(base64::engine::general_purpose::STANDARD.encode(&req.body))
    } else {
        Some(String::from_utf8_lossy(&req.body).into_owned())
    };
    let is_b64 = body.is_some() && binary;

    let mut out = Vec::with_capacity(1536 + body.as_ref().map_or(0, |b| b.len() + b.len() / 8));
    let mut e = Obj::open(&mut out);
    e.str("resource", resource_path);
    e.str("path", &req.path);
    e.str("httpMethod", &req.method);
    e.map("headers", &headers, false);
    e.map("multiValueHeaders", &headers, true);
    e.map("queryStringParameters", &query, false);
    e.map("multiValueQueryStringParameters", &query, true);
    e.map("pathParameters", &path_params, false);
    e.map("stageVariables", &stage_vars, false);
    e.key("requestContext");
    {
        let mut rc = Obj::open(e.out);
        rc.str(
            "resourceId",
            resource.map(|r| r.id.as_str()).unwrap_or_default(),
        );
        rc.str("resourcePath", resource_path);
        rc.str("httpMethod", &req.method);
        rc.str("extendedRequestId", &ctx.ids.extended_id);
        rc.str("requestTime", &ctx.ids.request_time);
        // `path` keeps a `//` right after the stage (AWS-rec).
        rc.str("path", &format!("/{}{}", ctx.stage.stage, req.raw_path));
        rc.str("accountId", &ctx.scope.account);
        rc.str("protocol", &req.protocol);
        rc.str("stage", &ctx.stage.stage);
        rc.str(
            "domainPrefix",
            req.domain.split('.').next().unwrap_or_default(),
        );
        rc.raw("requestTimeEpoch", &ctx.ids.epoch_ms.to_string());
        rc.str("requestId", &ctx.ids.request_id);
        rc.key("identity");
        identity(rc.out, ctx, &req.source_ip, req.header("user-agent"));
        rc.str("domainName", &req.domain);
        rc.str("apiId", &ctx.stage.api_id);
        if let Some(a) = &ctx.authorizer {
            // A Lambda authorizer's principalId and context (or Cognito's
            // claims), as `requestContext.authorizer`.
            let mut a = a.clone();
            if !a.contains_key("claims") {
                a.insert("integrationLatency".into(), json!(0));
            }
            rc.value("authorizer", &Value::Object(a));
        }
        rc.close();
    }
    match &body {
        Some(b) => e.str("body", b),
        None => e.raw("body", "null"),
    }
    e.raw("isBase64Encoded", if is_b64 { "true" } else { "false" });
    e.close();
    Bytes::from(out)
}

/// `requestContext.identity`: AWS's members in AWS's order, then what a
/// SigV4 signature or Cognito filled in (replacing a member in its place,
/// or added after them).
fn identity(out: &mut Vec<u8>, ctx: &RequestContext<'_>, source_ip: &str, agent: Option<&str>) {
    let mut members: Vec<(&str, Value)> = [
        "cognitoIdentityPoolId",
        "accountId",
        "cognitoIdentityId",
        "caller",
        "sourceIp",
        "principalOrgId",
        "accessKey",
        "cognitoAuthenticationType",
        "cognitoAuthenticationProvider",
        "userArn",
        "userAgent",
        "user",
    ]
    .into_iter()
    .map(|k| (k, Value::Null))
    .collect();
    for (k, v) in members.iter_mut() {
        match *k {
            "sourceIp" => *v = Value::String(source_ip.to_string()),
            "userAgent" => *v = agent.map_or(Value::Null, |a| Value::String(a.to_string())),
            _ => {}
        }
    }
    for (k, v) in &ctx.identity {
        match members.iter_mut().find(|(m, _)| m == k) {
            Some((_, slot)) => *slot = v.clone(),
            None => members.push((k.as_str(), v.clone())),
        }
    }
    let mut o = Obj::open(out);
    for (k, v) in &members {
        o.value(k, v);
    }
    o.close();
}

const ALLOWED_KEYS: [&str; 5] = [
    "statusCode",
    "headers",
    "multiValueHeaders",
    "body",
    "isBase64Encoded",
];

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads the function's answer; `Err` is why it is malformed (the client
/// then gets 502).
pub(crate) fn parse_response(
    payload: &[u8],
    accept: Option<&str>,
    binary_types: &[String],
) -> Result<MethodOut, String> {
    let v: Value = serde_json::from_slice(payload)
        .map_err(|_| "the function's output is not JSON".to_string())?;
    let Value::Object(o) = v else {
        return Err("the function's output is not a JSON object".into());
    };
    if let Some(k) = o.keys().find(|k| !ALLOWED_KEYS.contains(&k.as_str())) {
        return Err(format!(
            "the key `{k}` is not one of statusCode, headers, multiValueHeaders, body, isBase64Encoded"
        ));
    }
    let status = match o.get("statusCode") {
        None | Some(Value::Null) => 200,
        Some(Value::Number(n)) => n
            .as_u64()
            .filter(|s| (100..=599).contains(s))
            .ok_or("statusCode is out of range")? as u16,
        Some(Value::String(s)) => s
            .parse::<u16>()
            .ok()
            .filter(|s| (100..=599).contains(s))
            .ok_or("statusCode is not a number")?,
        Some(_) => return Err("statusCode is not a number".into()),
    };
    // multiValueHeaders first (their casing wins), then headers appended.
    let mut headers: Vec<(String, Vec<String>)> = Vec::new();
    let mut add =
        |k: &str, v: String| match headers.iter_mut().find(|(h, _)| h.eq_ignore_ascii_case(k)) {
            Some((_, vals)) => vals.push(v),
            None => headers.push((k.to_string(), vec![v])),
        };
    match o.get("multiValueHeaders") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, vals) in m {
                let Value::Array(a) = vals else {
                    return Err(format!("multiValueHeaders.{k} is not a list"));
                };
                for x in a {
                    add(
                        k,
                        scalar(x)
                            .ok_or_else(|| format!("multiValueHeaders.{k} holds a non-scalar"))?,
                    );
                }
            }
        }
        Some(_) => return Err("multiValueHeaders is not an object".into()),
    }
    match o.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, x) in m {
                add(
                    k,
                    scalar(x).ok_or_else(|| format!("headers.{k} is not a string"))?,
                );
            }
        }
        Some(_) => return Err("headers is not an object".into()),
    }
    let is_b64 = match o.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("isBase64Encoded is not a boolean".into()),
    };
    let body = match o.get("body") {
        None | Some(Value::Null) => Bytes::new(),
        // Decoded only when the client's first Accept range is binary;
        // otherwise the client gets the base64 text, as AWS answers.
        Some(Value::String(s)) if is_b64 && accepts_binary(accept, binary_types) => {
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .map(Bytes::from)
                .map_err(|_| "body is not valid base64".to_string())?
        }
        Some(Value::String(s)) => Bytes::from(s.clone()),
        Some(_) => return Err("body is not a string".into()),
    };
    let mut out = Vec::new();
    for (k, vals) in headers {
        // Cookies cannot be comma-joined; every other header is (AWS-rec).
        if k.eq_ignore_ascii_case("set-cookie") {
            out.extend(vals.into_iter().map(|v| (k.clone(), v)));
        } else {
            out.push((k, vals.join(", ")));
        }
    }
    Ok(MethodOut {
        status,
        headers: out,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(p: &str) -> MethodOut {
        parse_response(p.as_bytes(), None, &[]).unwrap()
    }

    #[test]
    fn response_contract() {
        let r = ok(r#"{"statusCode":200}"#);
        assert_eq!((r.status, r.body.len(), r.headers.len()), (200, 0, 0));
        let r = ok(r#"{"statusCode":200,"headers":{"test-header":"value","header-bool":true}}"#);
        assert_eq!(
            r.headers,
            vec![
                ("test-header".into(), "value".into()),
                ("header-bool".into(), "true".into())
            ]
        );
        assert_eq!(ok(r#"{"statusCode":"201"}"#).status, 201);
        assert_eq!(ok(r#"{"headers":null}"#).status, 200);
        let r = ok(
            r#"{"statusCode":200,"multiValueHeaders":{"tesT-Multi":["value-multi"]},"headers":{"test-multi":"value-solo"}}"#,
        );
        assert_eq!(
            r.headers,
            vec![("tesT-Multi".into(), "value-multi, value-solo".into())]
        );
        let r = ok(r#"{"statusCode":200,"body":"dGVzdC1kYXRh","isBase64Encoded":true}"#);
        assert_eq!(
            &r.body[..],
            b"dGVzdC1kYXRh",
            "not decoded without a binary media type"
        );
        let r = parse_response(
            br#"{"body":"dGVzdC1kYXRh","isBase64Encoded":true}"#,
            Some("image/png"),
            &["image/*".into()],
        )
        .unwrap();
        assert_eq!(&r.body[..], b"test-data");
        let r = parse_response(
            br#"{"body":"dGVzdC1kYXRh","isBase64Encoded":true}"#,
            Some("text/html, image/png"),
            &["image/*".into()],
        )
        .unwrap();
        assert_eq!(&r.body[..], b"dGVzdC1kYXRh", "only the first Accept counts");
    }

    #[test]
    fn malformed_responses() {
        for bad in [
            r#"{"statusCode":200,"wrongValue":1}"#,
            r#"{"multiValueHeaders":{"a":"b"}}"#,
            r#"{"statusCode":"test"}"#,
            r#""just a string""#,
            "not json",
            r#"{"errorMessage":"boom","errorType":"Error"}"#,
        ] {
            assert!(parse_response(bad.as_bytes(), None, &[]).is_err(), "{bad}");
        }
    }
}
