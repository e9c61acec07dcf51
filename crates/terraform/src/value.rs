//! Terraform values, including the unknown value that plan-time
//! expressions produce for computed attributes and `timestamp()`.
//!
//! Objects and maps share one representation (a sorted map: Terraform
//! sorts object keys when it renders and encodes them), as do tuples, lists
//! and sets (a set is a list without duplicates).

use std::collections::BTreeMap;
use std::fmt;

/// A map of attribute or key names to values, sorted by key.
pub type Map = BTreeMap<String, Value>;

/// A Terraform value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// `null`: an absent optional argument.
    #[default]
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number (Terraform numbers are arbitrary precision; f64 covers configs).
    Number(f64),
    /// A string.
    String(String),
    /// A tuple, list or set.
    List(Vec<Value>),
    /// An object or map.
    Map(Map),
    /// A value that is only known after apply.
    Unknown,
}

impl Value {
    /// A string value.
    pub fn str(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// Whether this value or anything inside it is unknown.
    pub fn has_unknown(&self) -> bool {
        match self {
            Value::Unknown => true,
            Value::List(l) => l.iter().any(Value::has_unknown),
            Value::Map(m) => m.values().any(Value::has_unknown),
            _ => false,
        }
    }

    /// Whether this is exactly the unknown value.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// Whether this is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The map inside, if this is an object or map.
    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The elements of a list (empty for anything else).
    pub fn as_list(&self) -> &[Value] {
        match self {
            Value::List(l) => l,
            _ => &[],
        }
    }

    /// The attribute `key` of an object (null when absent or not an object).
    pub fn get(&self, key: &str) -> &Value {
        static NULL: Value = Value::Null;
        match self {
            Value::Map(m) => m.get(key).unwrap_or(&NULL),
            _ => &NULL,
        }
    }

    /// The string attribute `key`, or "" when absent, null or not a string.
    pub fn get_str(&self, key: &str) -> &str {
        self.get(key).as_str().unwrap_or("")
    }

    /// Terraform's name for this value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "object",
            Value::Unknown => "unknown",
        }
    }

    /// Converts to a string as Terraform does for interpolation
    /// (numbers and bools convert, collections do not).
    pub fn to_interp_string(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(format_number(*n)),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// JSON form of a known value (unknowns become null; callers check first).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null | Value::Unknown => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_to_json(*n),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(l) => serde_json::Value::Array(l.iter().map(Value::to_json).collect()),
            Value::Map(m) => {
                serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
        }
    }

    /// The value of a JSON document (objects become maps).
    pub fn from_json(j: &serde_json::Value) -> Value {
        match j {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(a) => Value::List(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Truthiness for conditionals: only bools (and "true"/"false" strings,
    /// which Terraform converts) qualify.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    /// Number conversion as Terraform does (strings holding numbers convert).
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

/// Integers print without a fraction, as Terraform prints them.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn number_to_json(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Unknown => f.write_str("(known after apply)"),
            Value::String(s) => write!(f, "{s:?}"),
            other => write!(f, "{}", other.to_json()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_is_deep() {
        let v = Value::List(vec![
            Value::str("a"),
            Value::Map(Map::from([("k".into(), Value::Unknown)])),
        ]);
        assert!(v.has_unknown());
        assert!(!Value::str("x").has_unknown());
    }

    #[test]
    fn numbers_print_like_terraform() {
        assert_eq!(format_number(29000.0), "29000");
        assert_eq!(format_number(0.5), "0.5");
        assert_eq!(Value::Number(3.0).to_json().to_string(), "3");
    }
}
