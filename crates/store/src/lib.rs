//! Portico's state store: one SQLite database per project (`.portico/state.db`)
//! in WAL mode with a busy timeout, so that a running server and CLI commands
//! share it safely; every write that matters is one transaction, so a crash
//! leaves the previous state or the new one. Function code is stored beside
//! it, content-addressed by SHA-256. Logs live in their own database
//! (`logs.db`), written in batches by a background thread so that logging
//! never blocks a request or a deploy.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod apigw;
mod code;
mod db;
mod error;
mod events;
mod functions;
mod generation;
mod log_pack;
mod logs;
mod policy;
mod tfstate;
mod time_fmt;
mod usage;

pub use apigw::{Deployment, Stage};
pub use code::CodeStore;
pub use db::{Store, Tx};
pub use error::StoreError;
pub use events::QueuedEvent;
pub use functions::{DeployOutcome, FunctionRecord};
pub use generation::Generation;
pub use logs::{LogEvent, LogFilter, LogStore, LogWriter};
pub use time_fmt::{aws_timestamp, now_ms};
pub use usage::{ApiKeyRow, MethodSettingsRow, UsagePlanRow, UsageRow};
