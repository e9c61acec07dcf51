//! Authorize: the method's `authorization` and `api_key_required`.
//! API keys and usage plans are not part of a deployment snapshot, so a key
//! is checked for presence only; `AWS_IAM` requires a signed request but
//! the signature is not verified; Lambda and Cognito authorizers are not
//! emulated and answer 500 with a log line saying so.

use crate::context::{GatewayError, RequestContext};
use crate::responses::GatewayResponseType;

pub(crate) fn run(ctx: &mut RequestContext<'_>) -> Result<(), GatewayError> {
    let (Some(method), Some(req)) = (ctx.method(), ctx.request.as_ref()) else {
        return Err(GatewayError::new(GatewayResponseType::Default5xx));
    };
    match method.authorization.as_str() {
        "" | "NONE" => {}
        "AWS_IAM" => {
            if req.header("authorization").is_none() {
                ctx.log
                    .explain("the method uses AWS_IAM authorization and the request is not signed");
                return Err(GatewayError::new(
                    GatewayResponseType::MissingAuthenticationToken,
                ));
            }
            ctx.log.explain(
                "AWS_IAM: the request is signed; Portico does not verify SigV4 signatures",
            );
        }
        other => {
            ctx.log
                .line("Execution failed due to configuration error: Authorizer error");
            ctx.log.explain(format!("authorization type {other} (a Lambda or Cognito authorizer) is not emulated by Portico"));
            return Err(GatewayError::new(
                GatewayResponseType::AuthorizerConfigurationError,
            ));
        }
    }
    if method.api_key_required && req.header("x-api-key").is_none_or(str::is_empty) {
        ctx.log.line(
            "API Key not authorized because method requires API Key and no API Key was provided",
        );
        return Err(GatewayError::new(GatewayResponseType::InvalidApiKey));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phases::{parse, route};
    use crate::testutil::{stage_for, with_ctx};
    use bytes::Bytes;
    use serde_json::json;

    fn api(auth: &str, key: bool) -> serde_json::Value {
        json!({
            "rest_api": {"id": "abc"},
            "resources": [{"id":"r","parent_id":"","path_part":"","path":"/"}],
            "methods": [{"resource_id":"r","http_method":"GET","authorization":auth,"api_key_required":key}],
        })
    }

    fn outcome(auth: &str, key: bool, headers: &[(&str, &str)]) -> Result<(), GatewayResponseType> {
        let stage = stage_for(api(auth, key));
        let mut b = http::Request::get("/");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        with_ctx(&stage, b.body(Bytes::new()).unwrap(), "/", |ctx| {
            parse::run(ctx).unwrap();
            route::run(ctx).unwrap();
            run(ctx).map_err(|e| e.kind)
        })
    }

    #[test]
    fn checks() {
        assert_eq!(outcome("NONE", false, &[]), Ok(()));
        assert_eq!(
            outcome("NONE", true, &[]),
            Err(GatewayResponseType::InvalidApiKey)
        );
        assert_eq!(outcome("NONE", true, &[("x-api-key", "k")]), Ok(()));
        assert_eq!(
            outcome("AWS_IAM", false, &[]),
            Err(GatewayResponseType::MissingAuthenticationToken)
        );
        assert_eq!(
            outcome("AWS_IAM", false, &[("authorization", "AWS4-HMAC-SHA256 x")]),
            Ok(())
        );
        assert_eq!(
            outcome("CUSTOM", false, &[]),
            Err(GatewayResponseType::AuthorizerConfigurationError)
        );
    }
}
