//! `aws_iam_policy_document`: statement blocks to the policy JSON the
//! provider produces (field order Sid, Effect, Action, NotAction, Resource,
//! NotResource, Principal, NotPrincipal, Condition; one-element sets become
//! scalars; sets are sorted).

use crate::error::TfError;
use crate::value::{Map, Value};
use serde_json::{Value as J, json};

/// Builds the document from the data source's evaluated arguments.
pub fn build(cfg: &Map) -> Result<J, TfError> {
    let mut doc = serde_json::Map::new();
    doc.insert(
        "Version".into(),
        J::String(
            cfg.get("version")
                .and_then(Value::as_str)
                .unwrap_or("2012-10-17")
                .to_string(),
        ),
    );
    if let Some(id) = cfg.get("policy_id").and_then(Value::as_str) {
        doc.insert("Id".into(), J::String(id.to_string()));
    }
    let mut statements = vec![];
    if let Some(Value::List(srcs)) = cfg.get("source_policy_documents") {
        for s in srcs.iter().filter_map(Value::as_str) {
            let j: J = serde_json::from_str(s)
                .map_err(|e| TfError::new("Invalid source policy document", e.to_string()))?;
            if let Some(J::Array(a)) = j.get("Statement") {
                statements.extend(a.iter().cloned());
            }
        }
    }
    if let Some(Value::List(stmts)) = cfg.get("statement") {
        for s in stmts {
            statements.push(statement(s)?);
        }
    }
    doc.insert("Statement".into(), J::Array(statements));
    Ok(J::Object(doc))
}

fn statement(s: &Value) -> Result<J, TfError> {
    let mut o = serde_json::Map::new();
    if !s.get_str("sid").is_empty() {
        o.insert("Sid".into(), J::String(s.get_str("sid").into()));
    }
    let effect = if s.get_str("effect").is_empty() {
        "Allow"
    } else {
        s.get_str("effect")
    };
    if effect != "Allow" && effect != "Deny" {
        return Err(TfError::new(
            "Invalid value",
            format!("expected effect to be one of [\"Allow\" \"Deny\"], got {effect}"),
        ));
    }
    o.insert("Effect".into(), J::String(effect.into()));
    for (key, name) in [
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ] {
        if let Some(v) = set_value(s.get(key)) {
            o.insert(name.into(), v);
        }
    }
    for (key, name) in [
        ("principals", "Principal"),
        ("not_principals", "NotPrincipal"),
    ] {
        if let Value::List(ps) = s.get(key) {
            let mut pm = serde_json::Map::new();
            for p in ps {
                let t = p.get_str("type");
                if let Some(ids) = set_value(p.get("identifiers")) {
                    if t == "*" {
                        pm.insert("AWS".into(), json!("*"));
                    } else {
                        pm.insert(t.to_string(), ids);
                    }
                }
            }
            if !pm.is_empty() {
                o.insert(name.into(), J::Object(pm));
            }
        }
    }
    if let Value::List(conds) = s.get("condition") {
        let mut cm = serde_json::Map::new();
        for c in conds {
            let test = c.get_str("test").to_string();
            let entry = cm
                .entry(test)
                .or_insert_with(|| J::Object(Default::default()));
            if let (J::Object(vm), Some(v)) = (entry, set_value(c.get("values"))) {
                vm.insert(c.get_str("variable").to_string(), v);
            }
        }
        if !cm.is_empty() {
            o.insert("Condition".into(), J::Object(cm));
        }
    }
    Ok(J::Object(o))
}

/// A set attribute: sorted, and a single element as a scalar.
fn set_value(v: &Value) -> Option<J> {
    let Value::List(l) = v else { return None };
    let mut items: Vec<String> = l.iter().filter_map(Value::to_interp_string).collect();
    items.sort();
    items.dedup();
    match items.len() {
        0 => None,
        1 => Some(J::String(items.remove(0))),
        _ => Some(J::Array(items.into_iter().map(J::String).collect())),
    }
}

/// Pretty JSON with two-space indentation, as the provider renders it.
pub fn to_pretty(doc: &J) -> String {
    serde_json::to_string_pretty(doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assume_role_document() {
        let principal: Map = [
            ("type".to_string(), Value::str("Service")),
            (
                "identifiers".to_string(),
                Value::List(vec![Value::str("apigateway.amazonaws.com")]),
            ),
        ]
        .into();
        let st: Map = [
            (
                "actions".to_string(),
                Value::List(vec![Value::str("sts:AssumeRole")]),
            ),
            (
                "principals".to_string(),
                Value::List(vec![Value::Map(principal)]),
            ),
        ]
        .into();
        let cfg: Map = [("statement".to_string(), Value::List(vec![Value::Map(st)]))].into();
        let j = build(&cfg).unwrap();
        assert_eq!(
            j.to_string(),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"apigateway.amazonaws.com"}}]}"#
        );
    }
}
