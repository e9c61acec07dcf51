//! JSON Schema draft 4, the subset API Gateway models use: `type` (one or a
//! list, `integer` included), `properties`, `required`,
//! `additionalProperties`, `patternProperties`, `items` (one schema or a
//! tuple), `additionalItems`, `min/maxItems`, `uniqueItems`,
//! `min/maxLength`, `pattern`, `enum`, `minimum`/`maximum` with draft 4's
//! boolean `exclusiveMinimum`/`exclusiveMaximum`, `multipleOf`,
//! `min/maxProperties`, `dependencies`, `allOf`/`anyOf`/`oneOf`/`not`, and
//! `$ref` to `#/definitions/...` or to another model of the API
//! (`https://apigateway.amazonaws.com/restapis/API/models/NAME`). `format`
//! is not checked (AWS does not either). The first failure is reported in
//! words close to AWS's execution log (`object has missing required
//! properties (["name"])`).

use serde_json::{Map, Value};
use std::collections::HashMap;

/// An API's models, parsed once, for `$ref` between them.
#[derive(Debug, Default)]
pub(crate) struct Models {
    by_name: HashMap<String, Value>,
}

/// `$ref` chains longer than this are treated as a loop.
const MAX_DEPTH: usize = 64;

impl Models {
    /// Parses every model's schema; a schema that is not JSON is an error
    /// naming the model.
    pub(crate) fn parse<'a>(
        models: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> Result<Models, String> {
        let mut by_name = HashMap::new();
        for (name, text) in models {
            let v: Value = if text.trim().is_empty() {
                Value::Object(Map::new())
            } else {
                serde_json::from_str(text)
                    .map_err(|e| format!("the schema of model `{name}` is not JSON: {e}"))?
            };
            by_name.insert(name.to_string(), v);
        }
        Ok(Models { by_name })
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    /// Validates `v` against model `name`; `Err` is the first rule broken.
    pub(crate) fn validate(&self, name: &str, v: &Value) -> Result<(), String> {
        let root = self
            .by_name
            .get(name)
            .ok_or_else(|| format!("model `{name}` does not exist"))?;
        Check { models: self }.value(root, root, v, "", 0)
    }
}

struct Check<'a> {
    models: &'a Models,
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_ok(want: &str, v: &Value) -> bool {
    let have = type_name(v);
    want == have || (want == "number" && have == "integer")
}

fn at(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" (at {path})")
    }
}

fn num(s: &Map<String, Value>, k: &str) -> Option<f64> {
    s.get(k).and_then(Value::as_f64)
}

impl<'a> Check<'a> {
    /// Resolves a `$ref` to (new root, target schema).
    fn resolve(&self, root: &'a Value, r: &str) -> Result<(&'a Value, &'a Value), String> {
        let (doc, pointer) = r.split_once('#').unwrap_or((r, ""));
        let base = if doc.is_empty() {
            root
        } else {
            let name = doc.rsplit('/').next().unwrap_or_default();
            self.models
                .by_name
                .get(name)
                .ok_or_else(|| format!("$ref `{r}` names a model that does not exist"))?
        };
        let target = if pointer.is_empty() {
            base
        } else {
            base.pointer(pointer)
                .ok_or_else(|| format!("$ref `{r}` points at nothing"))?
        };
        Ok((base, target))
    }

    fn value(
        &self,
        root: &'a Value,
        schema: &'a Value,
        v: &Value,
        path: &str,
        depth: usize,
    ) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("the schema's $ref chain is too deep".into());
        }
        let Some(s) = schema.as_object() else {
            return Ok(());
        };
        if let Some(Value::String(r)) = s.get("$ref") {
            let (root, target) = self.resolve(root, r)?;
            return self.value(root, target, v, path, depth + 1);
        }
        match s.get("type") {
            Some(Value::String(t)) if !type_ok(t, v) => {
                return Err(format!(
                    "instance type ({}) does not match any allowed primitive type (allowed: [\"{t}\"]){}",
                    type_name(v),
                    at(path)
                ));
            }
            Some(Value::Array(ts))
                if !ts.iter().any(|t| t.as_str().is_some_and(|t| type_ok(t, v))) =>
            {
                return Err(format!(
                    "instance type ({}) does not match any allowed primitive type (allowed: {}){}",
                    type_name(v),
                    Value::Array(ts.clone()),
                    at(path)
                ));
            }
            _ => {}
        }
        if let Some(Value::Array(allowed)) = s.get("enum")
            && !allowed.contains(v)
        {
            return Err(format!(
                "instance value ({v}) not found in enum (possible values: {}){}",
                Value::Array(allowed.clone()),
                at(path)
            ));
        }
        self.combinators(root, s, v, path, depth)?;
        match v {
            Value::Object(o) => self.object(root, s, o, path, depth),
            Value::Array(a) => self.array(root, s, a, path, depth),
            Value::String(t) => string(s, t, path),
            Value::Number(_) => number(s, v.as_f64().unwrap_or_default(), path),
            _ => Ok(()),
        }
    }

    fn combinators(
        &self,
        root: &'a Value,
        s: &'a Map<String, Value>,
        v: &Value,
        path: &str,
        depth: usize,
    ) -> Result<(), String> {
        let list = |k: &str| s.get(k).and_then(Value::as_array);
        if let Some(all) = list("allOf") {
            for sub in all {
                self.value(root, sub, v, path, depth + 1)?;
            }
        }
        if let Some(any) = list("anyOf")
            && !any
                .iter()
                .any(|sub| self.value(root, sub, v, path, depth + 1).is_ok())
        {
            return Err(format!(
                "instance failed to match at least one required schema among {}{}",
                any.len(),
                at(path)
            ));
        }
        if let Some(one) = list("oneOf") {
            let n = one
                .iter()
                .filter(|sub| self.value(root, sub, v, path, depth + 1).is_ok())
                .count();
            if n != 1 {
                return Err(format!(
                    "instance failed to match exactly one schema (matched {n} out of {}){}",
                    one.len(),
                    at(path)
                ));
            }
        }
        if let Some(not) = s.get("not")
            && self.value(root, not, v, path, depth + 1).is_ok()
        {
            return Err(format!(
                "instance matched a schema which it should not have{}",
                at(path)
            ));
        }
        Ok(())
    }

    fn object(
        &self,
        root: &'a Value,
        s: &'a Map<String, Value>,
        o: &Map<String, Value>,
        path: &str,
        depth: usize,
    ) -> Result<(), String> {
        if let Some(Value::Array(req)) = s.get("required") {
            let missing: Vec<&Value> = req
                .iter()
                .filter(|k| k.as_str().is_some_and(|k| !o.contains_key(k)))
                .collect();
            if !missing.is_empty() {
                let list: Vec<String> = missing.iter().map(|k| k.to_string()).collect();
                return Err(format!(
                    "object has missing required properties ([{}]){}",
                    list.join(","),
                    at(path)
                ));
            }
        }
        let len = o.len() as f64;
        if num(s, "minProperties").is_some_and(|m| len < m) {
            return Err(format!("object has too few properties{}", at(path)));
        }
        if num(s, "maxProperties").is_some_and(|m| len > m) {
            return Err(format!("object has too many properties{}", at(path)));
        }
        let props = s.get("properties").and_then(Value::as_object);
        let patterns: Vec<(regex::Regex, &Value)> = s
            .get("patternProperties")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(p, sch)| regex::Regex::new(p).ok().map(|r| (r, sch)))
                    .collect()
            })
            .unwrap_or_default();
        let mut extra = Vec::new();
        for (k, val) in o {
            let child = format!("{path}/{k}");
            let mut matched = false;
            if let Some(sub) = props.and_then(|p| p.get(k)) {
                matched = true;
                self.value(root, sub, val, &child, depth + 1)?;
            }
            for (re, sub) in &patterns {
                if re.is_match(k) {
                    matched = true;
                    self.value(root, sub, val, &child, depth + 1)?;
                }
            }
            if !matched {
                match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => extra.push(format!("\"{k}\"")),
                    Some(sub @ Value::Object(_)) => {
                        self.value(root, sub, val, &child, depth + 1)?
                    }
                    _ => {}
                }
            }
        }
        if !extra.is_empty() {
            return Err(format!(
                "object instance has properties which are not allowed by the schema: [{}]{}",
                extra.join(","),
                at(path)
            ));
        }
        if let Some(deps) = s.get("dependencies").and_then(Value::as_object) {
            for (k, dep) in deps.iter().filter(|(k, _)| o.contains_key(*k)) {
                match dep {
                    Value::Array(names) => {
                        if let Some(m) = names
                            .iter()
                            .filter_map(Value::as_str)
                            .find(|n| !o.contains_key(*n))
                        {
                            return Err(format!(
                                "property \"{k}\" requires property \"{m}\"{}",
                                at(path)
                            ));
                        }
                    }
                    sub => self.value(root, sub, &Value::Object(o.clone()), path, depth + 1)?,
                }
            }
        }
        Ok(())
    }

    fn array(
        &self,
        root: &'a Value,
        s: &'a Map<String, Value>,
        a: &[Value],
        path: &str,
        depth: usize,
    ) -> Result<(), String> {
        let len = a.len() as f64;
        if num(s, "minItems").is_some_and(|m| len < m) {
            return Err(format!(
                "array is too short: must have at least {} elements but instance has {} elements{}",
                num(s, "minItems").unwrap_or_default(),
                a.len(),
                at(path)
            ));
        }
        if num(s, "maxItems").is_some_and(|m| len > m) {
            return Err(format!(
                "array is too long: must have at most {} elements but instance has {} elements{}",
                num(s, "maxItems").unwrap_or_default(),
                a.len(),
                at(path)
            ));
        }
        if s.get("uniqueItems") == Some(&Value::Bool(true)) {
            for (i, x) in a.iter().enumerate() {
                if a[..i].contains(x) {
                    return Err(format!(
                        "array must not contain duplicate elements{}",
                        at(path)
                    ));
                }
            }
        }
        match s.get("items") {
            Some(Value::Array(tuple)) => {
                for (i, x) in a.iter().enumerate() {
                    let child = format!("{path}/{i}");
                    match tuple.get(i) {
                        Some(sub) => self.value(root, sub, x, &child, depth + 1)?,
                        None => match s.get("additionalItems") {
                            Some(Value::Bool(false)) => {
                                return Err(format!(
                                    "array is too long: must have at most {} elements{}",
                                    tuple.len(),
                                    at(path)
                                ));
                            }
                            Some(sub @ Value::Object(_)) => {
                                self.value(root, sub, x, &child, depth + 1)?
                            }
                            _ => {}
                        },
                    }
                }
            }
            Some(sub @ Value::Object(_)) => {
                for (i, x) in a.iter().enumerate() {
                    self.value(root, sub, x, &format!("{path}/{i}"), depth + 1)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn string(s: &Map<String, Value>, t: &str, path: &str) -> Result<(), String> {
    let len = t.chars().count() as f64;
    if let Some(m) = num(s, "minLength").filter(|m| len < *m) {
        return Err(format!(
            "string \"{t}\" is too short (length: {len}, required minimum: {m}){}",
            at(path)
        ));
    }
    if let Some(m) = num(s, "maxLength").filter(|m| len > *m) {
        return Err(format!(
            "string \"{t}\" is too long (length: {len}, maximum allowed: {m}){}",
            at(path)
        ));
    }
    if let Some(Value::String(p)) = s.get("pattern") {
        // ECMA 262 patterns are searched, not anchored.
        let ok = match regex::Regex::new(p) {
            Ok(re) => re.is_match(t),
            Err(_) => fancy_regex::Regex::new(p)
                .ok()
                .and_then(|re| re.is_match(t).ok())
                .unwrap_or(true),
        };
        if !ok {
            return Err(format!(
                "ECMA 262 regex \"{p}\" does not match input string \"{t}\"{}",
                at(path)
            ));
        }
    }
    Ok(())
}

fn number(s: &Map<String, Value>, n: f64, path: &str) -> Result<(), String> {
    let excl = |k: &str| s.get(k) == Some(&Value::Bool(true));
    if let Some(m) = num(s, "minimum") {
        let bad = if excl("exclusiveMinimum") {
            n <= m
        } else {
            n < m
        };
        if bad {
            return Err(format!(
                "numeric instance is lower than the required minimum (minimum: {m}, found: {n}){}",
                at(path)
            ));
        }
    }
    if let Some(m) = num(s, "maximum") {
        let bad = if excl("exclusiveMaximum") {
            n >= m
        } else {
            n > m
        };
        if bad {
            return Err(format!(
                "numeric instance is greater than the required maximum (maximum: {m}, found: {n}){}",
                at(path)
            ));
        }
    }
    if let Some(m) = num(s, "multipleOf").filter(|m| *m > 0.0) {
        let q = n / m;
        if (q - q.round()).abs() > 1e-9 {
            return Err(format!(
                "numeric instance is not a multiple of {m}{}",
                at(path)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn models(list: &[(&str, Value)]) -> Models {
        let texts: Vec<(String, String)> = list
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        Models::parse(texts.iter().map(|(n, t)| (n.as_str(), t.as_str()))).unwrap()
    }

    #[test]
    fn draft4_rules() {
        let m = models(&[(
            "User",
            json!({"$schema":"http://json-schema.org/draft-04/schema#","type":"object","required":["name"],
                "additionalProperties": false,
                "properties":{"name":{"type":"string","minLength":2,"pattern":"^[a-z]+$"},
                    "age":{"type":"integer","minimum":0,"maximum":150,"exclusiveMaximum":true},
                    "tags":{"type":"array","items":{"type":"string"},"maxItems":2,"uniqueItems":true},
                    "kind":{"enum":["a","b"]},
                    "home":{"$ref":"#/definitions/addr"}},
                "definitions":{"addr":{"type":"object","required":["city"]}}}),
        )]);
        let v = |j: Value| m.validate("User", &j);
        assert!(
            v(json!({"name":"bob","age":3,"tags":["x"],"kind":"a","home":{"city":"c"}})).is_ok()
        );
        assert_eq!(
            v(json!({})).unwrap_err(),
            "object has missing required properties ([\"name\"])"
        );
        assert!(v(json!({"name":"b"})).unwrap_err().contains("too short"));
        assert!(v(json!({"name":"Bob"})).unwrap_err().contains("ECMA 262"));
        assert!(
            v(json!({"name":"bob","age":1.5}))
                .unwrap_err()
                .contains("(number)")
        );
        assert!(
            v(json!({"name":"bob","age":150}))
                .unwrap_err()
                .contains("maximum")
        );
        assert!(
            v(json!({"name":"bob","tags":["x","x"]}))
                .unwrap_err()
                .contains("duplicate")
        );
        assert!(
            v(json!({"name":"bob","kind":"c"}))
                .unwrap_err()
                .contains("enum")
        );
        assert!(
            v(json!({"name":"bob","home":{}}))
                .unwrap_err()
                .contains("/home")
        );
        assert!(
            v(json!({"name":"bob","x":1}))
                .unwrap_err()
                .contains("not allowed")
        );
        assert!(v(json!([1])).unwrap_err().contains("(array)"));
    }

    #[test]
    fn refs_between_models_and_combinators() {
        let m = models(&[
            ("Item", json!({"type":"object","required":["id"]})),
            (
                "List",
                json!({"type":"array","items":{"$ref":"https://apigateway.amazonaws.com/restapis/abc/models/Item"}}),
            ),
            (
                "Either",
                json!({"oneOf":[{"type":"string"},{"type":"integer"}],"not":{"enum":[0]}}),
            ),
        ]);
        assert!(m.validate("List", &json!([{"id":1}])).is_ok());
        assert!(m.validate("List", &json!([{}])).unwrap_err().contains("/0"));
        assert!(m.validate("Either", &json!("x")).is_ok());
        assert!(m.validate("Either", &json!(true)).is_err());
        assert!(
            m.validate("Either", &json!(0))
                .unwrap_err()
                .contains("should not")
        );
        let looped = models(&[("L", json!({"$ref":"#"}))]);
        assert!(looped.validate("L", &json!(1)).is_err());
    }
}
