//! Portico's Lambda engine. Each execution environment is a child process
//! (in its own process group, in its own working copy of the code, with its
//! own `/tmp`) that speaks the real Lambda Runtime API to a listener of its
//! own; environments are pooled per function version, reused warm, reaped
//! when idle, and killed on timeout. The [`Engine`] is the one entry point:
//! the Invoke API, the CLI and the API Gateway data plane all call
//! [`Engine::invoke`] in-process.
//!
//! # Limitations
//! - Memory: each environment gets its own memory cgroup (limit = memory
//!   size, peak = `Max Memory Used` of the whole process tree) where the
//!   machine allows it; elsewhere only Node's heap is capped
//!   (`--max-old-space-size`, as AWS's bootstrap sets it) and `Max Memory Used` is the main process's peak.
//! - The init phase has no separate 10 s limit: as in AWS's Runtime
//!   Interface Emulator, the function timeout covers init plus invoke.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod cgroup;
mod coalesce;
mod concurrency;
mod config;
mod dir_guard;
mod engine;
mod environment;
mod error;
mod events;
mod logs;
mod memory;
pub mod placement;
mod pool;
mod runtime_api;
pub mod runtimes;

pub use config::{EngineConfig, RuntimePolling};
pub use engine::{Engine, InvocationType, InvokeRequest, InvokeResponse};
pub use error::InvokeError;
pub use events::EventRetryPolicy;
pub use logs::{Echo, LogSink};
