//! Tree-walking evaluator. One [`Renderer`] lives for one render: it owns
//! the heap of lists and maps, the variables, the budgets, and writes the
//! output.

mod assign;
mod display;
mod methods;
mod ops;
mod strings;

use std::collections::HashMap;
use std::rc::Rc;

use crate::apigw::ApiState;
use crate::ast::{Accessor, Expr, Node, Reference};
use crate::error::{Fault, LimitKind};
use crate::jregex::JRegex;
use crate::limits::Limits;
use crate::parser::Parsed;
use crate::value::{Heap, Key, Obj, OrderedMap, Value};

/// How rendering a block ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Normal,
    /// `#break`: ends the innermost `#foreach` or macro.
    Break,
    /// `#stop`: ends the whole render.
    Stop,
}

/// A bounded output buffer.
pub(crate) struct Sink {
    pub(crate) buf: String,
    cap: usize,
    kind: LimitKind,
}

impl Sink {
    pub(crate) fn new(cap: usize, kind: LimitKind) -> Self {
        Sink {
            buf: String::new(),
            cap,
            kind,
        }
    }

    pub(crate) fn push(&mut self, s: &str) -> Result<(), Fault> {
        if self.buf.len() + s.len() > self.cap {
            return Err(Fault::Limit(self.kind));
        }
        self.buf.push_str(s);
        Ok(())
    }
}

pub(crate) struct Renderer<'t> {
    pub(crate) parsed: &'t Parsed,
    pub(crate) limits: &'t Limits,
    pub(crate) heap: Heap,
    pub(crate) vars: HashMap<String, Value>,
    pub(crate) api: ApiState<'t>,
    /// Byte offset of the construct being evaluated, for error positions.
    pub(crate) pos: usize,
    steps: u64,
    loops: u64,
    elements: u64,
    depth: usize,
    regexes: HashMap<String, Rc<JRegex>>,
}

impl<'t> Renderer<'t> {
    pub(crate) fn new(parsed: &'t Parsed, limits: &'t Limits, api: ApiState<'t>) -> Self {
        Renderer {
            parsed,
            limits,
            heap: Heap::default(),
            vars: HashMap::new(),
            api,
            pos: 0,
            steps: 0,
            loops: 0,
            elements: 0,
            depth: 0,
            regexes: HashMap::new(),
        }
    }

    // ---- budgets -------------------------------------------------------

    pub(crate) fn step(&mut self) -> Result<(), Fault> {
        self.steps += 1;
        if self.steps > self.limits.max_steps {
            return Err(Fault::Limit(LimitKind::Steps));
        }
        Ok(())
    }

    /// Accounts for `n` newly allocated list/map elements.
    pub(crate) fn charge(&mut self, n: usize) -> Result<(), Fault> {
        self.elements += n as u64;
        if self.elements > self.limits.max_elements {
            return Err(Fault::Limit(LimitKind::Elements));
        }
        Ok(())
    }

    /// Render recursion (blocks, macros, nested expressions and values) is
    /// capped at 8 × `max_depth` frames: deeper than any template the
    /// parser accepts needs, shallow enough for a 2 MiB thread stack.
    pub(crate) fn enter(&mut self) -> Result<(), Fault> {
        self.depth += 1;
        if self.depth > self.limits.max_depth.saturating_mul(8) {
            return Err(Fault::Limit(LimitKind::Depth));
        }
        Ok(())
    }

    pub(crate) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    pub(crate) fn new_string(&self, s: String) -> Result<Value, Fault> {
        if s.len() > self.limits.max_string_bytes {
            return Err(Fault::Limit(LimitKind::StringSize));
        }
        Ok(Value::string(s))
    }

    pub(crate) fn string_sink(&self) -> Sink {
        Sink::new(self.limits.max_string_bytes, LimitKind::StringSize)
    }

    pub(crate) fn regex(&mut self, pattern: &str) -> Result<Rc<JRegex>, Fault> {
        if let Some(r) = self.regexes.get(pattern) {
            return Ok(r.clone());
        }
        let r = Rc::new(JRegex::new(pattern).map_err(Fault::Render)?);
        if self.regexes.len() < 256 {
            self.regexes.insert(pattern.to_string(), r.clone());
        }
        Ok(r)
    }

    // ---- nodes ---------------------------------------------------------

    pub(crate) fn render_nodes(
        &mut self,
        nodes: &'t [Node],
        out: &mut Sink,
    ) -> Result<Flow, Fault> {
        self.enter()?;
        let flow = self.render_each(nodes, out);
        self.leave();
        flow
    }

    fn render_each(&mut self, nodes: &'t [Node], out: &mut Sink) -> Result<Flow, Fault> {
        for node in nodes {
            self.step()?;
            let flow = self.render_node(node, out)?;
            if flow != Flow::Normal {
                return Ok(flow);
            }
        }
        Ok(Flow::Normal)
    }

    fn render_node(&mut self, node: &'t Node, out: &mut Sink) -> Result<Flow, Fault> {
        match node {
            Node::Text(t) => out.push(t)?,
            Node::Ref(r) => {
                let v = self.eval_ref(r)?;
                self.write_value(&v, out)?;
            }
            Node::EscapedRef {
                backslashes,
                reference,
            } => self.escaped_ref(*backslashes, reference, out)?,
            Node::Set { target, value, pos } => {
                self.pos = *pos;
                self.set(target, value)?;
            }
            Node::If {
                branches,
                otherwise,
                pos,
            } => {
                for (cond, body) in branches {
                    self.pos = *pos;
                    let c = self.eval(cond)?;
                    if ops::truthy(&c) {
                        return self.render_nodes(body, out);
                    }
                }
                if let Some(body) = otherwise {
                    return self.render_nodes(body, out);
                }
            }
            Node::Foreach {
                var,
                iterable,
                body,
                pos,
            } => {
                self.pos = *pos;
                return self.foreach(var, iterable, body, out);
            }
            Node::Break => return Ok(Flow::Break),
            Node::Stop => return Ok(Flow::Stop),
            Node::MacroCall {
                name,
                args,
                literal,
                pos,
            } => {
                self.pos = *pos;
                return self.call_macro(name, args, literal, out);
            }
            Node::Define { var, block } => {
                self.vars.insert(var.clone(), Value::Block(*block));
            }
        }
        Ok(Flow::Normal)
    }

    /// Velocity 1.7: with an odd number of backslashes the reference is
    /// printed literally (after half the backslashes) when it is defined,
    /// and with its backslash when it is not; an even number prints half
    /// the backslashes and then the value.
    fn escaped_ref(&mut self, n: usize, r: &'t Reference, out: &mut Sink) -> Result<(), Fault> {
        out.push(&"\\".repeat(n / 2))?;
        let v = self.eval_ref(r)?;
        if n.is_multiple_of(2) {
            return self.write_value(&v, out);
        }
        if v.is_null() {
            out.push("\\")?;
        }
        out.push(&r.literal)
    }

    fn foreach(
        &mut self,
        var: &str,
        iterable: &'t Expr,
        body: &'t [Node],
        out: &mut Sink,
    ) -> Result<Flow, Fault> {
        let it = self.eval(iterable)?;
        // Velocity iterates lists and a map's values; anything else
        // (strings, numbers, null) gives no iterations.
        let items: Vec<Value> = match &it {
            Value::List(id) => self
                .heap
                .list(*id)
                .map(|l| l.items.clone())
                .unwrap_or_default(),
            Value::Map(id) => self
                .heap
                .map(*id)
                .map(|m| m.iter().map(|(_, v)| v.clone()).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let saved: Vec<(&str, Option<Value>)> = [var, "foreach", "velocityCount"]
            .into_iter()
            .map(|k| (k, self.vars.get(k).cloned()))
            .collect();
        let helper = self.heap.alloc(Obj::Foreach(Default::default()));
        let len = items.len();
        let mut flow = Flow::Normal;
        for (i, item) in items.into_iter().enumerate() {
            self.loops += 1;
            if self.loops > self.limits.max_loop_iterations {
                return Err(Fault::Limit(LimitKind::LoopIterations));
            }
            if let Some(f) = self.heap.foreach_mut(helper) {
                f.index = i as i64;
                f.has_next = i + 1 < len;
            }
            self.vars.insert(var.to_string(), item);
            self.vars.insert("foreach".into(), Value::Foreach(helper));
            self.vars
                .insert("velocityCount".into(), Value::Int(i as i64 + 1));
            match self.render_nodes(body, out)? {
                Flow::Normal => {}
                Flow::Break => break,
                Flow::Stop => {
                    flow = Flow::Stop;
                    break;
                }
            }
        }
        for (k, v) in saved {
            match v {
                Some(v) => self.vars.insert(k.to_string(), v),
                None => self.vars.remove(k),
            };
        }
        Ok(flow)
    }

    /// Macro arguments are evaluated once, in the caller's scope, and
    /// bound to the parameter names for the duration of the call (1.7
    /// passes them by name; templates cannot tell the difference unless an
    /// argument has side effects). Missing arguments are null, extra ones
    /// are ignored. An unknown macro renders its call text literally, as
    /// Velocity does.
    fn call_macro(
        &mut self,
        name: &str,
        args: &'t [Expr],
        literal: &str,
        out: &mut Sink,
    ) -> Result<Flow, Fault> {
        let Some(def) = self.parsed.macros.get(name) else {
            out.push(literal)?;
            return Ok(Flow::Normal);
        };
        let mut values = Vec::with_capacity(args.len());
        for a in args {
            values.push(self.eval(a)?);
        }
        let mut saved = Vec::with_capacity(def.params.len());
        for (i, p) in def.params.iter().enumerate() {
            saved.push((p.as_str(), self.vars.get(p).cloned()));
            let v = values.get(i).cloned().unwrap_or(Value::Null);
            self.vars.insert(p.clone(), v);
        }
        let flow = self.render_nodes(&def.body, out);
        for (k, v) in saved {
            match v {
                Some(v) => self.vars.insert(k.to_string(), v),
                None => self.vars.remove(k),
            };
        }
        Ok(match flow? {
            Flow::Stop => Flow::Stop,
            _ => Flow::Normal,
        })
    }

    /// Writes a value as template output. Null (and so any undefined
    /// reference, and any unknown method) renders as nothing: API
    /// Gateway's behaviour, where plain Velocity would print the reference
    /// text.
    pub(crate) fn write_value(&mut self, v: &Value, out: &mut Sink) -> Result<(), Fault> {
        match v {
            Value::Null => Ok(()),
            Value::Block(id) => {
                let nodes = self.block_nodes(*id)?;
                self.render_nodes(nodes, out).map(|_| ())
            }
            _ => {
                let s = self.display(v)?;
                out.push(&s)
            }
        }
    }

    pub(crate) fn block_nodes(&self, id: usize) -> Result<&'t [Node], Fault> {
        self.parsed
            .blocks
            .get(id)
            .map(|b| b.as_slice())
            .ok_or_else(|| Fault::render("unknown #define block"))
    }

    // ---- expressions ---------------------------------------------------

    pub(crate) fn eval(&mut self, e: &'t Expr) -> Result<Value, Fault> {
        self.step()?;
        self.enter()?;
        let v = self.eval_inner(e);
        self.leave();
        v
    }

    fn eval_inner(&mut self, e: &'t Expr) -> Result<Value, Fault> {
        Ok(match e {
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Int(i) => Value::Int(*i),
            Expr::Float(f) => Value::Float(*f),
            Expr::Str(s) => Value::str(s),
            Expr::Interpolated(nodes) => {
                let mut sink = self.string_sink();
                self.render_nodes(nodes, &mut sink)?;
                Value::string(sink.buf)
            }
            Expr::List(items) => {
                let mut vals = Vec::with_capacity(items.len());
                for i in items {
                    vals.push(self.eval(i)?);
                }
                self.charge(vals.len() + 1)?;
                self.heap.new_list(vals, false)
            }
            Expr::Range(a, b) => self.range(a, b)?,
            Expr::Map(entries) => {
                let mut m = OrderedMap::default();
                for (k, v) in entries {
                    let k = self.eval(k)?;
                    let v = self.eval(v)?;
                    let key = self.key_of(&k)?;
                    m.insert(key, v);
                }
                self.charge(m.len() + 1)?;
                self.heap.new_map(m)
            }
            Expr::Ref(r) => self.eval_ref(r)?,
            Expr::Not(x) => {
                let v = self.eval(x)?;
                Value::Bool(!ops::truthy(&v))
            }
            Expr::Neg(x) => {
                let v = self.eval(x)?;
                ops::negate(&v)
            }
            Expr::Binary(op, l, r) => self.binary(*op, l, r)?,
        })
    }

    /// `[a..b]`: inclusive, counting down when `b < a`, as in Velocity.
    fn range(&mut self, a: &'t Expr, b: &'t Expr) -> Result<Value, Fault> {
        let (from, to) = (self.eval(a)?, self.eval(b)?);
        let (Some(from), Some(to)) = (ops::range_bound(&from), ops::range_bound(&to)) else {
            return Ok(Value::Null);
        };
        let len = from.abs_diff(to) + 1;
        if len > self.limits.max_range {
            return Err(Fault::Limit(LimitKind::RangeSize));
        }
        self.charge(len as usize)?;
        let items: Vec<Value> = if from <= to {
            (from..=to).map(Value::Int).collect()
        } else {
            (to..=from).rev().map(Value::Int).collect()
        };
        Ok(self.heap.new_list(items, false))
    }

    pub(crate) fn eval_ref(&mut self, r: &'t Reference) -> Result<Value, Fault> {
        self.pos = r.pos;
        let mut v = self.vars.get(&r.root).cloned().unwrap_or(Value::Null);
        for part in &r.parts {
            self.step()?;
            v = match part {
                Accessor::Property(name) => self.property(&v, name)?,
                Accessor::Method(name, args) => {
                    let mut vals = Vec::with_capacity(args.len());
                    for a in args {
                        vals.push(self.eval(a)?);
                    }
                    self.pos = r.pos;
                    self.call_method(&v, name, vals)?
                }
                Accessor::Index(e) => {
                    let i = self.eval(e)?;
                    self.pos = r.pos;
                    self.index(&v, &i)?
                }
            };
        }
        Ok(v)
    }

    /// The map key for a value (Java `hashCode`/`equals` identity).
    pub(crate) fn key_of(&mut self, v: &Value) -> Result<Key, Fault> {
        Ok(match v {
            Value::Null => Key::Null,
            Value::Bool(b) => Key::Bool(*b),
            Value::Int(i) => Key::Int(*i),
            Value::Float(f) => Key::Float(f.to_bits()),
            Value::Str(s) => Key::Str(s.clone()),
            other => Key::Other(Rc::from(self.display(other)?)),
        })
    }
}

#[cfg(test)]
mod tests;
