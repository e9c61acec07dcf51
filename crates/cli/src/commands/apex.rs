//! The Apex workflow over the store: deploy, list, rollback, alias, delete,
//! build, exec. Every write is one transaction per function.

use crate::cli::{AliasArgs, BuildArgs, DeleteArgs, DeployArgs, ExecArgs, ListArgs, RollbackArgs};
use crate::context::Context;
use crate::output;
use anyhow::{Context as _, Result, bail};
use portico_apex::{Function, HookKind, run_hook};
use portico_model::{LATEST, Qualifier};
use portico_store::CodeStore;
use std::io::{BufRead, Write};
use std::process::ExitCode;

pub fn deploy(ctx: &Context, a: DeployArgs) -> Result<ExitCode> {
    let mut project = ctx.project()?.clone();
    let env_file = match &a.env_file {
        Some(p) => portico_apex::parse_env_file(&ctx.dir.join(p))?,
        None => Default::default(),
    };
    let set = portico_apex::parse_set_flags(&a.set)?;
    project.apply_env_overrides(&env_file, &set);
    let functions = project.select(&a.names)?;
    portico_model::validate_alias_name(&a.alias)?;
    let mut store = ctx.store()?;
    let code = CodeStore::new(&ctx.state_dir);
    let mut warned = std::collections::BTreeSet::new();
    for f in &functions {
        let name = f.short_name();
        let cfg = f.config();
        if warned.insert(cfg.runtime.clone())
            && let Some(w) = runtime_mismatch(&cfg.runtime)
        {
            output::warn(&w);
        }
        run_hook(f, HookKind::Build)?;
        let pkg = f.package().with_context(|| format!("function {name}"))?;
        run_hook(f, HookKind::Deploy)?;
        let sha = code.put(&pkg.bytes)?;
        let tx = store.write()?;
        let o = tx.deploy(&cfg, &sha, pkg.size, &a.alias, Some(f.retained_versions()))?;
        tx.commit()?;
        report(name, Some(&cfg.name), &o);
        output::info(
            &format!("alias {}", a.alias),
            &[("function", name), ("version", &o.version)],
        );
        for p in &o.pruned {
            output::info("deleted old version", &[("function", name), ("version", p)]);
        }
    }
    for f in &functions {
        run_hook(f, HookKind::Clean)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Apex's line for one deployed function; `full_name` is shown on creation.
pub(crate) fn report(name: &str, full_name: Option<&str>, o: &portico_store::DeployOutcome) {
    let v = o.version.as_str();
    if o.created {
        let mut fields = vec![("function", name)];
        if let Some(full) = full_name {
            fields.push(("name", full));
        }
        fields.push(("version", v));
        output::info("function created", &fields);
    } else if !o.published {
        output::info("unchanged", &[("function", name), ("version", v)]);
    } else {
        let what = match (o.config_changed, o.code_changed) {
            (true, true) => "config and code",
            (true, false) => "config",
            _ => "code",
        };
        output::info(
            "function updated",
            &[("function", name), ("changed", what), ("version", v)],
        );
    }
}

/// Says when the machine's node/python3 differs from the function's runtime.
fn runtime_mismatch(runtime: &str) -> Option<String> {
    let (cmd, want) = if let Some(v) = runtime.strip_prefix("nodejs") {
        ("node", v.trim_end_matches(".x").to_string())
    } else if let Some(v) = runtime.strip_prefix("python") {
        ("python3", v.to_string())
    } else {
        return None;
    };
    let out = std::process::Command::new(cmd)
        .arg("--version")
        .output()
        .ok()?;
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let have = text
        .trim()
        .trim_start_matches('v')
        .trim_start_matches("Python ")
        .to_string();
    let matches = have == want || have.starts_with(&format!("{want}."));
    (!matches).then(|| format!("{runtime} functions run on this machine's {cmd} {have}"))
}

pub fn list(ctx: &Context, a: ListArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let functions = project.select(&a.names)?;
    let mut store = ctx.store()?;
    let tx = store.read()?;
    if a.tfvars {
        let mut entries = Vec::new();
        for f in &functions {
            if tx.function_exists(f.full_name())? {
                entries.push(portico_apex::TfvarsEntry {
                    short_name: f.short_name().to_string(),
                    full_name: f.full_name().to_string(),
                    arn: ctx.scope.function_arn(f.full_name()),
                });
            }
        }
        print!("{}", portico_apex::render_tfvars(&entries)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!();
    for f in &functions {
        let cfg = f.config();
        match tx.function(f.full_name())? {
            None => println!("  {} (not deployed)", f.short_name()),
            Some(rec) => {
                println!("  {}", f.short_name());
                println!("    description: {}", cfg.description);
                println!("    runtime: {}", rec.latest.config.runtime);
                println!("    memory: {}mb", rec.latest.config.memory_mb);
                println!("    timeout: {}s", rec.latest.config.timeout_s);
                println!("    role: {}", rec.latest.config.role);
                println!("    handler: {}", rec.latest.config.handler);
                println!(
                    "    arn: {}",
                    ctx.scope.qualified_arn(f.full_name(), Some("current"))
                );
                let aliases: Vec<String> = rec
                    .aliases
                    .iter()
                    .map(|a| format!("{}@v{}", a.name, a.function_version))
                    .collect();
                println!(
                    "    aliases: {}",
                    if aliases.is_empty() {
                        "<none>".to_string()
                    } else {
                        aliases.join(", ")
                    }
                );
                let versions: Vec<String> = rec.versions.iter().map(u64::to_string).collect();
                println!("    versions: {}", versions.join(", "));
            }
        }
        println!();
    }
    Ok(ExitCode::SUCCESS)
}

/// Apex's rollback: with no version, an alias at the newest version moves to
/// the previous one, otherwise to the newest; `-v N` moves it to N.
pub fn rollback(ctx: &Context, a: RollbackArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let mut store = ctx.store()?;
    for f in project.select(&a.names)? {
        let name = f.full_name();
        let tx = store.write()?;
        let alias = tx.alias(name, &a.alias)?.with_context(|| {
            format!(
                "function {}: alias {} does not exist",
                f.short_name(),
                a.alias
            )
        })?;
        let versions = tx.published_versions(name)?;
        let target = match &a.version {
            Some(v) => {
                if *v == alias.function_version {
                    bail!(
                        "function {}: version {v} is already the current one",
                        f.short_name()
                    );
                }
                v.clone()
            }
            None => {
                if versions.len() < 2 {
                    bail!("function {}: Only one version deployed", f.short_name());
                }
                let newest = versions[versions.len() - 1].to_string();
                if alias.function_version == newest {
                    versions[versions.len() - 2].to_string()
                } else {
                    newest
                }
            }
        };
        tx.set_alias(name, &a.alias, &target, None)
            .with_context(|| {
                format!(
                    "function {}: version {target} does not exist",
                    f.short_name()
                )
            })?;
        tx.commit()?;
        output::info(
            "rolled back",
            &[
                ("function", f.short_name()),
                ("alias", &a.alias),
                ("version", &target),
            ],
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Creates or moves an alias; `-v` takes a version or another alias (promotion).
pub fn alias(ctx: &Context, a: AliasArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    portico_model::validate_alias_name(&a.alias)?;
    let mut store = ctx.store()?;
    for f in project.select(&a.names)? {
        let name = f.full_name();
        let tx = store.write()?;
        let version = match Qualifier::parse(&a.version) {
            Qualifier::Version(n) => n.to_string(),
            Qualifier::Latest => LATEST.to_string(),
            Qualifier::Alias(other) => {
                tx.alias(name, &other)?
                    .with_context(|| {
                        format!("function {}: alias {other} does not exist", f.short_name())
                    })?
                    .function_version
            }
        };
        tx.set_alias(name, &a.alias, &version, None)
            .with_context(|| {
                format!(
                    "function {}: version {version} does not exist",
                    f.short_name()
                )
            })?;
        tx.commit()?;
        output::info(
            &format!("alias {}", a.alias),
            &[("function", f.short_name()), ("version", &version)],
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn delete(ctx: &Context, a: DeleteArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let functions: Vec<&Function> = project.select(&a.names)?;
    let mut store = ctx.store()?;
    if !a.force {
        for f in &functions {
            println!("  - {}", f.full_name());
        }
        print!("Are you sure? (yes/no) ");
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if answer.trim() != "yes" {
            println!("Aborted.");
            return Ok(ExitCode::FAILURE);
        }
    }
    for f in functions {
        let tx = store.write()?;
        if !tx.function_exists(f.full_name())? {
            output::info("not deployed", &[("function", f.short_name())]);
            continue;
        }
        tx.delete_function(f.full_name())?;
        tx.commit()?;
        output::info("function deleted", &[("function", f.short_name())]);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn build(ctx: &Context, a: BuildArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let functions = project.select(std::slice::from_ref(&a.name))?;
    let Some(f) = functions.first() else {
        bail!("no function loaded")
    };
    run_hook(f, HookKind::Build)?;
    let pkg = f.package()?;
    std::io::stdout().write_all(&pkg.bytes)?;
    run_hook(f, HookKind::Clean)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs a command with `apex_environment`, `apex_function_role` and
/// `apex_function_NAME=ARN` in its environment, as Apex's exec did.
pub fn exec(ctx: &Context, a: ExecArgs) -> Result<ExitCode> {
    let project = ctx.project()?;
    let Some((prog, args)) = a.command.split_first() else {
        bail!("exec needs a command")
    };
    let mut cmd = std::process::Command::new(prog);
    cmd.args(args).current_dir(
        a.dir
            .as_ref()
            .map(|d| ctx.dir.join(d))
            .unwrap_or_else(|| ctx.dir.clone()),
    );
    cmd.env(
        "apex_environment",
        ctx.global.env.clone().unwrap_or_default(),
    );
    if let Some(role) = project.role() {
        cmd.env("apex_function_role", role);
    }
    let mut store = ctx.store()?;
    let tx = store.read()?;
    for f in project.functions() {
        if tx.function_exists(f.full_name())? {
            cmd.env(
                format!("apex_function_{}", f.short_name()),
                ctx.scope.function_arn(f.full_name()),
            );
        }
    }
    let status = cmd.status().with_context(|| format!("running {prog}"))?;
    Ok(ExitCode::from(
        status.code().unwrap_or(1).clamp(0, 255) as u8
    ))
}
