//! The frozen deployment snapshot shared with the gateway crate (contract:
//! /tmp/snapshot.md): arrays of resource attribute objects with the
//! provider's names, defaults filled in, absent optional strings as `""`,
//! absent maps as `{}`, absent lists as `[]`; each entry carries `_source`.
//! Entries are sorted by Terraform address.

use crate::state::Source;
use crate::value::Value;
use serde_json::{Value as J, json};

/// One resource as the snapshot builder sees it.
pub struct Item<'a> {
    /// Resource type.
    pub ty: &'a str,
    /// Its attributes.
    pub attrs: &'a Value,
    /// Where it was declared.
    pub source: &'a Source,
}

type Fields = &'static [(&'static str, Def)];

#[derive(Clone, Copy)]
enum Def {
    S(&'static str),
    Map,
    List,
    B(bool),
    N(f64),
}

const REST_API: Fields = &[
    ("id", Def::S("")),
    ("name", Def::S("")),
    ("description", Def::S("")),
    ("root_resource_id", Def::S("")),
    ("binary_media_types", Def::List),
    ("api_key_source", Def::S("HEADER")),
    ("minimum_compression_size", Def::S("")),
    ("disable_execute_api_endpoint", Def::B(false)),
    ("policy", Def::S("")),
];
const RESOURCE: Fields = &[
    ("id", Def::S("")),
    ("parent_id", Def::S("")),
    ("path_part", Def::S("")),
    ("path", Def::S("")),
];
const METHOD: Fields = &[
    ("id", Def::S("")),
    ("resource_id", Def::S("")),
    ("http_method", Def::S("")),
    ("authorization", Def::S("NONE")),
    ("api_key_required", Def::B(false)),
    ("request_parameters", Def::Map),
    ("request_models", Def::Map),
    ("authorizer_id", Def::S("")),
    ("request_validator_id", Def::S("")),
    ("authorization_scopes", Def::List),
    ("operation_name", Def::S("")),
];
const METHOD_RESPONSE: Fields = &[
    ("resource_id", Def::S("")),
    ("http_method", Def::S("")),
    ("status_code", Def::S("")),
    ("response_parameters", Def::Map),
    ("response_models", Def::Map),
];
const INTEGRATION: Fields = &[
    ("resource_id", Def::S("")),
    ("http_method", Def::S("")),
    ("type", Def::S("")),
    ("integration_http_method", Def::S("")),
    ("uri", Def::S("")),
    ("request_templates", Def::Map),
    ("request_parameters", Def::Map),
    ("passthrough_behavior", Def::S("WHEN_NO_MATCH")),
    ("content_handling", Def::S("")),
    ("credentials", Def::S("")),
    ("timeout_milliseconds", Def::N(29000.0)),
    ("connection_type", Def::S("INTERNET")),
    ("connection_id", Def::S("")),
    ("cache_key_parameters", Def::List),
    ("cache_namespace", Def::S("")),
];
const INTEGRATION_RESPONSE: Fields = &[
    ("resource_id", Def::S("")),
    ("http_method", Def::S("")),
    ("status_code", Def::S("")),
    ("selection_pattern", Def::S("")),
    ("response_templates", Def::Map),
    ("response_parameters", Def::Map),
    ("content_handling", Def::S("")),
];
const GATEWAY_RESPONSE: Fields = &[
    ("response_type", Def::S("")),
    ("status_code", Def::S("")),
    ("response_templates", Def::Map),
    ("response_parameters", Def::Map),
];
const MODEL: Fields = &[
    ("id", Def::S("")),
    ("name", Def::S("")),
    ("content_type", Def::S("")),
    ("description", Def::S("")),
    ("schema", Def::S("")),
];
const AUTHORIZER: Fields = &[
    ("id", Def::S("")),
    ("name", Def::S("")),
    ("type", Def::S("TOKEN")),
    ("authorizer_uri", Def::S("")),
    (
        "identity_source",
        Def::S("method.request.header.Authorization"),
    ),
    ("authorizer_result_ttl_in_seconds", Def::N(300.0)),
    ("authorizer_credentials", Def::S("")),
    ("identity_validation_expression", Def::S("")),
    ("provider_arns", Def::List),
];
const VALIDATOR: Fields = &[
    ("id", Def::S("")),
    ("name", Def::S("")),
    ("validate_request_body", Def::B(false)),
    ("validate_request_parameters", Def::B(false)),
];

/// Snapshot members by resource type.
const MEMBERS: &[(&str, &str, Fields)] = &[
    ("aws_api_gateway_resource", "resources", RESOURCE),
    ("aws_api_gateway_method", "methods", METHOD),
    (
        "aws_api_gateway_method_response",
        "method_responses",
        METHOD_RESPONSE,
    ),
    ("aws_api_gateway_integration", "integrations", INTEGRATION),
    (
        "aws_api_gateway_integration_response",
        "integration_responses",
        INTEGRATION_RESPONSE,
    ),
    (
        "aws_api_gateway_gateway_response",
        "gateway_responses",
        GATEWAY_RESPONSE,
    ),
    ("aws_api_gateway_model", "models", MODEL),
    ("aws_api_gateway_authorizer", "authorizers", AUTHORIZER),
    (
        "aws_api_gateway_request_validator",
        "request_validators",
        VALIDATOR,
    ),
];

fn entry(attrs: &Value, fields: Fields, source: Option<&Source>) -> J {
    let mut o = serde_json::Map::new();
    for (name, def) in fields {
        let v = attrs.get(name);
        let j = match (v, def) {
            (Value::Null, Def::S(s)) => J::String((*s).into()),
            (Value::String(s), Def::S(d)) if s.is_empty() => J::String((*d).into()),
            (Value::Null, Def::Map) => json!({}),
            (Value::Null, Def::List) => json!([]),
            (Value::Null, Def::B(b)) => J::Bool(*b),
            (Value::Null, Def::N(n)) => json!(*n as i64),
            (v, _) => v.to_json(),
        };
        o.insert((*name).into(), j);
    }
    if let Some(s) = source {
        o.insert(
            "_source".into(),
            json!({"file": s.file, "line": s.line, "address": s.address}),
        );
    }
    J::Object(o)
}

/// Builds the snapshot of API `api_id` from the resources that exist now.
pub fn build<'a>(api_id: &str, items: impl Iterator<Item = Item<'a>>) -> J {
    let mut items: Vec<Item<'a>> = items.filter(|i| belongs(i, api_id)).collect();
    items.sort_by(|a, b| a.source.address.cmp(&b.source.address));
    let mut snap = serde_json::Map::new();
    let api = items.iter().find(|i| i.ty == "aws_api_gateway_rest_api");
    snap.insert(
        "rest_api".into(),
        api.map_or_else(
            || json!({"id": api_id}),
            |a| entry(a.attrs, REST_API, Some(a.source)),
        ),
    );
    for (ty, member, fields) in MEMBERS {
        let mut list: Vec<J> = vec![];
        if *ty == "aws_api_gateway_resource"
            && let Some(a) = api
        {
            {
                list.push(json!({"id": a.attrs.get_str("root_resource_id"), "parent_id": "", "path_part": "", "path": "/"}));
            }
        }
        list.extend(
            items
                .iter()
                .filter(|i| i.ty == *ty)
                .map(|i| entry(i.attrs, fields, Some(i.source))),
        );
        snap.insert((*member).into(), J::Array(list));
    }
    J::Object(snap)
}

fn belongs(i: &Item<'_>, api_id: &str) -> bool {
    if i.ty == "aws_api_gateway_rest_api" {
        i.attrs.get_str("id") == api_id
    } else {
        MEMBERS.iter().any(|(t, _, _)| *t == i.ty) && i.attrs.get_str("rest_api_id") == api_id
    }
}

/// The snapshot without `_source` members, for comparing definitions.
pub fn without_sources(j: &J) -> J {
    match j {
        J::Object(o) => J::Object(
            o.iter()
                .filter(|(k, _)| *k != "_source")
                .map(|(k, v)| (k.clone(), without_sources(v)))
                .collect(),
        ),
        J::Array(a) => J::Array(a.iter().map(without_sources).collect()),
        other => other.clone(),
    }
}

/// Whether an API has no methods, or the first method lacking an
/// integration (`METHOD path`), as CreateDeployment checks.
pub fn deployable(snap: &J) -> Result<(), String> {
    let methods = snap
        .get("methods")
        .and_then(J::as_array)
        .cloned()
        .unwrap_or_default();
    if methods.is_empty() {
        return Err("BadRequestException: The REST API doesn't contain any methods".into());
    }
    let integrations = snap
        .get("integrations")
        .and_then(J::as_array)
        .cloned()
        .unwrap_or_default();
    for m in &methods {
        let has = integrations.iter().any(|i| {
            i.get("resource_id") == m.get("resource_id")
                && i.get("http_method") == m.get("http_method")
        });
        if !has {
            return Err("BadRequestException: No integration defined for method".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_defaults_and_root() {
        let src = Source {
            file: "a.tf".into(),
            line: 1,
            address: "x".into(),
        };
        let api = Value::from_json(&json!({"id": "a1", "name": "n", "root_resource_id": "r0"}));
        let m = Value::from_json(
            &json!({"id": "agm", "rest_api_id": "a1", "resource_id": "r0", "http_method": "GET", "authorization": "NONE"}),
        );
        let snap = build(
            "a1",
            [
                Item {
                    ty: "aws_api_gateway_rest_api",
                    attrs: &api,
                    source: &src,
                },
                Item {
                    ty: "aws_api_gateway_method",
                    attrs: &m,
                    source: &src,
                },
            ]
            .into_iter(),
        );
        assert_eq!(snap["resources"][0]["path"], "/");
        assert_eq!(snap["methods"][0]["request_parameters"], json!({}));
        assert_eq!(snap["rest_api"]["api_key_source"], "HEADER");
        assert_eq!(
            deployable(&snap).unwrap_err(),
            "BadRequestException: No integration defined for method"
        );
        assert!(
            without_sources(&snap)["methods"][0]
                .get("_source")
                .is_none()
        );
    }
}
