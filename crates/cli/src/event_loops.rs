//! How the server spreads connections over the machine: one acceptor (on
//! the CLI's own runtime) hands each accepted connection, round robin, to
//! one of N event-loop threads (each a single-threaded tokio runtime),
//! which serves it to the end. A request's work (the gateway's phases, the Lambda
//! engine, the environment's Runtime API connection) then stays on one
//! thread: nothing wakes another thread to continue it, and environments
//! started there are preferred for its next invocations (`Pool::take_idle`).
//!
//! Why not tokio's work-stealing runtime: on these request/response
//! exchanges over loopback its workers kept waking each other, and the
//! wake-ups cost more than the parallelism gave (BENCHMARKS.md, issue #4).
//!
//! `PORTICO_SERVER_THREADS` sets N (default: the number of cores, at most 8).

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tower::Service as _;

/// A connection on its way to an event-loop thread.
type Handoff = (std::net::TcpStream, SocketAddr);

/// Event-loop threads to use.
pub fn threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::env::var("PORTICO_SERVER_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(cores.min(8))
        .clamp(1, 64)
}

/// Serves `router` on `listener` until `stop` turns true, then lets the
/// connections finish their requests in flight and returns.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    threads: usize,
    stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    // Every loop runs on a thread of its own: the acceptor's runtime also
    // runs the CLI's own work (the event worker, `up`'s watcher, SQLite
    // writes that may wait on a lock), which must never hold up requests.
    let mut loops = Vec::new();
    for i in 0..threads.max(1) {
        loops.push(spawn_loop(i, router.clone(), stop.clone())?);
    }
    let mut next = 0usize;
    let mut stopping = stop.clone();
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stopping.changed() => break,
        };
        let (stream, peer) = match accepted {
            Ok(c) => c,
            // Out of descriptors, or a connection reset before it was
            // accepted: pause a little instead of spinning, then go on.
            Err(e) => {
                tracing::debug!("accept: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        // Small request/response exchanges: never let Nagle hold a write back.
        let _ = stream.set_nodelay(true);
        let target = next % loops.len();
        next = next.wrapping_add(1);
        let handed = stream.into_std().map_err(|e| e.to_string()).and_then(|s| {
            loops[target]
                .0
                .send((s, peer))
                .map_err(|_| "the event loop has stopped".to_string())
        });
        if let Err(e) = handed {
            tracing::warn!("could not hand a connection to event loop {target}: {e}");
        }
    }
    for (tx, done) in loops {
        drop(tx);
        let _ = done.await;
    }
    Ok(())
}

/// How long connections may take to finish their requests once stopping:
/// a client that never completes a request must not hold the server up.
const DRAIN: std::time::Duration = std::time::Duration::from_secs(5);

/// Waits for the connections to finish (each was told to), then drops the
/// ones still open after [`DRAIN`].
async fn drain(conns: &mut JoinSet<()>) {
    let all = async { while conns.join_next().await.is_some() {} };
    if tokio::time::timeout(DRAIN, all).await.is_err() {
        tracing::warn!(
            "{} connections did not finish in time and were closed",
            conns.len()
        );
        conns.abort_all();
    }
}

/// One event-loop thread; the sender takes its connections, the receiver
/// resolves once it has stopped and its connections have finished.
fn spawn_loop(
    index: usize,
    router: Router,
    stop: watch::Receiver<bool>,
) -> std::io::Result<(mpsc::UnboundedSender<Handoff>, oneshot::Receiver<()>)> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Handoff>();
    let (done_tx, done_rx) = oneshot::channel();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name(format!("portico-loop-{index}"))
        .spawn(move || {
            runtime.block_on(async move {
                let mut conns = JoinSet::new();
                let mut stopping = stop.clone();
                loop {
                    let handoff = tokio::select! {
                        h = rx.recv() => h,
                        // Forget each connection as it ends (a JoinSet keeps
                        // a finished task until it is joined).
                        Some(_) = conns.join_next(), if !conns.is_empty() => continue,
                        _ = stopping.changed() => None,
                    };
                    let Some((std_stream, peer)) = handoff else {
                        break;
                    };
                    match TcpStream::from_std(std_stream) {
                        Ok(s) => {
                            conns.spawn(connection(s, peer, router.clone(), stop.clone()));
                        }
                        Err(e) => tracing::warn!("event loop {index}: {e}"),
                    }
                }
                drain(&mut conns).await;
            });
            let _ = done_tx.send(());
        })?;
    Ok((tx, done_rx))
}

/// Serves one connection (HTTP/1.1 or HTTP/2, as axum's own server does)
/// with the peer address as `ConnectInfo`; on stop, it finishes the request
/// in flight and closes.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    mut stop: watch::Receiver<bool>,
) {
    let service =
        hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            router.clone().call(req)
        });
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
    tokio::pin!(conn);
    if *stop.borrow() {
        conn.as_mut().graceful_shutdown();
    }
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = stop.changed() => conn.as_mut().graceful_shutdown(),
    }
    let _ = conn.await;
}
