//! Functions, their immutable published versions, and aliases.

use crate::RuntimeKind;
use std::collections::BTreeMap;

/// The name of the one mutable version.
pub const LATEST: &str = "$LATEST";

/// Everything that defines how a function runs, apart from its code.
/// Two configurations compare equal exactly when a deploy would publish
/// nothing new for them (Apex's "config unchanged").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FunctionConfig {
    /// The full function name (after Apex's `nameTemplate`).
    pub name: String,
    /// Lambda runtime identifier, e.g. `nodejs20.x`, `python3.11`, `provided.al2023`.
    pub runtime: String,
    /// Handler string, e.g. `index.handle`; ignored by `provided` runtimes.
    pub handler: String,
    /// Memory size in MB (128 by default).
    pub memory_mb: u32,
    /// Timeout in seconds (3 by default).
    pub timeout_s: u32,
    /// Execution role ARN (recorded, not enforced).
    pub role: String,
    /// Function description.
    pub description: String,
    /// Customer environment variables.
    pub environment: BTreeMap<String, String>,
    /// Reserved concurrency: at most this many environments run at once;
    /// `Some(0)` throttles every invoke.
    #[serde(default)]
    pub reserved_concurrency: Option<u32>,
}

impl FunctionConfig {
    /// A configuration with AWS's defaults for everything but name and runtime.
    pub fn new(name: &str, runtime: &str, handler: &str) -> Self {
        FunctionConfig {
            name: name.to_string(),
            runtime: runtime.to_string(),
            handler: handler.to_string(),
            memory_mb: 128,
            timeout_s: 3,
            role: String::new(),
            description: String::new(),
            environment: BTreeMap::new(),
            reserved_concurrency: None,
        }
    }

    /// Which runtime family executes this function.
    pub fn runtime_kind(&self) -> Option<RuntimeKind> {
        RuntimeKind::from_runtime(&self.runtime)
    }
}

/// One version of a function: `$LATEST` or a published, immutable number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionVersion {
    /// `$LATEST` or the decimal version number.
    pub version: String,
    /// The configuration this version runs with.
    pub config: FunctionConfig,
    /// base64(SHA-256(zip)), as AWS's `CodeSha256`.
    pub code_sha256: String,
    /// Size of the zip in bytes.
    pub code_size: u64,
    /// `YYYY-MM-DDThh:mm:ss.sss+0000`.
    pub last_modified: String,
    /// A UUID, regenerated on every change.
    pub revision_id: String,
}

/// A named pointer to a published version (or `$LATEST`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    /// Alias name, e.g. `current`.
    pub name: String,
    /// The version it points at.
    pub function_version: String,
    /// Alias description.
    pub description: String,
    /// A UUID, regenerated on every change.
    pub revision_id: String,
}
