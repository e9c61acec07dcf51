//! Mapping templates behind a small internal trait, so that the phases do
//! not depend on how Velocity is evaluated. Templates are compiled once per
//! deployment (`CompiledApi::compile`) and rendered per request.
//!
//! The engine wired in today is [`LiteralEngine`]: a template with no
//! Velocity syntax at all (no `$`, no `#`) renders as itself, exactly as
//! Velocity would; anything else is kept as "needs the VTL engine" and fails
//! at render time with a 500 whose log line says so. The `portico-vtl`
//! engine plugs in by implementing [`TemplateEngine`].

use serde_json::Value;
use std::fmt::Debug;
use std::sync::Arc;

/// The `$context.requestOverride.*` / `$context.responseOverride.*` values a
/// template may set; carried from the request template to the response
/// template (the MOCK trick AWS allows).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Overrides {
    pub response_status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub request_headers: Vec<(String, String)>,
    pub request_querystring: Vec<(String, String)>,
    pub request_path: Vec<(String, String)>,
}

/// What a template can see.
pub(crate) struct TemplateInput<'a> {
    /// `$input.body` (raw bytes; the engine decides how to read them).
    pub body: &'a [u8],
    /// `$input.params()` as `{"path":{},"querystring":{},"header":{}}`.
    pub params: &'a Value,
    /// `$context` as a JSON object.
    pub context: &'a Value,
    /// `$stageVariables`.
    pub stage_variables: &'a Value,
    /// Overrides set by an earlier template of the same request.
    pub overrides: &'a Overrides,
}

/// A rendered template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Rendered {
    pub output: String,
    pub overrides: Overrides,
}

pub(crate) trait Template: Send + Sync + Debug {
    fn render(&self, input: &TemplateInput<'_>) -> Result<Rendered, String>;
}

pub(crate) trait TemplateEngine: Send + Sync {
    /// Compiles `source`; an `Err` is a template the engine refuses, which
    /// `CompiledApi::compile` reports with the template's declaration.
    fn compile(&self, source: &str) -> Result<Arc<dyn Template>, String>;
}

/// See the module documentation.
pub(crate) struct LiteralEngine;

#[derive(Debug)]
struct Literal(String);

#[derive(Debug)]
struct NeedsVelocity;

impl Template for Literal {
    fn render(&self, input: &TemplateInput<'_>) -> Result<Rendered, String> {
        Ok(Rendered { output: self.0.clone(), overrides: input.overrides.clone() })
    }
}

impl Template for NeedsVelocity {
    fn render(&self, _: &TemplateInput<'_>) -> Result<Rendered, String> {
        Err("this template uses Velocity syntax, and this build of Portico has no VTL engine linked into the gateway".into())
    }
}

impl TemplateEngine for LiteralEngine {
    fn compile(&self, source: &str) -> Result<Arc<dyn Template>, String> {
        if source.contains(['$', '#']) {
            Ok(Arc::new(NeedsVelocity))
        } else {
            Ok(Arc::new(Literal(source.to_string())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_templates_render_as_themselves() {
        let v = Value::Null;
        let o = Overrides::default();
        let input = TemplateInput { body: b"", params: &v, context: &v, stage_variables: &v, overrides: &o };
        let t = LiteralEngine.compile("{\"statusCode\": 200}").unwrap();
        assert_eq!(t.render(&input).unwrap().output, "{\"statusCode\": 200}");
        let t = LiteralEngine.compile("$input.body").unwrap();
        assert!(t.render(&input).unwrap_err().contains("VTL"));
    }
}
