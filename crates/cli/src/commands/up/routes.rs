//! The table of what is served: for every stage, each method of the
//! deployment the stage serves (not of the API as it is now: a stage
//! serves its frozen deployment, as on AWS) as
//! `METHOD  URL  →  integration`.

use crate::context::Context;
use anyhow::Result;
use serde_json::Value;
use std::collections::HashMap;

/// One line of the table.
#[derive(Debug, PartialEq, Eq)]
pub struct Route {
    pub method: String,
    pub path: String,
    pub target: String,
}

/// The whole table, ready to print (empty when no stage is deployed).
pub fn table(ctx: &Context, url: &str) -> Result<String> {
    let mut store = ctx.store()?;
    let tx = store.read()?;
    let mut stages = tx.stages()?;
    stages.sort_by(|a, b| (&a.api_id, &a.stage_name).cmp(&(&b.api_id, &b.stage_name)));
    let mut out = String::new();
    for s in stages {
        let base = format!("{url}/_aws/execute-api/{}/{}", s.api_id, s.stage_name);
        let Some(d) = tx.deployment(&s.api_id, &s.deployment_id)? else {
            out.push_str(&format!(
                "\nStage {}/{}: deployment {} is missing\n",
                s.api_id, s.stage_name, s.deployment_id
            ));
            continue;
        };
        let snapshot: Value = serde_json::from_str(&d.snapshot_json)?;
        let name = snapshot["rest_api"]["name"]
            .as_str()
            .unwrap_or("")
            .to_string();
        out.push_str(&format!(
            "\nStage {} of {name} ({}), deployment {}:\n",
            s.stage_name, s.api_id, s.deployment_id
        ));
        let routes = routes(&snapshot);
        if routes.is_empty() {
            out.push_str("  (no methods)\n");
        }
        let width = routes
            .iter()
            .map(|r| base.len() + r.path.len())
            .max()
            .unwrap_or(0);
        for r in routes {
            let url = format!("{base}{}", r.path);
            out.push_str(&format!(
                "  {:<7} {url:<width$}  →  {}\n",
                r.method, r.target
            ));
        }
    }
    Ok(out)
}

/// The methods of a deployment snapshot with their paths and targets,
/// sorted by path then method.
pub fn routes(snapshot: &Value) -> Vec<Route> {
    let empty = Vec::new();
    let list = |k: &str| snapshot[k].as_array().unwrap_or(&empty);
    let resources: HashMap<&str, &Value> = list("resources")
        .iter()
        .filter_map(|r| Some((r["id"].as_str()?, r)))
        .collect();
    let mut out: Vec<Route> = list("methods")
        .iter()
        .map(|m| {
            let rid = m["resource_id"].as_str().unwrap_or("");
            let method = m["http_method"].as_str().unwrap_or("").to_string();
            let integration = list("integrations").iter().find(|i| {
                i["resource_id"].as_str() == Some(rid)
                    && i["http_method"].as_str() == Some(method.as_str())
            });
            Route {
                path: path_of(&resources, rid),
                target: integration
                    .map(describe)
                    .unwrap_or_else(|| "(no integration)".into()),
                method,
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
    out
}

/// A resource's path: its own `path`, or built from the parents' parts; the
/// root resource (not among the resources) is `/`.
fn path_of(resources: &HashMap<&str, &Value>, id: &str) -> String {
    let Some(r) = resources.get(id) else {
        return "/".into();
    };
    if let Some(p) = r["path"].as_str().filter(|p| !p.is_empty()) {
        return p.to_string();
    }
    let mut parts = Vec::new();
    let mut cur = Some(*r);
    // Bounded: a cycle in a hand-made snapshot must not hang the table.
    for _ in 0..64 {
        let Some(r) = cur else { break };
        parts.push(r["path_part"].as_str().unwrap_or("").to_string());
        cur = r["parent_id"]
            .as_str()
            .and_then(|p| resources.get(p).copied());
    }
    parts.reverse();
    format!("/{}", parts.join("/"))
}

/// `lambda NAME:ALIAS (AWS_PROXY)`, `MOCK`, `HTTP_PROXY https://...`.
fn describe(i: &Value) -> String {
    let ty = i["type"].as_str().unwrap_or("");
    let uri = i["uri"].as_str().unwrap_or("");
    match ty {
        "AWS" | "AWS_PROXY" => match lambda_target(uri) {
            Some(f) => format!("lambda {f} ({ty})"),
            None => format!("{ty} {uri}"),
        },
        "MOCK" => "MOCK".into(),
        _ => format!("{ty} {uri}"),
    }
}

/// The function (and qualifier) of a Lambda invoke URI; unqualified means
/// `$LATEST`, as API Gateway invokes it.
fn lambda_target(uri: &str) -> Option<String> {
    let inner = uri
        .split("/functions/")
        .nth(1)?
        .strip_suffix("/invocations")?;
    let name = match inner.split_once(":function:") {
        Some((_, rest)) => rest,
        None => inner,
    };
    Some(match name.split_once(':') {
        Some((n, q)) => format!("{n}:{q}"),
        None => format!("{name} ($LATEST)"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn methods_with_paths_and_targets() {
        let snap = json!({
            "rest_api": {"id": "a1", "name": "demo", "root_resource_id": "r0"},
            "resources": [
                {"id": "r1", "parent_id": "r0", "path_part": "items", "path": ""},
                {"id": "r2", "parent_id": "r1", "path_part": "{id}", "path": "/items/{id}"}
            ],
            "methods": [
                {"resource_id": "r2", "http_method": "GET"},
                {"resource_id": "r1", "http_method": "POST"},
                {"resource_id": "r0", "http_method": "OPTIONS"},
                {"resource_id": "r1", "http_method": "DELETE"}
            ],
            "integrations": [
                {"resource_id": "r2", "http_method": "GET", "type": "AWS_PROXY",
                 "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:app_api:current/invocations"},
                {"resource_id": "r1", "http_method": "POST", "type": "AWS",
                 "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:app_api/invocations"},
                {"resource_id": "r0", "http_method": "OPTIONS", "type": "MOCK", "uri": ""}
            ]
        });
        let lines: Vec<String> = routes(&snap)
            .iter()
            .map(|r| format!("{} {} {}", r.method, r.path, r.target))
            .collect();
        assert_eq!(
            lines,
            [
                "OPTIONS / MOCK",
                "DELETE /items (no integration)",
                "POST /items lambda app_api ($LATEST) (AWS)",
                "GET /items/{id} lambda app_api:current (AWS_PROXY)",
            ]
        );
    }
}
