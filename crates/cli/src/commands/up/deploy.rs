//! Deploying from `up`: Apex's deploy (build hook, zip, publish on change,
//! alias `current`), one function at a time with a progress line, after a
//! syntax check of the handler file so that a half-typed save is reported
//! here instead of answering 502 on the next request. A function that fails
//! keeps its last good version.

use super::progress::Spinner;
use crate::context::Context;
use crate::output;
use anyhow::{Context as _, Result, bail};
use portico_apex::{Function, HookKind, run_hook};
use portico_store::{CodeStore, DeployOutcome, Store};

/// The alias `up` points at what it deploys, as `portico deploy` does.
const ALIAS: &str = "current";

/// How a round of deploys went.
#[derive(Debug, Default)]
pub struct Deployed {
    /// Functions that did not exist before.
    pub created: usize,
    /// Functions that could not be deployed (their error printed).
    pub failed: usize,
}

/// Deploys the named functions (every function when `names` is empty).
/// Errors are printed, never returned: the watch loop goes on.
pub fn deploy(ctx: &Context, names: &[String]) -> Deployed {
    let mut out = Deployed::default();
    let project = match ctx.project() {
        Ok(p) => p,
        Err(e) => {
            output::error(&format!("{e:#}"));
            return out;
        }
    };
    // A function directory that was deleted names no function any more.
    let functions: Vec<&Function> = project
        .functions()
        .iter()
        .filter(|f| names.is_empty() || names.iter().any(|n| n == f.short_name()))
        .collect();
    let mut store = match ctx.store() {
        Ok(s) => s,
        Err(e) => {
            output::error(&format!("{e:#}"));
            out.failed = functions.len();
            return out;
        }
    };
    let code = CodeStore::new(&ctx.state_dir);
    let total = functions.len();
    for (i, f) in functions.iter().enumerate() {
        let name = f.short_name();
        let spinner = Spinner::start(format!("[{}/{total}] deploying {name}", i + 1));
        let result = deploy_one(&mut store, &code, f);
        spinner.finish();
        match result {
            Ok(o) => {
                if o.created {
                    out.created += 1;
                }
                crate::commands::apex::report(name, None, &o);
            }
            Err(e) => {
                out.failed += 1;
                output::error(&format!("function {name}: {e:#}"));
                output::warn(&format!(
                    "function {name}: the last good version keeps serving"
                ));
            }
        }
    }
    for f in &functions {
        if let Err(e) = run_hook(f, HookKind::Clean) {
            output::error(&format!("{e:#}"));
        }
    }
    out
}

fn deploy_one(store: &mut Store, code: &CodeStore, f: &Function) -> Result<DeployOutcome> {
    check_syntax(f)?;
    run_hook(f, HookKind::Build)?;
    let pkg = f.package()?;
    run_hook(f, HookKind::Deploy)?;
    let sha = code.put(&pkg.bytes)?;
    let tx = store.write()?;
    let o = tx.deploy(
        &f.config(),
        &sha,
        pkg.size,
        ALIAS,
        Some(f.retained_versions()),
    )?;
    tx.commit()?;
    Ok(o)
}

/// Parses the handler's file with the function's own interpreter, when the
/// runtime has one and the file is there (a build hook may create it).
fn check_syntax(f: &Function) -> Result<()> {
    let cfg = f.config();
    let module = cfg.handler.rsplit_once('.').map(|(m, _)| m).unwrap_or("");
    let (file, program, args): (_, &str, Vec<String>) = if cfg.runtime.starts_with("nodejs") {
        let file = ["js", "cjs", "mjs"]
            .iter()
            .map(|ext| f.dir().join(format!("{module}.{ext}")))
            .find(|p| p.is_file());
        (file, "node", vec!["--check".into()])
    } else if cfg.runtime.starts_with("python") {
        let file = Some(f.dir().join(format!("{module}.py"))).filter(|p| p.is_file());
        let code = "import ast,sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])";
        (file, "python3", vec!["-c".into(), code.into()])
    } else {
        return Ok(());
    };
    let Some(file) = file else { return Ok(()) };
    let out = match std::process::Command::new(program)
        .args(&args)
        .arg(&file)
        .current_dir(f.dir())
        .output()
    {
        Ok(o) => o,
        // No interpreter here: the runtime will say so at the first invoke.
        Err(_) => return Ok(()),
    };
    if out.status.success() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&out.stderr);
    let text = text.trim();
    if text.is_empty() {
        bail!("{} does not parse", file.display());
    }
    Err(anyhow::anyhow!("{text}")).with_context(|| format!("{} does not parse", file.display()))
}
