//! How the server spreads connections over the machine: one acceptor (on
//! the CLI's own runtime) hands each accepted connection to whichever of N
//! event-loop threads (each a single-threaded tokio runtime) has the fewest
//! open connections, which serves it to the end. A request's work (the gateway's phases, the Lambda
//! engine, the environment's Runtime API connection) then stays on one
//! thread: nothing wakes another thread to continue it, and environments
//! started there are preferred for its next invocations (`Pool::take_idle`).
//!
//! Why not tokio's work-stealing runtime: on these request/response
//! exchanges over loopback its workers kept waking each other, and the
//! wake-ups cost more than the parallelism gave (BENCHMARKS.md, issue #4).
//!
//! While the server is lightly loaded, a loop that has just served a request
//! polls its sockets for a moment instead of sleeping (`spin`).
//!
//! `PORTICO_SERVER_THREADS` sets N (default: the number of cores, at most 8).

use crate::spin::{Load, Open, Spinner};
use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tower::Service as _;

/// A connection on its way to an event-loop thread.
type Handoff = (std::net::TcpStream, SocketAddr, Open);

/// Event-loop threads to use.
pub fn threads() -> usize {
    let cores = crate::spin::cores();
    std::env::var("PORTICO_SERVER_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(cores.min(8))
        .clamp(1, 64)
}

/// Serves `router` on `listener` until `stop` turns true, then lets the
/// connections finish their requests in flight and returns.
/// `load` has one slot per event loop ([`Load::new`] with [`threads`]).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    load: Arc<Load>,
    stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    // Every loop runs on a thread of its own: the acceptor's runtime also
    // runs the CLI's own work (the event worker, `up`'s watcher, SQLite
    // writes that may wait on a lock), which must never hold up requests.
    let threads = load.loops();
    let cores = crate::spin::cores();
    let mut loops = Vec::new();
    for i in 0..threads {
        let spinner = Spinner::new(load.clone(), cores);
        loops.push(spawn_loop(i, router.clone(), spinner, stop.clone())?);
    }
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
        let target = least_busy(&load);
        let handed = stream.into_std().map_err(|e| e.to_string()).and_then(|s| {
            if closed_without_request(&s) {
                return Ok(());
            }
            let open = load.open(target);
            loops[target]
                .tx
                .send((s, peer, open))
                .map_err(|_| "the event loop has stopped".to_string())
        });
        if let Err(e) = handed {
            tracing::warn!("could not hand a connection to event loop {target}: {e}");
        }
    }
    for l in loops {
        drop(l.tx);
        let _ = l.done.await;
    }
    Ok(())
}

/// The loop with the fewest open connections; ties go to the lowest index.
///
/// Why not round robin: a function's environment lives on the loop where it
/// started, so a client's requests are cheapest on that loop. With round
/// robin a lone client's connection often landed on the other loop from the
/// environment it used (the one a previous connection had started), and
/// every request then crossed threads twice; this way successive lone
/// clients land on the same loop, and many connections still spread evenly.
fn least_busy(load: &Load) -> usize {
    load.open_per_loop()
        .enumerate()
        .min_by_key(|&(i, open)| (open, i))
        .map_or(0, |(i, _)| i)
}

/// Whether the client closed this just-accepted connection before sending
/// anything: there is nothing to serve, so it is dropped here rather than
/// handed to a loop.
///
/// Why: reachability probes (wrk connects and closes once before its run;
/// health checkers do the same) otherwise count as open on a loop until that
/// loop wakes to see the end, and the client's real connection, arriving
/// moments later, went to the other loop from the one holding its
/// environment: a third fewer requests a second for a lone client
/// (BENCHMARKS.md). The check is one non-blocking peek.
fn closed_without_request(s: &std::net::TcpStream) -> bool {
    let mut byte = [0u8; 1];
    matches!(s.peek(&mut byte), Ok(0))
}

/// One event-loop thread as the acceptor sees it.
struct Loop {
    tx: mpsc::UnboundedSender<Handoff>,
    /// Resolves once the loop has stopped and its connections have finished.
    done: oneshot::Receiver<()>,
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

/// Starts one event-loop thread.
fn spawn_loop(
    index: usize,
    router: Router,
    spinner: Spinner,
    stop: watch::Receiver<bool>,
) -> std::io::Result<Loop> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Handoff>();
    let (done_tx, done_rx) = oneshot::channel();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name(format!("portico-loop-{index}"))
        .spawn(move || {
            runtime.block_on(async move {
                tokio::spawn(heartbeat());
                tokio::spawn(spinner.clone().run());
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
                    let Some((std_stream, peer, open)) = handoff else {
                        break;
                    };
                    match TcpStream::from_std(std_stream) {
                        Ok(s) => {
                            let conn =
                                connection(s, peer, router.clone(), spinner.clone(), stop.clone());
                            conns.spawn(async move {
                                conn.await;
                                drop(open);
                            });
                        }
                        Err(e) => tracing::warn!("event loop {index}: {e}"),
                    }
                }
                drain(&mut conns).await;
            });
            let _ = done_tx.send(());
        })?;
    Ok(Loop { tx, done: done_rx })
}

/// Keeps a timer at most [`HEARTBEAT`] away on this loop, forever.
///
/// Why: tokio's time driver writes its eventfd whenever a new timer is due
/// before the driver's planned wake-up, and every request makes two (the
/// integration's 29 s limit, the function's timeout), so an otherwise idle
/// loop paid a write and a spurious `epoll_wait` return for each. With a
/// timer always due within a second, timers of a second or more (every
/// request timer) never move the wake-up. Costs one wake-up a second.
async fn heartbeat() {
    let mut tick = tokio::time::interval(HEARTBEAT);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
    }
}

const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(1);

/// Serves one connection (HTTP/1.1 or HTTP/2, as axum's own server does)
/// with the peer address as `ConnectInfo`; on stop, it finishes the request
/// in flight and closes.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    spinner: Spinner,
    mut stop: watch::Receiver<bool>,
) {
    let service =
        hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            let in_flight = spinner.request();
            let answer = router.clone().call(req);
            async move {
                let r = answer.await;
                drop(in_flight);
                r
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_closed_before_its_request_is_recognised() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accept = || {
            let (s, _) = listener.accept().unwrap();
            s.set_nonblocking(true).unwrap();
            s
        };
        drop(std::net::TcpStream::connect(addr).unwrap());
        let probe = accept();
        // The FIN may trail the accept by a moment.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !closed_without_request(&probe) {
            assert!(
                std::time::Instant::now() < deadline,
                "the probe never read as closed"
            );
            std::thread::sleep(std::time::Duration::from_millis(1));
        }

        let idle = std::net::TcpStream::connect(addr).unwrap();
        assert!(!closed_without_request(&accept()), "open, nothing sent yet");
        let mut sent = std::net::TcpStream::connect(addr).unwrap();
        std::io::Write::write_all(&mut sent, b"GET / HTTP/1.1\r\n\r\n").unwrap();
        drop(sent);
        let with_request = accept();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(
            !closed_without_request(&with_request),
            "a request followed by a close is still served"
        );
        drop(idle);
    }

    #[test]
    fn a_connection_goes_to_the_loop_with_fewest_open_ties_to_the_first() {
        let load = Load::new(3);
        assert_eq!(least_busy(&load), 0);
        let _a = load.open(0);
        assert_eq!(least_busy(&load), 1);
        let _b = load.open(1);
        let c = load.open(2);
        assert_eq!(least_busy(&load), 0, "all even: the first");
        let _d = load.open(0);
        drop(c);
        assert_eq!(least_busy(&load), 2);
    }
}
