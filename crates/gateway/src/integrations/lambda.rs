//! Lambda integrations (`AWS` to Lambda, `AWS_PROXY`): the target from the
//! URI, the resource-policy check for the request's execute-api source
//! ARN, and the invoke.
//!
//! Permission rule (docs/compat.md): the call is allowed when the policy
//! allows EITHER the source ARN built from the resource template path
//! (`.../test/GET/users/{id}`, what API Gateway's REST APIs send per
//! lambda.md §7.4) OR the one built from the concrete request path
//! (`.../test/GET/users/123`, what field reports describe), or when the
//! integration has `credentials`.

use crate::compile::{CompiledIntegration, IntegrationKind};
use crate::context::{Endpoint, GatewayError, RequestContext};
use crate::integrations::proxy_event;
use crate::lambda::{FunctionTarget, LambdaBackend, LambdaInvokeError, PolicyDecision};
use crate::responses::GatewayResponseType;

/// The two source ARNs a request may be authorised under: template, concrete.
pub(crate) fn source_arns(ctx: &RequestContext<'_>) -> (String, String) {
    let base = format!(
        "arn:aws:execute-api:{}:{}:{}/{}",
        ctx.scope.region, ctx.scope.account, ctx.stage.api_id, ctx.stage.stage
    );
    let verb = ctx
        .request
        .as_ref()
        .map(|r| r.method.as_str())
        .unwrap_or_default();
    let template = ctx.resource().map(|r| r.path.as_str()).unwrap_or("/");
    let concrete = ctx.request.as_ref().map(|r| r.path.as_str()).unwrap_or("/");
    let concrete = if concrete.len() > 1 {
        concrete.trim_end_matches('/')
    } else {
        concrete
    };
    let concrete = if concrete.is_empty() { "/" } else { concrete };
    (
        format!("{base}/{verb}{template}"),
        format!("{base}/{verb}{concrete}"),
    )
}

fn config_error(ctx: &mut RequestContext<'_>, aws_line: &str, why: String) -> GatewayError {
    ctx.log.line(format!(
        "Execution failed due to configuration error: {aws_line}"
    ));
    ctx.log.explain(why);
    GatewayError::new(GatewayResponseType::ApiConfigurationError)
}

/// Resolves and authorises the target; `Err` is the 500 the client gets.
fn target(
    ctx: &mut RequestContext<'_>,
    integration: &CompiledIntegration,
    backend: &dyn LambdaBackend,
) -> Result<FunctionTarget, GatewayError> {
    if integration.http_method != "POST" {
        return Err(config_error(
            ctx,
            "Invalid integration HTTP method",
            format!(
                "Lambda is invoked with POST; integration_http_method is `{}` (declared at {}), so API Gateway answers 500",
                integration.http_method,
                integration.source.clone().unwrap_or_default()
            ),
        ));
    }
    let uri = ctx
        .integration_request
        .as_ref()
        .map(|r| r.uri.clone())
        .unwrap_or_default();
    let service = uri.split(':').nth(4).unwrap_or_default().to_string();
    if uri.starts_with("arn:aws:apigateway:") && service != "lambda" && !service.is_empty() {
        return Err(config_error(
            ctx,
            "Service integration not available",
            format!(
                "AWS integrations to the `{service}` service are not emulated by Portico (only Lambda is); the URI was {uri}"
            ),
        ));
    }
    let target = match FunctionTarget::from_invoke_uri(&uri) {
        Ok(t) => t,
        Err(e) => return Err(config_error(ctx, "Invalid Lambda function URI", e)),
    };
    if !integration.credentials.is_empty() {
        ctx.log.explain(format!("invoking with the integration's credentials {}; the function's resource policy is not consulted", integration.credentials));
        return Ok(target);
    }
    let (template_arn, concrete_arn) = source_arns(ctx);
    let first = backend.policy_allows(&target, &template_arn);
    if first == PolicyDecision::Allowed
        || backend.policy_allows(&target, &concrete_arn) == PolicyDecision::Allowed
    {
        return Ok(target);
    }
    let patterns = match first {
        PolicyDecision::Denied { patterns } if !patterns.is_empty() => patterns.join(", "),
        _ => "none (no statement grants apigateway.amazonaws.com)".to_string(),
    };
    let qualifier = target
        .qualifier
        .as_deref()
        .map(|q| format!(" (qualifier {q})"))
        .unwrap_or_default();
    Err(config_error(
        ctx,
        "Invalid permissions on Lambda function",
        format!(
            "no statement of the resource policy of {}{qualifier} allows apigateway.amazonaws.com to invoke it for the source ARN {template_arn} \
             (nor {concrete_arn}); the policy's source ARN patterns are: {patterns}. Add an aws_lambda_permission whose source_arn matches, \
             e.g. \"${{aws_api_gateway_rest_api.<name>.execution_arn}}/*/*\"",
            target.name
        ),
    ))
}

/// Invokes the function; for `AWS_PROXY` the response contract is applied
/// and the result is final.
pub(crate) async fn call(
    ctx: &mut RequestContext<'_>,
    integration: &CompiledIntegration,
    backend: &dyn LambdaBackend,
) -> Result<Endpoint, GatewayError> {
    let proxy = integration.kind == IntegrationKind::AwsProxy;
    let target = target(ctx, integration, backend)?;
    let payload = ctx
        .integration_request
        .as_ref()
        .map(|r| r.payload.clone())
        .unwrap_or_default();
    ctx.log.line(format!(
        "Sending request to {}",
        ctx.integration_request
            .as_ref()
            .map(|r| r.uri.as_str())
            .unwrap_or_default()
    ));
    let result = match backend.invoke(&target, payload).await {
        Ok(r) => r,
        Err(e) => {
            ctx.log.line(format!(
                "Lambda invocation failed with status: {}",
                invoke_status(&e)
            ));
            ctx.log
                .explain(format!("invoking {} failed: {e}", target.function_arn));
            let status = if proxy { 502 } else { 500 };
            return Err(GatewayError::status(
                GatewayResponseType::IntegrationFailure,
                status,
            ));
        }
    };
    ctx.log.line(format!(
        "Endpoint response body before transformations: {}",
        crate::phases::integration_request::clip(&result.payload)
    ));
    if !proxy {
        return Ok(Endpoint::Lambda {
            payload: result.payload,
            function_error: result.function_error,
        });
    }
    let accept = ctx
        .request
        .as_ref()
        .and_then(|r| r.header("accept").map(str::to_string));
    let parsed = if result.function_error {
        Err("the function raised an error instead of returning a response".to_string())
    } else {
        proxy_event::parse_response(
            &result.payload,
            accept.as_deref(),
            &ctx.api().binary_media_types,
        )
    };
    match parsed {
        Ok(out) => Ok(Endpoint::Final(out)),
        Err(why) => {
            ctx.log.line(
                "Execution failed due to configuration error: Malformed Lambda proxy response",
            );
            ctx.log.explain(format!("{why}; a proxy integration's function must return {{\"statusCode\", \"headers\", \"multiValueHeaders\", \"body\", \"isBase64Encoded\"}}"));
            Err(GatewayError::status(
                GatewayResponseType::IntegrationFailure,
                502,
            ))
        }
    }
}

fn invoke_status(e: &LambdaInvokeError) -> u16 {
    match e {
        LambdaInvokeError::NotFound(_) => 404,
        LambdaInvokeError::Throttled => 429,
        LambdaInvokeError::TooLarge => 413,
        LambdaInvokeError::Other(_) => 500,
    }
}
