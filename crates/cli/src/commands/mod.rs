//! One module per command; `run` dispatches.

mod apex;
mod infra;
mod init; // `portico init` and `portico completions`
mod invoke;
mod logs;
mod up;
mod usage;
mod workspace; // `portico up`

use crate::cli::{Cli, Command};
use crate::context::Context;
use anyhow::Result;
use std::process::ExitCode;

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<ExitCode> {
    let ctx = Context::load(&cli.global)?;
    match cli.command {
        Command::Serve(a) => crate::server::serve(ctx, a.port)
            .await
            .map(|_| ExitCode::SUCCESS),
        Command::Deploy(a) => apex::deploy(&ctx, a),
        Command::Invoke(a) => invoke::invoke(&ctx, a).await,
        Command::Logs(a) => logs::logs(&ctx, a).await,
        Command::List(a) => apex::list(&ctx, a),
        Command::Rollback(a) => apex::rollback(&ctx, a),
        Command::Alias(a) => apex::alias(&ctx, a),
        Command::Delete(a) => apex::delete(&ctx, a),
        Command::Build(a) => apex::build(&ctx, a),
        Command::Exec(a) => apex::exec(&ctx, a),
        Command::Infra(a) => infra::infra(&ctx, a.args).await,
        Command::Usage(a) => usage::usage(&ctx, &a.key_id),
        Command::Up(a) => up::up(ctx, a).await,
        Command::Init(a) => init::init(&ctx, a),
        Command::Completions(a) => init::completions(a),
    }
}
