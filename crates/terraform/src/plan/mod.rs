//! Planning: one walk over the configuration that evaluates every
//! instance, diffs it against the state and records a [`Change`]; then
//! orphans (state entries no longer configured) are destroyed, lifecycle
//! rules applied, and Portico's own warnings added (stale stages, types
//! that are recorded but not emulated).

mod diff;
mod stale;

pub(crate) use diff::same;

use crate::body::{eval_body, eval_free};
use crate::error::{Loc, TfError};
use crate::expr::Evaluator;
use crate::funcs::FuncCtx;
use crate::graph::Graph;
use crate::load::{Config, Mode};
use crate::schema::{self, Support};
use crate::state::State;
use crate::suggest::did_you_mean;
use crate::value::{Map, Value};
use crate::walk::{self, Handler, InstanceCtx};

/// What happens to an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing.
    NoOp,
    /// Created.
    Create,
    /// Updated in place.
    Update,
    /// Destroyed, then created again (the default for replacements).
    DeleteThenCreate,
    /// Created again, then the old one destroyed (`create_before_destroy`).
    CreateThenDelete,
    /// Destroyed.
    Delete,
}

impl Action {
    /// Whether this action creates an object.
    pub fn creates(self) -> bool {
        matches!(
            self,
            Action::Create | Action::DeleteThenCreate | Action::CreateThenDelete
        )
    }
    /// Whether this action destroys an object.
    pub fn deletes(self) -> bool {
        matches!(
            self,
            Action::Delete | Action::DeleteThenCreate | Action::CreateThenDelete
        )
    }
}

/// One planned instance change (no-ops included, so apply knows every instance).
#[derive(Debug, Clone)]
pub struct Change {
    /// Full instance address.
    pub address: String,
    /// Managed or data.
    pub mode: Mode,
    /// Resource type.
    pub ty: String,
    /// Resource name.
    pub name: String,
    /// Module prefix.
    pub module: String,
    /// What happens.
    pub action: Action,
    /// Prior attributes (null when creating).
    pub before: Value,
    /// Planned attributes (null when destroying).
    pub after: Value,
    /// Attributes forcing replacement.
    pub replace_paths: Vec<String>,
    /// Why it is destroyed, when it is an orphan.
    pub reason: Option<String>,
    /// Where it is declared.
    pub loc: Option<Loc>,
    /// Resource addresses it depends on.
    pub deps: Vec<String>,
    /// `create_before_destroy` (possibly inherited from a dependent).
    pub create_before_destroy: bool,
    /// Whether Portico emulates the type (else it is only recorded).
    pub emulated: bool,
}

/// A root output's change.
#[derive(Debug, Clone)]
pub struct OutputChange {
    /// Output name.
    pub name: String,
    /// Value in the state, if any.
    pub before: Option<Value>,
    /// Planned value (may be unknown).
    pub after: Value,
    /// Declared `sensitive = true`: rendered as `(sensitive value)`.
    pub sensitive: bool,
}

/// Plan options.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    /// Plan the destruction of everything in the state.
    pub destroy: bool,
    /// Region (`aws_region` data source, ARNs, invoke URLs).
    pub region: String,
    /// Account id.
    pub account: String,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            destroy: false,
            region: "us-east-1".into(),
            account: "000000000000".into(),
        }
    }
}

/// `Plan: X to add, Y to change, Z to destroy.`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Objects created (replacements count).
    pub add: usize,
    /// Objects updated in place.
    pub change: usize,
    /// Objects destroyed (replacements count).
    pub destroy: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Plan: {} to add, {} to change, {} to destroy.",
            self.add, self.change, self.destroy
        )
    }
}

/// A plan: the changes, output changes and warnings, plus what apply needs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Every instance, in address order.
    pub changes: Vec<Change>,
    /// Root outputs.
    pub outputs: Vec<OutputChange>,
    /// Warnings to show after the plan.
    pub warnings: Vec<String>,
    /// Whether this is a destroy plan.
    pub destroy: bool,
    pub(crate) config: Config,
    pub(crate) graph: Graph,
    pub(crate) opts: PlanOptions,
    pub(crate) prior_serial: u64,
}

impl Plan {
    /// Counts as Terraform's summary line does.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            match c.action {
                Action::Create => s.add += 1,
                Action::Update => s.change += 1,
                Action::Delete => s.destroy += 1,
                Action::DeleteThenCreate | Action::CreateThenDelete => {
                    s.add += 1;
                    s.destroy += 1;
                }
                Action::NoOp => {}
            }
        }
        s
    }

    /// Whether anything (resources or outputs) would change.
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp)
            || self
                .outputs
                .iter()
                .any(|o| o.before.as_ref().is_none_or(|b| !same(b, &o.after)))
    }
}

/// Plans `cfg` against `state`.
pub fn plan(cfg: &Config, state: &State, opts: &PlanOptions) -> Result<Plan, TfError> {
    let graph = Graph::build(cfg)?;
    let funcs = FuncCtx::for_plan(cfg.root_dir.clone());
    let mut p = Planner {
        cfg,
        state,
        opts,
        changes: vec![],
        warnings: cfg.warnings.clone(),
        seen: Default::default(),
    };
    let outputs = if opts.destroy {
        Map::new()
    } else {
        walk::run(cfg, &graph, &funcs, &mut p)?
    };
    let Planner {
        mut changes,
        mut warnings,
        seen,
        ..
    } = p;
    for (addr, inst) in &state.resources {
        if inst.mode != "managed" || (seen.contains(addr) && !opts.destroy) {
            continue;
        }
        let res_addr = inst.resource_address();
        let configured = cfg.modules.iter().any(|m| {
            m.resources
                .iter()
                .any(|r| format!("{}{}", m.prefix, r.local_address()) == res_addr)
        });
        let reason = if opts.destroy {
            None
        } else if configured {
            Some(format!(
                "because index {} is out of range for count",
                addr.trim_start_matches(&res_addr)
            ))
        } else {
            Some(format!("because {res_addr} is not in configuration"))
        };
        changes.push(Change {
            address: addr.clone(),
            mode: Mode::Managed,
            ty: inst.ty.clone(),
            name: inst.name.clone(),
            module: inst.module.clone(),
            action: Action::Delete,
            before: inst.value(),
            after: Value::Null,
            replace_paths: vec![],
            reason,
            loc: Some(Loc {
                file: inst.source.file.clone(),
                line: inst.source.line,
            }),
            deps: inst.dependencies.clone(),
            create_before_destroy: inst.create_before_destroy,
            emulated: matches!(schema::resource(&inst.ty), Some(Support::Emulated(_))),
        });
    }
    changes.sort_by(|a, b| a.address.cmp(&b.address));
    propagate_cbd(&mut changes);
    check_prevent_destroy(cfg, &changes)?;
    let outputs: Vec<OutputChange> = outputs
        .into_iter()
        .map(|(name, after)| OutputChange {
            before: state.outputs.get(&name).map(Value::from_json),
            sensitive: cfg.modules[0]
                .outputs
                .iter()
                .any(|o| o.name == name && o.sensitive),
            name,
            after,
        })
        .collect();
    if !opts.destroy {
        warnings.extend(stale::stale_stage_warnings(state, &changes));
        warnings.extend(region_warnings(cfg, opts));
    }
    Ok(Plan {
        changes,
        outputs,
        warnings,
        destroy: opts.destroy,
        config: cfg.clone(),
        graph,
        opts: opts.clone(),
        prior_serial: state.serial,
    })
}

/// A replaced dependency of a `create_before_destroy` resource is also
/// replaced create-before-destroy, as Terraform enforces.
fn propagate_cbd(changes: &mut [Change]) {
    loop {
        let cbd: Vec<String> = changes
            .iter()
            .filter(|c| c.create_before_destroy && c.action != Action::NoOp)
            .flat_map(|c| c.deps.clone())
            .collect();
        let mut moved = false;
        for c in changes.iter_mut() {
            let addr = c
                .address
                .split('[')
                .next()
                .unwrap_or(&c.address)
                .to_string();
            if cbd.contains(&addr) && !c.create_before_destroy {
                c.create_before_destroy = true;
                if c.action == Action::DeleteThenCreate {
                    c.action = Action::CreateThenDelete;
                }
                moved = true;
            }
        }
        if !moved {
            return;
        }
    }
}

fn check_prevent_destroy(cfg: &Config, changes: &[Change]) -> Result<(), TfError> {
    for c in changes.iter().filter(|c| c.action.deletes()) {
        let base = c.address.split('[').next().unwrap_or(&c.address);
        for m in &cfg.modules {
            for r in m.resources.iter().filter(|r| r.lifecycle.prevent_destroy) {
                if format!("{}{}", m.prefix, r.local_address()) == base {
                    return Err(TfError::new(
                        "Instance cannot be destroyed",
                        format!("Resource {} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed. To avoid this error and continue with the plan, either disable lifecycle.prevent_destroy or reduce the scope of the plan.", c.address),
                    )
                    .at(&r.loc)
                    .with_address(&c.address));
                }
            }
        }
    }
    Ok(())
}

fn region_warnings(cfg: &Config, opts: &PlanOptions) -> Vec<String> {
    let mut out = vec![];
    let f = FuncCtx::for_plan(cfg.root_dir.clone());
    let sc = crate::expr::EmptyScope;
    for (e, loc) in &cfg.modules[0].provider_regions {
        let v = match e {
            hcl_edit::expr::Expression::String(_)
            | hcl_edit::expr::Expression::StringTemplate(_) => Evaluator::new(&sc, &f).eval(e).ok(),
            hcl_edit::expr::Expression::Traversal(_) => {
                let mut r = vec![];
                crate::refs::expr_refs(e, &mut r);
                r.first()
                    .filter(|r| r.root == "var")
                    .and_then(|r| cfg.root_vars.get(r.a1.as_deref().unwrap_or("")))
                    .cloned()
            }
            _ => None,
        };
        if let Some(Value::String(region)) = v
            && region != opts.region
        {
            {
                out.push(format!("Provider region differs from the project's\n\n  on {loc}:\n\nThe provider \"aws\" block sets region \"{region}\", but Portico runs this project in \"{}\"; ARNs and invoke URLs use \"{}\".", opts.region, opts.region));
            }
        }
    }
    out
}

struct Planner<'a> {
    cfg: &'a Config,
    state: &'a State,
    opts: &'a PlanOptions,
    changes: Vec<Change>,
    warnings: Vec<String>,
    seen: std::collections::HashSet<String>,
}

impl Handler for Planner<'_> {
    fn instance(&mut self, ic: &InstanceCtx<'_>, ev: &mut Evaluator<'_>) -> Result<Value, TfError> {
        let b = ic.block;
        let err_at = |e: TfError| e.at(&b.loc).with_address(&ic.address);
        if b.mode == Mode::Data {
            return read_data(self.cfg, self.opts, ic, ev).map_err(err_at);
        }
        self.seen.insert(ic.address.clone());
        let prior = self.state.resources.get(&ic.address).map(|i| i.value());
        let (action, after, replace_paths, emulated) = match schema::resource(&b.ty) {
            None => {
                let hint = did_you_mean(&b.ty, schema::all_resource_types())
                    .map(|s| format!(" Did you mean \"{s}\"?"))
                    .unwrap_or_default();
                return Err(err_at(TfError::new(
                    "Invalid resource type",
                    format!(
                        "The provider hashicorp/aws does not support resource type \"{}\".{hint}",
                        b.ty
                    ),
                )));
            }
            Some(Support::Emulated(s)) => {
                let cfg = eval_body(self.cfg, b.file, &b.loc, ev, &b.body, s.attrs, s.blocks)
                    .map_err(err_at)?;
                crate::provider::validate(self.cfg, b, &cfg).map_err(err_at)?;
                let d = diff::plan_instance(s, &b.ty, &cfg, prior.as_ref(), &b.lifecycle);
                (d.action, d.after, d.replace_paths, true)
            }
            Some(Support::RecordedOnly) => {
                let mut cfg = eval_free(self.cfg, b.file, ev, &b.body).map_err(err_at)?;
                self.warnings.push(format!("Resource type not emulated\n\n  on {}:\n\nPortico records {} in its state but does not emulate {} resources: nothing is created locally.", b.loc, ic.address, b.ty));
                match &prior {
                    None => {
                        cfg.insert("id".into(), Value::Unknown);
                        (Action::Create, Value::Map(cfg), vec![], false)
                    }
                    Some(p) => {
                        let changed = cfg.iter().any(|(k, v)| !same(v, p.get(k)));
                        if changed {
                            cfg.insert("id".into(), p.get("id").clone());
                            (Action::Update, Value::Map(cfg), vec![], false)
                        } else {
                            (Action::NoOp, p.clone(), vec![], false)
                        }
                    }
                }
            }
        };
        self.changes.push(Change {
            address: ic.address.clone(),
            mode: Mode::Managed,
            ty: b.ty.clone(),
            name: b.name.clone(),
            module: ic.module.to_string(),
            action,
            before: prior.unwrap_or(Value::Null),
            after: after.clone(),
            replace_paths,
            reason: None,
            loc: Some(b.loc.clone()),
            deps: ic.deps.to_vec(),
            create_before_destroy: b.lifecycle.create_before_destroy,
            emulated,
        });
        Ok(after)
    }
}

/// Reads a data source now, or marks its results unknown when its
/// arguments are not known yet (it is then read during apply).
pub(crate) fn read_data(
    cfg: &Config,
    opts: &PlanOptions,
    ic: &InstanceCtx<'_>,
    ev: &mut Evaluator<'_>,
) -> Result<Value, TfError> {
    let b = ic.block;
    let s = match schema::data_source(&b.ty) {
        Some(s) => s,
        None if schema::is_known_data_type(&b.ty) => {
            return Err(TfError::new(
                "Data source not supported",
                format!(
                    "Portico cannot read data source \"{}\" yet; it reads aws_caller_identity, aws_region, aws_partition, aws_iam_policy_document and archive_file.",
                    b.ty
                ),
            ));
        }
        None => {
            let hint = did_you_mean(&b.ty, schema::all_data_types())
                .map(|s| format!(" Did you mean \"{s}\"?"))
                .unwrap_or_default();
            return Err(TfError::new(
                "Invalid data source",
                format!(
                    "The provider hashicorp/aws does not support data source \"{}\".{hint}",
                    b.ty
                ),
            ));
        }
    };
    let args = eval_body(cfg, b.file, &b.loc, ev, &b.body, s.attrs, s.blocks)?;
    if args.values().any(Value::has_unknown) {
        let mut m = args;
        for a in s.attrs.iter().filter(|a| a.computed) {
            m.entry(a.name.to_string()).or_insert(Value::Unknown);
        }
        return Ok(Value::Map(m));
    }
    let env = crate::data::Env {
        region: &opts.region,
        account: &opts.account,
    };
    crate::data::read(&b.ty, &args, &env, ev.funcs).map(Value::Map)
}
