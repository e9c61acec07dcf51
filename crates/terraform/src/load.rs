//! Loading a configuration: every `*.tf` file of a directory, parsed with
//! `hcl-edit` (which keeps byte spans, so every error can name file and
//! line), and local `module` blocks loaded recursively.

use crate::error::{Loc, TfError};
use crate::expr::{EmptyScope, Evaluator};
use crate::funcs::FuncCtx;
use crate::suggest::did_you_mean;
use crate::value::{Map, Value};
use crate::vars::{self, TypeSpec, VarOptions};
use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};
use std::path::{Path, PathBuf};

/// One loaded source file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the root module directory.
    pub rel: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(rel: String, text: &str) -> SourceFile {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile { rel, line_starts }
    }

    /// The place of a byte offset.
    pub fn loc(&self, offset: usize) -> Loc {
        let line = self.line_starts.partition_point(|&s| s <= offset);
        Loc {
            file: self.rel.clone(),
            line,
        }
    }
}

/// Whether a block is a managed resource or a data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `resource "T" "N"`.
    Managed,
    /// `data "T" "N"`.
    Data,
}

/// Which changes `lifecycle { ignore_changes }` ignores.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum IgnoreChanges {
    /// Nothing ignored.
    #[default]
    None,
    /// `ignore_changes = all`.
    All,
    /// Named top-level arguments.
    Names(Vec<String>),
}

/// The `lifecycle` block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lifecycle {
    /// Create the replacement before destroying the old object.
    pub create_before_destroy: bool,
    /// Refuse any plan that destroys the object.
    pub prevent_destroy: bool,
    /// Arguments whose changes do not cause updates.
    pub ignore_changes: IgnoreChanges,
}

/// A `resource` or `data` block.
#[derive(Debug, Clone)]
pub struct ResourceBlock {
    /// Managed or data.
    pub mode: Mode,
    /// Resource type, e.g. `aws_api_gateway_rest_api`.
    pub ty: String,
    /// Resource name.
    pub name: String,
    /// Arguments and nested blocks, without the meta-arguments.
    pub body: Body,
    /// `count` meta-argument.
    pub count: Option<Expression>,
    /// `for_each` meta-argument.
    pub for_each: Option<Expression>,
    /// `depends_on` entries as addresses (`aws_x.y`, `data.t.n`, `module.m`).
    pub depends_on: Vec<String>,
    /// The lifecycle block.
    pub lifecycle: Lifecycle,
    /// Where the block starts.
    pub loc: Loc,
    /// Index into [`Config::files`].
    pub file: usize,
}

impl ResourceBlock {
    /// `T.N` or `data.T.N` (without module path or instance key).
    pub fn local_address(&self) -> String {
        match self.mode {
            Mode::Managed => format!("{}.{}", self.ty, self.name),
            Mode::Data => format!("data.{}.{}", self.ty, self.name),
        }
    }
}

/// A `variable` block.
#[derive(Debug, Clone)]
pub struct Variable {
    /// Name.
    pub name: String,
    /// Type constraint.
    pub ty: TypeSpec,
    /// Default value, already converted to the type.
    pub default: Option<Value>,
    /// Where it is declared.
    pub loc: Loc,
}

/// A named expression (`locals` entry or `output`).
#[derive(Debug, Clone)]
pub struct Named {
    /// Name.
    pub name: String,
    /// The value expression.
    pub expr: Expression,
    /// Where it is declared.
    pub loc: Loc,
    /// Whether an output is marked sensitive.
    pub sensitive: bool,
}

/// A `module` block with a local source.
#[derive(Debug, Clone)]
pub struct ModuleCall {
    /// Call name (`module.NAME`).
    pub name: String,
    /// Input arguments.
    pub args: Vec<Named>,
    /// Index of the loaded child module in [`Config::modules`].
    pub child: usize,
    /// Where the block starts.
    pub loc: Loc,
}

/// One module: the root or a child loaded through a `module` block.
#[derive(Debug, Clone)]
pub struct Module {
    /// Address prefix: "" for the root, `module.a.` or `module.a.module.b.` for children.
    pub prefix: String,
    /// Directory relative to the root (`path.module`): "." for the root.
    pub rel_dir: String,
    /// Declared variables.
    pub variables: Vec<Variable>,
    /// Local values.
    pub locals: Vec<Named>,
    /// Outputs.
    pub outputs: Vec<Named>,
    /// Resources and data sources.
    pub resources: Vec<ResourceBlock>,
    /// Child module calls.
    pub calls: Vec<ModuleCall>,
    /// `provider "aws" { region = ... }` expressions.
    pub provider_regions: Vec<(Expression, Loc)>,
}

/// How to load: where variable values come from.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Variables, in Terraform's precedence (see [`VarOptions`]).
    pub vars: VarOptions,
}

/// A loaded configuration with its root variable values resolved.
#[derive(Debug, Clone)]
pub struct Config {
    /// The root module directory.
    pub root_dir: PathBuf,
    /// Modules; index 0 is the root.
    pub modules: Vec<Module>,
    /// Source files, for turning spans into places.
    pub files: Vec<SourceFile>,
    /// Values of the root module's variables.
    pub root_vars: Map,
    /// Warnings found while loading.
    pub warnings: Vec<String>,
}

const BLOCK_TYPES: &[&str] = &[
    "resource",
    "data",
    "variable",
    "locals",
    "output",
    "module",
    "provider",
    "terraform",
    "moved",
    "import",
    "check",
    "removed",
];

impl Config {
    /// Loads every `*.tf` file of `dir` (sorted by name) and the local
    /// modules they call, then resolves the root variables.
    pub fn load(dir: &Path, opts: &LoadOptions) -> Result<Config, TfError> {
        let mut cfg = Config {
            root_dir: dir.to_path_buf(),
            modules: vec![],
            files: vec![],
            root_vars: Map::new(),
            warnings: vec![],
        };
        cfg.load_module(dir, ".", String::new(), 0)?;
        let (values, warnings) =
            vars::resolve_root(&cfg.root_dir, &cfg.modules[0].variables, &opts.vars)?;
        cfg.root_vars = values;
        cfg.warnings.extend(warnings);
        Ok(cfg)
    }

    /// The place of a span in file `file`.
    pub fn loc(&self, file: usize, span: Option<std::ops::Range<usize>>) -> Loc {
        match (self.files.get(file), span) {
            (Some(f), Some(r)) => f.loc(r.start),
            (Some(f), None) => Loc {
                file: f.rel.clone(),
                line: 1,
            },
            _ => Loc::default(),
        }
    }

    fn load_module(
        &mut self,
        dir: &Path,
        rel_dir: &str,
        prefix: String,
        depth: usize,
    ) -> Result<usize, TfError> {
        if depth > 16 {
            return Err(TfError::new(
                "Module nesting too deep",
                format!(
                    "Modules are nested more than 16 levels deep at {rel_dir}; is a module calling itself?"
                ),
            ));
        }
        let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| {
                TfError::new(
                    "Failed to read module directory",
                    format!(
                        "Module directory {} does not exist or cannot be read: {e}.",
                        dir.display()
                    ),
                )
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "tf") && p.is_file())
            .collect();
        names.sort();
        let idx = self.modules.len();
        self.modules.push(Module {
            prefix: prefix.clone(),
            rel_dir: rel_dir.to_string(),
            variables: vec![],
            locals: vec![],
            outputs: vec![],
            resources: vec![],
            calls: vec![],
            provider_regions: vec![],
        });
        let mut pending_calls = Vec::new();
        for path in names {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                TfError::new(
                    "Failed to read file",
                    format!("The file {} could not be read: {e}.", path.display()),
                )
            })?;
            let fname = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let rel = if rel_dir == "." {
                fname
            } else {
                format!("{rel_dir}/{fname}")
            };
            let file = SourceFile::new(rel.clone(), &text);
            let body = hcl_edit::parser::parse_body(&text).map_err(|e| {
                TfError::new(
                    "Invalid HCL syntax",
                    format!("{}:\n  {}", e.message(), e.line()),
                )
                .at(&Loc {
                    file: rel.clone(),
                    line: e.location().line(),
                })
            })?;
            let fidx = self.files.len();
            self.files.push(file);
            for st in body.iter() {
                match st {
                    Structure::Attribute(a) => {
                        return Err(TfError::new(
                            "Unsupported argument",
                            format!(
                                "An argument named \"{}\" is not expected here.",
                                a.key.value().as_str()
                            ),
                        )
                        .at(&self.loc(fidx, a.span())));
                    }
                    Structure::Block(b) => {
                        if let Some(call) = self.load_block(idx, fidx, b)? {
                            pending_calls.push(call);
                        }
                    }
                }
            }
        }
        for (name, source, args, loc) in pending_calls {
            if !(source.starts_with("./") || source.starts_with("../")) {
                return Err(TfError::new(
                    "Unsupported module source",
                    format!("Module \"{name}\" has source \"{source}\". Portico loads local modules only (a source starting with ./ or ../); registry and remote modules need `terraform init`, which Portico does not run."),
                ).at(&loc));
            }
            let child_rel = normalize(&format!("{rel_dir}/{source}"));
            let child = self.load_module(
                &dir.join(&source),
                &child_rel,
                format!("{prefix}module.{name}."),
                depth + 1,
            )?;
            self.modules[idx].calls.push(ModuleCall {
                name,
                args,
                child,
                loc,
            });
        }
        Ok(idx)
    }

    #[allow(clippy::type_complexity)]
    fn load_block(
        &mut self,
        m: usize,
        fidx: usize,
        b: &Block,
    ) -> Result<Option<(String, String, Vec<Named>, Loc)>, TfError> {
        let loc = self.loc(fidx, b.span());
        let kind = b.ident.value().as_str();
        let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
        let want = |n: usize| -> Result<(), TfError> {
            if labels.len() != n {
                return Err(TfError::new(
                    "Wrong number of labels",
                    format!(
                        "A {kind} block needs exactly {n} label(s), found {}.",
                        labels.len()
                    ),
                )
                .at(&loc));
            }
            Ok(())
        };
        match kind {
            "resource" | "data" => {
                want(2)?;
                let mode = if kind == "resource" {
                    Mode::Managed
                } else {
                    Mode::Data
                };
                let rb = self.resource_block(mode, labels[0], labels[1], b, fidx, loc)?;
                let module = &mut self.modules[m];
                if module
                    .resources
                    .iter()
                    .any(|r| r.mode == rb.mode && r.ty == rb.ty && r.name == rb.name)
                {
                    return Err(TfError::new(
                        if mode == Mode::Managed { "Duplicate resource configuration" } else { "Duplicate data \"configuration\"" },
                        format!("A {kind} named \"{}\" \"{}\" was already declared. Resource names must be unique per type in each module.", rb.ty, rb.name),
                    ).at(&rb.loc));
                }
                module.resources.push(rb);
            }
            "variable" => {
                want(1)?;
                let ty = match b.body.get_attribute("type") {
                    Some(a) => {
                        TypeSpec::parse(&a.value).map_err(|e| e.at(&self.loc(fidx, a.span())))?
                    }
                    None => TypeSpec::Any,
                };
                let default = match b.body.get_attribute("default") {
                    Some(a) => {
                        let f = FuncCtx::for_plan(self.root_dir.clone());
                        let v = Evaluator::new(&EmptyScope, &f)
                            .eval(&a.value)
                            .map_err(|e| e.at(&self.loc(fidx, a.span())))?;
                        Some(ty.convert(v).map_err(|d| {
                            TfError::new("Invalid default value for variable", d)
                                .at(&self.loc(fidx, a.span()))
                        })?)
                    }
                    None => None,
                };
                self.modules[m].variables.push(Variable {
                    name: labels[0].to_string(),
                    ty,
                    default,
                    loc,
                });
            }
            "locals" => {
                for a in b.body.attributes() {
                    let l = self.loc(fidx, a.span());
                    self.modules[m].locals.push(Named {
                        name: a.key.value().as_str().to_string(),
                        expr: a.value.clone(),
                        loc: l,
                        sensitive: false,
                    });
                }
            }
            "output" => {
                want(1)?;
                let a = b.body.get_attribute("value").ok_or_else(|| {
                    TfError::new(
                        "Missing required argument",
                        "The argument \"value\" is required, but no definition was found.",
                    )
                    .at(&loc)
                })?;
                let sensitive = b
                    .body
                    .get_attribute("sensitive")
                    .and_then(|s| s.value.as_bool())
                    .unwrap_or(false);
                self.modules[m].outputs.push(Named {
                    name: labels[0].to_string(),
                    expr: a.value.clone(),
                    loc,
                    sensitive,
                });
            }
            "module" => {
                want(1)?;
                let source = b
                    .body
                    .get_attribute("source")
                    .and_then(|a| literal_string(&a.value))
                    .ok_or_else(|| {
                        TfError::new(
                            "Missing required argument",
                            "The argument \"source\" is required, and must be a literal string.",
                        )
                        .at(&loc)
                    })?;
                let mut args = vec![];
                for a in b.body.attributes() {
                    let key = a.key.value().as_str();
                    if matches!(key, "count" | "for_each") {
                        return Err(TfError::new(
                            "Unsupported argument",
                            format!("Portico does not support \"{key}\" on module blocks yet."),
                        )
                        .at(&self.loc(fidx, a.span())));
                    }
                    if !matches!(key, "source" | "version" | "providers" | "depends_on") {
                        args.push(Named {
                            name: key.to_string(),
                            expr: a.value.clone(),
                            loc: self.loc(fidx, a.span()),
                            sensitive: false,
                        });
                    }
                }
                return Ok(Some((labels[0].to_string(), source, args, loc)));
            }
            "provider" => {
                want(1)?;
                if let Some(a) = b
                    .body
                    .get_attribute("region")
                    .filter(|_| labels[0] == "aws")
                {
                    let l = self.loc(fidx, a.span());
                    self.modules[m].provider_regions.push((a.value.clone(), l));
                }
            }
            "terraform" | "moved" | "import" | "check" | "removed" => {}
            other => {
                let hint = did_you_mean(other, BLOCK_TYPES.iter().copied())
                    .map(|s| format!(" Did you mean \"{s}\"?"))
                    .unwrap_or_default();
                return Err(TfError::new(
                    "Unsupported block type",
                    format!("Blocks of type \"{other}\" are not expected here.{hint}"),
                )
                .at(&loc));
            }
        }
        Ok(None)
    }

    fn resource_block(
        &self,
        mode: Mode,
        ty: &str,
        name: &str,
        b: &Block,
        fidx: usize,
        loc: Loc,
    ) -> Result<ResourceBlock, TfError> {
        let mut body = b.body.clone();
        let count = body.remove_attribute("count").map(|a| a.value);
        let for_each = body.remove_attribute("for_each").map(|a| a.value);
        if count.is_some() && for_each.is_some() {
            return Err(TfError::new("Invalid combination of \"count\" and \"for_each\"", "The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one should be used to be explicit about the number of resources to be created.").at(&loc));
        }
        body.remove_attribute("provider");
        let mut depends_on = vec![];
        if let Some(a) = body.remove_attribute("depends_on") {
            let l = self.loc(fidx, a.span());
            let items = a.value.as_array().ok_or_else(|| {
                TfError::new(
                    "Invalid depends_on",
                    "depends_on must be a list of references.",
                )
                .at(&l)
            })?;
            for it in items.iter() {
                depends_on.push(crate::refs::depends_on_entry(it).map_err(|e| e.at(&l))?);
            }
        }
        let mut lifecycle = Lifecycle::default();
        for lb in body.remove_blocks("lifecycle") {
            for a in lb.body.attributes() {
                let l = self.loc(fidx, a.span());
                match a.key.value().as_str() {
                    "create_before_destroy" => {
                        lifecycle.create_before_destroy = a.value.as_bool().unwrap_or(false)
                    }
                    "prevent_destroy" => {
                        lifecycle.prevent_destroy = a.value.as_bool().unwrap_or(false)
                    }
                    "ignore_changes" => {
                        lifecycle.ignore_changes = ignore_changes(&a.value).map_err(|e| e.at(&l))?
                    }
                    "replace_triggered_by" => {}
                    other => {
                        return Err(TfError::new(
                            "Unsupported argument",
                            format!("An argument named \"{other}\" is not expected here."),
                        )
                        .at(&l));
                    }
                }
            }
        }
        body.remove_blocks("provisioner");
        body.remove_blocks("connection");
        Ok(ResourceBlock {
            mode,
            ty: ty.to_string(),
            name: name.to_string(),
            body,
            count,
            for_each,
            depends_on,
            lifecycle,
            loc,
            file: fidx,
        })
    }
}

fn literal_string(e: &Expression) -> Option<String> {
    match e {
        Expression::String(s) => Some(s.value().clone()),
        Expression::StringTemplate(t) if t.len() == 1 => t
            .get(0)
            .and_then(|el| el.as_literal())
            .map(|s| s.value().clone()),
        _ => None,
    }
}

/// `ignore_changes = all`, `["all"]` (0.11 `["*"]`), or a list of names
/// (bare or quoted).
fn ignore_changes(e: &Expression) -> Result<IgnoreChanges, TfError> {
    if let Expression::Variable(v) = e
        && v.value().as_str() == "all"
    {
        return Ok(IgnoreChanges::All);
    }
    let items = e.as_array().ok_or_else(|| {
        TfError::new(
            "Invalid ignore_changes",
            "ignore_changes must be a list of attribute names or the keyword all.",
        )
    })?;
    let mut names = vec![];
    for it in items.iter() {
        let name = match it {
            Expression::Variable(v) => v.value().as_str().to_string(),
            Expression::Traversal(t) => match &t.expr {
                Expression::Variable(v) => v.value().as_str().to_string(),
                _ => continue,
            },
            other => literal_string(other).unwrap_or_default(),
        };
        if name == "*" || name == "all" {
            return Ok(IgnoreChanges::All);
        }
        names.push(name);
    }
    Ok(IgnoreChanges::Names(names))
}

/// `./a/../b` → `b`, `./x` → `x`.
fn normalize(p: &str) -> String {
    let mut parts: Vec<&str> = vec![];
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_from_offsets() {
        let f = SourceFile::new("a.tf".into(), "x\ny\nz");
        assert_eq!(f.loc(0).line, 1);
        assert_eq!(f.loc(2).line, 2);
        assert_eq!(f.loc(4).line, 3);
    }

    #[test]
    fn normalizes_module_paths() {
        assert_eq!(normalize("./modules/x"), "modules/x");
        assert_eq!(normalize("modules/x/../y"), "modules/y");
        assert_eq!(normalize("./."), ".");
    }
}
