//! The three ways to start an execution environment. Each runtime builds
//! the command; the environment adds the Runtime API variables around it.

mod node;
mod provided;
mod python;

pub use node::Node;
pub use provided::Provided;
pub use python::Python;

use portico_model::RuntimeKind;
use std::path::{Path, PathBuf};
use tokio::process::Command;

/// What a runtime needs to know to start.
pub struct LaunchSpec<'a> {
    /// The working copy of the code (`LAMBDA_TASK_ROOT`, the process's cwd).
    pub task_root: &'a Path,
    /// Where Portico's bootstraps are written (`LAMBDA_RUNTIME_DIR`).
    pub runtime_dir: &'a Path,
    /// Lambda runtime identifier, e.g. `nodejs20.x`.
    pub runtime: &'a str,
    /// Memory size in MB.
    pub memory_mb: u32,
    /// Customer `NODE_OPTIONS`, if set.
    pub node_options: Option<&'a str>,
}

/// A runtime family.
pub trait Runtime: Send + Sync {
    /// The command that starts one environment.
    fn command(&self, spec: &LaunchSpec<'_>) -> Result<Command, String>;
    /// `AWS_EXECUTION_ENV`: `AWS_Lambda_<runtime>`, absent for `provided`.
    fn execution_env(&self, runtime: &str) -> Option<String> {
        Some(format!("AWS_Lambda_{runtime}"))
    }
    /// Files this runtime needs in the runtime dir (name, contents).
    fn files(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }
}

/// The runtime for a family.
pub fn for_kind(kind: RuntimeKind) -> &'static dyn Runtime {
    match kind {
        RuntimeKind::Node => &Node,
        RuntimeKind::Python => &Python,
        RuntimeKind::Provided => &Provided,
    }
}

/// Writes every runtime's files into `dir` (idempotent; content-named so
/// that two Portico versions never overwrite each other's bootstrap).
pub fn install(dir: &Path) -> std::io::Result<PathBuf> {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for r in [&Node as &dyn Runtime, &Python, &Provided] {
        for (name, body) in r.files() {
            h.update(name.as_bytes());
            h.update(body.as_bytes());
        }
    }
    let sub = dir.join(&hex::encode(h.finalize())[..16]);
    if !sub.exists() {
        let tmp = dir.join(format!(".tmp-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&tmp)?;
        for r in [&Node as &dyn Runtime, &Python, &Provided] {
            for (name, body) in r.files() {
                std::fs::write(tmp.join(name), body)?;
            }
        }
        if std::fs::rename(&tmp, &sub).is_err() {
            // Another process installed the same files first.
            let _ = std::fs::remove_dir_all(&tmp);
        }
    }
    Ok(sub)
}
