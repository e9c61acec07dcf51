//! Applying from `up`: `portico infra apply -auto-approve` with a shorter
//! report (one line per change and the plan's summary instead of the whole
//! plan). Any error (a syntax error, an unknown reference, a provider
//! error) is printed in Terraform's words and nothing is written: the
//! apply is one store transaction, so the last good state keeps serving.
//! `up` never redeploys an API on its own: when the plan leaves a stage on
//! an older deployment, the stale-stage warning says so and how to fix it.

use super::progress::Spinner;
use crate::commands::infra::{rand_seed, supplied_vars};
use crate::context::Context;
use crate::effects::StoreEffects;
use crate::output;
use anyhow::Result;
use portico_store::CodeStore;
use portico_terraform::{self as tf, Action};
use std::collections::BTreeMap;

/// Plans and applies the project's infrastructure; errors are printed.
pub fn apply(ctx: &Context) {
    if let Err(e) = try_apply(ctx) {
        output::error(&format!("{e:#}"));
    }
}

fn try_apply(ctx: &Context) -> Result<()> {
    let env = ctx.global.env.clone().or_else(|| {
        ctx.project
            .as_ref()
            .and_then(|p| p.infra_environment())
            .map(str::to_string)
    });
    let rel = match &env {
        Some(e) => format!("infrastructure/{e}"),
        None => "infrastructure".to_string(),
    };
    let dir = ctx.dir.join(&rel);
    if !dir.is_dir() {
        output::info("no infrastructure", &[("dir", &format!("{rel}/"))]);
        return Ok(());
    }
    let mut store = ctx.store()?;
    let state = match store.read()?.tf_state(&rel)? {
        Some(j) => tf::State::from_json(&j)
            .map_err(|e| anyhow::anyhow!("the stored state of {rel} is unreadable: {e}"))?,
        None => tf::State::default(),
    };
    let supplied = supplied_vars(ctx, &mut store, env.as_deref())?;
    let tf_env: BTreeMap<String, String> = std::env::vars()
        .filter_map(|(k, v)| k.strip_prefix("TF_VAR_").map(|n| (n.to_string(), v)))
        .collect();
    let load = tf::LoadOptions {
        vars: tf::VarOptions {
            supplied,
            env: tf_env,
            cli: Vec::new(),
        },
    };
    let failed = |e: tf::TfError| {
        // Terraform names files relative to the configuration directory.
        let text = e.to_string().replace("  on ", &format!("  on {rel}/"));
        eprintln!("{}", text.trim_end());
        output::warn(&format!(
            "{rel}/ was not applied; the last good state keeps serving"
        ));
    };
    let cfg = match tf::Config::load(&dir, &load) {
        Ok(c) => c,
        Err(e) => {
            failed(e);
            return Ok(());
        }
    };
    let opts = tf::PlanOptions {
        destroy: false,
        region: ctx.scope.region.clone(),
        account: ctx.scope.account.clone(),
    };
    let plan = match tf::plan(&cfg, &state, &opts) {
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
    let code = CodeStore::new(&ctx.state_dir);
    let tx = store.write()?;
    let mut effects = StoreEffects {
        tx: &tx,
        config_dir: rel.clone(),
        code,
        scope: ctx.scope.clone(),
    };
    let now =
        time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339)?;
    let spinner = Spinner::start(format!("applying {rel}/"));
    let applied = tf::apply(
        &plan,
        &state,
        &mut effects,
        &tf::ApplyOptions {
            seed: rand_seed(),
            now,
        },
    );
    spinner.finish();
    let (new_state, steps) = match applied {
        Ok(r) => r,
        // The transaction is dropped uncommitted: the store is as it was.
        Err(e) => {
            failed(e);
            return Ok(());
        }
    };
    tx.put_tf_state(&rel, &new_state.to_json())?;
    tx.commit()?;
    let summary = tf::render_apply(&steps, false);
    output::info(
        summary.trim().lines().last().unwrap_or("Apply complete!"),
        &[],
    );
    Ok(())
}
