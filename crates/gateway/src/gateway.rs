//! The entry point: one request to one stage, through the phase chain, to
//! one response, with its execution and access log lines handed to the
//! caller's sink at the end (never awaited).

use crate::auth::lambda::AuthorizerAnswer;
use crate::compile::IntegrationKind;
use crate::context::{GatewayError, RequestContext, StageView};
use crate::lambda::LambdaBackend;
use crate::limits::{AuthorizerCache, Limits};
use crate::log::{LogKind, LogRecord, LogSink};
use crate::phases::{self, integration::Backends, response_headers};
use crate::responses::GatewayResponseType;
use crate::usage::{NoUsage, UsageBackend};
use bytes::Bytes;
use portico_model::Scope;
use std::net::IpAddr;
use std::sync::Arc;

/// Serves stages. Cheap to share (`Arc` it); holds no per-stage state.
pub struct Gateway {
    lambda: Arc<dyn LambdaBackend>,
    logs: Arc<dyn LogSink>,
    usage: Arc<dyn UsageBackend>,
    http: reqwest::Client,
    scope: Scope,
    limits: Limits,
    auth_cache: AuthorizerCache<Arc<AuthorizerAnswer>>,
    credentials: Vec<(String, String)>,
}

/// The credentials `AWS_IAM` methods accept unless configured otherwise
/// (the access key and secret AWS's local tools conventionally use).
pub const DEFAULT_CREDENTIALS: (&str, &str) = ("test", "test");

impl Gateway {
    /// A gateway that invokes functions through `lambda`, writes logs to
    /// `logs`, and builds ARNs in `scope`.
    pub fn new(lambda: Arc<dyn LambdaBackend>, logs: Arc<dyn LogSink>, scope: Scope) -> Gateway {
        Gateway {
            lambda,
            logs,
            usage: Arc::new(NoUsage),
            http: reqwest::Client::new(),
            scope,
            limits: Limits::default(),
            auth_cache: AuthorizerCache::default(),
            credentials: vec![(
                DEFAULT_CREDENTIALS.0.to_string(),
                DEFAULT_CREDENTIALS.1.to_string(),
            )],
        }
    }

    /// Reads API keys and usage plans from `usage` (default: no keys).
    pub fn with_usage(mut self, usage: Arc<dyn UsageBackend>) -> Gateway {
        self.usage = usage;
        self
    }

    /// The (access key id, secret) pairs `AWS_IAM` signatures are verified
    /// against (default [`DEFAULT_CREDENTIALS`]).
    pub fn with_credentials(mut self, credentials: Vec<(String, String)>) -> Gateway {
        self.credentials = credentials;
        self
    }

    /// Serves `req` on `stage`. `path_after_stage` is the resource path
    /// after the stage name as sent (see [`crate::parse_stage_address`]);
    /// the request body must already be read, and the caller should stop
    /// reading past [`crate::MAX_PAYLOAD_BYTES`] + 1 bytes (this answers
    /// 413 for anything longer).
    pub async fn handle(
        &self,
        stage: &StageView,
        req: http::Request<Bytes>,
        path_after_stage: &str,
        client_ip: IpAddr,
    ) -> http::Response<Bytes> {
        let (method, protocol) = (req.method().to_string(), format!("{:?}", req.version()));
        let mut ctx = RequestContext::new(stage, &self.scope, req, path_after_stage, client_ip);
        ctx.log
            .line(format!("Extended Request Id: {}", ctx.ids.extended_id));
        ctx.log.line(format!(
            "Starting execution for request: {}",
            ctx.ids.request_id
        ));
        let backends = Backends {
            lambda: self.lambda.as_ref(),
            http: &self.http,
            usage: self.usage.as_ref(),
            limits: &self.limits,
            auth_cache: &self.auth_cache,
            credentials: &self.credentials,
        };
        let outcome = phases::run_chain(&mut ctx, &backends).await;
        let response = match (outcome, ctx.response.take()) {
            (Ok(()), Some(out)) => {
                let trace = ctx
                    .integration()
                    .is_some_and(|i| i.kind != IntegrationKind::Mock);
                response_headers::finish(&mut ctx, out, trace)
            }
            (Ok(()), None) => {
                self.gateway_response(&mut ctx, GatewayError::new(GatewayResponseType::Default5xx))
            }
            (Err(e), _) => self.gateway_response(&mut ctx, e),
        };
        self.emit(&ctx, &method, &protocol, &response);
        response
    }

    fn gateway_response(
        &self,
        ctx: &mut RequestContext<'_>,
        e: GatewayError,
    ) -> http::Response<Bytes> {
        let message = e
            .message
            .clone()
            .unwrap_or_else(|| e.kind.default_message().to_string());
        let context = ctx.context_json(Some((&e, &message)));
        let (rendered, problem) = {
            let values = ctx.values();
            ctx.api()
                .gateway_responses
                .render(e.kind, e.status, &message, &values, &context)
        };
        if let Some(p) = problem {
            ctx.log.explain(p);
        }
        if rendered.status >= 500 {
            ctx.log
                .line(format!("Method completed with status: {}", rendered.status));
        }
        ctx.log.line(format!(
            "Gateway response type: {} with status code: {}",
            e.kind.name(),
            rendered.status
        ));
        let mut body = rendered.body;
        if e.message_key != "message"
            && body == crate::responses::default_body(rendered.status, &message)
        {
            body = body.replacen("\"message\"", &format!("\"{}\"", e.message_key), 1);
        }
        let out = crate::context::MethodOut {
            status: rendered.status,
            headers: rendered.headers,
            body: Bytes::from(body),
        };
        response_headers::finish(ctx, out, false)
    }

    fn emit(
        &self,
        ctx: &RequestContext<'_>,
        method: &str,
        protocol: &str,
        resp: &http::Response<Bytes>,
    ) {
        let record = |kind, message| LogRecord {
            api_id: ctx.stage.api_id.clone(),
            stage: ctx.stage.stage.clone(),
            request_id: ctx.ids.request_id.clone(),
            epoch_ms: ctx.ids.epoch_ms,
            kind,
            message,
        };
        let settings = ctx
            .method()
            .and_then(|m| ctx.stage.settings.for_method(&m.settings_path))
            .map(|(_, s)| s);
        let failed = resp.status().as_u16() >= 400;
        // One record for the whole execution log: a dozen records (and
        // their strings) per request cost more than the rest of a MOCK
        // request's logging.
        let mut text = String::with_capacity(ctx.log.lines.len() * 80);
        for l in ctx
            .log
            .lines
            .iter()
            .filter(|l| crate::log::keep(l, settings, failed))
        {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push('(');
            text.push_str(&ctx.ids.request_id);
            text.push_str(") ");
            text.push_str(l);
        }
        let mut batch = Vec::with_capacity(2);
        if !text.is_empty() {
            batch.push(record(LogKind::Execution, text));
        }
        batch.push(record(
            LogKind::Access,
            format!(
                "{} - - [{}] \"{method} /{}{} {protocol}\" {} {} {}",
                ctx.client_ip,
                ctx.ids.request_time,
                ctx.stage.stage,
                ctx.path_after_stage,
                resp.status().as_u16(),
                resp.body().len(),
                ctx.ids.request_id
            ),
        ));
        self.logs.submit(batch);
    }
}
