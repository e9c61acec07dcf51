//! Golden tests: the proxy event (request in, event JSON bytes out) and the
//! gateway responses (status, headers, exact body bytes). Run with
//! `UPDATE_GOLDEN=1` to rewrite the expected files after reviewing a change.

mod common;

use bytes::Bytes;
use common::*;
use portico_gateway::*;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

fn golden(name: &str, actual: &str) {
    let path = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(actual, expected, "golden file {name} differs");
}

const FN_URI: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:echo/invocations";

fn proxy_api() -> Value {
    json!({
        "rest_api": {"id": "p9x8y7z6w5", "root_resource_id": "root01", "binary_media_types": ["image/png"]},
        "resources": [
            {"id":"root01","parent_id":"","path_part":"","path":"/"},
            {"id":"prox01","parent_id":"root01","path_part":"{proxy+}","path":"/{proxy+}"},
            {"id":"test01","parent_id":"root01","path_part":"test","path":"/test"},
        ],
        "methods": [
            {"resource_id":"prox01","http_method":"ANY","authorization":"NONE"},
            {"resource_id":"test01","http_method":"GET","authorization":"NONE"},
        ],
        "integrations": [
            {"resource_id":"prox01","http_method":"ANY","type":"AWS_PROXY","integration_http_method":"POST","uri":FN_URI},
            {"resource_id":"test01","http_method":"GET","type":"AWS_PROXY","integration_http_method":"GET","uri":FN_URI},
        ],
    })
}

/// Replaces what changes on every request with fixed markers.
fn sanitize(mut event: Value) -> Value {
    let rc = &mut event["requestContext"];
    for (k, marker) in [
        ("requestId", "<request-id>"),
        ("extendedRequestId", "<extended-request-id>"),
        ("requestTime", "<request-time>"),
        ("requestTimeEpoch", "<request-time-epoch>"),
    ] {
        assert!(!rc[k].is_null(), "{k} present");
        rc[k] = json!(marker);
    }
    for h in ["headers", "multiValueHeaders"] {
        if let Some(v) = event[h].get_mut("X-Amzn-Trace-Id") {
            *v = if v.is_array() {
                json!(["<trace-id>"])
            } else {
                json!("<trace-id>")
            };
        }
    }
    event
}

async fn capture_event(
    lambda: &Arc<FakeLambda>,
    stage: &StageView,
    req: http::Request<Bytes>,
    path: &str,
) -> (http::Response<Bytes>, String) {
    let gw = gateway(lambda.clone(), Arc::new(Collect::default()));
    let r = gw.handle(stage, req, path, ip()).await;
    let payload = lambda.payloads.lock().unwrap().pop().unwrap();
    let event: Value = serde_json::from_slice(&payload).unwrap();
    (
        r,
        serde_json::to_string_pretty(&sanitize(event)).unwrap() + "\n",
    )
}

fn echo_ok() -> Script {
    Box::new(|_, _| {
        Ok(LambdaResult {
            payload: Bytes::from_static(br#"{"statusCode":200,"body":"ok"}"#),
            function_error: false,
        })
    })
}

#[tokio::test]
async fn proxy_event_multi_value_query_and_headers() {
    let lambda = Arc::new(FakeLambda::new(
        &["arn:aws:execute-api:us-east-1:000000000000:p9x8y7z6w5/*/*"],
        echo_ok(),
    ));
    let stage = stage(&proxy_api(), &[]);
    let req = http::Request::post("/test-path?category=electronics&category=books&price=10&price=20&price=30&email=test%2Balias@gmail.com&plus=a+b")
        .header("host", "p9x8y7z6w5.execute-api.localhost:4566")
        .header("user-agent", "python-requests/testing")
        .header("accept", "*/*")
        .header("content-type", "application/json;charset=utf-8")
        .header("authorization", "Bearer token123;API key456")
        .header("x-multi", "one")
        .header("x-multi", "two")
        .header("content-length", "26")
        .body(Bytes::from_static(br#"{"message": "hello world"}"#))
        .unwrap();
    let (r, event) = capture_event(&lambda, &stage, req, "/test-path").await;
    assert_eq!((r.status().as_u16(), &r.body()[..]), (200, &b"ok"[..]));
    golden("proxy_event_multi.json", &event);
}

#[tokio::test]
async fn proxy_event_slashes_encoding_and_empty_maps() {
    let lambda = Arc::new(FakeLambda::new(
        &["arn:aws:execute-api:us-east-1:000000000000:p9x8y7z6w5/*/*"],
        echo_ok(),
    ));
    let stage = stage(&proxy_api(), &[("alias", "live")]);
    let req = http::Request::get("/")
        .header("host", "127.0.0.1:4566")
        .body(Bytes::new())
        .unwrap();
    let (_, event) = capture_event(
        &lambda,
        &stage,
        req,
        "//user/test%2Balias@gmail.com/plus/test+alias@gmail.com/",
    )
    .await;
    golden("proxy_event_slashes.json", &event);
}

/// One line per case: what the client gets, byte for byte.
fn describe(name: &str, r: &http::Response<Bytes>) -> String {
    let mut names: Vec<&str> = r
        .headers()
        .keys()
        .map(|k| k.as_str())
        .filter(|k| !matches!(*k, "x-amzn-requestid" | "x-amz-apigw-id"))
        .collect();
    names.sort();
    let headers: Vec<String> = names
        .iter()
        .map(|n| format!("{n}: {}", header(r, n)))
        .collect();
    format!(
        "## {name}\n{}\n{}\n{}\n\n",
        r.status().as_u16(),
        headers.join("\n"),
        String::from_utf8_lossy(r.body())
    )
}

#[tokio::test]
async fn gateway_responses() {
    let mut out = String::new();
    let allowed = ["arn:aws:execute-api:us-east-1:000000000000:p9x8y7z6w5/*/*"];
    let stage = stage(&proxy_api(), &[]);

    let gw = gateway(
        Arc::new(FakeLambda::new(&allowed, echo_ok())),
        Arc::new(Collect::default()),
    );
    let r = gw
        .handle(
            &stage,
            http::Request::get("/").body(Bytes::new()).unwrap(),
            "/",
            ip(),
        )
        .await;
    out += &describe("no resource for GET / (greedy never matches the root)", &r);
    let r = gw
        .handle(
            &stage,
            http::Request::get("/").body(Bytes::new()).unwrap(),
            "/test",
            ip(),
        )
        .await;
    out += &describe("AWS_PROXY with integration_http_method GET", &r);
    let big = Bytes::from(vec![b'x'; MAX_PAYLOAD_BYTES + 1]);
    let r = gw
        .handle(
            &stage,
            http::Request::post("/").body(big).unwrap(),
            "/a",
            ip(),
        )
        .await;
    out += &describe("body over 10 MB", &r);

    let malformed: Script = Box::new(|_, _| {
        Ok(LambdaResult {
            payload: Bytes::from_static(br#"{"statusCode":200,"wrongValue":1}"#),
            function_error: false,
        })
    });
    let gw = gateway(
        Arc::new(FakeLambda::new(&allowed, malformed)),
        Arc::new(Collect::default()),
    );
    let r = gw
        .handle(
            &stage,
            http::Request::get("/").body(Bytes::new()).unwrap(),
            "/a",
            ip(),
        )
        .await;
    out += &describe("malformed Lambda proxy response", &r);

    let mut slow = FakeLambda::new(&allowed, echo_ok());
    slow.delay = Duration::from_millis(300);
    let mut api = proxy_api();
    api["integrations"][0]["timeout_milliseconds"] = json!(50);
    let timed = common::stage(&api, &[]);
    let gw = gateway(Arc::new(slow), Arc::new(Collect::default()));
    let r = gw
        .handle(
            &timed,
            http::Request::get("/").body(Bytes::new()).unwrap(),
            "/a",
            ip(),
        )
        .await;
    out += &describe("integration timeout", &r);

    let mut api = proxy_api();
    api["gateway_responses"] = json!([
        {"response_type":"DEFAULT_4XX","status_code":"","response_templates":{"application/json":"{\"error\":$context.error.messageString,\"type\":\"$context.error.responseType\"}"},
         "response_parameters":{"gatewayresponse.header.Access-Control-Allow-Origin":"'*'"}},
        {"response_type":"DEFAULT_5XX","status_code":"503","response_templates":{},"response_parameters":{}}
    ]);
    let custom = common::stage(&api, &[]);
    let gw = gateway(
        Arc::new(FakeLambda::new(&[], echo_ok())),
        Arc::new(Collect::default()),
    );
    let r = gw
        .handle(
            &custom,
            http::Request::get("/").body(Bytes::new()).unwrap(),
            "/",
            ip(),
        )
        .await;
    out += &describe("DEFAULT_4XX customised (template and header)", &r);
    let r = gw
        .handle(
            &custom,
            http::Request::get("/").body(Bytes::new()).unwrap(),
            "/a",
            ip(),
        )
        .await;
    out += &describe("DEFAULT_5XX customised status, no permission", &r);
    golden("gateway_responses.txt", &out);
}

#[tokio::test]
async fn mock_integration_with_templates_and_overrides() {
    let api = json!({
        "rest_api": {"id": "m0ck000001"},
        "resources": [{"id":"root01","parent_id":"","path_part":"","path":"/"},{"id":"it","parent_id":"root01","path_part":"{id}","path":"/{id}"}],
        "methods": [{"resource_id":"it","http_method":"OPTIONS","authorization":"NONE"}],
        "integrations": [{"resource_id":"it","http_method":"OPTIONS","type":"MOCK",
            "request_templates":{"application/json":"#set($context.responseOverride.header.X-Id = $input.params('id'))\n{\"statusCode\": $input.params('code')}"}}],
        "integration_responses": [
            {"resource_id":"it","http_method":"OPTIONS","status_code":"200","selection_pattern":"",
             "response_parameters":{"method.response.header.Access-Control-Allow-Origin":"'*'"},
             "response_templates":{"application/json":"{\"id\": \"$input.params().path.id\"}"}},
            {"resource_id":"it","http_method":"OPTIONS","status_code":"404","selection_pattern":"4\\d{2}"}
        ]
    });
    let stage = stage(&api, &[]);
    let gw = gateway(
        Arc::new(FakeLambda::new(&[], echo_ok())),
        Arc::new(Collect::default()),
    );
    let r = gw
        .handle(
            &stage,
            http::Request::options("/a%2Fb?code=200")
                .body(Bytes::new())
                .unwrap(),
            "/a%2Fb",
            ip(),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(&r.body()[..], br#"{"id": "a%2Fb"}"#);
    assert_eq!(header(&r, "access-control-allow-origin"), "*");
    assert_eq!(
        header(&r, "x-id"),
        "a%2Fb",
        "responseOverride from the request template"
    );
    assert!(
        r.headers().get("x-amzn-trace-id").is_none(),
        "MOCK answers carry no trace id"
    );
    let r = gw
        .handle(
            &stage,
            http::Request::options("/x?code=404")
                .body(Bytes::new())
                .unwrap(),
            "/x",
            ip(),
        )
        .await;
    assert_eq!(
        (r.status().as_u16(), r.body().len()),
        (404, 0),
        "no template: empty body"
    );
    let r = gw
        .handle(
            &stage,
            http::Request::options("/x?code=abc")
                .body(Bytes::new())
                .unwrap(),
            "/x",
            ip(),
        )
        .await;
    assert_eq!(r.status(), 500);
}
