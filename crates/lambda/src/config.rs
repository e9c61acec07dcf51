//! Engine settings.

use portico_model::Scope;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How the engine runs functions.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Region and account of every ARN.
    pub scope: Scope,
    /// The store directory (`.portico/`): code, working copies, logs.
    pub store_dir: PathBuf,
    /// At most this many environments per function version; more
    /// invocations wait for a free one. AWS gives every concurrent request
    /// an environment of its own; the cap only bounds a laptop's memory.
    /// 16 by default: at 16 connections it served 9 % more requests than 8,
    /// whose queue made every other request wait for a hand-off
    /// (BENCHMARKS.md).
    pub max_environments_per_function: usize,
    /// Concurrent executions allowed across all functions (429 beyond).
    pub account_concurrency: usize,
    /// Idle environments are stopped after this long.
    pub idle_timeout: Duration,
    /// What functions see as `AWS_ENDPOINT_URL` (Portico's own address), if serving.
    pub endpoint_url: Option<String>,
    /// Retries of asynchronous invocations.
    pub event_retry: crate::EventRetryPolicy,
    /// Whether a runtime that has just completed an invocation may poll for
    /// its next event instead of sleeping (see [`RuntimePolling`]).
    pub runtime_polling: RuntimePolling,
}

/// Asked by the Runtime API each time a runtime completes an invocation:
/// does the machine have a core to spare, so that the runtime may poll for
/// its next event for a moment instead of sleeping?
///
/// Why: at one request at a time the chain client → server → runtime →
/// server → client is all wake-ups, and on a VM waking a sleeping process
/// costs tens of microseconds (BENCHMARKS.md). The server's own event loop
/// already polls while lightly loaded; this lets the runtime do the same.
/// Under load the answer must be no: polling runtimes would take the cores
/// from the work. The server decides from its own load; without a gate
/// (the CLI's one-off invokes) runtimes never poll.
#[derive(Clone, Default)]
pub struct RuntimePolling(Option<Arc<dyn Fn() -> bool + Send + Sync>>);

impl RuntimePolling {
    /// A gate that asks `allowed` each time.
    pub fn new(allowed: impl Fn() -> bool + Send + Sync + 'static) -> Self {
        RuntimePolling(Some(Arc::new(allowed)))
    }

    /// Whether a runtime may poll right now.
    pub(crate) fn allowed(&self) -> bool {
        self.0.as_ref().is_some_and(|f| f())
    }
}

impl std::fmt::Debug for RuntimePolling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "RuntimePolling(gated)"
        } else {
            "RuntimePolling(never)"
        })
    }
}

impl EngineConfig {
    /// Defaults: 16 environments per function, 64 account-wide, 10 minutes idle.
    pub fn new(scope: Scope, store_dir: PathBuf) -> Self {
        EngineConfig {
            scope,
            store_dir,
            max_environments_per_function: 16,
            account_concurrency: 64,
            idle_timeout: Duration::from_secs(600),
            endpoint_url: None,
            event_retry: crate::EventRetryPolicy::default(),
            runtime_polling: RuntimePolling::default(),
        }
    }
}
