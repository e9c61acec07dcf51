//! Hand-built contexts for the phases' unit tests.

use crate::compile::CompiledApi;
use crate::context::{RequestContext, StageView};
use bytes::Bytes;
use serde_json::{Value, json};
use std::sync::Arc;

/// A stage `test` of api `abc` serving `snapshot` (empty object: no resources).
pub(crate) fn stage_for(snapshot: Value) -> StageView {
    let api = CompiledApi::compile(&snapshot).unwrap();
    StageView {
        api_id: "abc".into(),
        stage: "test".into(),
        deployment_id: "dep1".into(),
        variables: vec![("fn".into(), "f1".into())],
        api: Arc::new(api),
        settings: Default::default(),
    }
}

pub(crate) fn with_ctx<R>(
    stage: &StageView,
    req: http::Request<Bytes>,
    path: &str,
    f: impl FnOnce(&mut RequestContext<'_>) -> R,
) -> R {
    let scope = portico_model::Scope::default();
    let mut ctx = RequestContext::new(stage, &scope, req, path, "127.0.0.1".parse().unwrap());
    f(&mut ctx)
}

/// A snapshot with `/`, `/check` (POST, integration `integration`) and
/// whatever integration responses are given.
pub(crate) fn check_api(integration: Value, responses: Value) -> Value {
    let mut i = integration;
    i["resource_id"] = json!("c");
    i["http_method"] = json!("POST");
    json!({
        "rest_api": {"id": "abc", "root_resource_id": "r"},
        "resources": [{"id":"r","parent_id":"","path_part":"","path":"/"},{"id":"c","parent_id":"r","path_part":"check","path":"/check"}],
        "methods": [{"resource_id":"c","http_method":"POST","authorization":"NONE"}],
        "integrations": [i],
        "integration_responses": responses,
    })
}
