//! Golden tests: every directory under tests/golden/ is a case.
//!
//! A case holds `*.tf` (the configuration planned), optionally `before/`
//! (a configuration applied first, with in-memory effects, to produce the
//! prior state), `state.json` (a prior state) and `vars.json` (variables
//! supplied as Portico supplies them; defaults below). Expected results:
//! `expected.plan` (plan text, no colour), `expected.err` (load or plan
//! error), `expected.apply.err` (the plan succeeds and the apply fails).
//! `UPDATE_GOLDEN=1` rewrites the expected files.

use portico_terraform::{
    ApplyOptions, Config, LoadOptions, MemoryEffects, PlanOptions, State, Value, VarOptions, apply,
    plan, render_plan, value_map,
};
use std::path::{Path, PathBuf};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn load_opts(case: &Path) -> LoadOptions {
    let mut supplied = value_map();
    supplied.insert("aws_region".into(), Value::str("us-east-1"));
    supplied.insert("aws_account_id".into(), Value::str("000000000000"));
    supplied.insert(
        "apex_function_hello".into(),
        Value::str("arn:aws:lambda:us-east-1:000000000000:function:demo_hello"),
    );
    supplied.insert("apex_function_hello_name".into(), Value::str("demo_hello"));
    if let Ok(text) = std::fs::read_to_string(case.join("vars.json")) {
        let j: serde_json::Value = serde_json::from_str(&text).unwrap();
        for (k, v) in j.as_object().unwrap() {
            supplied.insert(k.clone(), Value::from_json(v));
        }
    }
    LoadOptions {
        vars: VarOptions {
            supplied,
            ..Default::default()
        },
    }
}

fn effects() -> MemoryEffects {
    MemoryEffects::default().with_function("demo_hello")
}

/// Runs one case; returns (file name, actual text) to compare.
fn run(case: &Path) -> (String, String) {
    let mut state = match std::fs::read_to_string(case.join("state.json")) {
        Ok(t) => State::from_json(&t).unwrap(),
        Err(_) => State::default(),
    };
    let mut fx = effects();
    let before = case.join("before");
    if before.is_dir() {
        let cfg =
            Config::load(&before, &load_opts(case)).unwrap_or_else(|e| panic!("before/: {e}"));
        let p =
            plan(&cfg, &state, &PlanOptions::default()).unwrap_or_else(|e| panic!("before/: {e}"));
        state = apply(
            &p,
            &state,
            &mut fx,
            &ApplyOptions {
                seed: 7,
                now: "2024-01-01T00:00:00Z".into(),
            },
        )
        .unwrap_or_else(|e| panic!("before/: {e}"))
        .0;
    }
    let cfg = match Config::load(case, &load_opts(case)) {
        Ok(c) => c,
        Err(e) => return ("expected.err".into(), format!("{e}\n")),
    };
    let p = match plan(&cfg, &state, &PlanOptions::default()) {
        Ok(p) => p,
        Err(e) => return ("expected.err".into(), format!("{e}\n")),
    };
    if case.join("expected.apply.err").exists() {
        let err = apply(
            &p,
            &state,
            &mut fx,
            &ApplyOptions {
                seed: 8,
                now: "2024-01-02T00:00:00Z".into(),
            },
        )
        .expect_err("apply should fail");
        return ("expected.apply.err".into(), format!("{err}\n"));
    }
    let text = render_plan(&p, false);
    // Every plan must apply, and (unless the case says it never converges,
    // e.g. timestamp()-driven deployments) the next plan must be empty.
    let (next, _) = apply(
        &p,
        &state,
        &mut fx,
        &ApplyOptions {
            seed: 9,
            now: "2024-01-03T00:00:00Z".into(),
        },
    )
    .unwrap_or_else(|e| panic!("{}: apply: {e}", case.display()));
    if !case.join(".no-converge").exists() {
        let cfg = Config::load(case, &load_opts(case)).unwrap();
        let again = render_plan(&plan(&cfg, &next, &PlanOptions::default()).unwrap(), false);
        assert!(
            again.contains("No changes."),
            "{}: re-plan after apply:\n{again}",
            case.display()
        );
    }
    ("expected.plan".into(), text)
}

fn has_tf_or_before(p: &Path) -> bool {
    p.join("before").is_dir()
        || std::fs::read_dir(p)
            .unwrap()
            .any(|e| e.unwrap().path().extension().is_some_and(|x| x == "tf"))
}

#[test]
fn golden_cases() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && has_tf_or_before(p))
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = vec![];
    for case in &cases {
        let (file, actual) = run(case);
        let path = case.join(&file);
        if update {
            for f in ["expected.plan", "expected.err"] {
                if f != file {
                    let _ = std::fs::remove_file(case.join(f));
                }
            }
            std::fs::write(&path, &actual).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => failures.push(format!(
                "{}: {file} differs\n--- expected\n{expected}\n--- actual\n{actual}",
                case.display()
            )),
            Err(_) => failures.push(format!("{}: no {file}; actual:\n{actual}", case.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
