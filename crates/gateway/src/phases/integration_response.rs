//! Integration response (non-proxy integrations): the selection value
//! (a Lambda function error's `errorMessage`; an HTTP backend's or MOCK's
//! status code) picks an integration response by `selection_pattern`,
//! whole-string; then its `response_parameters` and the response template
//! chosen by `Accept` build the method response. Binary backend bodies
//! and `content_handling` are converted as AWS's response table says
//! (see `binary`).
//!
//! Selection order (docs/compat.md): patterned responses in ascending
//! numeric status order, first match wins; then the default (empty
//! pattern). A successful Lambda invoke never consults patterns (AWS-rec).

use crate::binary::{
    Payload, accepts_binary, convert_binary_response, convert_text_response, is_binary_type,
};
use crate::compile::{CompiledIntegration, CompiledIntegrationResponse};
use crate::context::{Endpoint, GatewayError, MethodOut, RequestContext};
use crate::phases::integration_request::render;
use crate::responses::GatewayResponseType;
use crate::template::Template;
use bytes::Bytes;
use serde_json::Value;
use std::sync::Arc;

pub(crate) fn run(ctx: &mut RequestContext<'_>) -> Result<(), GatewayError> {
    let (Some(endpoint), Some(integration)) = (ctx.endpoint.take(), ctx.integration()) else {
        return Err(GatewayError::new(GatewayResponseType::Default5xx));
    };
    let (value, status_text, headers, body) = match endpoint {
        Endpoint::Final(out) => {
            ctx.response = Some(out);
            return Ok(());
        }
        Endpoint::Lambda {
            payload,
            function_error,
        } => {
            let value = function_error.then(|| error_message(&payload));
            (value, "200".to_string(), Vec::new(), payload)
        }
        Endpoint::Http {
            status,
            headers,
            body,
        } => (Some(status.to_string()), status.to_string(), headers, body),
        Endpoint::Mock { status } => (Some(status.clone()), status, Vec::new(), Bytes::new()),
    };
    let chosen = select(&integration.responses, value.as_deref());
    let Some(r) = chosen else {
        ctx.log.line(format!(
            "Execution failed due to configuration error: No match for output mapping and no default output mapping configured. Endpoint Response Status Code: {status_text}"
        ));
        ctx.log
            .explain(no_match_explanation(integration, value.as_deref()));
        return Err(GatewayError::new(
            GatewayResponseType::ApiConfigurationError,
        ));
    };
    let Ok(mut status) = r.status.parse::<u16>() else {
        ctx.log.explain(format!(
            "integration response status_code `{}` is not a number",
            r.status
        ));
        return Err(GatewayError::new(
            GatewayResponseType::ApiConfigurationError,
        ));
    };
    match (&value, &r.pattern) {
        (Some(v), Some(_)) => ctx.log.line(format!(
            "Selected integration response {} (selection_pattern `{}` matched `{}`)",
            r.status,
            r.pattern_text,
            crate::phases::integration_request::clip(v.as_bytes())
        )),
        _ => ctx.log.line(format!(
            "Selected the default integration response {}",
            r.status
        )),
    }
    let mut out_headers = Vec::new();
    {
        let mut values = ctx.values();
        values.integration = Some((&headers, &body));
        let needs_ctx = r
            .parameters
            .iter()
            .any(|(_, s)| matches!(s, crate::mapping::MappingSource::Context(_)));
        let cj = needs_ctx.then(|| ctx.context_json(None));
        values.context = cj.as_ref();
        for (name, src) in &r.parameters {
            if let Some(v) = values.resolve(src) {
                out_headers.push((name.clone(), v));
            }
        }
    }
    let accept = ctx
        .request
        .as_ref()
        .and_then(|q| q.header("accept").map(str::to_string));
    let types = &ctx.api().binary_media_types;
    // Only an HTTP backend can answer binary (by its Content-Type); a
    // Lambda's payload is JSON and MOCK's is empty.
    let backend_binary = is_binary_type(header(&headers, "content-type"), types);
    let accept_binary = accepts_binary(accept.as_deref(), types);
    let payload = if backend_binary {
        convert_binary_response(&body, r.content_handling, accept_binary)
    } else {
        Payload {
            bytes: body.clone(),
            binary: false,
        }
    };
    // A template only sees text: binary that stays binary is returned as is.
    let template = if payload.binary {
        None
    } else {
        choose_response_template(&r.templates, accept.as_deref())
    };
    let out_body = match template {
        None => payload.bytes,
        Some((ct, t)) => {
            let overrides = ctx
                .integration_request
                .as_ref()
                .map(|i| i.overrides.clone())
                .unwrap_or_default();
            let rendered = render(ctx, t, &overrides, &payload.bytes).map_err(|e| {
                ctx.log.line(format!(
                    "Execution failed due to configuration error: Unable to transform response: {e}"
                ));
                GatewayError::new(GatewayResponseType::ApiConfigurationError)
            })?;
            out_headers.retain(|(k, _): &(String, String)| !k.eq_ignore_ascii_case("content-type"));
            out_headers.insert(0, ("Content-Type".into(), ct.to_string()));
            if let Some(s) = rendered
                .overrides
                .response_status
                .filter(|s| (100..=599).contains(s))
            {
                status = s;
            }
            for (k, v) in rendered.overrides.response_headers {
                out_headers.retain(|(h, _)| !h.eq_ignore_ascii_case(&k));
                out_headers.push((k, v));
            }
            Bytes::from(rendered.output)
        }
    };
    let out_body = if payload.binary {
        out_body
    } else {
        convert_text_response(out_body, r.content_handling).map_err(|e| {
            ctx.log.line(format!(
                "Execution failed due to configuration error: Unable to transform response: {e}"
            ));
            ctx.log.explain(format!(
                "integration response {} has content_handling CONVERT_TO_BINARY, so its (mapped) body must be base64 text",
                r.status
            ));
            GatewayError::new(GatewayResponseType::ApiConfigurationError)
        })?
    };
    ctx.log.line(format!(
        "Method response body after transformations: {}",
        crate::phases::integration_request::clip(&out_body)
    ));
    ctx.response = Some(MethodOut {
        status,
        headers: out_headers,
        body: out_body,
    });
    Ok(())
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A Lambda error payload's `errorMessage` (its JSON text when it is not a
/// string; empty when absent).
fn error_message(payload: &[u8]) -> String {
    match serde_json::from_slice::<Value>(payload)
        .ok()
        .and_then(|v| v.get("errorMessage").cloned())
    {
        Some(Value::String(s)) => s,
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

pub(crate) fn select<'r>(
    responses: &'r [CompiledIntegrationResponse],
    value: Option<&str>,
) -> Option<&'r CompiledIntegrationResponse> {
    value
        .and_then(|v| {
            responses
                .iter()
                .find(|r| r.pattern.as_ref().is_some_and(|p| p.is_match(v)))
        })
        .or_else(|| responses.iter().find(|r| r.pattern.is_none()))
}

/// The template for `Accept`: the first media range naming a template
/// exactly, else `application/json`, else the first template.
pub(crate) fn choose_response_template<'t>(
    templates: &'t [(String, Arc<dyn Template>)],
    accept: Option<&str>,
) -> Option<(&'t str, &'t Arc<dyn Template>)> {
    let by = |ct: &str| templates.iter().find(|(k, _)| k.eq_ignore_ascii_case(ct));
    accept
        .into_iter()
        .flat_map(|a| a.split(','))
        .map(|r| r.split(';').next().unwrap_or_default().trim())
        .find_map(by)
        .or_else(|| by("application/json"))
        .or(templates.first())
        .map(|(k, t)| (k.as_str(), t))
}

fn no_match_explanation(i: &CompiledIntegration, value: Option<&str>) -> String {
    let what = match value {
        Some(v) => format!("the selection value was `{}`", crate::phases::integration_request::clip(v.as_bytes())),
        None => "the call succeeded, so only a default integration response (one without selection_pattern) can apply".to_string(),
    };
    if i.responses.is_empty() {
        return format!(
            "{what}, and this method has no integration response at all, so there is no output mapping for the response and API Gateway answers 500. \
             Declare an aws_api_gateway_integration_response without selection_pattern (the default) for this method{}",
            i.source
                .as_ref()
                .map(|s| format!(" (integration declared at {s})"))
                .unwrap_or_default()
        );
    }
    let listed: Vec<String> = i
        .responses
        .iter()
        .map(|r| {
            let at = r
                .source
                .as_ref()
                .map(|s| format!(", declared at {s}"))
                .unwrap_or_default();
            format!("{} (selection_pattern `{}`{at})", r.status, r.pattern_text)
        })
        .collect();
    format!(
        "{what}; no integration response matched and none is the default (empty selection_pattern), so there is no output mapping and API Gateway answers 500. \
         Integration responses: {}",
        listed.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::CompiledApi;
    use crate::testutil::check_api;
    use serde_json::json;

    fn responses(spec: Value) -> CompiledApi {
        CompiledApi::compile(&check_api(json!({"type":"AWS"}), spec)).unwrap()
    }

    fn picked(api: &CompiledApi, v: Option<&str>) -> Option<String> {
        let i = api.resources[1].methods[0].integration.as_ref().unwrap();
        select(&i.responses, v).map(|r| r.status.clone())
    }

    #[test]
    fn selection_order_is_pinned() {
        // AWS-rec test_lambda_selection_patterns: 405 `.*four hundred.*`
        // beats 502 `.+` for the same message; declared here in the other
        // order to show the order does not depend on declaration.
        let api = responses(json!([
            {"resource_id":"c","http_method":"POST","status_code":"502","selection_pattern":".+"},
            {"resource_id":"c","http_method":"POST","status_code":"405","selection_pattern":".*four hundred.*"},
            {"resource_id":"c","http_method":"POST","status_code":"504","selection_pattern":"200"},
            {"resource_id":"c","http_method":"POST","status_code":"200"},
        ]));
        assert_eq!(
            picked(&api, Some("Error: four hundred")).as_deref(),
            Some("405")
        );
        assert_eq!(picked(&api, Some("other")).as_deref(), Some("502"));
        assert_eq!(
            picked(&api, None).as_deref(),
            Some("200"),
            "success ignores patterns, even `200`"
        );
        assert_eq!(
            picked(&api, Some("")).as_deref(),
            Some("200"),
            "`.+` does not match empty"
        );
    }

    #[test]
    fn accept_chooses_the_response_template() {
        let api = responses(
            json!([{"resource_id":"c","http_method":"POST","status_code":"200",
            "response_templates":{"text/html":"<p/>","application/json":"{}"}}]),
        );
        let t = &api.resources[1].methods[0]
            .integration
            .as_ref()
            .unwrap()
            .responses[0]
            .templates;
        assert_eq!(
            choose_response_template(t, Some("text/html, */*"))
                .unwrap()
                .0,
            "text/html"
        );
        assert_eq!(
            choose_response_template(t, Some("*/*")).unwrap().0,
            "application/json"
        );
        assert_eq!(
            choose_response_template(t, None).unwrap().0,
            "application/json"
        );
        assert!(choose_response_template(&[], None).is_none());
    }

    #[test]
    fn explains_the_missing_output_mapping() {
        let api = responses(json!([]));
        let i = api.resources[1].methods[0].integration.as_ref().unwrap();
        let why = no_match_explanation(i, None);
        assert!(
            why.contains("integration response") && why.contains("output mapping"),
            "{why}"
        );
        assert_eq!(
            error_message(br#"{"errorMessage":"x","errorType":"string"}"#),
            "x"
        );
        assert_eq!(error_message(b"not json"), "");
    }

    fn answer(
        response: Value,
        accept: Option<&str>,
        backend_ct: &str,
        backend_body: &'static [u8],
    ) -> Result<MethodOut, GatewayResponseType> {
        use crate::phases::{parse, route};
        use crate::testutil::{stage_for, with_ctx};
        let mut r = response;
        r["resource_id"] = json!("c");
        r["http_method"] = json!("POST");
        r["status_code"] = json!("200");
        let mut api = check_api(json!({"type":"HTTP","uri":"http://h/"}), json!([r]));
        api["rest_api"]["binary_media_types"] = json!(["image/png"]);
        let stage = stage_for(api);
        let mut b = http::Request::post("/check");
        if let Some(a) = accept {
            b = b.header("accept", a);
        }
        with_ctx(&stage, b.body(Bytes::new()).unwrap(), "/check", |ctx| {
            parse::run(ctx).unwrap();
            route::run(ctx).unwrap();
            ctx.endpoint = Some(Endpoint::Http {
                status: 200,
                headers: vec![("Content-Type".into(), backend_ct.into())],
                body: Bytes::from_static(backend_body),
            });
            run(ctx).map_err(|e| e.kind)?;
            Ok(ctx.response.clone().unwrap())
        })
    }

    #[test]
    fn binary_backend_bodies_follow_accept_and_content_handling() {
        let png: &'static [u8] = &[0x89, b'P', 0xff];
        let b64 = b"iVD/";
        let tpl = json!({"application/json": "{\"image\":\"$input.body\"}"});
        // Unset: binary for a binary Accept, base64 text otherwise.
        let r = answer(json!({}), Some("image/png"), "image/png", png).unwrap();
        assert_eq!(&r.body[..], png);
        let r = answer(json!({}), Some("application/json"), "image/png", png).unwrap();
        assert_eq!(&r.body[..], b64);
        // A binary body that stays binary skips the template.
        let r = answer(
            json!({"response_templates":tpl}),
            Some("image/png"),
            "image/png",
            png,
        )
        .unwrap();
        assert_eq!(&r.body[..], png);
        // CONVERT_TO_TEXT: base64, which the template then sees.
        let r = answer(
            json!({"content_handling":"CONVERT_TO_TEXT","response_templates":tpl}),
            Some("image/png"),
            "image/png",
            png,
        )
        .unwrap();
        assert_eq!(&r.body[..], br#"{"image":"iVD/"}"#);
        // CONVERT_TO_BINARY: binary stays binary whatever the Accept...
        let r = answer(
            json!({"content_handling":"CONVERT_TO_BINARY"}),
            None,
            "image/png",
            png,
        )
        .unwrap();
        assert_eq!(&r.body[..], png);
        // ...and text is decoded after its template.
        let r = answer(
            json!({"content_handling":"CONVERT_TO_BINARY","response_templates":{"application/json":"$input.path('$.img')"}}),
            None,
            "application/json",
            br#"{"img":"iVD/"}"#,
        )
        .unwrap();
        assert_eq!(&r.body[..], png);
        assert_eq!(
            answer(
                json!({"content_handling":"CONVERT_TO_BINARY"}),
                None,
                "application/json",
                b"{}"
            )
            .unwrap_err(),
            GatewayResponseType::ApiConfigurationError
        );
        // Text with CONVERT_TO_TEXT is unchanged.
        let r = answer(
            json!({"content_handling":"CONVERT_TO_TEXT"}),
            None,
            "text/plain",
            b"hi",
        )
        .unwrap();
        assert_eq!(&r.body[..], b"hi");
    }
}
