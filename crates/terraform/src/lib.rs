//! tmp
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
pub mod error;
pub mod expr;
pub mod funcs;
pub mod ids;
pub mod suggest;
pub mod template;
pub mod value;
