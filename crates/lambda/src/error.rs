//! Why an invocation could not run. Function errors are not here: they are
//! results (`X-Amz-Function-Error: Unhandled`), as on AWS.

/// An invocation that did not reach a function's handler.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    /// No such function, version or alias; carries AWS's message.
    #[error("{0}")]
    NotFound(String),
    /// Concurrency exhausted; `reason` is AWS's `Reason` field.
    #[error("Rate Exceeded.")]
    Throttled {
        /// `ReservedFunctionConcurrentInvocationLimitExceeded` or `ConcurrentInvocationLimitExceeded`.
        reason: &'static str,
    },
    /// The request payload is over 6 MB.
    #[error("{0}")]
    RequestTooLarge(String),
    /// The payload is not JSON.
    #[error("{0}")]
    InvalidRequestContent(String),
    /// A bad parameter (qualifier mismatch, ...).
    #[error("{0}")]
    InvalidParameter(String),
    /// The function's runtime cannot run here.
    #[error("{0}")]
    Unsupported(String),
    /// Portico itself failed (store, spawn, ...).
    #[error("{0}")]
    Service(String),
}

impl From<portico_store::StoreError> for InvokeError {
    fn from(e: portico_store::StoreError) -> Self {
        InvokeError::Service(e.to_string())
    }
}
