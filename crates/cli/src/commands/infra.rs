//! `portico infra plan | apply | destroy | show | output | state list`: the
//! user's own `.tf` files, planned and applied against the store with
//! Terraform's output. Flags are accepted with one dash or two, as
//! Terraform users type them.

use super::workspace::Workspace;
use crate::context::Context;
use crate::endpoint;
use anyhow::{Result, bail};
use portico_terraform::{self as tf, Value, VarArg};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// The parsed `infra` arguments.
#[derive(Debug, Default, PartialEq)]
pub struct InfraArgs {
    pub command: String,
    pub auto_approve: bool,
    pub no_color: bool,
    pub destroy: bool,
    pub vars: Vec<VarArg>,
}

/// Parses Terraform-style arguments (`-var k=v`, `--var=k=v`, `-auto-approve`, ...).
pub fn parse(args: &[String]) -> Result<InfraArgs> {
    let mut out = InfraArgs::default();
    let mut words = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if !a.starts_with('-') {
            words.push(a.clone());
            continue;
        }
        let flag = a.trim_start_matches('-');
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (flag, None),
        };
        let mut value = |what: &str| -> Result<String> {
            match inline.clone().or_else(|| it.next().cloned()) {
                Some(v) => Ok(v),
                None => bail!("-{what} needs a value"),
            }
        };
        match name {
            "auto-approve" => out.auto_approve = true,
            "no-color" => out.no_color = true,
            "destroy" => out.destroy = true,
            "input" | "lock" | "refresh" | "compact-warnings" => {}
            "var" => out.vars.push(VarArg::Var(value("var")?)),
            "var-file" => out
                .vars
                .push(VarArg::File(PathBuf::from(value("var-file")?))),
            other => bail!(
                "unknown flag -{other} (infra takes -auto-approve, -var, -var-file, -destroy, -no-color)"
            ),
        }
    }
    out.command = words.join(" ");
    Ok(out)
}

pub async fn infra(ctx: &Context, raw: Vec<String>) -> Result<ExitCode> {
    let a = parse(&raw)?;
    let ws = Workspace::of(ctx);
    let color =
        !a.no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
    let mut store = ctx.store()?;
    let state = ws.state(&mut store)?;
    match a.command.as_str() {
        "show" => {
            print!("{}", tf::render_state(&state));
            return Ok(ExitCode::SUCCESS);
        }
        "output" => {
            print!("{}", tf::render_outputs(&state));
            return Ok(ExitCode::SUCCESS);
        }
        "state list" => {
            for addr in state.list() {
                println!("{addr}");
            }
            return Ok(ExitCode::SUCCESS);
        }
        "plan" | "apply" | "destroy" => {}
        "" => bail!("infra needs a command: plan, apply, destroy, show, output or state list"),
        other => bail!(
            "unknown infra command '{other}' (plan, apply, destroy, show, output, state list)"
        ),
    }
    if !ws.dir.is_dir() {
        bail!(
            "no {}/ directory in {} (the Terraform files go there)",
            ws.rel,
            ctx.dir.display()
        );
    }
    let fail = |e: tf::TfError| {
        eprintln!("{}", ws.error_text(&e));
        Ok(ExitCode::FAILURE)
    };
    let cfg = match ws.load(ctx, &mut store, a.vars)? {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let destroy = a.destroy || a.command == "destroy";
    let plan = match Workspace::plan(ctx, &cfg, &state, destroy) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    for w in cfg.warnings.iter().chain(plan.warnings.iter()) {
        eprintln!(
            "{}Warning:{} {w}\n",
            if color { "\x1b[33m" } else { "" },
            if color { "\x1b[0m" } else { "" }
        );
    }
    print!("{}", tf::render_plan(&plan, color));
    if a.command == "plan" || !plan.has_changes() {
        if a.command != "plan" {
            print_stages(ctx, &state);
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !a.auto_approve && !confirm(destroy)? {
        println!("\nApply cancelled.");
        return Ok(ExitCode::FAILURE);
    }
    let (new_state, steps) = match ws.apply(ctx, &mut store, &plan, &state)? {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    print!("{}", tf::render_apply(&steps, destroy));
    print!("{}", tf::render_outputs(&new_state));
    print_stages(ctx, &new_state);
    Ok(ExitCode::SUCCESS)
}

fn confirm(destroy: bool) -> Result<bool> {
    if destroy {
        println!(
            "\nDo you really want to destroy all resources?\n  Terraform will destroy all your managed infrastructure, as shown above.\n  There is no undo. Only 'yes' will be accepted to confirm.\n"
        );
    } else {
        println!(
            "\nDo you want to perform these actions?\n  Terraform will perform the actions described above.\n  Only 'yes' will be accepted to approve.\n"
        );
    }
    print!("  Enter a value: ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    println!();
    Ok(answer.trim() == "yes")
}

/// Every stage with its local invoke URL beside the AWS one.
fn print_stages(ctx: &Context, state: &tf::State) {
    let stages = state.stages();
    if stages.is_empty() {
        return;
    }
    let server = endpoint::find(ctx.global.endpoint.as_deref(), &ctx.state_dir);
    let base = server
        .clone()
        .unwrap_or_else(|| "http://127.0.0.1:4566".to_string());
    println!("\nStages served by Portico:");
    for s in stages {
        println!(
            "  {}/{}: {base}/_aws/execute-api/{}/{}/   (on AWS: {})",
            s.api_id, s.stage_name, s.api_id, s.stage_name, s.invoke_url
        );
    }
    if server.is_none() {
        println!("  (no server is running: start one with `portico serve`)");
    }
}

/// The variables Apex injected, plus `aws_account_id`.
pub(crate) fn supplied_vars(
    ctx: &Context,
    store: &mut portico_store::Store,
    env: Option<&str>,
) -> Result<tf::ValueMap> {
    let mut m = tf::ValueMap::new();
    let s = |v: &str| Value::String(v.to_string());
    m.insert("aws_region".into(), s(&ctx.scope.region));
    m.insert("aws_account_id".into(), s(&ctx.scope.account));
    m.insert("apex_environment".into(), s(env.unwrap_or("")));
    let (mut arns, mut names) = (tf::ValueMap::new(), tf::ValueMap::new());
    if let Some(p) = &ctx.project {
        if let Some(role) = p.role() {
            m.insert("apex_function_role".into(), s(role));
        }
        let tx = store.read()?;
        for f in p.functions() {
            if tx.function_exists(f.full_name())? {
                let arn = ctx.scope.function_arn(f.full_name());
                m.insert(format!("apex_function_{}", f.short_name()), s(&arn));
                m.insert(
                    format!("apex_function_{}_name", f.short_name()),
                    s(f.full_name()),
                );
                arns.insert(f.short_name().to_string(), s(&arn));
                names.insert(f.short_name().to_string(), s(f.full_name()));
            }
        }
    }
    m.insert("apex_function_arns".into(), Value::Map(arns));
    m.insert("apex_function_names".into(), Value::Map(names));
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn one_or_two_dashes() {
        let a = parse(&args(
            "apply -auto-approve -var a=1 --var=b=2 --var-file x.tfvars",
        ))
        .unwrap();
        assert_eq!(a.command, "apply");
        assert!(a.auto_approve);
        assert_eq!(
            a.vars,
            vec![
                VarArg::Var("a=1".into()),
                VarArg::Var("b=2".into()),
                VarArg::File(PathBuf::from("x.tfvars"))
            ]
        );
        assert_eq!(parse(&args("state list")).unwrap().command, "state list");
        assert!(parse(&args("plan -bogus")).is_err());
        assert!(parse(&args("plan -var")).is_err());
    }
}
