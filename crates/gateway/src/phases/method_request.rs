//! Method request: a request validator with `validate_request_parameters`
//! enforces the method's required `request_parameters` (400 `Missing
//! required request parameters: [a, b]`); one with `validate_request_body`
//! checks the body against the method's `request_models` model for the
//! request's Content-Type (400 `Invalid request body`, the API log naming
//! the schema rule that failed).

use crate::context::{GatewayError, RequestContext};
use crate::responses::GatewayResponseType;

pub(crate) fn run(ctx: &mut RequestContext<'_>) -> Result<(), GatewayError> {
    let (Some(method), Some(req), Some(route)) =
        (ctx.method(), ctx.request.as_ref(), ctx.route.as_ref())
    else {
        return Err(GatewayError::new(GatewayResponseType::Default5xx));
    };
    // Keys are sorted by their full name (header, path, querystring), and
    // the message lists bare names in that order [AWS-rec].
    let missing: Vec<&str> = method
        .required_parameters
        .iter()
        .filter_map(|k| {
            let present = if let Some(n) = k.strip_prefix("method.request.header.") {
                req.header(n).is_some()
            } else if let Some(n) = k.strip_prefix("method.request.querystring.") {
                req.query.iter().any(|(q, _)| q == n)
            } else if let Some(n) = k.strip_prefix("method.request.path.") {
                route.path_params.iter().any(|(p, _)| p == n)
            } else {
                true
            };
            (!present).then(|| k.rsplit('.').next().unwrap_or(k))
        })
        .collect();
    if missing.is_empty() {
        return validate_body(ctx);
    }
    let message = format!(
        "Missing required request parameters: [{}]",
        missing.join(", ")
    );
    ctx.log
        .line(format!("Request validation failed: {message}"));
    Err(GatewayError::with_message(
        GatewayResponseType::BadRequestParameters,
        message,
    ))
}

/// The model for the request's Content-Type: its media type, then
/// `$default`, then `application/json` (a request without Content-Type is
/// treated as JSON). `Empty` and `Error` (AWS's built-in models) accept
/// anything.
fn validate_body(ctx: &mut RequestContext<'_>) -> Result<(), GatewayError> {
    let (Some(method), Some(req)) = (ctx.method(), ctx.request.as_ref()) else {
        return Ok(());
    };
    if method.body_models.is_empty() {
        return Ok(());
    }
    let ct = req
        .header("content-type")
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_else(|| "application/json".into());
    let find = |k: &str| method.body_models.iter().find(|(c, _)| c == k);
    let Some((_, model)) = find(&ct)
        .or_else(|| find("$default"))
        .or_else(|| find("application/json"))
    else {
        return Ok(());
    };
    if model == "Empty" || model == "Error" {
        return Ok(());
    }
    // An empty body is validated as `{}` (as `$input.body` reads it).
    let parsed = if req.body.iter().all(u8::is_ascii_whitespace) {
        Ok(serde_json::Value::Object(Default::default()))
    } else {
        serde_json::from_slice(&req.body).map_err(|e| format!("the body is not JSON: {e}"))
    };
    let outcome = parsed.and_then(|v| ctx.api().models.validate(model, &v));
    match outcome {
        Ok(()) => Ok(()),
        Err(why) => {
            ctx.log.line(format!(
                "Request body does not match model schema for content type {ct}: [{why}]"
            ));
            ctx.log
                .explain(format!("model `{model}` refused the body: {why}"));
            Err(GatewayError::new(GatewayResponseType::BadRequestBody))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phases::{parse, route};
    use crate::testutil::{stage_for, with_ctx};
    use bytes::Bytes;
    use serde_json::json;

    #[test]
    fn missing_parameters_are_listed_in_key_order() {
        let stage = stage_for(json!({
            "rest_api": {"id": "abc"},
            "resources": [{"id":"r","parent_id":"","path_part":"","path":"/"}],
            "methods": [{"resource_id":"r","http_method":"GET","authorization":"NONE","request_validator_id":"v",
                "request_parameters":{"method.request.querystring.qs1":true,"method.request.header.x-header-param":true,
                                      "method.request.querystring.optional":false}}],
            "request_validators": [{"id":"v","validate_request_parameters":true}],
        }));
        let run_with = |uri: &str| {
            let req = http::Request::get(uri).body(Bytes::new()).unwrap();
            with_ctx(&stage, req, "/", |ctx| {
                parse::run(ctx).unwrap();
                route::run(ctx).unwrap();
                run(ctx)
            })
        };
        let e = run_with("/").unwrap_err();
        assert_eq!(
            e.message.as_deref(),
            Some("Missing required request parameters: [x-header-param, qs1]")
        );
        assert_eq!(
            run_with("/?qs1=1").unwrap_err().message.as_deref(),
            Some("Missing required request parameters: [x-header-param]")
        );
    }
}
