//! The Terraform steps `infra` and `up` share: which directory, its stored
//! state, the configuration with Portico's variables, the plan, and the
//! apply inside one store transaction.

use crate::context::Context;
use crate::effects::StoreEffects;
use anyhow::Result;
use portico_store::{CodeStore, Store};
use portico_terraform::{self as tf, VarArg};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// An infrastructure directory and its state key.
pub struct Workspace {
    /// `infrastructure` or `infrastructure/ENV`, relative to the project.
    pub rel: String,
    /// The directory itself.
    pub dir: PathBuf,
    /// The environment (`--env`, else project.json's `defaultEnvironment`).
    pub env: Option<String>,
}

impl Workspace {
    /// The workspace of this command.
    pub fn of(ctx: &Context) -> Workspace {
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
        Workspace {
            dir: ctx.dir.join(&rel),
            rel,
            env,
        }
    }

    /// The stored state (empty before the first apply).
    pub fn state(&self, store: &mut Store) -> Result<tf::State> {
        Ok(match store.read()?.tf_state(&self.rel)? {
            Some(j) => tf::State::from_json(&j).map_err(|e| {
                anyhow::anyhow!("the stored state of {} is unreadable: {e}", self.rel)
            })?,
            None => tf::State::default(),
        })
    }

    /// Loads the configuration with Portico's variables, `TF_VAR_*` and `cli`.
    pub fn load(
        &self,
        ctx: &Context,
        store: &mut Store,
        cli: Vec<VarArg>,
    ) -> Result<Result<tf::Config, tf::TfError>> {
        let supplied = super::infra::supplied_vars(ctx, store, self.env.as_deref())?;
        let env: BTreeMap<String, String> = std::env::vars()
            .filter_map(|(k, v)| k.strip_prefix("TF_VAR_").map(|n| (n.to_string(), v)))
            .collect();
        let opts = tf::LoadOptions {
            vars: tf::VarOptions { supplied, env, cli },
        };
        Ok(tf::Config::load(&self.dir, &opts))
    }

    /// Plans against the stored state.
    pub fn plan(
        ctx: &Context,
        cfg: &tf::Config,
        state: &tf::State,
        destroy: bool,
    ) -> Result<tf::Plan, tf::TfError> {
        let opts = tf::PlanOptions {
            destroy,
            region: ctx.scope.region.clone(),
            account: ctx.scope.account.clone(),
        };
        tf::plan(cfg, state, &opts)
    }

    /// Applies in one store transaction, committed with the new state only
    /// when everything succeeded.
    pub fn apply(
        &self,
        ctx: &Context,
        store: &mut Store,
        plan: &tf::Plan,
        state: &tf::State,
    ) -> Result<Result<(tf::State, Vec<tf::AppliedChange>), tf::TfError>> {
        let tx = store.write()?;
        let mut effects = StoreEffects {
            tx: &tx,
            config_dir: self.rel.clone(),
            code: CodeStore::new(&ctx.state_dir),
            scope: ctx.scope.clone(),
        };
        let now = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)?;
        let applied = tf::apply(
            plan,
            state,
            &mut effects,
            &tf::ApplyOptions {
                seed: rand_seed(),
                now,
            },
        );
        let (new_state, steps) = match applied {
            Ok(r) => r,
            // The transaction is dropped uncommitted: the store is as it was.
            Err(e) => return Ok(Err(e)),
        };
        tx.put_tf_state(&self.rel, &new_state.to_json())?;
        tx.commit()?;
        Ok(Ok((new_state, steps)))
    }

    /// Terraform's error text, with files named from the project directory.
    pub fn error_text(&self, e: &tf::TfError) -> String {
        e.to_string()
            .replace("  on ", &format!("  on {}/", self.rel))
    }
}

fn rand_seed() -> u64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() as u64)
        ^ u64::from(std::process::id()).rotate_left(32)
}
