//! How the gateway reaches Lambda: a trait the binary implements over its
//! in-process Lambda engine (and tests implement with a fake).

use bytes::Bytes;
use portico_model::FunctionRef;
use std::future::Future;
use std::pin::Pin;

/// A boxed future, so that the backend can be a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The function an integration URI names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionTarget {
    /// The function ARN exactly as written in the URI.
    pub function_arn: String,
    /// Bare function name.
    pub name: String,
    /// `:QUALIFIER` from the ARN (version or alias), if any.
    pub qualifier: Option<String>,
}

impl FunctionTarget {
    /// Reads `arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FN/invocations`.
    /// A URI without the trailing `/invocations` does not invoke on AWS
    /// either (aws-apigateway-importer#9).
    pub fn from_invoke_uri(uri: &str) -> Result<FunctionTarget, String> {
        let (_, rest) = uri
            .split_once(":lambda:path/")
            .ok_or_else(|| format!("`{uri}` is not a Lambda invocation URI"))?;
        let fn_part = rest
            .strip_prefix("2015-03-31/functions/")
            .ok_or_else(|| format!("`{uri}` does not contain `path/2015-03-31/functions/`"))?;
        let arn = fn_part
            .strip_suffix("/invocations")
            .ok_or_else(|| format!("`{uri}` does not end with `/invocations`"))?;
        let r = FunctionRef::parse(arn)
            .map_err(|_| format!("`{arn}` in the URI is not a function ARN"))?;
        Ok(FunctionTarget {
            function_arn: arn.to_string(),
            name: r.name,
            qualifier: r.qualifier,
        })
    }
}

/// A completed Invoke: the payload and whether Lambda flagged it with
/// `X-Amz-Function-Error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaResult {
    pub payload: Bytes,
    pub function_error: bool,
}

/// Invoke failures that are not function errors.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum LambdaInvokeError {
    #[error("Function not found: {0}")]
    NotFound(String),
    #[error("Rate Exceeded.")]
    Throttled,
    #[error("Request payload size exceeded the limit")]
    TooLarge,
    #[error("{0}")]
    Other(String),
}

/// What the function's resource policy says about one source ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyDecision {
    Allowed,
    /// Denied; `patterns` are the `AWS:SourceArn` patterns of the statements
    /// that grant `apigateway.amazonaws.com` (empty when none does), for
    /// the explanation.
    Denied {
        patterns: Vec<String>,
    },
}

/// The Lambda engine as the gateway needs it.
pub trait LambdaBackend: Send + Sync {
    /// Synchronous (`RequestResponse`) invoke.
    fn invoke<'a>(
        &'a self,
        target: &'a FunctionTarget,
        payload: Bytes,
    ) -> BoxFuture<'a, Result<LambdaResult, LambdaInvokeError>>;

    /// Whether the policy of `target` (for its qualifier) lets
    /// `apigateway.amazonaws.com` invoke with this `AWS:SourceArn`.
    fn policy_allows(&self, target: &FunctionTarget, source_arn: &str) -> PolicyDecision;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_invoke_uris() {
        let t = FunctionTarget::from_invoke_uri(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f:current/invocations",
        )
        .unwrap();
        assert_eq!(
            (t.name.as_str(), t.qualifier.as_deref()),
            ("f", Some("current"))
        );
        let e = FunctionTarget::from_invoke_uri(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f",
        );
        assert!(e.unwrap_err().contains("/invocations"));
        assert!(
            FunctionTarget::from_invoke_uri("arn:aws:apigateway:us-east-1:sqs:path/x").is_err()
        );
    }
}
