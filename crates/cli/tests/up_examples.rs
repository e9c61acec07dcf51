//! `portico up` on a copy of each example under examples/: the requests
//! answer as the example's README says; a saved function changes the next
//! answer without a restart; a resource added to a `.tf` file (and to the
//! deployment's `triggers`) adds the route, and without the trigger the
//! stale-stage warning says why it does not; a broken file is reported
//! while the old routes keep answering; SIGTERM leaves no process behind.
//! Also `portico init` then `portico up`, and the terminal manners.

mod common;
mod up_support;
use std::time::Instant;
use up_support::*;

const PING_TF: &str = r#"
resource "aws_api_gateway_resource" "ping" {
  rest_api_id = aws_api_gateway_rest_api.status_api.id
  parent_id   = aws_api_gateway_rest_api.status_api.root_resource_id
  path_part   = "ping"
}

resource "aws_api_gateway_method" "ping_get" {
  rest_api_id   = aws_api_gateway_rest_api.status_api.id
  resource_id   = aws_api_gateway_resource.ping.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "ping_get" {
  rest_api_id       = aws_api_gateway_rest_api.status_api.id
  resource_id       = aws_api_gateway_resource.ping.id
  http_method       = aws_api_gateway_method.ping_get.http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}

resource "aws_api_gateway_method_response" "ping_get_200" {
  rest_api_id = aws_api_gateway_rest_api.status_api.id
  resource_id = aws_api_gateway_resource.ping.id
  http_method = aws_api_gateway_method.ping_get.http_method
  status_code = "200"
}

resource "aws_api_gateway_integration_response" "ping_get_200" {
  rest_api_id        = aws_api_gateway_rest_api.status_api.id
  resource_id        = aws_api_gateway_resource.ping.id
  http_method        = aws_api_gateway_method.ping_get.http_method
  status_code        = aws_api_gateway_method_response.ping_get_200.status_code
  response_templates = { "application/json" = "{\"pong\": true}" }
  depends_on         = [aws_api_gateway_integration.ping_get]
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn github_status_edit_add_a_route_break_and_stop() {
    let dir = copy_example("github-status");
    let mut up = Up::start(dir.path(), &[]);
    let base = up.stage_url();
    up.wait_for("lambda github-status_github-status ($LATEST) (AWS)", 10);
    assert!(
        up.output()
            .contains(&format!("POST    {base}/check  →  lambda")),
        "the route table: {}",
        up.output()
    );
    let check = format!("{base}/check");

    // The README's three requests.
    let body = format!(r#"{{"url":"{}/_portico/health"}}"#, up.url);
    let a = request("POST", &check, Some(&body)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body.contains(r#"\"status\":\"running\""#), "{}", a.body);
    let a = request("POST", &check, Some("{}")).await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(a.json()["message"], "[BadRequest] URL required");
    let a = request("POST", &check, Some(r#"{"url":"http://127.0.0.1:1/"}"#)).await;
    assert_eq!(a.status, 500, "{}", a.body);
    assert!(
        a.json()["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("[InternalServerError]"),
        "{}",
        a.body
    );

    // A saved function answers the next request, without a restart.
    let source = dir.path().join("functions/github-status/index.js");
    let saved = Instant::now();
    edit(&source, "URL required", "a URL is required");
    let (_, took) = until("POST", &check, Some("{}"), 15, |a| {
        a.body.contains("[BadRequest] a URL is required")
    })
    .await;
    eprintln!(
        "save to new code answering: {} ms (request loop {} ms)",
        saved.elapsed().as_millis(),
        took.as_millis()
    );
    up.wait_for("function updated", 10);

    // A new resource without a trigger: applied, but the stage keeps its
    // deployment, and up says so instead of redeploying behind our back.
    let mark = up.output().len();
    std::fs::write(dir.path().join("infrastructure/ping.tf"), PING_TF).unwrap();
    up.wait_for_after(mark, "will keep serving an old deployment", 15);
    up.wait_for_after(mark, "Apply complete!", 15);
    let a = request("GET", &format!("{base}/ping"), None).await;
    assert_eq!(
        a.status, 403,
        "the stage serves its old deployment: {}",
        a.body
    );

    // Naming the new resources in `triggers` redeploys: the route appears.
    let mark = up.output().len();
    edit(
        &dir.path().join("infrastructure/api.tf"),
        "      aws_api_gateway_integration_response.check_post_500,\n",
        "      aws_api_gateway_integration_response.check_post_500,\n      aws_api_gateway_resource.ping,\n      aws_api_gateway_method.ping_get,\n      aws_api_gateway_integration.ping_get,\n      aws_api_gateway_integration_response.ping_get_200,\n",
    );
    // (Only the route table prints an arrow; the access log names /test/ping too.)
    up.wait_for_after(mark, "→  MOCK", 15);
    let a = request("GET", &format!("{base}/ping"), None).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["pong"], true);

    // A syntax error is reported; the last good state keeps serving.
    let mark = up.output().len();
    std::fs::write(
        dir.path().join("infrastructure/broken.tf"),
        "resource \"aws_api_gateway_resource\" \"x\" {\n  rest_api_id = \n",
    )
    .unwrap();
    up.wait_for_after(mark, "infrastructure/broken.tf", 15);
    up.wait_for_after(mark, "the last good state keeps serving", 15);
    let a = request("GET", &format!("{base}/ping"), None).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = request("POST", &check, Some("{}")).await;
    assert_eq!(a.status, 400, "{}", a.body);

    // The logs of the function and of the API stream, prefixed by source.
    let out = up.output();
    assert!(out.contains(" github-status | START RequestId: "), "{out}");
    assert!(
        out.contains("| (") && out.contains("Method completed with status: 400"),
        "{out}"
    );
    stop_cleanly(&mut up);
}

#[tokio::test(flavor = "multi_thread")]
async fn json_crud_keeps_its_data_in_the_named_file() {
    let dir = copy_example("json-crud");
    let data = dir.path().join("items.json");
    edit(
        &dir.path().join("functions/items/function.json"),
        "/tmp/portico-example-json-crud.json",
        data.to_str().unwrap(),
    );
    let mut up = Up::start(dir.path(), &[]);
    let base = up.stage_url();
    let items = format!("{base}/items");
    let a = request("GET", &items, None).await;
    assert_eq!((a.status, a.body.as_str()), (200, "[]"));
    let a = request("POST", &items, Some(r#"{"name":"lamp","price":12}"#)).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.json()["id"].as_str().unwrap().to_string();
    let one = format!("{items}/{id}");
    let a = request("GET", &one, None).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["name"], "lamp");
    let a = request("PUT", &one, Some(r#"{"name":"lamp","price":10}"#)).await;
    assert_eq!(a.json()["price"], 10);
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&data).unwrap()).unwrap();
    assert_eq!(saved[&id]["price"], 10, "the data is in DATA_FILE");
    let a = request("POST", &items, Some("[1]")).await;
    assert_eq!(a.status, 400, "{}", a.body);
    let a = request("DELETE", &one, None).await;
    assert_eq!(a.status, 204, "{}", a.body);
    let a = request("GET", &one, None).await;
    assert_eq!(a.status, 404, "{}", a.body);
    // `{proxy+}` does not match `/`: the root has its own ANY method.
    let a = request("GET", &format!("{base}/"), None).await;
    assert_eq!(a.status, 404, "{}", a.body);
    assert_eq!(a.json()["message"], "no route for GET /");

    // A function.json that does not parse is reported; the API keeps answering.
    let config = dir.path().join("functions/items/function.json");
    let good = std::fs::read_to_string(&config).unwrap();
    let mark = up.output().len();
    std::fs::write(&config, good.replace("\"runtime\"", "runtime")).unwrap();
    up.wait_for_after(mark, "function.json", 15);
    up.wait_for_after(mark, "the last good state keeps serving", 15);
    let a = request("GET", &items, None).await;
    assert_eq!((a.status, a.body.as_str()), (200, "[]"));
    stop_cleanly(&mut up);
}

#[tokio::test(flavor = "multi_thread")]
async fn python_cors_template_preflight_and_a_broken_save() {
    let dir = copy_example("python-cors");
    let mut up = Up::start(dir.path(), &[]);
    let greet = format!("{}/greet", up.stage_url());
    let a = request("GET", &format!("{greet}?name=Ada&language=fr"), None).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["greeting"], "Bonjour, Ada!");
    assert_eq!(a.json()["caller"], "127.0.0.1");
    assert_eq!(
        a.header("access-control-allow-origin").as_deref(),
        Some("*")
    );
    let a = request("OPTIONS", &greet, None).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.header("access-control-allow-methods").as_deref(),
        Some("GET,OPTIONS")
    );
    let a = request("GET", &format!("{greet}?language=xx"), None).await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(a.json()["message"], "[BadRequest] unknown language xx");

    // A save that does not parse is reported, and the old code keeps answering.
    let source = dir.path().join("functions/greet/main.py");
    let good = std::fs::read_to_string(&source).unwrap();
    let mark = up.output().len();
    std::fs::write(
        &source,
        good.replace("def handle(event, context):", "def handle(event, context)"),
    )
    .unwrap();
    up.wait_for_after(mark, "main.py does not parse", 15);
    let a = request("GET", &format!("{greet}?name=Ada"), None).await;
    assert_eq!(a.json()["greeting"], "Hello, Ada!");
    std::fs::write(&source, good.replace("Hello", "Hi")).unwrap();
    until("GET", &format!("{greet}?name=Ada"), None, 15, |a| {
        a.body.contains("Hi, Ada!")
    })
    .await;
    stop_cleanly(&mut up);
}

/// Built by function.json's hook with the same Cargo.lock and target
/// directory as the `rust-fn` fixture, so the dependencies compile once.
#[tokio::test(flavor = "multi_thread")]
async fn rust_hello_on_provided_al2023() {
    let dir = copy_example("rust-hello");
    let target = repo().join("target/fixtures");
    let mut up = Up::start(
        dir.path(),
        &[("CARGO_TARGET_DIR", target.to_str().unwrap())],
    );
    assert!(up.output().contains("function created"), "{}", up.output());
    let hello = format!("{}/hello?name=Ferris", up.stage_url());
    let a = request("GET", &hello, None).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["message"], "Hello, Ferris, from Rust!");
    assert_eq!(a.json()["request_id"].as_str().map(str::len), Some(36));
    stop_cleanly(&mut up);
}

#[tokio::test(flavor = "multi_thread")]
async fn init_then_up_answers() {
    for runtime in ["nodejs20.x", "python3.12"] {
        let parent = tempfile::tempdir().unwrap();
        let o = std::process::Command::new(BIN)
            .args(["init", "my-api", "--runtime", runtime])
            .current_dir(parent.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let dir = parent.path().join("my-api");
        let mut up = Up::start(&dir, &[]);
        let a = request("GET", &format!("{}/hello?name=you", up.stage_url()), None).await;
        assert_eq!(a.status, 200, "{runtime}: {}", a.body);
        assert_eq!(a.json()["message"], "Hello, you!");
        stop_cleanly(&mut up);
        // A second init over it refuses to overwrite.
        let o = std::process::Command::new(BIN)
            .args(["init", "my-api"])
            .current_dir(parent.path())
            .output()
            .unwrap();
        assert!(!o.status.success());
    }
}

#[test]
fn help_examples_version_and_completions() {
    let run = |args: &[&str]| {
        let o = std::process::Command::new(BIN).args(args).output().unwrap();
        assert!(o.status.success(), "{args:?}");
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let help = run(&["--help"]);
    let commands: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 12, "{help}");
    for c in &commands {
        let h = run(&[c, "--help"]);
        assert!(
            h.contains("Example: ") && h.contains(&format!("portico {c}")),
            "portico {c} --help: {h}"
        );
    }
    assert!(run(&["--version"]).starts_with("portico "));
    for shell in ["bash", "zsh", "fish"] {
        let script = run(&["completions", shell]);
        assert!(
            script.contains("portico") && script.contains("up"),
            "{shell}"
        );
    }
}
