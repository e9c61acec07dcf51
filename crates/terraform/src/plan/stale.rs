//! Beyond Terraform: a stage serves the snapshot frozen when its deployment
//! was created. When a plan changes the API but creates no new deployment
//! for it, the stage silently keeps serving the old definition: say so.

use super::{Action, Change};
use crate::snapshot::{self, Item};
use crate::state::{Source, State};
use crate::value::Value;
use std::collections::BTreeSet;

/// Warnings naming each stage that would serve a stale deployment.
pub fn stale_stage_warnings(state: &State, changes: &[Change]) -> Vec<String> {
    let mut new_deploys = BTreeSet::new();
    for c in changes
        .iter()
        .filter(|c| c.ty == "aws_api_gateway_deployment" && c.action.creates())
    {
        match c.after.get("rest_api_id") {
            Value::String(s) => {
                new_deploys.insert(s.clone());
            }
            _ => return vec![],
        }
    }
    let live: Vec<(&Change, Source)> = changes
        .iter()
        .filter(|c| c.action != Action::Delete && c.ty.starts_with("aws_api_gateway_"))
        .map(|c| {
            let src = Source {
                file: c.loc.as_ref().map(|l| l.file.clone()).unwrap_or_default(),
                line: c.loc.as_ref().map_or(0, |l| l.line),
                address: c.address.clone(),
            };
            (c, src)
        })
        .collect();
    let mut out = vec![];
    for stage in state.stages() {
        if new_deploys.contains(&stage.api_id) {
            continue;
        }
        let Some((dep_addr, dep)) = state
            .of_type("aws_api_gateway_deployment")
            .find(|(_, d)| d.attr("id") == stage.deployment_id)
        else {
            continue;
        };
        let Some(frozen) = &dep.private else { continue };
        let mine: Vec<&(&Change, Source)> = live
            .iter()
            .filter(|(c, _)| {
                c.after.get_str("rest_api_id") == stage.api_id
                    || c.after.get_str("id") == stage.api_id
            })
            .collect();
        if mine.iter().all(|(c, _)| c.action == Action::NoOp) {
            continue;
        }
        let unknown = mine
            .iter()
            .any(|(c, _)| c.after.has_unknown() && c.ty != "aws_api_gateway_rest_api");
        let planned = snapshot::build(
            &stage.api_id,
            mine.iter().map(|(c, s)| Item {
                ty: &c.ty,
                attrs: &c.after,
                source: s,
            }),
        );
        if !unknown && serving(&planned) == serving(frozen) {
            continue;
        }
        let api_name = frozen
            .get("rest_api")
            .and_then(|a| a.get("name"))
            .and_then(|n| n.as_str())
            .unwrap_or(&stage.api_id)
            .to_string();
        out.push(format!(
            "Stage \"{stage_name}\" will keep serving an old deployment\n\nThis plan changes REST API \"{api_name}\" ({api}) but creates no new deployment for it, so stage \"{stage_name}\" keeps serving deployment {dep_id} ({dep_addr}), frozen when it was created, exactly as on AWS. To redeploy whenever the API changes, give the deployment `triggers = {{ redeployment = sha1(jsonencode([...the API's resources...])) }}` with `lifecycle {{ create_before_destroy = true }}`; to redeploy once, replace it (the equivalent of `terraform taint {dep_addr}`).",
            stage_name = stage.stage_name,
            api = stage.api_id,
            dep_id = stage.deployment_id,
        ));
    }
    out
}

/// What a stage's behaviour depends on: the snapshot without `_source`
/// and without the API's name and description (which do not change what
/// a request gets).
fn serving(snap: &serde_json::Value) -> serde_json::Value {
    let mut s = snapshot::without_sources(snap);
    if let Some(api) = s.get_mut("rest_api").and_then(|a| a.as_object_mut()) {
        api.remove("name");
        api.remove("description");
    }
    s
}
