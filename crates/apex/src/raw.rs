//! The JSON shapes of `project[.ENV].json` and `function[.ENV].json`.
//!
//! Apex decoded these with Go's `encoding/json`, which silently drops
//! unknown keys, so a typo such as `"memroy"` deployed with the default.
//! Portico rejects unknown keys (serde's error carries line and column) but
//! accepts, and ignores, the Apex fields it has no use for, so an existing
//! Apex project loads unchanged.

use serde::Deserialize;
use serde::de::IgnoredAny;
use std::collections::BTreeMap;
use std::path::Path;

use crate::ApexError;

/// Apex `project.json` fields Portico accepts and ignores: VPC, KMS and
/// dead-letter settings have no local meaning, `edge` (Lambda@Edge) and
/// `shim` (the Node shim for Go/Rust) are obsolete, `profile` picks AWS
/// credentials (Portico has none to pick).
pub const IGNORED_APEX_FIELDS: &[&str] = &[
    "vpc",
    "kms_arn",
    "deadletter_arn",
    "edge",
    "shim",
    "profile",
];

/// Apex `function.json` fields Portico accepts and ignores (see
/// [`IGNORED_APEX_FIELDS`]).
pub const IGNORED_APEX_FUNCTION_FIELDS: &[&str] =
    &["vpc", "kms_arn", "deadletter_arn", "edge", "shim"];

/// `hooks` in either file; each key overrides the project's separately.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHooks {
    /// Runs before zipping.
    pub build: Option<String>,
    /// Runs after the build, before the AWS calls.
    pub deploy: Option<String>,
    /// Runs after all deploys.
    pub clean: Option<String>,
}

/// `project.json` / `project.ENV.json`. `None` means "absent or null": Go
/// left the default in place for a JSON `null` too.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawProject {
    /// Project name (required), used by `nameTemplate`.
    pub name: Option<String>,
    /// The project's description. Apex does not pass it to functions.
    pub description: Option<String>,
    /// Default runtime for every function.
    pub runtime: Option<String>,
    /// Default handler for every function.
    pub handler: Option<String>,
    /// Default memory (MB).
    pub memory: Option<u32>,
    /// Default timeout (s).
    pub timeout: Option<u32>,
    /// Default execution role ARN.
    pub role: Option<String>,
    /// Environment variables for every function.
    pub environment: Option<BTreeMap<String, String>>,
    /// Default hooks.
    pub hooks: Option<RawHooks>,
    /// Go template for the full function name.
    pub name_template: Option<String>,
    /// Published versions to keep (0 = delete every old version).
    pub retained_versions: Option<u32>,
    /// Picks the `infrastructure/ENV` directory when no `--env` is given.
    pub default_environment: Option<String>,
    /// Session region.
    pub region: Option<String>,
    /// Portico extension: reserved concurrency for every function.
    pub concurrency: Option<u32>,
    /// A prebuilt zip deployed instead of building one.
    pub zip: Option<String>,
    /// Portico extension: the account id in ARNs.
    pub account_id: Option<String>,
    #[serde(rename = "vpc")]
    _vpc: Option<IgnoredAny>,
    #[serde(rename = "kms_arn")]
    _kms_arn: Option<IgnoredAny>,
    #[serde(rename = "deadletter_arn")]
    _deadletter_arn: Option<IgnoredAny>,
    #[serde(rename = "edge")]
    _edge: Option<IgnoredAny>,
    #[serde(rename = "shim")]
    _shim: Option<IgnoredAny>,
    #[serde(rename = "profile")]
    _profile: Option<IgnoredAny>,
}

/// `function.json` / `function.ENV.json`, decoded on top of the project.
/// There is no `name`: the directory name is the short name.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawFunction {
    /// Function description.
    pub description: Option<String>,
    /// Runtime; inferred from the files when unset everywhere.
    pub runtime: Option<String>,
    /// Handler; defaulted per runtime when unset everywhere.
    pub handler: Option<String>,
    /// Memory (MB).
    pub memory: Option<u32>,
    /// Timeout (s).
    pub timeout: Option<u32>,
    /// Execution role ARN.
    pub role: Option<String>,
    /// Merged over the project's map, key by key.
    pub environment: Option<BTreeMap<String, String>>,
    /// Merged over the project's hooks, key by key.
    pub hooks: Option<RawHooks>,
    /// Published versions to keep.
    pub retained_versions: Option<u32>,
    /// Per-function region (Apex #792).
    pub region: Option<String>,
    /// Portico extension: reserved concurrency.
    pub concurrency: Option<u32>,
    /// A prebuilt zip.
    pub zip: Option<String>,
    #[serde(rename = "vpc")]
    _vpc: Option<IgnoredAny>,
    #[serde(rename = "kms_arn")]
    _kms_arn: Option<IgnoredAny>,
    #[serde(rename = "deadletter_arn")]
    _deadletter_arn: Option<IgnoredAny>,
    #[serde(rename = "edge")]
    _edge: Option<IgnoredAny>,
    #[serde(rename = "shim")]
    _shim: Option<IgnoredAny>,
}

/// Reads and decodes one config file; errors name the file, and serde's
/// message gives the line and column.
pub fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, ApexError> {
    let text = std::fs::read_to_string(path).map_err(|e| ApexError::io(path, e))?;
    serde_json::from_str(&text).map_err(|source| ApexError::Json {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(json: &str) -> Result<RawProject, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn every_ignored_project_field_is_accepted() {
        for field in IGNORED_APEX_FIELDS {
            let json = format!(r#"{{"name":"p","{field}":{{"anything":[1,2]}}}}"#);
            assert!(project(&json).is_ok(), "{field} should be accepted");
        }
    }

    #[test]
    fn every_ignored_function_field_is_accepted() {
        for field in IGNORED_APEX_FUNCTION_FIELDS {
            let json = format!(r#"{{"{field}":true}}"#);
            assert!(
                serde_json::from_str::<RawFunction>(&json).is_ok(),
                "{field} should be accepted"
            );
        }
    }

    #[test]
    fn unknown_field_is_rejected_with_position() {
        let err = project("{\n  \"name\": \"p\",\n  \"memroy\": 256\n}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `memroy`"), "{err}");
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn project_only_fields_are_unknown_in_function_json() {
        let err = serde_json::from_str::<RawFunction>(r#"{"name":"x"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `name`"), "{err}");
        let err = serde_json::from_str::<RawFunction>(r#"{"profile":"x"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `profile`"), "{err}");
    }

    #[test]
    fn null_leaves_defaults_and_hooks_reject_unknown_keys() {
        let p = project(r#"{"name":"p","memory":null,"hooks":{"build":"make"}}"#).unwrap();
        assert_eq!(p.memory, None);
        assert_eq!(p.hooks.unwrap().build.as_deref(), Some("make"));
        assert!(project(r#"{"name":"p","hooks":{"bulid":"make"}}"#).is_err());
    }

    #[test]
    fn negative_memory_is_a_type_error() {
        let err = project(r#"{"name":"p","memory":-1}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 1"), "{err}");
    }
}
