//! Engine settings.

use portico_model::Scope;
use std::path::PathBuf;
use std::time::Duration;

/// How the engine runs functions.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Region and account of every ARN.
    pub scope: Scope,
    /// The store directory (`.portico/`): code, working copies, logs.
    pub store_dir: PathBuf,
    /// At most this many environments per function version; more
    /// invocations wait for a free one.
    pub max_environments_per_function: usize,
    /// Concurrent executions allowed across all functions (429 beyond).
    pub account_concurrency: usize,
    /// Idle environments are stopped after this long.
    pub idle_timeout: Duration,
    /// What functions see as `AWS_ENDPOINT_URL` (Portico's own address), if serving.
    pub endpoint_url: Option<String>,
    /// Retries of asynchronous invocations.
    pub event_retry: crate::EventRetryPolicy,
}

impl EngineConfig {
    /// Defaults: 8 environments per function, 64 account-wide, 10 minutes idle.
    pub fn new(scope: Scope, store_dir: PathBuf) -> Self {
        EngineConfig {
            scope,
            store_dir,
            max_environments_per_function: 8,
            account_concurrency: 64,
            idle_timeout: Duration::from_secs(600),
            endpoint_url: None,
            event_retry: crate::EventRetryPolicy::default(),
        }
    }
}
