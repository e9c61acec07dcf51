//! Stage throttling: the stage's method settings (`throttling_rate_limit`,
//! `throttling_burst_limit`, per method or `*/*`) give 429
//! `{"message":"Too Many Requests"}` when the method's bucket is empty.

use crate::context::{GatewayError, RequestContext};
use crate::phases::integration::Backends;
use crate::responses::GatewayResponseType;
use std::time::Instant;

pub(crate) fn run(ctx: &mut RequestContext<'_>, b: &Backends<'_>) -> Result<(), GatewayError> {
    let Some(method) = ctx.method() else {
        return Ok(());
    };
    let Some((declared, settings)) = ctx.stage.settings.for_method(&method.settings_path) else {
        return Ok(());
    };
    let Some(t) = settings.throttle else {
        return Ok(());
    };
    let bucket = format!(
        "stage/{}/{}/{}",
        ctx.stage.api_id, ctx.stage.stage, method.settings_path
    );
    if b.limits.take(&bucket, t, Instant::now()) {
        return Ok(());
    }
    ctx.log
        .line("Method throttled: stage throttle limit exceeded");
    ctx.log.explain(format!(
        "the method settings {declared} of stage {} allow {} requests per second with a burst of {}",
        ctx.stage.stage, t.rate, t.burst
    ));
    Err(GatewayError::new(GatewayResponseType::Throttled))
}
