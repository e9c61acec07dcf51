//! Input variables: type constraints and Terraform's precedence of values.
//!
//! Lowest to highest: declared default, values Portico supplies (what Apex
//! supplied: `aws_region`, `apex_function_*`, ...), `terraform.tfvars`,
//! `*.auto.tfvars` / `*.auto.tfvars.json` in lexical order, `TF_VAR_*`,
//! then `-var` / `-var-file` in command-line order.

use crate::error::{Loc, TfError};
use crate::expr::{EmptyScope, Evaluator};
use crate::funcs::FuncCtx;
use crate::load::Variable;
use crate::value::{Map, Value};
use hcl_edit::Span;
use hcl_edit::expr::Expression;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A `-var` or `-var-file` argument, in command-line order.
#[derive(Debug, Clone, PartialEq)]
pub enum VarArg {
    /// `-var NAME=VALUE`.
    Var(String),
    /// `-var-file PATH` (relative paths are relative to the root directory).
    File(PathBuf),
}

/// Where variable values come from, besides the files in the directory.
#[derive(Debug, Clone, Default)]
pub struct VarOptions {
    /// Values Portico supplies; undeclared names are silently ignored.
    pub supplied: Map,
    /// `TF_VAR_name` values, keyed by `name` (the caller reads the environment).
    pub env: BTreeMap<String, String>,
    /// `-var` / `-var-file` in command-line order.
    pub cli: Vec<VarArg>,
}

/// A variable's type constraint.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeSpec {
    /// No constraint (`any`, or no `type`).
    Any,
    /// `string`.
    String,
    /// `number`.
    Number,
    /// `bool`.
    Bool,
    /// `list(T)`, `set(T)`, 0.11 `"list"`.
    List(Box<TypeSpec>),
    /// `map(T)`, 0.11 `"map"`.
    Map(Box<TypeSpec>),
    /// `object({...})`: attribute types.
    Object(BTreeMap<String, TypeSpec>),
}

impl TypeSpec {
    /// Reads a type expression, including the 0.11 quoted forms.
    pub fn parse(e: &Expression) -> Result<TypeSpec, TfError> {
        let bad = || {
            TfError::new(
                "Invalid type specification",
                "The type must be a type keyword (string, number, bool, any) or a type constructor such as list(string) or map(string).",
            )
        };
        match e {
            Expression::Variable(v) => match v.value().as_str() {
                "string" => Ok(TypeSpec::String),
                "number" => Ok(TypeSpec::Number),
                "bool" => Ok(TypeSpec::Bool),
                "any" => Ok(TypeSpec::Any),
                "list" | "set" | "tuple" => Ok(TypeSpec::List(Box::new(TypeSpec::Any))),
                "map" | "object" => Ok(TypeSpec::Map(Box::new(TypeSpec::Any))),
                _ => Err(bad()),
            },
            Expression::String(s) => match s.value().as_str() {
                "string" => Ok(TypeSpec::String),
                "list" => Ok(TypeSpec::List(Box::new(TypeSpec::Any))),
                "map" => Ok(TypeSpec::Map(Box::new(TypeSpec::Any))),
                _ => Err(bad()),
            },
            Expression::StringTemplate(_) => {
                let f = FuncCtx::for_plan(PathBuf::from("."));
                match Evaluator::new(&EmptyScope, &f).eval(e)? {
                    Value::String(s) => TypeSpec::parse(&Expression::from(s)),
                    _ => Err(bad()),
                }
            }
            Expression::FuncCall(c) => {
                let arg = c.args.iter().next();
                match (c.name.name.value().as_str(), arg) {
                    ("list" | "set", Some(a)) => Ok(TypeSpec::List(Box::new(TypeSpec::parse(a)?))),
                    ("map", Some(a)) => Ok(TypeSpec::Map(Box::new(TypeSpec::parse(a)?))),
                    ("optional", Some(a)) => TypeSpec::parse(a),
                    ("tuple", _) => Ok(TypeSpec::List(Box::new(TypeSpec::Any))),
                    ("object", Some(Expression::Object(o))) => {
                        let mut attrs = BTreeMap::new();
                        for (k, v) in o.iter() {
                            let name = match k {
                                hcl_edit::expr::ObjectKey::Ident(i) => {
                                    i.value().as_str().to_string()
                                }
                                hcl_edit::expr::ObjectKey::Expression(e) => {
                                    e.as_str().unwrap_or_default().to_string()
                                }
                            };
                            attrs.insert(name, TypeSpec::parse(v.expr())?);
                        }
                        Ok(TypeSpec::Object(attrs))
                    }
                    _ => Err(bad()),
                }
            }
            _ => Err(bad()),
        }
    }

    /// Whether a raw string (`-var`, `TF_VAR_`) is taken literally rather
    /// than parsed as an HCL expression.
    fn takes_raw_string(&self) -> bool {
        matches!(
            self,
            TypeSpec::String | TypeSpec::Number | TypeSpec::Bool | TypeSpec::Any
        )
    }

    /// Converts a value to this type as Terraform does, or says why not.
    pub fn convert(&self, v: Value) -> Result<Value, String> {
        if matches!(v, Value::Null | Value::Unknown) {
            return Ok(v);
        }
        match self {
            TypeSpec::Any => Ok(v),
            TypeSpec::String => v
                .to_interp_string()
                .map(Value::String)
                .ok_or_else(|| "string required.".to_string()),
            TypeSpec::Number => v
                .as_number()
                .map(Value::Number)
                .ok_or_else(|| "a number is required.".to_string()),
            TypeSpec::Bool => v
                .as_bool()
                .map(Value::Bool)
                .ok_or_else(|| "a bool is required.".to_string()),
            TypeSpec::List(t) => match v {
                Value::List(l) => l
                    .into_iter()
                    .map(|x| t.convert(x))
                    .collect::<Result<_, _>>()
                    .map(Value::List),
                _ => Err("list required.".to_string()),
            },
            TypeSpec::Map(t) => match v {
                Value::Map(m) => m
                    .into_iter()
                    .map(|(k, x)| t.convert(x).map(|x| (k, x)))
                    .collect::<Result<_, _>>()
                    .map(Value::Map),
                _ => Err("map required.".to_string()),
            },
            TypeSpec::Object(attrs) => match v {
                Value::Map(mut m) => {
                    let mut out = Map::new();
                    for (k, t) in attrs {
                        let x = m.remove(k).unwrap_or(Value::Null);
                        out.insert(
                            k.clone(),
                            t.convert(x)
                                .map_err(|e| format!("attribute \"{k}\": {e}"))?,
                        );
                    }
                    Ok(Value::Map(out))
                }
                _ => Err("object required.".to_string()),
            },
        }
    }
}

/// Resolves the root module's variables; returns values and warnings.
pub fn resolve_root(
    root: &Path,
    decls: &[Variable],
    opts: &VarOptions,
) -> Result<(Map, Vec<String>), TfError> {
    let mut vals: BTreeMap<String, Value> = BTreeMap::new();
    let mut warnings = vec![];
    let declared = |n: &str| decls.iter().find(|d| d.name == n);
    for (k, v) in &opts.supplied {
        if declared(k).is_some() {
            vals.insert(k.clone(), v.clone());
        }
    }
    let mut files: Vec<PathBuf> = vec![];
    let tfvars = root.join("terraform.tfvars");
    if tfvars.is_file() {
        files.push(tfvars);
    }
    let tfvars_json = root.join("terraform.tfvars.json");
    if tfvars_json.is_file() {
        files.push(tfvars_json);
    }
    let mut auto: Vec<PathBuf> = std::fs::read_dir(root)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    auto.retain(|p| {
        p.file_name()
            .map(|n| n.to_string_lossy())
            .is_some_and(|n| n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json"))
    });
    auto.sort();
    files.extend(auto);
    for f in &files {
        for (k, v, loc) in read_var_file(root, f)? {
            if declared(&k).is_none() {
                warnings.push(format!("Value for undeclared variable: the file {} assigns \"{k}\", which is not declared (line {}).", loc.file, loc.line));
                continue;
            }
            vals.insert(k, v);
        }
    }
    for (k, raw) in &opts.env {
        if let Some(d) = declared(k) {
            vals.insert(
                k.clone(),
                parse_raw(d, raw).map_err(|e| e.with_address(&format!("var.{k}")))?,
            );
        }
    }
    for arg in &opts.cli {
        match arg {
            VarArg::Var(kv) => {
                let (k, raw) = kv.split_once('=').ok_or_else(|| {
                    TfError::new("Invalid -var option", format!("The given -var option {kv:?} is not correctly specified. It must be a variable name and value separated by an equals sign, like -var=\"key=value\"."))
                })?;
                let d = declared(k).ok_or_else(|| {
                    TfError::new("Value for undeclared variable", format!("A variable named \"{k}\" was assigned on the command line, but the root module does not declare a variable of that name. To use this value, add a \"variable\" block to the configuration."))
                })?;
                vals.insert(k.to_string(), parse_raw(d, raw)?);
            }
            VarArg::File(p) => {
                let p = if p.is_absolute() {
                    p.clone()
                } else {
                    root.join(p)
                };
                for (k, v, _) in read_var_file(root, &p)? {
                    if declared(&k).is_some() {
                        vals.insert(k, v);
                    }
                }
            }
        }
    }
    let mut out = Map::new();
    for d in decls {
        let v = match vals.remove(&d.name) {
            Some(v) => d.ty.convert(v).map_err(|e| {
                TfError::new("Invalid value for input variable", format!("The given value is not suitable for var.{}: {e}", d.name)).at(&d.loc)
            })?,
            None => d.default.clone().ok_or_else(|| {
                TfError::new(
                    "No value for required variable",
                    format!("The root module input variable \"{}\" is not set, and has no default value. Use a -var or -var-file command line argument to provide a value for this variable.", d.name),
                )
                .at(&d.loc)
            })?,
        };
        out.insert(d.name.clone(), v);
    }
    Ok((out, warnings))
}

fn parse_raw(d: &Variable, raw: &str) -> Result<Value, TfError> {
    if d.ty.takes_raw_string() {
        return Ok(Value::str(raw));
    }
    let e = hcl_edit::parser::parse_expr(raw).map_err(|e| {
        TfError::new(
            "Invalid value for input variable",
            format!(
                "The value for var.{} is not a valid expression: {}",
                d.name,
                e.message()
            ),
        )
    })?;
    let f = FuncCtx::for_plan(PathBuf::from("."));
    Evaluator::new(&EmptyScope, &f).eval(&e)
}

/// Reads a `.tfvars` (HCL) or `.tfvars.json` file into (name, value, place).
fn read_var_file(root: &Path, path: &Path) -> Result<Vec<(String, Value, Loc)>, TfError> {
    let rel = path
        .strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        TfError::new(
            "Failed to read variables file",
            format!("Given variables file {rel} does not exist or cannot be read: {e}."),
        )
    })?;
    if rel.ends_with(".json") {
        let j: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| TfError::new("Invalid JSON in variables file", format!("{rel}: {e}")))?;
        let obj = j.as_object().ok_or_else(|| {
            TfError::new(
                "Invalid variables file",
                format!("{rel}: the root value must be an object."),
            )
        })?;
        return Ok(obj
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    Value::from_json(v),
                    Loc {
                        file: rel.clone(),
                        line: 1,
                    },
                )
            })
            .collect());
    }
    let body = hcl_edit::parser::parse_body(&text).map_err(|e| {
        TfError::new("Invalid HCL syntax", e.message().to_string()).at(&Loc {
            file: rel.clone(),
            line: e.location().line(),
        })
    })?;
    let f = FuncCtx::for_plan(root.to_path_buf());
    let mut out = vec![];
    for a in body.attributes() {
        let line = a
            .span()
            .map_or(1, |s| text[..s.start].matches('\n').count() + 1);
        let loc = Loc {
            file: rel.clone(),
            line,
        };
        let v = Evaluator::new(&EmptyScope, &f)
            .eval(&a.value)
            .map_err(|e| e.at(&loc))?;
        out.push((a.key.value().as_str().to_string(), v, loc));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(src: &str) -> TypeSpec {
        TypeSpec::parse(&hcl_edit::parser::parse_expr(src).unwrap()).unwrap()
    }

    #[test]
    fn types_and_conversions() {
        assert_eq!(ty("\"list\""), TypeSpec::List(Box::new(TypeSpec::Any)));
        assert_eq!(ty("map(string)"), TypeSpec::Map(Box::new(TypeSpec::String)));
        assert_eq!(
            ty("number").convert(Value::str("3")).unwrap(),
            Value::Number(3.0)
        );
        assert_eq!(
            ty("bool").convert(Value::str("true")).unwrap(),
            Value::Bool(true)
        );
        assert_eq!(
            ty("list(string)")
                .convert(Value::List(vec![Value::Number(1.0)]))
                .unwrap(),
            Value::List(vec![Value::str("1")])
        );
        assert!(ty("map(string)").convert(Value::str("x")).is_err());
        let o = ty("object({a = string, b = number})")
            .convert(Value::Map([("b".to_string(), Value::str("2"))].into()))
            .unwrap();
        assert_eq!(o.get("b"), &Value::Number(2.0));
    }
}
