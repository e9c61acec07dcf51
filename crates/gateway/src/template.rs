//! Mapping templates behind a small internal trait, so that the phases do
//! not depend on how Velocity is evaluated. Templates are compiled once per
//! deployment (`CompiledApi::compile`) and rendered per request; the engine
//! is `portico-vtl`, with its default limits on template size, output
//! size, loop iterations and recursion.

use serde_json::Value;
use std::fmt::Debug;
use std::sync::Arc;

/// The `$context.requestOverride.*` / `$context.responseOverride.*` values a
/// template set; carried from the request template to the response
/// template (the MOCK trick AWS allows).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Overrides {
    pub response_status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub request_headers: Vec<(String, String)>,
    pub request_querystring: Vec<(String, String)>,
    pub request_path: Vec<(String, String)>,
    /// `{"requestOverride": {..}, "responseOverride": {..}}` as left by the
    /// template, fed into the next template's `$context`.
    pub carried: Option<Value>,
}

/// What a template can see.
pub(crate) struct TemplateInput<'a> {
    /// `$input.body` / `$input.json` / `$input.path` read this.
    pub body: &'a [u8],
    /// `$input.params()`.
    pub path: &'a [(String, String)],
    pub querystring: &'a [(String, String)],
    pub header: &'a [(String, String)],
    /// `$context` as a JSON object; `None` when the template does not name
    /// `$context` (see [`Template::uses_context`]), which then cannot see it.
    pub context: Option<&'a Value>,
    /// `$stageVariables`.
    pub stage_variables: &'a [(String, String)],
    /// Overrides set by an earlier template of the same request.
    pub overrides: &'a Overrides,
}

/// A rendered template.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Rendered {
    pub output: String,
    pub overrides: Overrides,
}

/// Templates by content type, in declaration order.
pub(crate) type Templates = Vec<(String, Arc<dyn Template>)>;

pub(crate) trait Template: Send + Sync + Debug {
    fn render(&self, input: &TemplateInput<'_>) -> Result<Rendered, String>;

    /// Whether rendering needs `$context`: building it costs more than
    /// most templates, and most templates never read it.
    fn uses_context(&self) -> bool;
}

pub(crate) trait TemplateEngine: Send + Sync {
    /// Compiles `source`; an `Err` is a template the engine refuses, which
    /// `CompiledApi::compile` reports with the template's declaration.
    fn compile(&self, source: &str) -> Result<Arc<dyn Template>, String>;
}

/// `portico-vtl`.
#[derive(Debug, Default)]
pub(crate) struct VtlEngine {
    limits: portico_vtl::Limits,
}

#[derive(Debug)]
struct Vtl {
    template: portico_vtl::Template,
    limits: portico_vtl::Limits,
    /// Whether it names `$context` / `$input` / `$stageVariables`.
    context: bool,
    input: bool,
    stage_variables: bool,
}

impl TemplateEngine for VtlEngine {
    fn compile(&self, source: &str) -> Result<Arc<dyn Template>, String> {
        let template = portico_vtl::Template::parse_with_limits(source, &self.limits)
            .map_err(|e| e.to_string())?;
        Ok(Arc::new(Vtl {
            context: template.references("context"),
            input: template.references("input"),
            stage_variables: template.references("stageVariables"),
            template,
            limits: self.limits.clone(),
        }))
    }
}

impl Template for Vtl {
    fn uses_context(&self) -> bool {
        self.context
    }

    fn render(&self, input: &TemplateInput<'_>) -> Result<Rendered, String> {
        // Text only: the same output for every request, and the overrides
        // stay as the earlier template left them.
        if let Some(text) = self.template.plain_text() {
            return Ok(Rendered {
                output: text.to_string(),
                overrides: input.overrides.clone(),
            });
        }
        let uses_context = self.context;
        let context = match input.context {
            Some(c) if uses_context => {
                let mut context = c.clone();
                if let (Some(Value::Object(carried)), Value::Object(c)) =
                    (&input.overrides.carried, &mut context)
                {
                    for (k, v) in carried {
                        c.insert(k.clone(), v.clone());
                    }
                }
                context
            }
            _ => Value::Null,
        };
        let vtl_input = if self.input {
            portico_vtl::Input {
                body: input.body.to_vec(),
                path: input.path.to_vec(),
                querystring: input.querystring.to_vec(),
                header: input.header.to_vec(),
            }
        } else {
            portico_vtl::Input::default()
        };
        let vars = portico_vtl::Variables {
            context,
            stage_variables: if self.stage_variables {
                input.stage_variables.to_vec()
            } else {
                Vec::new()
            },
        };
        let r = self
            .template
            .render(&vtl_input, &vars, &self.limits)
            .map_err(|e| e.to_string())?;
        if !uses_context {
            // It could neither read nor set an override.
            return Ok(Rendered {
                output: r.output,
                overrides: input.overrides.clone(),
            });
        }
        Ok(Rendered {
            output: r.output,
            overrides: Overrides {
                response_status: r.response_status,
                response_headers: r.response_headers,
                request_headers: r.request_override.header,
                request_querystring: r.request_override.querystring,
                request_path: r.request_override.path,
                carried: Some(r.overrides),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_and_carries_overrides() {
        let ctx = json!({"requestId": "r1"});
        let o = Overrides::default();
        let input = TemplateInput {
            body: br#"{"a":"b"}"#,
            path: &[],
            querystring: &[],
            header: &[],
            context: Some(&ctx),
            stage_variables: &[],
            overrides: &o,
        };
        let t = VtlEngine::default()
            .compile(
                "#set($context.responseOverride.status = 202)$input.path('$.a') $context.requestId",
            )
            .unwrap();
        let r = t.render(&input).unwrap();
        assert_eq!(
            (r.output.as_str(), r.overrides.response_status),
            ("b r1", Some(202))
        );
        let next = VtlEngine::default()
            .compile("$context.responseOverride.status")
            .unwrap();
        let input = TemplateInput {
            overrides: &r.overrides,
            ..input
        };
        assert_eq!(next.render(&input).unwrap().output, "202");
        assert!(VtlEngine::default().compile("#if(").is_err());
    }
}
