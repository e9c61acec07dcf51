//! The dependency graph of a configuration: one node per variable (of a
//! child module), local, output and resource block, edges from references
//! and `depends_on`; a stable topological order; cycles named in words.

use crate::error::{Loc, TfError};
use crate::load::{Config, Mode};
use crate::refs::{Ref, body_refs, expr_refs};
use crate::suggest::did_you_mean;

/// What a node stands for: indices into its module's lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// A child module's input variable (root variables are resolved at load).
    Var(usize),
    /// A local value.
    Local(usize),
    /// An output.
    Output(usize),
    /// A resource or data block.
    Resource(usize),
}

/// One node.
#[derive(Debug, Clone)]
pub struct Node {
    /// Module index in [`Config::modules`].
    pub module: usize,
    /// What it is.
    pub kind: NodeKind,
    /// Nodes it depends on.
    pub deps: Vec<usize>,
}

/// The graph with a topological order.
#[derive(Debug, Clone)]
pub struct Graph {
    /// All nodes.
    pub nodes: Vec<Node>,
    /// Evaluation order: dependencies first, ties in declaration order.
    pub order: Vec<usize>,
}

impl Graph {
    /// Builds the graph of `cfg` and orders it; reports undeclared
    /// references and cycles.
    pub fn build(cfg: &Config) -> Result<Graph, TfError> {
        let mut nodes = Vec::new();
        let mut index = std::collections::HashMap::new();
        for (mi, m) in cfg.modules.iter().enumerate() {
            let kinds = (0..m.variables.len())
                .map(NodeKind::Var)
                .chain((0..m.locals.len()).map(NodeKind::Local))
                .chain((0..m.outputs.len()).map(NodeKind::Output))
                .chain((0..m.resources.len()).map(NodeKind::Resource));
            for k in kinds {
                index.insert((mi, k), nodes.len());
                nodes.push(Node {
                    module: mi,
                    kind: k,
                    deps: vec![],
                });
            }
        }
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
        #[allow(clippy::needless_range_loop)] // nodes[ni].deps is written inside
        for ni in 0..nodes.len() {
            let (mi, kind) = (nodes[ni].module, nodes[ni].kind);
            let m = &cfg.modules[mi];
            let mut refs: Vec<Ref> = vec![];
            let mut explicit: Vec<String> = vec![];
            let (ref_module, loc): (usize, Loc) = match kind {
                NodeKind::Var(i) => {
                    let v = &m.variables[i];
                    match parent_of[mi] {
                        Some((pi, ci)) => {
                            let call = &cfg.modules[pi].calls[ci];
                            if let Some(a) = call.args.iter().find(|a| a.name == v.name) {
                                expr_refs(&a.expr, &mut refs);
                            }
                            (pi, call.loc.clone())
                        }
                        None => (mi, v.loc.clone()),
                    }
                }
                NodeKind::Local(i) => {
                    expr_refs(&m.locals[i].expr, &mut refs);
                    (mi, m.locals[i].loc.clone())
                }
                NodeKind::Output(i) => {
                    expr_refs(&m.outputs[i].expr, &mut refs);
                    (mi, m.outputs[i].loc.clone())
                }
                NodeKind::Resource(i) => {
                    let r = &m.resources[i];
                    // Per attribute, so an error names the attribute's line.
                    let addr = Graph::describe(cfg, &nodes[ni]);
                    for a in r.body.attributes() {
                        let mut one = vec![];
                        expr_refs(&a.value, &mut one);
                        let l = cfg.loc(r.file, hcl_edit::Span::span(a));
                        for x in &one {
                            resolve_ref(cfg, &index, mi, x)
                                .map_err(|e| e.at(&l).with_address(&addr))?;
                        }
                    }
                    body_refs(&r.body, &mut refs);
                    for e in r.count.iter().chain(r.for_each.iter()) {
                        expr_refs(e, &mut refs);
                    }
                    explicit = r.depends_on.clone();
                    (mi, r.loc.clone())
                }
            };
            let mut deps = vec![];
            let addr = Graph::describe(cfg, &nodes[ni]);
            for r in &refs {
                deps.extend(
                    resolve_ref(cfg, &index, ref_module, r)
                        .map_err(|e| e.at(&loc).with_address(&addr))?,
                );
            }
            for addr in &explicit {
                let parts: Vec<&str> = addr.split('.').collect();
                let r = match parts.as_slice() {
                    ["data", t, n] => Ref {
                        root: "data".into(),
                        a1: Some(t.to_string()),
                        a2: Some(n.to_string()),
                    },
                    [a, b] => Ref {
                        root: a.to_string(),
                        a1: Some(b.to_string()),
                        a2: None,
                    },
                    _ => continue,
                };
                deps.extend(resolve_ref(cfg, &index, mi, &r).map_err(|e| e.at(&loc))?);
            }
            deps.sort_unstable();
            deps.dedup();
            deps.retain(|d| *d != ni || matches!(kind, NodeKind::Resource(_)));
            nodes[ni].deps = deps;
        }
        let order = topo(&nodes).map_err(|cycle| cycle_error(cfg, &nodes, &cycle))?;
        Ok(Graph { nodes, order })
    }

    /// The address of a node, for messages (`module.m.aws_x.y`, `var.v`, ...).
    pub fn describe(cfg: &Config, n: &Node) -> String {
        let m = &cfg.modules[n.module];
        let local = match n.kind {
            NodeKind::Var(i) => format!("var.{}", m.variables[i].name),
            NodeKind::Local(i) => format!("local.{}", m.locals[i].name),
            NodeKind::Output(i) => format!("output.{}", m.outputs[i].name),
            NodeKind::Resource(i) => m.resources[i].local_address(),
        };
        format!("{}{local}", m.prefix)
    }
}

type Index = std::collections::HashMap<(usize, NodeKind), usize>;

/// The nodes a reference in module `mi` depends on.
fn resolve_ref(cfg: &Config, index: &Index, mi: usize, r: &Ref) -> Result<Vec<usize>, TfError> {
    let m = &cfg.modules[mi];
    let a1 = r.a1.as_deref().unwrap_or("");
    let node = |k: NodeKind| index.get(&(mi, k)).copied().into_iter().collect::<Vec<_>>();
    match r.root.as_str() {
        "path" | "terraform" | "count" | "each" | "self" => Ok(vec![]),
        "var" => match m.variables.iter().position(|v| v.name == a1) {
            Some(i) => Ok(node(NodeKind::Var(i))),
            None => Err(undeclared(
                "input variable",
                &format!(
                    "An input variable with the name \"{a1}\" has not been declared.{}",
                    hint(a1, m.variables.iter().map(|v| v.name.as_str()))
                ),
            )),
        },
        "local" => match m.locals.iter().position(|v| v.name == a1) {
            Some(i) => Ok(node(NodeKind::Local(i))),
            None => Err(undeclared(
                "local value",
                &format!(
                    "A local value with the name \"{a1}\" has not been declared.{}",
                    hint(a1, m.locals.iter().map(|v| v.name.as_str()))
                ),
            )),
        },
        "module" => {
            let call = m.calls.iter().find(|c| c.name == a1).ok_or_else(|| {
                undeclared(
                    "module",
                    &format!(
                        "No module call named \"{a1}\" is declared in {}.{}",
                        module_name(m),
                        hint(a1, m.calls.iter().map(|c| c.name.as_str()))
                    ),
                )
            })?;
            let child = &cfg.modules[call.child];
            let outs: Vec<usize> = match &r.a2 {
                Some(o) => {
                    let i = child.outputs.iter().position(|x| &x.name == o).ok_or_else(|| {
                        TfError::new("Unsupported attribute", format!("This object does not have an attribute named \"{o}\": module \"{a1}\" declares no output of that name."))
                    })?;
                    vec![i]
                }
                None => (0..child.outputs.len()).collect(),
            };
            let mut deps: Vec<usize> = outs
                .into_iter()
                .filter_map(|i| index.get(&(call.child, NodeKind::Output(i))).copied())
                .collect();
            if r.a2.is_none() {
                deps.extend(
                    (0..child.resources.len())
                        .filter_map(|i| index.get(&(call.child, NodeKind::Resource(i))).copied()),
                );
            }
            Ok(deps)
        }
        "data" => {
            let name = r.a2.as_deref().unwrap_or("");
            match m
                .resources
                .iter()
                .position(|x| x.mode == Mode::Data && x.ty == a1 && x.name == name)
            {
                Some(i) => Ok(node(NodeKind::Resource(i))),
                None => Err(undeclared(
                    "resource",
                    &format!(
                        "A data resource \"{a1}\" \"{name}\" has not been declared in {}.",
                        module_name(m)
                    ),
                )),
            }
        }
        ty => match m
            .resources
            .iter()
            .position(|x| x.mode == Mode::Managed && x.ty == ty && x.name == a1)
        {
            Some(i) => Ok(node(NodeKind::Resource(i))),
            None if r.a1.is_none() => Err(TfError::new(
                "Invalid reference",
                format!(
                    "A reference to a resource type must be followed by at least one attribute access, specifying the resource name (found \"{ty}\")."
                ),
            )),
            None => {
                let same: Vec<&str> = m
                    .resources
                    .iter()
                    .filter(|x| x.mode == Mode::Managed && x.ty == ty)
                    .map(|x| x.name.as_str())
                    .collect();
                Err(undeclared(
                    "resource",
                    &format!(
                        "A managed resource \"{ty}\" \"{a1}\" has not been declared in {}.{}",
                        module_name(m),
                        hint(a1, same.into_iter())
                    ),
                ))
            }
        },
    }
}

fn module_name(m: &crate::load::Module) -> String {
    if m.prefix.is_empty() {
        "the root module".into()
    } else {
        m.prefix.trim_end_matches('.').to_string()
    }
}

fn hint<'a>(given: &str, names: impl Iterator<Item = &'a str>) -> String {
    did_you_mean(given, names)
        .map(|s| format!(" Did you mean \"{s}\"?"))
        .unwrap_or_default()
}

fn undeclared(what: &str, detail: &str) -> TfError {
    TfError::new(format!("Reference to undeclared {what}"), detail)
}

/// Kahn's algorithm, always taking the lowest-numbered ready node so the
/// order follows declaration order; on a cycle, returns one cycle's nodes.
fn topo(nodes: &[Node]) -> Result<Vec<usize>, Vec<usize>> {
    let n = nodes.len();
    let mut indeg = vec![0usize; n];
    let mut users: Vec<Vec<usize>> = vec![vec![]; n];
    for (i, node) in nodes.iter().enumerate() {
        for &d in &node.deps {
            indeg[i] += 1;
            users[d].push(i);
        }
    }
    let mut ready: std::collections::BTreeSet<usize> = (0..n).filter(|&i| indeg[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop_first() {
        order.push(i);
        for &u in &users[i] {
            indeg[u] -= 1;
            if indeg[u] == 0 {
                ready.insert(u);
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Walk dependencies among the unordered nodes until one repeats.
    let left: std::collections::HashSet<usize> = (0..n).filter(|i| indeg[*i] > 0).collect();
    let start = left.iter().copied().min().unwrap_or(0);
    let mut path = vec![start];
    let mut cur = start;
    loop {
        let next = nodes[cur]
            .deps
            .iter()
            .copied()
            .find(|d| left.contains(d))
            .unwrap_or(start);
        if let Some(pos) = path.iter().position(|&p| p == next) {
            return Err(path[pos..].to_vec());
        }
        path.push(next);
        cur = next;
    }
}

fn cycle_error(cfg: &Config, nodes: &[Node], cycle: &[usize]) -> TfError {
    let names: Vec<String> = cycle
        .iter()
        .map(|&i| Graph::describe(cfg, &nodes[i]))
        .collect();
    let mut words: Vec<String> = vec![];
    for (k, name) in names.iter().enumerate() {
        let next = &names[(k + 1) % names.len()];
        words.push(format!("{name} depends on {next}"));
    }
    let loc = match nodes[cycle[0]].kind {
        NodeKind::Resource(i) => Some(cfg.modules[nodes[cycle[0]].module].resources[i].loc.clone()),
        _ => None,
    };
    let mut e = TfError::new(
        format!("Cycle: {}", names.join(", ")),
        format!(
            "These resources depend on each other in a loop: {}, so none of them can be created first. A common cause is a Lambda permission whose source_arn refers to a deployment or stage that itself depends on the permission: build source_arn from aws_api_gateway_rest_api.NAME.execution_arn instead, or remove the depends_on entry that closes the loop.",
            words.join(", and ")
        ),
    );
    if let Some(l) = loc {
        e = e.at(&l);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_and_finds_cycles() {
        let mk = |deps: Vec<Vec<usize>>| {
            deps.into_iter()
                .map(|d| Node {
                    module: 0,
                    kind: NodeKind::Local(0),
                    deps: d,
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            topo(&mk(vec![vec![1], vec![], vec![0]])).unwrap(),
            vec![1, 0, 2]
        );
        let mut cyc = topo(&mk(vec![vec![1], vec![2], vec![0], vec![]])).unwrap_err();
        cyc.sort();
        assert_eq!(cyc, vec![0, 1, 2]);
    }
}
