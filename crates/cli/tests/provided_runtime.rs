//! `provided.al2023`: a function built with AWS's own `lambda_runtime`
//! crate runs unchanged against Portico's Runtime API.

mod common;
use common::*;
use std::path::PathBuf;

/// Builds the fixture function (its own workspace) and returns the binary.
fn build_fixture() -> PathBuf {
    let manifest =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rust-fn/Cargo.toml");
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/fixtures");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let o = std::process::Command::new(cargo)
        .args(["build", "--quiet", "--manifest-path"])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("cargo");
    assert!(
        o.status.success(),
        "building the fixture: {}",
        text(&o.stderr)
    );
    target.join("debug/portico-fixture-rust-fn")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lambda_runtime_function_runs_on_provided_al2023() {
    let bin = build_fixture();
    let p = Project::new("app", serde_json::json!({}));
    let dir = p.path().join("functions/rust");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&bin, dir.join("bootstrap")).unwrap();
    p.ok(&["deploy"], "");
    let list = p.ok(&["list"], "");
    assert!(
        list.contains("runtime: provided.al2023"),
        "an executable bootstrap means provided.al2023: {list}"
    );
    let mut s = p.serve(&[]);
    let r = invoke(&s.url, "app_rust:current", r#"{"hello":"world"}"#, &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["echo"], serde_json::json!({"hello": "world"}));
    assert_eq!(v["function"], "app_rust");
    assert_eq!(
        v["arn"],
        "arn:aws:lambda:us-east-1:000000000000:function:app_rust:current"
    );
    assert_eq!(v["request_id"].as_str().map(str::len), Some(36));
    let r = invoke(&s.url, "app_rust", r#"{"fail":1}"#, &[]).await;
    assert_eq!(
        r.header("x-amz-function-error").as_deref(),
        Some("Unhandled")
    );
    assert_eq!(
        r.json()["errorMessage"],
        "the rust function failed",
        "{}",
        r.body
    );
    s.stop();
    let logs = p.ok(&["logs", "rust"], "");
    assert!(
        logs.contains("rust handler got {\"hello\":\"world\"}"),
        "{logs}"
    );
    // Custom runtimes bill the init time: Billed Duration >= Init Duration.
    assert!(logs.contains("Init Duration: "), "{logs}");
}
