//! Authorize: the method's `authorization`. `AWS_IAM` verifies the SigV4
//! signature against Portico's credentials; `CUSTOM` runs the Lambda
//! authorizer (TOKEN or REQUEST); `COGNITO_USER_POOLS` decodes the JWT
//! (claims only, no signature check against a user pool).

use crate::auth::{cognito, lambda, sigv4};
use crate::compile::AuthorizerKind;
use crate::context::{GatewayError, RequestContext};
use crate::phases::integration::Backends;
use crate::responses::GatewayResponseType;
use serde_json::{Map, Value, json};

pub(crate) async fn run(
    ctx: &mut RequestContext<'_>,
    b: &Backends<'_>,
) -> Result<(), GatewayError> {
    let (Some(method), Some(req)) = (ctx.method(), ctx.request.as_ref()) else {
        return Err(GatewayError::new(GatewayResponseType::Default5xx));
    };
    match method.authorization.as_str() {
        "" | "NONE" => Ok(()),
        "AWS_IAM" => {
            if req.header("authorization").is_none() {
                ctx.log
                    .explain("the method uses AWS_IAM authorization and the request is not signed");
                return Err(GatewayError::new(
                    GatewayResponseType::MissingAuthenticationToken,
                ));
            }
            match sigv4::verify(req, b.credentials, time::OffsetDateTime::now_utc()) {
                Ok(caller) => {
                    let account = ctx.scope.account.clone();
                    ctx.identity = identity(&caller.access_key, &account);
                    Ok(())
                }
                Err(r) => {
                    ctx.log
                        .line(format!("IAM authorization failed: {}", r.message));
                    ctx.log.explain(r.explain);
                    Err(GatewayError::with_message(
                        GatewayResponseType::InvalidSignature,
                        r.message,
                    ))
                }
            }
        }
        kind => {
            let Some(a) = method.authorizer.as_ref() else {
                ctx.log
                    .line("Execution failed due to configuration error: Authorizer error");
                ctx.log.explain(format!(
                    "the method's authorization is {kind} but its authorizer_id names no authorizer of this deployment"
                ));
                return Err(GatewayError::new(
                    GatewayResponseType::AuthorizerConfigurationError,
                ));
            };
            if a.kind == AuthorizerKind::Cognito {
                let token = a
                    .identity_sources
                    .first()
                    .and_then(|s| s.strip_prefix("method.request.header."))
                    .and_then(|h| req.header(h))
                    .unwrap_or_default()
                    .to_string();
                if token.is_empty() {
                    ctx.log.line("Unauthorized request: the token is missing");
                    return Err(GatewayError::new(GatewayResponseType::Unauthorized));
                }
                let now = time::OffsetDateTime::now_utc().unix_timestamp();
                return match cognito::claims(&token, now, &method.authorization_scopes) {
                    Ok(claims) => {
                        let mut m = Map::new();
                        m.insert("claims".into(), Value::Object(claims));
                        ctx.authorizer = Some(m);
                        Ok(())
                    }
                    Err(why) => {
                        ctx.log.line("Unauthorized request");
                        ctx.log.explain(why);
                        Err(GatewayError::new(GatewayResponseType::Unauthorized))
                    }
                };
            }
            lambda::run(ctx, a, b).await
        }
    }
}

/// `$context.identity` for a verified local caller. Portico's credentials
/// stand for the account's root user.
fn identity(access_key: &str, account: &str) -> Map<String, Value> {
    let v = json!({
        "accessKey": access_key,
        "accountId": account,
        "caller": account,
        "user": account,
        "userArn": format!("arn:aws:iam::{account}:root"),
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
