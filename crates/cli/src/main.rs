//! The `portico` binary: the Apex-style CLI, the server, and (later) the
//! Terraform and API Gateway commands, over one state directory.

mod apigw;
mod cli;
mod commands;
mod context;
mod effects;
mod endpoint;
mod output;
mod server;
mod usage;

use clap::Parser;

// The data plane allocates many small, short-lived values per request (the
// `$context` document, template values, log lines); mimalloc serves that
// pattern markedly faster than glibc's allocator (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    let filter = std::env::var("PORTICO_LOG").unwrap_or_else(|_| "warn".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    // Two workers by default: the data plane's MOCK path uses both cores of
    // a small machine. PORTICO_WORKER_THREADS=0 runs one event-loop thread
    // instead, which spends less CPU per Lambda-backed request (no wake-ups
    // between workers; BENCHMARKS.md has both).
    let workers: usize = std::env::var("PORTICO_WORKER_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let built = if workers == 0 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
    };
    let runtime = match built {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error: could not start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(args)) {
        Ok(code) => code,
        Err(e) => {
            output::error(&message(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

/// The error and its causes, leaving out a cause whose text the message
/// before it already contains (library errors often print their source).
fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
    }
    out
}
