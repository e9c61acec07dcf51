//! Test harness: a temporary Apex project, the real `portico` binary run
//! against it, and `portico serve` on 127.0.0.1:0 stopped by SIGTERM.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_portico");

/// A project directory with its own state.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    /// `project.json` with this name and extra fields.
    pub fn new(name: &str, extra: serde_json::Value) -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut p = serde_json::json!({"name": name, "memory": 128, "timeout": 5, "role": "arn:aws:iam::000000000000:role/test"});
        if let (Some(p), Some(e)) = (p.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                p.insert(k.clone(), v.clone());
            }
        }
        std::fs::write(dir.path().join("project.json"), p.to_string()).expect("project.json");
        Project { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `functions/NAME/FILE`.
    pub fn file(&self, function: &str, file: &str, body: &str) -> &Self {
        let p = self.path().join("functions").join(function).join(file);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, body).expect("write");
        self
    }

    /// Runs `portico ARGS` in the project with `stdin`.
    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        self.run_env(args, stdin, &[])
    }

    pub fn run_env(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
        use std::io::Write;
        let mut c = Command::new(BIN);
        c.args(args)
            .current_dir(self.path())
            .env_remove("PORTICO_ENDPOINT")
            .env("NO_COLOR", "1");
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn portico");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("stdin write");
        child.wait_with_output().expect("wait")
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str], stdin: &str) -> String {
        let o = self.run(args, stdin);
        assert!(
            o.status.success(),
            "portico {args:?} failed:\nstdout: {}\nstderr: {}",
            text(&o.stdout),
            text(&o.stderr)
        );
        text(&o.stdout)
    }

    /// Starts `portico serve --port 0`.
    pub fn serve(&self, env: &[(&str, &str)]) -> Server {
        let mut c = Command::new(BIN);
        c.args(["serve", "--port", "0"])
            .current_dir(self.path())
            .env("NO_COLOR", "1");
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn serve");
        let out = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(out).lines();
        let first = lines.next().expect("serve printed nothing").expect("read");
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("no URL in serve output")
            .to_string();
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.by_ref() {});
        Server {
            child: Some(child),
            url,
            dir: self.path().to_path_buf(),
        }
    }
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

/// A running server; SIGTERM on drop.
pub struct Server {
    pub child: Option<Child>,
    pub url: String,
    pub dir: PathBuf,
}

impl Server {
    /// Sends SIGTERM and waits (bounded) for the exit.
    pub fn stop(&mut self) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        unsafe_free_kill(child.id(), "TERM");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(s)) = child.try_wait() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        child.wait().ok()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Sends a signal with the `kill` command (no unsafe code in tests).
pub fn unsafe_free_kill(pid: u32, sig: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status();
}

/// Processes whose working directory lies under `dir` (runtime processes).
pub fn processes_under(dir: &Path) -> Vec<u32> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for e in entries.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(cwd) = std::fs::read_link(e.path().join("cwd"))
            && cwd.starts_with(dir)
        {
            found.push(pid);
        }
    }
    found
}

/// The Invoke API's answer.
pub struct Invoked {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Invoked {
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

/// POSTs to the Invoke API.
pub async fn invoke(url: &str, function: &str, payload: &str, headers: &[(&str, &str)]) -> Invoked {
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let mut r = client
        .post(format!("{url}/2015-03-31/functions/{function}/invocations"))
        .body(payload.to_string());
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let resp = r.send().await.expect("invoke request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.text().await.expect("body");
    Invoked {
        status,
        headers,
        body,
    }
}

/// Polls `f` until it returns `Some`, or panics after `secs`.
pub fn eventually<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
