//! Applying a plan, all or nothing: the caller gets a new state only when
//! every step succeeded (its [`Effects`] run in one transaction).
//!
//! Order, as Terraform's graph gives it: (1) destroy-then-create
//! replacements and orphans nothing still depends on are destroyed,
//! dependents first; (2) the configuration is walked in dependency order,
//! re-evaluated with the values now known, creating and updating; (3)
//! objects replaced create-before-destroy and remaining orphans are
//! destroyed, dependents first.

use crate::body::{eval_body, eval_free};
use crate::effects::Effects;
use crate::error::TfError;
use crate::expr::Evaluator;
use crate::funcs::FuncCtx;
use crate::ids::IdGen;
use crate::load::Mode;
use crate::plan::{Action, Change, Plan};
use crate::provider::{self, Ctx};
use crate::schema::{self, Support};
use crate::state::{Instance, Source, State};
use crate::value::Value;
use crate::walk::{self, Handler, InstanceCtx};
use std::collections::{HashMap, HashSet};

/// Apply options.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Seed for generated ids (mixed with the state serial, so successive
    /// applies with one seed still differ).
    pub seed: u64,
    /// The time `timestamp()` returns and `created_date` records (RFC 3339).
    pub now: String,
}

/// What an apply did to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Created.
    Created,
    /// Updated in place.
    Updated,
    /// Destroyed.
    Destroyed,
}

/// One step of an apply, in the order performed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedChange {
    /// Instance address.
    pub address: String,
    /// What was done.
    pub op: Op,
    /// The object's id (`[id=...]` in Terraform's output).
    pub id: String,
}

/// Applies `plan` (made against `state`); returns the new state and the steps.
pub fn apply(
    plan: &Plan,
    state: &State,
    effects: &mut dyn Effects,
    opts: &ApplyOptions,
) -> Result<(State, Vec<AppliedChange>), TfError> {
    if plan.prior_serial != state.serial {
        return Err(TfError::new(
            "Saved plan is stale",
            "The given plan was created for a different state (serial number). Run plan again.",
        ));
    }
    let mut ids = IdGen::new(opts.seed ^ state.serial.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut new = state.clone();
    let mut done = vec![];
    let by_addr: HashMap<&str, &Change> = plan
        .changes
        .iter()
        .map(|c| (c.address.as_str(), c))
        .collect();
    let surviving: HashSet<String> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::Delete)
        .map(|c| base(&c.address).to_string())
        .collect();
    let orphan_needed: HashSet<String> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::Delete)
        .filter_map(|c| state.resources.get(&c.address))
        .flat_map(|i| i.dependencies.clone())
        .collect();
    let early: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| {
            c.action == Action::DeleteThenCreate
                || (c.action == Action::Delete
                    && !orphan_needed.contains(base(&c.address))
                    && !surviving.contains(base(&c.address)))
        })
        .collect();
    let early_set: HashSet<&str> = early.iter().map(|c| c.address.as_str()).collect();
    for c in destroy_order(&early, state) {
        destroy(
            plan, &mut new, effects, &mut ids, opts, c, &c.before, &mut done,
        )?;
        new.resources.remove(&c.address);
    }
    let funcs = FuncCtx::for_apply(
        plan.config.root_dir.clone(),
        opts.now.clone(),
        ids.next_u64(),
    );
    let outputs = if plan.destroy {
        Default::default()
    } else {
        let mut a = Applier {
            plan,
            by_addr: &by_addr,
            state: &mut new,
            effects: &mut *effects,
            ids: &mut ids,
            opts,
            done: &mut done,
            deposed: vec![],
            read: HashSet::new(),
        };
        let outputs = walk::run(&plan.config, &plan.graph, &funcs, &mut a)?;
        let Applier { deposed, read, .. } = a;
        new.resources
            .retain(|addr, i| i.mode != "data" || read.contains(addr));
        let late: Vec<&Change> = plan
            .changes
            .iter()
            .filter(|c| c.action == Action::Delete && !early_set.contains(c.address.as_str()))
            .collect();
        for c in destroy_order(&late, state) {
            destroy(
                plan, &mut new, effects, &mut ids, opts, c, &c.before, &mut done,
            )?;
            new.resources.remove(&c.address);
        }
        let deposed_changes: Vec<&Change> = deposed
            .iter()
            .filter_map(|(a, _)| by_addr.get(a.as_str()).copied())
            .collect();
        for c in destroy_order(&deposed_changes, state) {
            destroy(
                plan, &mut new, effects, &mut ids, opts, c, &c.before, &mut done,
            )?;
        }
        outputs
    };
    if plan.destroy {
        let all: Vec<&Change> = plan
            .changes
            .iter()
            .filter(|c| c.action == Action::Delete && !early_set.contains(c.address.as_str()))
            .collect();
        for c in destroy_order(&all, state) {
            destroy(
                plan, &mut new, effects, &mut ids, opts, c, &c.before, &mut done,
            )?;
            new.resources.remove(&c.address);
        }
        new.resources.clear();
    }
    new.outputs = outputs
        .iter()
        .filter(|(_, v)| !v.has_unknown())
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect();
    if !done.is_empty() || new.outputs != state.outputs || new.resources != state.resources {
        new.serial = state.serial + 1;
    }
    Ok((new, done))
}

fn base(addr: &str) -> &str {
    addr.split('[').next().unwrap_or(addr)
}

/// Dependents before their dependencies (by the state's recorded dependencies).
fn destroy_order<'a>(list: &[&'a Change], state: &State) -> Vec<&'a Change> {
    let mut left: Vec<&Change> = list.to_vec();
    let mut out = vec![];
    while !left.is_empty() {
        let pos =
            left.iter()
                .position(|c| {
                    !left.iter().any(|other| {
                        other.address != c.address
                            && state.resources.get(&other.address).is_some_and(|i| {
                                i.dependencies.iter().any(|d| d == base(&c.address))
                            })
                    })
                })
                .unwrap_or(0);
        out.push(left.remove(pos));
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn destroy(
    plan: &Plan,
    new: &mut State,
    effects: &mut dyn Effects,
    ids: &mut IdGen,
    opts: &ApplyOptions,
    c: &Change,
    before: &Value,
    done: &mut Vec<AppliedChange>,
) -> Result<(), TfError> {
    if c.emulated {
        let mut ctx = Ctx {
            state: new,
            effects,
            ids,
            region: &plan.opts.region,
            account: &plan.opts.account,
            now: &opts.now,
            root_dir: plan.config.root_dir.clone(),
        };
        provider::delete(&mut ctx, &c.ty, before).map_err(|m| step_error("deleting", c, m))?;
    }
    done.push(AppliedChange {
        address: c.address.clone(),
        op: Op::Destroyed,
        id: before.get_str("id").to_string(),
    });
    Ok(())
}

fn step_error(verb: &str, c: &Change, msg: String) -> TfError {
    let mut e = TfError::new(
        format!("{verb} {}: {msg}", c.ty),
        format!(
            "Applying {} failed; nothing was changed (the whole apply was rolled back).",
            c.address
        ),
    )
    .with_address(&c.address);
    if let Some(l) = &c.loc {
        e = e.at(l);
    }
    e
}

struct Applier<'a> {
    plan: &'a Plan,
    by_addr: &'a HashMap<&'a str, &'a Change>,
    state: &'a mut State,
    effects: &'a mut dyn Effects,
    ids: &'a mut IdGen,
    opts: &'a ApplyOptions,
    done: &'a mut Vec<AppliedChange>,
    deposed: Vec<(String, Instance)>,
    read: HashSet<String>,
}

impl Handler for Applier<'_> {
    fn instance(&mut self, ic: &InstanceCtx<'_>, ev: &mut Evaluator<'_>) -> Result<Value, TfError> {
        let b = ic.block;
        let source = Source {
            file: b.loc.file.clone(),
            line: b.loc.line,
            address: ic.address.clone(),
        };
        if b.mode == Mode::Data {
            let v = crate::plan::read_data(&self.plan.config, &self.plan.opts, ic, ev)
                .map_err(|e| e.at(&b.loc).with_address(&ic.address))?;
            self.read.insert(ic.address.clone());
            self.state.resources.insert(
                ic.address.clone(),
                instance("data", b, ic, v.to_json(), source, None),
            );
            return Ok(v);
        }
        let c = self
            .by_addr
            .get(ic.address.as_str())
            .copied()
            .ok_or_else(|| {
                TfError::new(
                    "Configuration changed since the plan",
                    format!("{} is not in the plan; run plan again.", ic.address),
                )
                .at(&b.loc)
            })?;
        let prior = self.state.resources.get(&ic.address).map(Instance::value);
        let (verb, prior_arg) = match c.action {
            Action::NoOp => return Ok(prior.unwrap_or(Value::Null)),
            Action::Update => ("updating", prior.as_ref()),
            Action::Create | Action::DeleteThenCreate | Action::CreateThenDelete => {
                ("creating", None)
            }
            Action::Delete => return Ok(Value::Null),
        };
        let cfg = match schema::resource(&b.ty) {
            Some(Support::Emulated(s)) => eval_body(
                &self.plan.config,
                b.file,
                &b.loc,
                ev,
                &b.body,
                s.attrs,
                s.blocks,
            )?,
            _ => eval_free(&self.plan.config, b.file, ev, &b.body)?,
        };
        let cfg = ignore_changes(b, cfg, prior_arg);
        let mut ctx = Ctx {
            state: self.state,
            effects: &mut *self.effects,
            ids: &mut *self.ids,
            region: &self.plan.opts.region,
            account: &self.plan.opts.account,
            now: &self.opts.now,
            root_dir: self.plan.config.root_dir.clone(),
        };
        let applied =
            provider::put(&mut ctx, &b.ty, &cfg, prior_arg).map_err(|m| step_error(verb, c, m))?;
        let v = Value::Map(applied.attrs);
        if let (Action::CreateThenDelete, Some(old)) =
            (c.action, self.state.resources.get(&ic.address))
        {
            self.deposed.push((ic.address.clone(), old.clone()));
        }
        let mut inst = instance("managed", b, ic, v.to_json(), source, applied.private);
        inst.create_before_destroy = c.create_before_destroy;
        self.state.resources.insert(ic.address.clone(), inst);
        let op = if c.action == Action::Update {
            Op::Updated
        } else {
            Op::Created
        };
        self.done.push(AppliedChange {
            address: ic.address.clone(),
            op,
            id: v.get_str("id").to_string(),
        });
        Ok(v)
    }
}

/// Arguments under `ignore_changes` keep their prior value on update.
fn ignore_changes(
    b: &crate::load::ResourceBlock,
    mut cfg: crate::value::Map,
    prior: Option<&Value>,
) -> crate::value::Map {
    let Some(p) = prior else { return cfg };
    match &b.lifecycle.ignore_changes {
        crate::load::IgnoreChanges::None => {}
        crate::load::IgnoreChanges::All => {
            for (k, v) in cfg.iter_mut() {
                *v = p.get(k).clone();
            }
        }
        crate::load::IgnoreChanges::Names(n) => {
            for k in n {
                cfg.insert(k.clone(), p.get(k).clone());
            }
        }
    }
    cfg
}

fn instance(
    mode: &str,
    b: &crate::load::ResourceBlock,
    ic: &InstanceCtx<'_>,
    attributes: serde_json::Value,
    source: Source,
    private: Option<serde_json::Value>,
) -> Instance {
    Instance {
        mode: mode.into(),
        ty: b.ty.clone(),
        name: b.name.clone(),
        module: ic.module.to_string(),
        attributes,
        dependencies: ic.deps.to_vec(),
        create_before_destroy: b.lifecycle.create_before_destroy,
        source,
        private,
    }
}
