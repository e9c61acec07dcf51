//! Who the caller is, through the real binary and `portico infra apply`:
//! a REQUEST Lambda authorizer (identity from a header and a query
//! string, its cache per identity, allow and deny), COGNITO_USER_POOLS
//! claims in `$context.authorizer.claims` and the proxy event, and
//! AWS_IAM requests signed with botocore's SigV4 against the credentials
//! `portico serve` is given (the defaults, then PORTICO_ACCESS_KEY_ID /
//! PORTICO_SECRET_ACCESS_KEY).

mod common;
use common::*;

const TF: &str = r#"
variable "aws_region" {}
variable "apex_function_authz" {}
variable "apex_function_echo" {}

resource "aws_api_gateway_rest_api" "api" {
  name = "idn"
}

resource "aws_api_gateway_authorizer" "req" {
  rest_api_id                      = aws_api_gateway_rest_api.api.id
  name                             = "req"
  type                             = "REQUEST"
  identity_source                  = "method.request.header.X-User, method.request.querystring.team"
  authorizer_uri                   = "arn:aws:apigateway:${var.aws_region}:lambda:path/2015-03-31/functions/${var.apex_function_authz}/invocations"
  authorizer_result_ttl_in_seconds = 300
}

resource "aws_api_gateway_authorizer" "cognito" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  name          = "cognito"
  type          = "COGNITO_USER_POOLS"
  provider_arns = ["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_local"]
}

resource "aws_lambda_permission" "authz" {
  statement_id  = "AllowAuthorizer"
  action        = "lambda:InvokeFunction"
  function_name = var.apex_function_authz
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/authorizers/${aws_api_gateway_authorizer.req.id}"
}

resource "aws_lambda_permission" "echo" {
  statement_id  = "AllowEcho"
  action        = "lambda:InvokeFunction"
  function_name = var.apex_function_echo
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/*/*"
}

module "req" {
  source        = "./echo"
  api           = aws_api_gateway_rest_api.api.id
  parent        = aws_api_gateway_rest_api.api.root_resource_id
  part          = "req"
  auth          = "CUSTOM"
  authorizer_id = aws_api_gateway_authorizer.req.id
  uri           = "arn:aws:apigateway:${var.aws_region}:lambda:path/2015-03-31/functions/${var.apex_function_echo}/invocations"
}

module "cog" {
  source        = "./echo"
  api           = aws_api_gateway_rest_api.api.id
  parent        = aws_api_gateway_rest_api.api.root_resource_id
  part          = "cog"
  auth          = "COGNITO_USER_POOLS"
  authorizer_id = aws_api_gateway_authorizer.cognito.id
  uri           = "arn:aws:apigateway:${var.aws_region}:lambda:path/2015-03-31/functions/${var.apex_function_echo}/invocations"
}

module "iam" {
  source        = "./echo"
  api           = aws_api_gateway_rest_api.api.id
  parent        = aws_api_gateway_rest_api.api.root_resource_id
  part          = "iam"
  auth          = "AWS_IAM"
  authorizer_id = ""
  uri           = "arn:aws:apigateway:${var.aws_region}:lambda:path/2015-03-31/functions/${var.apex_function_echo}/invocations"
}

resource "aws_api_gateway_resource" "claims" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "claims"
}

resource "aws_api_gateway_method" "claims" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.claims.id
  http_method   = "GET"
  authorization = "COGNITO_USER_POOLS"
  authorizer_id = aws_api_gateway_authorizer.cognito.id
}

resource "aws_api_gateway_integration" "claims" {
  rest_api_id       = aws_api_gateway_rest_api.api.id
  resource_id       = aws_api_gateway_resource.claims.id
  http_method       = aws_api_gateway_method.claims.http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}

resource "aws_api_gateway_method_response" "claims" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  resource_id = aws_api_gateway_resource.claims.id
  http_method = aws_api_gateway_method.claims.http_method
  status_code = "200"
}

resource "aws_api_gateway_integration_response" "claims" {
  rest_api_id        = aws_api_gateway_rest_api.api.id
  resource_id        = aws_api_gateway_resource.claims.id
  http_method        = aws_api_gateway_method.claims.http_method
  status_code        = aws_api_gateway_method_response.claims.status_code
  response_templates = { "application/json" = "{\"email\":\"$context.authorizer.claims.email\",\"sub\":\"$context.authorizer.claims.sub\"}" }
  depends_on         = [aws_api_gateway_integration.claims]
}

resource "aws_api_gateway_deployment" "d" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  depends_on  = [module.req, module.cog, module.iam, aws_api_gateway_integration_response.claims]
}

resource "aws_api_gateway_stage" "prod" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  deployment_id = aws_api_gateway_deployment.d.id
  stage_name    = "prod"
}
"#;

const ECHO_MODULE: &str = r#"
variable "api" {}
variable "parent" {}
variable "part" {}
variable "auth" {}
variable "authorizer_id" {}
variable "uri" {}

resource "aws_api_gateway_resource" "r" {
  rest_api_id = var.api
  parent_id   = var.parent
  path_part   = var.part
}

resource "aws_api_gateway_method" "m" {
  rest_api_id   = var.api
  resource_id   = aws_api_gateway_resource.r.id
  http_method   = "ANY"
  authorization = var.auth
  authorizer_id = var.authorizer_id
}

resource "aws_api_gateway_integration" "i" {
  rest_api_id             = var.api
  resource_id             = aws_api_gateway_resource.r.id
  http_method             = aws_api_gateway_method.m.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = var.uri
}
"#;

const AUTHZ: &str = r#"
let calls = 0;
exports.handle = async (event) => {
  calls += 1;
  const user = event.headers['X-User'];
  const team = event.queryStringParameters.team;
  const effect = user === 'mallory' ? 'Deny' : 'Allow';
  return {
    principalId: user,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: event.methodArn }] },
    context: { calls, team, type: event.type, method: event.httpMethod },
  };
};
"#;

const ECHO: &str = "exports.handle = async (event) => ({ statusCode: 200, body: JSON.stringify({ authorizer: event.requestContext.authorizer || null, identity: event.requestContext.identity }) });\n";

/// Signs a request the way the AWS SDKs do (botocore's SigV4Auth for
/// `execute-api` in us-east-1) and prints the headers to send as JSON.
const SIGN: &str = r#"
import json, sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
method, url, key, secret, body = sys.argv[1:6]
req = AWSRequest(method=method, url=url, data=body.encode(), headers={'Content-Type': 'application/json'})
SigV4Auth(Credentials(key, secret), 'execute-api', 'us-east-1').add_auth(req)
print(json.dumps(dict(req.headers.items())))
"#;

fn sign(method: &str, url: &str, key: &str, secret: &str, body: &str) -> Vec<(String, String)> {
    let out = std::process::Command::new("python3")
        .args(["-c", SIGN, method, url, key, secret, body])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "signing failed: {}",
        text(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("headers JSON");
    v.as_object()
        .expect("an object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect()
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

struct Answer {
    status: u16,
    body: String,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

async fn send(method: &str, url: &str, headers: &[(String, String)], body: &str) -> Answer {
    let c = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut r = c
        .request(method.parse().unwrap(), url)
        .body(body.to_string());
    for (k, v) in headers {
        r = r.header(k.as_str(), v.as_str());
    }
    let r = r.send().await.expect("request");
    Answer {
        status: r.status().as_u16(),
        body: r.text().await.unwrap(),
    }
}

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// An unsigned JWT (Portico does not check Cognito signatures).
fn jwt(claims: serde_json::Value) -> String {
    use base64::Engine as _;
    let e = |v: &serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    format!(
        "{}.{}.c2ln",
        e(&serde_json::json!({"alg":"RS256","kid":"k"})),
        e(&claims)
    )
}

fn project() -> Project {
    let p = Project::new("idn", serde_json::json!({}));
    p.file("authz", "index.js", AUTHZ);
    p.file("echo", "index.js", ECHO);
    let infra = p.path().join("infrastructure");
    std::fs::create_dir_all(infra.join("echo")).unwrap();
    std::fs::write(infra.join("main.tf"), TF).unwrap();
    std::fs::write(infra.join("echo/main.tf"), ECHO_MODULE).unwrap();
    p.ok(&["deploy"], "");
    p
}

#[tokio::test(flavor = "multi_thread")]
async fn request_authorizer_cognito_claims_and_signed_iam_requests() {
    let p = project();
    let mut s = p.serve(&[]);
    let out = p.ok(&["infra", "apply", "-auto-approve"], "");
    let url = stage_url(&out);
    // The stage's path on the server, to find it again after a restart.
    let stage_path = url
        .strip_prefix(s.url.trim_end_matches('/'))
        .expect("the stage URL is on the server")
        .to_string();

    // REQUEST authorizer: identity from a header and a query string.
    let r = send("GET", &format!("{url}/req?team=blue"), &[], "").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (401, r#"{"message":"Unauthorized"}"#)
    );
    let r = send("GET", &format!("{url}/req"), &h(&[("X-User", "alice")]), "").await;
    assert_eq!(
        r.status, 401,
        "every identity source is required when cached"
    );
    let r = send(
        "GET",
        &format!("{url}/req?team=blue"),
        &h(&[("X-User", "alice")]),
        "",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let a = r.json()["authorizer"].clone();
    assert_eq!(a["principalId"], "alice");
    assert_eq!(
        (a["team"].as_str(), a["type"].as_str(), a["method"].as_str()),
        (Some("blue"), Some("REQUEST"), Some("GET"))
    );
    let calls = a["calls"].clone();
    let r = send(
        "GET",
        &format!("{url}/req?team=blue"),
        &h(&[("X-User", "alice")]),
        "",
    )
    .await;
    assert_eq!(
        r.json()["authorizer"]["calls"],
        calls,
        "cached per identity"
    );
    // The cached policy names GET only: a POST with the same identity is
    // refused from the cache, as on AWS.
    let r = send(
        "POST",
        &format!("{url}/req?team=blue"),
        &h(&[("X-User", "alice")]),
        "",
    )
    .await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            403,
            r#"{"Message":"User is not authorized to access this resource"}"#
        )
    );
    let r = send(
        "GET",
        &format!("{url}/req?team=red"),
        &h(&[("X-User", "alice")]),
        "",
    )
    .await;
    let b = r.json()["authorizer"].clone();
    assert_eq!(b["team"], "red");
    assert_ne!(
        b["calls"], calls,
        "another identity calls the authorizer again"
    );
    let r = send(
        "GET",
        &format!("{url}/req?team=blue"),
        &h(&[("X-User", "mallory")]),
        "",
    )
    .await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            403,
            r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#
        )
    );

    // COGNITO_USER_POOLS: the claims, unverified signature.
    let token = jwt(
        serde_json::json!({"sub":"u-1","email":"a@example.com","token_use":"id","exp": 4102444800u64}),
    );
    let r = send("GET", &format!("{url}/cog"), &[], "").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (401, r#"{"message":"Unauthorized"}"#)
    );
    let r = send(
        "GET",
        &format!("{url}/cog"),
        &h(&[("Authorization", "not-a-jwt")]),
        "",
    )
    .await;
    assert_eq!(r.status, 401);
    let expired = jwt(serde_json::json!({"sub":"u-1","exp": 1000}));
    let r = send(
        "GET",
        &format!("{url}/cog"),
        &h(&[("Authorization", &expired)]),
        "",
    )
    .await;
    assert_eq!(r.status, 401, "an expired token");
    let r = send(
        "GET",
        &format!("{url}/cog"),
        &h(&[("Authorization", &token)]),
        "",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let claims = r.json()["authorizer"]["claims"].clone();
    assert_eq!(
        (claims["sub"].as_str(), claims["email"].as_str()),
        (Some("u-1"), Some("a@example.com"))
    );
    assert_eq!(claims["exp"], "4102444800", "claims are strings, as on AWS");
    let r = send(
        "GET",
        &format!("{url}/claims"),
        &h(&[("Authorization", &token)]),
        "",
    )
    .await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, r#"{"email":"a@example.com","sub":"u-1"}"#)
    );

    // AWS_IAM signed by botocore with the default credentials test/test.
    let iam = format!("{url}/iam?b=two%20words&a=1");
    let r = send("GET", &iam, &sign("GET", &iam, "test", "test", ""), "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["identity"]["accessKey"], "test");
    let body = r#"{"x":1}"#;
    let r = send(
        "POST",
        &iam,
        &sign("POST", &iam, "test", "test", body),
        body,
    )
    .await;
    assert_eq!(r.status, 200, "a signed body: {}", r.body);
    // A body changed after signing no longer matches.
    let r = send(
        "POST",
        &iam,
        &sign("POST", &iam, "test", "test", body),
        r#"{"x":2}"#,
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(
        r.body
            .contains("The request signature we calculated does not match"),
        "{}",
        r.body
    );
    let r = send("GET", &iam, &sign("GET", &iam, "test", "wrong", ""), "").await;
    assert_eq!(r.status, 403);
    assert!(
        r.body
            .contains("The request signature we calculated does not match"),
        "{}",
        r.body
    );
    let r = send("GET", &iam, &sign("GET", &iam, "AKIDOTHER", "test", ""), "").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            403,
            r#"{"message":"The security token included in the request is invalid."}"#
        )
    );
    s.stop();

    // Configured credentials replace the defaults.
    let mut s = p.serve(&[
        ("PORTICO_ACCESS_KEY_ID", "AKIDLOCAL"),
        ("PORTICO_SECRET_ACCESS_KEY", "s3cret"),
    ]);
    let iam = format!("{}{stage_path}/iam", s.url.trim_end_matches('/'));
    let r = send(
        "GET",
        &iam,
        &sign("GET", &iam, "AKIDLOCAL", "s3cret", ""),
        "",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["identity"]["accessKey"], "AKIDLOCAL");
    let r = send("GET", &iam, &sign("GET", &iam, "test", "test", ""), "").await;
    assert_eq!(r.status, 403, "{}", r.body);
    s.stop();
}
