//! What the AWS provider does for each resource type at apply time: fill in
//! computed attributes (ids in AWS's formats, ARNs computed client-side as
//! the provider does), check what AWS checks, and call [`Effects`].

mod apigw;
mod lambda;

use crate::effects::{EffectError, Effects};
use crate::error::TfError;
use crate::ids::IdGen;
use crate::load::{Config, ResourceBlock};
use crate::state::State;
use crate::value::{Map, Value};
use hcl_edit::Span;
use std::path::PathBuf;

/// What provider code may use while applying.
pub struct Ctx<'a> {
    /// The state being built (instances created so far are visible).
    pub state: &'a State,
    /// Side effects.
    pub effects: &'a mut dyn Effects,
    /// Id generator.
    pub ids: &'a mut IdGen,
    /// Region.
    pub region: &'a str,
    /// Account id.
    pub account: &'a str,
    /// Now, RFC 3339.
    pub now: &'a str,
    /// Root module directory (for `filename`).
    pub root_dir: PathBuf,
}

/// The result of creating or updating: all attributes, plus private data.
pub struct Applied {
    /// Every attribute.
    pub attrs: Map,
    /// Provider-private data (a deployment's snapshot).
    pub private: Option<serde_json::Value>,
}

/// Plan-time checks the provider would only make at apply (better early).
pub fn validate(cfg: &Config, b: &ResourceBlock, args: &Map) -> Result<(), TfError> {
    let at = |name: &str| cfg.loc(b.file, b.body.get_attribute(name).and_then(|a| a.span()));
    match b.ty.as_str() {
        "aws_api_gateway_rest_api" if args.get("body").is_some_and(|v| !v.is_null()) => Err(TfError::new(
            "OpenAPI import is not supported yet",
            "aws_api_gateway_rest_api.body (importing an OpenAPI/Swagger definition) is not supported by Portico yet. Declare the API with aws_api_gateway_resource, _method and _integration resources instead.",
        )
        .at(&at("body"))),
        "aws_api_gateway_integration_response" => match args.get("selection_pattern") {
            Some(Value::String(p)) if !p.is_empty() => {
                if regex::Regex::new(p).is_err() && fancy_regex::Regex::new(p).is_err() {
                    return Err(TfError::new(
                        "Invalid selection_pattern",
                        format!("selection_pattern {p:?} is not a valid regular expression, so API Gateway could never match a Lambda error message against it. In HCL, a backslash is written \\\\ (for example \".*\\\\[BadRequest\\\\].*\")."),
                    )
                    .at(&at("selection_pattern")));
                }
                Ok(())
            }
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

/// Creates (`prior` = None) or updates an instance.
pub fn put(
    ctx: &mut Ctx<'_>,
    ty: &str,
    cfg: &Map,
    prior: Option<&Value>,
) -> Result<Applied, String> {
    if ty.starts_with("aws_api_gateway_") {
        apigw::put(ctx, ty, cfg, prior)
    } else {
        lambda::put(ctx, ty, cfg, prior)
    }
}

/// Deletes an instance.
pub fn delete(ctx: &mut Ctx<'_>, ty: &str, prior: &Value) -> Result<(), String> {
    if ty.starts_with("aws_api_gateway_") {
        apigw::delete(ctx, ty, prior)
    } else {
        lambda::delete(ctx, ty, prior)
    }
}

/// Converts a store error into the provider's message.
pub(crate) fn fx(e: EffectError) -> String {
    e.to_string()
}

/// Starts the attribute map: configured values (with defaults), computed
/// attributes from `prior` when updating.
pub(crate) fn base(cfg: &Map, prior: Option<&Value>) -> Map {
    let mut m = match prior {
        Some(Value::Map(p)) => p.clone(),
        _ => Map::new(),
    };
    for (k, v) in cfg {
        m.insert(k.clone(), v.clone());
    }
    m
}

/// Fills schema defaults and empty collections for unset attributes, so
/// the state holds what the provider would read back.
pub(crate) fn fill_schema(ty: &str, m: &mut Map) {
    let Some(crate::schema::Support::Emulated(s)) = crate::schema::resource(ty) else {
        return;
    };
    for a in s.attrs {
        if m.get(a.name).is_some_and(|v| !v.is_null()) {
            continue;
        }
        let v = match (a.default, a.ty) {
            (Some(d), _) => d.value(),
            (None, crate::schema::Ty::Map) if a.computed => Value::Map(Map::new()),
            _ => Value::Null,
        };
        m.insert(a.name.to_string(), v);
    }
    for b in s.blocks {
        m.entry(b.name.to_string()).or_insert(Value::List(vec![]));
    }
}

/// A string attribute.
pub(crate) fn s<'v>(m: &'v Map, k: &str) -> &'v str {
    m.get(k).and_then(Value::as_str).unwrap_or("")
}

/// Sets a string attribute (a method, so arguments may borrow the map).
pub(crate) trait SetStr {
    /// Inserts `k = v`.
    fn set_s(&mut self, k: &str, v: String);
}

impl SetStr for Map {
    fn set_s(&mut self, k: &str, v: String) {
        self.insert(k.into(), Value::String(v));
    }
}
