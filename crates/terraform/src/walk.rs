//! One pass over the graph in dependency order, shared by plan and apply:
//! variables, locals and outputs are evaluated here; each resource
//! instance (after `count` / `for_each` expansion) is handed to a
//! [`Handler`] that plans or applies it and returns the value later
//! references see. Every node is evaluated once: the pass is linear.

use crate::error::TfError;
use crate::expr::{Evaluator, Resolved, Scope};
use crate::funcs::FuncCtx;
use crate::graph::{Graph, NodeKind};
use crate::load::{Config, Mode, ResourceBlock};
use crate::value::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;

/// The values one module's expressions can see.
#[derive(Debug, Default)]
pub struct ModEnv {
    vars: Map,
    locals: Map,
    /// (type, name) → instance value (object, list for count, map for for_each).
    resources: HashMap<(String, String), Value>,
    /// type → { name → value }.
    data: Map,
    /// module call name → object of its outputs.
    modules: Map,
    path_module: String,
}

/// A module's names plus the instance's `count.index` / `each`.
pub struct InstScope<'a> {
    env: &'a ModEnv,
    count: Option<usize>,
    each: Option<(String, Value)>,
}

impl Scope for InstScope<'_> {
    fn resolve(&self, root: &str, attr: Option<&str>) -> Result<Resolved<'_>, TfError> {
        let need = |what: &str| {
            TfError::new(
                "Invalid reference",
                format!(
                    "The \"{root}\" object cannot be accessed directly. Instead, access one of its attributes ({what})."
                ),
            )
        };
        let missing = |kind: &str, name: &str| {
            TfError::new(
                format!("Reference to undeclared {kind}"),
                format!("No {kind} named \"{name}\" is declared here."),
            )
        };
        match root {
            "var" | "local" | "module" => {
                let a = attr.ok_or_else(|| need("a name"))?;
                let m = match root {
                    "var" => &self.env.vars,
                    "local" => &self.env.locals,
                    _ => &self.env.modules,
                };
                m.get(a)
                    .map(|v| Resolved::Attr(Cow::Borrowed(v)))
                    .ok_or_else(|| missing(root, a))
            }
            "data" => {
                let a = attr.ok_or_else(|| need("a data source type"))?;
                self.env
                    .data
                    .get(a)
                    .map(|v| Resolved::Attr(Cow::Borrowed(v)))
                    .ok_or_else(|| missing("data source", a))
            }
            "path" => match attr {
                Some("module") => Ok(Resolved::Attr(Cow::Owned(Value::str(
                    self.env.path_module.clone(),
                )))),
                Some("root" | "cwd") => Ok(Resolved::Attr(Cow::Owned(Value::str(".")))),
                _ => Err(need("module, root or cwd")),
            },
            "terraform" => match attr {
                Some("workspace") => Ok(Resolved::Attr(Cow::Owned(Value::str("default")))),
                _ => Err(need("workspace")),
            },
            "count" => match (attr, self.count) {
                (Some("index"), Some(i)) => Ok(Resolved::Attr(Cow::Owned(Value::Number(i as f64)))),
                _ => Err(TfError::new(
                    "Reference to \"count\" in non-counted context",
                    "The \"count\" object can only be used in \"resource\" and \"data\" blocks, and only when the \"count\" argument is set.",
                )),
            },
            "each" => match (attr, &self.each) {
                (Some("key"), Some((k, _))) => {
                    Ok(Resolved::Attr(Cow::Owned(Value::str(k.clone()))))
                }
                (Some("value"), Some((_, v))) => Ok(Resolved::Attr(Cow::Borrowed(v))),
                _ => Err(TfError::new(
                    "Reference to \"each\" in context without for_each",
                    "The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set.",
                )),
            },
            ty => {
                let a = attr.ok_or_else(|| need("a resource name"))?;
                self.env
                    .resources
                    .get(&(ty.to_string(), a.to_string()))
                    .map(|v| Resolved::Attr(Cow::Borrowed(v)))
                    .ok_or_else(|| missing("resource", &format!("{ty}.{a}")))
            }
        }
    }
}

/// What a handler is told about one resource instance.
pub struct InstanceCtx<'a> {
    /// The block.
    pub block: &'a ResourceBlock,
    /// Full instance address (`module.m.aws_x.y["k"]`).
    pub address: String,
    /// Module prefix.
    pub module: &'a str,
    /// Addresses of resources this one depends on (directly or through locals).
    pub deps: &'a [String],
}

/// Plans or applies resource instances.
pub trait Handler {
    /// Handles one instance; returns the value references to it see.
    fn instance(&mut self, ic: &InstanceCtx<'_>, ev: &mut Evaluator<'_>) -> Result<Value, TfError>;
}

/// Runs a walk; returns the root module's output values.
pub fn run(
    cfg: &Config,
    graph: &Graph,
    funcs: &FuncCtx,
    h: &mut dyn Handler,
) -> Result<Map, TfError> {
    let mut envs: Vec<ModEnv> = cfg
        .modules
        .iter()
        .map(|m| ModEnv {
            path_module: m.rel_dir.clone(),
            ..Default::default()
        })
        .collect();
    envs[0].vars = cfg.root_vars.clone();
    let parent_of: Vec<Option<(usize, usize)>> = (0..cfg.modules.len())
        .map(|c| {
            cfg.modules.iter().enumerate().find_map(|(pi, p)| {
                p.calls
                    .iter()
                    .position(|call| call.child == c)
                    .map(|ci| (pi, ci))
            })
        })
        .collect();
    let deps = resource_deps(cfg, graph);
    let mut outputs = Map::new();
    for &ni in &graph.order {
        let node = &graph.nodes[ni];
        let (mi, m) = (node.module, &cfg.modules[node.module]);
        match node.kind {
            NodeKind::Var(i) => {
                let v = &m.variables[i];
                let Some((pi, ci)) = parent_of[mi] else {
                    continue;
                };
                let call = &cfg.modules[pi].calls[ci];
                let val = match call.args.iter().find(|a| a.name == v.name) {
                    Some(a) => {
                        let sc = InstScope {
                            env: &envs[pi],
                            count: None,
                            each: None,
                        };
                        let raw = Evaluator::new(&sc, funcs)
                            .eval(&a.expr)
                            .map_err(|e| e.at(&a.loc))?;
                        v.ty.convert(raw).map_err(|d| {
                            TfError::new(
                                "Invalid value for module argument",
                                format!("The given value is not suitable for var.{}: {d}", v.name),
                            )
                            .at(&a.loc)
                        })?
                    }
                    None => v.default.clone().ok_or_else(|| {
                        TfError::new(
                            "Missing required argument",
                            format!(
                                "The argument \"{}\" is required, but no definition was found.",
                                v.name
                            ),
                        )
                        .at(&call.loc)
                    })?,
                };
                envs[mi].vars.insert(v.name.clone(), val);
            }
            NodeKind::Local(i) => {
                let l = &m.locals[i];
                let sc = InstScope {
                    env: &envs[mi],
                    count: None,
                    each: None,
                };
                let val = Evaluator::new(&sc, funcs)
                    .eval(&l.expr)
                    .map_err(|e| e.at(&l.loc))?;
                envs[mi].locals.insert(l.name.clone(), val);
            }
            NodeKind::Output(i) => {
                let o = &m.outputs[i];
                let sc = InstScope {
                    env: &envs[mi],
                    count: None,
                    each: None,
                };
                let val = Evaluator::new(&sc, funcs)
                    .eval(&o.expr)
                    .map_err(|e| e.at(&o.loc))?;
                match parent_of[mi] {
                    Some((pi, ci)) => {
                        let name = cfg.modules[pi].calls[ci].name.clone();
                        if let Value::Map(mm) = envs[pi]
                            .modules
                            .entry(name)
                            .or_insert_with(|| Value::Map(Map::new()))
                        {
                            mm.insert(o.name.clone(), val);
                        }
                    }
                    None => {
                        outputs.insert(o.name.clone(), val);
                    }
                }
            }
            NodeKind::Resource(i) => {
                let b = &m.resources[i];
                let value = expand(&envs[mi], funcs, b, &m.prefix, &deps[ni], h)?;
                if b.mode == Mode::Data {
                    if let Value::Map(mm) = envs[mi]
                        .data
                        .entry(b.ty.clone())
                        .or_insert_with(|| Value::Map(Map::new()))
                    {
                        mm.insert(b.name.clone(), value);
                    }
                } else {
                    envs[mi]
                        .resources
                        .insert((b.ty.clone(), b.name.clone()), value);
                }
            }
        }
    }
    Ok(outputs)
}

/// Expands `count` / `for_each` and hands each instance to the handler.
fn expand(
    env: &ModEnv,
    funcs: &FuncCtx,
    b: &ResourceBlock,
    prefix: &str,
    deps: &[String],
    h: &mut dyn Handler,
) -> Result<Value, TfError> {
    let base = format!("{prefix}{}", b.local_address());
    let plain = InstScope {
        env,
        count: None,
        each: None,
    };
    if let Some(ce) = &b.count {
        let n = match Evaluator::new(&plain, funcs).eval(ce).map_err(|e| e.at(&b.loc))? {
            Value::Unknown => return Err(TfError::new("Invalid count argument", "The \"count\" value depends on resource attributes that cannot be determined until apply, so Terraform cannot predict how many instances will be created.").at(&b.loc)),
            v => v.as_number().filter(|n| *n >= 0.0 && n.fract() == 0.0).ok_or_else(|| TfError::new("Invalid count argument", "The given \"count\" argument value is unsuitable: must be a whole number, zero or greater.").at(&b.loc))? as usize,
        };
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let sc = InstScope {
                env,
                count: Some(i),
                each: None,
            };
            let ic = InstanceCtx {
                block: b,
                address: format!("{base}[{i}]"),
                module: prefix,
                deps,
            };
            out.push(h.instance(&ic, &mut Evaluator::new(&sc, funcs))?);
        }
        return Ok(Value::List(out));
    }
    if let Some(fe) = &b.for_each {
        let items: Vec<(String, Value)> = match Evaluator::new(&plain, funcs).eval(fe).map_err(|e| e.at(&b.loc))? {
            Value::Map(m) => m.into_iter().collect(),
            Value::List(l) => l.into_iter().map(|v| v.to_interp_string().map(|k| (k, v))).collect::<Option<_>>().ok_or_else(|| {
                TfError::new("Invalid for_each argument", "The given \"for_each\" argument value is unsuitable: a set of strings or a map is required.").at(&b.loc)
            })?,
            Value::Unknown => return Err(TfError::new("Invalid for_each argument", "The \"for_each\" value depends on resource attributes that cannot be determined until apply, so Terraform cannot predict how many instances will be created.").at(&b.loc)),
            v => return Err(TfError::new("Invalid for_each argument", format!("The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type {}.", v.type_name())).at(&b.loc)),
        };
        let mut out = Map::new();
        for (k, v) in items {
            let sc = InstScope {
                env,
                count: None,
                each: Some((k.clone(), v)),
            };
            let ic = InstanceCtx {
                block: b,
                address: format!("{base}[{k:?}]"),
                module: prefix,
                deps,
            };
            let val = h.instance(&ic, &mut Evaluator::new(&sc, funcs))?;
            out.insert(k, val);
        }
        return Ok(Value::Map(out));
    }
    let ic = InstanceCtx {
        block: b,
        address: base,
        module: prefix,
        deps,
    };
    h.instance(&ic, &mut Evaluator::new(&plain, funcs))
}

/// For each resource node, the resource addresses it depends on, looking
/// through variables, locals and outputs.
fn resource_deps(cfg: &Config, g: &Graph) -> Vec<Vec<String>> {
    let mut memo: Vec<Option<Vec<usize>>> = vec![None; g.nodes.len()];
    fn reach(g: &Graph, n: usize, memo: &mut Vec<Option<Vec<usize>>>) -> Vec<usize> {
        if let Some(r) = &memo[n] {
            return r.clone();
        }
        memo[n] = Some(vec![]);
        let mut out = vec![];
        for &d in &g.nodes[n].deps {
            if d == n {
                continue;
            }
            if matches!(g.nodes[d].kind, NodeKind::Resource(_)) {
                out.push(d);
            } else {
                out.extend(reach(g, d, memo));
            }
        }
        out.sort_unstable();
        out.dedup();
        memo[n] = Some(out.clone());
        out
    }
    (0..g.nodes.len())
        .map(|n| {
            if !matches!(g.nodes[n].kind, NodeKind::Resource(_)) {
                return vec![];
            }
            reach(g, n, &mut memo)
                .into_iter()
                .map(|d| Graph::describe(cfg, &g.nodes[d]))
                .collect()
        })
        .collect()
}
