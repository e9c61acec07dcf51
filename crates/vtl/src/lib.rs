//! Portico's Apache Velocity engine, the VTL 1.7 dialect API Gateway runs
//! for REST API mapping templates, with API Gateway's `$input`, `$util`,
//! `$context` and `$stageVariables`.
//!
//! [`Template::parse`] once (templates are `Send + Sync` and reusable),
//! then [`Template::render`] per request with an [`Input`], the
//! [`Variables`] and the [`Limits`]. The [`Rendered`] result carries the
//! text plus the `$context.requestOverride` / `responseOverride` values
//! the template set.
//!
//! Behaviour worth knowing (details in the modules):
//! - null and undefined references, unknown methods and unknown `$util`
//!   functions render as nothing (API Gateway), not as their source text
//!   (plain Velocity);
//! - template-built lists print `[a, b]` and maps `{k=v}` (Java); lists
//!   from `$input.path` / `$util.parseJson` print as JSON (`[{"k":"v"}]`),
//!   maps from them Java-style, as recorded from AWS;
//! - `#set` with a null value leaves the target unchanged (1.7 default);
//! - whitespace: `#set` eats the spaces before it; a directive's `)`,
//!   `#else` and `#end` eat the rest of their line.
//!
//! Layout: [`parser`] (hand-written, byte-level) builds the [`ast`];
//! [`eval`] walks it over [`value`]s; [`apigw`] holds `$input`/`$util`
//! and JSONPath; [`jregex`] maps Java regexes onto `regex`/`fancy-regex`;
//! [`roots`] finds what a template can touch, so callers skip the rest.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod apigw;
mod ast;
mod error;
mod eval;
mod javafmt;
mod jregex;
mod limits;
mod parser;
mod roots;
mod template;
mod value;

pub use error::{LimitKind, VtlError};
pub use limits::Limits;
pub use template::{Input, Rendered, RequestOverride, Template, Variables};
