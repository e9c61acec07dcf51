//! Access control in front of integrations, through the real binary and
//! `portico infra apply`: a TOKEN Lambda authorizer (allow, explicit deny,
//! implicit deny, Unauthorized, errors, garbage, result cache TTL), API keys
//! with usage plans (unknown key, throttle burst, quota running out), request
//! validation, stage throttling from method settings, AWS_IAM without a
//! valid signature, and CORS on a MOCK OPTIONS method and a DEFAULT_4XX
//! gateway response.

mod common;
use common::*;

const TF: &str = r#"
variable "aws_region" {}
variable "apex_function_authz" {}
variable "apex_function_echo" {}

resource "aws_api_gateway_rest_api" "api" {
  name = "ac"
}

resource "aws_api_gateway_authorizer" "token" {
  rest_api_id                      = aws_api_gateway_rest_api.api.id
  name                             = "token"
  authorizer_uri                   = "arn:aws:apigateway:${var.aws_region}:lambda:path/2015-03-31/functions/${var.apex_function_authz}/invocations"
  authorizer_result_ttl_in_seconds = 1
}

resource "aws_lambda_permission" "authz" {
  statement_id  = "AllowAuthorizer"
  action        = "lambda:InvokeFunction"
  function_name = var.apex_function_authz
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/authorizers/${aws_api_gateway_authorizer.token.id}"
}

resource "aws_lambda_permission" "echo" {
  statement_id  = "AllowEcho"
  action        = "lambda:InvokeFunction"
  function_name = var.apex_function_echo
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/*/*"
}

resource "aws_api_gateway_resource" "secure" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "secure"
}

resource "aws_api_gateway_method" "secure" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.secure.id
  http_method   = "GET"
  authorization = "CUSTOM"
  authorizer_id = aws_api_gateway_authorizer.token.id
}

resource "aws_api_gateway_integration" "secure" {
  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = aws_api_gateway_resource.secure.id
  http_method             = aws_api_gateway_method.secure.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = "arn:aws:apigateway:${var.aws_region}:lambda:path/2015-03-31/functions/${var.apex_function_echo}/invocations"
}

module "keyed" {
  source = "./mock"
  api    = aws_api_gateway_rest_api.api.id
  parent = aws_api_gateway_rest_api.api.root_resource_id
  part   = "keyed"
  key    = true
  auth   = "NONE"
}

module "limited" {
  source = "./mock"
  api    = aws_api_gateway_rest_api.api.id
  parent = aws_api_gateway_rest_api.api.root_resource_id
  part   = "limited"
  key    = false
  auth   = "NONE"
}

module "iam" {
  source = "./mock"
  api    = aws_api_gateway_rest_api.api.id
  parent = aws_api_gateway_rest_api.api.root_resource_id
  part   = "iam"
  key    = false
  auth   = "AWS_IAM"
}

resource "aws_api_gateway_model" "user" {
  rest_api_id  = aws_api_gateway_rest_api.api.id
  name         = "User"
  content_type = "application/json"
  schema       = jsonencode({ "$schema" = "http://json-schema.org/draft-04/schema#", type = "object", required = ["name"], properties = { name = { type = "string" } } })
}

resource "aws_api_gateway_request_validator" "all" {
  rest_api_id                 = aws_api_gateway_rest_api.api.id
  name                        = "all"
  validate_request_body       = true
  validate_request_parameters = true
}

resource "aws_api_gateway_resource" "users" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "users"
}

resource "aws_api_gateway_method" "users" {
  rest_api_id          = aws_api_gateway_rest_api.api.id
  resource_id          = aws_api_gateway_resource.users.id
  http_method          = "POST"
  authorization        = "NONE"
  request_validator_id = aws_api_gateway_request_validator.all.id
  request_models       = { "application/json" = aws_api_gateway_model.user.name }
  request_parameters   = { "method.request.querystring.team" = true, "method.request.header.X-Trace" = true }
}

resource "aws_api_gateway_integration" "users" {
  rest_api_id       = aws_api_gateway_rest_api.api.id
  resource_id       = aws_api_gateway_resource.users.id
  http_method       = aws_api_gateway_method.users.http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}

resource "aws_api_gateway_method_response" "users" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  resource_id = aws_api_gateway_resource.users.id
  http_method = aws_api_gateway_method.users.http_method
  status_code = "200"
}

resource "aws_api_gateway_integration_response" "users" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  resource_id = aws_api_gateway_resource.users.id
  http_method = aws_api_gateway_method.users.http_method
  status_code = aws_api_gateway_method_response.users.status_code
  depends_on  = [aws_api_gateway_integration.users]
}

resource "aws_api_gateway_method" "cors" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.users.id
  http_method   = "OPTIONS"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "cors" {
  rest_api_id       = aws_api_gateway_rest_api.api.id
  resource_id       = aws_api_gateway_resource.users.id
  http_method       = aws_api_gateway_method.cors.http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}

resource "aws_api_gateway_method_response" "cors" {
  rest_api_id         = aws_api_gateway_rest_api.api.id
  resource_id         = aws_api_gateway_resource.users.id
  http_method         = aws_api_gateway_method.cors.http_method
  status_code         = "200"
  response_parameters = { "method.response.header.Access-Control-Allow-Origin" = true, "method.response.header.Access-Control-Allow-Methods" = true }
}

resource "aws_api_gateway_integration_response" "cors" {
  rest_api_id         = aws_api_gateway_rest_api.api.id
  resource_id         = aws_api_gateway_resource.users.id
  http_method         = aws_api_gateway_method.cors.http_method
  status_code         = aws_api_gateway_method_response.cors.status_code
  response_parameters = { "method.response.header.Access-Control-Allow-Origin" = "'*'", "method.response.header.Access-Control-Allow-Methods" = "'POST,OPTIONS'" }
  depends_on          = [aws_api_gateway_integration.cors]
}

resource "aws_api_gateway_gateway_response" "cors4xx" {
  rest_api_id         = aws_api_gateway_rest_api.api.id
  response_type       = "DEFAULT_4XX"
  response_parameters = { "gatewayresponse.header.Access-Control-Allow-Origin" = "'*'" }
}

resource "aws_api_gateway_deployment" "d" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  depends_on  = [aws_api_gateway_integration.secure, module.keyed, module.limited, module.iam, aws_api_gateway_integration_response.users, aws_api_gateway_integration_response.cors, aws_api_gateway_gateway_response.cors4xx]
}

resource "aws_api_gateway_stage" "prod" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  deployment_id = aws_api_gateway_deployment.d.id
  stage_name    = "prod"
}

resource "aws_api_gateway_method_settings" "limited" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  stage_name  = aws_api_gateway_stage.prod.stage_name
  method_path = "limited/GET"
  settings {
    throttling_rate_limit  = 0.001
    throttling_burst_limit = 2
  }
}

resource "aws_api_gateway_api_key" "burst" {
  name  = "burst"
  value = "burst-key-0123456789abcdef"
}

resource "aws_api_gateway_api_key" "quota" {
  name  = "quota"
  value = "quota-key-0123456789abcdef"
}

resource "aws_api_gateway_api_key" "loose" {
  name  = "loose"
  value = "loose-key-0123456789abcdef"
}

resource "aws_api_gateway_usage_plan" "burst" {
  name = "burst"
  api_stages {
    api_id = aws_api_gateway_rest_api.api.id
    stage  = aws_api_gateway_stage.prod.stage_name
  }
  throttle_settings {
    rate_limit  = 0.001
    burst_limit = 3
  }
}

resource "aws_api_gateway_usage_plan" "quota" {
  name = "quota"
  api_stages {
    api_id = aws_api_gateway_rest_api.api.id
    stage  = aws_api_gateway_stage.prod.stage_name
  }
  quota_settings {
    limit  = 2
    period = "DAY"
  }
}

resource "aws_api_gateway_usage_plan_key" "burst" {
  key_id        = aws_api_gateway_api_key.burst.id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.burst.id
}

resource "aws_api_gateway_usage_plan_key" "quota" {
  key_id        = aws_api_gateway_api_key.quota.id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.quota.id
}
"#;

const MOCK_MODULE: &str = r#"
variable "api" {}
variable "parent" {}
variable "part" {}
variable "key" {}
variable "auth" {}

resource "aws_api_gateway_resource" "r" {
  rest_api_id = var.api
  parent_id   = var.parent
  path_part   = var.part
}

resource "aws_api_gateway_method" "m" {
  rest_api_id      = var.api
  resource_id      = aws_api_gateway_resource.r.id
  http_method      = "GET"
  authorization    = var.auth
  api_key_required = var.key
}

resource "aws_api_gateway_integration" "i" {
  rest_api_id       = var.api
  resource_id       = aws_api_gateway_resource.r.id
  http_method       = aws_api_gateway_method.m.http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}

resource "aws_api_gateway_method_response" "ok" {
  rest_api_id = var.api
  resource_id = aws_api_gateway_resource.r.id
  http_method = aws_api_gateway_method.m.http_method
  status_code = "200"
}

resource "aws_api_gateway_integration_response" "ok" {
  rest_api_id        = var.api
  resource_id        = aws_api_gateway_resource.r.id
  http_method        = aws_api_gateway_method.m.http_method
  status_code        = aws_api_gateway_method_response.ok.status_code
  response_templates = { "application/json" = "{\"ok\": true}" }
  depends_on         = [aws_api_gateway_integration.i]
}
"#;

const AUTHZ: &str = r#"
let calls = 0;
exports.handle = async (event) => {
  calls += 1;
  const t = event.authorizationToken;
  const policy = (effect, resource) => ({ Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] });
  if (t === 'Unauthorized') throw new Error('Unauthorized');
  if (t === 'boom') throw new Error('boom');
  if (t === 'garbage') return 'nope';
  if (t === 'deny') return { principalId: 'd', policyDocument: policy('Deny', event.methodArn) };
  if (t === 'other') return { principalId: 'o', policyDocument: policy('Allow', event.methodArn.replace(/GET\/secure$/, 'POST/elsewhere')) };
  return { principalId: 'user-' + t, policyDocument: policy('Allow', event.methodArn), context: { calls, type: event.type, n: 7, ok: true } };
};
"#;

const ECHO: &str = "exports.handle = async (event) => ({ statusCode: 200, body: JSON.stringify(event.requestContext.authorizer) });\n";

fn stage_url(apply_output: &str) -> String {
    let start = apply_output
        .find("http://127.0.0.1:")
        .expect("a local invoke URL in the apply output");
    let rest = &apply_output[start..];
    rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())]
        .trim_end_matches('/')
        .to_string()
}

struct Answer {
    status: u16,
    body: String,
    headers: reqwest::header::HeaderMap,
}

impl Answer {
    fn header(&self, n: &str) -> &str {
        self.headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

async fn send(method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> Answer {
    let c = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut r = c
        .request(method.parse().unwrap(), url)
        .body(body.to_string());
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let r = r.send().await.expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    Answer {
        status,
        body: r.text().await.unwrap(),
        headers,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn authorizers_keys_validation_and_throttling_answer_as_aws() {
    let p = Project::new("ac", serde_json::json!({}));
    p.file("authz", "index.js", AUTHZ);
    p.file("echo", "index.js", ECHO);
    let infra = p.path().join("infrastructure");
    std::fs::create_dir_all(infra.join("mock")).unwrap();
    std::fs::write(infra.join("main.tf"), TF).unwrap();
    std::fs::write(infra.join("mock/main.tf"), MOCK_MODULE).unwrap();
    p.ok(&["deploy"], "");
    let mut s = p.serve(&[]);
    let out = p.ok(&["infra", "apply", "-auto-approve"], "");
    let url = stage_url(&out);
    let get = |path: &str, headers: Vec<(&'static str, &'static str)>| {
        let u = format!("{url}{path}");
        async move { send("GET", &u, &headers, "").await }
    };

    // Lambda TOKEN authorizer.
    let r = get("/secure", vec![]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (401, r#"{"message":"Unauthorized"}"#)
    );
    let r = get("/secure", vec![("Authorization", "alice")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let a: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(a["principalId"], "user-alice");
    assert_eq!(
        (a["n"].as_str(), a["ok"].as_str(), a["type"].as_str()),
        (Some("7"), Some("true"), Some("TOKEN"))
    );
    let first_calls = a["calls"].clone();
    // Cached for the TTL (1 s): the same answer without calling the function.
    let again = get("/secure", vec![("Authorization", "alice")]).await;
    let b: serde_json::Value = serde_json::from_str(&again.body).unwrap();
    assert_eq!(b["calls"], first_calls, "the authorizer result is cached");
    std::thread::sleep(std::time::Duration::from_millis(1300));
    let later = get("/secure", vec![("Authorization", "alice")]).await;
    let c: serde_json::Value = serde_json::from_str(&later.body).unwrap();
    assert_ne!(
        c["calls"], first_calls,
        "after the TTL the authorizer runs again"
    );

    let r = get("/secure", vec![("Authorization", "deny")]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            403,
            r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#
        )
    );
    assert_eq!(r.header("x-amzn-errortype"), "AccessDeniedException");
    let r = get("/secure", vec![("Authorization", "other")]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            403,
            r#"{"Message":"User is not authorized to access this resource"}"#
        )
    );
    let r = get("/secure", vec![("Authorization", "Unauthorized")]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (401, r#"{"message":"Unauthorized"}"#)
    );
    for token in ["boom", "garbage"] {
        let r = get("/secure", vec![("Authorization", token)]).await;
        assert_eq!(r.status, 500, "{token}: {}", r.body);
        assert_eq!(r.body, r#"{"message": "Internal server error"}"#);
    }

    // API keys and usage plans; the DEFAULT_4XX response carries CORS.
    let r = get("/keyed", vec![]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (403, r#"{"message":"Forbidden"}"#)
    );
    assert_eq!(r.header("access-control-allow-origin"), "*");
    let r = get("/keyed", vec![("x-api-key", "unknown-key-0123456789")]).await;
    assert_eq!(r.status, 403);
    let r = get("/keyed", vec![("x-api-key", "loose-key-0123456789abcdef")]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (403, r#"{"message":"Forbidden"}"#),
        "a key in no plan"
    );
    for i in 0..3 {
        let r = get("/keyed", vec![("x-api-key", "burst-key-0123456789abcdef")]).await;
        assert_eq!(r.status, 200, "burst request {i}: {}", r.body);
    }
    let r = get("/keyed", vec![("x-api-key", "burst-key-0123456789abcdef")]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (429, r#"{"message":"Too Many Requests"}"#)
    );
    for _ in 0..2 {
        let r = get("/keyed", vec![("x-api-key", "quota-key-0123456789abcdef")]).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = get("/keyed", vec![("x-api-key", "quota-key-0123456789abcdef")]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (429, r#"{"message":"Limit Exceeded"}"#)
    );
    assert_eq!(r.header("x-amzn-errortype"), "LimitExceededException");
    // `portico usage KEY_ID` shows the two counted requests for today.
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg("import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select id from apigw_api_keys where name='quota'\").fetchone()[0])")
        .arg(p.path().join(".portico/state.db"))
        .output()
        .expect("python3");
    let key_id = text(&out.stdout).trim().to_string();
    let usage = eventually(5, "usage to be stored", || {
        let u = p.ok(&["usage", &key_id], "");
        u.lines().any(|l| l.trim_end().ends_with(" 2")).then_some(u)
    });
    assert!(usage.starts_with("day"), "{usage}");

    // Stage throttling (method settings limited/GET: burst 2).
    assert_eq!(get("/limited", vec![]).await.status, 200);
    assert_eq!(get("/limited", vec![]).await.status, 200);
    let r = get("/limited", vec![]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (429, r#"{"message":"Too Many Requests"}"#)
    );

    // Request validation.
    let post = |q: &str, headers: Vec<(&'static str, &'static str)>, body: &'static str| {
        let u = format!("{url}/users{q}");
        async move { send("POST", &u, &headers, body).await }
    };
    let json = ("Content-Type", "application/json");
    let r = post("", vec![json], r#"{"name":"x"}"#).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            400,
            r#"{"message":"Missing required request parameters: [X-Trace, team]"}"#
        )
    );
    let r = post("?team=a", vec![json, ("X-Trace", "1")], r#"{"nom":"x"}"#).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, r#"{"message":"Invalid request body"}"#)
    );
    let r = post("?team=a", vec![json, ("X-Trace", "1")], r#"{"name":"x"}"#).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // CORS preflight on a MOCK OPTIONS method.
    let r = send("OPTIONS", &format!("{url}/users"), &[], "").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), "*");
    assert_eq!(r.header("access-control-allow-methods"), "POST,OPTIONS");

    // AWS_IAM: unsigned, and signed with a wrong signature.
    let r = get("/iam", vec![]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (403, r#"{"message":"Missing Authentication Token"}"#)
    );
    let r = get(
        "/iam",
        vec![
            ("X-Amz-Date", "20990101T000000Z"),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=test/20990101/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"),
        ],
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(
        r.body
            .contains("The request signature we calculated does not match"),
        "{}",
        r.body
    );

    // The log explains the refusals.
    let api = url.rsplit('/').nth(1).unwrap_or_default().to_string();
    let logs = eventually(10, "execution log lines", || {
        let o = p.run(&["logs", "--api", &api], "");
        let t = text(&o.stdout);
        t.contains("Usage plan quota exceeded").then_some(t)
    });
    assert!(logs.contains("explicitly denies"), "{logs}");
    s.stop();
}
