//! Access control in front of a method: Lambda authorizers and their IAM
//! policies, SigV4 for `AWS_IAM`, and Cognito JWT claims.

pub(crate) mod cognito;
pub(crate) mod lambda;
pub(crate) mod policy;
pub(crate) mod sigv4;
