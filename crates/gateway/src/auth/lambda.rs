//! Lambda authorizers (`TOKEN` and `REQUEST`): the identity read from
//! `identity_source`, the function invoked with AWS's event (permission
//! checked for `arn:aws:execute-api:REGION:ACCOUNT:API/authorizers/ID`),
//! its answer cached per identity for `authorizer_result_ttl_in_seconds`,
//! and its policy evaluated against this request's method ARN (the cache
//! keeps the policy, not the decision, as AWS does: a cached policy that
//! names only one resource denies the others).

use super::policy::{self, Decision, Statement};
use crate::compile::{AuthorizerKind, CompiledAuthorizer};
use crate::context::{GatewayError, RequestContext};
use crate::integrations::proxy_event;
use crate::lambda::{FunctionTarget, PolicyDecision};
use crate::phases::integration::Backends;
use crate::responses::GatewayResponseType;
use bytes::Bytes;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Instant;

/// What an authorizer answered, as cached.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AuthorizerAnswer {
    pub principal_id: Value,
    pub statements: Vec<Statement>,
    /// `context`, values stringified (`$context.authorizer.KEY` is "the
    /// stringified value").
    pub context: Map<String, Value>,
    pub usage_key: Option<String>,
}

fn config_error(ctx: &mut RequestContext<'_>, aws: &str, why: String) -> GatewayError {
    ctx.log.line(format!(
        "Execution failed due to configuration error: {aws}"
    ));
    ctx.log.explain(why);
    GatewayError::new(GatewayResponseType::AuthorizerConfigurationError)
}

fn unauthorized(ctx: &mut RequestContext<'_>, why: String) -> GatewayError {
    ctx.log
        .line("Unauthorized request: the identity source is missing or invalid");
    ctx.log.explain(why);
    GatewayError::new(GatewayResponseType::Unauthorized)
}

/// The request's method ARN: `arn:aws:execute-api:R:A:API/STAGE/VERB/PATH`
/// with the concrete path.
pub(crate) fn method_arn(ctx: &RequestContext<'_>) -> String {
    crate::integrations::lambda::source_arns(ctx).1
}

/// Reads one identity source (`method.request.header.X`,
/// `method.request.querystring.X`, `method.request.path.X`,
/// `stageVariables.X`, `context.X`).
fn identity_value(ctx: &RequestContext<'_>, source: &str) -> Option<String> {
    let req = ctx.request.as_ref()?;
    if let Some(n) = source.strip_prefix("method.request.header.") {
        return req.header(n).map(str::to_string);
    }
    if let Some(n) = source.strip_prefix("method.request.querystring.") {
        return req
            .query
            .iter()
            .rev()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone());
    }
    if let Some(n) = source.strip_prefix("method.request.path.") {
        let route = ctx.route.as_ref()?;
        return route
            .path_params
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone());
    }
    if let Some(n) = source.strip_prefix("stageVariables.") {
        return ctx
            .stage
            .variables
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone());
    }
    if let Some(n) = source.strip_prefix("context.") {
        let c = ctx.context_json(None);
        let v = n.split('.').try_fold(&c, |v, k| v.get(k))?;
        return match v {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        };
    }
    None
}

/// Runs the authorizer; on success the answer is in `ctx.authorizer`.
pub(crate) async fn run(
    ctx: &mut RequestContext<'_>,
    a: &CompiledAuthorizer,
    b: &Backends<'_>,
) -> Result<(), GatewayError> {
    let mut values = Vec::new();
    for s in &a.identity_sources {
        match identity_value(ctx, s).filter(|v| !v.is_empty()) {
            Some(v) => values.push(v),
            // A REQUEST authorizer without caching does not require its
            // identity sources (AWS); with caching every one must be there.
            None if a.kind == AuthorizerKind::Request && a.ttl.is_zero() => {}
            None => {
                return Err(unauthorized(
                    ctx,
                    format!(
                        "the authorizer {} needs the identity source {s}, which the request lacks, so API Gateway answers 401 without calling it",
                        a.name
                    ),
                ));
            }
        }
    }
    if a.kind == AuthorizerKind::Token
        && let (Some(re), Some(token)) = (&a.validation, values.first())
        && !re.is_match(token)
    {
        return Err(unauthorized(
            ctx,
            format!(
                "the token does not match identity_validation_expression {}, so the authorizer {} is not called",
                re.as_str(),
                a.name
            ),
        ));
    }
    let identity = values.join(",");
    let key = format!(
        "{}/{}/{}/{identity}",
        ctx.stage.api_id, ctx.stage.stage, a.id
    );
    ctx.log.line(format!(
        "Starting authorizer: {} for request: {}",
        a.id, ctx.ids.request_id
    ));
    let answer = match b.auth_cache.get(&key, Instant::now()) {
        Some(hit) => {
            ctx.log.explain(format!(
                "authorizer {} result taken from the cache (TTL {} s)",
                a.name,
                a.ttl.as_secs()
            ));
            hit
        }
        None => {
            let answer = Arc::new(call(ctx, a, b).await?);
            b.auth_cache.put(key, a.ttl, answer.clone(), Instant::now());
            answer
        }
    };
    let arn = method_arn(ctx);
    match policy::evaluate(&answer.statements, &arn) {
        Decision::Allow => {
            ctx.log.line(format!(
                "Successfully completed authorizer execution for principal: {}",
                principal_text(&answer.principal_id)
            ));
            let mut m = Map::new();
            m.insert("principalId".into(), answer.principal_id.clone());
            m.extend(answer.context.clone());
            ctx.authorizer = Some(m);
            ctx.usage_key = answer.usage_key.clone();
            Ok(())
        }
        d => {
            let explicit = d == Decision::ExplicitDeny;
            ctx.log
                .line("The client is not authorized to perform this operation.");
            ctx.log.explain(format!(
                "the policy of authorizer {} {} {arn}",
                a.name,
                if explicit {
                    "explicitly denies"
                } else {
                    "does not allow"
                }
            ));
            let message = if explicit {
                "User is not authorized to access this resource with an explicit deny"
            } else {
                "User is not authorized to access this resource"
            };
            let mut e =
                GatewayError::with_message(GatewayResponseType::AccessDenied, message.into());
            e.message_key = "Message";
            Err(e)
        }
    }
}

fn principal_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The event AWS sends.
fn event(ctx: &RequestContext<'_>, a: &CompiledAuthorizer, token: Option<&str>) -> Value {
    let arn = method_arn(ctx);
    if a.kind == AuthorizerKind::Token {
        return json!({"type": "TOKEN", "methodArn": arn, "authorizationToken": token.unwrap_or_default()});
    }
    let proxy = proxy_event::build(ctx, &[], &[]);
    let mut e: Value = serde_json::from_slice(&proxy).unwrap_or_else(|_| json!({}));
    let mut out = Map::new();
    out.insert("type".into(), json!("REQUEST"));
    out.insert("methodArn".into(), json!(arn));
    if let Value::Object(o) = &mut e {
        o.remove("body");
        o.remove("isBase64Encoded");
        out.extend(std::mem::take(o));
    }
    Value::Object(out)
}

async fn call(
    ctx: &mut RequestContext<'_>,
    a: &CompiledAuthorizer,
    b: &Backends<'_>,
) -> Result<AuthorizerAnswer, GatewayError> {
    let target = FunctionTarget::from_invoke_uri(&a.uri).map_err(|e| {
        config_error(
            ctx,
            "Invalid Lambda function URI",
            format!("authorizer {}: {e}", a.name),
        )
    })?;
    if a.credentials.is_empty() {
        let source_arn = format!(
            "arn:aws:execute-api:{}:{}:{}/authorizers/{}",
            ctx.scope.region, ctx.scope.account, ctx.stage.api_id, a.id
        );
        if b.lambda.policy_allows(&target, &source_arn) != PolicyDecision::Allowed {
            return Err(config_error(
                ctx,
                "Invalid permissions on Lambda function",
                format!(
                    "no statement of the resource policy of {} allows apigateway.amazonaws.com to invoke it for the authorizer's source ARN {source_arn}; add an aws_lambda_permission with source_arn \"${{aws_api_gateway_rest_api.<name>.execution_arn}}/authorizers/${{aws_api_gateway_authorizer.{}.id}}\" (or .../*)",
                    target.name, a.name
                ),
            ));
        }
    }
    let token = match a.kind {
        AuthorizerKind::Token => a
            .identity_sources
            .first()
            .and_then(|s| identity_value(ctx, s)),
        _ => None,
    };
    let ev = event(ctx, a, token.as_deref());
    ctx.log.line(format!(
        "Incoming identity: {}",
        token
            .as_deref()
            .map(|_| "[redacted]")
            .unwrap_or("[request parameters]")
    ));
    ctx.log.line(format!("Endpoint request URI: {}", a.uri));
    let started = Instant::now();
    let result = b
        .lambda
        .invoke(&target, Bytes::from(ev.to_string()))
        .await
        .map_err(|e| {
            config_error(
                ctx,
                "Authorizer error",
                format!(
                    "invoking the authorizer {} failed: {e}",
                    target.function_arn
                ),
            )
        })?;
    ctx.log.line(format!(
        "Authorizer result body before parsing: {}",
        crate::phases::integration_request::clip(&result.payload)
    ));
    ctx.log.line(format!(
        "Authorizer latency: {} ms",
        started.elapsed().as_millis()
    ));
    let body: Value = serde_json::from_slice(&result.payload).unwrap_or(Value::Null);
    if result.function_error {
        let msg = body
            .get("errorMessage")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if msg == "Unauthorized" {
            ctx.log.line("Unauthorized request");
            ctx.log.explain(format!("the authorizer {} failed with the error \"Unauthorized\", which API Gateway answers with 401", a.name));
            return Err(GatewayError::new(GatewayResponseType::Unauthorized));
        }
        return Err(config_error(
            ctx,
            "Authorizer error",
            format!(
                "the authorizer function {} raised an error ({msg}); only an error whose message is exactly \"Unauthorized\" gives 401, any other is a 500",
                target.name
            ),
        ));
    }
    parse_answer(&body).map_err(|why| {
        config_error(
            ctx,
            "Invalid JSON in response",
            format!("the authorizer {} returned something API Gateway cannot use: {why}; it must return {{\"principalId\", \"policyDocument\": {{\"Version\", \"Statement\": [...]}}, \"context\"}}", a.name),
        )
    })
}

/// Reads the authorizer's answer.
pub(crate) fn parse_answer(body: &Value) -> Result<AuthorizerAnswer, String> {
    let Some(o) = body.as_object() else {
        return Err(format!("the payload {body} is not a JSON object"));
    };
    let statements = policy::parse(o.get("policyDocument").unwrap_or(&Value::Null))?;
    let mut context = Map::new();
    if let Some(c) = o.get("context").filter(|c| !c.is_null()) {
        let Some(c) = c.as_object() else {
            return Err("context is not an object".into());
        };
        for (k, v) in c {
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Number(_) | Value::Bool(_) => v.to_string(),
                Value::Null => continue,
                _ => {
                    return Err(format!(
                        "context value `{k}` is an object or a list; only strings, numbers and booleans are allowed"
                    ));
                }
            };
            context.insert(k.clone(), Value::String(s));
        }
    }
    Ok(AuthorizerAnswer {
        principal_id: o.get("principalId").cloned().unwrap_or(Value::Null),
        statements,
        context,
        usage_key: o
            .get("usageIdentifierKey")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_checked() {
        let ok = parse_answer(&json!({"principalId":"u1","policyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]},"context":{"n":1,"b":true,"s":"x"}})).unwrap();
        assert_eq!(ok.context["n"], "1");
        assert_eq!(ok.context["b"], "true");
        assert!(parse_answer(&json!({"principalId":"u"})).is_err());
        assert!(
            parse_answer(&json!({"policyDocument":{"Statement":[]},"context":{"o":{}}})).is_err()
        );
        assert!(parse_answer(&json!("Allow")).is_err());
    }
}
