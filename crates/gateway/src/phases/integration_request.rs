//! Integration request: parameter mappings, the integration URI with stage
//! variables and `{param}` placeholders filled, and the payload: the
//! request template chosen by `Content-Type` (or the passthrough rules),
//! the v1 proxy event for `AWS_PROXY`, the raw body for `HTTP_PROXY`.
//! For the other types the body is first converted per the API's
//! `binary_media_types` and the integration's `content_handling`.

use crate::binary::{convert_request, is_binary_type};
use crate::compile::{CompiledIntegration, IntegrationKind, ParamTarget, Passthrough};
use crate::context::{GatewayError, IntegrationRequest, RequestContext};
use crate::integrations::proxy_event;
use crate::mapping::substitute_stage_variables;
use crate::responses::GatewayResponseType;
use crate::template::{Overrides, Template, TemplateInput};
use bytes::Bytes;
use std::sync::Arc;

/// Header mappings API Gateway refuses at invoke time with a 500 (§2.5).
const FORBIDDEN_ALWAYS: [&str; 2] = ["content-length", "transfer-encoding"];
const FORBIDDEN_AWS: [&str; 5] = [
    "authorization",
    "connection",
    "expect",
    "proxy-authenticate",
    "te",
];

pub(crate) fn run(ctx: &mut RequestContext<'_>) -> Result<(), GatewayError> {
    let Some(integration) = ctx.integration() else {
        ctx.log
            .explain("the method has no integration; a deployment of it could not exist on AWS");
        return Err(GatewayError::new(
            GatewayResponseType::ApiConfigurationError,
        ));
    };
    let mut out = IntegrationRequest::default();
    map_parameters(ctx, integration, &mut out)?;
    out.uri = fill_uri(
        &substitute_stage_variables(&integration.uri, &ctx.stage.variables),
        &out.path_params,
    );
    let Some(req) = ctx.request.as_ref() else {
        return Err(GatewayError::new(GatewayResponseType::Default5xx));
    };
    match integration.kind {
        IntegrationKind::AwsProxy => {
            out.payload = proxy_event::build(ctx, &out.headers, &out.query);
        }
        IntegrationKind::HttpProxy => {
            let mut headers: Vec<(String, String)> = req
                .headers
                .iter()
                .filter(|(k, _)| {
                    !k.eq_ignore_ascii_case("host") && !k.eq_ignore_ascii_case("content-encoding")
                })
                .cloned()
                .collect();
            for (k, v) in std::mem::take(&mut out.headers) {
                headers.retain(|(h, _)| !h.eq_ignore_ascii_case(&k));
                headers.push((k, v));
            }
            out.headers = headers;
            let mut query = req.query.clone();
            query.append(&mut out.query);
            out.query = query;
            out.payload = req.body.clone();
        }
        IntegrationKind::Aws | IntegrationKind::Http | IntegrationKind::Mock => {
            let content_type = req
                .header("content-type")
                .unwrap_or("application/json")
                .to_string();
            let binary = is_binary_type(req.header("content-type"), &ctx.api().binary_media_types);
            let payload = match convert_request(&req.body, binary, integration.content_handling) {
                Ok(p) => p,
                Err(e) => {
                    ctx.log.line(format!("Execution failed due to configuration error: Unable to transform request: {e}"));
                    ctx.log.explain(format!("the integration's content_handling is CONVERT_TO_BINARY and the request body ({content_type}) is not base64 text"));
                    return Err(GatewayError::new(
                        GatewayResponseType::ApiConfigurationError,
                    ));
                }
            };
            // A template only sees text: a body that stays binary is never
            // rendered, so passthrough_behavior decides as for an
            // unmatched Content-Type.
            let template = if payload.binary {
                None
            } else {
                choose_template(&integration.templates, &content_type)
            };
            match template {
                Some((key, template)) => {
                    let rendered = render(ctx, template, &Overrides::default(), &payload.bytes).map_err(|e| {
                        ctx.log.line(format!("Execution failed due to configuration error: Unable to transform request: {e}"));
                        GatewayError::new(GatewayResponseType::ApiConfigurationError)
                    })?;
                    ctx.log
                        .line(format!("Request template selected for content type {key}"));
                    apply_request_overrides(&rendered.overrides, &mut out);
                    out.overrides = rendered.overrides;
                    out.payload = Bytes::from(rendered.output);
                }
                None => passthrough(ctx, integration, &content_type, payload.bytes, &mut out)?,
            }
        }
    }
    ctx.log.line(format!("Endpoint request URI: {}", out.uri));
    ctx.log.line(format!(
        "Endpoint request body after transformations: {}",
        clip(&out.payload)
    ));
    ctx.integration_request = Some(out);
    Ok(())
}

fn passthrough(
    ctx: &mut RequestContext<'_>,
    integration: &CompiledIntegration,
    content_type: &str,
    body: Bytes,
    out: &mut IntegrationRequest,
) -> Result<(), GatewayError> {
    let allowed = match integration.passthrough {
        Passthrough::WhenNoMatch => true,
        Passthrough::WhenNoTemplates => integration.templates.is_empty(),
        Passthrough::Never => false,
    };
    if !allowed {
        let keys: Vec<&str> = integration
            .templates
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        ctx.log.line(
            "Request body does not match any template and passthrough behavior does not allow it",
        );
        ctx.log.explain(format!(
            "Content-Type {content_type} has no request template (templates exist for: [{}]) and passthrough_behavior is {:?}, so API Gateway answers 415",
            keys.join(", "),
            integration.passthrough
        ));
        return Err(GatewayError::new(GatewayResponseType::UnsupportedMediaType));
    }
    out.payload = body;
    Ok(())
}

/// The template for `content_type`: an exact (case-insensitive) key, else
/// the key equal to the media type without its parameters
/// (`application/json; charset=utf-8` finds `application/json`; AWS's
/// behaviour here is unverified).
pub(crate) fn choose_template<'t>(
    templates: &'t [(String, Arc<dyn Template>)],
    content_type: &str,
) -> Option<(&'t str, &'t Arc<dyn Template>)> {
    let bare = content_type.split(';').next().unwrap_or_default().trim();
    templates
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(content_type))
        .or_else(|| templates.iter().find(|(k, _)| k.eq_ignore_ascii_case(bare)))
        .map(|(k, t)| (k.as_str(), t))
}

/// Renders a template against this request; `body` is what `$input`
/// reads (the request body, or the integration's response body).
pub(crate) fn render(
    ctx: &RequestContext<'_>,
    template: &Arc<dyn Template>,
    overrides: &Overrides,
    body: &[u8],
) -> Result<crate::template::Rendered, String> {
    let values = ctx.values();
    let context = template.uses_context().then(|| ctx.context_json(None));
    let input = TemplateInput {
        body,
        path: values.path,
        querystring: values.query,
        header: values.headers,
        context: context.as_ref(),
        stage_variables: values.stage_variables,
        overrides,
    };
    template.render(&input)
}

fn map_parameters(
    ctx: &mut RequestContext<'_>,
    integration: &CompiledIntegration,
    out: &mut IntegrationRequest,
) -> Result<(), GatewayError> {
    let aws = matches!(
        integration.kind,
        IntegrationKind::Aws | IntegrationKind::AwsProxy
    );
    let context = integration
        .parameters
        .iter()
        .any(|(_, s)| matches!(s, crate::mapping::MappingSource::Context(_)));
    let ctx_json = context.then(|| ctx.context_json(None));
    let mut values = ctx.values();
    values.context = ctx_json.as_ref();
    let mut forbidden = None;
    for (target, src) in &integration.parameters {
        let Some(v) = values.resolve(src) else {
            continue;
        };
        match target {
            ParamTarget::Header(n) => {
                let lower = n.to_ascii_lowercase();
                if FORBIDDEN_ALWAYS.contains(&lower.as_str())
                    || (aws && FORBIDDEN_AWS.contains(&lower.as_str()))
                {
                    forbidden = Some(n.clone());
                }
                out.headers.push((n.clone(), v));
            }
            ParamTarget::Query(n) => out.query.push((n.clone(), v)),
            ParamTarget::Path(n) => out.path_params.push((n.clone(), v)),
        }
    }
    if let Some(h) = forbidden {
        ctx.log.line(format!("Execution failed due to configuration error: Invalid mapping expression specified: integration.request.header.{h}"));
        ctx.log.explain(format!(
            "API Gateway refuses to map the request header {h} for this integration type"
        ));
        return Err(GatewayError::new(
            GatewayResponseType::ApiConfigurationError,
        ));
    }
    Ok(())
}

fn apply_request_overrides(o: &Overrides, out: &mut IntegrationRequest) {
    for (k, v) in &o.request_headers {
        out.headers.retain(|(h, _)| !h.eq_ignore_ascii_case(k));
        out.headers.push((k.clone(), v.clone()));
    }
    for (k, v) in &o.request_querystring {
        out.query.retain(|(q, _)| q != k);
        out.query.push((k.clone(), v.clone()));
    }
    for (k, v) in &o.request_path {
        out.path_params.retain(|(p, _)| p != k);
        out.path_params.push((k.clone(), v.clone()));
    }
}

/// `{name}` placeholders in an HTTP URI take `integration.request.path.name`.
fn fill_uri(uri: &str, path: &[(String, String)]) -> String {
    let mut out = uri.to_string();
    for (k, v) in path {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// Log bodies are cut at 1 KB, as API Gateway's execution logs do.
pub(crate) fn clip(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(&b[..b.len().min(1024)]).into_owned();
    if b.len() > 1024 {
        format!("{s} [TRUNCATED]")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phases::{parse, route};
    use crate::testutil::{check_api, stage_for, with_ctx};
    use serde_json::{Value, json};

    fn prepare(
        integration: Value,
        ct: Option<&str>,
        body: &'static [u8],
    ) -> Result<IntegrationRequest, (GatewayResponseType, String)> {
        prepare_binary(integration, &[], ct, body)
    }

    fn prepare_binary(
        integration: Value,
        binary_types: &[&str],
        ct: Option<&str>,
        body: &'static [u8],
    ) -> Result<IntegrationRequest, (GatewayResponseType, String)> {
        let mut api = check_api(integration, json!([]));
        api["rest_api"]["binary_media_types"] = json!(binary_types);
        let stage = stage_for(api);
        let mut b = http::Request::post("/check?q=1");
        if let Some(ct) = ct {
            b = b.header("content-type", ct);
        }
        with_ctx(
            &stage,
            b.body(Bytes::from_static(body)).unwrap(),
            "/check",
            |ctx| {
                parse::run(ctx).unwrap();
                route::run(ctx).unwrap();
                run(ctx).map_err(|e| (e.kind, ctx.log.lines.join("\n")))?;
                Ok(ctx.integration_request.clone().unwrap())
            },
        )
    }

    #[test]
    fn passthrough_table() {
        let lit = json!({"application/json": "{\"fixed\":1}"});
        let ir = prepare(json!({"type":"AWS","request_templates":lit}), None, b"raw").unwrap();
        assert_eq!(
            &ir.payload[..],
            b"{\"fixed\":1}",
            "absent Content-Type reads as application/json"
        );
        let ir = prepare(
            json!({"type":"AWS","request_templates":lit}),
            Some("application/json; charset=utf-8"),
            b"raw",
        )
        .unwrap();
        assert_eq!(&ir.payload[..], b"{\"fixed\":1}");
        let ir = prepare(
            json!({"type":"AWS","request_templates":lit}),
            Some("text/plain"),
            b"raw",
        )
        .unwrap();
        assert_eq!(&ir.payload[..], b"raw", "WHEN_NO_MATCH passes the raw body");
        let e = prepare(
            json!({"type":"AWS","request_templates":lit,"passthrough_behavior":"WHEN_NO_TEMPLATES"}),
            Some("text/plain"),
            b"raw",
        );
        assert_eq!(e.unwrap_err().0, GatewayResponseType::UnsupportedMediaType);
        let ir = prepare(
            json!({"type":"AWS","passthrough_behavior":"WHEN_NO_TEMPLATES"}),
            Some("text/plain"),
            b"raw",
        )
        .unwrap();
        assert_eq!(&ir.payload[..], b"raw");
        let e = prepare(
            json!({"type":"AWS","passthrough_behavior":"NEVER"}),
            None,
            b"raw",
        )
        .unwrap_err();
        assert_eq!(e.0, GatewayResponseType::UnsupportedMediaType);
        assert!(e.1.contains("415"), "{}", e.1);
    }

    #[test]
    fn mappings_uri_and_forbidden_headers() {
        let ir = prepare(
            json!({"type":"HTTP","uri":"http://h/${stageVariables.fn}/{id}",
                   "request_parameters":{"integration.request.path.id":"method.request.querystring.q",
                                         "integration.request.header.X-From":"'static'"}}),
            None,
            b"",
        )
        .unwrap();
        assert_eq!(ir.uri, "http://h/f1/1");
        assert_eq!(
            ir.headers,
            vec![("X-From".to_string(), "static".to_string())]
        );
        let e = prepare(
            json!({"type":"AWS","request_parameters":{"integration.request.header.Authorization":"'x'"}}),
            None,
            b"",
        );
        assert_eq!(e.unwrap_err().0, GatewayResponseType::ApiConfigurationError);
        assert!(prepare(json!({"type":"HTTP","request_parameters":{"integration.request.header.Authorization":"'x'"}}), None, b"").is_ok());
    }

    #[test]
    fn binary_bodies_follow_content_handling() {
        let png: &'static [u8] = &[0x89, b'P', b'N', b'G', 0xff];
        let tpl = json!({"application/json": "{\"b\":\"$input.body\"}", "image/png": "{\"b\":\"$input.body\"}"});
        // Binary, CONVERT_TO_TEXT: the template sees the base64 text.
        let ir = prepare_binary(
            json!({"type":"AWS","content_handling":"CONVERT_TO_TEXT","request_templates":tpl}),
            &["image/*"],
            Some("image/png"),
            png,
        )
        .unwrap();
        assert_eq!(&ir.payload[..], br#"{"b":"iVBOR/8="}"#);
        // Binary, unset: never templated; passed through as the bytes.
        let ir = prepare_binary(
            json!({"type":"HTTP","request_templates":tpl}),
            &["image/png"],
            Some("image/png"),
            png,
        )
        .unwrap();
        assert_eq!(&ir.payload[..], png);
        // ...unless passthrough_behavior forbids an untemplated body.
        let e = prepare_binary(
            json!({"type":"HTTP","passthrough_behavior":"NEVER","request_templates":tpl}),
            &["image/png"],
            Some("image/png"),
            png,
        );
        assert_eq!(e.unwrap_err().0, GatewayResponseType::UnsupportedMediaType);
        // Text, CONVERT_TO_BINARY: base64-decoded, and no template.
        let ir = prepare_binary(
            json!({"type":"HTTP","content_handling":"CONVERT_TO_BINARY","request_templates":tpl}),
            &["image/png"],
            Some("application/json"),
            b"iVBORw==",
        )
        .unwrap();
        assert_eq!(&ir.payload[..], &[0x89, b'P', b'N', b'G']);
        let e = prepare_binary(
            json!({"type":"HTTP","content_handling":"CONVERT_TO_BINARY"}),
            &[],
            Some("text/plain"),
            b"{not base64}",
        )
        .unwrap_err();
        assert_eq!(e.0, GatewayResponseType::ApiConfigurationError);
        assert!(e.1.contains("not valid base64"), "{}", e.1);
        // Text with no binary types: the template as before.
        let ir = prepare_binary(
            json!({"type":"AWS","request_templates":tpl}),
            &["image/png"],
            Some("application/json"),
            b"x",
        )
        .unwrap();
        assert_eq!(&ir.payload[..], br#"{"b":"x"}"#);
    }
}
