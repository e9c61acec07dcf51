//! The Lambda API (2015-03-31 and friends): one route table, one handler
//! per operation.

mod invoke;
mod policy;
mod routes;
mod wire;

pub use routes::router;
