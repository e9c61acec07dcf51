//! `Invoke`: `POST /2015-03-31/functions/{FunctionName}/invocations`.

use crate::AwsError;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use portico_lambda::{Engine, InvocationType, InvokeRequest};
use std::collections::HashMap;
use std::sync::Arc;

/// The largest body read at all; above 6 MB the engine answers 413 itself,
/// but an endless body must not be buffered whole.
const READ_LIMIT: usize = 6_291_456 + 1;

pub async fn invoke(
    State(engine): State<Arc<Engine>>,
    Path(function_name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AwsError> {
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let invocation_type = match header("x-amz-invocation-type").as_deref() {
        None | Some("RequestResponse") => InvocationType::RequestResponse,
        Some("Event") => InvocationType::Event,
        Some("DryRun") => InvocationType::DryRun,
        Some(other) => {
            return Err(AwsError::Validation(format!(
                "1 validation error detected: Value '{other}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
            )));
        }
    };
    let payload = axum::body::to_bytes(body, READ_LIMIT).await.map_err(|_| {
        AwsError::RequestTooLarge(
            "Request must be smaller than 6291456 bytes for the InvokeFunction operation".into(),
        )
    })?;
    // The path may carry a URL-encoded ARN (`arn%3Aaws%3Alambda%3A...`).
    let function = percent_encoding::percent_decode_str(&function_name)
        .decode_utf8_lossy()
        .to_string();
    let req = InvokeRequest {
        function,
        qualifier: query.get("Qualifier").cloned(),
        payload,
        invocation_type,
        log_tail: header("x-amz-log-type").as_deref() == Some("Tail"),
        client_context: header("x-amz-client-context"),
    };
    let r = engine.invoke(req).await?;
    let mut resp = (
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::OK),
        r.payload,
    )
        .into_response();
    let h = resp.headers_mut();
    let mut set = |k: &'static str, v: &str| {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(k, v);
        }
    };
    set("x-amzn-RequestId", &r.request_id);
    if r.status == 200 {
        set("content-type", "application/json");
        set("X-Amz-Executed-Version", &r.executed_version);
        if r.function_error.is_some() {
            // Every current runtime reports `Unhandled`; `Handled` is legacy.
            set("X-Amz-Function-Error", "Unhandled");
        }
        if let Some(log) = &r.log_result {
            set("X-Amz-Log-Result", log);
        }
    }
    Ok(resp)
}
