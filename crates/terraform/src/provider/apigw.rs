//! API Gateway resources: ids in AWS's formats (apigateway.md §1.1), the
//! checks CreateDeployment, PutIntegration and PutIntegrationResponse make,
//! deployments frozen as snapshots, stages pointing at them.

use super::{Applied, Ctx, SetStr, base, fill_schema, fx, s};
use crate::effects::{
    ApiKeyRecord, DeploymentRecord, MethodSettingsRecord, StageRecord, UsagePlanRecord,
};
use crate::snapshot::{self, Item};
use crate::value::{Map, Value};
use std::collections::BTreeMap;

pub(super) fn put(
    ctx: &mut Ctx<'_>,
    ty: &str,
    cfg: &Map,
    prior: Option<&Value>,
) -> Result<Applied, String> {
    let mut m = base(cfg, prior);
    fill_schema(ty, &mut m);
    let creating = prior.is_none();
    let api = s(&m, "rest_api_id").to_string();
    let (region, account) = (ctx.region.to_string(), ctx.account.to_string());
    let mut private = None;
    match ty {
        "aws_api_gateway_rest_api" => {
            if creating {
                let id = ctx.ids.id(10);
                m.set_s("root_resource_id", ctx.ids.id(10));
                m.set_s(
                    "arn",
                    format!("arn:aws:apigateway:{region}::/restapis/{id}"),
                );
                m.set_s(
                    "execution_arn",
                    format!("arn:aws:execute-api:{region}:{account}:{id}"),
                );
                m.set_s("created_date", ctx.now.to_string());
                m.set_s("id", id);
            }
            default_str(&mut m, "api_key_source", "HEADER");
            default_str(&mut m, "minimum_compression_size", "");
            default_str(&mut m, "policy", "");
            m.entry("binary_media_types".into()).and_modify(|v| {
                if v.is_null() {
                    *v = Value::List(vec![])
                }
            });
            m.entry("disable_execute_api_endpoint".into())
                .and_modify(|v| {
                    if v.is_null() {
                        *v = Value::Bool(false)
                    }
                });
            tags_all(&mut m);
        }
        "aws_api_gateway_resource" => {
            let parent = s(&m, "parent_id").to_string();
            let parent_path = find_path(ctx, &api, &parent)
                .ok_or("NotFoundException: Invalid Resource identifier specified")?;
            let part = s(&m, "path_part");
            let path = if parent_path == "/" {
                format!("/{part}")
            } else {
                format!("{parent_path}/{part}")
            };
            m.set_s("path", path);
            if creating {
                m.set_s("id", ctx.ids.id(10));
            }
        }
        "aws_api_gateway_method" => {
            find_path(ctx, &api, s(&m, "resource_id"))
                .ok_or("NotFoundException: Invalid Resource identifier specified")?;
            m.set_s(
                "id",
                format!(
                    "agm-{api}-{}-{}",
                    s(&m, "resource_id"),
                    s(&m, "http_method")
                ),
            );
        }
        "aws_api_gateway_method_response" => {
            require_method(ctx, &m)?;
            m.set_s(
                "id",
                format!(
                    "agmr-{api}-{}-{}-{}",
                    s(&m, "resource_id"),
                    s(&m, "http_method"),
                    s(&m, "status_code")
                ),
            );
        }
        "aws_api_gateway_integration" => {
            require_method(ctx, &m)?;
            default_str(&mut m, "passthrough_behavior", "WHEN_NO_MATCH");
            let rid = s(&m, "resource_id").to_string();
            default_str(&mut m, "cache_namespace", &rid);
            m.entry("cache_key_parameters".into()).and_modify(|v| {
                if v.is_null() {
                    *v = Value::List(vec![])
                }
            });
            m.set_s("id", format!("agi-{api}-{rid}-{}", s(&m, "http_method")));
        }
        "aws_api_gateway_integration_response" => {
            let same = |t: &str, extra: Option<&str>| {
                ctx.state.of_type(t).any(|(_, i)| {
                    i.attr("rest_api_id") == api
                        && i.attr("resource_id") == s(&m, "resource_id")
                        && i.attr("http_method") == s(&m, "http_method")
                        && extra.is_none_or(|st| i.attr("status_code") == st)
                })
            };
            if !same("aws_api_gateway_integration", None) {
                return Err("NotFoundException: No integration defined for method".into());
            }
            if !same(
                "aws_api_gateway_method_response",
                Some(s(&m, "status_code")),
            ) {
                return Err("NotFoundException: Invalid Response status code specified".into());
            }
            m.set_s(
                "id",
                format!(
                    "agir-{api}-{}-{}-{}",
                    s(&m, "resource_id"),
                    s(&m, "http_method"),
                    s(&m, "status_code")
                ),
            );
        }
        "aws_api_gateway_deployment" => {
            let stage = s(&m, "stage_name").to_string();
            let (id, snap) = match prior.map(|p| (p.get_str("id").to_string(), p)) {
                Some((id, _)) => {
                    let snap = ctx
                        .state
                        .of_type(ty)
                        .find(|(_, i)| i.attr("id") == id)
                        .and_then(|(_, i)| i.private.clone())
                        .unwrap_or_default();
                    (id, snap)
                }
                None => {
                    let snap = api_snapshot(ctx, &api);
                    snapshot::deployable(&snap)?;
                    m.set_s("created_date", ctx.now.to_string());
                    (ctx.ids.id(6), snap)
                }
            };
            m.set_s("id", id.clone());
            m.set_s(
                "invoke_url",
                format!("https://{api}.execute-api.{region}.amazonaws.com/{stage}"),
            );
            m.set_s(
                "execution_arn",
                format!("arn:aws:execute-api:{region}:{account}:{api}/{stage}"),
            );
            let rec = DeploymentRecord {
                api_id: api.clone(),
                deployment_id: id.clone(),
                description: s(&m, "description").into(),
                created_date: s(&m, "created_date").into(),
                snapshot: snap.clone(),
            };
            ctx.effects.put_deployment(&rec).map_err(fx)?;
            if !stage.is_empty() {
                // CreateDeployment with stageName creates the stage or repoints it.
                let rec = StageRecord {
                    api_id: api.clone(),
                    stage_name: stage,
                    deployment_id: id,
                    description: s(&m, "stage_description").into(),
                    variables: string_map(m.get("variables")),
                };
                ctx.effects.put_stage(&rec).map_err(fx)?;
            }
            private = Some(snap);
        }
        "aws_api_gateway_stage" => {
            let stage = s(&m, "stage_name").to_string();
            if creating && stage_exists(ctx, &api, &stage) {
                return Err("ConflictException: Stage already exists".into());
            }
            let dep = s(&m, "deployment_id").to_string();
            if !ctx
                .state
                .of_type("aws_api_gateway_deployment")
                .any(|(_, d)| d.attr("id") == dep)
            {
                return Err(format!(
                    "NotFoundException: Invalid Deployment identifier specified ({dep})"
                ));
            }
            m.set_s("id", format!("ags-{api}-{stage}"));
            m.set_s(
                "arn",
                format!("arn:aws:apigateway:{region}::/restapis/{api}/stages/{stage}"),
            );
            m.set_s(
                "execution_arn",
                format!("arn:aws:execute-api:{region}:{account}:{api}/{stage}"),
            );
            m.set_s(
                "invoke_url",
                format!("https://{api}.execute-api.{region}.amazonaws.com/{stage}"),
            );
            default_str(&mut m, "web_acl_arn", "");
            tags_all(&mut m);
            let rec = StageRecord {
                api_id: api,
                stage_name: stage,
                deployment_id: dep,
                description: s(&m, "description").into(),
                variables: string_map(m.get("variables")),
            };
            ctx.effects.put_stage(&rec).map_err(fx)?;
        }
        "aws_api_gateway_gateway_response" => {
            m.set_s("id", format!("aggr-{api}-{}", s(&m, "response_type")))
        }
        "aws_api_gateway_account" => {
            m.set_s("id", "api-gateway-account".into());
            default_str(&mut m, "api_key_version", "4");
        }
        "aws_api_gateway_model"
        | "aws_api_gateway_request_validator"
        | "aws_api_gateway_authorizer"
        | "aws_api_gateway_usage_plan" => {
            if creating {
                let id = ctx
                    .ids
                    .id(if ty == "aws_api_gateway_model" { 10 } else { 6 });
                match ty {
                    "aws_api_gateway_authorizer" => m.set_s(
                        "arn",
                        format!("arn:aws:apigateway:{region}::/restapis/{api}/authorizers/{id}"),
                    ),
                    "aws_api_gateway_usage_plan" => m.set_s(
                        "arn",
                        format!("arn:aws:apigateway:{region}::/usageplans/{id}"),
                    ),
                    _ => {}
                }
                m.set_s("id", id);
            }
            tags_all(&mut m);
            if ty == "aws_api_gateway_usage_plan" {
                let rec = UsagePlanRecord {
                    id: s(&m, "id").into(),
                    name: s(&m, "name").into(),
                    plan: Value::Map(m.clone()).to_json(),
                };
                ctx.effects.put_usage_plan(&rec).map_err(fx)?;
            }
        }
        "aws_api_gateway_api_key" => {
            if creating {
                let id = ctx.ids.id(10);
                m.set_s("arn", format!("arn:aws:apigateway:{region}::/apikeys/{id}"));
                m.set_s("created_date", ctx.now.to_string());
                m.set_s("id", id);
                if s(&m, "value").is_empty() {
                    m.set_s("value", ctx.ids.token(40));
                }
            }
            m.set_s("last_updated_date", ctx.now.to_string());
            tags_all(&mut m);
            let rec = ApiKeyRecord {
                id: s(&m, "id").into(),
                name: s(&m, "name").into(),
                value: s(&m, "value").into(),
                enabled: !matches!(m.get("enabled"), Some(Value::Bool(false))),
                description: s(&m, "description").into(),
                created_date: s(&m, "created_date").into(),
            };
            ctx.effects.put_api_key(&rec).map_err(fx)?;
        }
        "aws_api_gateway_usage_plan_key" => {
            let key = s(&m, "key_id").to_string();
            let k = ctx
                .state
                .of_type("aws_api_gateway_api_key")
                .find(|(_, k)| k.attr("id") == key)
                .map(|(_, k)| (k.attr("name").to_string(), k.attr("value").to_string()));
            let (name, value) = k.ok_or_else(|| {
                format!("NotFoundException: Invalid API Key identifier specified ({key})")
            })?;
            m.set_s("name", name);
            m.set_s("value", value);
            ctx.effects
                .put_usage_plan_key(s(&m, "usage_plan_id"), &key)
                .map_err(fx)?;
            m.set_s("id", key);
        }
        "aws_api_gateway_method_settings" => {
            if !stage_exists(ctx, &api, s(&m, "stage_name")) {
                return Err(format!(
                    "NotFoundException: Invalid Stage identifier specified ({})",
                    s(&m, "stage_name")
                ));
            }
            m.set_s(
                "id",
                format!("{api}-{}-{}", s(&m, "stage_name"), s(&m, "method_path")),
            );
            let rec = MethodSettingsRecord {
                api_id: api.clone(),
                stage_name: s(&m, "stage_name").into(),
                method_path: s(&m, "method_path").into(),
                settings: m
                    .get("settings")
                    .map(Value::to_json)
                    .unwrap_or(serde_json::Value::Null),
            };
            ctx.effects.put_method_settings(&rec).map_err(fx)?;
        }
        _ => {}
    }
    Ok(Applied { attrs: m, private })
}

pub(super) fn delete(ctx: &mut Ctx<'_>, ty: &str, prior: &Value) -> Result<(), String> {
    let api = prior.get_str("rest_api_id");
    match ty {
        "aws_api_gateway_deployment" => {
            let id = prior.get_str("id");
            if ctx
                .state
                .of_type("aws_api_gateway_stage")
                .any(|(_, st)| st.attr("rest_api_id") == api && st.attr("deployment_id") == id)
            {
                return Err("BadRequestException: Active stages pointing to this deployment must be moved or deleted".into());
            }
            let stage = prior.get_str("stage_name");
            // The provider removes the v5 stage with its deployment, unless
            // the stage has meanwhile been pointed at another deployment.
            let repointed = ctx.state.of_type(ty).any(|(_, d)| {
                d.attr("rest_api_id") == api && d.attr("stage_name") == stage && d.attr("id") != id
            });
            if !stage.is_empty() && !repointed {
                ctx.effects.delete_stage(api, stage).map_err(fx)?;
            }
            ctx.effects.delete_deployment(api, id).map_err(fx)
        }
        "aws_api_gateway_stage" => ctx
            .effects
            .delete_stage(api, prior.get_str("stage_name"))
            .map_err(fx),
        "aws_api_gateway_api_key" => ctx.effects.delete_api_key(prior.get_str("id")).map_err(fx),
        "aws_api_gateway_usage_plan" => ctx
            .effects
            .delete_usage_plan(prior.get_str("id"))
            .map_err(fx),
        "aws_api_gateway_usage_plan_key" => ctx
            .effects
            .delete_usage_plan_key(prior.get_str("usage_plan_id"), prior.get_str("key_id"))
            .map_err(fx),
        "aws_api_gateway_method_settings" => ctx
            .effects
            .delete_method_settings(
                api,
                prior.get_str("stage_name"),
                prior.get_str("method_path"),
            )
            .map_err(fx),
        _ => Ok(()),
    }
}

/// The snapshot of `api` from the state as it is now.
pub(crate) fn api_snapshot(ctx: &Ctx<'_>, api: &str) -> serde_json::Value {
    let vals: Vec<(String, Value, &crate::state::Source)> = ctx
        .state
        .resources
        .values()
        .filter(|i| i.ty.starts_with("aws_api_gateway_"))
        .map(|i| (i.ty.clone(), i.value(), &i.source))
        .collect();
    snapshot::build(
        api,
        vals.iter().map(|(t, v, src)| Item {
            ty: t,
            attrs: v,
            source: src,
        }),
    )
}

fn find_path(ctx: &Ctx<'_>, api: &str, id: &str) -> Option<String> {
    if ctx
        .state
        .of_type("aws_api_gateway_rest_api")
        .any(|(_, a)| a.attr("id") == api && a.attr("root_resource_id") == id)
    {
        return Some("/".into());
    }
    ctx.state
        .of_type("aws_api_gateway_resource")
        .find(|(_, r)| r.attr("rest_api_id") == api && r.attr("id") == id)
        .map(|(_, r)| r.attr("path").to_string())
}

fn require_method(ctx: &Ctx<'_>, m: &Map) -> Result<(), String> {
    let found = ctx.state.of_type("aws_api_gateway_method").any(|(_, x)| {
        x.attr("rest_api_id") == s(m, "rest_api_id")
            && x.attr("resource_id") == s(m, "resource_id")
            && x.attr("http_method") == s(m, "http_method")
    });
    if found {
        Ok(())
    } else {
        Err("NotFoundException: Invalid Method identifier specified".into())
    }
}

fn stage_exists(ctx: &Ctx<'_>, api: &str, stage: &str) -> bool {
    ctx.state
        .stages()
        .iter()
        .any(|st| st.api_id == api && st.stage_name == stage)
}

fn default_str(m: &mut Map, k: &str, v: &str) {
    if m.get(k).is_none_or(|x| x.is_null()) {
        m.insert(k.into(), Value::str(v));
    }
}

fn tags_all(m: &mut Map) {
    if m.contains_key("tags_all") {
        let tags = m
            .get("tags")
            .cloned()
            .filter(|t| !t.is_null())
            .unwrap_or(Value::Map(Map::new()));
        m.insert("tags_all".into(), tags);
    }
}

pub(crate) fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    match v {
        Some(Value::Map(m)) => m
            .iter()
            .map(|(k, v)| (k.clone(), v.to_interp_string().unwrap_or_default()))
            .collect(),
        _ => BTreeMap::new(),
    }
}
