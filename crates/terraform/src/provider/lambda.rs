//! Lambda functions, aliases and permissions through [`Effects`]; IAM
//! roles and policies recorded with their ARNs (never enforced); other
//! provider types recorded as configured.

use super::{Applied, Ctx, SetStr, base, fill_schema, fx, s};
use crate::effects::FunctionSpec;
use crate::provider::apigw::string_map;
use crate::value::{Map, Value};
use base64::Engine;
use portico_model::{FunctionRef, Principal, Statement};
use sha2::Digest;

pub(super) fn put(
    ctx: &mut Ctx<'_>,
    ty: &str,
    cfg: &Map,
    prior: Option<&Value>,
) -> Result<Applied, String> {
    let mut m = base(cfg, prior);
    fill_schema(ty, &mut m);
    let (region, account) = (ctx.region.to_string(), ctx.account.to_string());
    match ty {
        "aws_lambda_function" => {
            let file = s(&m, "filename").to_string();
            if file.is_empty() {
                return Err("Portico deploys aws_lambda_function code from `filename` only (s3_bucket/s3_key and image_uri are not supported)".into());
            }
            let zip = std::fs::read(ctx.root_dir.join(&file))
                .map_err(|e| format!("unable to load \"{file}\": {e}"))?;
            let env = m.get("environment").and_then(|e| match e {
                Value::List(l) => l.first().map(|b| string_map(Some(b.get("variables")))),
                _ => None,
            });
            let spec = FunctionSpec {
                name: s(&m, "function_name").into(),
                role: s(&m, "role").into(),
                handler: s(&m, "handler").into(),
                runtime: s(&m, "runtime").into(),
                zip: zip.clone(),
                description: s(&m, "description").into(),
                timeout: m.get("timeout").and_then(Value::as_number).unwrap_or(3.0) as u64,
                memory_size: m
                    .get("memory_size")
                    .and_then(Value::as_number)
                    .unwrap_or(128.0) as u64,
                environment: env.unwrap_or_default(),
                publish: m.get("publish").and_then(Value::as_bool).unwrap_or(false),
            };
            let info = ctx.effects.put_function(&spec).map_err(fx)?;
            let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&zip));
            let invoke = |arn: &str| {
                format!(
                    "arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"
                )
            };
            let qualified = if info.version == "$LATEST" {
                format!("{}:$LATEST", info.arn)
            } else {
                format!("{}:{}", info.arn, info.version)
            };
            m.set_s("invoke_arn", invoke(&info.arn));
            m.set_s("qualified_invoke_arn", invoke(&qualified));
            m.set_s("qualified_arn", qualified);
            m.set_s("arn", info.arn.clone());
            m.set_s("version", info.version.clone());
            m.set_s("last_modified", info.last_modified.clone());
            if s(&m, "source_code_hash").is_empty() {
                m.set_s("source_code_hash", hash.clone());
            }
            m.set_s("code_sha256", hash);
            m.insert("source_code_size".into(), Value::Number(zip.len() as f64));
            if m.get("architectures").is_none_or(|v| v.is_null()) {
                m.insert(
                    "architectures".into(),
                    Value::List(vec![Value::str("x86_64")]),
                );
            }
            m.set_s("signing_job_arn", String::new());
            m.set_s("signing_profile_version_arn", String::new());
            m.set_s("id", s(&m, "function_name").to_string());
            m.insert(
                "tags_all".into(),
                m.get("tags")
                    .cloned()
                    .filter(|t| !t.is_null())
                    .unwrap_or(Value::Map(Map::new())),
            );
        }
        "aws_lambda_alias" => {
            let f = s(&m, "function_name").to_string();
            let info = ctx
                .effects
                .get_function(&f)
                .map_err(fx)?
                .ok_or_else(|| not_found(ctx, &f))?;
            ctx.effects
                .put_alias(
                    &f,
                    s(&m, "name"),
                    s(&m, "function_version"),
                    s(&m, "description"),
                )
                .map_err(fx)?;
            let arn = format!("{}:{}", info.arn, s(&m, "name"));
            m.set_s(
                "invoke_arn",
                format!(
                    "arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"
                ),
            );
            m.set_s("id", arn.clone());
            m.set_s("arn", arn);
        }
        "aws_lambda_permission" => {
            let f = s(&m, "function_name").to_string();
            let info = ctx
                .effects
                .get_function(&f)
                .map_err(fx)?
                .ok_or_else(|| not_found(ctx, &f))?;
            let sid = match s(&m, "statement_id") {
                "" => format!(
                    "{}{}",
                    if s(&m, "statement_id_prefix").is_empty() {
                        "terraform-"
                    } else {
                        s(&m, "statement_id_prefix")
                    },
                    10_000_000_000_000_000_000_000_000u128 + u128::from(ctx.ids.next_u64())
                ),
                given => given.to_string(),
            };
            let q = s(&m, "qualifier").to_string();
            let fname = FunctionRef::parse(&f).map(|r| r.name).unwrap_or(f.clone());
            let dup = ctx.state.of_type(ty).any(|(_, p)| {
                FunctionRef::parse(p.attr("function_name"))
                    .map(|r| r.name)
                    .unwrap_or_default()
                    == fname
                    && p.attr("qualifier") == q
                    && p.attr("statement_id") == sid
            });
            if dup {
                return Err(format!(
                    "ResourceConflictException: The statement id ({sid}) provided already exists. Please provide a new statement id, or remove the existing statement."
                ));
            }
            let principal = Principal::from_input(s(&m, "principal")).ok_or("InvalidParameterValueException: The provided principal was invalid. Please check the principal and try again.")?;
            let resource = if q.is_empty() {
                info.arn.clone()
            } else {
                format!("{}:{q}", info.arn)
            };
            let opt = |k: &str| Some(s(&m, k).to_string()).filter(|x| !x.is_empty());
            let st = Statement {
                sid: sid.clone(),
                action: s(&m, "action").into(),
                principal,
                resource,
                source_arn: opt("source_arn"),
                source_account: opt("source_account"),
            };
            ctx.effects
                .add_permission(&f, opt("qualifier").as_deref(), &st)
                .map_err(fx)?;
            m.set_s("statement_id", sid.clone());
            m.set_s("id", sid);
        }
        "aws_iam_role" | "aws_iam_policy" | "aws_iam_role_policy" => {
            if s(&m, "name").is_empty() {
                let prefix = if s(&m, "name_prefix").is_empty() {
                    "terraform-".to_string()
                } else {
                    s(&m, "name_prefix").to_string()
                };
                m.set_s(
                    "name",
                    format!(
                        "{prefix}{}",
                        10_000_000_000_000_000_000_000_000u128 + u128::from(ctx.ids.next_u64())
                    ),
                );
            }
            let (name, path) = (s(&m, "name").to_string(), s(&m, "path").to_string());
            match ty {
                "aws_iam_role" => {
                    m.set_s("arn", format!("arn:aws:iam::{account}:role{path}{name}"));
                    if prior.is_none() {
                        m.set_s(
                            "unique_id",
                            format!("AROA{}", ctx.ids.token(17).to_uppercase()),
                        );
                        m.set_s("create_date", ctx.now.to_string());
                    }
                    if m.get("managed_policy_arns").is_none_or(|v| v.is_null()) {
                        m.insert("managed_policy_arns".into(), Value::List(vec![]));
                    }
                    m.set_s("id", name);
                }
                "aws_iam_policy" => {
                    let arn = format!("arn:aws:iam::{account}:policy{path}{name}");
                    m.set_s("arn", arn.clone());
                    m.set_s("id", arn);
                    if prior.is_none() {
                        m.set_s(
                            "policy_id",
                            format!("ANPA{}", ctx.ids.token(17).to_uppercase()),
                        );
                    }
                    m.insert("attachment_count".into(), Value::Number(0.0));
                }
                _ => m.set_s("id", format!("{}:{name}", s(&m, "role"))),
            }
            if m.contains_key("tags_all") {
                m.insert(
                    "tags_all".into(),
                    m.get("tags")
                        .cloned()
                        .filter(|t| !t.is_null())
                        .unwrap_or(Value::Map(Map::new())),
                );
            }
        }
        "aws_iam_role_policy_attachment" => {
            if prior.is_none() {
                let id = format!(
                    "{}-{}",
                    s(&m, "role"),
                    10_000_000_000_000_000_000_000_000u128 + u128::from(ctx.ids.next_u64())
                );
                m.set_s("id", id);
            }
        }
        _ => {
            // A type Portico records without emulating: keep what was configured.
            if prior.is_none() || s(&m, "id").is_empty() {
                let id = if s(&m, "name").is_empty() {
                    ctx.ids.id(10)
                } else {
                    s(&m, "name").to_string()
                };
                m.set_s("id", id);
            }
        }
    }
    Ok(Applied {
        attrs: m,
        private: None,
    })
}

pub(super) fn delete(ctx: &mut Ctx<'_>, ty: &str, prior: &Value) -> Result<(), String> {
    match ty {
        "aws_lambda_function" => ctx
            .effects
            .delete_function(prior.get_str("function_name"))
            .map_err(fx),
        "aws_lambda_alias" => ctx
            .effects
            .delete_alias(prior.get_str("function_name"), prior.get_str("name"))
            .map_err(fx),
        "aws_lambda_permission" => {
            let q = Some(prior.get_str("qualifier")).filter(|q| !q.is_empty());
            ctx.effects
                .remove_permission(
                    prior.get_str("function_name"),
                    q,
                    prior.get_str("statement_id"),
                )
                .map_err(fx)
        }
        _ => Ok(()),
    }
}

/// Lambda's error for a function that does not exist, with the full ARN.
fn not_found(ctx: &Ctx<'_>, f: &str) -> String {
    let arn = if f.starts_with("arn:") {
        f.to_string()
    } else {
        format!("arn:aws:lambda:{}:{}:function:{f}", ctx.region, ctx.account)
    };
    format!("ResourceNotFoundException: Function not found: {arn}")
}
