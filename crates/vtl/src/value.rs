//! Runtime values: a model of the Java objects a Velocity template sees.
//!
//! Lists and maps have Java's reference semantics (`#set($b = $a)` then
//! `$b.put(...)` changes `$a` too), so they live in a per-render [`Heap`]
//! and a [`Value`] holds only their index. The heap is dropped when the
//! render ends, so reference cycles a template builds cannot leak.

use std::collections::HashMap;
use std::rc::Rc;

/// Index of a list, map or helper object in the render's [`Heap`].
pub(crate) type ObjId = usize;

#[derive(Debug, Clone)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    List(ObjId),
    Map(ObjId),
    /// A `Map.Entry` from `entrySet()`.
    Entry(ObjId),
    /// The `$foreach` loop helper.
    Foreach(ObjId),
    /// A `#define` block: rendered when referenced.
    Block(usize),
    /// API Gateway's `$input`.
    Input,
    /// API Gateway's `$util`.
    Util,
}

impl Value {
    pub(crate) fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }

    pub(crate) fn string(s: String) -> Value {
        Value::Str(Rc::from(s))
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub(crate) fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}

/// A map key. Java maps can be keyed by any object; templates use strings
/// and, rarely, numbers or booleans, so those are kept distinct like Java's
/// `equals` does (`get(1)` does not find the key `"1"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Null,
    Bool(bool),
    Int(i64),
    /// Floats are keyed by their bit pattern.
    Float(u64),
    Str(Rc<str>),
    /// Any other object (list, map...) is keyed by its rendered text.
    Other(Rc<str>),
}

impl Key {
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Key::Null => Value::Null,
            Key::Bool(b) => Value::Bool(*b),
            Key::Int(i) => Value::Int(*i),
            Key::Float(bits) => Value::Float(f64::from_bits(*bits)),
            Key::Str(s) | Key::Other(s) => Value::Str(s.clone()),
        }
    }

    pub(crate) fn str(s: &str) -> Key {
        Key::Str(Rc::from(s))
    }
}

/// An insertion-ordered map, like Java's `LinkedHashMap`.
#[derive(Debug, Clone, Default)]
pub(crate) struct OrderedMap {
    entries: Vec<(Key, Value)>,
    index: HashMap<Key, usize>,
}

impl OrderedMap {
    pub(crate) fn get(&self, k: &Key) -> Option<&Value> {
        self.index.get(k).map(|&i| &self.entries[i].1)
    }

    /// Inserts or replaces; returns the previous value like `Map.put`.
    pub(crate) fn insert(&mut self, k: Key, v: Value) -> Option<Value> {
        if let Some(&i) = self.index.get(&k) {
            return Some(std::mem::replace(&mut self.entries[i].1, v));
        }
        self.index.insert(k.clone(), self.entries.len());
        self.entries.push((k, v));
        None
    }

    pub(crate) fn remove(&mut self, k: &Key) -> Option<Value> {
        let i = self.index.remove(k)?;
        let (_, v) = self.entries.remove(i);
        for slot in self.index.values_mut() {
            if *slot > i {
                *slot -= 1;
            }
        }
        Some(v)
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &(Key, Value)> {
        self.entries.iter()
    }
}

/// A Java list. `json` marks lists that came from JSON (`$input.path`,
/// `$util.parseJson`): API Gateway prints those as JSON (`[{"a":1}]`)
/// where a template-built `ArrayList` prints as `[{a=1}]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct ListObj {
    pub(crate) items: Vec<Value>,
    pub(crate) json: bool,
}

/// State of one `#foreach` loop, seen as `$foreach`.
#[derive(Debug, Clone, Default)]
pub(crate) struct ForeachObj {
    pub(crate) index: i64,
    pub(crate) has_next: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum Obj {
    List(ListObj),
    Map(OrderedMap),
    Entry(Value, Value),
    Foreach(ForeachObj),
}

/// Per-render storage of every list, map and helper object.
#[derive(Debug, Default)]
pub(crate) struct Heap {
    objs: Vec<Obj>,
}

impl Heap {
    pub(crate) fn alloc(&mut self, o: Obj) -> ObjId {
        self.objs.push(o);
        self.objs.len() - 1
    }

    pub(crate) fn new_list(&mut self, items: Vec<Value>, json: bool) -> Value {
        Value::List(self.alloc(Obj::List(ListObj { items, json })))
    }

    pub(crate) fn new_map(&mut self, map: OrderedMap) -> Value {
        Value::Map(self.alloc(Obj::Map(map)))
    }

    pub(crate) fn list(&self, id: ObjId) -> Option<&ListObj> {
        match self.objs.get(id) {
            Some(Obj::List(l)) => Some(l),
            _ => None,
        }
    }

    pub(crate) fn list_mut(&mut self, id: ObjId) -> Option<&mut ListObj> {
        match self.objs.get_mut(id) {
            Some(Obj::List(l)) => Some(l),
            _ => None,
        }
    }

    pub(crate) fn map(&self, id: ObjId) -> Option<&OrderedMap> {
        match self.objs.get(id) {
            Some(Obj::Map(m)) => Some(m),
            _ => None,
        }
    }

    pub(crate) fn map_mut(&mut self, id: ObjId) -> Option<&mut OrderedMap> {
        match self.objs.get_mut(id) {
            Some(Obj::Map(m)) => Some(m),
            _ => None,
        }
    }

    pub(crate) fn entry(&self, id: ObjId) -> Option<(&Value, &Value)> {
        match self.objs.get(id) {
            Some(Obj::Entry(k, v)) => Some((k, v)),
            _ => None,
        }
    }

    pub(crate) fn foreach(&self, id: ObjId) -> Option<&ForeachObj> {
        match self.objs.get(id) {
            Some(Obj::Foreach(f)) => Some(f),
            _ => None,
        }
    }

    pub(crate) fn foreach_mut(&mut self, id: ObjId) -> Option<&mut ForeachObj> {
        match self.objs.get_mut(id) {
            Some(Obj::Foreach(f)) => Some(f),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_map_keeps_insertion_order_and_replaces_in_place() {
        let mut m = OrderedMap::default();
        assert!(m.insert(Key::str("b"), Value::Int(1)).is_none());
        m.insert(Key::str("a"), Value::Int(2));
        let old = m.insert(Key::str("b"), Value::Int(3));
        assert_eq!(old.and_then(|v| v.as_int()), Some(1));
        let keys: Vec<_> = m.iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(keys, vec![Key::str("b"), Key::str("a")]);
        assert_eq!(m.remove(&Key::str("b")).and_then(|v| v.as_int()), Some(3));
        assert_eq!(m.get(&Key::str("a")).and_then(|v| v.as_int()), Some(2));
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn int_and_string_keys_differ() {
        let mut m = OrderedMap::default();
        m.insert(Key::Int(1), Value::str("x"));
        assert!(m.get(&Key::str("1")).is_none());
    }
}
