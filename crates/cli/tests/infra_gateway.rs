//! `portico infra` and the served stages, through the real binary: a v6
//! configuration (stage resource, triggers, create_before_destroy) with
//! AWS_PROXY and MOCK routes, live changes, permissions, and errors that
//! name the file and line and leave the state as it was.

mod common;
use common::*;

const API: &str = r#"
variable "aws_region" {}
variable "apex_function_echo" {}

resource "aws_api_gateway_rest_api" "api" {
  name = "demo"
}

resource "aws_api_gateway_resource" "proxy" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "{proxy+}"
}

resource "aws_api_gateway_method" "proxy" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.proxy.id
  http_method   = "ANY"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "proxy" {
  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = aws_api_gateway_resource.proxy.id
  http_method             = aws_api_gateway_method.proxy.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = "arn:aws:apigateway:${var.aws_region}:lambda:path/2015-03-31/functions/${var.apex_function_echo}/invocations"
}

resource "aws_api_gateway_deployment" "d" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  triggers = {
    redeployment = sha1(jsonencode([aws_api_gateway_resource.proxy, aws_api_gateway_method.proxy, aws_api_gateway_integration.proxy]))
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "prod" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  deployment_id = aws_api_gateway_deployment.d.id
  stage_name    = "prod"
}
"#;

const PERMISSION: &str = r#"
resource "aws_lambda_permission" "apigw" {
  statement_id  = "AllowAPIGateway"
  action        = "lambda:InvokeFunction"
  function_name = var.apex_function_echo
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/*/*"
}
"#;

const MOCK: &str = r#"
resource "aws_api_gateway_resource" "health" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "health"
}

resource "aws_api_gateway_method" "health" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.health.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "health" {
  rest_api_id       = aws_api_gateway_rest_api.api.id
  resource_id       = aws_api_gateway_resource.health.id
  http_method       = aws_api_gateway_method.health.http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}

resource "aws_api_gateway_method_response" "health" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  resource_id = aws_api_gateway_resource.health.id
  http_method = aws_api_gateway_method.health.http_method
  status_code = "200"
}

resource "aws_api_gateway_integration_response" "health" {
  rest_api_id        = aws_api_gateway_rest_api.api.id
  resource_id        = aws_api_gateway_resource.health.id
  http_method        = aws_api_gateway_method.health.http_method
  status_code        = aws_api_gateway_method_response.health.status_code
  response_templates = { "application/json" = "{\"healthy\": true, \"stage\": \"$context.stage\"}" }
  depends_on         = [aws_api_gateway_integration.health]
}
"#;

fn project() -> Project {
    let p = Project::new("demo", serde_json::json!({}));
    p.file(
        "echo",
        "index.js",
        "exports.handle = async (event) => ({ statusCode: 201, headers: { 'x-echo': 'yes' }, body: JSON.stringify({ path: event.path, proxy: event.pathParameters.proxy, q: event.queryStringParameters, method: event.httpMethod, resource: event.resource, stage: event.requestContext.stage }) });\n",
    );
    std::fs::create_dir_all(p.path().join("infrastructure")).unwrap();
    p
}

fn write_tf(p: &Project, name: &str, body: &str) {
    std::fs::write(p.path().join("infrastructure").join(name), body).unwrap();
}

fn stage_url(apply_output: &str) -> String {
    let start = apply_output
        .find("http://127.0.0.1:")
        .expect("a local invoke URL in the apply output");
    let rest = &apply_output[start..];
    rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())]
        .trim_end_matches('/')
        .to_string()
}

async fn get(url: &str) -> (u16, String, reqwest::header::HeaderMap) {
    let c = reqwest::Client::builder().no_proxy().build().unwrap();
    let r = c.get(url).send().await.expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, r.text().await.unwrap(), headers)
}

#[tokio::test(flavor = "multi_thread")]
async fn v6_stage_serves_proxy_and_mock_routes_and_redeploys_only_on_change() {
    let p = project();
    p.ok(&["deploy"], "");
    write_tf(&p, "api.tf", API);
    write_tf(&p, "permission.tf", PERMISSION);
    let mut s = p.serve(&[]);
    let out = p.ok(&["infra", "apply", "-auto-approve"], "");
    assert!(
        out.contains("Apply complete! Resources: 7 added, 0 changed, 0 destroyed."),
        "{out}"
    );
    let url = stage_url(&out);
    assert!(url.starts_with(&s.url) && url.ends_with("/prod"), "{url}");

    let (status, body, headers) = get(&format!("{url}/items/42?color=red")).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        headers.get("x-echo").and_then(|v| v.to_str().ok()),
        Some("yes")
    );
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["path"], "/items/42");
    assert_eq!(v["proxy"], "items/42");
    assert_eq!(v["q"], serde_json::json!({"color": "red"}));
    assert_eq!(v["method"], "GET");
    assert_eq!(v["resource"], "/{proxy+}");
    assert_eq!(v["stage"], "prod");

    // Nothing changed: no new deployment.
    let plan = p.ok(&["infra", "plan"], "");
    assert!(plan.contains("No changes."), "{plan}");

    // A new route changes the trigger hash: the deployment is replaced, the
    // stage moves to it, and the next request sees the route without a restart.
    let (status, _, headers) = get(&format!("{url}/health")).await;
    assert_eq!(
        status, 201,
        "before the change, /health falls to {{proxy+}}"
    );
    assert!(headers.get("x-echo").is_some());
    // Routes outside the trigger hash change the API but not the deployment:
    // the stage keeps serving its snapshot, and Portico says so.
    write_tf(&p, "mock.tf", MOCK);
    let o = p.run(&["infra", "apply", "-auto-approve"], "");
    assert!(o.status.success());
    assert!(
        text(&o.stdout).contains("5 added, 0 changed, 0 destroyed"),
        "{}",
        text(&o.stdout)
    );
    assert!(
        text(&o.stderr).contains("Stage \"prod\" will keep serving an old deployment"),
        "the stale stage is named: {}",
        text(&o.stderr)
    );
    let (status, _, _) = get(&format!("{url}/health")).await;
    assert_eq!(status, 201, "the stage still serves the old deployment");
    // Put the new integration in the trigger: the deployment is replaced
    // (created before the old one is destroyed) and the stage moves to it.
    write_tf(
        &p,
        "api.tf",
        &API.replace(
            "aws_api_gateway_integration.proxy]",
            "aws_api_gateway_integration.proxy, aws_api_gateway_integration_response.health]",
        ),
    );
    let out = p.ok(&["infra", "apply", "-auto-approve"], "");
    assert!(out.contains("1 added, 1 changed, 1 destroyed"), "{out}");
    let (status, body, _) = get(&format!("{url}/health")).await;
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"healthy": true, "stage": "prod"}"#)
    );
    assert!(p.ok(&["infra", "plan"], "").contains("No changes."));

    let (status, body, _) = get(&format!("{}/_aws/execute-api/nosuchapi/prod/x", s.url)).await;
    assert_eq!(status, 404);
    assert!(
        body.contains("deployed stages:") && body.contains("/prod"),
        "an unknown API names what exists: {body}"
    );

    // Destroy removes the stage.
    let out = p.ok(&["infra", "destroy", "-auto-approve"], "");
    assert!(
        out.contains("Destroy complete!") || out.contains("destroyed"),
        "{out}"
    );
    let (status, _, _) = get(&format!("{url}/health")).await;
    assert_eq!(status, 404);
    s.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_permission_is_a_500_that_the_api_log_explains() {
    let p = project();
    p.ok(&["deploy"], "");
    write_tf(&p, "api.tf", API);
    let mut s = p.serve(&[]);
    let out = p.ok(&["infra", "apply", "-auto-approve"], "");
    let url = stage_url(&out);
    let (status, body, headers) = get(&format!("{url}/items")).await;
    assert_eq!(
        (status, body.as_str()),
        (500, r#"{"message": "Internal server error"}"#)
    );
    assert_eq!(
        headers
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok()),
        Some("InternalServerErrorException")
    );
    let api = url.split('/').rev().nth(1).unwrap().to_string();
    let log = eventually(10, "the API log", || {
        let l = p.ok(&["logs", "--api", &api], "");
        l.contains("Invalid permissions on Lambda function")
            .then_some(l)
    });
    assert!(
        log.contains("apigateway.amazonaws.com") || log.contains("resource policy"),
        "{log}"
    );
    s.stop();
}

#[test]
fn broken_files_name_the_file_and_line_and_leave_the_state_as_it_was() {
    let p = project();
    p.ok(&["deploy"], "");
    write_tf(&p, "api.tf", API);
    p.ok(&["infra", "apply", "-auto-approve"], "");
    let before = p.ok(&["infra", "state", "list"], "");
    assert_eq!(before.lines().count(), 6, "{before}");

    write_tf(
        &p,
        "broken.tf",
        "resource \"aws_api_gateway_resource\" \"x\" {\n  path_part = \n}\n",
    );
    let o = p.run(&["infra", "plan"], "");
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(
        err.contains("infrastructure/broken.tf") && err.contains("line 2"),
        "{err}"
    );
    std::fs::remove_file(p.path().join("infrastructure/broken.tf")).unwrap();

    write_tf(
        &p,
        "typo.tf",
        "resource \"aws_api_gateway_methd\" \"x\" {\n}\n",
    );
    let o = p.run(&["infra", "plan"], "");
    let err = text(&o.stderr);
    assert!(
        !o.status.success()
            && err.contains("aws_api_gateway_method")
            && err.contains("infrastructure/typo.tf"),
        "{err}"
    );
    std::fs::remove_file(p.path().join("infrastructure/typo.tf")).unwrap();

    // The permission names a function that does not exist: the apply fails at
    // AddPermission, after other resources were created, and rolls back whole.
    write_tf(&p, "mock.tf", MOCK);
    write_tf(
        &p,
        "bad-permission.tf",
        &PERMISSION.replace("var.apex_function_echo", "\"no-such-function\""),
    );
    let o = p.run(&["infra", "apply", "-auto-approve"], "");
    let err = text(&o.stderr);
    assert!(
        !o.status.success()
            && err.contains("ResourceNotFoundException")
            && err.contains("bad-permission.tf"),
        "{err}"
    );
    assert_eq!(
        p.ok(&["infra", "state", "list"], ""),
        before,
        "the state is as it was"
    );
}
