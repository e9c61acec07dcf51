//! Real AWS clients against the server: boto3 and awscli for Invoke and the
//! resource-policy operations; and asynchronous invocations with retries
//! that survive a restart.

mod common;
use common::*;
use std::process::Command;

fn python(script: &str, url: &str) -> (bool, String) {
    let o = Command::new("python3")
        .arg("-c")
        .arg(script)
        .env("PORTICO_URL", url)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("NO_PROXY", "*")
        .output()
        .expect("python3");
    (o.status.success(), text(&o.stdout) + &text(&o.stderr))
}

const BOTO3: &str = r#"
import base64, json, os, boto3, botocore
c = boto3.client("lambda", endpoint_url=os.environ["PORTICO_URL"])
r = c.invoke(FunctionName="app_f", Payload=b'{"n": 2}', LogType="Tail")
assert r["StatusCode"] == 200, r
assert json.load(r["Payload"]) == 4
assert "REPORT RequestId" in base64.b64decode(r["LogResult"]).decode()
assert r["ExecutedVersion"] == "$LATEST"
r = c.invoke(FunctionName="app_f", Qualifier="current", Payload=b'{"fail": true}')
assert r["FunctionError"] == "Unhandled" and json.load(r["Payload"])["errorMessage"] == "failed", r
try:
    c.invoke(FunctionName="missing")
    raise SystemExit("expected ResourceNotFoundException")
except c.exceptions.ResourceNotFoundException as e:
    assert "Function not found" in str(e), e
r = c.add_permission(FunctionName="app_f", StatementId="apigw", Action="lambda:InvokeFunction",
                     Principal="apigateway.amazonaws.com", SourceArn="arn:aws:execute-api:us-east-1:000000000000:abc/*/POST/check")
st = json.loads(r["Statement"])
assert st == {"Sid": "apigw", "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
              "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:us-east-1:000000000000:function:app_f",
              "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:us-east-1:000000000000:abc/*/POST/check"}}}, st
try:
    c.add_permission(FunctionName="app_f", StatementId="apigw", Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com")
    raise SystemExit("expected ResourceConflictException")
except c.exceptions.ResourceConflictException as e:
    assert "already exists" in str(e)
c.add_permission(FunctionName="app_f", Qualifier="current", StatementId="apigw", Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com")
p = json.loads(c.get_policy(FunctionName="app_f")["Policy"])
assert p["Version"] == "2012-10-17" and [s["Sid"] for s in p["Statement"]] == ["apigw"], p
p = json.loads(c.get_policy(FunctionName="app_f", Qualifier="current")["Policy"])
assert p["Statement"][0]["Resource"].endswith(":function:app_f:current"), p
c.remove_permission(FunctionName="app_f", StatementId="apigw")
try:
    c.remove_permission(FunctionName="app_f", StatementId="apigw")
    raise SystemExit("expected ResourceNotFoundException")
except c.exceptions.ResourceNotFoundException:
    pass
try:
    c.get_policy(FunctionName="app_f")
    raise SystemExit("expected ResourceNotFoundException")
except c.exceptions.ResourceNotFoundException:
    pass
r = c.invoke(FunctionName="app_f", InvocationType="Event", Payload=b'{}')
assert r["StatusCode"] == 202, r
print("boto3 ok")
"#;

fn project() -> Project {
    let p = Project::new("app", serde_json::json!({}));
    p.file("f", "index.js", "exports.handle = async (e) => { if (e.fail) throw new Error('failed'); return (e.n || 0) * 2; };\n");
    p.file(
        "flaky",
        "index.js",
        "exports.handle = async (e) => { console.log('attempt'); throw new Error('always'); };\n",
    );
    p
}

#[test]
fn boto3_invokes_and_manages_permissions() {
    let p = project();
    p.ok(&["deploy"], "");
    let mut s = p.serve(&[]);
    let (ok, out) = python(BOTO3, &s.url);
    assert!(ok, "{out}");
    s.stop();
}

#[test]
fn awscli_invoke() {
    let p = project();
    p.ok(&["deploy"], "");
    let mut s = p.serve(&[]);
    let out_file = p.path().join("out.json");
    let o = Command::new("aws")
        .args([
            "lambda",
            "invoke",
            "--endpoint-url",
            &s.url,
            "--function-name",
            "app_f",
            "--payload",
            r#"{"n": 21}"#,
        ])
        .arg(&out_file)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .output()
        .expect("aws cli");
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    assert!(
        text(&o.stdout).contains("\"StatusCode\": 200"),
        "{}",
        text(&o.stdout)
    );
    assert_eq!(std::fs::read_to_string(out_file).unwrap(), "42");
    s.stop();
}

fn attempts(p: &Project) -> usize {
    p.ok(&["logs", "flaky"], "")
        .lines()
        .filter(|l| l.contains("START RequestId:"))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn event_invocations_are_retried_twice_and_survive_a_restart() {
    let p = project();
    p.ok(&["deploy"], "");
    let env = [("PORTICO_EVENT_RETRY_DELAYS_MS", "1500,1500")];
    let mut s = p.serve(&env);
    let r = invoke(
        &s.url,
        "app_flaky",
        "{}",
        &[("X-Amz-Invocation-Type", "Event")],
    )
    .await;
    assert_eq!(r.status, 202);
    assert_eq!(r.body, "");
    eventually(10, "the first attempt", || {
        (attempts(&p) == 1).then_some(())
    });
    s.stop();
    // The retries are in the store: a new server runs them.
    let mut s = p.serve(&env);
    eventually(15, "two retries", || (attempts(&p) == 3).then_some(()));
    std::thread::sleep(std::time::Duration::from_millis(2000));
    assert_eq!(attempts(&p), 3, "no more than two retries");
    s.stop();
}
