//! Route: the parsed path and method find a resource and method on the
//! deployment's tree; nothing found is AWS's 403 Missing Authentication
//! Token (never 404 or 405).

use crate::context::{GatewayError, RequestContext, RouteMatch};
use crate::responses::GatewayResponseType;

pub(crate) fn run(ctx: &mut RequestContext<'_>) -> Result<(), GatewayError> {
    let api = ctx.api();
    let Some(req) = ctx.request.as_ref() else {
        return Err(GatewayError::new(GatewayResponseType::Default5xx));
    };
    let verb = req.method.as_str();
    let has = |i: usize| {
        api.resources
            .get(i)
            .is_some_and(|r| r.method(verb).is_some())
    };
    match api.router.find(&req.path, &has) {
        Some(m) => {
            let resource = &api.resources[m.resource];
            ctx.log.line(format!(
                "HTTP Method: {verb}, Resource Path: {}",
                resource.path
            ));
            let pairs = |v: &[(String, String)]| {
                v.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            ctx.log
                .line(format!("Method request path: {{{}}}", pairs(&m.params)));
            ctx.log.line(format!(
                "Method request query string: {{{}}}",
                pairs(&req.query)
            ));
            ctx.log.line(format!(
                "Method request headers: {{{}}}",
                pairs(&req.headers)
            ));
            ctx.log.line(format!(
                "Method request body before transformations: {}",
                crate::phases::integration_request::clip(&req.body)
            ));
            ctx.route = Some(RouteMatch {
                resource: m.resource,
                path_params: m.params,
            });
            Ok(())
        }
        None => {
            let (verb, path) = (verb.to_string(), req.path.clone());
            explain_no_route(ctx, &verb, &path);
            Err(GatewayError::new(
                GatewayResponseType::MissingAuthenticationToken,
            ))
        }
    }
}

fn explain_no_route(ctx: &mut RequestContext<'_>, verb: &str, path: &str) {
    let api = ctx.api();
    let routes: Vec<String> = api
        .resources
        .iter()
        .flat_map(|r| {
            r.methods
                .iter()
                .map(move |m| format!("{} {}", m.http_method, r.path))
        })
        .take(20)
        .collect();
    let listed = if routes.is_empty() {
        "none".to_string()
    } else {
        routes.join(", ")
    };
    ctx.log.explain(format!(
        "no resource of deployment {} matches {verb} {path}, so API Gateway answers 403 Missing Authentication Token \
         (its answer for an unknown path or method, not 404). Methods deployed: {listed}",
        ctx.stage.deployment_id
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phases::parse;
    use crate::testutil::{check_api, stage_for, with_ctx};
    use bytes::Bytes;
    use serde_json::json;

    #[test]
    fn routes_and_refuses() {
        let stage = stage_for(check_api(json!({"type":"MOCK"}), json!([])));
        let post = http::Request::post("/").body(Bytes::new()).unwrap();
        with_ctx(&stage, post, "/check/", |ctx| {
            parse::run(ctx).unwrap();
            run(ctx).unwrap();
            assert_eq!(ctx.resource().unwrap().path, "/check");
        });
        let get = http::Request::get("/").body(Bytes::new()).unwrap();
        with_ctx(&stage, get, "/check", |ctx| {
            parse::run(ctx).unwrap();
            assert_eq!(
                run(ctx).unwrap_err().kind,
                GatewayResponseType::MissingAuthenticationToken
            );
            let why = ctx.log.lines.join("\n");
            assert!(
                why.contains("GET /check") && why.contains("POST /check"),
                "{why}"
            );
        });
    }
}
