//! End-to-end lifecycles with in-memory effects: the v6 reference
//! configuration redeploys exactly when the API changes; destroy removes
//! everything in reverse order; variables follow Terraform's precedence;
//! a generated 200-route API plans quickly.

use portico_terraform::{
    Action, ApplyOptions, Config, LoadOptions, MemoryEffects, Op, PlanOptions, State, Value,
    VarArg, VarOptions, apply, plan, render_apply, render_plan, value_map,
};
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("portico-tf-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn golden(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(case)
}

fn write_from(dir: &Path, case: &str) {
    std::fs::copy(golden(case).join("main.tf"), dir.join("main.tf")).unwrap();
}

fn cycle(
    dir: &Path,
    state: &State,
    fx: &mut MemoryEffects,
    seed: u64,
) -> (portico_terraform::Plan, State) {
    let cfg = Config::load(dir, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let p = plan(&cfg, state, &PlanOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let (s, _) = apply(
        &p,
        state,
        fx,
        &ApplyOptions {
            seed,
            now: format!("2024-02-0{seed}T00:00:00Z"),
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    (p, s)
}

#[test]
fn v6_redeploys_exactly_when_the_api_changes() {
    let dir = scratch("v6");
    let mut fx = MemoryEffects::default();
    write_from(&dir, "v6-reference-create");
    let (_, s1) = cycle(&dir, &State::default(), &mut fx, 1);
    let first = s1.stages()[0].clone();
    assert_eq!(fx.deployments.len(), 1);
    // Unchanged configuration: nothing to do, twice.
    let (p, s2) = cycle(&dir, &s1, &mut fx, 2);
    assert!(!p.has_changes(), "{}", render_plan(&p, false));
    assert_eq!(s2.stages()[0].deployment_id, first.deployment_id);
    // The API changes: a new deployment is created first, the stage moves to it, the old one goes.
    write_from(&dir, "v6-redeploy-on-change");
    let cfg = Config::load(&dir, &LoadOptions::default()).unwrap();
    let p = plan(&cfg, &s2, &PlanOptions::default()).unwrap();
    let dep = p
        .changes
        .iter()
        .find(|c| c.address == "aws_api_gateway_deployment.d")
        .unwrap();
    assert_eq!(dep.action, Action::CreateThenDelete);
    let (s3, steps) = apply(
        &p,
        &s2,
        &mut fx,
        &ApplyOptions {
            seed: 3,
            now: "2024-02-03T00:00:00Z".into(),
        },
    )
    .unwrap();
    let order: Vec<(&str, Op)> = steps.iter().map(|s| (s.address.as_str(), s.op)).collect();
    let created = order
        .iter()
        .position(|s| *s == ("aws_api_gateway_deployment.d", Op::Created))
        .unwrap();
    let moved = order
        .iter()
        .position(|s| *s == ("aws_api_gateway_stage.prod", Op::Updated))
        .unwrap();
    let destroyed = order
        .iter()
        .position(|s| *s == ("aws_api_gateway_deployment.d", Op::Destroyed))
        .unwrap();
    assert!(created < moved && moved < destroyed, "{order:?}");
    let second = s3.stages()[0].clone();
    assert_ne!(second.deployment_id, first.deployment_id);
    assert_eq!(fx.deployments.len(), 1);
    assert_eq!(
        fx.stages[&(second.api_id.clone(), "prod".to_string())].deployment_id,
        second.deployment_id
    );
    let snap = &fx.deployments[&(second.api_id.clone(), second.deployment_id.clone())].snapshot;
    assert_eq!(snap["methods"].as_array().unwrap().len(), 2);
    assert!(
        render_apply(&steps, false)
            .contains("Apply complete! Resources: 3 added, 1 changed, 1 destroyed.")
    );
    let (p, _) = cycle(&dir, &s3, &mut fx, 4);
    assert!(!p.has_changes(), "{}", render_plan(&p, false));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn destroy_removes_everything_dependents_first() {
    let dir = scratch("destroy");
    let mut fx = MemoryEffects::default();
    write_from(&dir, "v6-reference-create");
    let (_, s1) = cycle(&dir, &State::default(), &mut fx, 1);
    let cfg = Config::load(&dir, &LoadOptions::default()).unwrap();
    let p = plan(
        &cfg,
        &s1,
        &PlanOptions {
            destroy: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        p.summary().destroy,
        s1.resources
            .values()
            .filter(|i| i.mode == "managed")
            .count()
    );
    let (s2, steps) = apply(
        &p,
        &s1,
        &mut fx,
        &ApplyOptions {
            seed: 2,
            now: "2024-02-02T00:00:00Z".into(),
        },
    )
    .unwrap();
    assert!(s2.resources.is_empty());
    assert!(fx.stages.is_empty() && fx.deployments.is_empty() && fx.functions.is_empty());
    let pos = |a: &str| steps.iter().position(|s| s.address == a).unwrap();
    assert!(pos("aws_api_gateway_stage.prod") < pos("aws_api_gateway_deployment.d"));
    assert!(pos("aws_api_gateway_integration.lambda") < pos("aws_api_gateway_method.post"));
    assert!(pos("aws_api_gateway_method.post") < pos("aws_api_gateway_rest_api.api"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn variables_follow_terraform_precedence() {
    let dir = scratch("vars");
    std::fs::write(dir.join("main.tf"), "variable \"a\" {\n  default = \"default\"\n}\nvariable \"b\" {}\nvariable \"c\" {}\nvariable \"d\" {}\nvariable \"e\" {}\nvariable \"n\" {\n  type = number\n}\nvariable \"l\" {\n  type = list(string)\n}\n\noutput \"all\" {\n  value = [var.a, var.b, var.c, var.d, var.e, var.n + 1, var.l[1]]\n}\n").unwrap();
    std::fs::write(
        dir.join("terraform.tfvars"),
        "b = \"tfvars\"\nc = \"tfvars\"\nd = \"tfvars\"\ne = \"tfvars\"\nundeclared = 1\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("a.auto.tfvars"),
        "c = \"auto-a\"\nd = \"auto-a\"\ne = \"auto-a\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("b.auto.tfvars.json"),
        "{\"d\": \"auto-b\", \"e\": \"auto-b\"}",
    )
    .unwrap();
    std::fs::write(dir.join("extra.tfvars"), "e = \"var-file\"\n").unwrap();
    let mut supplied = value_map();
    supplied.insert("b".into(), Value::str("portico"));
    supplied.insert("apex_function_x".into(), Value::str("undeclared is fine"));
    let env = [
        ("e".to_string(), "env".to_string()),
        ("n".to_string(), "41".to_string()),
        ("l".to_string(), "[\"x\", \"y\"]".to_string()),
    ]
    .into();
    let opts = LoadOptions {
        vars: VarOptions {
            supplied,
            env,
            cli: vec![
                VarArg::Var("e=cli".into()),
                VarArg::File("extra.tfvars".into()),
            ],
        },
    };
    let cfg = Config::load(&dir, &opts).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        cfg.warnings.iter().any(|w| w.contains("undeclared")),
        "{:?}",
        cfg.warnings
    );
    let p = plan(&cfg, &State::default(), &PlanOptions::default()).unwrap();
    let all = &p.outputs[0].after;
    let want = ["default", "tfvars", "auto-a", "auto-b", "var-file"].map(Value::str);
    assert_eq!(&all.as_list()[..5], &want);
    assert_eq!(all.as_list()[5], Value::Number(42.0));
    assert_eq!(all.as_list()[6], Value::str("y"));
    let bad = LoadOptions {
        vars: VarOptions {
            cli: vec![VarArg::Var("nope=1".into())],
            ..Default::default()
        },
    };
    assert!(
        Config::load(&dir, &bad)
            .unwrap_err()
            .summary
            .contains("undeclared")
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn generated_api_of_200_routes_plans_fast() {
    let dir = scratch("perf");
    let mut tf =
        String::from("resource \"aws_api_gateway_rest_api\" \"api\" {\n  name = \"big\"\n}\n");
    for i in 0..200 {
        tf.push_str(&format!(
            r#"
resource "aws_api_gateway_resource" "r{i}" {{
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "r{i}"
}}
resource "aws_api_gateway_method" "m{i}" {{
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.r{i}.id
  http_method   = "GET"
  authorization = "NONE"
}}
resource "aws_api_gateway_integration" "i{i}" {{
  rest_api_id = aws_api_gateway_rest_api.api.id
  resource_id = aws_api_gateway_resource.r{i}.id
  http_method = aws_api_gateway_method.m{i}.http_method
  type        = "MOCK"
  request_templates = {{ "application/json" = "{{\"statusCode\": 200}}" }}
}}
resource "aws_api_gateway_method_response" "mr{i}" {{
  rest_api_id = aws_api_gateway_rest_api.api.id
  resource_id = aws_api_gateway_resource.r{i}.id
  http_method = aws_api_gateway_method.m{i}.http_method
  status_code = "200"
}}
resource "aws_api_gateway_integration_response" "ir{i}" {{
  rest_api_id = aws_api_gateway_rest_api.api.id
  resource_id = aws_api_gateway_resource.r{i}.id
  http_method = aws_api_gateway_method.m{i}.http_method
  status_code = aws_api_gateway_method_response.mr{i}.status_code
  depends_on  = [aws_api_gateway_integration.i{i}]
}}
"#
        ));
    }
    std::fs::write(dir.join("main.tf"), tf).unwrap();
    let start = std::time::Instant::now();
    let cfg = Config::load(&dir, &LoadOptions::default()).unwrap();
    let p = plan(&cfg, &State::default(), &PlanOptions::default()).unwrap();
    let text = render_plan(&p, false);
    let planned = start.elapsed();
    assert!(text.contains("Plan: 1001 to add, 0 to change, 0 to destroy."));
    let mut fx = MemoryEffects::default();
    let (s, _) = apply(
        &p,
        &State::default(),
        &mut fx,
        &ApplyOptions {
            seed: 1,
            now: "2024-01-01T00:00:00Z".into(),
        },
    )
    .unwrap();
    let p2 = plan(&cfg, &s, &PlanOptions::default()).unwrap();
    assert!(!p2.has_changes());
    // Debug builds are several times slower than release; the 1 s target is for release.
    let limit = if cfg!(debug_assertions) { 10.0 } else { 1.0 };
    assert!(planned.as_secs_f64() < limit, "plan took {planned:?}");
    eprintln!(
        "plan of 1001 resources: {planned:?}, whole cycle: {:?}",
        start.elapsed()
    );
    std::fs::remove_dir_all(dir).ok();
}
