//! Validation errors for domain values.

/// A value that breaks one of AWS's rules for names and identifiers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// A function name outside `[a-zA-Z0-9-_]{1,64}`.
    #[error("invalid function name '{0}': must match [a-zA-Z0-9-_]+ and be at most 64 characters")]
    FunctionName(String),
    /// An alias name that is empty, too long, all digits or has other characters.
    #[error(
        "invalid alias name '{0}': must match (?!^[0-9]+$)([a-zA-Z0-9-_]+), 1 to 128 characters"
    )]
    AliasName(String),
    /// A statement id outside `[a-zA-Z0-9-_]{1,100}`.
    #[error("invalid statement id '{0}': must match ([a-zA-Z0-9-_]+)")]
    StatementId(String),
    /// An ARN or partial ARN that does not name a function.
    #[error("'{0}' is not a function name or function ARN")]
    FunctionRef(String),
}
