//! `AWS_PROXY`: the v1 (payload format 1.0) event exactly as API Gateway
//! builds it, and the function's response contract (apigateway.md §4).

use crate::binary::{accepts_binary, is_binary_type};
use crate::context::{MethodOut, RequestContext};
use base64::Engine as _;
use bytes::Bytes;
use serde_json::{Map, Value, json};

fn null_if_empty(m: Map<String, Value>) -> Value {
    if m.is_empty() {
        Value::Null
    } else {
        Value::Object(m)
    }
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
    let mut headers: Vec<(String, String)> = req.headers.clone();
    if req.header("x-amzn-trace-id").is_none() {
        headers.push(("X-Amzn-Trace-Id".into(), ctx.ids.trace_id.clone()));
    }
    let xff = match req.header("x-forwarded-for") {
        Some(v) => format!("{v}, {}", req.source_ip),
        None => req.source_ip.clone(),
    };
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case("x-forwarded-for"));
    headers.push(("X-Forwarded-For".into(), xff));
    let port = req
        .header("host")
        .and_then(|h| h.rsplit_once(':'))
        .map(|(_, p)| p.to_string());
    headers.push((
        "X-Forwarded-Port".into(),
        port.unwrap_or_else(|| "80".into()),
    ));
    headers.push(("X-Forwarded-Proto".into(), "http".into()));
    headers.extend(mapped_headers.iter().cloned());

    let mut single = Map::new();
    let mut multi = Map::new();
    for (k, v) in &headers {
        single.insert(k.clone(), Value::String(v.clone()));
        match multi.get_mut(k) {
            Some(Value::Array(a)) => a.push(Value::String(v.clone())),
            _ => {
                multi.insert(k.clone(), json!([v]));
            }
        }
    }
    let mut q = Map::new();
    let mut mq = Map::new();
    for (k, v) in req.query.iter().chain(mapped_query) {
        q.insert(k.clone(), Value::String(v.clone()));
        match mq.get_mut(k) {
            Some(Value::Array(a)) => a.push(Value::String(v.clone())),
            _ => {
                mq.insert(k.clone(), json!([v]));
            }
        }
    }
    let path_params: Map<String, Value> = ctx
        .route
        .as_ref()
        .map(|r| {
            r.path_params
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect()
        })
        .unwrap_or_default();
    let stage_vars: Map<String, Value> = ctx
        .stage
        .variables
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let binary = is_binary_type(req.header("content-type"), &ctx.api().binary_media_types);
    let (body, is_b64) = if req.body.is_empty() {
        (Value::Null, false)
    } else if binary {
        (
            Value::String(base64::engine::general_purpose::STANDARD.encode(&req.body)),
            true,
        )
    } else {
        (
            Value::String(String::from_utf8_lossy(&req.body).into_owned()),
            false,
        )
    };
    let user_agent = req
        .header("user-agent")
        .map(|s| Value::String(s.to_string()))
        .unwrap_or(Value::Null);
    let event = json!({
        "resource": resource_path,
        "path": req.path,
        "httpMethod": req.method,
        "headers": null_if_empty(single),
        "multiValueHeaders": null_if_empty(multi),
        "queryStringParameters": null_if_empty(q),
        "multiValueQueryStringParameters": null_if_empty(mq),
        "pathParameters": null_if_empty(path_params),
        "stageVariables": null_if_empty(stage_vars),
        "requestContext": {
            "resourceId": resource.map(|r| r.id.as_str()).unwrap_or_default(),
            "resourcePath": resource_path,
            "httpMethod": req.method,
            "extendedRequestId": ctx.ids.extended_id,
            "requestTime": ctx.ids.request_time,
            // `path` keeps a `//` right after the stage (AWS-rec).
            "path": format!("/{}{}", ctx.stage.stage, req.raw_path),
            "accountId": ctx.scope.account,
            "protocol": req.protocol,
            "stage": ctx.stage.stage,
            "domainPrefix": req.domain.split('.').next().unwrap_or_default(),
            "requestTimeEpoch": ctx.ids.epoch_ms,
            "requestId": ctx.ids.request_id,
            "identity": {
                "cognitoIdentityPoolId": null, "accountId": null, "cognitoIdentityId": null, "caller": null,
                "sourceIp": req.source_ip, "principalOrgId": null, "accessKey": null,
                "cognitoAuthenticationType": null, "cognitoAuthenticationProvider": null, "userArn": null,
                "userAgent": user_agent, "user": null
            },
            "domainName": req.domain,
            "apiId": ctx.stage.api_id,
        },
        "body": body,
        "isBase64Encoded": is_b64,
    });
    let mut event = event;
    if let Some(rc) = event
        .get_mut("requestContext")
        .and_then(Value::as_object_mut)
    {
        if let Some(a) = &ctx.authorizer {
            // A Lambda authorizer's principalId and context (or Cognito's
            // claims), as `requestContext.authorizer`.
            let mut a = a.clone();
            if !a.contains_key("claims") {
                a.insert("integrationLatency".into(), json!(0));
            }
            rc.insert("authorizer".into(), Value::Object(a));
        }
        if let Some(Value::Object(id)) = rc.get_mut("identity") {
            id.extend(ctx.identity.clone());
        }
    }
    Bytes::from(event.to_string())
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
