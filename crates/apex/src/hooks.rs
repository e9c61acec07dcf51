//! Hook commands: `sh -c COMMAND` in the function directory, with the
//! caller's environment; a non-zero exit is an error carrying the
//! combined output, as Apex's `HookError` did.

use std::process::{Command, Stdio};

use crate::{ApexError, Function};

/// Which hook to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookKind {
    /// Before zipping.
    Build,
    /// After the build, before the Lambda calls.
    Deploy,
    /// After every function is deployed.
    Clean,
}

impl HookKind {
    /// The key in `hooks`.
    pub fn as_str(self) -> &'static str {
        match self {
            HookKind::Build => "build",
            HookKind::Deploy => "deploy",
            HookKind::Clean => "clean",
        }
    }
}

/// Runs `function`'s hook of this kind; an unset or empty hook does nothing.
pub fn run_hook(function: &Function, kind: HookKind) -> Result<(), ApexError> {
    let hooks = function.hooks();
    let command = match kind {
        HookKind::Build => &hooks.build,
        HookKind::Deploy => &hooks.deploy,
        HookKind::Clean => &hooks.clean,
    };
    let Some(command) = command.as_deref().filter(|c| !c.is_empty()) else {
        return Ok(());
    };
    let fail = |status: String, output: String| ApexError::Hook {
        function: function.short_name().to_string(),
        hook: kind.as_str(),
        command: command.to_string(),
        status,
        output,
    };
    // stdout and stderr share one pipe so the output keeps its interleaving,
    // like Go's CombinedOutput.
    let (mut reader, writer) =
        std::io::pipe().map_err(|e| fail(format!("cannot create pipe: {e}"), String::new()))?;
    let writer2 = writer
        .try_clone()
        .map_err(|e| fail(format!("cannot create pipe: {e}"), String::new()))?;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(function.dir())
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(writer2)
        .spawn()
        .map_err(|e| fail(format!("cannot start sh: {e}"), String::new()))?;
    let mut bytes = Vec::new();
    let read = std::io::Read::read_to_end(&mut reader, &mut bytes);
    let status = child
        .wait()
        .map_err(|e| fail(format!("cannot wait for sh: {e}"), String::new()))?;
    let output = String::from_utf8_lossy(&bytes).into_owned();
    if let Err(e) = read {
        return Err(fail(format!("cannot read output: {e}"), output));
    }
    if status.success() {
        Ok(())
    } else {
        Err(fail(status.to_string(), output))
    }
}
