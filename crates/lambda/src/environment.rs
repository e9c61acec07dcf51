//! One execution environment: a runtime process, its Runtime API listener,
//! its working copy of the code and its `/tmp`. States, owned by the pool:
//! Starting (spawned, init running) → Idle (runtime parked in `/next`) →
//! Busy (one event) → Idle, or → Dead (exit, timeout, init error).

use crate::dir_guard::DirGuard;
use crate::logs::{LogSink, Report};
use crate::runtime_api::{self, Outcome, Pending};
use crate::runtimes::{self, LaunchSpec};
use bytes::Bytes;
use portico_model::FunctionVersion;
use std::collections::BTreeMap;
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::{Notify, mpsc, oneshot, watch};

/// Everything needed to start an environment.
pub struct Launch {
    pub version: FunctionVersion,
    pub code: Vec<u8>,
    pub base_dir: PathBuf,
    pub runtime_dir: PathBuf,
    pub region: String,
    pub endpoint_url: Option<String>,
    pub polling: crate::RuntimePolling,
    pub sink: crate::LogSink,
    pub env_id: String,
    pub cgroups: Option<crate::cgroup::CgroupRoot>,
}

/// How an invocation ended, as the invoker reports it.
pub struct EnvResult {
    /// Response bytes (the function's result or error payload).
    pub payload: Bytes,
    /// `Some(errorType)` when the function failed (`X-Amz-Function-Error: Unhandled`).
    pub function_error: Option<String>,
    /// Whether the environment can take another event.
    pub reusable: bool,
}

/// Bytes read so far from a pipe, and a duplicate of its read end, so that
/// the invoker can wait until every line written before a response is stored.
struct Pipe {
    fd: OwnedFd,
    consumed: AtomicU64,
    progress: Notify,
}

/// A running environment.
pub struct Environment {
    pid: Option<u32>,
    events: mpsc::Sender<Pending>,
    shared: Arc<runtime_api::Shared>,
    exited: watch::Receiver<Option<String>>,
    stop: watch::Sender<bool>,
    started: Instant,
    initialized: AtomicBool,
    dead: AtomicBool,
    dir: PathBuf,
    pipes: Vec<Arc<Pipe>>,
    pub sink: LogSink,
    pub version: FunctionVersion,
    pub last_used: Mutex<Instant>,
    /// The thread whose event loop serves this environment's Runtime API
    /// connection (where it was started).
    pub home: std::thread::ThreadId,
    memory: crate::memory::PeakSampler,
    cgroup: Option<Arc<crate::cgroup::Cgroup>>,
}

impl Environment {
    /// Lays out the code, starts the listener and the runtime process.
    pub async fn start(mut l: Launch) -> Result<Arc<Environment>, String> {
        let dir = l.base_dir.join(&l.env_id);
        let task = dir.join("task");
        let tmp = dir.join("tmp");
        // Until the environment exists, its directory goes away with a
        // failed or abandoned start (the invoker's request may be dropped).
        let mut guard = DirGuard::new(&dir);
        // Off the event loop: unpacking a large package takes long enough
        // to stall every other connection the loop serves.
        let (t, d, code) = (task.clone(), tmp.clone(), std::mem::take(&mut l.code));
        let unpack = guard.unpacker();
        tokio::task::spawn_blocking(move || {
            let r = (|| {
                for dir in [&t, &d] {
                    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                }
                portico_apex::unzip_to(&code, &t).map_err(|e| format!("unpacking the code: {e}"))
            })();
            unpack.finished();
            r
        })
        .await
        .map_err(|e| format!("unpacking the code: {e}"))??;
        let cfg = &l.version.config;
        let kind = cfg
            .runtime_kind()
            .ok_or_else(|| format!("runtime {} cannot run locally", cfg.runtime))?;
        let runtime = runtimes::for_kind(kind);
        let spec = LaunchSpec {
            task_root: &task,
            runtime_dir: &l.runtime_dir,
            runtime: &cfg.runtime,
            memory_mb: cfg.memory_mb,
            node_options: cfg.environment.get("NODE_OPTIONS").map(String::as_str),
        };
        let mut cmd = runtime.command(&spec)?;
        let (stop, stop_rx) = watch::channel(false);
        let (addr, events, shared) = runtime_api::start(stop_rx, l.polling.clone())
            .await
            .map_err(|e| format!("Runtime API listener: {e}"))?;
        let vars = environment(
            &l,
            &task,
            &tmp,
            &addr.to_string(),
            runtime.execution_env(&cfg.runtime),
        );
        cmd.env_clear().envs(&vars).current_dir(&task);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd.process_group(0).kill_on_drop(true);
        let cgroup = match &l.cgroups {
            Some(root) => Some(Arc::new(
                root.create(&l.env_id, cfg.memory_mb)
                    .map_err(|e| format!("memory cgroup: {e}"))?,
            )),
            None => None,
        };
        let procs = match &cgroup {
            Some(g) => Some(g.procs_file().map_err(|e| format!("memory cgroup: {e}"))?),
            None => None,
        };
        crate::engine::die_with_parent(&mut cmd, procs);
        crate::placement::spawn_placed(&mut cmd);
        let started = Instant::now();
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("starting {}: {e}", cfg.runtime))?;
        let pid = child.id();
        if let Some(pid) = pid {
            shared.placement.started(pid);
        }
        let mut pipes = Vec::new();
        if let Some(out) = child.stdout.take() {
            pipes.push(read_lines(out, l.sink.clone())?);
        }
        if let Some(err) = child.stderr.take() {
            pipes.push(read_lines(err, l.sink.clone())?);
        }
        let (exit_tx, exited) = watch::channel(None);
        // The waiter holds the cgroup too, so that the group is removed only
        // after the process has exited.
        let group = cgroup.clone();
        let api = shared.clone();
        tokio::spawn(async move {
            let waited = child.wait().await;
            api.placement.reaped();
            let why = match waited {
                Ok(s) => exit_reason(s),
                Err(e) => format!("wait failed: {e}"),
            };
            let _ = exit_tx.send(Some(why));
            drop(group);
        });
        guard.disarm();
        Ok(Arc::new(Environment {
            pid,
            events,
            shared,
            exited,
            stop,
            started,
            initialized: AtomicBool::new(false),
            dead: AtomicBool::new(false),
            dir,
            pipes,
            sink: l.sink,
            version: l.version,
            last_used: Mutex::new(Instant::now()),
            home: std::thread::current().id(),
            memory: Default::default(),
            cgroup,
        }))
    }

    /// Whether the environment can take another event.
    pub fn is_alive(&self) -> bool {
        !self.dead.load(Ordering::SeqCst) && self.exited.borrow().is_none()
    }

    /// The runtime's process id.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Runs one event to completion: the result, a platform error, or a timeout.
    pub async fn invoke(
        &self,
        request_id: &str,
        payload: Bytes,
        invoked_arn: &str,
        client_context: Option<String>,
    ) -> EnvResult {
        let cfg = &self.version.config;
        let cold = !self.initialized.swap(true, Ordering::SeqCst);
        let timeout = Duration::from_secs(cfg.timeout_s.max(1) as u64);
        let begun = Instant::now();
        let deadline_ms = portico_store::now_ms() + timeout.as_millis() as i64;
        self.sink.begin_tail();
        let (tx, rx) = oneshot::channel();
        let pending = Pending {
            request_id: request_id.to_string(),
            payload,
            deadline_ms,
            invoked_arn: invoked_arn.to_string(),
            trace_id: trace_id(),
            client_context,
            result: tx,
        };
        // START goes out once the runtime is ready, so init lines come first.
        let mut ready = self.shared.ready.subscribe();
        let mut exited = self.exited.clone();
        let deadline = tokio::time::Instant::now() + timeout;
        let _ = self.events.send(pending).await;
        let mut init_ms = None;
        let mut started_line = false;
        let mut rx = rx;
        let outcome = loop {
            if !started_line && *ready.borrow() {
                if cold {
                    init_ms = Some(self.started.elapsed().as_secs_f64() * 1000.0);
                }
                self.sink.line(format!(
                    "START RequestId: {request_id} Version: {}",
                    self.version.version
                ));
                started_line = true;
            }
            tokio::select! {
                biased;
                r = &mut rx => break r.ok(),
                _ = ready.changed(), if !started_line => continue,
                _ = exited.changed() => {
                    // A result posted just before the exit still counts.
                    break rx.try_recv().ok().or(None);
                }
                _ = tokio::time::sleep_until(deadline) => break None,
            }
        };
        if !started_line {
            if cold {
                init_ms = Some(self.started.elapsed().as_secs_f64() * 1000.0);
            }
            self.sink.line(format!(
                "START RequestId: {request_id} Version: {}",
                self.version.version
            ));
        }
        let timed_out = outcome.is_none()
            && tokio::time::Instant::now() >= deadline
            && self.exited.borrow().is_none();
        self.drain_output().await;
        let (payload, function_error, status, reusable) = match outcome {
            Some(Outcome::Response(b)) => (b, None, None, true),
            Some(Outcome::Error { body, error_type }) => {
                let t = error_type_of(&body, error_type.as_deref());
                (body, Some(t.clone()), Some(("error", Some(t))), true)
            }
            Some(Outcome::InitError { body, error_type }) => {
                let t = error_type_of(&body, error_type.as_deref());
                let ms = self.started.elapsed().as_secs_f64() * 1000.0;
                self.sink.line(format!("INIT_REPORT Init Duration: {ms:.2} ms\tPhase: init\tStatus: error\tError Type: {t}"));
                (body, Some(t.clone()), Some(("error", Some(t))), false)
            }
            Some(Outcome::ResponseTooLarge) => {
                let t = "Function.ResponseSizeTooLarge".to_string();
                let body = format!(
                    r#"{{"errorMessage":"Response payload size exceeded maximum allowed payload size ({} bytes).","errorType":"{t}"}}"#,
                    runtime_api::MAX_RESPONSE
                );
                (
                    Bytes::from(body),
                    Some(t.clone()),
                    Some(("error", Some(t))),
                    true,
                )
            }
            None if timed_out => {
                let msg = format!(
                    "RequestId: {request_id} Error: Task timed out after {:.2} seconds",
                    timeout.as_secs_f64()
                );
                let body =
                    serde_json::json!({"errorType": "Sandbox.Timedout", "errorMessage": msg})
                        .to_string();
                self.kill();
                (
                    Bytes::from(body),
                    Some("Sandbox.Timedout".into()),
                    Some(("timeout", None)),
                    false,
                )
            }
            None => {
                let why = self
                    .exited
                    .borrow()
                    .clone()
                    .unwrap_or_else(|| "Runtime exited without providing a reason".into());
                let msg = format!("RequestId: {request_id} Error: {why}");
                self.sink.line(msg.clone());
                // Killed by the kernel at the group's memory limit: Lambda
                // reports that as Runtime.OutOfMemory.
                let oom = self.cgroup.as_ref().is_some_and(|g| g.hit_limit());
                let ty = if oom {
                    "Runtime.OutOfMemory"
                } else {
                    "Runtime.ExitError"
                };
                let body = serde_json::json!({"errorType": ty, "errorMessage": msg}).to_string();
                (
                    Bytes::from(body),
                    Some(ty.to_string()),
                    Some(("error", Some(ty.to_string()))),
                    false,
                )
            }
        };
        let duration_ms = begun.elapsed().as_secs_f64() * 1000.0;
        self.sink.line(format!("END RequestId: {request_id}"));
        let status_ref = status.as_ref().map(|(s, t)| (*s, t.as_deref()));
        let report = Report {
            request_id,
            duration_ms,
            memory_mb: cfg.memory_mb,
            max_memory_mb: self.memory.sample(|| match &self.cgroup {
                Some(g) => g.peak_mb(),
                None => self.pid.and_then(crate::memory::peak_rss_mb),
            }),
            init_ms,
            bill_init: matches!(
                cfg.runtime_kind(),
                Some(portico_model::RuntimeKind::Provided)
            ),
            status: status_ref,
        };
        self.sink.line(report.render());
        if !reusable {
            self.kill();
        }
        *self.last_used.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        EnvResult {
            payload,
            function_error,
            reusable: reusable && self.is_alive(),
        }
    }

    /// Waits (briefly) until every byte already written to stdout and stderr
    /// has been read and stored, so that a function's last lines come before END.
    async fn drain_output(&self) {
        for p in &self.pipes {
            let pending = rustix::io::ioctl_fionread(&p.fd).unwrap_or(0);
            if pending == 0 {
                continue;
            }
            let target = p.consumed.load(Ordering::SeqCst) + pending;
            let wait = async {
                while p.consumed.load(Ordering::SeqCst) < target {
                    p.progress.notified().await;
                }
            };
            let _ = tokio::time::timeout(Duration::from_millis(200), wait).await;
        }
    }

    /// Kills the whole process group; the environment is dead afterwards.
    pub fn kill(&self) {
        self.dead.store(true, Ordering::SeqCst);
        if let Some(pid) = self
            .pid
            .and_then(|p| rustix::process::Pid::from_raw(p as i32))
        {
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
        let _ = self.stop.send(true);
    }
}

impl Drop for Environment {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn read_lines<R>(r: R, sink: LogSink) -> Result<Arc<Pipe>, String>
where
    R: tokio::io::AsyncRead + std::os::fd::AsFd + Unpin + Send + 'static,
{
    let fd = rustix::io::dup(&r).map_err(|e| format!("dup: {e}"))?;
    let pipe = Arc::new(Pipe {
        fd,
        consumed: AtomicU64::new(0),
        progress: Notify::new(),
    });
    let p = pipe.clone();
    tokio::spawn(async move {
        let mut reader = BufReader::new(r);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match reader.read_until(b'\n', &mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let line = String::from_utf8_lossy(&buf);
                    sink.line(line.trim_end_matches(['\n', '\r']).to_string());
                    p.consumed.fetch_add(n as u64, Ordering::SeqCst);
                    p.progress.notify_waiters();
                }
            }
        }
    });
    Ok(pipe)
}

fn exit_reason(s: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (s.code(), s.signal()) {
        (Some(0), _) => "Runtime exited without providing a reason".to_string(),
        (Some(c), _) => format!("Runtime exited with error: exit status {c}"),
        // Go's names for the signals, as Lambda's runtime interface prints them.
        (None, Some(9)) => "Runtime exited with error: signal: killed".to_string(),
        (None, Some(6)) => "Runtime exited with error: signal: aborted".to_string(),
        (None, Some(11)) => "Runtime exited with error: signal: segmentation fault".to_string(),
        (None, Some(15)) => "Runtime exited with error: signal: terminated".to_string(),
        (None, Some(sig)) => format!("Runtime exited with error: signal: {sig}"),
        _ => "Runtime exited without providing a reason".to_string(),
    }
}

/// The error type for REPORT: the runtime's header, else the payload's `errorType`.
fn error_type_of(body: &[u8], header: Option<&str>) -> String {
    if let Some(h) = header.filter(|h| !h.is_empty() && *h != "unhandled") {
        return h.to_string();
    }
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("errorType")
                .and_then(|t| t.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "Unhandled".to_string())
}

fn trace_id() -> String {
    let secs = portico_store::now_ms() / 1000;
    let a: u128 = rand::random();
    let b: u64 = rand::random();
    format!(
        "Root=1-{secs:08x}-{:024x};Parent={b:016x};Sampled=0",
        a & ((1u128 << 96) - 1)
    )
}

/// The process environment of §1.4: customer variables under the reserved
/// ones, keys starting `_` dropped, fake credentials, never the user's own.
fn environment(
    l: &Launch,
    task: &std::path::Path,
    tmp: &std::path::Path,
    api: &str,
    exec_env: Option<String>,
) -> BTreeMap<String, String> {
    let cfg = &l.version.config;
    let mut v: BTreeMap<String, String> = BTreeMap::new();
    v.insert(
        "PATH".into(),
        std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into()),
    );
    v.insert("LANG".into(), "en_US.UTF-8".into());
    v.insert("TZ".into(), ":UTC".into());
    v.insert("AWS_XRAY_CONTEXT_MISSING".into(), "LOG_ERROR".into());
    for (k, val) in &cfg.environment {
        if !k.starts_with('_') {
            v.insert(k.clone(), val.clone());
        }
    }
    let task_s = task.display().to_string();
    let reserved = [
        ("AWS_LAMBDA_RUNTIME_API", api.to_string()),
        ("_HANDLER", cfg.handler.clone()),
        ("LAMBDA_TASK_ROOT", task_s.clone()),
        ("LAMBDA_RUNTIME_DIR", l.runtime_dir.display().to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", cfg.name.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION", l.version.version.clone()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", cfg.memory_mb.to_string()),
        ("AWS_REGION", l.region.clone()),
        ("AWS_DEFAULT_REGION", l.region.clone()),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{}", cfg.name),
        ),
        ("AWS_LAMBDA_LOG_STREAM_NAME", l.sink.stream().to_string()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".into()),
        ("AWS_ACCESS_KEY_ID", "AKIAPORTICOLOCAL0000".into()),
        (
            "AWS_SECRET_ACCESS_KEY",
            "portico-local-secret-key-not-a-real-credential".into(),
        ),
        ("AWS_SESSION_TOKEN", "portico-local-session-token".into()),
        ("TMPDIR", tmp.display().to_string()),
        ("HOME", tmp.display().to_string()),
        ("PWD", task_s),
    ];
    for (k, val) in reserved {
        v.insert(k.to_string(), val);
    }
    if let Some(e) = exec_env {
        v.insert("AWS_EXECUTION_ENV".into(), e);
    }
    if let Some(url) = &l.endpoint_url {
        v.insert("AWS_ENDPOINT_URL".into(), url.clone());
    }
    if let Some(o) = cfg.environment.get("NODE_OPTIONS") {
        v.insert("NODE_OPTIONS".into(), o.clone());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_types() {
        assert_eq!(
            error_type_of(br#"{"errorType":"Error","errorMessage":"x"}"#, None),
            "Error"
        );
        assert_eq!(
            error_type_of(b"{}", Some("Runtime.ImportModuleError")),
            "Runtime.ImportModuleError"
        );
        assert_eq!(
            error_type_of(br#"{"errorType":"X"}"#, Some("unhandled")),
            "X"
        );
        assert_eq!(error_type_of(b"garbage", None), "Unhandled");
    }

    #[test]
    fn trace_ids_look_like_xray() {
        let t = trace_id();
        assert!(t.starts_with("Root=1-"), "{t}");
        assert_eq!(t.split(';').count(), 3);
    }
}
