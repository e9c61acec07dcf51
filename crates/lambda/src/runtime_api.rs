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
}

/// Starts the listener; returns its address and the sender of events.
pub async fn start(
    shutdown: tokio::sync::watch::Receiver<bool>,
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
                // Set while this connection's `/next` waits (see coalesce).
                let parked = Arc::new(AtomicBool::new(false));
                let io = crate::coalesce::Coalescing::new(stream, parked.clone());
                let svc =
                    hyper::service::service_fn(move |req| handle(s.clone(), parked.clone(), req));
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
    parked: Arc<AtomicBool>,
    req: Request<Incoming>,
) -> Result<Resp, std::convert::Infallible> {
    let path = req.uri().path().to_string();
    let rest = path.strip_prefix("/2018-06-01/runtime/").unwrap_or("");
    let parts: Vec<&str> = rest.split('/').collect();
    let method = req.method().clone();
    Ok(match (method.as_str(), parts.as_slice()) {
        ("GET", ["invocation", "next"]) => next(&s, &parked).await,
        ("POST", ["invocation", id, "response"]) => {
            let id = id.to_string();
            match read_body(req, MAX_RESPONSE).await {
                Ok(body) => complete(&s, &id, Outcome::Response(body)),
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
                Ok(body) => complete(&s, &id, Outcome::Error { body, error_type }),
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

async fn next(s: &Shared, parked: &AtomicBool) -> Resp {
    let _ = s.ready.send(true);
    // Long-poll: the runtime waits here, without a timeout, until an event comes.
    parked.store(true, Ordering::Release);
    let pending = { s.next.lock().await.recv().await };
    parked.store(false, Ordering::Release);
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
