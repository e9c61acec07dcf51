//! The seed walkthrough's steps 9-13 (shared/acceptance/seed-walkthrough)
//! over the snapshots the Terraform engine produces for steps 2 and 3, with
//! a fake Lambda answering as the github-status function does.

mod common;

use bytes::Bytes;
use common::*;
use portico_gateway::*;
use serde_json::Value;
use std::sync::Arc;

const SITE_BODY: &str = "{\"status\":\"good\",\"body\":\"Everything operating normally.\"}\n";
const STEP2_ARN: &str = "arn:aws:execute-api:us-east-1:000000000000:k3ch8vbs2a/test/POST/check";
const STEP3_ARN: &str = "arn:aws:execute-api:us-east-1:000000000000:k3ch8vbs2a/*/POST/check";

/// github-status: `callback(null, body)` on success; on error
/// `callback(JSON.stringify(failure))`, which the Node runtime reports as
/// `{"errorType":"string","errorMessage":"<the JSON>","trace":[]}`.
fn github_status() -> Script {
    Box::new(|target, payload| {
        assert_eq!(target.name, "github-status_github-status");
        let event: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
        let fail = |message: &str| {
            let failure = serde_json::json!({
                "message": message,
                "stackTrace": format!("Error: {message}\n    at fetch (/var/task/index.js:13:17)"),
                "event": event,
                "requestId": "5a8f3c1e-9b7d-4e2a-8c6f-1d2e3f4a5b6c",
            });
            let payload = serde_json::json!({"errorType": "string", "errorMessage": failure.to_string(), "trace": []});
            Ok(LambdaResult {
                payload: Bytes::from(payload.to_string()),
                function_error: true,
            })
        };
        match event.get("url").and_then(Value::as_str) {
            None | Some("") => fail("[BadRequest] URL required"),
            Some("http://127.0.0.1:1/") => {
                fail("[InternalServerError] connect ECONNREFUSED 127.0.0.1:1")
            }
            Some(_) => Ok(LambdaResult {
                payload: Bytes::from(Value::String(SITE_BODY.into()).to_string()),
                function_error: false,
            }),
        }
    })
}

async fn post(gw: &Gateway, stage: &StageView, path: &str, body: &str) -> http::Response<Bytes> {
    let req = http::Request::post(path)
        .header("host", "127.0.0.1:4566")
        .header("content-type", "application/x-www-form-urlencoded") // curl -d
        .body(Bytes::from(body.to_string()))
        .unwrap();
    gw.handle(stage, req, path, ip()).await
}

#[tokio::test]
async fn step_9_no_integration_response_is_500_and_the_log_says_why() {
    let logs = Arc::new(Collect::default());
    let gw = gateway(
        Arc::new(FakeLambda::new(&[STEP2_ARN], github_status())),
        logs.clone(),
    );
    let stage = stage(&load("walkthrough-step2.snapshot.json"), &[]);
    let r = post(
        &gw,
        &stage,
        "/check",
        r#"{"url":"http://127.0.0.1:8000/status.json"}"#,
    )
    .await;
    assert_eq!(r.status(), 500);
    assert_eq!(&r.body()[..], br#"{"message": "Internal server error"}"#);
    assert_eq!(
        header(&r, "x-amzn-ErrorType"),
        "InternalServerErrorException"
    );
    assert_eq!(header(&r, "content-type"), "application/json");
    assert_eq!(header(&r, "x-amzn-RequestId").len(), 36);
    assert!(
        r.headers().get("x-amzn-trace-id").is_none(),
        "no trace id on gateway responses"
    );
    let log = logs.text();
    assert!(
        log.contains("No match for output mapping and no default output mapping configured"),
        "{log}"
    );
    assert!(
        log.contains("integration response") && log.contains("output mapping"),
        "{log}"
    );
    assert!(
        log.contains("infrastructure/github-status.tf:21"),
        "names the integration's declaration: {log}"
    );
    assert!(
        log.contains("\"POST /test/check HTTP/1.1\" 500 36"),
        "access line: {log}"
    );
}

#[tokio::test]
async fn steps_10_to_13_error_mapping() {
    let logs = Arc::new(Collect::default());
    let gw = gateway(
        Arc::new(FakeLambda::new(&[STEP3_ARN], github_status())),
        logs.clone(),
    );
    let stage = stage(&load("walkthrough-step3.snapshot.json"), &[]);

    // 10: success goes out as 200 with the function's result (no template:
    // the payload, a JSON string, passes through).
    let r = post(
        &gw,
        &stage,
        "/check",
        r#"{"url":"http://127.0.0.1:8000/status.json"}"#,
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        &r.body()[..],
        Value::String(SITE_BODY.into()).to_string().as_bytes()
    );
    assert_eq!(header(&r, "content-type"), "application/json");
    assert!(header(&r, "x-amzn-trace-id").starts_with("Root=1-"));

    // 11: `{}` is 400 with the mapped message.
    let r = post(&gw, &stage, "/check", "{}").await;
    assert_eq!(r.status(), 400);
    let v: Value = serde_json::from_slice(r.body()).unwrap();
    assert_eq!(v["message"], "[BadRequest] URL required");
    assert_eq!(v["requestId"].as_str().unwrap().len(), 36);
    assert!(logs.text().contains("Selected integration response 400"));

    // 12: an unreachable URL is 500 with the mapped message.
    let r = post(&gw, &stage, "/check", r#"{"url":"http://127.0.0.1:1/"}"#).await;
    assert_eq!(r.status(), 500);
    let v: Value = serde_json::from_slice(r.body()).unwrap();
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("[InternalServerError] "),
        "{v}"
    );

    // 13: wrong method and unknown path.
    let req = http::Request::get("/check").body(Bytes::new()).unwrap();
    let r = gw.handle(&stage, req, "/check", ip()).await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        &r.body()[..],
        br#"{"message":"Missing Authentication Token"}"#
    );
    assert_eq!(
        header(&r, "x-amzn-ErrorType"),
        "MissingAuthenticationTokenException"
    );
    let r = post(&gw, &stage, "/nowhere", "{}").await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn a_permission_for_another_stage_is_500_with_the_patterns_named() {
    let logs = Arc::new(Collect::default());
    let other = "arn:aws:execute-api:us-east-1:000000000000:k3ch8vbs2a/prod/POST/check";
    let gw = gateway(
        Arc::new(FakeLambda::new(&[other], github_status())),
        logs.clone(),
    );
    let stage = stage(&load("walkthrough-step3.snapshot.json"), &[]);
    let r = post(&gw, &stage, "/check", "{}").await;
    assert_eq!(
        (r.status().as_u16(), &r.body()[..]),
        (500, &br#"{"message": "Internal server error"}"#[..])
    );
    let log = logs.text();
    assert!(
        log.contains(
            "Execution failed due to configuration error: Invalid permissions on Lambda function"
        ),
        "{log}"
    );
    assert!(log.contains(STEP2_ARN) && log.contains(other), "{log}");
}
