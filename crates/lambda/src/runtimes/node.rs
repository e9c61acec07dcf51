//! `nodejs*`: Portico's JavaScript bootstrap on the machine's `node`.

use super::{LaunchSpec, Runtime};
use tokio::process::Command;

/// The Node.js runtime.
pub struct Node;

const BOOTSTRAP: &str = include_str!("../../bootstrap/node/bootstrap.js");
// bootstrap.js requires its Runtime API client from the same directory.
const RUNTIME_CLIENT: &str = include_str!("../../bootstrap/node/runtime_client.js");

/// The flags AWS's `/var/runtime/bootstrap` gives `node` before its entry
/// point, in its order, then one of Portico's own (docs/compat.md).
fn node_args(memory_mb: u32, node_options: Option<&str>) -> Vec<String> {
    // `global.gc` exists on AWS, and Node's HTTP parser accepts 80 KiB of
    // headers instead of its own 16 KiB default.
    let mut args = vec![
        "--expose-gc".to_string(),
        "--max-http-header-size".to_string(),
        "81920".to_string(),
    ];
    // V8's heap is sized from the memory setting: a tenth for the young
    // generation (two semi-spaces of half that each), the rest for the old
    // one: 6 and 116 MB at 128 MB. A heap size the function's NODE_OPTIONS
    // already sets is left to it.
    let sets = |flag: &str| node_options.is_some_and(|o| o.contains(flag));
    let new_space = memory_mb / 10;
    if !sets("--max-semi-space-size") {
        args.push(format!("--max-semi-space-size={}", new_space / 2));
    }
    if !sets("--max-old-space-size") {
        // At least 64 MB, as before, for a memory size below AWS's minimum.
        args.push(format!(
            "--max-old-space-size={}",
            (memory_mb - new_space).max(64)
        ));
    }
    // Not AWS's: V8 considers a function for optimization after an eighth of
    // its default bytecode budget (67,584). Each of a function's up to 16
    // environments warms up on its own, and locally each sees few
    // invocations: at 16 connections a fresh pool ran 10-20 % slower for its
    // first 10-20 s (BENCHMARKS.md). Speed only; behaviour is unchanged.
    args.push(format!("--interrupt-budget={JIT_BUDGET}"));
    args
}

/// V8's `--interrupt-budget` for function code (see `node_args`).
const JIT_BUDGET: u32 = 8 * 1024;

impl Runtime for Node {
    fn command(&self, spec: &LaunchSpec<'_>) -> Result<Command, String> {
        let mut c = Command::new("node");
        c.args(node_args(spec.memory_mb, spec.node_options));
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

#[cfg(test)]
mod tests {
    use super::node_args;

    #[test]
    fn heap_flags_follow_the_memory_size_as_on_aws() {
        assert_eq!(
            node_args(128, None),
            [
                "--expose-gc",
                "--max-http-header-size",
                "81920",
                "--max-semi-space-size=6",
                "--max-old-space-size=116",
                "--interrupt-budget=8192"
            ]
        );
        let big = node_args(1769, None);
        assert_eq!(
            big[3..5],
            ["--max-semi-space-size=88", "--max-old-space-size=1593"]
        );
    }

    #[test]
    fn a_heap_size_set_in_node_options_is_left_to_it() {
        let only_old = node_args(128, Some("--max-old-space-size=300 --enable-source-maps"));
        assert_eq!(only_old[3], "--max-semi-space-size=6");
        assert_eq!(only_old.len(), 5, "{only_old:?}");
        let both = node_args(
            512,
            Some("--max-semi-space-size=32 --max-old-space-size=400"),
        );
        assert_eq!(both.len(), 4, "{both:?}");
    }
}
