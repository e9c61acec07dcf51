//! Integration: the call to the backend, under the integration's timeout
//! (29 s or `timeout_milliseconds`; past it the client gets 504
//! `{"message": "Endpoint request timed out"}`).

use crate::compile::{CompiledIntegration, IntegrationKind};
use crate::context::{Endpoint, GatewayError, MethodOut, RequestContext};
use crate::integrations::http::{self, HttpCall, HttpFailure};
use crate::integrations::{lambda, mock};
use crate::lambda::LambdaBackend;
use crate::responses::GatewayResponseType;
use std::time::Instant;

/// What the integration phase needs from outside the request.
pub(crate) struct Backends<'a> {
    pub lambda: &'a dyn LambdaBackend,
    pub http: &'a reqwest::Client,
    pub usage: &'a dyn crate::usage::UsageBackend,
    pub limits: &'a crate::limits::Limits,
    pub auth_cache:
        &'a crate::limits::AuthorizerCache<std::sync::Arc<crate::auth::lambda::AuthorizerAnswer>>,
    /// (access key id, secret) pairs SigV4 signatures are checked against.
    pub credentials: &'a [(String, String)],
}

pub(crate) async fn run(
    ctx: &mut RequestContext<'_>,
    backends: &Backends<'_>,
) -> Result<(), GatewayError> {
    let Some(integration) = ctx.integration() else {
        return Err(GatewayError::new(
            GatewayResponseType::ApiConfigurationError,
        ));
    };
    let started = Instant::now();
    match tokio::time::timeout(integration.timeout, call(ctx, integration, backends)).await {
        Ok(Ok(endpoint)) => {
            let status = match &endpoint {
                Endpoint::Http { status, .. } => status.to_string(),
                Endpoint::Final(MethodOut { status, .. }) => status.to_string(),
                Endpoint::Mock { status } => status.clone(),
                Endpoint::Lambda { .. } => "200".into(),
            };
            if integration.kind != IntegrationKind::Mock {
                ctx.log.line(format!(
                    "Received response. Status: {status}, Integration latency: {} ms",
                    started.elapsed().as_millis()
                ));
            }
            ctx.endpoint = Some(endpoint);
            Ok(())
        }
        Ok(Err(e)) => Err(e),
        Err(_) => {
            ctx.log.line("Execution failed due to a timeout error");
            ctx.log.explain(format!(
                "the integration did not answer within {} ms (timeout_milliseconds, at most 29000)",
                integration.timeout.as_millis()
            ));
            Err(GatewayError::new(GatewayResponseType::IntegrationTimeout))
        }
    }
}

async fn call(
    ctx: &mut RequestContext<'_>,
    integration: &CompiledIntegration,
    b: &Backends<'_>,
) -> Result<Endpoint, GatewayError> {
    match integration.kind {
        IntegrationKind::Mock => {
            let payload = ctx
                .integration_request
                .as_ref()
                .map(|r| r.payload.clone())
                .unwrap_or_default();
            match mock::status_code(&payload) {
                Some(s) => Ok(Endpoint::Mock {
                    status: s.to_string(),
                }),
                None => {
                    ctx.log.line("Execution failed due to configuration error: Unable to parse statusCode. It should be an integer that is defined in the request template.");
                    ctx.log.explain("a MOCK integration's request template must render JSON with an integer statusCode, e.g. {\"statusCode\": 200}");
                    Err(GatewayError::new(
                        GatewayResponseType::ApiConfigurationError,
                    ))
                }
            }
        }
        IntegrationKind::Aws | IntegrationKind::AwsProxy => {
            lambda::call(ctx, integration, b.lambda).await
        }
        IntegrationKind::Http | IntegrationKind::HttpProxy => {
            http_call(ctx, integration, b.http).await
        }
    }
}

async fn http_call(
    ctx: &mut RequestContext<'_>,
    integration: &CompiledIntegration,
    client: &reqwest::Client,
) -> Result<Endpoint, GatewayError> {
    let (Some(ir), Some(req)) = (ctx.integration_request.as_ref(), ctx.request.as_ref()) else {
        return Err(GatewayError::new(GatewayResponseType::Default5xx));
    };
    let proxy = integration.kind == IntegrationKind::HttpProxy;
    let method = if integration.http_method == "ANY" || integration.http_method.is_empty() {
        req.method.clone()
    } else {
        integration.http_method.clone()
    };
    let mut headers = ir.headers.clone();
    if !proxy {
        let has =
            |h: &[(String, String)], n: &str| h.iter().any(|(k, _)| k.eq_ignore_ascii_case(n));
        if let Some(ct) = req
            .header("content-type")
            .filter(|_| !has(&headers, "content-type"))
        {
            headers.push(("Content-Type".into(), ct.to_string()));
        }
        if !has(&headers, "accept") {
            headers.push(("Accept".into(), "application/json".into()));
        }
        if !has(&headers, "user-agent") {
            headers.push((
                "User-Agent".into(),
                format!("AmazonAPIGateway_{}", ctx.stage.api_id),
            ));
        }
        headers.push(("X-Amzn-Apigateway-Api-Id".into(), ctx.stage.api_id.clone()));
    }
    headers.push(("X-Amzn-Trace-Id".into(), ctx.ids.trace_id.clone()));
    let call = HttpCall {
        method: &method,
        uri: &ir.uri,
        headers: &headers,
        query: &ir.query,
        body: ir.payload.clone(),
    };
    ctx.log.line(format!("Sending request to {}", ir.uri));
    match http::call(client, call).await {
        Ok(a) if proxy => {
            let headers = a
                .headers
                .into_iter()
                .filter(|(k, _)| {
                    !k.eq_ignore_ascii_case("transfer-encoding") && !k.eq_ignore_ascii_case("via")
                })
                .collect();
            Ok(Endpoint::Final(MethodOut {
                status: a.status,
                headers,
                body: a.body,
            }))
        }
        Ok(a) => Ok(Endpoint::Http {
            status: a.status,
            headers: a.headers,
            body: a.body,
        }),
        Err(HttpFailure::BadUri(e)) => {
            ctx.log
                .line("Execution failed due to configuration error: Invalid endpoint address");
            ctx.log.explain(e);
            Err(GatewayError::new(
                GatewayResponseType::ApiConfigurationError,
            ))
        }
        Err(HttpFailure::Network(e)) => {
            ctx.log
                .line(format!("Execution failed due to configuration error: {e}"));
            ctx.log.explain(format!(
                "the HTTP backend {} could not be reached: {e}",
                ir.uri
            ));
            Err(GatewayError::new(
                GatewayResponseType::ApiConfigurationError,
            ))
        }
    }
}
