//! Collection functions: concat, merge, lookup, element, length, keys,
//! values, contains, coalesce, conversions, and the 0.11 `list()`/`map()`.

use super::{arg_err, arity, l, n, s};
use crate::error::TfError;
use crate::value::{Map, Value};

/// Dispatches the collection functions; `None` when `name` is not one of them.
pub(super) fn call(name: &str, a: &[Value]) -> Option<Result<Value, TfError>> {
    let r = match name {
        "length" => arity(a, 1, 1).and_then(|_| match &a[0] {
            Value::List(l) => Ok(Value::Number(l.len() as f64)),
            Value::Map(m) => Ok(Value::Number(m.len() as f64)),
            Value::String(s) => Ok(Value::Number(s.chars().count() as f64)),
            Value::Unknown => Ok(Value::Unknown),
            v => Err(arg_err(format!("Invalid value for \"value\" parameter: argument must be a string, a collection type, or a structural type, not {}.", v.type_name()))),
        }),
        "concat" | "list" | "coalescelist" if a.iter().any(Value::is_unknown) => Ok(Value::Unknown),
        "concat" => a.iter().enumerate().try_fold(Vec::new(), |mut acc, (i, _)| {
            acc.extend(l(a, i)?);
            Ok(acc)
        }).map(Value::List),
        "list" => Ok(Value::List(a.to_vec())),
        "tolist" => arity(a, 1, 1).and_then(|_| match &a[0] {
            Value::Unknown => Ok(Value::Unknown),
            Value::Null => Ok(Value::Null),
            _ => l(a, 0).map(Value::List),
        }),
        "toset" => arity(a, 1, 1).and_then(|_| {
            let mut items = l(a, 0)?;
            // Sets of strings come back sorted, as Terraform orders them.
            items.sort_by_key(|x| x.to_json().to_string());
            items.dedup();
            Ok(Value::List(items))
        }),
        "distinct" => arity(a, 1, 1).and_then(|_| {
            let mut out: Vec<Value> = Vec::new();
            for v in l(a, 0)? {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            Ok(Value::List(out))
        }),
        "map" => {
            if !a.len().is_multiple_of(2) {
                Err(arg_err("map() requires an even number of arguments (key, value pairs)."))
            } else {
                a.chunks(2).try_fold(Map::new(), |mut m, kv| {
                    m.insert(kv[0].to_interp_string().ok_or_else(|| arg_err("map keys must be strings"))?, kv[1].clone());
                    Ok(m)
                }).map(Value::Map)
            }
        }
        "tomap" => arity(a, 1, 1).and_then(|_| match &a[0] {
            v @ (Value::Map(_) | Value::Null | Value::Unknown) => Ok(v.clone()),
            v => Err(arg_err(format!("Invalid value for \"v\" parameter: cannot convert {} to map.", v.type_name()))),
        }),
        "merge" => {
            let mut out = Map::new();
            let mut r = Ok(());
            for v in a {
                match v {
                    Value::Map(m) => out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone()))),
                    Value::Null => {}
                    Value::Unknown => return Some(Ok(Value::Unknown)),
                    other => r = Err(arg_err(format!("arguments must be maps or objects, got {}.", other.type_name()))),
                }
            }
            r.map(|_| Value::Map(out))
        }
        "lookup" => arity(a, 2, 3).and_then(|_| match &a[0] {
            Value::Unknown => Ok(Value::Unknown),
            Value::Map(m) => {
                let k = s(a, 1)?;
                match (m.get(&k), a.get(2)) {
                    (Some(v), _) => Ok(v.clone()),
                    (None, Some(d)) => Ok(d.clone()),
                    (None, None) => Err(arg_err(format!("lookup failed to find key \"{k}\"."))),
                }
            }
            v => Err(arg_err(format!("Invalid value for \"inputMap\" parameter: must be a map, not {}.", v.type_name()))),
        }),
        "element" => arity(a, 2, 2).and_then(|_| {
            if a[0].is_unknown() || a[1].is_unknown() {
                return Ok(Value::Unknown);
            }
            let list = l(a, 0)?;
            if list.is_empty() {
                return Err(arg_err("cannot use element function with an empty list"));
            }
            let i = n(a, 1)?;
            if i < 0.0 {
                return Err(arg_err("cannot use element function with a negative index"));
            }
            // element() wraps around: index modulo length.
            Ok(list[(i as usize) % list.len()].clone())
        }),
        "keys" => map_arg(a).map(|m| m.map_or(Value::Unknown, |m| Value::List(m.keys().cloned().map(Value::String).collect()))),
        "values" => map_arg(a).map(|m| m.map_or(Value::Unknown, |m| Value::List(m.values().cloned().collect()))),
        "contains" => arity(a, 2, 2).and_then(|_| Ok(Value::Bool(l(a, 0)?.contains(&a[1])))),
        "index" => arity(a, 2, 2).and_then(|_| {
            let pos = l(a, 0)?.iter().position(|v| v == &a[1]).ok_or_else(|| arg_err("item not found"))?;
            Ok(Value::Number(pos as f64))
        }),
        "coalesce" => {
            for v in a {
                match v {
                    Value::Unknown => return Some(Ok(Value::Unknown)),
                    Value::Null => {}
                    Value::String(x) if x.is_empty() => {}
                    other => return Some(Ok(other.clone())),
                }
            }
            Err(arg_err("no non-null, non-empty-string arguments"))
        }
        "coalescelist" => Ok(a.iter().find(|v| matches!(v, Value::List(l) if !l.is_empty())).cloned().unwrap_or(Value::List(vec![]))),
        "compact" => arity(a, 1, 1).and_then(|_| {
            Ok(Value::List(l(a, 0)?.into_iter().filter(|v| !v.is_null() && v.as_str() != Some("")).collect()))
        }),
        "flatten" => arity(a, 1, 1).map(|_| {
            fn flat(v: Value, out: &mut Vec<Value>) {
                match v {
                    Value::List(l) => l.into_iter().for_each(|x| flat(x, out)),
                    other => out.push(other),
                }
            }
            let mut out = Vec::new();
            flat(a[0].clone(), &mut out);
            Value::List(out)
        }),
        "reverse" => arity(a, 1, 1).and_then(|_| Ok(Value::List(l(a, 0)?.into_iter().rev().collect()))),
        "sort" => arity(a, 1, 1).and_then(|_| {
            let mut v: Vec<String> = l(a, 0)?.iter().map(|x| x.to_interp_string().unwrap_or_default()).collect();
            v.sort();
            Ok(Value::List(v.into_iter().map(Value::String).collect()))
        }),
        "slice" => arity(a, 3, 3).and_then(|_| {
            let list = l(a, 0)?;
            let (from, to) = (n(a, 1)? as usize, n(a, 2)? as usize);
            if from > to || to > list.len() {
                return Err(arg_err("the slice indices are out of range"));
            }
            Ok(Value::List(list[from..to].to_vec()))
        }),
        "zipmap" => arity(a, 2, 2).and_then(|_| {
            let (k, v) = (l(a, 0)?, l(a, 1)?);
            if k.len() != v.len() {
                return Err(arg_err("number of keys and number of values must match"));
            }
            Ok(Value::Map(k.iter().map(|x| x.to_interp_string().unwrap_or_default()).zip(v).collect()))
        }),
        "range" => arity(a, 1, 3).and_then(|_| {
            let (start, end, step) = match a.len() {
                1 => (0.0, n(a, 0)?, 1.0),
                2 => (n(a, 0)?, n(a, 1)?, 1.0),
                _ => (n(a, 0)?, n(a, 1)?, n(a, 2)?),
            };
            if step == 0.0 {
                return Err(arg_err("step must not be zero"));
            }
            let mut out = Vec::new();
            let mut x = start;
            while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
                out.push(Value::Number(x));
                x += step;
                if out.len() > 1024 {
                    return Err(arg_err("more than 1024 values were generated"));
                }
            }
            Ok(Value::List(out))
        }),
        "min" | "max" => {
            let nums: Result<Vec<f64>, _> = (0..a.len()).map(|i| n(a, i)).collect();
            nums.and_then(|v| {
                let r = if name == "min" { v.iter().copied().reduce(f64::min) } else { v.iter().copied().reduce(f64::max) };
                r.map(Value::Number).ok_or_else(|| arg_err("must pass at least one number"))
            })
        }
        "abs" => arity(a, 1, 1).and_then(|_| Ok(Value::Number(n(a, 0)?.abs()))),
        "ceil" => arity(a, 1, 1).and_then(|_| Ok(Value::Number(n(a, 0)?.ceil()))),
        "floor" => arity(a, 1, 1).and_then(|_| Ok(Value::Number(n(a, 0)?.floor()))),
        _ => return None,
    };
    Some(r)
}

fn map_arg(a: &[Value]) -> Result<Option<&Map>, TfError> {
    arity(a, 1, 1)?;
    match &a[0] {
        Value::Map(m) => Ok(Some(m)),
        Value::Unknown => Ok(None),
        v => Err(arg_err(format!(
            "must be a map or object, not {}.",
            v.type_name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(name: &str, args: Vec<Value>) -> Value {
        call(name, &args).unwrap().unwrap()
    }
    fn list(v: &[&str]) -> Value {
        Value::List(v.iter().map(|s| Value::str(*s)).collect())
    }
    fn map(v: &[(&str, &str)]) -> Value {
        Value::Map(
            v.iter()
                .map(|(k, x)| (k.to_string(), Value::str(*x)))
                .collect(),
        )
    }

    #[test]
    fn collections() {
        assert_eq!(
            c("concat", vec![list(&["a"]), list(&["b"])]),
            list(&["a", "b"])
        );
        assert_eq!(
            c(
                "merge",
                vec![map(&[("a", "1")]), map(&[("a", "2"), ("b", "3")])]
            ),
            map(&[("a", "2"), ("b", "3")])
        );
        assert_eq!(
            c(
                "lookup",
                vec![map(&[("a", "1")]), Value::str("b"), Value::str("d")]
            ),
            Value::str("d")
        );
        assert_eq!(
            c("element", vec![list(&["a", "b"]), Value::Number(3.0)]),
            Value::str("b")
        );
        assert_eq!(c("length", vec![list(&["a", "b"])]), Value::Number(2.0));
        assert_eq!(
            c("length", vec![Value::List(vec![Value::Unknown])]),
            Value::Number(1.0)
        );
        assert_eq!(
            c("keys", vec![map(&[("b", "1"), ("a", "2")])]),
            list(&["a", "b"])
        );
        assert_eq!(
            c("values", vec![map(&[("b", "1"), ("a", "2")])]),
            list(&["2", "1"])
        );
        assert_eq!(
            c("contains", vec![list(&["a"]), Value::str("a")]),
            Value::Bool(true)
        );
        assert_eq!(
            c(
                "coalesce",
                vec![Value::Null, Value::str(""), Value::str("x")]
            ),
            Value::str("x")
        );
        assert_eq!(c("toset", vec![list(&["b", "a", "b"])]), list(&["a", "b"]));
        assert_eq!(c("tolist", vec![list(&["b"])]), list(&["b"]));
        assert_eq!(c("list", vec![Value::str("a")]), list(&["a"]));
        assert_eq!(
            c("map", vec![Value::str("k"), Value::str("v")]),
            map(&[("k", "v")])
        );
        assert_eq!(
            c("zipmap", vec![list(&["k"]), list(&["v"])]),
            map(&[("k", "v")])
        );
        assert_eq!(
            c(
                "flatten",
                vec![Value::List(vec![list(&["a"]), list(&["b"])])]
            ),
            list(&["a", "b"])
        );
        assert!(
            call("lookup", &[map(&[]), Value::str("x")])
                .unwrap()
                .is_err()
        );
    }
}
