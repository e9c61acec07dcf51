//! Test harness for `portico up`: a copy of an example in a temporary
//! directory, `portico up --port 0` on it with its output collected, plain
//! HTTP requests, and SIGTERM with a look at the process table.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_portico");

/// The repository's root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Copies `examples/NAME` into a fresh temporary directory, without state
/// or build output.
pub fn copy_example(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&repo().join("examples").join(name), dir.path());
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read example").flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if matches!(name.as_str(), ".portico" | "target" | "bootstrap") {
            continue;
        }
        let ty = e.file_type().expect("file type");
        if ty.is_dir() {
            copy_tree(&e.path(), &to.join(&name));
        } else {
            std::fs::copy(e.path(), to.join(&name)).expect("copy");
        }
    }
}

/// A running `portico up`; SIGTERM on drop.
pub struct Up {
    pub child: Option<Child>,
    pub url: String,
    pub dir: PathBuf,
    output: Arc<Mutex<String>>,
}

impl Up {
    /// Starts `portico up --port 0` in `dir` and waits until it watches.
    pub fn start(dir: &Path, env: &[(&str, &str)]) -> Up {
        let mut c = Command::new(BIN);
        c.args(["up", "--port", "0"])
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env_remove("PORTICO_ENDPOINT")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c.spawn().expect("spawn portico up");
        let output = Arc::new(Mutex::new(String::new()));
        collect(child.stdout.take().expect("stdout"), output.clone());
        collect(child.stderr.take().expect("stderr"), output.clone());
        let mut up = Up {
            child: Some(child),
            url: String::new(),
            dir: dir.to_path_buf(),
            output,
        };
        // Generous: the rust example compiles its dependencies on a busy CI machine.
        up.wait_for("watching", 600);
        let out = up.output();
        up.url = out
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:"))
            .expect("no URL in up's output")
            .to_string();
        up
    }

    /// Everything printed so far (stdout and stderr, interleaved).
    pub fn output(&self) -> String {
        self.output.lock().map(|o| o.clone()).unwrap_or_default()
    }

    /// Waits until the output holds `text` (after `from` bytes).
    pub fn wait_for_after(&mut self, from: usize, text: &str, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let out = self.output();
            if out.get(from..).is_some_and(|o| o.contains(text)) {
                return;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                // Let the readers take the last lines.
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "up exited ({status}) before printing {text:?}:\n{}",
                    self.output()
                );
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {text:?} in up's output:\n{out}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn wait_for(&mut self, text: &str, secs: u64) {
        self.wait_for_after(0, text, secs)
    }

    /// The invoke base of the first stage the route table names:
    /// `http://127.0.0.1:PORT/_aws/execute-api/API/STAGE`.
    pub fn stage_url(&mut self) -> String {
        // The table goes to stdout and "watching" to stderr: they arrive
        // through two pipes, in either order.
        let prefix = format!("{}/_aws/execute-api/", self.url);
        self.wait_for(&prefix, 10);
        let out = self.output();
        let start = out
            .find(&prefix)
            .unwrap_or_else(|| panic!("no route table in:\n{out}"));
        let rest = &out[start..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let url = &rest[..end];
        // .../_aws/execute-api/API/STAGE/path...
        let parts: Vec<&str> = url.splitn(8, '/').collect();
        parts[..7].join("/")
    }

    /// Sends SIGTERM and waits (bounded) for the exit; returns whether it
    /// exited successfully.
    pub fn stop(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return false;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(s)) = child.try_wait() {
                return s.success();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        false
    }
}

impl Drop for Up {
    fn drop(&mut self) {
        self.stop();
    }
}

fn collect(stream: impl Read + Send + 'static, into: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if let Ok(mut o) = into.lock() {
                o.push_str(&line);
                o.push('\n');
            }
        }
    });
}

/// The process-table check shared with the other loopback tests.
pub use crate::common::processes_under;

/// An HTTP answer.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn header(&self, n: &str) -> Option<String> {
        self.headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// One request, never through a proxy.
pub async fn request(method: &str, url: &str, body: Option<&str>) -> Answer {
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut r = client.request(method, url);
    if let Some(b) = body {
        r = r
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let resp = r.send().await.expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.text().await.expect("body");
    Answer {
        status,
        headers,
        body,
    }
}

/// Repeats the request until `ok` holds for the answer (or panics after `secs`);
/// returns the answer and how long it took.
pub async fn until(
    method: &str,
    url: &str,
    body: Option<&str>,
    secs: u64,
    ok: impl Fn(&Answer) -> bool,
) -> (Answer, Duration) {
    let started = Instant::now();
    loop {
        let a = request(method, url, body).await;
        if ok(&a) {
            return (a, started.elapsed());
        }
        assert!(
            started.elapsed() < Duration::from_secs(secs),
            "timed out: {method} {url} still answers {} {}",
            a.status,
            a.body
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Replaces `from` with `to` in a file, asserting it was there.
pub fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replace(from, to)).expect("write");
}

/// SIGTERM, a clean exit, and no process left in the project directory.
pub fn stop_cleanly(up: &mut Up) {
    assert!(up.stop(), "up did not exit cleanly:\n{}", up.output());
    // Runtimes end with their parent; give the kernel a moment to reap them.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = processes_under(&up.dir);
        if left.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "processes left after SIGTERM: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // The reader threads may still be taking the last lines from the pipes.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !up.output().contains("• stopped") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(up.output().contains("• stopped"), "{}", up.output());
}
