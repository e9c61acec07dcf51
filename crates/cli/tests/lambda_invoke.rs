//! The Invoke API over loopback against the real binary, with Node and
//! Python functions: results, AWS's error payloads, platform failures,
//! concurrency, throttling, logs, and a clean stop.

mod common;
use common::*;

fn node_project() -> Project {
    let p = Project::new("t", serde_json::json!({}));
    p.file("echo", "index.js", "exports.handle = async (e, ctx) => ({ event: e, pid: process.pid, version: ctx.functionVersion, arn: ctx.invokedFunctionArn, mem: ctx.memoryLimitInMB, gc: typeof global.gc, argv: process.execArgv });\n");
    p.file("boom", "index.js", "exports.handle = async () => { console.log('about to fail'); throw new Error('boom'); };\n");
    p.file(
        "cbstring",
        "index.js",
        "exports.handle = (e, c, cb) => cb(JSON.stringify({message: '[BadRequest] nope'}));\n",
    );
    p.file("slow", "index.js", "exports.handle = async (e) => { await new Promise(r => setTimeout(r, e.ms || 0)); return { pid: process.pid }; };\n");
    p.file("slow", "function.json", r#"{"timeout": 1}"#);
    p.file(
        "crash",
        "index.js",
        "exports.handle = async () => { process.exit(3); };\n",
    );
    p.file("syntax", "index.js", "exports.handle = async () => {\n");
    p.file("reserved", "index.js", "exports.handle = async (e) => { await new Promise(r => setTimeout(r, 500)); return 'ok'; };\n");
    p.file("reserved", "function.json", r#"{"concurrency": 1}"#);
    p.file(
        "huge",
        "index.js",
        "exports.handle = async () => 'x'.repeat(6291556);\n",
    );
    p.file("py", "main.py", "import os\ndef handle(event, context):\n    print('hello from python')\n    return {'event': event, 'fn': context.function_name, 'mem': context.memory_limit_in_mb}\n");
    p.file(
        "pyerr",
        "main.py",
        "def handle(event, context):\n    raise ValueError('bad value')\n",
    );
    p
}

#[tokio::test(flavor = "multi_thread")]
async fn node_and_python_results_and_errors_have_aws_shapes() {
    let p = node_project();
    p.ok(&["deploy"], "");
    let mut s = p.serve(&[]);
    let r = invoke(
        &s.url,
        "t_echo",
        r#"{"a":1}"#,
        &[("X-Amz-Log-Type", "Tail")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("x-amz-executed-version").as_deref(),
        Some("$LATEST")
    );
    assert!(r.header("x-amz-function-error").is_none());
    let v = r.json();
    assert_eq!(v["event"], serde_json::json!({"a": 1}));
    assert_eq!(v["mem"], "128", "memoryLimitInMB is a string");
    // AWS's bootstrap flags reach the process (the list itself is pinned
    // by the runtime's unit test): global.gc, a heap sized from 128 MB.
    assert_eq!(v["gc"], "function");
    let argv = v["argv"].as_array().expect("execArgv");
    for flag in [
        "--expose-gc",
        "--max-semi-space-size=6",
        "--max-old-space-size=116",
    ] {
        assert!(argv.iter().any(|a| a == flag), "{flag} in {argv:?}");
    }
    assert_eq!(
        v["arn"],
        "arn:aws:lambda:us-east-1:000000000000:function:t_echo"
    );
    let tail = String::from_utf8(base64_decode(
        &r.header("x-amz-log-result").expect("log tail"),
    ))
    .unwrap();
    assert!(
        tail.contains("START RequestId: ")
            && tail.contains("END RequestId: ")
            && tail.contains("REPORT RequestId: "),
        "{tail}"
    );
    assert!(
        tail.contains("Init Duration: "),
        "a cold start reports Init Duration: {tail}"
    );

    // Qualified by alias: the executed version is the published one, the ARN keeps the alias.
    let r = invoke(&s.url, "t_echo:current", "{}", &[]).await;
    assert_eq!(r.header("x-amz-executed-version").as_deref(), Some("1"));
    assert_eq!(
        r.json()["arn"],
        "arn:aws:lambda:us-east-1:000000000000:function:t_echo:current"
    );

    let r = invoke(&s.url, "t_boom", "{}", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("x-amz-function-error").as_deref(),
        Some("Unhandled")
    );
    let v = r.json();
    assert_eq!(v["errorType"], "Error");
    assert_eq!(v["errorMessage"], "boom");
    assert!(
        v["trace"].as_array().is_some_and(|t| t[0] == "Error: boom"),
        "{v}"
    );

    let r = invoke(&s.url, "t_cbstring", "{}", &[]).await;
    assert_eq!(
        r.body,
        r#"{"errorType":"string","errorMessage":"{\"message\":\"[BadRequest] nope\"}","trace":[]}"#
    );

    let r = invoke(&s.url, "t_py", r#"{"x":[1,2]}"#, &[]).await;
    assert_eq!(
        r.json(),
        serde_json::json!({"event": {"x": [1, 2]}, "fn": "t_py", "mem": "128"})
    );
    let r = invoke(&s.url, "t_pyerr", "{}", &[]).await;
    assert_eq!(
        r.header("x-amz-function-error").as_deref(),
        Some("Unhandled")
    );
    let v = r.json();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["errorMessage", "errorType", "requestId", "stackTrace"]
    );
    assert_eq!(v["errorType"], "ValueError");
    assert_eq!(v["errorMessage"], "bad value");

    let r = invoke(&s.url, "t_syntax", "{}", &[]).await;
    assert_eq!(
        r.header("x-amz-function-error").as_deref(),
        Some("Unhandled")
    );
    assert_eq!(
        r.json()["errorType"],
        "Runtime.UserCodeSyntaxError",
        "{}",
        r.body
    );

    // A result over 6,291,556 bytes (with its quotes) is refused as AWS does.
    let r = invoke(&s.url, "t_huge", "{}", &[]).await;
    assert_eq!(
        r.header("x-amz-function-error").as_deref(),
        Some("Unhandled")
    );
    assert_eq!(
        r.body,
        r#"{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}"#
    );

    let r = invoke(&s.url, "t_crash", "{}", &[]).await;
    let v = r.json();
    assert_eq!(v["errorType"], "Runtime.ExitError");
    assert!(
        v["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("Error: Runtime exited with error: exit status 3"),
        "{v}"
    );
    s.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn timeout_kills_the_environment_and_the_next_invoke_starts_fresh() {
    let p = node_project();
    p.ok(&["deploy", "slow"], "");
    let mut s = p.serve(&[]);
    let first = invoke(&s.url, "t_slow", r#"{"ms":0}"#, &[]).await.json()["pid"].clone();
    let r = invoke(&s.url, "t_slow", r#"{"ms":3000}"#, &[]).await;
    assert_eq!(
        r.header("x-amz-function-error").as_deref(),
        Some("Unhandled")
    );
    let v = r.json();
    assert_eq!(v["errorType"], "Sandbox.Timedout");
    let msg = v["errorMessage"].as_str().unwrap();
    assert!(
        msg.starts_with("RequestId: ")
            && msg.ends_with(" Error: Task timed out after 1.00 seconds"),
        "{msg}"
    );
    let after = invoke(&s.url, "t_slow", r#"{"ms":0}"#, &[]).await.json()["pid"].clone();
    assert_ne!(first, after, "a timed-out environment is not reused");
    let logs = p.ok(&["logs", "slow"], "");
    assert!(logs.contains("Status: timeout"), "{logs}");
    s.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_caller_that_goes_away_leaves_the_function_to_finish_and_stay_warm() {
    let p = node_project();
    p.ok(&["deploy", "slow"], "");
    let mut s = p.serve(&[]);
    let first = invoke(&s.url, "t_slow", r#"{"ms":0}"#, &[]).await.json()["pid"].clone();
    // The client gives up long before the function is done.
    let impatient = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(100))
        .build()
        .unwrap();
    let gave_up = impatient
        .post(format!("{}/2015-03-31/functions/t_slow/invocations", s.url))
        .body(r#"{"ms":400}"#)
        .send()
        .await;
    assert!(gave_up.is_err(), "the client was meant to time out");
    // As on AWS the invocation runs to its end, and its environment (not
    // killed mid-invoke) is the warm one the next invoke gets.
    let reports = eventually(10, "the abandoned invocation's REPORT", || {
        let logs = p.ok(&["logs", "slow"], "");
        (logs.matches("REPORT RequestId:").count() == 2).then_some(logs)
    });
    assert!(
        !reports.contains("Status:"),
        "it ended normally:\n{reports}"
    );
    let after = invoke(&s.url, "t_slow", r#"{"ms":0}"#, &[]).await.json()["pid"].clone();
    assert_eq!(first, after, "the same warm environment");
    let logs = p.ok(&["logs", "slow"], "");
    assert_eq!(
        logs.matches("Init Duration").count(),
        1,
        "one cold start, the first invoke's:\n{logs}"
    );
    s.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_invokes_use_environments_up_to_the_cap_then_reuse_them() {
    let p = node_project();
    p.ok(&["deploy", "slow"], "");
    let mut s = p.serve(&[("PORTICO_MAX_ENVIRONMENTS", "3")]);
    let handles: Vec<_> = (0..6)
        .map(|_| {
            let url = s.url.clone();
            tokio::spawn(async move { invoke(&url, "t_slow", r#"{"ms":300}"#, &[]).await })
        })
        .collect();
    let mut results = Vec::new();
    for h in handles {
        results.push(h.await.expect("join"));
    }
    let mut pids: Vec<String> = results
        .iter()
        .map(|r| r.json()["pid"].to_string())
        .collect();
    pids.sort();
    pids.dedup();
    assert_eq!(
        pids.len(),
        3,
        "6 parallel invokes with a cap of 3 use exactly 3 environments: {pids:?}"
    );
    let again = invoke(&s.url, "t_slow", r#"{"ms":0}"#, &[]).await.json()["pid"].to_string();
    assert!(pids.contains(&again), "a warm environment is reused");
    s.stop();
}

/// The cores a process's main thread may run on, from /proc.
fn cores_allowed(pid: u64) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let list = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .expect("Cpus_allowed_list")
        .trim()
        .to_string();
    list.split(',')
        .map(|r| match r.split_once('-') {
            Some((a, b)) => b.parse::<usize>().unwrap() - a.parse::<usize>().unwrap() + 1,
            None => 1,
        })
        .sum()
}

/// One client at a time: the runtime may poll for its next event, and is
/// kept off the core of the event loop serving it (so the two never share
/// one). With more requests in flight than that it has every core again.
#[tokio::test(flavor = "multi_thread")]
async fn a_lone_client_keeps_the_runtime_off_the_loops_core_until_load_comes() {
    let cores = std::thread::available_parallelism().unwrap().get();
    let p = node_project();
    p.ok(&["deploy", "echo", "slow"], "");
    let mut s = p.serve(&[]);
    let lone = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("{}/2015-03-31/functions/t_echo/invocations", s.url);
    let pid_of = |body: String| {
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["pid"]
            .as_u64()
            .unwrap()
    };
    let mut pid = 0;
    for _ in 0..2 {
        let r = lone.post(&url).body("{}").send().await.unwrap();
        pid = pid_of(r.text().await.unwrap());
    }
    let expected = if cores >= 2 { cores - 1 } else { cores };
    assert_eq!(cores_allowed(pid), expected, "lone client, {cores} cores");
    // Load: more slow invokes in flight than half the cores, each on its
    // own connection, then the same warm echo environment once more.
    let busy: Vec<_> = (0..cores / 2 + 1)
        .map(|_| {
            let u = s.url.clone();
            tokio::spawn(async move { invoke(&u, "t_slow", r#"{"ms":900}"#, &[]).await })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let r = lone.post(&url).body("{}").send().await.unwrap();
    assert_eq!(pid_of(r.text().await.unwrap()), pid, "the warm environment");
    assert_eq!(cores_allowed(pid), cores, "under load: every core");
    for b in busy {
        assert_eq!(b.await.unwrap().status, 200);
    }
    s.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn reserved_concurrency_throttles_with_aws_reason() {
    let p = node_project();
    p.ok(&["deploy", "reserved"], "");
    let mut s = p.serve(&[]);
    let (a, b) = tokio::join!(invoke(&s.url, "t_reserved", "{}", &[]), async {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        invoke(&s.url, "t_reserved", "{}", &[]).await
    });
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(b.status, 429, "{}", b.body);
    assert_eq!(
        b.header("x-amzn-errortype").as_deref(),
        Some("TooManyRequestsException")
    );
    assert_eq!(
        b.json(),
        serde_json::json!({"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded", "Type": "User", "message": "Rate Exceeded."})
    );
    s.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn invoke_api_errors() {
    let p = node_project();
    p.ok(&["deploy", "echo"], "");
    let mut s = p.serve(&[]);
    let r = invoke(&s.url, "nope", "{}", &[]).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.header("x-amzn-errortype").as_deref(),
        Some("ResourceNotFoundException")
    );
    assert_eq!(
        r.json()["Message"],
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope:$LATEST"
    );
    let r = invoke(&s.url, "t_echo:nosuchalias", "{}", &[]).await;
    assert_eq!(
        r.json()["Message"],
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:t_echo:nosuchalias"
    );
    let r = invoke(&s.url, "t_echo", "{not json", &[]).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.header("x-amzn-errortype").as_deref(),
        Some("InvalidRequestContentException")
    );
    let big = format!("\"{}\"", "x".repeat(6_291_456));
    let r = invoke(&s.url, "t_echo", &big, &[]).await;
    assert_eq!(r.status, 413);
    assert_eq!(
        r.header("x-amzn-errortype").as_deref(),
        Some("RequestTooLargeException")
    );
    let r = invoke(
        &s.url,
        "t_echo",
        "{}",
        &[("X-Amz-Invocation-Type", "DryRun")],
    )
    .await;
    assert_eq!(r.status, 204);
    // A full ARN, URL-encoded, names the function too.
    let r = invoke(
        &s.url,
        "arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3At_echo",
        "{}",
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    s.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_leaves_no_runtime_process() {
    let p = node_project();
    p.ok(&["deploy", "slow", "py"], "");
    let mut s = p.serve(&[]);
    invoke(&s.url, "t_slow", "{}", &[]).await;
    invoke(&s.url, "t_py", "{}", &[]).await;
    assert!(
        processes_under(p.path()).len() >= 2,
        "two warm environments run under the project"
    );
    // One invocation still in flight when the signal arrives.
    let url = s.url.clone();
    let inflight = tokio::spawn(async move { invoke(&url, "t_slow", r#"{"ms":800}"#, &[]).await });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let status = s.stop().expect("server exited");
    assert!(
        status.success(),
        "serve exits cleanly on SIGTERM: {status:?}"
    );
    let _ = inflight.await;
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(
        processes_under(p.path()),
        Vec::<u32>::new(),
        "no process left behind"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_right_after_an_invoke_through_the_server_show_its_report() {
    let p = node_project();
    p.ok(&["deploy", "echo"], "");
    let mut s = p.serve(&[]);
    // The server stores lines in the background; `logs` asks it to flush
    // first, so each invoke's REPORT is there at once, every time.
    for _ in 0..5 {
        let r = invoke(&s.url, "t_echo", "{}", &[]).await;
        let id = r.header("x-amzn-requestid").expect("request id");
        let logs = p.ok(&["logs", "echo"], "");
        assert!(
            logs.contains(&format!("REPORT RequestId: {id}")),
            "REPORT of {id} missing:\n{logs}"
        );
    }
    s.stop();
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .expect("base64")
}

/// Whether this machine lets Portico put environments in memory cgroups
/// (the engine probes the same way).
fn memory_cgroups() -> bool {
    let Ok(own) = std::fs::read_to_string("/proc/self/cgroup") else {
        return false;
    };
    own.lines()
        .filter_map(|l| l.splitn(3, ':').nth(2).map(|p| (l, p)))
        .any(|(l, p)| {
            let dir = if l
                .split(':')
                .nth(1)
                .is_some_and(|c| c.split(',').any(|c| c == "memory"))
            {
                std::path::Path::new("/sys/fs/cgroup/memory").join(p.trim_start_matches('/'))
            } else {
                return false;
            };
            let probe = dir.join(format!("test-probe-{}", std::process::id()));
            let ok = std::fs::create_dir(&probe).is_ok();
            let _ = std::fs::remove_dir(&probe);
            ok
        })
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_is_limited_and_measured_where_the_machine_allows() {
    let p = Project::new("m", serde_json::json!({}));
    // Buffers live outside V8's heap: only a cgroup stops them.
    p.file("hog", "index.js", "exports.handle = async (e) => { const b = Buffer.alloc(e.mb * 1024 * 1024, 1); return b.length; };\n");
    p.ok(&["deploy"], "");
    let mut s = p.serve(&[]);
    let r = invoke(&s.url, "m_hog", r#"{"mb": 40}"#, &[]).await;
    assert_eq!(r.body, (40 * 1024 * 1024).to_string());
    let r = invoke(&s.url, "m_hog", r#"{"mb": 400}"#, &[]).await;
    if memory_cgroups() {
        let v = r.json();
        assert_eq!(v["errorType"], "Runtime.OutOfMemory", "{v}");
        assert!(
            v["errorMessage"]
                .as_str()
                .unwrap()
                .ends_with("Error: Runtime exited with error: signal: killed"),
            "{v}"
        );
    } else {
        eprintln!(
            "no memory cgroup here: the 400 MB allocation is not stopped ({})",
            r.body
        );
    }
    s.stop();
    let logs = p.ok(&["logs", "hog"], "");
    let used: Vec<u64> = logs
        .lines()
        .filter_map(|l| l.split("Max Memory Used: ").nth(1))
        .filter_map(|t| t.split(' ').next()?.parse().ok())
        .collect();
    assert!(
        used.first().is_some_and(|&mb| mb >= 40),
        "the 40 MB buffer shows in Max Memory Used: {used:?}\n{logs}"
    );
}
