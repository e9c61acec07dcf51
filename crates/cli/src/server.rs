//! `portico serve`: one listener on 127.0.0.1 for the health check, the
//! Lambda API and every deployed stage; the event worker and the idle reaper
//! run beside it. On SIGTERM or SIGINT every runtime process is stopped.

use crate::context::Context;
use crate::endpoint;
use anyhow::{Context as _, Result};
use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use portico_lambda::Engine;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Everything the server shares between requests.
pub struct App {
    pub engine: Arc<Engine>,
    pub data_plane: crate::apigw::DataPlane,
}

fn router(app: Arc<App>, ctx: &Context) -> Router {
    let health = serde_json::json!({
        "status": "running",
        "version": env!("CARGO_PKG_VERSION"),
        "region": ctx.scope.region,
        "account": ctx.scope.account,
        "services": {"lambda": "running", "apigateway": "running"},
    })
    .to_string();
    Router::new()
        .route(
            "/_portico/health",
            get(move || async move { ([("content-type", "application/json")], health) }),
        )
        .route("/_portico/logs/flush", {
            let engine = app.engine.clone();
            post(move || flush_logs(engine.clone()))
        })
        .merge(portico_control_plane::lambda::router(app.engine.clone()))
        .fallback(
            move |ConnectInfo(peer): ConnectInfo<SocketAddr>, req: Request| {
                stage_or_not_found(app.clone(), peer, req)
            },
        )
}

/// Stores every log line queued so far, then answers 204: `portico logs`
/// calls it first, so that it reads the lines of a request it just made
/// (the server writes logs in the background, a few milliseconds behind).
async fn flush_logs(engine: Arc<Engine>) -> StatusCode {
    // The flush waits on the writer thread: never on an event loop.
    match tokio::task::spawn_blocking(move || engine.flush_logs()).await {
        Ok(()) => StatusCode::NO_CONTENT,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Stage addresses go to the data plane (host-style addresses included,
/// whatever their path); anything else is Portico's 404.
async fn stage_or_not_found(app: Arc<App>, peer: SocketAddr, req: Request) -> Response {
    let path = req.uri().path().to_string();
    match app.data_plane.serve(req, Some(peer)).await {
        Some(r) => r,
        None => {
            let body = serde_json::json!({"message": format!("Portico serves no API at {path}")});
            let headers = [("content-type", "application/json")];
            (axum::http::StatusCode::NOT_FOUND, headers, body.to_string()).into_response()
        }
    }
}

/// A server started by [`start`]: answering until [`Running::shutdown`].
pub struct Running {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The Lambda engine behind it.
    pub engine: Arc<Engine>,
    state_dir: std::path::PathBuf,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops the runtimes first (so that requests still in flight end now),
    /// then the listener; forgets the recorded address.
    pub async fn shutdown(self) -> Result<()> {
        self.engine.shutdown();
        let _ = self.stop.send(true);
        let served = self.task.await;
        self.engine.shutdown();
        endpoint::forget(&self.state_dir);
        served.context("the server task")?.context("serving")?;
        Ok(())
    }
}

/// Binds, records the address and starts serving in the background, with
/// the event worker and the idle reaper beside it.
pub async fn start(ctx: &Context, port: u16) -> Result<Running> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");
    let load = crate::spin::Load::new(crate::event_loops::threads());
    let mut cfg = ctx.engine_config();
    cfg.endpoint_url = Some(url.clone());
    cfg.runtime_polling = load.runtime_polling();
    let engine = Arc::new(Engine::new(cfg)?);
    std::fs::create_dir_all(&ctx.state_dir)?;
    endpoint::record(&ctx.state_dir, &url).context("recording the server address")?;
    tokio::spawn(engine.clone().run_event_worker());
    let reaper = engine.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            reaper.reap_idle();
        }
    });
    let data_plane = crate::apigw::DataPlane::new(engine.clone(), &ctx.state_dir)?;
    let app = Arc::new(App {
        engine: engine.clone(),
        data_plane,
    });
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let router = router(app, ctx);
    let task = tokio::spawn(crate::event_loops::serve(listener, router, load, stopped));
    Ok(Running {
        url,
        engine,
        state_dir: ctx.state_dir.clone(),
        stop,
        task,
    })
}

/// Binds, records the address, serves until a signal, then stops every runtime.
pub async fn serve(ctx: Context, port: u16) -> Result<()> {
    let running = start(&ctx, port).await?;
    let url = running.url.clone();
    println!("Portico {} serving on {url}", env!("CARGO_PKG_VERSION"));
    println!("  Lambda API: {url}/2015-03-31/functions/NAME/invocations");
    println!("  health:     {url}/_portico/health");
    // Say what this machine does not let Portico enforce, instead of pretending.
    for l in running.engine.limitations() {
        println!("  not enforced here: {l}");
    }
    shutdown_signal().await;
    running.shutdown().await
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let term = async {
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = term => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
