//! Method calls, properties and indexing on values: `java.util.List`,
//! `Map`, `Map.Entry`, numbers, booleans and `$foreach`. A method that
//! does not exist (or does not take these argument types) returns null,
//! which renders as nothing — what API Gateway users see.

use super::Renderer;
use crate::error::Fault;
use crate::value::{Key, Obj, ObjId, Value};

fn oob(i: i64, len: usize) -> Fault {
    Fault::render(format!(
        "IndexOutOfBoundsException: Index: {i}, Size: {len}"
    ))
}

impl<'t> Renderer<'t> {
    pub(crate) fn call_method(
        &mut self,
        target: &Value,
        name: &str,
        args: Vec<Value>,
    ) -> Result<Value, Fault> {
        self.step()?;
        let found = match target {
            Value::Null => None,
            Value::Str(s) => self.string_method(&s.clone(), name, &args)?,
            Value::List(id) => self.list_method(*id, name, &args)?,
            Value::Map(id) => self.map_method(*id, name, &args)?,
            Value::Entry(id) => {
                let (k, v) = self
                    .heap
                    .entry(*id)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .unwrap_or((Value::Null, Value::Null));
                match (name, args.len()) {
                    ("getKey", 0) => Some(k),
                    ("getValue", 0) => Some(v),
                    _ => None,
                }
            }
            Value::Int(_) | Value::Float(_) => number_method(target, name, &args),
            Value::Bool(b) => match (name, args.len()) {
                ("booleanValue", 0) => Some(Value::Bool(*b)),
                _ => None,
            },
            Value::Foreach(id) => self.foreach_property(*id, name, args.len()),
            Value::Input => self.input_method(name, &args)?,
            Value::Util => self.util_method(name, &args)?,
            Value::Block(_) => None,
        };
        if let Some(v) = found {
            return Ok(v);
        }
        // Methods every Java object has.
        Ok(match (name, args.len()) {
            ("toString", 0) if !target.is_null() => {
                let s = self.display(target)?;
                Value::string(s)
            }
            ("equals", 1) if !target.is_null() => Value::Bool(self.java_equals(target, &args[0])?),
            _ => Value::Null,
        })
    }

    /// `$x.name`: a map's `get("name")`, otherwise the bean getter
    /// `getName()` / `isName()` (so `$list.empty` is `isEmpty()`).
    pub(crate) fn property(&mut self, target: &Value, name: &str) -> Result<Value, Fault> {
        match target {
            Value::Null => Ok(Value::Null),
            Value::Map(id) => Ok(self
                .heap
                .map(*id)
                .and_then(|m| m.get(&Key::str(name)))
                .cloned()
                .unwrap_or(Value::Null)),
            Value::Foreach(id) => Ok(self.foreach_property(*id, name, 0).unwrap_or(Value::Null)),
            Value::Entry(_) if name == "key" || name == "value" => {
                let getter = if name == "key" { "getKey" } else { "getValue" };
                self.call_method(target, getter, Vec::new())
            }
            Value::Input if name == "body" => self
                .input_method("body", &[])
                .map(|v| v.unwrap_or(Value::Null)),
            _ => {
                let mut cap = name.to_string();
                if let Some(first) = cap.get_mut(0..1) {
                    first.make_ascii_uppercase();
                }
                let got = self.call_method(target, &format!("get{cap}"), Vec::new())?;
                if !got.is_null() {
                    return Ok(got);
                }
                self.call_method(target, &format!("is{cap}"), Vec::new())
            }
        }
    }

    /// `$x[i]`: list element (out of range fails, like Java) or map value.
    pub(crate) fn index(&mut self, target: &Value, i: &Value) -> Result<Value, Fault> {
        match target {
            Value::List(_) => match i {
                Value::Int(_) => self.call_method(target, "get", vec![i.clone()]),
                _ => Ok(Value::Null),
            },
            Value::Map(_) => self.call_method(target, "get", vec![i.clone()]),
            _ => Ok(Value::Null),
        }
    }

    fn foreach_property(&self, id: ObjId, name: &str, nargs: usize) -> Option<Value> {
        let f = self.heap.foreach(id)?;
        if nargs != 0 {
            return None;
        }
        Some(match name {
            "hasNext" | "isHasNext" | "getHasNext" => Value::Bool(f.has_next),
            "index" | "getIndex" => Value::Int(f.index),
            "count" | "getCount" => Value::Int(f.index + 1),
            "first" | "isFirst" | "getFirst" => Value::Bool(f.index == 0),
            "last" | "isLast" | "getLast" => Value::Bool(!f.has_next),
            _ => return None,
        })
    }

    fn list_method(
        &mut self,
        id: ObjId,
        name: &str,
        args: &[Value],
    ) -> Result<Option<Value>, Fault> {
        let len = self.heap.list(id).map_or(0, |l| l.items.len());
        let v = match (name, args.len()) {
            ("size", 0) => Value::Int(len as i64),
            ("isEmpty", 0) => Value::Bool(len == 0),
            ("get", 1) => {
                let Some(i) = args[0].as_int() else {
                    return Ok(None);
                };
                let item = usize::try_from(i)
                    .ok()
                    .and_then(|u| self.heap.list(id).and_then(|l| l.items.get(u)));
                match item {
                    Some(v) => v.clone(),
                    None => return Err(oob(i, len)),
                }
            }
            ("contains", 1) => Value::Bool(self.position(id, &args[0])?.is_some()),
            ("indexOf", 1) => Value::Int(self.position(id, &args[0])?.map_or(-1, |p| p as i64)),
            ("add", 1) => {
                self.charge(1)?;
                if let Some(l) = self.heap.list_mut(id) {
                    l.items.push(args[0].clone());
                }
                Value::Bool(true)
            }
            ("add", 2) => {
                let Some(i) = args[0].as_int() else {
                    return Ok(None);
                };
                if i < 0 || i as usize > len {
                    return Err(oob(i, len));
                }
                self.charge(1)?;
                if let Some(l) = self.heap.list_mut(id) {
                    l.items.insert(i as usize, args[1].clone());
                }
                Value::Null
            }
            ("set", 2) => {
                let Some(i) = args[0].as_int().filter(|i| *i >= 0 && (*i as usize) < len) else {
                    return Err(oob(args[0].as_int().unwrap_or(-1), len));
                };
                match self.heap.list_mut(id) {
                    Some(l) => std::mem::replace(&mut l.items[i as usize], args[1].clone()),
                    None => Value::Null,
                }
            }
            ("addAll", 1) => {
                let Value::List(other) = &args[0] else {
                    return Ok(None);
                };
                let extra = self
                    .heap
                    .list(*other)
                    .map(|l| l.items.clone())
                    .unwrap_or_default();
                self.charge(extra.len())?;
                let changed = !extra.is_empty();
                if let Some(l) = self.heap.list_mut(id) {
                    l.items.extend(extra);
                }
                Value::Bool(changed)
            }
            ("remove", 1) => match &args[0] {
                // `remove(int)` removes by position, `remove(Object)` by
                // value — Java's overloads.
                Value::Int(i) => {
                    if *i < 0 || *i as usize >= len {
                        return Err(oob(*i, len));
                    }
                    match self.heap.list_mut(id) {
                        Some(l) => l.items.remove(*i as usize),
                        None => Value::Null,
                    }
                }
                x => {
                    let p = self.position(id, x)?;
                    if let (Some(p), Some(l)) = (p, self.heap.list_mut(id)) {
                        l.items.remove(p);
                    }
                    Value::Bool(p.is_some())
                }
            },
            ("clear", 0) => {
                if let Some(l) = self.heap.list_mut(id) {
                    l.items.clear();
                }
                Value::Null
            }
            _ => return Ok(None),
        };
        Ok(Some(v))
    }

    fn position(&mut self, id: ObjId, x: &Value) -> Result<Option<usize>, Fault> {
        let items = self
            .heap
            .list(id)
            .map(|l| l.items.clone())
            .unwrap_or_default();
        for (i, item) in items.iter().enumerate() {
            if self.java_equals(item, x)? {
                return Ok(Some(i));
            }
        }
        Ok(None)
    }

    fn map_method(
        &mut self,
        id: ObjId,
        name: &str,
        args: &[Value],
    ) -> Result<Option<Value>, Fault> {
        let v = match (name, args.len()) {
            ("get", 1) | ("getOrDefault", 2) | ("containsKey", 1) => {
                let k = self.key_of(&args[0])?;
                let found = self.heap.map(id).and_then(|m| m.get(&k)).cloned();
                match name {
                    "containsKey" => Value::Bool(found.is_some()),
                    "getOrDefault" => found.unwrap_or_else(|| args[1].clone()),
                    _ => found.unwrap_or(Value::Null),
                }
            }
            ("put", 2) => {
                let k = self.key_of(&args[0])?;
                self.charge(1)?;
                self.heap
                    .map_mut(id)
                    .and_then(|m| m.insert(k, args[1].clone()))
                    .unwrap_or(Value::Null)
            }
            ("putAll", 1) => {
                let Value::Map(other) = &args[0] else {
                    return Ok(None);
                };
                let entries: Vec<(Key, Value)> = self
                    .heap
                    .map(*other)
                    .map(|m| m.iter().cloned().collect())
                    .unwrap_or_default();
                self.charge(entries.len())?;
                if let Some(m) = self.heap.map_mut(id) {
                    for (k, v) in entries {
                        m.insert(k, v);
                    }
                }
                Value::Null
            }
            ("remove", 1) => {
                let k = self.key_of(&args[0])?;
                self.heap
                    .map_mut(id)
                    .and_then(|m| m.remove(&k))
                    .unwrap_or(Value::Null)
            }
            ("size", 0) => Value::Int(self.heap.map(id).map_or(0, |m| m.len()) as i64),
            ("isEmpty", 0) => Value::Bool(self.heap.map(id).is_none_or(|m| m.len() == 0)),
            ("keySet" | "values" | "entrySet", 0) => {
                let entries: Vec<(Key, Value)> = self
                    .heap
                    .map(id)
                    .map(|m| m.iter().cloned().collect())
                    .unwrap_or_default();
                self.charge(entries.len() * 2 + 1)?;
                let items: Vec<Value> = entries
                    .into_iter()
                    .map(|(k, v)| match name {
                        "keySet" => k.to_value(),
                        "values" => v,
                        _ => Value::Entry(self.heap.alloc(Obj::Entry(k.to_value(), v))),
                    })
                    .collect();
                self.heap.new_list(items, false)
            }
            ("containsValue", 1) => {
                let values: Vec<Value> = self
                    .heap
                    .map(id)
                    .map(|m| m.iter().map(|(_, v)| v.clone()).collect())
                    .unwrap_or_default();
                let mut found = false;
                for v in &values {
                    if self.java_equals(v, &args[0])? {
                        found = true;
                        break;
                    }
                }
                Value::Bool(found)
            }
            ("clear", 0) => {
                if let Some(m) = self.heap.map_mut(id) {
                    *m = Default::default();
                }
                Value::Null
            }
            _ => return Ok(None),
        };
        Ok(Some(v))
    }
}

/// `Integer`/`Long`/`Double` methods.
fn number_method(v: &Value, name: &str, args: &[Value]) -> Option<Value> {
    if !args.is_empty() {
        return None;
    }
    let f = match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => return None,
    };
    Some(match name {
        // Java narrowing: a long wraps to 32 bits, a double saturates.
        "intValue" => Value::Int(match v {
            Value::Int(i) => i64::from(*i as i32),
            _ => i64::from(f as i32),
        }),
        "longValue" => Value::Int(match v {
            Value::Int(i) => *i,
            _ => f as i64,
        }),
        "doubleValue" => Value::Float(f),
        _ => return None,
    })
}
