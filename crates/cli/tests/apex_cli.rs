//! The Apex workflow through the real binary, without a server: deploy
//! publishes only on change, aliases and rollback, list, logs, build, exec,
//! delete; and invoke through a running server.

mod common;
use common::*;

fn project() -> Project {
    let p = Project::new(
        "app",
        serde_json::json!({"retainedVersions": 2, "environment": {"FROM": "project"}}),
    );
    p.file("hello", "index.js", "exports.handle = async (e) => { console.log('greeting', e.name); return 'v1:' + process.env.FROM + ':' + (process.env.EXTRA || ''); };\n");
    p
}

fn stderr(o: &std::process::Output) -> String {
    text(&o.stderr)
}

#[test]
fn deploy_versions_aliases_and_rollback() {
    let p = project();
    let o = p.run(&["deploy"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("function created") && stderr(&o).contains("version=1"),
        "{}",
        stderr(&o)
    );
    let o = p.run(&["deploy"], "");
    assert!(
        stderr(&o).contains("unchanged"),
        "a second deploy with nothing changed publishes nothing: {}",
        stderr(&o)
    );
    assert_eq!(
        p.ok(&["invoke", "hello"], r#"{"name":"a"}"#).trim(),
        r#""v1:project:""#
    );

    // A config change alone publishes a new version too.
    let o = p.run(&["deploy", "-s", "EXTRA=x"], "");
    assert!(
        stderr(&o).contains("function updated") && stderr(&o).contains("version=2"),
        "{}",
        stderr(&o)
    );
    assert_eq!(p.ok(&["invoke", "hello"], "{}").trim(), r#""v1:project:x""#);

    p.file("hello", "index.js", "exports.handle = async () => 'v3';\n");
    p.ok(&["deploy"], "");
    assert_eq!(p.ok(&["invoke", "hello"], "{}").trim(), r#""v3""#);
    // retainedVersions = 2: version 1 was pruned.
    let list = p.ok(&["list"], "");
    assert!(
        list.contains("versions: 2, 3") && list.contains("aliases: current@v3"),
        "{list}"
    );

    p.ok(&["rollback", "hello"], "");
    assert_eq!(p.ok(&["invoke", "hello"], "{}").trim(), r#""v1:project:x""#);
    p.ok(&["rollback", "hello"], "");
    assert_eq!(p.ok(&["invoke", "hello"], "{}").trim(), r#""v3""#);
    p.ok(&["rollback", "hello", "-v", "2"], "");
    assert_eq!(p.ok(&["invoke", "hello"], "{}").trim(), r#""v1:project:x""#);
    let o = p.run(&["rollback", "hello", "-v", "2"], "");
    assert!(
        !o.status.success(),
        "rolling back to the current version is an error"
    );

    // Promote: alias `stable` follows `current`.
    p.ok(&["alias", "stable", "hello", "-v", "current"], "");
    assert_eq!(
        p.ok(&["invoke", "hello", "-a", "stable"], "{}").trim(),
        r#""v1:project:x""#
    );
    p.ok(&["alias", "stable", "hello", "-v", "3"], "");
    assert_eq!(
        p.ok(&["invoke", "hello", "-a", "stable"], "{}").trim(),
        r#""v3""#
    );

    let tfvars = p.ok(&["list", "--tfvars"], "");
    assert_eq!(
        tfvars,
        "apex_function_hello=\"arn:aws:lambda:us-east-1:000000000000:function:app_hello\"\napex_function_hello_name=\"app_hello\"\n"
    );
    let o = p.run(&["delete", "hello"], "no\n");
    assert!(!o.status.success());
    p.ok(&["delete", "-f", "hello"], "");
    assert_eq!(p.ok(&["list", "--tfvars"], ""), "");
}

#[test]
fn logs_show_console_lines_between_start_and_end() {
    let p = project();
    p.ok(&["deploy"], "");
    let o = p.run(&["invoke", "hello", "-L"], r#"{"name":"bob"}"#);
    assert!(
        stderr(&o).contains("REPORT RequestId:"),
        "-L prints the tail: {}",
        stderr(&o)
    );
    let logs = p.ok(&["logs", "hello"], "");
    let lines: Vec<&str> = logs.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains("START RequestId:"))
        .expect("START");
    let greet = lines
        .iter()
        .position(|l| l.contains("\tINFO\tgreeting bob"))
        .expect("console line");
    let end = lines
        .iter()
        .position(|l| l.contains("END RequestId:"))
        .expect("END");
    let report = lines
        .iter()
        .position(|l| l.contains("REPORT RequestId:"))
        .expect("REPORT");
    assert!(start < greet && greet < end && end < report, "{logs}");
    assert!(
        lines[start].starts_with("/aws/lambda/app_hello START RequestId: "),
        "{}",
        lines[start]
    );
    let filtered = p.ok(&["logs", "hello", "-F", "greeting"], "");
    assert_eq!(filtered.lines().count(), 1, "{filtered}");
}

#[test]
fn invoke_reports_function_errors_and_streams_documents() {
    let p = Project::new("app", serde_json::json!({}));
    p.file(
        "f",
        "index.js",
        "exports.handle = async (e) => { if (e.fail) throw new Error('nope'); return e.n; };\n",
    );
    p.ok(&["deploy"], "");
    let out = p.ok(
        &["invoke", "f"],
        r#"{"n":1} {"n":2} {"event":{"n":3},"context":{"custom":{}}}"#,
    );
    assert_eq!(out, "1\n2\n3\n");
    let o = p.run(&["invoke", "f"], r#"{"fail":true}"#);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("Error: function response: nope"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn build_writes_a_deterministic_zip_and_exec_sees_arns() {
    let p = project();
    let a = p.run(&["build", "hello"], "");
    let b = p.run(&["build", "hello"], "");
    assert!(a.status.success() && a.stdout.starts_with(b"PK"));
    assert_eq!(a.stdout, b.stdout);
    p.ok(&["deploy"], "");
    let env = p.ok(&["exec", "--", "env"], "");
    assert!(
        env.contains(
            "apex_function_hello=arn:aws:lambda:us-east-1:000000000000:function:app_hello"
        ),
        "{env}"
    );
}

#[test]
fn region_and_account_flow_into_arns() {
    let p = Project::new("app", serde_json::json!({"region": "eu-west-1"}));
    p.file(
        "f",
        "index.js",
        "exports.handle = async () => process.env.AWS_REGION;\n",
    );
    p.ok(&["deploy"], "");
    let tfvars = p.ok(&["list", "--tfvars", "--account-id", "123456789012"], "");
    assert!(
        tfvars.starts_with(
            "apex_function_f=\"arn:aws:lambda:eu-west-1:123456789012:function:app_f\""
        ),
        "{tfvars}"
    );
    assert_eq!(p.ok(&["invoke", "f"], "{}").trim(), r#""eu-west-1""#);
    let o = p.run(&["list", "--account-id", "12"], "");
    assert!(!o.status.success() && stderr(&o).contains("12 digits"));
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_invoke_goes_through_a_running_server_and_reuses_its_environment() {
    let p = Project::new("app", serde_json::json!({}));
    p.file(
        "pid",
        "index.js",
        "exports.handle = async () => process.pid;\n",
    );
    p.ok(&["deploy"], "");
    let mut s = p.serve(&[]);
    let a = p.ok(&["invoke", "pid"], "{}");
    let b = p.ok(&["invoke", "pid"], "{}");
    assert_eq!(
        a, b,
        "both CLI invocations ran in the server's one warm environment"
    );
    // A deploy made while the server runs is seen by its next request.
    p.file(
        "pid",
        "index.js",
        "exports.handle = async () => 'new code';\n",
    );
    p.ok(&["deploy"], "");
    assert_eq!(p.ok(&["invoke", "pid"], "{}").trim(), r#""new code""#);
    s.stop();
}

#[test]
fn bad_project_files_are_clear_errors() {
    let p = Project::new("app", serde_json::json!({}));
    std::fs::write(
        p.path().join("project.json"),
        "{\"name\": \"app\",\n \"memory\": }",
    )
    .unwrap();
    let o = p.run(&["deploy"], "");
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("project.json") && stderr(&o).contains("line 2"),
        "{}",
        stderr(&o)
    );
    let p = Project::new("app", serde_json::json!({}));
    p.file("f", "index.js", "exports.handle = async () => 1;\n");
    let o = p.run(&["deploy", "nomatch*"], "");
    assert!(
        !o.status.success() && stderr(&o).contains("nomatch*"),
        "{}",
        stderr(&o)
    );
}
