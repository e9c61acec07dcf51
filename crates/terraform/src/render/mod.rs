//! Terraform's human plan output: the action legend, one `# ADDRESS will
//! be ...` block per changed instance with `+`/`-`/`~` attribute lines in
//! alphabetical order, `=` aligned over the block's attributes, unchanged
//! attributes hidden (except `id`, `name`, `tags`), `# forces
//! replacement`, `(known after apply)`, and the summary line.

mod values;

use crate::plan::{Action, Change, Plan, same};
use crate::schema::{self, Support};
use crate::state::State;
use crate::value::Value;
use values::{Act, Colors, render_attr, render_block};

/// Renders the plan as `terraform plan` prints it (ANSI colours when `color`).
pub fn render_plan(plan: &Plan, color: bool) -> String {
    let c = Colors::new(color);
    let mut out = String::new();
    let shown: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|ch| ch.action != Action::NoOp)
        .collect();
    let outputs_changed: Vec<_> = plan
        .outputs
        .iter()
        .filter(|o| o.before.as_ref().is_none_or(|b| !same(b, &o.after)))
        .collect();
    if shown.is_empty() {
        if plan.destroy {
            out.push_str(&format!("\n{}No changes.{} No objects need to be destroyed.\n\nEither you have not created any objects yet or the existing objects were\nalready deleted outside of Terraform.\n", c.bold, c.reset));
        } else if outputs_changed.is_empty() {
            out.push_str(&format!("\n{}No changes.{} Your infrastructure matches the configuration.\n\nTerraform has compared your real infrastructure against your configuration\nand found no differences, so no changes are needed.\n", c.bold, c.reset));
        } else {
            out.push_str("\nChanges to Outputs:\n");
            render_outputs_diff(&mut out, &outputs_changed, &c);
            out.push_str("\nYou can apply this plan to save these new output values to the Terraform\nstate, without changing any real infrastructure.\n");
        }
        render_warnings(&mut out, plan, &c);
        return out;
    }
    out.push_str("\nTerraform used the selected providers to generate the following execution\nplan. Resource actions are indicated with the following symbols:\n");
    let has = |a: Action| shown.iter().any(|ch| ch.action == a);
    let legend = [
        (Action::Create, format!("  {}+{} create", c.green, c.reset)),
        (Action::Delete, format!("  {}-{} destroy", c.red, c.reset)),
        (
            Action::Update,
            format!("  {}~{} update in-place", c.yellow, c.reset),
        ),
        (
            Action::CreateThenDelete,
            format!(
                "{}+{}/{}-{} create replacement and then destroy",
                c.green, c.reset, c.red, c.reset
            ),
        ),
        (
            Action::DeleteThenCreate,
            format!(
                "{}-{}/{}+{} destroy and then create replacement",
                c.red, c.reset, c.green, c.reset
            ),
        ),
    ];
    for (a, line) in legend {
        if has(a) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out.push_str("\nTerraform will perform the following actions:\n");
    for ch in &shown {
        out.push('\n');
        render_change(&mut out, ch, &c);
    }
    out.push_str(&format!(
        "\n{}Plan:{} {} to add, {} to change, {} to destroy.\n",
        c.bold,
        c.reset,
        plan.summary().add,
        plan.summary().change,
        plan.summary().destroy
    ));
    if !outputs_changed.is_empty() {
        out.push_str("\nChanges to Outputs:\n");
        render_outputs_diff(&mut out, &outputs_changed, &c);
    }
    render_warnings(&mut out, plan, &c);
    out
}

fn render_warnings(out: &mut String, plan: &Plan, c: &Colors) {
    for w in &plan.warnings {
        out.push_str(&format!("\n{}Warning:{} {w}\n", c.yellow, c.reset));
    }
}

fn render_outputs_diff(out: &mut String, outputs: &[&crate::plan::OutputChange], c: &Colors) {
    let width = outputs.iter().map(|o| o.name.len()).max().unwrap_or(0);
    for o in outputs {
        let act = if o.before.is_none() {
            Act::Create
        } else {
            Act::Update
        };
        if o.sensitive {
            // Rendered with placeholders, then the value text replaced, as
            // Terraform never shows a sensitive output's value in a plan.
            let mut line = String::new();
            render_attr(
                &mut line,
                &o.name,
                width,
                &Value::Unknown,
                &Value::Unknown,
                act,
                0,
                false,
                c,
            );
            out.push_str(
                &line
                    .replace(
                        "(known after apply) -> (known after apply)",
                        "(sensitive value)",
                    )
                    .replace("(known after apply)", "(sensitive value)"),
            );
            continue;
        }
        render_attr(
            out,
            &o.name,
            width,
            o.before.as_ref().unwrap_or(&Value::Null),
            &o.after,
            act,
            0,
            false,
            c,
        );
    }
}

fn render_change(out: &mut String, ch: &Change, c: &Colors) {
    let what = match ch.action {
        Action::Create => "will be created",
        Action::Update => "will be updated in-place",
        Action::Delete => "will be destroyed",
        Action::DeleteThenCreate | Action::CreateThenDelete => "must be replaced",
        Action::NoOp => "",
    };
    out.push_str(&format!("{}  # {}{} {what}\n", c.bold, ch.address, c.reset));
    if let Some(r) = &ch.reason {
        out.push_str(&format!("  # ({r})\n"));
    }
    let sym = match ch.action {
        Action::Create => format!("  {}+{}", c.green, c.reset),
        Action::Delete => format!("  {}-{}", c.red, c.reset),
        Action::Update => format!("  {}~{}", c.yellow, c.reset),
        Action::DeleteThenCreate => format!("{}-{}/{}+{}", c.red, c.reset, c.green, c.reset),
        Action::CreateThenDelete => format!("{}+{}/{}-{}", c.green, c.reset, c.red, c.reset),
        Action::NoOp => "   ".into(),
    };
    let blocks: Vec<&str> = match schema::resource(&ch.ty) {
        Some(Support::Emulated(s)) => s.blocks.iter().map(|b| b.name).collect(),
        _ => vec![],
    };
    out.push_str(&format!(
        "{sym} resource \"{}\" \"{}\" {{\n",
        ch.ty, ch.name
    ));
    render_block(out, &ch.before, &ch.after, &blocks, &ch.replace_paths, 0, c);
    out.push_str("    }\n");
}

/// What `terraform apply` prints while it works, then its summary line.
pub fn render_apply(steps: &[crate::apply::AppliedChange], destroy: bool) -> String {
    use crate::apply::Op;
    let mut out = String::new();
    let (mut added, mut changed, mut destroyed) = (0, 0, 0);
    for st in steps {
        let (a, id) = (&st.address, &st.id);
        match st.op {
            Op::Created => {
                added += 1;
                out.push_str(&format!(
                    "{a}: Creating...\n{a}: Creation complete after 0s [id={id}]\n"
                ));
            }
            Op::Updated => {
                changed += 1;
                out.push_str(&format!(
                    "{a}: Modifying... [id={id}]\n{a}: Modifications complete after 0s [id={id}]\n"
                ));
            }
            Op::Destroyed => {
                destroyed += 1;
                out.push_str(&format!(
                    "{a}: Destroying... [id={id}]\n{a}: Destruction complete after 0s\n"
                ));
            }
        }
    }
    if destroy {
        out.push_str(&format!(
            "\nDestroy complete! Resources: {destroyed} destroyed.\n"
        ));
    } else {
        out.push_str(&format!("\nApply complete! Resources: {added} added, {changed} changed, {destroyed} destroyed.\n"));
    }
    out
}

/// `terraform show`: every instance with its attributes, then outputs.
pub fn render_state(state: &State) -> String {
    let c = Colors::new(false);
    let mut out = String::new();
    for (addr, inst) in &state.resources {
        out.push_str(&format!("# {addr}:\n"));
        let kw = if inst.mode == "data" {
            "data"
        } else {
            "resource"
        };
        out.push_str(&format!("{kw} \"{}\" \"{}\" {{\n", inst.ty, inst.name));
        let v = inst.value();
        let width = v.as_map().map_or(0, |m| {
            m.iter()
                .filter(|(_, x)| !values::nullish(x))
                .map(|(k, _)| k.len())
                .max()
                .unwrap_or(0)
        });
        if let Some(m) = v.as_map() {
            for (k, x) in m.iter().filter(|(_, x)| !values::nullish(x)) {
                let mut line = String::new();
                render_attr(&mut line, k, width, x, x, Act::NoOp, 0, false, &c);
                out.push_str(&line);
            }
        }
        out.push_str("}\n\n");
    }
    if !state.outputs.is_empty() {
        out.push_str("\nOutputs:\n\n");
        out.push_str(&render_outputs(state));
    }
    out
}

/// `terraform output`: `name = value` lines.
pub fn render_outputs(state: &State) -> String {
    let mut out = String::new();
    for (k, v) in &state.outputs {
        out.push_str(&format!(
            "{k} = {}\n",
            values::literal(&Value::from_json(v))
        ));
    }
    out
}
