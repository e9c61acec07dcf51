//! Portico's API Gateway REST (v1) data plane. A request to a stage goes
//! through API Gateway's steps and comes back with AWS's status, headers
//! and body bytes, with execution-log lines that explain misconfiguration.
//!
//! - [`CompiledApi::compile`] turns a deployment snapshot into typed,
//!   ready-to-serve structures once; the caller caches it per deployment.
//! - [`Gateway::handle`] serves one request on a [`StageView`].
//! - [`parse_stage_address`] splits the three local addresses of a stage.
//! - [`LambdaBackend`] is how the gateway invokes functions (integrations
//!   and Lambda authorizers) and checks their resource policies;
//!   [`UsageBackend`] is where API keys, usage plans and usage counts
//!   live; [`LogSink`] is where log lines go.
//! - A stage's method settings ([`StageSettings`]) come with its
//!   [`StageView`]; throttling buckets, quota counters and the authorizer
//!   cache live in the [`Gateway`] (`limits`).
//! - `auth` holds Lambda authorizers and their policies, SigV4 and Cognito
//!   JWTs; `schema` validates bodies against JSON Schema draft 4 models;
//!   `binary` holds `binary_media_types` matching and `content_handling`.
//!
//! Inside, `phases` declares the request's chain of phases in one place;
//! `responses` renders every gateway response.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod address;
mod auth;
mod binary;
mod compile;
mod context;
mod gateway;
mod integrations;
mod lambda;
mod limits;
mod log;
mod mapping;
mod phases;
mod responses;
mod router;
mod schema;
mod selection;
mod settings;
mod snapshot;
mod template;
#[cfg(test)]
mod testutil;
mod usage;

pub use address::{StageAddress, parse_stage_address};
pub use compile::{CompileError, CompiledApi};
pub use context::StageView;
pub use gateway::{DEFAULT_CREDENTIALS, Gateway};
pub use lambda::{
    BoxFuture, FunctionTarget, LambdaBackend, LambdaInvokeError, LambdaResult, PolicyDecision,
};
pub use log::{ChannelLogSink, LogKind, LogRecord, LogSink};
pub use phases::parse::MAX_PAYLOAD_BYTES;
pub use responses::GatewayResponseType;
pub use settings::{MethodSettings, StageSettings};
pub use snapshot::Source;
pub use usage::{
    ApiKey, NoUsage, PlanStage, Quota, QuotaPeriod, Throttle, UsageBackend, UsagePlan,
};
