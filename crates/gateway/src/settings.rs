//! A stage's method settings (`aws_api_gateway_method_settings`): they
//! belong to the stage, not to the deployment, so the caller hands them in
//! with the [`crate::StageView`]. `*/*` applies to every method without
//! settings of its own; each method throttles in its own bucket.

use crate::usage::Throttle;
use serde_json::Value;

/// The settings of one `method_path`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MethodSettings {
    /// Set when both limits are given (the provider's -1 means unset).
    pub throttle: Option<Throttle>,
    /// `OFF`, `ERROR`, `INFO`, or empty (not set: Portico logs everything).
    pub logging_level: String,
    pub data_trace_enabled: bool,
    pub metrics_enabled: bool,
}

/// Every method setting of a stage, by `method_path`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageSettings {
    pub methods: Vec<(String, MethodSettings)>,
}

fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

impl MethodSettings {
    /// Reads the provider's `settings` block (an object or a one-element list).
    pub fn from_provider_json(v: &Value) -> MethodSettings {
        let b = match v {
            Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
            other => other.clone(),
        };
        let rate = number(b.get("throttling_rate_limit")).filter(|r| *r >= 0.0);
        let burst = number(b.get("throttling_burst_limit")).filter(|r| *r >= 0.0);
        let throttle = match (rate, burst) {
            (None, None) => None,
            // One limit alone: the other is the account default (10000 / 5000).
            (r, b) => Some(Throttle {
                rate: r.unwrap_or(10_000.0),
                burst: b.unwrap_or(5_000.0),
            }),
        };
        let flag = |k: &str| b.get(k).and_then(Value::as_bool).unwrap_or(false);
        MethodSettings {
            throttle,
            logging_level: b
                .get("logging_level")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            data_trace_enabled: flag("data_trace_enabled"),
            metrics_enabled: flag("metrics_enabled"),
        }
    }
}

impl StageSettings {
    /// The settings for a method (`pets/{id}/GET`), else `*/*`'s; with the
    /// `method_path` they were declared under.
    pub fn for_method(&self, settings_path: &str) -> Option<(&str, &MethodSettings)> {
        let find = |p: &str| {
            self.methods
                .iter()
                .find(|(k, _)| crate::usage::same_method_path(k, p))
                .map(|(k, s)| (k.as_str(), s))
        };
        find(settings_path).or_else(|| find("*/*"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn method_then_wildcard() {
        let s = StageSettings {
            methods: vec![
                (
                    "*/*".into(),
                    MethodSettings::from_provider_json(
                        &json!([{"throttling_rate_limit": 1, "throttling_burst_limit": 2, "logging_level": "INFO"}]),
                    ),
                ),
                (
                    "pets/GET".into(),
                    MethodSettings::from_provider_json(
                        &json!({"throttling_rate_limit": -1, "throttling_burst_limit": -1}),
                    ),
                ),
            ],
        };
        assert_eq!(s.for_method("pets/GET").unwrap().1.throttle, None);
        let (path, m) = s.for_method("/POST").unwrap();
        assert_eq!((path, m.throttle.unwrap().burst), ("*/*", 2.0));
        assert_eq!(m.logging_level, "INFO");
    }
}
