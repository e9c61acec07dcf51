//! The state: every resource instance with all its attributes, where it was
//! declared, what it depended on, plus outputs and a serial number. The
//! caller persists it (serde_json); this crate never writes it to disk.

use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where an instance was declared.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Source {
    /// File relative to the root module.
    pub file: String,
    /// One-based line of the block.
    pub line: usize,
    /// The instance address.
    pub address: String,
}

/// One resource instance (or data source result).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// `managed` or `data`.
    pub mode: String,
    /// Resource type.
    #[serde(rename = "type")]
    pub ty: String,
    /// Resource name.
    pub name: String,
    /// Module prefix (`module.a.`), empty for the root.
    #[serde(default)]
    pub module: String,
    /// All attributes (always known values).
    pub attributes: serde_json::Value,
    /// Addresses (without instance keys) of the resources it depended on.
    #[serde(default)]
    pub dependencies: Vec<String>,
    /// Whether it was created with `create_before_destroy`.
    #[serde(default)]
    pub create_before_destroy: bool,
    /// Where it was declared.
    #[serde(rename = "_source", default)]
    pub source: Source,
    /// Provider-private data: the frozen snapshot of a deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<serde_json::Value>,
}

impl Instance {
    /// The attributes as a value.
    pub fn value(&self) -> Value {
        Value::from_json(&self.attributes)
    }

    /// A string attribute, or "".
    pub fn attr(&self, name: &str) -> &str {
        self.attributes
            .get(name)
            .and_then(|v| v.as_str())
            .unwrap_or("")
    }

    /// The address without module prefix or instance key: `T.N` / `data.T.N`.
    pub fn resource_address(&self) -> String {
        let local = if self.mode == "data" {
            format!("data.{}.{}", self.ty, self.name)
        } else {
            format!("{}.{}", self.ty, self.name)
        };
        format!("{}{local}", self.module)
    }
}

/// The whole state.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct State {
    /// Incremented by every apply that changes something.
    pub serial: u64,
    /// Instances by address (`module.m.aws_x.y[0]`).
    pub resources: BTreeMap<String, Instance>,
    /// Root module outputs.
    pub outputs: BTreeMap<String, serde_json::Value>,
}

/// A stage as the gateway serves it (from a v5 deployment's `stage_name`
/// or an `aws_api_gateway_stage`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageInfo {
    /// REST API id.
    pub api_id: String,
    /// Stage name.
    pub stage_name: String,
    /// The deployment it serves.
    pub deployment_id: String,
    /// `https://{api}.execute-api.{region}.amazonaws.com/{stage}`.
    pub invoke_url: String,
}

impl State {
    /// Parses a state saved with [`State::to_json`].
    pub fn from_json(text: &str) -> Result<State, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Serializes the state (pretty-printed, stable order).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Managed instances of type `ty`.
    pub fn of_type<'a>(
        &'a self,
        ty: &'a str,
    ) -> impl Iterator<Item = (&'a String, &'a Instance)> + 'a {
        self.resources
            .iter()
            .filter(move |(_, i)| i.ty == ty && i.mode == "managed")
    }

    /// `terraform state list`: one address a line, managed and data.
    pub fn list(&self) -> Vec<String> {
        self.resources.keys().cloned().collect()
    }

    /// Every stage the state defines, sorted by API and name.
    pub fn stages(&self) -> Vec<StageInfo> {
        let mut out = vec![];
        for (_, d) in self.of_type("aws_api_gateway_deployment") {
            if !d.attr("stage_name").is_empty() {
                out.push(StageInfo {
                    api_id: d.attr("rest_api_id").into(),
                    stage_name: d.attr("stage_name").into(),
                    deployment_id: d.attr("id").into(),
                    invoke_url: d.attr("invoke_url").into(),
                });
            }
        }
        for (_, s) in self.of_type("aws_api_gateway_stage") {
            out.push(StageInfo {
                api_id: s.attr("rest_api_id").into(),
                stage_name: s.attr("stage_name").into(),
                deployment_id: s.attr("deployment_id").into(),
                invoke_url: s.attr("invoke_url").into(),
            });
        }
        out.sort_by(|a, b| (&a.api_id, &a.stage_name).cmp(&(&b.api_id, &b.stage_name)));
        out.dedup_by(|a, b| a.api_id == b.api_id && a.stage_name == b.stage_name);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let mut s = State {
            serial: 3,
            ..Default::default()
        };
        s.resources.insert(
            "aws_api_gateway_deployment.d".into(),
            Instance {
                mode: "managed".into(),
                ty: "aws_api_gateway_deployment".into(),
                name: "d".into(),
                module: String::new(),
                attributes: serde_json::json!({"id": "abc123", "rest_api_id": "a", "stage_name": "test", "invoke_url": "u"}),
                dependencies: vec![],
                create_before_destroy: false,
                source: Source { file: "a.tf".into(), line: 1, address: "aws_api_gateway_deployment.d".into() },
                private: None,
            },
        );
        let back = State::from_json(&s.to_json()).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.stages()[0].stage_name, "test");
        assert_eq!(back.list(), vec!["aws_api_gateway_deployment.d"]);
    }
}
