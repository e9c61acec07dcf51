//! `nodejs*`: Portico's JavaScript bootstrap on the machine's `node`.

use super::{LaunchSpec, Runtime};
use tokio::process::Command;

/// The Node.js runtime.
pub struct Node;

const BOOTSTRAP: &str = include_str!("../../bootstrap/node/bootstrap.js");
// bootstrap.js requires its Runtime API client from the same directory.
const RUNTIME_CLIENT: &str = include_str!("../../bootstrap/node/runtime_client.js");

impl Runtime for Node {
    fn command(&self, spec: &LaunchSpec<'_>) -> Result<Command, String> {
        let mut c = Command::new("node");
        // AWS's bootstrap sizes V8's heap from the memory setting unless the
        // function's NODE_OPTIONS already does.
        let sets_heap = spec
            .node_options
            .is_some_and(|o| o.contains("--max-old-space-size"));
        if !sets_heap {
            c.arg(format!(
                "--max-old-space-size={}",
                (spec.memory_mb as u64 * 9 / 10).max(64)
            ));
        }
        c.arg(spec.runtime_dir.join("bootstrap.js"));
        Ok(c)
    }

    fn files(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("bootstrap.js", BOOTSTRAP),
            ("runtime_client.js", RUNTIME_CLIENT),
        ]
    }
}
