//! The `portico` binary: the Apex-style CLI, the server, and (later) the
//! Terraform and API Gateway commands, over one state directory.

mod apigw;
mod cli;
mod commands;
mod context;
mod effects;
mod endpoint;
mod event_loops;
mod output;
mod server;
mod spin;
mod usage;

use clap::Parser;

// The data plane allocates many small, short-lived values per request (the
// `$context` document, template values, log lines); mimalloc serves that
// pattern markedly faster than glibc's allocator (see BENCHMARKS.md).
// Built with `no_thp` (Cargo.toml): asking for transparent huge pages made
// its arena resident in 2 MiB steps, ~12 MiB more for the server at rest
// than with 4 KiB pages, at no measurable speed.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    let filter = std::env::var("PORTICO_LOG").unwrap_or_else(|_| "warn".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    // One event loop here; `serve` and `up` add one per core beside it
    // (event_loops.rs explains why not a work-stealing runtime).
    let built = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
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
