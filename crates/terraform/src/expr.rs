//! The expression evaluator over `hcl-edit`'s syntax tree, with unknown
//! values: any operation on an unknown yields unknown, so a plan can say
//! `(known after apply)` exactly where Terraform does.

use crate::error::TfError;
use crate::funcs::{self, FuncCtx};
use crate::template;
use crate::value::{Map, Value, format_number};
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use std::borrow::Cow;

/// Where the evaluator finds what names refer to: `var`, `local`,
/// resources, `data`, `module`, `path`, `count`, `each`, `self`.
pub trait Scope {
    /// The value of `root.attr` (or of `root` alone when `attr` is None).
    fn resolve(&self, root: &str, attr: Option<&str>) -> Result<Resolved<'_>, TfError>;
}

/// What a scope returns for a reference root.
pub enum Resolved<'a> {
    /// The value of `root.attr`: the attribute step is consumed.
    Attr(Cow<'a, Value>),
}

/// A scope with nothing in it (tfvars files, variable defaults).
pub struct EmptyScope;

impl Scope for EmptyScope {
    fn resolve(&self, root: &str, _attr: Option<&str>) -> Result<Resolved<'_>, TfError> {
        Err(TfError::new(
            "Variables not allowed",
            format!("Variables may not be used here (found a reference to \"{root}\")."),
        ))
    }
}

/// Evaluates expressions against a scope and the function library.
pub struct Evaluator<'a> {
    /// Names the configuration defines.
    pub scope: &'a dyn Scope,
    /// Files, clock and random source for functions.
    pub funcs: &'a FuncCtx,
    /// Variables bound by `for` expressions and template `for` directives.
    bindings: Vec<(String, Value)>,
}

impl<'a> Evaluator<'a> {
    /// An evaluator over `scope`.
    pub fn new(scope: &'a dyn Scope, funcs: &'a FuncCtx) -> Evaluator<'a> {
        Evaluator {
            scope,
            funcs,
            bindings: Vec::new(),
        }
    }

    /// Evaluates one expression.
    pub fn eval(&mut self, e: &Expression) -> Result<Value, TfError> {
        match e {
            Expression::Null(_) => Ok(Value::Null),
            Expression::Bool(b) => Ok(Value::Bool(*b.value())),
            Expression::Number(n) => Ok(Value::Number(n.value().as_f64().unwrap_or(0.0))),
            Expression::String(s) => Ok(Value::String(s.value().clone())),
            Expression::Array(a) => Ok(Value::List(
                a.iter().map(|x| self.eval(x)).collect::<Result<_, _>>()?,
            )),
            Expression::Object(o) => {
                let mut m = Map::new();
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => i.value().as_str().to_string(),
                        ObjectKey::Expression(ke) => match self.eval(ke)? {
                            Value::Unknown => return Ok(Value::Unknown),
                            kv => kv.to_interp_string().ok_or_else(|| {
                                TfError::new("Incorrect key type", "Object keys must be strings.")
                            })?,
                        },
                    };
                    let val = self.eval(v.expr())?;
                    m.insert(key, val);
                }
                Ok(Value::Map(m))
            }
            Expression::StringTemplate(t) => template::eval_template(self, t, true),
            Expression::HeredocTemplate(h) => template::eval_template(self, &h.template, false),
            Expression::Parenthesis(p) => self.eval(p.inner()),
            Expression::Variable(v) => self.lookup(v.value().as_str(), &[]),
            Expression::Conditional(c) => match self.eval(&c.cond_expr)? {
                Value::Unknown => Ok(Value::Unknown),
                cond => match cond.as_bool() {
                    Some(true) => self.eval(&c.true_expr),
                    Some(false) => self.eval(&c.false_expr),
                    None => Err(TfError::new(
                        "Incorrect condition type",
                        format!(
                            "The condition expression must be of type bool, not {}.",
                            cond.type_name()
                        ),
                    )),
                },
            },
            Expression::FuncCall(f) => {
                let name = f.name.name.value().as_str();
                if name == "try" || name == "can" {
                    return self.eval_try(name, f.args.iter().collect());
                }
                let mut args = Vec::with_capacity(f.args.len());
                for a in f.args.iter() {
                    args.push(self.eval(a)?);
                }
                if f.args.expand_final() {
                    match args.pop() {
                        Some(Value::List(l)) => args.extend(l),
                        Some(Value::Unknown) => return Ok(Value::Unknown),
                        _ => {
                            return Err(TfError::new(
                                "Invalid expanding argument value",
                                "The expanding argument (indicated by ...) must be of a tuple, list, or set type.",
                            ));
                        }
                    }
                }
                funcs::call(self.funcs, name, args)
            }
            Expression::Traversal(t) => self.eval_traversal(&t.expr, &t.operators),
            Expression::UnaryOp(u) => {
                let v = self.eval(&u.expr)?;
                if v.is_unknown() {
                    return Ok(Value::Unknown);
                }
                match u.operator.value() {
                    UnaryOperator::Neg => v
                        .as_number()
                        .map(|n| Value::Number(-n))
                        .ok_or_else(|| operand_err("number", &v)),
                    UnaryOperator::Not => v
                        .as_bool()
                        .map(|b| Value::Bool(!b))
                        .ok_or_else(|| operand_err("bool", &v)),
                }
            }
            Expression::BinaryOp(b) => {
                let l = self.eval(&b.lhs_expr)?;
                let r = self.eval(&b.rhs_expr)?;
                binary(b.operator.value(), l, r)
            }
            Expression::ForExpr(f) => self.eval_for(f),
        }
    }

    /// `try(a, b, ...)`: the first argument that evaluates without error;
    /// `can(x)`: whether it does. Errors are swallowed, unknowns kept.
    fn eval_try(&mut self, name: &str, args: Vec<&Expression>) -> Result<Value, TfError> {
        let mut last = None;
        for a in args {
            match self.eval(a) {
                Ok(v) if name == "can" => {
                    return Ok(if v.is_unknown() { v } else { Value::Bool(true) });
                }
                Ok(v) => return Ok(v),
                Err(_) if name == "can" => return Ok(Value::Bool(false)),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            TfError::new(
                "Invalid function argument",
                "try() requires at least one argument.",
            )
        }))
    }

    /// A bound name (for-expression variable) or a scope lookup, followed by
    /// the traversal `ops`.
    fn lookup(
        &mut self,
        root: &str,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
    ) -> Result<Value, TfError> {
        if let Some((_, v)) = self.bindings.iter().rev().find(|(n, _)| n == root) {
            let v = v.clone();
            return self.apply_ops(Cow::Owned(v), ops);
        }
        let first_attr = match ops.first().map(|o| o.value()) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.value().as_str()),
            _ => None,
        };
        match self.scope.resolve(root, first_attr)? {
            Resolved::Attr(v) => self.apply_ops(v, ops.get(1..).unwrap_or(&[])),
        }
    }

    fn eval_traversal(
        &mut self,
        base: &Expression,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
    ) -> Result<Value, TfError> {
        if let Expression::Variable(v) = base {
            return self.lookup(v.value().as_str(), ops);
        }
        let v = self.eval(base)?;
        self.apply_ops(Cow::Owned(v), ops)
    }

    fn apply_ops(
        &mut self,
        mut cur: Cow<'_, Value>,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
    ) -> Result<Value, TfError> {
        for (i, op) in ops.iter().enumerate() {
            if cur.is_unknown() {
                return Ok(Value::Unknown);
            }
            match op.value() {
                TraversalOperator::GetAttr(a) => {
                    let name = a.value().as_str();
                    cur = match cur {
                        Cow::Borrowed(v) => Cow::Borrowed(get_attr(v, name)?),
                        Cow::Owned(v) => Cow::Owned(get_attr(&v, name)?.clone()),
                    };
                }
                TraversalOperator::Index(e) => {
                    let k = self.eval(e)?;
                    cur = Cow::Owned(index(&cur, &k)?);
                }
                TraversalOperator::LegacyIndex(n) => {
                    cur = Cow::Owned(index(&cur, &Value::Number(*n.value() as f64))?);
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let items = match cur.into_owned() {
                        Value::Null => vec![],
                        Value::List(l) => l,
                        other => vec![other],
                    };
                    let rest = &ops[i + 1..];
                    let mut out = Vec::with_capacity(items.len());
                    for it in items {
                        out.push(self.apply_ops(Cow::Owned(it), rest)?);
                    }
                    return Ok(Value::List(out));
                }
            }
        }
        Ok(cur.into_owned())
    }

    fn eval_for(&mut self, f: &hcl_edit::expr::ForExpr) -> Result<Value, TfError> {
        let coll = self.eval(&f.intro.collection_expr)?;
        let pairs: Vec<(Value, Value)> = match coll {
            Value::Unknown => return Ok(Value::Unknown),
            Value::List(l) => l
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::Number(i as f64), v))
                .collect(),
            Value::Map(m) => m.into_iter().map(|(k, v)| (Value::String(k), v)).collect(),
            other => {
                return Err(TfError::new(
                    "Iteration over non-iterable value",
                    format!(
                        "A value of type {} cannot be used as the collection in a 'for' expression.",
                        other.type_name()
                    ),
                ));
            }
        };
        let kname = f
            .intro
            .key_var
            .as_ref()
            .map(|k| k.value().as_str().to_string());
        let vname = f.intro.value_var.value().as_str().to_string();
        let mut list = Vec::new();
        let mut map = Map::new();
        for (k, v) in pairs {
            let mark = self.bindings.len();
            if let Some(kn) = &kname {
                self.bindings.push((kn.clone(), k));
            }
            self.bindings.push((vname.clone(), v));
            let res = self.for_item(f, &mut list, &mut map);
            self.bindings.truncate(mark);
            if res? {
                return Ok(Value::Unknown);
            }
        }
        Ok(if f.key_expr.is_some() {
            Value::Map(map)
        } else {
            Value::List(list)
        })
    }

    /// One iteration of a `for` expression; true when the result is unknown.
    fn for_item(
        &mut self,
        f: &hcl_edit::expr::ForExpr,
        list: &mut Vec<Value>,
        map: &mut Map,
    ) -> Result<bool, TfError> {
        if let Some(c) = &f.cond {
            match self.eval(&c.expr)? {
                Value::Unknown => return Ok(true),
                c => {
                    if c.as_bool() != Some(true) {
                        return Ok(false);
                    }
                }
            }
        }
        let v = self.eval(&f.value_expr)?;
        match &f.key_expr {
            None => list.push(v),
            Some(ke) => {
                let k = match self.eval(ke)? {
                    Value::Unknown => return Ok(true),
                    k => k.to_interp_string().unwrap_or_default(),
                };
                if f.grouping {
                    if let Value::List(l) = map.entry(k).or_insert_with(|| Value::List(vec![])) {
                        l.push(v);
                    }
                } else {
                    match map.entry(k) {
                        std::collections::btree_map::Entry::Occupied(o) => {
                            return Err(TfError::new(
                                "Duplicate object key",
                                format!(
                                    "Two different items produced the key \"{}\" in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key.",
                                    o.key()
                                ),
                            ));
                        }
                        std::collections::btree_map::Entry::Vacant(e) => {
                            e.insert(v);
                        }
                    }
                }
            }
        }
        Ok(false)
    }

    /// Runs `f` with extra bound names (template `for` directives).
    pub(crate) fn with_bindings<T>(
        &mut self,
        binds: Vec<(String, Value)>,
        f: impl FnOnce(&mut Self) -> Result<T, TfError>,
    ) -> Result<T, TfError> {
        let mark = self.bindings.len();
        self.bindings.extend(binds);
        let r = f(self);
        self.bindings.truncate(mark);
        r
    }
}

fn operand_err(want: &str, v: &Value) -> TfError {
    TfError::new(
        "Invalid operand",
        format!(
            "Unsuitable value for operand: a {want} is required, not {}.",
            v.type_name()
        ),
    )
}

fn get_attr<'v>(v: &'v Value, name: &str) -> Result<&'v Value, TfError> {
    match v {
        Value::Map(m) => m.get(name).ok_or_else(|| {
            TfError::new(
                "Unsupported attribute",
                format!("This object does not have an attribute named \"{name}\"."),
            )
        }),
        Value::Null => Err(TfError::new(
            "Attempt to get attribute from null value",
            "This value is null, so it does not have any attributes.",
        )),
        Value::List(_) => Err(TfError::new(
            "Unsupported attribute",
            format!(
                "Can't access attributes on a list of objects. Did you mean to access attribute \"{name}\" for a specific element of the list, or across all elements of the list?"
            ),
        )),
        other => Err(TfError::new(
            "Unsupported attribute",
            format!(
                "Can't access attributes on a primitive-typed value ({}).",
                other.type_name()
            ),
        )),
    }
}

/// `v[k]`: list by number, map by string.
pub fn index(v: &Value, k: &Value) -> Result<Value, TfError> {
    if k.is_unknown() {
        return Ok(Value::Unknown);
    }
    match v {
        Value::List(l) => {
            let n = k.as_number().ok_or_else(|| TfError::new("Invalid index", "The given key does not identify an element in this collection value: a number is required."))?;
            l.get(n as usize).cloned().filter(|_| n >= 0.0 && n.fract() == 0.0).ok_or_else(|| {
                TfError::new(
                    "Invalid index",
                    format!("The given key does not identify an element in this collection value: the collection has {} elements, so the index {} is out of range.", l.len(), format_number(n)),
                )
            })
        }
        Value::Map(m) => {
            let key = k.to_interp_string().unwrap_or_default();
            m.get(&key).cloned().ok_or_else(|| {
                TfError::new("Invalid index", format!("The given key does not identify an element in this collection value: the map has no element for the key \"{key}\"."))
            })
        }
        Value::Unknown => Ok(Value::Unknown),
        other => Err(TfError::new(
            "Invalid index",
            format!(
                "This value does not have any indices (it is a {}).",
                other.type_name()
            ),
        )),
    }
}

/// Binary operators; unknown in, unknown out.
pub fn binary(op: &BinaryOperator, l: Value, r: Value) -> Result<Value, TfError> {
    use BinaryOperator as B;
    if l.is_unknown() || r.is_unknown() {
        return Ok(Value::Unknown);
    }
    let num = |v: &Value| v.as_number().ok_or_else(|| operand_err("number", v));
    let boolean = |v: &Value| v.as_bool().ok_or_else(|| operand_err("bool", v));
    Ok(match op {
        B::Eq => Value::Bool(loose_eq(&l, &r)),
        B::NotEq => Value::Bool(!loose_eq(&l, &r)),
        B::And => Value::Bool(boolean(&l)? && boolean(&r)?),
        B::Or => Value::Bool(boolean(&l)? || boolean(&r)?),
        B::Less => Value::Bool(num(&l)? < num(&r)?),
        B::LessEq => Value::Bool(num(&l)? <= num(&r)?),
        B::Greater => Value::Bool(num(&l)? > num(&r)?),
        B::GreaterEq => Value::Bool(num(&l)? >= num(&r)?),
        B::Plus => Value::Number(num(&l)? + num(&r)?),
        B::Minus => Value::Number(num(&l)? - num(&r)?),
        B::Mul => Value::Number(num(&l)? * num(&r)?),
        B::Div => {
            let d = num(&r)?;
            if d == 0.0 {
                return Err(TfError::new(
                    "Operation failed",
                    "Error during operation: can't divide by zero.",
                ));
            }
            Value::Number(num(&l)? / d)
        }
        B::Mod => {
            let d = num(&r)?;
            if d == 0.0 {
                return Err(TfError::new(
                    "Operation failed",
                    "Error during operation: can't divide by zero.",
                ));
            }
            Value::Number(num(&l)? % d)
        }
    })
}

/// Equality as Terraform applies it after type unification: a number and
/// its string form are equal (`"1" == 1` is false in 0.12+, true in 0.11;
/// we follow 0.12+ and compare strictly except for number formatting).
fn loose_eq(l: &Value, r: &Value) -> bool {
    match (l, r) {
        (Value::Number(a), Value::Number(b)) => a == b,
        _ => l == r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(src: &str) -> Result<Value, TfError> {
        let e =
            hcl_edit::parser::parse_expr(src).map_err(|e| TfError::new("parse", e.to_string()))?;
        let f = FuncCtx::for_plan(std::path::PathBuf::from("."));
        Evaluator::new(&EmptyScope, &f).eval(&e)
    }

    #[test]
    fn operators_and_conditionals() {
        assert_eq!(ev("1 + 2 * 3").unwrap(), Value::Number(7.0));
        assert_eq!(
            ev("true && !false ? \"a\" : \"b\"").unwrap(),
            Value::str("a")
        );
        assert_eq!(ev("5 % 3 == 2").unwrap(), Value::Bool(true));
        assert!(ev("1 / 0").is_err());
    }

    #[test]
    fn for_expressions_and_splats() {
        assert_eq!(
            ev("[for x in [1, 2, 3] : x * 2 if x > 1]").unwrap(),
            Value::List(vec![Value::Number(4.0), Value::Number(6.0)])
        );
        assert_eq!(
            ev("{for k, v in {a = 1} : v => k}").unwrap().get("1"),
            &Value::str("a")
        );
        assert_eq!(
            ev("[{a = 1}, {a = 2}][*].a").unwrap(),
            Value::List(vec![Value::Number(1.0), Value::Number(2.0)])
        );
        assert_eq!(
            ev("{for s in [\"a\", \"b\", \"a\"] : s => s...}")
                .unwrap()
                .get("a"),
            &Value::List(vec![Value::str("a"), Value::str("a")])
        );
    }

    #[test]
    fn unknown_propagates() {
        assert_eq!(ev("timestamp()").unwrap(), Value::Unknown);
        assert_eq!(ev("\"at ${timestamp()}\"").unwrap(), Value::Unknown);
        assert_eq!(
            ev("sha1(jsonencode([timestamp()]))").unwrap(),
            Value::Unknown
        );
        assert_eq!(ev("timestamp() == \"x\" ? 1 : 2").unwrap(), Value::Unknown);
        assert_eq!(
            ev("try(undefined_thing, \"fallback\")").unwrap(),
            Value::str("fallback")
        );
    }

    #[test]
    fn whole_value_interpolation_keeps_type() {
        assert_eq!(
            ev("\"${[1, 2]}\"").unwrap(),
            Value::List(vec![Value::Number(1.0), Value::Number(2.0)])
        );
        assert_eq!(ev("\"${1 + 1}\"").unwrap(), Value::Number(2.0));
        assert_eq!(ev("\"a${1 + 1}\"").unwrap(), Value::str("a2"));
    }
}
