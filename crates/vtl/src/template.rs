//! The public face: parse once, render per request.

use crate::apigw::ApiState;
use crate::error::{Fault, LimitKind, VtlError};
use crate::eval::{Renderer, Sink};
use crate::limits::Limits;
use crate::parser::{self, Parsed};
use crate::value::{Key, ObjId, OrderedMap, Value};

/// A parsed mapping template. Immutable and `Send + Sync`: parse it once
/// per deployment and render it for every request.
#[derive(Debug)]
pub struct Template {
    src: String,
    parsed: Parsed,
    /// Root names of every reference (see `roots`).
    roots: std::collections::HashSet<String>,
    /// The output, when the template is text only.
    plain: Option<String>,
}

/// The request (or integration response) a template reads via `$input`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Input {
    /// Raw payload; read as UTF-8 (invalid sequences replaced).
    pub body: Vec<u8>,
    /// `$input.params().path`, in order.
    pub path: Vec<(String, String)>,
    /// `$input.params().querystring`, in order (a repeated name keeps its
    /// last value, in the position of its first).
    pub querystring: Vec<(String, String)>,
    /// `$input.params().header`, in order.
    pub header: Vec<(String, String)>,
}

/// `$context` and `$stageVariables`, built by the caller.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Variables {
    /// The `$context` object (a JSON object; anything else counts as `{}`).
    /// Overrides set by an earlier template (MOCK integrations carry data
    /// from the request template to the response template this way) go in
    /// its `requestOverride` / `responseOverride` keys.
    pub context: serde_json::Value,
    /// `$stageVariables`, in order.
    pub stage_variables: Vec<(String, String)>,
}

/// `$context.requestOverride.*` as set by a request template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOverride {
    pub header: Vec<(String, String)>,
    pub path: Vec<(String, String)>,
    pub querystring: Vec<(String, String)>,
}

/// What a render produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rendered {
    /// The rendered text.
    pub output: String,
    /// `$context.responseOverride.status`, when it holds an integer (or a
    /// string of one) in 100–599; other values are ignored, as by AWS.
    pub response_status: Option<u16>,
    /// `$context.responseOverride.header.*`; a list value gives one pair
    /// per element.
    pub response_headers: Vec<(String, String)>,
    /// `$context.requestOverride.*`.
    pub request_override: RequestOverride,
    /// `{"requestOverride": {...}, "responseOverride": {...}}` exactly as
    /// the template left them, to feed into the next template's context.
    pub overrides: serde_json::Value,
}

impl Template {
    /// Parses with the default [`Limits`].
    pub fn parse(src: &str) -> Result<Template, VtlError> {
        Template::parse_with_limits(src, &Limits::default())
    }

    /// Parses, enforcing `max_template_bytes` and `max_depth`.
    pub fn parse_with_limits(src: &str, limits: &Limits) -> Result<Template, VtlError> {
        if src.len() > limits.max_template_bytes {
            return Err(Fault::Limit(LimitKind::TemplateSize).at(src, 0));
        }
        let parsed = parser::parse(src, limits.max_depth).map_err(|e| e.fault.at(src, e.pos))?;
        Ok(Template {
            src: src.to_string(),
            roots: crate::roots::roots(&parsed),
            plain: crate::roots::plain_text(&parsed),
            parsed,
        })
    }

    /// Whether `$name` appears anywhere in the template (body, macros,
    /// blocks, interpolated strings). A template that never names
    /// `$context` cannot read or set it, so the caller may skip building it.
    pub fn references(&self, name: &str) -> bool {
        self.roots.contains(name)
    }

    /// The output of a template that is text only, the same for every
    /// request; `None` when it has references or directives.
    pub fn plain_text(&self) -> Option<&str> {
        self.plain.as_deref()
    }

    /// The template source.
    pub fn source(&self) -> &str {
        &self.src
    }

    /// Renders for one request.
    pub fn render(
        &self,
        input: &Input,
        vars: &Variables,
        limits: &Limits,
    ) -> Result<Rendered, VtlError> {
        let mut r = Renderer::new(&self.parsed, limits, ApiState::new(input));
        render_with(&mut r, &self.parsed, vars).map_err(|f| f.at(&self.src, r.pos))
    }
}

fn render_with<'t>(
    r: &mut Renderer<'t>,
    parsed: &'t Parsed,
    vars: &Variables,
) -> Result<Rendered, Fault> {
    let ctx = match &vars.context {
        serde_json::Value::Object(_) => r.import_json(&vars.context, false)?,
        _ => r.heap.new_map(OrderedMap::default()),
    };
    let Value::Map(ctx_id) = ctx else {
        return Err(Fault::render("context is not a map"));
    };
    let req = child_map(r, ctx_id, "requestOverride")?;
    for k in ["header", "path", "querystring"] {
        child_map(r, req, k)?;
    }
    let resp = child_map(r, ctx_id, "responseOverride")?;
    child_map(r, resp, "header")?;

    let mut stage = OrderedMap::default();
    for (k, v) in &vars.stage_variables {
        stage.insert(Key::str(k), Value::str(v));
    }
    r.charge(stage.len() + 1)?;
    let stage = r.heap.new_map(stage);
    r.vars.insert("input".into(), Value::Input);
    r.vars.insert("util".into(), Value::Util);
    r.vars.insert("context".into(), Value::Map(ctx_id));
    r.vars.insert("stageVariables".into(), stage);

    let mut out = Sink::new(r.limits.max_output_bytes, LimitKind::OutputSize);
    r.render_nodes(&parsed.nodes, &mut out)?;

    let req_v = get(r, ctx_id, "requestOverride");
    let resp_v = get(r, ctx_id, "responseOverride");
    let status = match &resp_v {
        Value::Map(id) => get(r, *id, "status"),
        _ => Value::Null,
    };
    let response_status = match status {
        Value::Int(i) => u16::try_from(i).ok(),
        Value::Str(s) => s.trim().parse::<u16>().ok(),
        _ => None,
    }
    .filter(|s| (100..=599).contains(s));
    let response_headers = pairs(r, &resp_v, "header")?;
    let request_override = RequestOverride {
        header: pairs(r, &req_v, "header")?,
        path: pairs(r, &req_v, "path")?,
        querystring: pairs(r, &req_v, "querystring")?,
    };
    let overrides = serde_json::json!({
        "requestOverride": r.export_json(&req_v)?,
        "responseOverride": r.export_json(&resp_v)?,
    });
    Ok(Rendered {
        output: out.buf,
        response_status,
        response_headers,
        request_override,
        overrides,
    })
}

fn get(r: &Renderer<'_>, id: ObjId, key: &str) -> Value {
    r.heap
        .map(id)
        .and_then(|m| m.get(&Key::str(key)))
        .cloned()
        .unwrap_or(Value::Null)
}

/// Returns the map under `key` in map `id`, creating it if absent.
fn child_map(r: &mut Renderer<'_>, id: ObjId, key: &str) -> Result<ObjId, Fault> {
    if let Value::Map(child) = get(r, id, key) {
        return Ok(child);
    }
    r.charge(1)?;
    let Value::Map(child) = r.heap.new_map(OrderedMap::default()) else {
        return Err(Fault::render("map allocation failed"));
    };
    if let Some(m) = r.heap.map_mut(id) {
        m.insert(Key::str(key), Value::Map(child));
    }
    Ok(child)
}

/// The entries of the map at `parent.key` as text pairs.
fn pairs(r: &mut Renderer<'_>, parent: &Value, key: &str) -> Result<Vec<(String, String)>, Fault> {
    let Value::Map(pid) = parent else {
        return Ok(Vec::new());
    };
    let Value::Map(id) = get(r, *pid, key) else {
        return Ok(Vec::new());
    };
    let entries: Vec<(Key, Value)> = r
        .heap
        .map(id)
        .map(|m| m.iter().cloned().collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for (k, v) in entries {
        let name = r.display(&k.to_value())?;
        match v {
            Value::Null => {}
            Value::List(lid) => {
                let items = r
                    .heap
                    .list(lid)
                    .map(|l| l.items.clone())
                    .unwrap_or_default();
                for item in items {
                    out.push((name.clone(), r.display(&item)?));
                }
            }
            other => out.push((name, r.display(&other)?)),
        }
    }
    Ok(out)
}
