//! The chain of phases a data-plane request passes, declared in ONE place
//! ([`CHAIN`]), in API Gateway's order. Each phase is a small module that
//! reads the request context and fills its next `Option` field, or fails
//! with the gateway response the client gets. The response headers are
//! added last, for successes and failures alike.

pub(crate) mod api_key;
pub(crate) mod authorize;
pub(crate) mod integration;
pub(crate) mod integration_request;
pub(crate) mod integration_response;
pub(crate) mod method_request;
pub(crate) mod method_response;
pub(crate) mod parse;
pub(crate) mod response_headers;
pub(crate) mod route;
pub(crate) mod throttle;

use crate::context::{GatewayError, RequestContext};
use integration::Backends;

/// One step of the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Parse,
    Route,
    Throttle,
    Authorize,
    ApiKey,
    MethodRequest,
    IntegrationRequest,
    Integration,
    IntegrationResponse,
    MethodResponse,
}

/// The chain, in order.
pub(crate) const CHAIN: [Phase; 10] = [
    Phase::Parse,
    Phase::Route,
    Phase::Throttle,
    Phase::Authorize,
    Phase::ApiKey,
    Phase::MethodRequest,
    Phase::IntegrationRequest,
    Phase::Integration,
    Phase::IntegrationResponse,
    Phase::MethodResponse,
];

impl Phase {
    async fn run(
        self,
        ctx: &mut RequestContext<'_>,
        backends: &Backends<'_>,
    ) -> Result<(), GatewayError> {
        match self {
            Phase::Parse => parse::run(ctx),
            Phase::Route => route::run(ctx),
            Phase::Throttle => throttle::run(ctx, backends),
            Phase::Authorize => authorize::run(ctx, backends).await,
            Phase::ApiKey => api_key::run(ctx, backends),
            Phase::MethodRequest => method_request::run(ctx),
            Phase::IntegrationRequest => integration_request::run(ctx),
            Phase::Integration => integration::run(ctx, backends).await,
            Phase::IntegrationResponse => integration_response::run(ctx),
            Phase::MethodResponse => method_response::run(ctx),
        }
    }
}

/// Runs the whole chain; the first failure stops it.
pub(crate) async fn run_chain(
    ctx: &mut RequestContext<'_>,
    backends: &Backends<'_>,
) -> Result<(), GatewayError> {
    for phase in CHAIN {
        phase.run(ctx, backends).await?;
    }
    Ok(())
}
