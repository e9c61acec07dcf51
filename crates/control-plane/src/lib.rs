//! Portico's AWS-compatible control and invoke APIs, so that awscli, boto3
//! and the SDKs pointed at Portico work. This crate is the wire layer only:
//! it holds no state; each handler parses AWS's shape, calls the engine or
//! the store, and renders the result or AWS's error (status,
//! `x-amzn-ErrorType`, JSON body) in one place.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod error;
pub mod lambda;

pub use error::AwsError;
