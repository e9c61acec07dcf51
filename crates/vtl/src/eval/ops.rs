//! Operators with Velocity 1.7 / Java semantics: integer arithmetic stays
//! integral (overflow widens to a double), `+` concatenates when either
//! side is a string, division or modulo by zero gives null, comparisons
//! mix integer and floating-point numbers.

use super::Renderer;
use crate::ast::{BinOp, Expr};
use crate::error::Fault;
use crate::value::{Key, Value};

/// `#if` truth: null and `false` are false, every other object is true
/// (even `""` and `0`, as in Velocity 1.7).
pub(crate) fn truthy(v: &Value) -> bool {
    !matches!(v, Value::Null | Value::Bool(false))
}

pub(crate) fn negate(v: &Value) -> Value {
    match v {
        Value::Int(i) => i
            .checked_neg()
            .map_or(Value::Float(-(*i as f64)), Value::Int),
        Value::Float(f) => Value::Float(-f),
        _ => Value::Null,
    }
}

/// A range bound: an integer, or a string holding one.
pub(crate) fn range_bound(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[derive(Clone, Copy)]
enum Num {
    I(i64),
    F(f64),
}

fn num(v: &Value) -> Option<Num> {
    match v {
        Value::Int(i) => Some(Num::I(*i)),
        Value::Float(f) => Some(Num::F(*f)),
        _ => None,
    }
}

fn as_f64(n: Num) -> f64 {
    match n {
        Num::I(i) => i as f64,
        Num::F(f) => f,
    }
}

fn arith(op: BinOp, a: Num, b: Num) -> Value {
    if let (Num::I(x), Num::I(y)) = (a, b) {
        let r = match op {
            BinOp::Add => x.checked_add(y),
            BinOp::Sub => x.checked_sub(y),
            BinOp::Mul => x.checked_mul(y),
            BinOp::Div if y == 0 => return Value::Null,
            BinOp::Div => x.checked_div(y),
            BinOp::Mod if y == 0 => return Value::Null,
            BinOp::Mod => x.checked_rem(y),
            _ => return Value::Null,
        };
        if let Some(r) = r {
            return Value::Int(r);
        }
    }
    let (x, y) = (as_f64(a), as_f64(b));
    match op {
        BinOp::Add => Value::Float(x + y),
        BinOp::Sub => Value::Float(x - y),
        BinOp::Mul => Value::Float(x * y),
        BinOp::Div if y == 0.0 => Value::Null,
        BinOp::Div => Value::Float(x / y),
        BinOp::Mod if y == 0.0 => Value::Null,
        BinOp::Mod => Value::Float(x % y),
        _ => Value::Null,
    }
}

fn cmp_nums(a: Num, b: Num) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Num::I(x), Num::I(y)) => Some(x.cmp(&y)),
        _ => as_f64(a).partial_cmp(&as_f64(b)),
    }
}

impl<'t> Renderer<'t> {
    pub(crate) fn binary(&mut self, op: BinOp, l: &'t Expr, r: &'t Expr) -> Result<Value, Fault> {
        let left = self.eval(l)?;
        match op {
            BinOp::And if !truthy(&left) => return Ok(Value::Bool(false)),
            BinOp::Or if truthy(&left) => return Ok(Value::Bool(true)),
            _ => {}
        }
        let right = self.eval(r)?;
        Ok(match op {
            BinOp::And | BinOp::Or => Value::Bool(truthy(&right)),
            BinOp::Eq => Value::Bool(self.velocity_eq(&left, &right)?),
            BinOp::Ne => Value::Bool(!self.velocity_eq(&left, &right)?),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let ord = match (num(&left), num(&right)) {
                    (Some(a), Some(b)) => cmp_nums(a, b),
                    // Velocity 1.7 only orders numbers; anything else is
                    // logged and false.
                    _ => None,
                };
                Value::Bool(ord.is_some_and(|o| match op {
                    BinOp::Lt => o.is_lt(),
                    BinOp::Le => o.is_le(),
                    BinOp::Gt => o.is_gt(),
                    _ => o.is_ge(),
                }))
            }
            BinOp::Add if matches!(left, Value::Str(_)) || matches!(right, Value::Str(_)) => {
                if left.is_null() || right.is_null() {
                    Value::Null
                } else {
                    let mut s = self.display(&left)?;
                    s.push_str(&self.display(&right)?);
                    self.new_string(s)?
                }
            }
            _ => match (num(&left), num(&right)) {
                (Some(a), Some(b)) => arith(op, a, b),
                _ => Value::Null,
            },
        })
    }

    /// Velocity's `==`: numbers by value across integer/float, objects of
    /// the same kind by Java `equals`, objects of different kinds by their
    /// `toString()`. Null equals null and, as API Gateway renders null as
    /// empty text, the empty string too.
    pub(crate) fn velocity_eq(&mut self, a: &Value, b: &Value) -> Result<bool, Fault> {
        match (a, b) {
            (Value::Null, Value::Null) => Ok(true),
            (Value::Null, Value::Str(s)) | (Value::Str(s), Value::Null) => Ok(s.is_empty()),
            (Value::Null, _) | (_, Value::Null) => Ok(false),
            _ => {
                if let (Some(x), Some(y)) = (num(a), num(b)) {
                    return Ok(cmp_nums(x, y).is_some_and(|o| o.is_eq()));
                }
                if std::mem::discriminant(a) == std::mem::discriminant(b) {
                    return self.java_equals(a, b);
                }
                Ok(self.display(a)? == self.display(b)?)
            }
        }
    }

    /// Java `a.equals(b)`: same kind and same content (lists in order,
    /// maps as sets of entries). `Integer.equals(Double)` is false.
    pub(crate) fn java_equals(&mut self, a: &Value, b: &Value) -> Result<bool, Fault> {
        self.step()?;
        Ok(match (a, b) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Float(x), Value::Float(y)) => x == y,
            (Value::Str(x), Value::Str(y)) => x == y,
            (Value::List(x), Value::List(y)) => {
                if x == y {
                    return Ok(true);
                }
                let xs = self
                    .heap
                    .list(*x)
                    .map(|l| l.items.clone())
                    .unwrap_or_default();
                let ys = self
                    .heap
                    .list(*y)
                    .map(|l| l.items.clone())
                    .unwrap_or_default();
                if xs.len() != ys.len() {
                    return Ok(false);
                }
                self.enter()?;
                let mut same = true;
                for (p, q) in xs.iter().zip(ys.iter()) {
                    if !self.java_equals(p, q)? {
                        same = false;
                        break;
                    }
                }
                self.leave();
                same
            }
            (Value::Map(x), Value::Map(y)) => {
                if x == y {
                    return Ok(true);
                }
                let xs: Vec<(Key, Value)> = self
                    .heap
                    .map(*x)
                    .map(|m| m.iter().cloned().collect())
                    .unwrap_or_default();
                let Some(ylen) = self.heap.map(*y).map(|m| m.len()) else {
                    return Ok(false);
                };
                if xs.len() != ylen {
                    return Ok(false);
                }
                self.enter()?;
                let mut same = true;
                for (k, v) in &xs {
                    let other = self.heap.map(*y).and_then(|m| m.get(k)).cloned();
                    match other {
                        Some(o) if self.java_equals(v, &o)? => {}
                        _ => {
                            same = false;
                            break;
                        }
                    }
                }
                self.leave();
                same
            }
            (Value::Entry(x), Value::Entry(y)) => x == y,
            (Value::Block(x), Value::Block(y)) => x == y,
            (Value::Input, Value::Input) | (Value::Util, Value::Util) => true,
            _ => false,
        })
    }
}
