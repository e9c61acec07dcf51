//! Store errors: the domain conditions callers turn into AWS errors, and
//! the database failures they report as service errors.

/// What can go wrong reading or writing the state.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The function does not exist.
    #[error("function not found: {0}")]
    FunctionNotFound(String),
    /// The version or alias does not exist.
    #[error("qualifier not found: {function}:{qualifier}")]
    QualifierNotFound {
        /// Function name.
        function: String,
        /// The missing version or alias.
        qualifier: String,
    },
    /// The alias already exists.
    #[error("alias already exists: {0}")]
    AliasExists(String),
    /// A statement with this id already exists on this function and qualifier.
    #[error(
        "The statement id ({0}) provided already exists. Please provide a new statement id, or remove the existing statement."
    )]
    StatementExists(String),
    /// No such statement in the policy.
    #[error("Statement {0} is not found in resource policy.")]
    StatementNotFound(String),
    /// The function has no policy for this qualifier.
    #[error("No policy is associated with the given resource.")]
    NoPolicy,
    /// An operation AWS refuses, with AWS's message.
    #[error("{0}")]
    Invalid(String),
    /// SQLite failed.
    #[error("state database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored JSON document could not be read back.
    #[error("corrupt stored record: {0}")]
    Corrupt(String),
    /// Reading or writing a file beside the database failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

impl StoreError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        StoreError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
