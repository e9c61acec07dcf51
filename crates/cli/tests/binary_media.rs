//! Binary bodies through the real binary and `portico infra apply`: an
//! AWS_PROXY Node function behind an API with `binary_media_types`
//! receives an `image/png` body base64-encoded with `isBase64Encoded`,
//! and its base64 answer reaches the client as bytes when the first
//! `Accept` range is binary, as the base64 text otherwise.

mod common;
use common::*;

const TF: &str = r#"
variable "aws_region" {}
variable "apex_function_img" {}

resource "aws_api_gateway_rest_api" "api" {
  name               = "bin"
  binary_media_types = ["image/png"]
}

resource "aws_lambda_permission" "img" {
  statement_id  = "AllowImg"
  action        = "lambda:InvokeFunction"
  function_name = var.apex_function_img
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/*/*"
}

resource "aws_api_gateway_resource" "img" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "img"
}

resource "aws_api_gateway_method" "img" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.img.id
  http_method   = "POST"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "img" {
  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = aws_api_gateway_resource.img.id
  http_method             = aws_api_gateway_method.img.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = "arn:aws:apigateway:${var.aws_region}:lambda:path/2015-03-31/functions/${var.apex_function_img}/invocations"
}

resource "aws_api_gateway_deployment" "d" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  depends_on  = [aws_api_gateway_integration.img]
}

resource "aws_api_gateway_stage" "prod" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  deployment_id = aws_api_gateway_deployment.d.id
  stage_name    = "prod"
}
"#;

/// Answers the request's bytes reversed, as base64, and says how the event
/// carried them.
const IMG: &str = r#"
exports.handle = async (event) => {
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body || '', 'utf8');
  const out = Buffer.from(raw).reverse();
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'image/png', 'X-Event-Base64': String(event.isBase64Encoded), 'X-Event-Length': String(raw.length) },
    body: out.toString('base64'),
    isBase64Encoded: true,
  };
};
"#;

fn stage_url(apply_output: &str) -> String {
    let start = apply_output
        .find("http://127.0.0.1:")
        .expect("a local invoke URL in the apply output");
    let rest = &apply_output[start..];
    rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())]
        .trim_end_matches('/')
        .to_string()
}

async fn post(url: &str, content_type: &str, accept: &str, body: Vec<u8>) -> reqwest::Response {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(url)
        .header("Content-Type", content_type)
        .header("Accept", accept)
        .body(body)
        .send()
        .await
        .expect("request")
}

fn header(r: &reqwest::Response, n: &str) -> String {
    r.headers()
        .get(n)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_aws_proxy_function_receives_and_returns_a_png() {
    let p = Project::new("bin", serde_json::json!({}));
    p.file("img", "index.js", IMG);
    let infra = p.path().join("infrastructure");
    std::fs::create_dir_all(&infra).unwrap();
    std::fs::write(infra.join("main.tf"), TF).unwrap();
    p.ok(&["deploy"], "");
    let mut s = p.serve(&[]);
    let out = p.ok(&["infra", "apply", "-auto-approve"], "");
    let url = format!("{}/img", stage_url(&out));

    // Not valid UTF-8: it survives only if it travels as base64.
    let png: Vec<u8> = vec![
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe,
    ];
    let mut reversed = png.clone();
    reversed.reverse();

    let r = post(&url, "image/png", "image/png", png.clone()).await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(header(&r, "x-event-base64"), "true");
    assert_eq!(header(&r, "x-event-length"), png.len().to_string());
    assert_eq!(header(&r, "content-type"), "image/png");
    assert_eq!(
        r.bytes().await.unwrap().to_vec(),
        reversed,
        "decoded for a binary Accept"
    );

    // The first Accept range is text: the client gets the base64 text.
    let r = post(
        &url,
        "image/png",
        "application/json, image/png",
        png.clone(),
    )
    .await;
    assert_eq!(r.status().as_u16(), 200);
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&reversed);
    assert_eq!(r.text().await.unwrap(), b64);

    // A text body is not base64-encoded in the event.
    let r = post(&url, "text/plain", "image/png", b"hello".to_vec()).await;
    assert_eq!(header(&r, "x-event-base64"), "false");
    assert_eq!(r.bytes().await.unwrap().to_vec(), b"olleh".to_vec());
    s.stop();
}
