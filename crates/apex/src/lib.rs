//! Reads an Apex project from disk the way Apex did (`project.json` or
//! `project.ENV.json`, `functions/*/function[.ENV].json` layered on the
//! project defaults, `.apexignore` files, hooks) and builds each function's
//! deterministic deployment zip, whose base64 SHA-256 is AWS's `CodeSha256`.
//!
//! - [`project`]: [`Project::load`], glob selection, `-E`/`-s` overrides.
//! - [`function`]: one function's resolved configuration ([`Function::config`]).
//! - [`raw`]: the JSON shapes of the two config files, with the Apex fields
//!   Portico accepts but ignores ([`IGNORED_APEX_FIELDS`]).
//! - [`runtime`]: runtime inference, bare runtime names, default handlers.
//! - [`template`]: the Go-template subset of `nameTemplate`.
//! - [`hooks`]: `build` / `deploy` / `clean` shell hooks.
//! - [`files`] and [`package`]: the files that go into the zip, and the zip.
//! - [`unzip`]: safe extraction of a code zip into a working directory.
//! - [`env`]: `-s K=V` flags and `-E file.json` maps.
//! - [`tfvars`]: `apex list --tfvars` lines.
//! - [`region`]: which region a command acts in.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod env;
mod error;
pub mod files;
pub mod function;
pub mod hooks;
pub mod package;
pub mod project;
pub mod raw;
pub mod region;
pub mod runtime;
pub mod template;
pub mod tfvars;
pub mod unzip;

pub use env::{parse_env_file, parse_set_flags};
pub use error::ApexError;
pub use function::{Function, Hooks};
pub use hooks::{HookKind, run_hook};
pub use package::{MAX_UNZIPPED_BYTES, MAX_ZIPPED_BYTES, Package};
pub use project::Project;
pub use raw::{IGNORED_APEX_FIELDS, IGNORED_APEX_FUNCTION_FIELDS};
pub use region::{DEFAULT_REGION, resolve_region};
pub use tfvars::{TfvarsEntry, render_tfvars};
pub use unzip::{MAX_ENTRIES, UnzipSummary, unzip_to};
