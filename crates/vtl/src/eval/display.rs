//! Turning values into text (Java `toString`) and converting between
//! values and `serde_json` documents.
//!
//! Rendering rule (see the crate docs): template-built lists print like
//! Java's `ArrayList` (`[a, b]`), maps like `LinkedHashMap` (`{k=v}`);
//! lists that came from JSON (`$input.path`, `$util.parseJson`) print as
//! compact JSON (`[{"k":"v"}]`), as API Gateway does.

use super::{Renderer, Sink};
use crate::error::{Fault, LimitKind};
use crate::javafmt::double_to_string;
use crate::value::{Key, OrderedMap, Value};

impl<'t> Renderer<'t> {
    /// Java `String.valueOf(v)`.
    pub(crate) fn display(&mut self, v: &Value) -> Result<String, Fault> {
        if let Value::Str(s) = v {
            return Ok(s.to_string());
        }
        let mut sink = self.string_sink();
        self.display_into(v, &mut sink)?;
        Ok(sink.buf)
    }

    fn display_into(&mut self, v: &Value, out: &mut Sink) -> Result<(), Fault> {
        self.enter()?;
        let r = self.display_inner(v, out);
        self.leave();
        r
    }

    fn display_inner(&mut self, v: &Value, out: &mut Sink) -> Result<(), Fault> {
        match v {
            Value::Null => out.push("null"),
            Value::Bool(b) => out.push(if *b { "true" } else { "false" }),
            Value::Int(i) => out.push(&i.to_string()),
            Value::Float(f) => out.push(&double_to_string(*f)),
            Value::Str(s) => out.push(s),
            Value::List(id) => {
                let Some(list) = self.heap.list(*id) else {
                    return out.push("[]");
                };
                if list.json {
                    return self.json_into(v, out);
                }
                let items = list.items.clone();
                out.push("[")?;
                for (i, item) in items.iter().enumerate() {
                    self.step()?;
                    if i > 0 {
                        out.push(", ")?;
                    }
                    self.display_into(item, out)?;
                }
                out.push("]")
            }
            Value::Map(id) => {
                let entries: Vec<(Key, Value)> = self
                    .heap
                    .map(*id)
                    .map(|m| m.iter().cloned().collect())
                    .unwrap_or_default();
                out.push("{")?;
                for (i, (k, item)) in entries.iter().enumerate() {
                    self.step()?;
                    if i > 0 {
                        out.push(", ")?;
                    }
                    self.display_into(&k.to_value(), out)?;
                    out.push("=")?;
                    self.display_into(item, out)?;
                }
                out.push("}")
            }
            Value::Entry(id) => {
                let (k, item) = self
                    .heap
                    .entry(*id)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .unwrap_or((Value::Null, Value::Null));
                self.display_into(&k, out)?;
                out.push("=")?;
                self.display_into(&item, out)
            }
            Value::Block(id) => {
                let nodes = self.block_nodes(*id)?;
                self.render_nodes(nodes, out).map(|_| ())
            }
            // Java would print an object identity here; nothing is closer
            // to useful than empty text.
            Value::Foreach(_) | Value::Input | Value::Util => Ok(()),
        }
    }

    /// Compact JSON text of a value, as json-smart writes it.
    pub(crate) fn json_into(&mut self, v: &Value, out: &mut Sink) -> Result<(), Fault> {
        self.enter()?;
        let r = self.json_inner(v, out);
        self.leave();
        r
    }

    fn json_inner(&mut self, v: &Value, out: &mut Sink) -> Result<(), Fault> {
        self.step()?;
        match v {
            Value::Null => out.push("null"),
            Value::Bool(_) | Value::Int(_) => self.display_into(v, out),
            Value::Float(f) if f.is_finite() => out.push(&double_to_string(*f)),
            Value::List(id) => {
                let items = self
                    .heap
                    .list(*id)
                    .map(|l| l.items.clone())
                    .unwrap_or_default();
                out.push("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(",")?;
                    }
                    self.json_into(item, out)?;
                }
                out.push("]")
            }
            Value::Map(id) => {
                let entries: Vec<(Key, Value)> = self
                    .heap
                    .map(*id)
                    .map(|m| m.iter().cloned().collect())
                    .unwrap_or_default();
                out.push("{")?;
                for (i, (k, item)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(",")?;
                    }
                    let ks = self.display(&k.to_value())?;
                    out.push(&json_quote(&ks))?;
                    out.push(":")?;
                    self.json_into(item, out)?;
                }
                out.push("}")
            }
            other => {
                let s = self.display(other)?;
                out.push(&json_quote(&s))
            }
        }
    }

    /// Converts a JSON document into values; `json_lists` marks the lists
    /// as JSON-printing (see the module docs).
    pub(crate) fn import_json(
        &mut self,
        j: &serde_json::Value,
        json_lists: bool,
    ) -> Result<Value, Fault> {
        self.enter()?;
        let r = self.import_json_inner(j, json_lists);
        self.leave();
        r
    }

    fn import_json_inner(
        &mut self,
        j: &serde_json::Value,
        json_lists: bool,
    ) -> Result<Value, Fault> {
        Ok(match j {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::str(s),
            serde_json::Value::Array(a) => {
                self.charge(a.len() + 1)?;
                let mut items = Vec::with_capacity(a.len());
                for x in a {
                    items.push(self.import_json(x, json_lists)?);
                }
                self.heap.new_list(items, json_lists)
            }
            serde_json::Value::Object(o) => {
                self.charge(o.len() + 1)?;
                let mut m = OrderedMap::default();
                for (k, x) in o {
                    let v = self.import_json(x, json_lists)?;
                    m.insert(Key::str(k), v);
                }
                self.heap.new_map(m)
            }
        })
    }

    /// Converts a value back to JSON (for the overrides handed to the
    /// caller). Map keys become their text; other objects become strings.
    pub(crate) fn export_json(&mut self, v: &Value) -> Result<serde_json::Value, Fault> {
        self.enter()?;
        let r = self.export_json_inner(v);
        self.leave();
        r
    }

    fn export_json_inner(&mut self, v: &Value) -> Result<serde_json::Value, Fault> {
        Ok(match v {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Str(s) => serde_json::Value::String(s.to_string()),
            Value::List(id) => {
                let items = self
                    .heap
                    .list(*id)
                    .map(|l| l.items.clone())
                    .unwrap_or_default();
                let mut out = Vec::with_capacity(items.len());
                for item in &items {
                    out.push(self.export_json(item)?);
                }
                serde_json::Value::Array(out)
            }
            Value::Map(id) => {
                let entries: Vec<(Key, Value)> = self
                    .heap
                    .map(*id)
                    .map(|m| m.iter().cloned().collect())
                    .unwrap_or_default();
                let mut out = serde_json::Map::new();
                for (k, item) in &entries {
                    let ks = self.display(&k.to_value())?;
                    let jv = self.export_json(item)?;
                    out.insert(ks, jv);
                }
                serde_json::Value::Object(out)
            }
            other => serde_json::Value::String(self.display(other)?),
        })
    }
}

pub(crate) fn json_quote(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// Guard used by callers that build big strings outside a [`Sink`].
pub(crate) fn check_len(len: usize, cap: usize) -> Result<(), Fault> {
    if len > cap {
        Err(Fault::Limit(LimitKind::StringSize))
    } else {
        Ok(())
    }
}
