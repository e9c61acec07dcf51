//! The one request context every phase reads and fills. Its `Option`
//! fields fill in phase order: `request` (parse), `route` (route),
//! `integration_request`, `endpoint` (integration), `response`
//! (integration response / method response).

use crate::compile::{CompiledApi, CompiledIntegration, CompiledMethod, CompiledResource};
use crate::log::ExecLog;
use crate::mapping::RequestValues;
use crate::responses::GatewayResponseType;
use crate::template::Overrides;
use base64::Engine as _;
use bytes::Bytes;
use serde_json::{Map, Value, json};
use std::net::IpAddr;
use std::sync::Arc;

/// What the binary knows about a stage: the row that points at a
/// deployment, and that deployment compiled.
#[derive(Debug, Clone)]
pub struct StageView {
    pub api_id: String,
    pub stage: String,
    pub deployment_id: String,
    /// Stage variables.
    pub variables: Vec<(String, String)>,
    pub api: Arc<CompiledApi>,
    /// The stage's method settings (throttling, logging).
    pub settings: crate::settings::StageSettings,
}

/// Per-request identifiers and times.
#[derive(Debug, Clone)]
pub(crate) struct Ids {
    /// `x-amzn-RequestId` / `$context.requestId`.
    pub request_id: String,
    /// `x-amz-apigw-id` / `$context.extendedRequestId`.
    pub extended_id: String,
    /// `X-Amzn-Trace-Id`.
    pub trace_id: String,
    pub epoch_ms: i64,
    /// `dd/MMM/yyyy:HH:mm:ss +0000`.
    pub request_time: String,
}

impl Ids {
    pub(crate) fn new() -> Ids {
        let now = time::OffsetDateTime::now_utc();
        let epoch_ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
        let fmt = time::macros::format_description!(
            "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000"
        );
        let request_time = now.format(&fmt).unwrap_or_default();
        let a = uuid::Uuid::new_v4();
        let b = uuid::Uuid::new_v4();
        let extended_id = base64::engine::general_purpose::STANDARD.encode(&b.as_bytes()[..11]);
        let hex = b.simple().to_string();
        let trace_id = format!(
            "Root=1-{:08x}-{};Parent={};Sampled=0",
            now.unix_timestamp() as u32,
            &a.simple().to_string()[..24],
            &hex[16..32]
        );
        Ids {
            request_id: a.hyphenated().to_string(),
            extended_id,
            trace_id,
            epoch_ms,
            request_time,
        }
    }
}

/// The request after parsing.
#[derive(Debug, Clone, Default)]
pub(crate) struct ParsedRequest {
    pub method: String,
    /// The path after the stage, leading slashes collapsed to one, trailing
    /// slash kept (`path` of the proxy event); `/` for the root.
    pub path: String,
    /// The path after the stage exactly as sent.
    pub raw_path: String,
    /// Decoded query parameters, every value in order.
    pub query: Vec<(String, String)>,
    /// Headers with the client's casing, hop-by-hop ones removed.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub source_ip: String,
    pub protocol: String,
    /// `Host` without its port.
    pub domain: String,
    /// The whole request path and raw query, as signed by SigV4 clients.
    pub uri_path: String,
    pub raw_query: String,
}

impl ParsedRequest {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Where the router landed.
#[derive(Debug, Clone)]
pub(crate) struct RouteMatch {
    pub resource: usize,
    pub path_params: Vec<(String, String)>,
}

/// The request as the integration will receive it.
#[derive(Debug, Clone, Default)]
pub(crate) struct IntegrationRequest {
    pub payload: Bytes,
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub path_params: Vec<(String, String)>,
    /// Stage variables and `{param}` placeholders already substituted.
    pub uri: String,
    pub overrides: Overrides,
}

/// What the integration answered.
#[derive(Debug, Clone)]
pub(crate) enum Endpoint {
    Lambda {
        payload: Bytes,
        function_error: bool,
    },
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: Bytes,
    },
    Mock {
        status: String,
    },
    /// Proxy integrations: the response goes to the client as it is.
    Final(MethodOut),
}

/// A response on its way to the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct MethodOut {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

/// A phase's failure: the gateway response the client gets. The phase has
/// already written the log lines that explain it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GatewayError {
    pub kind: GatewayResponseType,
    /// Status to use instead of the type's default (e.g. 502).
    pub status: Option<u16>,
    /// Message instead of the type's default.
    pub message: Option<String>,
    /// The default body's member name: `message`, or `Message` for the
    /// authorizer's deny answers (AWS-recorded capital M).
    pub message_key: &'static str,
}

impl GatewayError {
    pub(crate) fn new(kind: GatewayResponseType) -> GatewayError {
        GatewayError {
            kind,
            status: None,
            message: None,
            message_key: "message",
        }
    }
    pub(crate) fn with_message(kind: GatewayResponseType, message: String) -> GatewayError {
        GatewayError {
            message: Some(message),
            ..GatewayError::new(kind)
        }
    }
    pub(crate) fn status(kind: GatewayResponseType, status: u16) -> GatewayError {
        GatewayError {
            status: Some(status),
            ..GatewayError::new(kind)
        }
    }
}

pub(crate) struct RequestContext<'a> {
    pub stage: &'a StageView,
    /// Region and account, for ARNs and `$context.accountId`.
    pub scope: &'a portico_model::Scope,
    pub ids: Ids,
    /// Consumed by the parse phase.
    pub raw: Option<http::Request<Bytes>>,
    pub path_after_stage: String,
    pub client_ip: IpAddr,
    pub request: Option<ParsedRequest>,
    pub route: Option<RouteMatch>,
    pub integration_request: Option<IntegrationRequest>,
    pub endpoint: Option<Endpoint>,
    pub response: Option<MethodOut>,
    /// `$context.authorizer`: principalId and the authorizer's context
    /// (or `claims` for Cognito), once an authorizer allowed the request.
    pub authorizer: Option<Map<String, Value>>,
    /// `$context.identity` members a SigV4 signature filled in.
    pub identity: Map<String, Value>,
    /// `usageIdentifierKey` from a Lambda authorizer (api_key_source AUTHORIZER).
    pub usage_key: Option<String>,
    pub log: ExecLog,
}

impl<'a> RequestContext<'a> {
    pub(crate) fn new(
        stage: &'a StageView,
        scope: &'a portico_model::Scope,
        raw: http::Request<Bytes>,
        path: &str,
        client_ip: IpAddr,
    ) -> Self {
        RequestContext {
            stage,
            scope,
            ids: Ids::new(),
            raw: Some(raw),
            path_after_stage: path.to_string(),
            client_ip,
            request: None,
            route: None,
            integration_request: None,
            endpoint: None,
            response: None,
            authorizer: None,
            identity: Map::new(),
            usage_key: None,
            log: ExecLog::default(),
        }
    }

    pub(crate) fn api(&self) -> &'a CompiledApi {
        &self.stage.api
    }

    pub(crate) fn resource(&self) -> Option<&'a CompiledResource> {
        self.route
            .as_ref()
            .and_then(|r| self.api().resources.get(r.resource))
    }

    pub(crate) fn method(&self) -> Option<&'a CompiledMethod> {
        let verb = self.request.as_ref()?.method.as_str();
        self.resource()?.method(verb)
    }

    pub(crate) fn integration(&self) -> Option<&'a CompiledIntegration> {
        self.method()?.integration.as_ref()
    }

    /// The values mappings and `$input.params()` read.
    pub(crate) fn values(&self) -> RequestValues<'_> {
        let mut v = RequestValues::empty();
        if let Some(r) = &self.request {
            v.query = &r.query;
            v.headers = &r.headers;
            v.body = &r.body;
        }
        if let Some(route) = &self.route {
            v.path = &route.path_params;
        }
        v.stage_variables = &self.stage.variables;
        v
    }

    /// `$context` (and the mapping source `context.*`).
    pub(crate) fn context_json(&self, error: Option<(&GatewayError, &str)>) -> Value {
        let r = self.request.as_ref();
        let resource = self.resource();
        let method = r.map(|r| r.method.as_str()).unwrap_or_default();
        let mut c = json!({
            "accountId": self.scope.account,
            "apiId": self.stage.api_id,
            "deploymentId": self.stage.deployment_id,
            "domainName": r.map(|r| r.domain.as_str()).unwrap_or_default(),
            "domainPrefix": r.map(|r| r.domain.split('.').next().unwrap_or_default()).unwrap_or_default(),
            "extendedRequestId": self.ids.extended_id,
            "httpMethod": method,
            "identity": {
                "sourceIp": self.client_ip.to_string(),
                "userAgent": r.and_then(|r| r.header("user-agent")).unwrap_or_default(),
            },
            "path": format!("/{}{}", self.stage.stage, self.path_after_stage),
            "protocol": r.map(|r| r.protocol.as_str()).unwrap_or("HTTP/1.1"),
            "requestId": self.ids.request_id,
            "requestTime": self.ids.request_time,
            "requestTimeEpoch": self.ids.epoch_ms,
            "resourceId": resource.map(|x| x.id.as_str()).unwrap_or_default(),
            "resourcePath": resource.map(|x| x.path.as_str()).unwrap_or_default(),
            "stage": self.stage.stage,
        });
        if let Some(obj) = c.as_object_mut() {
            if let Some(a) = &self.authorizer {
                obj.insert("authorizer".into(), Value::Object(a.clone()));
            }
            if let Some(Value::Object(id)) = obj.get_mut("identity") {
                id.extend(self.identity.clone());
            }
        }
        if let (Some((e, message)), Some(obj)) = (error, c.as_object_mut()) {
            let mut err = Map::new();
            err.insert("message".into(), Value::String(message.to_string()));
            err.insert(
                "messageString".into(),
                Value::String(Value::String(message.to_string()).to_string()),
            );
            err.insert(
                "responseType".into(),
                Value::String(e.kind.name().to_string()),
            );
            obj.insert("error".into(), Value::Object(err));
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_aws_shapes() {
        let ids = Ids::new();
        assert_eq!(ids.request_id.len(), 36);
        assert_eq!(ids.extended_id.len(), 16);
        assert!(ids.extended_id.ends_with('='));
        assert!(ids.trace_id.starts_with("Root=1-") && ids.trace_id.ends_with(";Sampled=0"));
        assert!(
            ids.request_time.ends_with(" +0000") && ids.request_time.len() == 26,
            "{}",
            ids.request_time
        );
    }
}
