//! `portico up`: the whole loop in one command. It starts the server,
//! deploys every function, applies the infrastructure without asking,
//! prints the routes every stage serves, then watches `functions/`,
//! `infrastructure/` and `project.json`: a save redeploys only the functions
//! it touched, or plans and applies the infrastructure. A broken file prints
//! its error and the last good state keeps serving. Function and API logs
//! stream to stdout, prefixed by source. SIGINT/SIGTERM: the step in
//! progress finishes, then every runtime process is stopped.
//!
//! - `watch`: polling snapshots of the project's files, debounced.
//! - `deploy`: Apex's deploy of the changed functions, syntax-checked first.
//! - `apply`: plan and apply without a prompt; the stale-stage warning.
//! - `routes`: the `METHOD  URL  →  integration` table of every stage.
//! - `tail`: the log lines of the store, as they arrive.
//! - `progress`: a spinner on a terminal, nothing when piped.

mod apply;
mod deploy;
mod progress;
mod routes;
mod tail;
mod watch;

use crate::cli::UpArgs;
use crate::context::Context;
use crate::output;
use anyhow::Result;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub async fn up(ctx: Context, a: UpArgs) -> Result<ExitCode> {
    let ctx = match &a.dir {
        Some(d) => {
            let mut global = ctx.global.clone();
            global.chdir = Some(ctx.dir.join(d));
            Context::load(&global)?
        }
        None => ctx,
    };
    ctx.project()?;
    // Listen for signals before anything slow, so that a Ctrl-C during the
    // first deploy still ends in a clean shutdown.
    let signal = tokio::spawn(crate::server::shutdown_signal());
    let running = crate::server::start(&ctx, a.port).await?;
    let url = running.url.clone();
    println!(
        "Portico {} serving {} on {url}",
        env!("CARGO_PKG_VERSION"),
        ctx.dir.display()
    );
    println!("  health:     {url}/_portico/health");
    println!("  Lambda API: {url}/2015-03-31/functions/NAME/invocations");
    let stop = Arc::new(AtomicBool::new(false));
    let tail = tail::Tail::start(&ctx);
    let mut global = ctx.global.clone();
    global.chdir = Some(ctx.dir.clone());
    global.endpoint = Some(url.clone());
    let worker_stop = stop.clone();
    let worker = tokio::task::spawn_blocking(move || work(global, url, worker_stop));
    let _ = signal.await;
    eprintln!();
    output::info("stopping", &[]);
    stop.store(true, Ordering::SeqCst);
    // The step in progress (a build, an apply) ends before the runtimes stop,
    // so that the store is left consistent and no hook outlives us.
    let _ = worker.await;
    tail.stop();
    running.shutdown().await?;
    output::info("stopped", &[]);
    Ok(ExitCode::SUCCESS)
}

/// The deploy/apply loop; runs on a blocking thread until `stop`.
fn work(global: crate::cli::Global, url: String, stop: Arc<AtomicBool>) {
    let root = global.chdir.clone().unwrap_or_default();
    let mut watcher = watch::Watcher::new(&root);
    let mut routes_shown = String::new();
    let everything = watch::Changes {
        functions: Default::default(),
        all_functions: true,
        infra: true,
    };
    step(&global, &url, &everything, &mut routes_shown, true);
    watcher.rebase();
    if !stop.load(Ordering::SeqCst) {
        output::info(
            "watching",
            &[("dirs", "functions/ infrastructure/"), ("stop", "Ctrl-C")],
        );
    }
    while let Some(changes) = watcher.next(&stop) {
        step(&global, &url, &changes, &mut routes_shown, false);
        // Files the step itself wrote (a build hook's output, an
        // archive_file zip) are not a change to react to.
        watcher.rebase();
    }
}

/// Deploys what changed, applies when the infrastructure (or the set of
/// functions it may name) changed, and prints the routes when they differ.
fn step(
    global: &crate::cli::Global,
    url: &str,
    changes: &watch::Changes,
    routes_shown: &mut String,
    first: bool,
) {
    let ctx = match Context::load(global) {
        Ok(c) => c,
        Err(e) => {
            output::error(&format!("{e:#}"));
            output::warn("nothing was deployed; the last good state keeps serving");
            return;
        }
    };
    let mut infra = changes.infra;
    if changes.all_functions || !changes.functions.is_empty() {
        let names: Vec<String> = if changes.all_functions {
            Vec::new()
        } else {
            changes.functions.iter().cloned().collect()
        };
        let d = deploy::deploy(&ctx, &names);
        // A new function brings new apex_function_* variables the
        // configuration may now use.
        infra |= d.created > 0;
    }
    if infra {
        apply::apply(&ctx);
    }
    match routes::table(&ctx, url) {
        Ok(t) => {
            if first || t != *routes_shown {
                print!("{t}");
                *routes_shown = t;
            }
        }
        Err(e) => output::error(&format!("listing the routes: {e:#}")),
    }
}
