//! API key: a method with `api_key_required` needs an enabled key, read
//! from `X-API-Key` (api_key_source HEADER) or from the Lambda
//! authorizer's `usageIdentifierKey` (AUTHORIZER), attached to a usage
//! plan that covers this API and stage; else 403 `{"message":"Forbidden"}`.
//! The plan's throttle (its per-method override first) gives 429 Too Many
//! Requests, its quota 429 Limit Exceeded; a request that passes is
//! counted.

use crate::context::{GatewayError, RequestContext};
use crate::phases::integration::Backends;
use crate::responses::GatewayResponseType;
use crate::usage::same_method_path;
use std::time::Instant;

fn forbidden(ctx: &mut RequestContext<'_>, why: String) -> GatewayError {
    ctx.log.line("API Key not authorized");
    ctx.log.explain(why);
    GatewayError::new(GatewayResponseType::InvalidApiKey)
}

pub(crate) fn run(ctx: &mut RequestContext<'_>, b: &Backends<'_>) -> Result<(), GatewayError> {
    let (Some(method), Some(req)) = (ctx.method(), ctx.request.as_ref()) else {
        return Err(GatewayError::new(GatewayResponseType::Default5xx));
    };
    if !method.api_key_required {
        return Ok(());
    }
    let from_authorizer = ctx.api().api_key_source == "AUTHORIZER";
    let value = if from_authorizer {
        ctx.usage_key.clone()
    } else {
        req.header("x-api-key").map(str::to_string)
    }
    .filter(|v| !v.is_empty());
    let Some(value) = value else {
        ctx.log.line(
            "API Key not authorized because method requires API Key and no API Key was provided",
        );
        if from_authorizer {
            ctx.log.explain(
                "api_key_source is AUTHORIZER and the authorizer returned no usageIdentifierKey",
            );
        }
        return Err(GatewayError::new(GatewayResponseType::InvalidApiKey));
    };
    let Some(key) = b.usage.key_by_value(&value) else {
        return Err(forbidden(
            ctx,
            "no API key has this value (aws_api_gateway_api_key)".into(),
        ));
    };
    if !key.enabled {
        return Err(forbidden(ctx, format!("API key {} is disabled", key.id)));
    }
    let (api, stage) = (ctx.stage.api_id.clone(), ctx.stage.stage.clone());
    let Some((plan, plan_stage)) = key
        .plans
        .iter()
        .find_map(|p| p.stage(&api, &stage).map(|s| (p.clone(), s.clone())))
    else {
        let plans: Vec<&str> = key.plans.iter().map(|p| p.name.as_str()).collect();
        return Err(forbidden(
            ctx,
            format!(
                "API key {} is in no usage plan covering {api}/{stage} (its plans: {})",
                key.id,
                if plans.is_empty() {
                    "none".to_string()
                } else {
                    plans.join(", ")
                }
            ),
        ));
    };
    ctx.log.line(format!(
        "API Key {} authorized; usage plan {}",
        key.id, plan.id
    ));
    let settings_path = method.settings_path.clone();
    let throttle = plan_stage
        .method_throttles
        .iter()
        .find(|(p, _)| same_method_path(p, &settings_path))
        .map(|(p, t)| (format!("{}/{}/{}/{p}", plan.id, key.id, stage), *t))
        .or_else(|| {
            plan.throttle
                .map(|t| (format!("{}/{}", plan.id, key.id), t))
        });
    if let Some((bucket, t)) = throttle
        && !b.limits.take(&bucket, t, Instant::now())
    {
        ctx.log.line("Usage plan throttle limit exceeded");
        ctx.log.explain(format!(
            "usage plan {} allows {} requests per second with a burst of {} for key {}",
            plan.name, t.rate, t.burst, key.id
        ));
        return Err(GatewayError::new(GatewayResponseType::Throttled));
    }
    if let Err(q) = b
        .limits
        .count(b.usage, &key.id, &plan, time::OffsetDateTime::now_utc())
    {
        ctx.log.line("Usage plan quota exceeded");
        ctx.log.explain(format!(
            "key {} used {} of the {} requests usage plan {} allows this period",
            key.id, q.used, q.allowed, plan.name
        ));
        return Err(GatewayError::new(GatewayResponseType::QuotaExceeded));
    }
    Ok(())
}
