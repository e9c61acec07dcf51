//! What every command resolves first: the project directory and files, the
//! state directory, the region and account.

use crate::cli::Global;
use anyhow::{Context as _, Result};
use portico_apex::Project;
use portico_model::Scope;
use std::path::PathBuf;

/// The resolved settings of one command run.
pub struct Context {
    /// The project directory.
    pub dir: PathBuf,
    /// `.portico/` (or the override).
    pub state_dir: PathBuf,
    /// The Apex project, when `project.json` exists.
    pub project: Option<Project>,
    /// Region and account of every ARN.
    pub scope: Scope,
    /// The global flags.
    pub global: Global,
}

impl Context {
    /// Resolves the context; a broken `project.json` is an error, a missing one is not.
    pub fn load(global: &Global) -> Result<Context> {
        let cwd = std::env::current_dir().context("reading the current directory")?;
        let dir = match &global.chdir {
            Some(d) => cwd.join(d),
            None => cwd,
        };
        let has_project = match global.env.as_deref() {
            Some(e) => {
                dir.join(format!("project.{e}.json")).exists() || dir.join("project.json").exists()
            }
            None => dir.join("project.json").exists(),
        };
        let project = if has_project {
            Some(Project::load(&dir, global.env.as_deref())?)
        } else {
            None
        };
        let state_dir = match &global.state_dir {
            Some(s) => dir.join(s),
            None => dir.join(".portico"),
        };
        let env = |k: &str| std::env::var(k).ok();
        let region = portico_apex::resolve_region(
            global.region.as_deref(),
            project.as_ref().and_then(|p| p.region()),
            env("AWS_REGION").as_deref(),
            env("AWS_DEFAULT_REGION").as_deref(),
        );
        let account = global
            .account_id
            .clone()
            .or_else(|| {
                project
                    .as_ref()
                    .and_then(|p| p.account_id())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "000000000000".to_string());
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            anyhow::bail!("account id '{account}' must be 12 digits");
        }
        Ok(Context {
            dir,
            state_dir,
            project,
            scope: Scope { region, account },
            global: global.clone(),
        })
    }

    /// The project, or a clear error for commands that need one.
    pub fn project(&self) -> Result<&Project> {
        self.project.as_ref().ok_or_else(|| {
            anyhow::anyhow!(
                "no project.json in {} (run `portico init` or use -C DIR)",
                self.dir.display()
            )
        })
    }

    /// The engine settings for this project.
    pub fn engine_config(&self) -> portico_lambda::EngineConfig {
        let mut cfg = portico_lambda::EngineConfig::new(self.scope.clone(), self.state_dir.clone());
        if let Some(n) = env_number("PORTICO_MAX_ENVIRONMENTS") {
            cfg.max_environments_per_function = n as usize;
        }
        if let Some(n) = env_number("PORTICO_ACCOUNT_CONCURRENCY") {
            cfg.account_concurrency = n as usize;
        }
        if let Some(n) = env_number("PORTICO_IDLE_TIMEOUT_SECS") {
            cfg.idle_timeout = std::time::Duration::from_secs(n);
        }
        if let Ok(v) = std::env::var("PORTICO_EVENT_RETRY_DELAYS_MS") {
            let delays: Vec<_> = v
                .split(',')
                .filter_map(|s| s.trim().parse().ok())
                .map(std::time::Duration::from_millis)
                .collect();
            cfg.event_retry.delays = delays;
        }
        cfg
    }

    /// The store.
    pub fn store(&self) -> Result<portico_store::Store> {
        portico_store::Store::open(&self.state_dir)
            .with_context(|| format!("opening the state in {}", self.state_dir.display()))
    }
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}
