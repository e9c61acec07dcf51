//! tmp
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
pub mod error;
pub mod expr;
pub mod funcs;
pub mod graph;
pub mod ids;
pub mod load;
pub mod refs;
pub mod schema;
pub mod suggest;
pub mod template;
pub mod value;
pub mod vars;
