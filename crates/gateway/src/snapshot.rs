//! The deployment snapshot as the Terraform engine writes it (see the shared
//! snapshot contract): attribute objects named as the AWS provider names
//! them. Parsing is lenient about `null` versus absent versus empty, because
//! the contract allows either; everything is normalised here so that the
//! compiler never has to ask.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// Where a snapshot entry was declared, for explanations.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct Source {
    /// File relative to the project, e.g. `infrastructure/responses.tf`.
    #[serde(default, deserialize_with = "string")]
    pub file: String,
    /// 1-based line of the resource block.
    #[serde(default)]
    pub line: u64,
    /// Terraform address, e.g. `aws_api_gateway_integration_response.ok`.
    #[serde(default, deserialize_with = "string")]
    pub address: String,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.address.is_empty(), self.file.is_empty()) {
            (false, false) => write!(f, "{} ({}:{})", self.address, self.file, self.line),
            (false, true) => f.write_str(&self.address),
            (true, false) => write!(f, "{}:{}", self.file, self.line),
            (true, true) => f.write_str("an unknown declaration"),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Snapshot {
    #[serde(default)]
    pub rest_api: RestApi,
    #[serde(default, deserialize_with = "list")]
    pub resources: Vec<Resource>,
    #[serde(default, deserialize_with = "list")]
    pub methods: Vec<Method>,
    #[serde(default, deserialize_with = "list")]
    pub integrations: Vec<Integration>,
    #[serde(default, deserialize_with = "list")]
    pub integration_responses: Vec<IntegrationResponse>,
    #[serde(default, deserialize_with = "list")]
    pub gateway_responses: Vec<GatewayResponse>,
    #[serde(default, deserialize_with = "list")]
    pub request_validators: Vec<RequestValidator>,
    #[serde(default, deserialize_with = "list")]
    pub models: Vec<Model>,
    #[serde(default, deserialize_with = "list")]
    pub authorizers: Vec<Authorizer>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RestApi {
    #[serde(default, deserialize_with = "string")]
    pub id: String,
    #[serde(default, deserialize_with = "string_list")]
    pub binary_media_types: Vec<String>,
    /// `HEADER` (default) or `AUTHORIZER`.
    #[serde(default, deserialize_with = "string")]
    pub api_key_source: String,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Resource {
    #[serde(default, deserialize_with = "string")]
    pub id: String,
    #[serde(default, deserialize_with = "string")]
    pub parent_id: String,
    #[serde(default, deserialize_with = "string")]
    pub path_part: String,
    #[serde(default, deserialize_with = "string")]
    pub path: String,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Method {
    #[serde(default, deserialize_with = "string")]
    pub resource_id: String,
    #[serde(default, deserialize_with = "string")]
    pub http_method: String,
    #[serde(default, deserialize_with = "string")]
    pub authorization: String,
    #[serde(default, deserialize_with = "boolean")]
    pub api_key_required: bool,
    #[serde(default, deserialize_with = "map")]
    pub request_parameters: Vec<(String, Value)>,
    #[serde(default, deserialize_with = "string")]
    pub request_validator_id: String,
    #[serde(default, deserialize_with = "string")]
    pub authorizer_id: String,
    #[serde(default, deserialize_with = "map")]
    pub request_models: Vec<(String, Value)>,
    #[serde(default, deserialize_with = "string_list")]
    pub authorization_scopes: Vec<String>,
    #[serde(default, rename = "_source")]
    pub source: Option<Source>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Integration {
    #[serde(default, deserialize_with = "string")]
    pub resource_id: String,
    #[serde(default, deserialize_with = "string")]
    pub http_method: String,
    #[serde(default, rename = "type", deserialize_with = "string")]
    pub kind: String,
    #[serde(default, deserialize_with = "string")]
    pub integration_http_method: String,
    #[serde(default, deserialize_with = "string")]
    pub uri: String,
    #[serde(default, deserialize_with = "map")]
    pub request_templates: Vec<(String, Value)>,
    #[serde(default, deserialize_with = "map")]
    pub request_parameters: Vec<(String, Value)>,
    #[serde(default, deserialize_with = "string")]
    pub passthrough_behavior: String,
    #[serde(default, deserialize_with = "string")]
    pub credentials: String,
    /// `CONVERT_TO_TEXT`, `CONVERT_TO_BINARY` or empty.
    #[serde(default, deserialize_with = "string")]
    pub content_handling: String,
    #[serde(default)]
    pub timeout_milliseconds: Option<Value>,
    #[serde(default, rename = "_source")]
    pub source: Option<Source>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct IntegrationResponse {
    #[serde(default, deserialize_with = "string")]
    pub resource_id: String,
    #[serde(default, deserialize_with = "string")]
    pub http_method: String,
    #[serde(default, deserialize_with = "string")]
    pub status_code: String,
    #[serde(default, deserialize_with = "string")]
    pub selection_pattern: String,
    #[serde(default, deserialize_with = "map")]
    pub response_templates: Vec<(String, Value)>,
    #[serde(default, deserialize_with = "map")]
    pub response_parameters: Vec<(String, Value)>,
    /// `CONVERT_TO_TEXT`, `CONVERT_TO_BINARY` or empty.
    #[serde(default, deserialize_with = "string")]
    pub content_handling: String,
    #[serde(default, rename = "_source")]
    pub source: Option<Source>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct GatewayResponse {
    #[serde(default, deserialize_with = "string")]
    pub response_type: String,
    #[serde(default, deserialize_with = "string")]
    pub status_code: String,
    #[serde(default, deserialize_with = "map")]
    pub response_templates: Vec<(String, Value)>,
    #[serde(default, deserialize_with = "map")]
    pub response_parameters: Vec<(String, Value)>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RequestValidator {
    #[serde(default, deserialize_with = "string")]
    pub id: String,
    #[serde(default, deserialize_with = "boolean")]
    pub validate_request_parameters: bool,
    #[serde(default, deserialize_with = "boolean")]
    pub validate_request_body: bool,
}

/// `aws_api_gateway_model`: a JSON Schema (draft 4) as a string.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Model {
    #[serde(default, deserialize_with = "string")]
    pub name: String,
    #[serde(default, deserialize_with = "string")]
    pub schema: String,
}

/// `aws_api_gateway_authorizer`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Authorizer {
    #[serde(default, deserialize_with = "string")]
    pub id: String,
    #[serde(default, deserialize_with = "string")]
    pub name: String,
    #[serde(default, rename = "type", deserialize_with = "string")]
    pub kind: String,
    #[serde(default, deserialize_with = "string")]
    pub authorizer_uri: String,
    #[serde(default, deserialize_with = "string")]
    pub identity_source: String,
    #[serde(default)]
    pub authorizer_result_ttl_in_seconds: Option<Value>,
    #[serde(default, deserialize_with = "string")]
    pub authorizer_credentials: String,
    #[serde(default, deserialize_with = "string")]
    pub identity_validation_expression: String,
    #[serde(default, rename = "_source")]
    pub source: Option<Source>,
}

/// `null` or absent reads as `""`; numbers and booleans as their text.
fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => b,
        Value::String(s) => s == "true",
        _ => false,
    })
}

fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(a) => a
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    })
}

/// A map in declaration order (`serde_json` keeps insertion order here);
/// `null` reads as empty.
fn map<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, Value)>, D::Error> {
    Ok(match Option::<Map<String, Value>>::deserialize(d)? {
        Some(m) => m.into_iter().collect(),
        None => Vec::new(),
    })
}

fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_and_absences_normalise() {
        let s: Snapshot = serde_json::from_str(
            r#"{"rest_api":{"id":"a","binary_media_types":null},"resources":null,
                "integrations":[{"type":"MOCK","request_templates":null,"credentials":null,
                "timeout_milliseconds":29000,"_source":{"file":"x.tf","line":3,"address":"i.x"}}]}"#,
        )
        .unwrap();
        assert!(s.resources.is_empty());
        let i = &s.integrations[0];
        assert_eq!((i.kind.as_str(), i.credentials.as_str()), ("MOCK", ""));
        assert!(i.request_templates.is_empty());
        assert_eq!(i.source.as_ref().unwrap().to_string(), "i.x (x.tf:3)");
    }
}
