//! Portico's Terraform engine: `portico infra plan | apply | destroy` over
//! the user's own `.tf` files, with Terraform's semantics and output.
//!
//! Pipeline: [`Config::load`] reads every `*.tf` of a directory and its
//! local modules (`load`, `vars`), [`plan()`] walks the dependency graph
//! (`graph`, `walk`) evaluating expressions with unknown values (`expr`,
//! `template`, `funcs`), diffs each instance against the [`State`] using one
//! schema table per resource type (`schema`), and [`render_plan`] prints
//! Terraform's human output. [`apply()`] performs the plan through the
//! caller's [`Effects`] (one store transaction: all or nothing) and returns
//! the new state; deployments freeze the API as a snapshot (`snapshot`).
//!
//! ```text
//! let cfg = Config::load(dir, &LoadOptions { vars })?;
//! let plan = plan(&cfg, &state, &PlanOptions { destroy: false, region, account })?;
//! print!("{}", render_plan(&plan, color));          // plan.summary(), plan.warnings
//! let (state, steps) = apply(&plan, &state, &mut effects, &ApplyOptions { seed, now })?;
//! ```
//!
//! Errors display as Terraform's: `Error: <summary>`, `  on FILE line N, in
//! resource "T" "N":`, then the detail.
//!
//! # Limitations
//! `count`/`for_each` on modules, remote module sources,
//! `*.tf.json` files, `aws_api_gateway_rest_api.body` (OpenAPI import),
//! and Terraform's `jsonencode(...)` rendering of JSON strings in plans.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![warn(missing_docs)]

mod apply;
mod body;
mod data;
mod effects;
mod error;
mod expr;
mod funcs;
mod graph;
mod ids;
mod load;
mod plan;
mod policy_doc;
mod provider;
mod refs;
mod render;
mod schema;
mod snapshot;
mod state;
mod suggest;
mod template;
mod value;
mod vars;
mod walk;

pub use apply::{AppliedChange, ApplyOptions, Op, apply};
pub use effects::{
    ApiKeyRecord, DeploymentRecord, EffectError, Effects, FunctionInfo, FunctionSpec,
    MemoryEffects, MethodSettingsRecord, StageRecord, UsagePlanRecord,
};
pub use error::{Loc, TfError};
pub use load::{Config, LoadOptions};
pub use plan::{Action, Change, OutputChange, Plan, PlanOptions, Summary, plan};
pub use render::{render_apply, render_outputs, render_plan, render_state};
pub use state::{Instance, Source, StageInfo, State};
pub use value::{Map as ValueMap, Value};
pub use vars::{VarArg, VarOptions};

/// An empty map of values (for [`VarOptions::supplied`]).
pub fn value_map() -> ValueMap {
    ValueMap::new()
}
