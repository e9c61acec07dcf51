//! `CompiledApi::compile`: a deployment snapshot parsed ONCE into typed,
//! ready-to-serve structures (router tree, methods, integrations, selection
//! patterns, templates, mappings). The caller caches it per deployment id;
//! a stage serves its snapshot, never the live definition.

use crate::binary::ContentHandling;
use crate::mapping::MappingSource;
use crate::responses::GatewayResponses;
use crate::router::Router;
use crate::schema::Models;
use crate::selection::SelectionPattern;
use crate::snapshot::{self, Snapshot, Source};
use crate::template::{TemplateEngine, Templates, VtlEngine};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Why a snapshot cannot be served; names the declaration at fault.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// The snapshot is not the JSON the contract describes.
    #[error("the deployment snapshot is not valid: {0}")]
    Json(#[from] serde_json::Error),
    /// Something in it is invalid, e.g. a selection pattern neither regex
    /// engine accepts.
    #[error("{what}{}", at(.declared_at))]
    Invalid {
        what: String,
        declared_at: Option<Source>,
    },
}

fn at(s: &Option<Source>) -> String {
    s.as_ref()
        .map(|s| format!(", declared at {s}"))
        .unwrap_or_default()
}

/// The integration types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IntegrationKind {
    Mock,
    Aws,
    AwsProxy,
    Http,
    HttpProxy,
}

/// `passthrough_behavior`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Passthrough {
    WhenNoMatch,
    WhenNoTemplates,
    Never,
}

/// Where a request parameter mapping writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParamTarget {
    Header(String),
    Query(String),
    Path(String),
}

#[derive(Debug)]
pub(crate) struct CompiledIntegrationResponse {
    pub status: String,
    pub pattern_text: String,
    pub pattern: Option<SelectionPattern>,
    pub templates: Templates,
    pub parameters: Vec<(String, MappingSource)>,
    pub content_handling: ContentHandling,
    pub source: Option<Source>,
}

#[derive(Debug)]
pub(crate) struct CompiledIntegration {
    pub kind: IntegrationKind,
    pub http_method: String,
    pub uri: String,
    pub templates: Templates,
    pub parameters: Vec<(ParamTarget, MappingSource)>,
    pub passthrough: Passthrough,
    pub credentials: String,
    pub timeout: Duration,
    pub content_handling: ContentHandling,
    /// Patterned responses in selection order (ascending status code),
    /// then the default responses.
    pub responses: Vec<CompiledIntegrationResponse>,
    pub source: Option<Source>,
}

/// The kinds of `aws_api_gateway_authorizer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthorizerKind {
    Token,
    Request,
    Cognito,
}

#[derive(Debug)]
pub(crate) struct CompiledAuthorizer {
    pub id: String,
    pub name: String,
    pub kind: AuthorizerKind,
    pub uri: String,
    /// `identity_source`, split on commas.
    pub identity_sources: Vec<String>,
    pub ttl: Duration,
    pub credentials: String,
    /// `identity_validation_expression`, anchored.
    pub validation: Option<regex::Regex>,
}

#[derive(Debug)]
pub(crate) struct CompiledMethod {
    pub http_method: String,
    pub authorization: String,
    pub api_key_required: bool,
    /// `method.request.*` keys a validator enforces, sorted.
    pub required_parameters: Vec<String>,
    /// Content type → model name, when a validator checks bodies.
    pub body_models: Vec<(String, String)>,
    pub authorizer: Option<Arc<CompiledAuthorizer>>,
    pub authorization_scopes: Vec<String>,
    /// `RESOURCE_PATH/METHOD` without the leading slash, as
    /// `aws_api_gateway_method_settings.method_path` names it.
    pub settings_path: String,
    pub integration: Option<CompiledIntegration>,
}

#[derive(Debug)]
pub(crate) struct CompiledResource {
    pub id: String,
    pub path: String,
    pub methods: Vec<CompiledMethod>,
}

impl CompiledResource {
    /// The method serving `verb`: the exact one, else `ANY`. `HEAD` is not
    /// served by `GET` (unverified on AWS; LocalStack does not either).
    pub(crate) fn method(&self, verb: &str) -> Option<&CompiledMethod> {
        self.methods
            .iter()
            .find(|m| m.http_method == verb)
            .or_else(|| self.methods.iter().find(|m| m.http_method == "ANY"))
    }
}

/// A deployment, ready to serve.
#[derive(Debug)]
pub struct CompiledApi {
    pub(crate) id: String,
    pub(crate) binary_media_types: Vec<String>,
    pub(crate) resources: Vec<CompiledResource>,
    pub(crate) router: Router,
    pub(crate) gateway_responses: GatewayResponses,
    /// `HEADER` or `AUTHORIZER`.
    pub(crate) api_key_source: String,
    pub(crate) models: Models,
}

fn invalid(what: String, source: &Option<Source>) -> CompileError {
    CompileError::Invalid {
        what,
        declared_at: source.clone(),
    }
}

fn templates(
    raw: &[(String, Value)],
    engine: &dyn TemplateEngine,
    source: &Option<Source>,
) -> Result<Templates, CompileError> {
    raw.iter()
        .map(|(ct, v)| {
            let t = engine
                .compile(v.as_str().unwrap_or_default())
                .map_err(|e| {
                    invalid(format!("the `{ct}` template does not compile: {e}"), source)
                })?;
            Ok((ct.clone(), t))
        })
        .collect()
}

fn same(a: (&str, &str), b: (&str, &str)) -> bool {
    a == b
}

impl CompiledApi {
    /// Parses and compiles a snapshot (see the shared snapshot contract).
    pub fn compile(snapshot: &Value) -> Result<CompiledApi, CompileError> {
        Self::compile_with(snapshot, &VtlEngine::default())
    }

    pub(crate) fn compile_with(
        snapshot: &Value,
        engine: &dyn TemplateEngine,
    ) -> Result<CompiledApi, CompileError> {
        let s = Snapshot::deserialize_from(snapshot)?;
        let triples: Vec<(&str, &str, &str)> = s
            .resources
            .iter()
            .map(|r| (r.id.as_str(), r.parent_id.as_str(), r.path_part.as_str()))
            .collect();
        let router = Router::build(&triples);
        let authorizers = s
            .authorizers
            .iter()
            .map(|a| compile_authorizer(a).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()?;
        let models = Models::parse(
            s.models
                .iter()
                .map(|m| (m.name.as_str(), m.schema.as_str())),
        )
        .map_err(|e| invalid(e, &None))?;
        let mut resources = Vec::with_capacity(s.resources.len());
        for r in &s.resources {
            let mut methods = Vec::new();
            for m in s.methods.iter().filter(|m| m.resource_id == r.id) {
                let mut cm = compile_method(&s, m, engine)?;
                cm.authorizer = authorizers
                    .iter()
                    .find(|a| a.id == m.authorizer_id && !m.authorizer_id.is_empty())
                    .cloned();
                cm.settings_path = format!("{}/{}", r.path.trim_start_matches('/'), m.http_method);
                for (_, model) in &cm.body_models {
                    if !models.contains(model) && model != "Empty" && model != "Error" {
                        return Err(invalid(
                            format!("request model `{model}` is not a model of the API"),
                            &m.source,
                        ));
                    }
                }
                methods.push(cm);
            }
            resources.push(CompiledResource {
                id: r.id.clone(),
                path: r.path.clone(),
                methods,
            });
        }
        let gateway_responses = GatewayResponses::compile(&s.gateway_responses, engine)
            .map_err(|e| invalid(format!("gateway response: {e}"), &None))?;
        Ok(CompiledApi {
            id: s.rest_api.id.clone(),
            binary_media_types: s.rest_api.binary_media_types.clone(),
            resources,
            router,
            gateway_responses,
            api_key_source: s.rest_api.api_key_source.clone(),
            models,
        })
    }

    /// The REST API id the snapshot belongs to.
    pub fn api_id(&self) -> &str {
        &self.id
    }
}

impl Snapshot {
    fn deserialize_from(v: &Value) -> Result<Snapshot, serde_json::Error> {
        serde::Deserialize::deserialize(v)
    }
}

fn compile_method(
    s: &Snapshot,
    m: &snapshot::Method,
    engine: &dyn TemplateEngine,
) -> Result<CompiledMethod, CompileError> {
    let key = (m.resource_id.as_str(), m.http_method.as_str());
    let validates = s.request_validators.iter().any(|v| {
        v.id == m.request_validator_id && !v.id.is_empty() && v.validate_request_parameters
    });
    let mut required_parameters: Vec<String> = if validates {
        m.request_parameters
            .iter()
            .filter(|(_, v)| v.as_bool() == Some(true))
            .map(|(k, _)| k.clone())
            .collect()
    } else {
        Vec::new()
    };
    required_parameters.sort();
    let validates_body = s
        .request_validators
        .iter()
        .any(|v| v.id == m.request_validator_id && !v.id.is_empty() && v.validate_request_body);
    let body_models = if validates_body {
        m.request_models
            .iter()
            .filter_map(|(ct, v)| v.as_str().map(|n| (ct.to_ascii_lowercase(), n.to_string())))
            .collect()
    } else {
        Vec::new()
    };
    let integration = match s
        .integrations
        .iter()
        .find(|i| same((&i.resource_id, &i.http_method), key))
    {
        Some(i) => Some(compile_integration(s, i, engine)?),
        None => None,
    };
    Ok(CompiledMethod {
        http_method: m.http_method.clone(),
        authorization: m.authorization.clone(),
        api_key_required: m.api_key_required,
        required_parameters,
        body_models,
        authorizer: None,
        authorization_scopes: m.authorization_scopes.clone(),
        settings_path: String::new(),
        integration,
    })
}

fn compile_authorizer(a: &snapshot::Authorizer) -> Result<CompiledAuthorizer, CompileError> {
    let kind = match a.kind.as_str() {
        "" | "TOKEN" => AuthorizerKind::Token,
        "REQUEST" => AuthorizerKind::Request,
        "COGNITO_USER_POOLS" => AuthorizerKind::Cognito,
        other => {
            return Err(invalid(
                format!("authorizer type `{other}` is not TOKEN, REQUEST or COGNITO_USER_POOLS"),
                &a.source,
            ));
        }
    };
    let ttl = match &a.authorizer_result_ttl_in_seconds {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(300),
        Some(Value::String(t)) => t.parse().unwrap_or(300),
        _ => 300,
    };
    let validation = if a.identity_validation_expression.is_empty() {
        None
    } else {
        Some(
            regex::Regex::new(&format!("^(?:{})$", a.identity_validation_expression))
                .map_err(|e| invalid(format!("identity_validation_expression: {e}"), &a.source))?,
        )
    };
    let sources = if a.identity_source.is_empty() && kind != AuthorizerKind::Request {
        vec!["method.request.header.Authorization".to_string()]
    } else {
        a.identity_source
            .split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    };
    Ok(CompiledAuthorizer {
        id: a.id.clone(),
        name: a.name.clone(),
        kind,
        uri: a.authorizer_uri.clone(),
        identity_sources: sources,
        ttl: Duration::from_secs(ttl.min(3600)),
        credentials: a.authorizer_credentials.clone(),
        validation,
    })
}

fn compile_integration(
    s: &Snapshot,
    i: &snapshot::Integration,
    engine: &dyn TemplateEngine,
) -> Result<CompiledIntegration, CompileError> {
    let src = &i.source;
    let kind = match i.kind.as_str() {
        "MOCK" => IntegrationKind::Mock,
        "AWS" => IntegrationKind::Aws,
        "AWS_PROXY" => IntegrationKind::AwsProxy,
        "HTTP" => IntegrationKind::Http,
        "HTTP_PROXY" => IntegrationKind::HttpProxy,
        other => {
            return Err(invalid(
                format!(
                    "integration type `{other}` is not one of MOCK, AWS, AWS_PROXY, HTTP, HTTP_PROXY"
                ),
                src,
            ));
        }
    };
    let passthrough = match i.passthrough_behavior.as_str() {
        "" | "WHEN_NO_MATCH" => Passthrough::WhenNoMatch,
        "WHEN_NO_TEMPLATES" => Passthrough::WhenNoTemplates,
        "NEVER" => Passthrough::Never,
        other => return Err(invalid(format!("passthrough_behavior `{other}`"), src)),
    };
    let mut parameters = Vec::new();
    for (k, v) in &i.request_parameters {
        let target = if let Some(n) = k.strip_prefix("integration.request.header.") {
            ParamTarget::Header(n.to_string())
        } else if let Some(n) = k.strip_prefix("integration.request.querystring.") {
            ParamTarget::Query(n.to_string())
        } else if let Some(n) = k.strip_prefix("integration.request.path.") {
            ParamTarget::Path(n.to_string())
        } else {
            return Err(invalid(
                format!(
                    "request parameter `{k}` is not an integration.request.{{header|querystring|path}} target"
                ),
                src,
            ));
        };
        let from = MappingSource::parse(v.as_str().unwrap_or_default())
            .map_err(|e| invalid(format!("request parameter `{k}`: {e}"), src))?;
        parameters.push((target, from));
    }
    let timeout_ms = match &i.timeout_milliseconds {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(29_000),
        Some(Value::String(t)) => t.parse().unwrap_or(29_000),
        _ => 29_000,
    };
    let mut responses = Vec::new();
    for r in s
        .integration_responses
        .iter()
        .filter(|r| r.resource_id == i.resource_id && r.http_method == i.http_method)
    {
        let pattern = if r.selection_pattern.is_empty() {
            None
        } else {
            Some(SelectionPattern::compile(&r.selection_pattern).map_err(|e| {
                invalid(format!("selection_pattern `{}` is not a regular expression Portico can run: {e}", r.selection_pattern), &r.source)
            })?)
        };
        let mut params = Vec::new();
        for (k, v) in &r.response_parameters {
            let name = k.strip_prefix("method.response.header.").ok_or_else(|| {
                invalid(
                    format!("response parameter `{k}` is not a method.response.header target"),
                    &r.source,
                )
            })?;
            let from = MappingSource::parse(v.as_str().unwrap_or_default())
                .map_err(|e| invalid(format!("response parameter `{k}`: {e}"), &r.source))?;
            params.push((name.to_string(), from));
        }
        responses.push(CompiledIntegrationResponse {
            status: r.status_code.clone(),
            pattern_text: r.selection_pattern.clone(),
            pattern,
            templates: templates(&r.response_templates, engine, &r.source)?,
            parameters: params,
            content_handling: ContentHandling::parse(&r.content_handling)
                .map_err(|e| invalid(e, &r.source))?,
            source: r.source.clone(),
        });
    }
    // Selection order (docs/compat.md): patterned responses by ascending
    // numeric status code, then default ones; stable for equal keys.
    responses.sort_by_key(|r| {
        (
            r.pattern.is_none(),
            r.status.parse::<u32>().unwrap_or(u32::MAX),
        )
    });
    Ok(CompiledIntegration {
        kind,
        http_method: i.integration_http_method.clone(),
        uri: i.uri.clone(),
        templates: templates(&i.request_templates, engine, src)?,
        parameters,
        passthrough,
        credentials: i.credentials.clone(),
        timeout: Duration::from_millis(timeout_ms),
        content_handling: ContentHandling::parse(&i.content_handling)
            .map_err(|e| invalid(e, src))?,
        responses,
        source: src.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn snap(patterns: &[(&str, &str)]) -> Value {
        let irs: Vec<Value> = patterns
            .iter()
            .map(|(st, p)| json!({"resource_id":"c","http_method":"POST","status_code":st,"selection_pattern":p,
                "_source":{"file":"infrastructure/r.tf","line":7,"address":format!("aws_api_gateway_integration_response.r{st}")}}))
            .collect();
        json!({
            "rest_api": {"id":"abc","root_resource_id":"r"},
            "resources": [{"id":"r","parent_id":"","path_part":"","path":"/"},{"id":"c","parent_id":"r","path_part":"check","path":"/check"}],
            "methods": [{"resource_id":"c","http_method":"POST","authorization":"NONE"}],
            "integrations": [{"resource_id":"c","http_method":"POST","type":"AWS","integration_http_method":"POST","uri":"u"}],
            "integration_responses": irs
        })
    }

    #[test]
    fn orders_patterned_responses_by_status_then_defaults() {
        let api = CompiledApi::compile(&snap(&[
            ("502", ".+"),
            ("200", ""),
            ("405", ".*four hundred.*"),
        ]))
        .unwrap();
        let i = api.resources[1]
            .method("POST")
            .unwrap()
            .integration
            .as_ref()
            .unwrap();
        let order: Vec<&str> = i.responses.iter().map(|r| r.status.as_str()).collect();
        assert_eq!(order, ["405", "502", "200"]);
        assert_eq!(i.timeout, Duration::from_millis(29_000));
    }

    #[test]
    fn a_pattern_no_engine_accepts_names_its_declaration() {
        let e = CompiledApi::compile(&snap(&[("400", "(unclosed")]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("(unclosed") && e.contains("infrastructure/r.tf:7"),
            "{e}"
        );
        assert!(CompiledApi::compile(&json!([1])).is_err());
    }
}
