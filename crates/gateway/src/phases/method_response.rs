//! Method response: the headers API Gateway will not let an integration
//! set are renamed `x-amzn-Remapped-{Name}` (§2.5), and `Content-Type`
//! defaults to `application/json`.

use crate::compile::IntegrationKind;
use crate::context::{GatewayError, RequestContext};
use crate::responses::GatewayResponseType;

/// Remapped for non-proxy integrations (AWS-rec header remapping tests).
const REMAP: [&str; 14] = [
    "authorization",
    "connection",
    "content-length",
    "content-md5",
    "date",
    "expect",
    "host",
    "max-forwards",
    "proxy-authenticate",
    "server",
    "trailer",
    "upgrade",
    "user-agent",
    "www-authenticate",
];
/// Remapped for proxy integrations.
const REMAP_PROXY: [&str; 4] = ["connection", "content-length", "date", "server"];

pub(crate) fn run(ctx: &mut RequestContext<'_>) -> Result<(), GatewayError> {
    let proxy = ctx.integration().is_some_and(|i| {
        matches!(
            i.kind,
            IntegrationKind::AwsProxy | IntegrationKind::HttpProxy
        )
    });
    let Some(out) = ctx.response.as_mut() else {
        return Err(GatewayError::new(GatewayResponseType::Default5xx));
    };
    let list: &[&str] = if proxy { &REMAP_PROXY } else { &REMAP };
    for (name, _) in out.headers.iter_mut() {
        if list.iter().any(|r| name.eq_ignore_ascii_case(r)) {
            *name = format!("x-amzn-Remapped-{name}");
        }
    }
    if !out
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        out.headers
            .insert(0, ("Content-Type".into(), "application/json".into()));
    }
    let shown: Vec<String> = out
        .headers
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let status = out.status;
    ctx.log
        .line(format!("Method response headers: {{{}}}", shown.join(", ")));
    ctx.log.line("Successfully completed execution");
    ctx.log
        .line(format!("Method completed with status: {status}"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::MethodOut;
    use crate::testutil::{stage_for, with_ctx};
    use bytes::Bytes;

    #[test]
    fn remaps_and_defaults_content_type() {
        let stage = stage_for(serde_json::json!({}));
        with_ctx(&stage, http::Request::new(Bytes::new()), "/", |ctx| {
            ctx.response = Some(MethodOut {
                status: 200,
                headers: vec![("Server".into(), "x".into()), ("X-Ok".into(), "y".into())],
                body: Bytes::new(),
            });
            run(ctx).unwrap();
            let h = &ctx.response.as_ref().unwrap().headers;
            assert_eq!(h[0], ("Content-Type".into(), "application/json".into()));
            assert!(h.contains(&("x-amzn-Remapped-Server".into(), "x".into())));
            assert!(h.contains(&("X-Ok".into(), "y".into())));
        });
    }
}
