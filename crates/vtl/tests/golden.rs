//! Golden tests: every `golden/NAME.vtl` is rendered with the request in
//! `golden/NAME.json` and must produce exactly `golden/NAME.out`. When
//! `golden/NAME.overrides.json` exists, the returned overrides (and the
//! response status) must equal it.
//!
//! With `VTL_BLESS=1`, a case whose NAME.out is empty gets the actual
//! output written there (review it before committing).
//!
//! NAME.json: `{"body": "...", "params": {"path": {}, "querystring": {},
//! "header": {}}, "context": {}, "stageVariables": {}}` (all optional).

use std::fs;
use std::path::Path;

use portico_vtl::{Input, Limits, Template, Variables};
use serde_json::Value;

fn pairs(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn run_case(dir: &Path, name: &str) -> Result<(), String> {
    let read = |ext: &str| fs::read_to_string(dir.join(format!("{name}.{ext}")));
    let src = read("vtl").map_err(|e| format!("{name}.vtl: {e}"))?;
    let spec: Value = match read("json") {
        Ok(s) => serde_json::from_str(&s).map_err(|e| format!("{name}.json: {e}"))?,
        Err(_) => Value::Null,
    };
    let expected = read("out").map_err(|e| format!("{name}.out: {e}"))?;
    let params = spec.get("params");
    let input = Input {
        body: spec
            .get("body")
            .and_then(Value::as_str)
            .unwrap_or("")
            .as_bytes()
            .to_vec(),
        path: pairs(params.and_then(|p| p.get("path"))),
        querystring: pairs(params.and_then(|p| p.get("querystring"))),
        header: pairs(params.and_then(|p| p.get("header"))),
    };
    let vars = Variables {
        context: spec.get("context").cloned().unwrap_or(Value::Null),
        stage_variables: pairs(spec.get("stageVariables")),
    };
    let template = Template::parse(&src).map_err(|e| format!("{name}: {e}"))?;
    let out = template
        .render(&input, &vars, &Limits::default())
        .map_err(|e| format!("{name}: {e}"))?;
    if expected.is_empty() && std::env::var_os("VTL_BLESS").is_some() {
        fs::write(dir.join(format!("{name}.out")), &out.output).map_err(|e| e.to_string())?;
        return Err(format!("{name}: blessed, review {name}.out"));
    }
    if out.output != expected {
        return Err(format!(
            "{name}: output differs\n--- expected\n{expected}\n--- actual\n{}\n---",
            out.output
        ));
    }
    if let Ok(want) = read("overrides.json") {
        let want: Value =
            serde_json::from_str(&want).map_err(|e| format!("{name}.overrides.json: {e}"))?;
        let got = serde_json::json!({
            "overrides": out.overrides,
            "responseStatus": out.response_status,
        });
        if got != want {
            return Err(format!(
                "{name}: overrides differ\nexpected {want}\nactual   {got}"
            ));
        }
    }
    Ok(())
}

#[test]
fn golden_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .expect("golden dir")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let p = e.path();
            (p.extension()? == "vtl").then(|| p.file_stem()?.to_str().map(str::to_string))?
        })
        .collect();
    names.sort();
    assert!(
        names.len() >= 10,
        "expected the golden cases, found {names:?}"
    );
    let failures: Vec<String> = names
        .iter()
        .filter_map(|n| run_case(&dir, n).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} golden cases failed:\n{}",
        failures.len(),
        names.len(),
        failures.join("\n")
    );
}
