//! Evaluating a resource block's body against its schema: unknown argument
//! names are errors naming file and line (with a did-you-mean), required
//! ones must be present, values are converted to the attribute's type.

use crate::error::{Loc, TfError};
use crate::expr::Evaluator;
use crate::load::Config;
use crate::schema::{Attr, BlockSpec, Ty};
use crate::suggest::did_you_mean;
use crate::value::{Map, Value};
use hcl_edit::Span;
use hcl_edit::structure::Body;

/// Evaluates `body` for a type with `attrs` and `blocks`; blocks become
/// lists of objects under their type name.
pub fn eval_body(
    cfg: &Config,
    file: usize,
    block_loc: &Loc,
    ev: &mut Evaluator<'_>,
    body: &Body,
    attrs: &[Attr],
    blocks: &[BlockSpec],
) -> Result<Map, TfError> {
    let mut out = Map::new();
    for a in body.attributes() {
        let name = a.key.value().as_str();
        let loc = cfg.loc(file, a.span());
        let spec = attrs.iter().find(|s| s.name == name);
        let spec = match spec {
            Some(s) if s.required || s.optional => s,
            Some(_) => {
                return Err(TfError::new("Invalid or unknown key", format!("The argument \"{name}\" is computed by the provider and cannot be set in configuration.")).at(&loc));
            }
            None => {
                let names = attrs
                    .iter()
                    .filter(|s| s.required || s.optional)
                    .map(|s| s.name)
                    .chain(blocks.iter().map(|b| b.name));
                let hint = did_you_mean(name, names)
                    .map(|s| format!(" Did you mean \"{s}\"?"))
                    .unwrap_or_default();
                let is_block = blocks.iter().any(|b| b.name == name);
                let detail = if is_block {
                    format!(
                        "An argument named \"{name}\" is not expected here. Did you mean to define a block of type \"{name}\"?"
                    )
                } else {
                    format!("An argument named \"{name}\" is not expected here.{hint}")
                };
                return Err(TfError::new("Unsupported argument", detail).at(&loc));
            }
        };
        let v = ev.eval(&a.value).map_err(|e| e.at(&loc))?;
        let v = convert(spec, v).map_err(|d| {
            TfError::new(
                "Incorrect attribute value type",
                format!("Inappropriate value for attribute \"{name}\": {d}"),
            )
            .at(&loc)
        })?;
        out.insert(name.to_string(), v);
    }
    for b in body.blocks() {
        let name = b.ident.value().as_str();
        let loc = cfg.loc(file, b.span());
        if name == "dynamic" {
            dynamic_block(cfg, file, ev, b, blocks, &mut out)?;
            continue;
        }
        let spec = blocks.iter().find(|s| s.name == name).ok_or_else(|| {
            let is_attr = attrs.iter().any(|a| a.name == name);
            let detail = if is_attr {
                format!("Blocks of type \"{name}\" are not expected here. Did you mean to define argument \"{name}\"? If so, use the equals sign to assign it a value.")
            } else {
                let hint = did_you_mean(name, blocks.iter().map(|b| b.name)).map(|s| format!(" Did you mean \"{s}\"?")).unwrap_or_default();
                format!("Blocks of type \"{name}\" are not expected here.{hint}")
            };
            TfError::new("Unsupported block type", detail).at(&loc)
        })?;
        let inner = eval_body(cfg, file, &loc, ev, &b.body, spec.attrs, spec.blocks)?;
        if let Value::List(l) = out
            .entry(name.to_string())
            .or_insert_with(|| Value::List(vec![]))
        {
            l.push(Value::Map(inner));
        }
    }
    for s in attrs.iter().filter(|s| s.required) {
        if !out.contains_key(s.name) {
            return Err(TfError::new(
                "Missing required argument",
                format!(
                    "The argument \"{}\" is required, but no definition was found.",
                    s.name
                ),
            )
            .at(block_loc));
        }
    }
    Ok(out)
}

/// Expands `dynamic "NAME" { for_each = ..., iterator = IT, content { ... } }`
/// into NAME blocks, with `IT.key` / `IT.value` (IT defaults to NAME).
fn dynamic_block(
    cfg: &Config,
    file: usize,
    ev: &mut Evaluator<'_>,
    b: &hcl_edit::structure::Block,
    blocks: &[BlockSpec],
    out: &mut Map,
) -> Result<(), TfError> {
    let loc = cfg.loc(file, b.span());
    let name = b
        .labels
        .first()
        .map(|l| l.as_str().to_string())
        .ok_or_else(|| {
            TfError::new(
                "Missing dynamic block type",
                "A dynamic block needs one label: the type of block it generates.",
            )
            .at(&loc)
        })?;
    let spec = blocks.iter().find(|s| s.name == name).ok_or_else(|| {
        TfError::new(
            "Unsupported block type",
            format!("Blocks of type \"{name}\" are not expected here."),
        )
        .at(&loc)
    })?;
    let fe = b.body.get_attribute("for_each").ok_or_else(|| {
        TfError::new(
            "Missing required argument",
            "The argument \"for_each\" is required in a dynamic block.",
        )
        .at(&loc)
    })?;
    let iter = match b.body.get_attribute("iterator") {
        Some(a) => match &a.value {
            hcl_edit::expr::Expression::Variable(v) => v.value().as_str().to_string(),
            _ => {
                return Err(TfError::new(
                    "Invalid dynamic iterator name",
                    "The iterator must be a bare name.",
                )
                .at(&loc));
            }
        },
        None => name.clone(),
    };
    let content = b.body.get_blocks("content").next().ok_or_else(|| {
        TfError::new(
            "Missing content block",
            "A dynamic block needs a content block.",
        )
        .at(&loc)
    })?;
    let items: Vec<(Value, Value)> = match ev.eval(&fe.value).map_err(|e| e.at(&loc))? {
        Value::List(l) => l.into_iter().enumerate().map(|(i, v)| (Value::Number(i as f64), v)).collect(),
        Value::Map(m) => m.into_iter().map(|(k, v)| (Value::String(k), v)).collect(),
        Value::Null => vec![],
        Value::Unknown => return Err(TfError::new("Invalid dynamic for_each value", "The for_each value of a dynamic block depends on values known only after apply; Portico needs the number of blocks at plan time.").at(&loc)),
        other => return Err(TfError::new("Invalid dynamic for_each value", format!("Cannot use a {} value in for_each. An iterable collection is required.", other.type_name())).at(&loc)),
    };
    for (k, v) in items {
        let it = Value::Map([("key".to_string(), k), ("value".to_string(), v)].into());
        let inner = ev.with_bindings(vec![(iter.clone(), it)], |ev| {
            eval_body(cfg, file, &loc, ev, &content.body, spec.attrs, spec.blocks)
        })?;
        if let Value::List(l) = out
            .entry(name.clone())
            .or_insert_with(|| Value::List(vec![]))
        {
            l.push(Value::Map(inner));
        }
    }
    Ok(())
}

/// Evaluates a body without a schema (types Portico records only).
pub fn eval_free(
    cfg: &Config,
    file: usize,
    ev: &mut Evaluator<'_>,
    body: &Body,
) -> Result<Map, TfError> {
    let mut out = Map::new();
    for a in body.attributes() {
        let v = ev
            .eval(&a.value)
            .map_err(|e| e.at(&cfg.loc(file, a.span())))?;
        out.insert(a.key.value().as_str().to_string(), v);
    }
    for b in body.blocks() {
        let inner = eval_free(cfg, file, ev, &b.body)?;
        if let Value::List(l) = out
            .entry(b.ident.value().as_str().to_string())
            .or_insert_with(|| Value::List(vec![]))
        {
            l.push(Value::Map(inner));
        }
    }
    Ok(out)
}

/// Converts a configured value to the attribute's type as the provider's
/// schema would (numbers and bools given as strings, and the reverse).
fn convert(spec: &Attr, v: Value) -> Result<Value, String> {
    if matches!(v, Value::Null | Value::Unknown) {
        return Ok(v);
    }
    match spec.ty {
        Ty::Str => v
            .to_interp_string()
            .map(Value::String)
            .ok_or_else(|| format!("string required, not {}.", v.type_name())),
        Ty::Num => v
            .as_number()
            .map(Value::Number)
            .ok_or_else(|| format!("a number is required, not {}.", v.type_name())),
        Ty::Bool => v
            .as_bool()
            .map(Value::Bool)
            .ok_or_else(|| format!("bool required, not {}.", v.type_name())),
        Ty::List => match v {
            Value::List(_) => Ok(v),
            other => Err(format!(
                "list of string required, not {}.",
                other.type_name()
            )),
        },
        Ty::Map => match v {
            Value::Map(m) => Ok(Value::Map(
                m.into_iter().map(|(k, x)| (k, map_elem(x))).collect(),
            )),
            other => Err(format!(
                "map of string required, not {}.",
                other.type_name()
            )),
        },
    }
}

/// Map elements are primitives in every table: numbers become strings as
/// in `map(string)`; bools stay (method `request_parameters` is `map(bool)`).
fn map_elem(v: Value) -> Value {
    match v {
        Value::Number(_) => Value::String(v.to_interp_string().unwrap_or_default()),
        other => other,
    }
}
