//! The Lambda Runtime API (2018-06-01) as one environment's runtime sees it:
//! `GET /runtime/invocation/next`, `POST /runtime/invocation/{id}/response`,
//! `POST /runtime/invocation/{id}/error`, `POST /runtime/init/error`.
//! Each environment gets its own listener on 127.0.0.1, so that standard
//! runtimes, which build URLs from `AWS_LAMBDA_RUNTIME_API` alone, work.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

/// Largest response a function may return: 6 MiB + 100 B (`interop.MaxPayloadSize`).
pub const MAX_RESPONSE: usize = 6_291_556;

/// Sent on a completion's `202` when the runtime may poll for its next
/// event (see [`crate::RuntimePolling`]): for how many microseconds. Not an
/// AWS header; runtimes that do not know it ignore it, and only Portico's
/// Node bootstrap acts on it.
const POLL_HEADER: &str = "portico-poll-us";

/// Long enough to cover a client's turnaround at one connection (the
/// server's answer, the client's next request, the gateway's phases: about
/// 100 µs here), short enough that an idle runtime soon sleeps.
const POLL_US: &str = "200";

/// An event handed to the runtime by `/next`.
pub struct Pending {
    pub request_id: String,
    pub payload: Bytes,
    pub deadline_ms: i64,
    pub invoked_arn: String,
    pub trace_id: String,
    pub client_context: Option<String>,
    pub result: oneshot::Sender<Outcome>,
}

/// How the runtime ended an invocation.
#[derive(Debug)]
pub enum Outcome {
    /// `/response`.
    Response(Bytes),
    /// `/error`, with the `Lambda-Runtime-Function-Error-Type` header if any.
    Error {
        body: Bytes,
        error_type: Option<String>,
    },
    /// `/init/error` before the event was picked up.
    InitError {
        body: Bytes,
        error_type: Option<String>,
    },
    /// `/response` with more than [`MAX_RESPONSE`] bytes.
    ResponseTooLarge,
}

struct Current {
    request_id: String,
    result: oneshot::Sender<Outcome>,
}

/// What the listener shares with the environment that owns it.
pub struct Shared {
    next: tokio::sync::Mutex<mpsc::Receiver<Pending>>,
    current: Mutex<Option<Current>>,
    /// Set when the runtime first asks for an event: the end of init.
    pub ready: tokio::sync::watch::Sender<bool>,
    /// The `/init/error` body, kept for the logs.
    pub init_error: Mutex<Option<(Bytes, Option<String>)>>,
    polling: crate::RuntimePolling,
    /// Where the runtime may run while it polls.
    pub(crate) placement: crate::placement::Placement,
}

/// One Runtime API connection's state.
#[derive(Default)]
struct Conn {
    /// Set while this connection's `/next` waits (see coalesce).
    parked: Arc<AtomicBool>,
    /// The last completion's `202` told the runtime to poll: the next
    /// `/next` must not hold it back (a runtime polling for an event it
    /// cannot see would only burn its core).
    polling: AtomicBool,
}

/// Starts the listener; returns its address and the sender of events.
pub async fn start(
    shutdown: tokio::sync::watch::Receiver<bool>,
    polling: crate::RuntimePolling,
) -> std::io::Result<(SocketAddr, mpsc::Sender<Pending>, Arc<Shared>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = mpsc::channel(1);
    let (ready, _) = tokio::sync::watch::channel(false);
    let shared = Arc::new(Shared {
        next: tokio::sync::Mutex::new(rx),
        current: Mutex::new(None),
        ready,
        init_error: Mutex::new(None),
        polling,
        placement: Default::default(),
    });
    let s = shared.clone();
    tokio::spawn(async move {
        let mut shutdown = shutdown;
        loop {
            let conn = tokio::select! {
                c = listener.accept() => c,
                _ = shutdown.changed() => return,
            };
            let Ok((stream, _)) = conn else { continue };
            let _ = stream.set_nodelay(true);
            let s = s.clone();
            let mut stop = shutdown.clone();
            tokio::spawn(async move {
                let conn = Arc::new(Conn::default());
                let io = crate::coalesce::Coalescing::new(stream, conn.parked.clone());
                let svc =
                    hyper::service::service_fn(move |req| handle(s.clone(), conn.clone(), req));
                // pipeline_flush: a response is not flushed while the next
                // request is already read, so the 202 of a pipelined
                // completion meets the parked `/next` before it is written.
                let conn = hyper::server::conn::http1::Builder::new()
                    .pipeline_flush(true)
                    .serve_connection(hyper_util::rt::TokioIo::new(io), svc);
                tokio::select! {
                    _ = conn => {}
                    _ = stop.changed() => {}
                }
            });
        }
    });
    Ok((addr, tx, shared))
}

type Resp = Response<Full<Bytes>>;

fn json(status: StatusCode, body: String) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    r
}

fn error(status: StatusCode, ty: &str, msg: &str) -> Resp {
    json(
        status,
        serde_json::json!({"errorMessage": msg, "errorType": ty}).to_string(),
    )
}

fn accepted() -> Resp {
    json(StatusCode::ACCEPTED, r#"{"status":"OK"}"#.to_string())
}

async fn handle(
    s: Arc<Shared>,
    conn: Arc<Conn>,
    req: Request<Incoming>,
) -> Result<Resp, std::convert::Infallible> {
    let path = req.uri().path().to_string();
    let rest = path.strip_prefix("/2018-06-01/runtime/").unwrap_or("");
    let parts: Vec<&str> = rest.split('/').collect();
    let method = req.method().clone();
    Ok(match (method.as_str(), parts.as_slice()) {
        ("GET", ["invocation", "next"]) => next(&s, &conn).await,
        ("POST", ["invocation", id, "response"]) => {
            let id = id.to_string();
            match read_body(req, MAX_RESPONSE).await {
                Ok(body) => {
                    let resp = complete(&s, &id, Outcome::Response(body));
                    completed(&s, &conn, resp)
                }
                Err(BodyError::TooLarge) => {
                    // The caller gets Function.ResponseSizeTooLarge; the runtime a 413.
                    complete(&s, &id, Outcome::ResponseTooLarge);
                    error(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "RequestEntityTooLarge",
                        &format!("Exceeded maximum allowed payload size ({MAX_RESPONSE} bytes)."),
                    )
                }
                Err(BodyError::Io) => error(
                    StatusCode::BAD_REQUEST,
                    "InvalidRequest",
                    "could not read the body",
                ),
            }
        }
        ("POST", ["invocation", id, "error"]) => {
            let id = id.to_string();
            let error_type = header(&req, "lambda-runtime-function-error-type");
            match read_body(req, MAX_RESPONSE).await {
                Ok(body) => {
                    let resp = complete(&s, &id, Outcome::Error { body, error_type });
                    completed(&s, &conn, resp)
                }
                Err(_) => error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "RequestEntityTooLarge",
                    "error body too large",
                ),
            }
        }
        ("POST", ["init", "error"]) => {
            let error_type = header(&req, "lambda-runtime-function-error-type");
            let body = read_body(req, MAX_RESPONSE).await.unwrap_or_default();
            init_error(&s, body, error_type).await;
            accepted()
        }
        _ => error(
            StatusCode::NOT_FOUND,
            "InvalidRequest",
            &format!("unknown Runtime API path {method} {path}"),
        ),
    })
}

fn header(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

enum BodyError {
    TooLarge,
    Io,
}

async fn read_body(req: Request<Incoming>, limit: usize) -> Result<Bytes, BodyError> {
    match Limited::new(req.into_body(), limit).collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(BodyError::TooLarge),
        Err(_) => Err(BodyError::Io),
    }
}

async fn next(s: &Shared, conn: &Conn) -> Resp {
    let _ = s.ready.send(true);
    // Long-poll: the runtime waits here, without a timeout, until an event
    // comes. The 202 before it is held back meanwhile, unless the runtime
    // was told to poll and so waits for that 202 awake.
    let hold = !conn.polling.swap(false, Ordering::Relaxed);
    conn.parked.store(hold, Ordering::Release);
    let pending = { s.next.lock().await.recv().await };
    conn.parked.store(false, Ordering::Release);
    let Some(p) = pending else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Runtime.Shutdown",
            "the environment is shutting down",
        );
    };
    let mut r = Response::new(Full::new(p.payload));
    let h = r.headers_mut();
    let mut set = |k: &'static str, v: &str| {
        if let Ok(v) = http::HeaderValue::from_str(v) {
            h.insert(k, v);
        }
    };
    set("lambda-runtime-aws-request-id", &p.request_id);
    set("lambda-runtime-deadline-ms", &p.deadline_ms.to_string());
    set("lambda-runtime-invoked-function-arn", &p.invoked_arn);
    set("lambda-runtime-trace-id", &p.trace_id);
    if let Some(cc) = &p.client_context {
        set("lambda-runtime-client-context", cc);
    }
    // Always sent: Python's runtime passes raw bytes when it is missing.
    set("content-type", "application/json");
    if let Ok(mut cur) = s.current.lock() {
        *cur = Some(Current {
            request_id: p.request_id,
            result: p.result,
        });
    }
    r
}

/// A completion's answer; a `202` says whether the runtime may poll for its
/// next event, as the server's load decides right now.
fn completed(s: &Shared, conn: &Conn, mut resp: Resp) -> Resp {
    let poll = resp.status() == StatusCode::ACCEPTED && s.polling.allowed();
    conn.polling.store(poll, Ordering::Relaxed);
    s.placement.polling(poll);
    if poll {
        resp.headers_mut()
            .insert(POLL_HEADER, http::HeaderValue::from_static(POLL_US));
    }
    resp
}

fn complete(s: &Shared, id: &str, outcome: Outcome) -> Resp {
    let cur = match s.current.lock() {
        Ok(mut c) if c.as_ref().is_some_and(|c| c.request_id == id) => c.take(),
        _ => None,
    };
    match cur {
        Some(c) => {
            let _ = c.result.send(outcome);
            accepted()
        }
        None => error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestID",
            "Invalid request ID",
        ),
    }
}

async fn init_error(s: &Shared, body: Bytes, error_type: Option<String>) {
    if let Ok(mut e) = s.init_error.lock() {
        *e = Some((body.clone(), error_type.clone()));
    }
    // The event that is waiting for this environment gets the init error.
    let pending = s.next.lock().await.try_recv().ok();
    if let Some(p) = pending {
        let _ = p.result.send(Outcome::InitError { body, error_type });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    const NEXT: &[u8] = b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n";

    fn event(id: &str) -> (Pending, oneshot::Receiver<Outcome>) {
        let (result, rx) = oneshot::channel();
        let p = Pending {
            request_id: id.into(),
            payload: Bytes::from_static(b"{}"),
            deadline_ms: 0,
            invoked_arn: "arn".into(),
            trace_id: "t".into(),
            client_context: None,
            result,
        };
        (p, rx)
    }

    /// What arrives until the bytes read contain `needle`, or within `wait`.
    async fn read_until(sock: &mut TcpStream, needle: &str, wait: Duration) -> String {
        let mut got = Vec::new();
        let deadline = tokio::time::Instant::now() + wait;
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&got).contains(needle) {
            match tokio::time::timeout_at(deadline, sock.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
                _ => break,
            }
        }
        String::from_utf8_lossy(&got).into_owned()
    }

    /// A runtime that pipelines its completion and its next `/next`: with
    /// polling allowed its 202 says so and comes at once; otherwise the 202
    /// waits for the next event and goes out with it, as before.
    #[tokio::test(flavor = "current_thread")]
    async fn the_202_says_poll_and_is_not_held_only_when_the_gate_allows() {
        for allowed in [true, false] {
            let (_stop, stop_rx) = tokio::sync::watch::channel(false);
            let gate = crate::RuntimePolling::new(move || allowed);
            let (addr, events, _shared) = start(stop_rx, gate).await.expect("listen");
            let mut sock = TcpStream::connect(addr).await.expect("connect");
            sock.write_all(NEXT).await.expect("next");
            let (first, done) = event("r1");
            events.send(first).await.expect("queue");
            let got = read_until(&mut sock, "\r\n\r\n{}", Duration::from_secs(5)).await;
            assert!(got.contains("lambda-runtime-aws-request-id: r1"), "{got}");
            let mut post = b"POST /2018-06-01/runtime/invocation/r1/response HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}".to_vec();
            post.extend_from_slice(NEXT);
            sock.write_all(&post).await.expect("post");
            assert!(matches!(done.await, Ok(Outcome::Response(_))));
            let early =
                read_until(&mut sock, "\r\n\r\n{\"status\"", Duration::from_millis(300)).await;
            let (second, _done) = event("r2");
            events.send(second).await.expect("queue");
            let rest = read_until(&mut sock, "r2", Duration::from_secs(5)).await;
            if allowed {
                assert!(early.starts_with("HTTP/1.1 202"), "{early}");
                assert!(early.contains("portico-poll-us: 200"), "{early}");
                assert!(rest.contains("lambda-runtime-aws-request-id: r2"), "{rest}");
            } else {
                assert_eq!(early, "", "held for the event");
                assert!(rest.starts_with("HTTP/1.1 202"), "{rest}");
                assert!(!rest.contains("portico-poll-us"), "{rest}");
                assert!(rest.contains("lambda-runtime-aws-request-id: r2"), "{rest}");
            }
        }
    }
}
