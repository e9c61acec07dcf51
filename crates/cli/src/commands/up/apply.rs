//! Applying from `up`: `portico infra apply -auto-approve` with a shorter
//! report (one line per change and the plan's summary instead of the whole
//! plan). Any error (a syntax error, an unknown reference, a provider
//! error) is printed in Terraform's words and nothing is written: the
//! apply is one store transaction, so the last good state keeps serving.
//! `up` never redeploys an API on its own: when the plan leaves a stage on
//! an older deployment, the stale-stage warning says so and how to fix it.

use super::progress::Spinner;
use crate::commands::workspace::Workspace;
use crate::context::Context;
use crate::output;
use anyhow::Result;
use portico_terraform::{self as tf, Action};

/// Plans and applies the project's infrastructure; errors are printed.
pub fn apply(ctx: &Context) {
    if let Err(e) = try_apply(ctx) {
        output::error(&format!("{e:#}"));
    }
}

fn try_apply(ctx: &Context) -> Result<()> {
    let ws = Workspace::of(ctx);
    let rel = ws.rel.clone();
    if !ws.dir.is_dir() {
        output::info("no infrastructure", &[("dir", &format!("{rel}/"))]);
        return Ok(());
    }
    let mut store = ctx.store()?;
    let state = ws.state(&mut store)?;
    let failed = |e: tf::TfError| {
        eprintln!("{}", ws.error_text(&e).trim_end());
        output::warn(&format!(
            "{rel}/ was not applied; the last good state keeps serving"
        ));
    };
    let cfg = match ws.load(ctx, &mut store, Vec::new())? {
        Ok(c) => c,
        Err(e) => {
            failed(e);
            return Ok(());
        }
    };
    let plan = match Workspace::plan(ctx, &cfg, &state, false) {
        Ok(p) => p,
        Err(e) => {
            failed(e);
            return Ok(());
        }
    };
    for w in cfg.warnings.iter().chain(plan.warnings.iter()) {
        output::warn(&format!("Warning: {w}"));
    }
    if !plan.has_changes() {
        output::info("infrastructure unchanged", &[("dir", &format!("{rel}/"))]);
        return Ok(());
    }
    let data = |a: &str| a.starts_with("data.") || a.contains(".data.");
    for c in plan.changes.iter().filter(|c| !data(&c.address)) {
        let mark = match c.action {
            Action::NoOp => continue,
            Action::Create => "+",
            Action::Update => "~",
            Action::Delete => "-",
            Action::DeleteThenCreate => "-/+",
            Action::CreateThenDelete => "+/-",
        };
        eprintln!("  {mark:>3} {}", c.address);
    }
    output::info(&plan.summary().to_string(), &[]);
    let spinner = Spinner::start(format!("applying {rel}/"));
    let applied = ws.apply(ctx, &mut store, &plan, &state)?;
    spinner.finish();
    let (_, steps) = match applied {
        Ok(r) => r,
        Err(e) => {
            failed(e);
            return Ok(());
        }
    };
    let summary = tf::render_apply(&steps, false);
    output::info(
        summary.trim().lines().last().unwrap_or("Apply complete!"),
        &[],
    );
    Ok(())
}
