//! AWS errors as the Lambda API puts them on the wire: the status from the
//! shape, `x-amzn-ErrorType: <Code>`, and a JSON body whose message member
//! is `message` or `Message` depending on the shape (SDKs read the modeled
//! member, so the casing is copied exactly, lambda.md §4.4).

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};

/// Every error a client of the Lambda API can see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwsError {
    /// 404, capital `Message`.
    ResourceNotFound(String),
    /// 429 with `Reason` and `Retry-After`.
    TooManyRequests(&'static str),
    /// 409.
    ResourceConflict(String),
    /// 400.
    InvalidParameterValue(String),
    /// 400, `message` only.
    InvalidRequestContent(String),
    /// 413.
    RequestTooLarge(String),
    /// 400 (not modeled: plain `message`).
    Validation(String),
    /// 500, capital `Message`.
    Service(String),
}

impl AwsError {
    fn parts(&self) -> (StatusCode, &'static str, serde_json::Value) {
        use serde_json::json;
        match self {
            AwsError::ResourceNotFound(m) => (
                StatusCode::NOT_FOUND,
                "ResourceNotFoundException",
                json!({"Type": "User", "Message": m}),
            ),
            AwsError::TooManyRequests(reason) => (
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequestsException",
                json!({"Reason": reason, "Type": "User", "message": "Rate Exceeded."}),
            ),
            AwsError::ResourceConflict(m) => (
                StatusCode::CONFLICT,
                "ResourceConflictException",
                json!({"Type": "User", "message": m}),
            ),
            AwsError::InvalidParameterValue(m) => (
                StatusCode::BAD_REQUEST,
                "InvalidParameterValueException",
                json!({"Type": "User", "message": m}),
            ),
            AwsError::InvalidRequestContent(m) => (
                StatusCode::BAD_REQUEST,
                "InvalidRequestContentException",
                json!({"Type": "User", "message": m}),
            ),
            AwsError::RequestTooLarge(m) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestTooLargeException",
                json!({"Type": "User", "message": m}),
            ),
            AwsError::Validation(m) => (
                StatusCode::BAD_REQUEST,
                "ValidationException",
                json!({"message": m}),
            ),
            AwsError::Service(m) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "ServiceException",
                json!({"Type": "Service", "Message": m}),
            ),
        }
    }
}

impl IntoResponse for AwsError {
    fn into_response(self) -> Response {
        let (status, code, body) = self.parts();
        let mut r = (status, body.to_string()).into_response();
        let h = r.headers_mut();
        h.insert("x-amzn-ErrorType", HeaderValue::from_static(code));
        h.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
            h.insert("x-amzn-RequestId", v);
        }
        if matches!(self, AwsError::TooManyRequests(_)) {
            h.insert(http::header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        r
    }
}

impl From<portico_lambda::InvokeError> for AwsError {
    fn from(e: portico_lambda::InvokeError) -> Self {
        use portico_lambda::InvokeError as E;
        match e {
            E::NotFound(m) => AwsError::ResourceNotFound(m),
            E::Throttled { reason } => AwsError::TooManyRequests(reason),
            E::RequestTooLarge(m) => AwsError::RequestTooLarge(m),
            E::InvalidRequestContent(m) => AwsError::InvalidRequestContent(m),
            E::InvalidParameter(m) => AwsError::InvalidParameterValue(m),
            E::Unsupported(m) => AwsError::InvalidParameterValue(m),
            E::Service(m) => AwsError::Service(m),
        }
    }
}
