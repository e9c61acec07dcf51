//! One instance's diff: configured values against the prior state, with
//! schema defaults, computed attributes, `ignore_changes`, and the
//! schema's force-new flags deciding between update and replacement.

use crate::load::{IgnoreChanges, Lifecycle};
use crate::plan::Action;
use crate::schema::Schema;
use crate::value::{Map, Value};

/// The planned action, the planned value and the attributes forcing replacement.
pub struct InstancePlan {
    /// What happens.
    pub action: Action,
    /// The planned attributes (unknown where only apply can tell).
    pub after: Value,
    /// Attributes whose change forces replacement.
    pub replace_paths: Vec<String>,
}

/// Plans one instance of an emulated type.
pub fn plan_instance(
    schema: &Schema,
    ty: &str,
    cfg: &Map,
    prior: Option<&Value>,
    lc: &Lifecycle,
) -> InstancePlan {
    let desired = desired(schema, cfg, prior);
    let Some(prior) = prior else {
        let after = fill_computed(schema, cfg, desired, None);
        return InstancePlan {
            action: Action::Create,
            after: Value::Map(after),
            replace_paths: vec![],
        };
    };
    let mut changed = vec![];
    let mut force = vec![];
    let mut after = desired.clone();
    let names = schema
        .attrs
        .iter()
        .filter(|a| a.required || a.optional)
        .map(|a| (a.name, a.force_new))
        .chain(schema.blocks.iter().map(|b| (b.name, b.force_new)));
    for (name, force_new) in names {
        let ignored = match &lc.ignore_changes {
            IgnoreChanges::All => true,
            IgnoreChanges::Names(n) => n.iter().any(|x| x == name),
            IgnoreChanges::None => false,
        };
        if ignored {
            after.insert(name.to_string(), prior.get(name).clone());
            continue;
        }
        let new = after.get(name).unwrap_or(&Value::Null);
        if !same(new, prior.get(name)) {
            changed.push(name.to_string());
            if force_new {
                force.push(name.to_string());
            }
        }
    }
    if changed.is_empty() {
        return InstancePlan {
            action: Action::NoOp,
            after: prior.clone(),
            replace_paths: vec![],
        };
    }
    if !force.is_empty() {
        let after = fill_computed(schema, cfg, desired_fresh(schema, cfg), None);
        let action = if lc.create_before_destroy {
            Action::CreateThenDelete
        } else {
            Action::DeleteThenCreate
        };
        return InstancePlan {
            action,
            after: Value::Map(after),
            replace_paths: force,
        };
    }
    let recomputed = recomputed_on_update(ty, &changed, cfg);
    let mut m = fill_computed(schema, cfg, after, Some(prior));
    for r in recomputed {
        m.insert(r.to_string(), Value::Unknown);
    }
    InstancePlan {
        action: Action::Update,
        after: Value::Map(m),
        replace_paths: vec![],
    }
}

fn desired_fresh(schema: &Schema, cfg: &Map) -> Map {
    desired(schema, cfg, None)
}

/// Configured values, defaults, and (for optional+computed arguments left
/// unset) the prior value.
fn desired(schema: &Schema, cfg: &Map, prior: Option<&Value>) -> Map {
    let mut out = Map::new();
    for a in schema.attrs.iter().filter(|a| a.required || a.optional) {
        let v = match cfg.get(a.name) {
            Some(v) if !v.is_null() => v.clone(),
            _ => match (a.default, a.computed, prior) {
                (Some(d), _, _) => d.value(),
                (None, true, Some(p)) if !p.get(a.name).is_null() => p.get(a.name).clone(),
                _ => Value::Null,
            },
        };
        out.insert(a.name.to_string(), v);
    }
    for b in schema.blocks {
        out.insert(
            b.name.to_string(),
            cfg.get(b.name).cloned().unwrap_or(Value::List(vec![])),
        );
    }
    out
}

/// Computed attributes: from `prior` when updating in place, else unknown
/// (unless a default applies).
fn fill_computed(schema: &Schema, cfg: &Map, mut m: Map, prior: Option<&Value>) -> Map {
    for a in schema.attrs.iter().filter(|a| a.computed) {
        if cfg.get(a.name).is_some_and(|v| !v.is_null()) {
            continue;
        }
        match prior {
            Some(p) => {
                m.insert(a.name.to_string(), p.get(a.name).clone());
            }
            None if m.get(a.name).is_none_or(Value::is_null) => {
                m.insert(a.name.to_string(), Value::Unknown);
            }
            None => {}
        }
    }
    m
}

/// Computed attributes the provider changes on an in-place update.
fn recomputed_on_update(ty: &str, changed: &[String], cfg: &Map) -> Vec<&'static str> {
    let publish = cfg.get("publish").and_then(Value::as_bool).unwrap_or(false);
    match ty {
        "aws_lambda_function" if publish => vec![
            "last_modified",
            "qualified_arn",
            "qualified_invoke_arn",
            "version",
        ],
        "aws_lambda_function" => vec!["last_modified"],
        "aws_api_gateway_resource"
            if changed.iter().any(|c| c == "path_part" || c == "parent_id") =>
        {
            vec!["path"]
        }
        "aws_api_gateway_api_key" => vec!["last_updated_date"],
        _ => vec![],
    }
}

/// Equality as the provider's diff sees it: null, "", [] and {} are the
/// same (SDKv2 does not distinguish them); unknown equals nothing.
pub fn same(a: &Value, b: &Value) -> bool {
    if a.has_unknown() || b.has_unknown() {
        return false;
    }
    norm(a) == norm(b)
}

fn norm(v: &Value) -> Value {
    match v {
        Value::String(s) if s.is_empty() => Value::Null,
        Value::List(l) if l.is_empty() => Value::Null,
        Value::Map(m) if m.is_empty() => Value::Null,
        Value::List(l) => Value::List(l.iter().map(norm).collect()),
        Value::Map(m) => {
            let mm: Map = m
                .iter()
                .map(|(k, v)| (k.clone(), norm(v)))
                .filter(|(_, v)| !v.is_null())
                .collect();
            if mm.is_empty() {
                Value::Null
            } else {
                Value::Map(mm)
            }
        }
        Value::Number(n) => Value::String(crate::value::format_number(*n)),
        Value::Bool(b) => Value::String(b.to_string()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empties_are_null() {
        assert!(same(&Value::Null, &Value::str("")));
        assert!(same(&Value::Map(Map::new()), &Value::Null));
        assert!(same(&Value::Number(3.0), &Value::str("3")));
        assert!(!same(&Value::Unknown, &Value::Unknown));
    }
}
