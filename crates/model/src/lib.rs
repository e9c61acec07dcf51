//! Portico's domain vocabulary for Lambda: what a function, a version, an
//! alias and a resource-policy statement are, how ARNs are spelled, and the
//! invariants AWS enforces on names. Nothing here knows HTTP, SQL or AWS's
//! JSON shapes: the wire and store crates convert to and from these types.

mod arn;
mod error;
mod function;
mod policy;
mod runtime;

pub use arn::{
    FunctionRef, Qualifier, Scope, function_name_of, validate_alias_name, validate_function_name,
};
pub use error::ModelError;
pub use function::{Alias, FunctionConfig, FunctionVersion, LATEST};
pub use policy::{Principal, Statement, arn_like, validate_statement_id};
pub use runtime::RuntimeKind;
