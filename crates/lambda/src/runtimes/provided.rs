//! `provided`, `provided.al2`, `provided.al2023`: the `bootstrap`
//! executable at the root of the function's code.

use super::{LaunchSpec, Runtime};
use tokio::process::Command;

/// The custom runtime.
pub struct Provided;

impl Runtime for Provided {
    fn command(&self, spec: &LaunchSpec<'_>) -> Result<Command, String> {
        let bootstrap = spec.task_root.join("bootstrap");
        if !bootstrap.is_file() {
            return Err(
                "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]"
                    .to_string(),
            );
        }
        Ok(Command::new(bootstrap))
    }

    fn execution_env(&self, _runtime: &str) -> Option<String> {
        // AWS sets no AWS_EXECUTION_ENV for custom runtimes.
        None
    }
}
