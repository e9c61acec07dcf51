//! API Gateway's template variables: `$input` (here), `$util`
//! ([`util`]), and the JSONPath flavour they use ([`jsonpath`]).
//! `$context` and `$stageVariables` are plain maps set up by the template
//! module.

mod jsonpath;
pub(crate) mod util;

use jsonpath::Found;

use crate::Input;
use crate::error::Fault;
use crate::eval::Renderer;
use crate::value::{Key, OrderedMap, Value};

/// Per-render view of the request for `$input`.
pub(crate) struct ApiState<'a> {
    input: &'a Input,
    body: String,
    /// The body parsed as JSON: `None` until first needed, then `Some(None)`
    /// when the body is not JSON.
    json: Option<Option<serde_json::Value>>,
    params: Option<Value>,
}

impl<'a> ApiState<'a> {
    pub(crate) fn new(input: &'a Input) -> Self {
        let text = String::from_utf8_lossy(&input.body).into_owned();
        // AWS: an empty body reads as `{}` (in `$input.body` and so in
        // `$input.json` / `$input.path`).
        let body = if text.is_empty() {
            "{}".to_string()
        } else {
            text
        };
        ApiState {
            input,
            body,
            json: None,
            params: None,
        }
    }

    fn json(&mut self) -> Option<&serde_json::Value> {
        if self.json.is_none() {
            self.json = Some(serde_json::from_str(&self.body).ok());
        }
        self.json.as_ref().and_then(|j| j.as_ref())
    }
}

impl<'t> Renderer<'t> {
    pub(crate) fn input_method(
        &mut self,
        name: &str,
        args: &[Value],
    ) -> Result<Option<Value>, Fault> {
        match (name, args) {
            ("body" | "getBody", []) => Ok(Some(Value::str(&self.api.body))),
            ("params", []) => self.params_map().map(Some),
            ("params", [Value::Str(n)]) => Ok(Some(Value::str(&self.param(n)))),
            ("json", [Value::Str(p)]) => self.input_json(p).map(Some),
            ("path", [Value::Str(p)]) => self.input_path(p).map(Some),
            _ => Ok(None),
        }
    }

    /// `$input.params('x')`: path, then query string, then header
    /// (header names compared case-insensitively); `""` when absent.
    fn param(&self, name: &str) -> String {
        let i = self.api.input;
        let exact = |list: &[(String, String)]| {
            list.iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        exact(&i.path)
            .or_else(|| exact(&i.querystring))
            .or_else(|| {
                i.header
                    .iter()
                    .rev()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
            })
            .unwrap_or_default()
    }

    /// `$input.params()`: `{path={..}, querystring={..}, header={..}}`.
    /// Built once per render, so changes a template makes to it persist.
    fn params_map(&mut self) -> Result<Value, Fault> {
        if let Some(v) = &self.api.params {
            return Ok(v.clone());
        }
        let i = self.api.input;
        let mut outer = OrderedMap::default();
        for (name, list) in [
            ("path", &i.path),
            ("querystring", &i.querystring),
            ("header", &i.header),
        ] {
            let mut m = OrderedMap::default();
            for (k, v) in list {
                m.insert(Key::str(k), Value::str(v));
            }
            self.charge(m.len() + 1)?;
            outer.insert(Key::str(name), self.heap.new_map(m));
        }
        let v = self.heap.new_map(outer);
        self.api.params = Some(v.clone());
        Ok(v)
    }

    /// `$input.json(p)`: JSON text of the match (strings keep their
    /// quotes); several matches give a JSON array; no match, or a body
    /// that is not JSON, gives empty text.
    fn input_json(&mut self, path: &str) -> Result<Value, Fault> {
        let Some(doc) = self.api.json() else {
            return Ok(Value::str(""));
        };
        let text = match jsonpath::query(doc, path).map_err(Fault::Render)? {
            Found::Missing => String::new(),
            Found::One(v) => v.to_string(),
            Found::Many(vs) => {
                serde_json::Value::Array(vs.into_iter().cloned().collect()).to_string()
            }
        };
        self.new_string(text)
    }

    /// `$input.path(p)`: the match as an object (map, JSON-printing list,
    /// string, number...); null when nothing matches or the body is not
    /// JSON.
    fn input_path(&mut self, path: &str) -> Result<Value, Fault> {
        let found = {
            let Some(doc) = self.api.json() else {
                return Ok(Value::Null);
            };
            match jsonpath::query(doc, path).map_err(Fault::Render)? {
                Found::Missing => None,
                Found::One(v) => Some(v.clone()),
                Found::Many(vs) => {
                    Some(serde_json::Value::Array(vs.into_iter().cloned().collect()))
                }
            }
        };
        match found {
            Some(v) => self.import_json(&v, true),
            None => Ok(Value::Null),
        }
    }
}
