//! Loading fixture projects: layering, environments, inference, errors.

use std::collections::BTreeMap;
use std::path::PathBuf;

use portico_apex::{ApexError, Project};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn walkthrough_project() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/acceptance/seed-walkthrough");
    if !dir.join("project.json").is_file() {
        eprintln!(
            "skipping: walkthrough project not found at {}",
            dir.display()
        );
        return;
    }
    let project = Project::load(&dir, None).unwrap();
    assert_eq!(project.name(), "github-status");
    let [f] = project.functions() else {
        panic!("expected one function")
    };
    let c = f.config();
    assert_eq!(c.name, "github-status_github-status");
    assert_eq!(c.runtime, "nodejs20.x");
    assert_eq!(c.handler, "index.handle");
    assert_eq!(c.memory_mb, 128);
    assert_eq!(c.timeout_s, 5);
    assert_eq!(c.description, "Fetches a URL and returns its body");
    assert_eq!(
        c.role,
        "arn:aws:iam::000000000000:role/github-status_lambda_function"
    );
    assert_eq!(
        c.environment,
        map(&[
            ("APEX_FUNCTION_NAME", "github-status"),
            ("LAMBDA_FUNCTION_NAME", "github-status_github-status")
        ])
    );
    let pkg = f.build_zip().unwrap();
    assert_eq!(pkg, f.build_zip().unwrap());
}

#[test]
fn layering_and_env_merge() {
    let project = Project::load(&fixture("layering"), None).unwrap();
    let names: Vec<&str> = project.functions().iter().map(|f| f.short_name()).collect();
    assert_eq!(names, ["alpha", "beta", "gamma"]);
    assert_eq!(project.region(), Some("eu-west-1"));
    assert_eq!(project.account_id(), Some("123456789012"));

    let alpha = &project.functions()[0];
    let c = alpha.config();
    assert_eq!(c.name, "layers_alpha");
    assert_eq!(c.runtime, "nodejs20.x");
    assert_eq!(c.handler, "index.handle");
    assert_eq!((c.memory_mb, c.timeout_s), (512, 10));
    assert_eq!(c.description, "alpha from function.json");
    assert_eq!(c.role, "arn:aws:iam::000000000000:role/layers");
    assert_eq!(c.reserved_concurrency, Some(7));
    assert_eq!(
        c.environment,
        map(&[
            ("A", "project"),
            ("B", "function"),
            ("C", "function"),
            ("APEX_FUNCTION_NAME", "alpha"),
            ("LAMBDA_FUNCTION_NAME", "layers_alpha"),
        ])
    );
    // Hooks merge per key.
    assert_eq!(alpha.hooks().build.as_deref(), Some("echo alpha-build"));
    assert_eq!(alpha.hooks().clean.as_deref(), Some("echo project-clean"));
    assert_eq!(alpha.hooks().deploy, None);
    assert_eq!(alpha.retained_versions(), 5);

    let beta = project.functions()[1].config();
    assert_eq!(
        (beta.runtime.as_str(), beta.handler.as_str()),
        ("python3.12", "main.handle")
    );
    assert_eq!(
        beta.description, "",
        "the project description is not inherited"
    );
    assert_eq!(beta.reserved_concurrency, Some(2));
    assert_eq!(
        project.functions()[1].hooks().build.as_deref(),
        Some("echo project-build")
    );

    let gamma = &project.functions()[2];
    assert_eq!(gamma.config().runtime, "provided.al2023");
    assert_eq!(gamma.config().handler, "bootstrap");
    assert_eq!(gamma.retained_versions(), 3);
    assert_eq!(gamma.region(), Some("ap-south-1"));
}

#[test]
fn env_overrides_rank_above_function_json() {
    let mut project = Project::load(&fixture("layering"), None).unwrap();
    project.apply_env_overrides(
        &map(&[("B", "file"), ("D", "file")]),
        &map(&[("D", "flag")]),
    );
    let env = project.functions()[0].config().environment;
    assert_eq!(
        (env["A"].as_str(), env["B"].as_str(), env["D"].as_str()),
        ("project", "file", "flag")
    );
}

#[test]
fn env_specific_files() {
    let project = Project::load(&fixture("layering"), Some("prod")).unwrap();
    assert_eq!(project.env(), Some("prod"));
    assert!(project.config_file().ends_with("project.prod.json"));
    let alpha = &project.functions()[0];
    assert!(alpha.config_file().unwrap().ends_with("function.prod.json"));
    let c = alpha.config();
    assert_eq!(c.name, "layers-prod-alpha");
    // function.prod.json replaces function.json entirely; project.prod.json
    // replaces project.json entirely.
    assert_eq!(c.memory_mb, 1024);
    assert_eq!(c.description, "");
    assert_eq!(c.timeout_s, 3);
    assert_eq!(c.role, "");
    assert_eq!(c.environment["STAGE"], "prod");
    assert!(!c.environment.contains_key("A"));
    assert_eq!(alpha.retained_versions(), 0);
    // Without a function.prod.json, function.json is the fallback.
    let gamma = &project.functions()[2];
    assert!(gamma.config_file().unwrap().ends_with("function.json"));
    assert_eq!(gamma.config().memory_mb, 192);
}

#[test]
fn env_without_its_project_file_is_an_error() {
    let err = Project::load(&fixture("layering"), Some("staging")).unwrap_err();
    assert!(matches!(err, ApexError::MissingProjectFile { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("project.staging.json") && msg.contains("not a fallback"),
        "{msg}"
    );
}

#[test]
fn select_by_glob() {
    let project = Project::load(&fixture("layering"), None).unwrap();
    let short = |pats: &[&str]| -> Result<Vec<String>, ApexError> {
        let pats: Vec<String> = pats.iter().map(|s| s.to_string()).collect();
        Ok(project
            .select(&pats)?
            .iter()
            .map(|f| f.short_name().to_string())
            .collect())
    };
    assert_eq!(short(&[]).unwrap(), ["alpha", "beta", "gamma"]);
    assert_eq!(short(&["*a"]).unwrap(), ["alpha", "beta", "gamma"]);
    assert_eq!(short(&["g*", "alpha"]).unwrap(), ["alpha", "gamma"]);
    assert_eq!(short(&["[ab]*"]).unwrap(), ["alpha", "beta"]);
    let err = short(&["delta", "z*"]).unwrap_err().to_string();
    assert!(
        err.contains("no function loaded") && err.contains("delta, z*"),
        "{err}"
    );
    assert!(short(&["[unclosed"]).is_err());
}

#[test]
fn malformed_json_reports_file_and_line() {
    let err = Project::load(&fixture("malformed"), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("project.json"), "{err}");
    assert!(err.contains("line 3"), "{err}");
}

#[test]
fn unknown_field_names_file_field_and_line() {
    let err = Project::load(&fixture("unknown-field"), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("functions/f/function.json"), "{err}");
    assert!(err.contains("unknown field `memroy`"), "{err}");
    assert!(err.contains("line 3"), "{err}");
}

#[test]
fn no_runtime_is_a_clear_error() {
    let err = Project::load(&fixture("no-runtime"), None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("function empty") && err.contains("none can be inferred"),
        "{err}"
    );
}

#[test]
fn missing_project_file() {
    let err = Project::load(&fixture("does-not-exist"), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("project.json: not found"), "{err}");
}

#[test]
fn duplicate_full_names_and_bad_account_ids_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["a", "b"] {
        std::fs::create_dir_all(dir.path().join("functions").join(f)).unwrap();
        std::fs::write(dir.path().join("functions").join(f).join("index.js"), "").unwrap();
    }
    let project_json = dir.path().join("project.json");
    std::fs::write(
        &project_json,
        r#"{"name":"p","nameTemplate":"{{.Project.Name}}"}"#,
    )
    .unwrap();
    let err = Project::load(dir.path(), None).unwrap_err().to_string();
    assert!(
        err.contains(r#"functions "a" and "b" both get the name "p""#),
        "{err}"
    );

    std::fs::write(&project_json, r#"{"name":"p","accountId":"12345"}"#).unwrap();
    let err = Project::load(dir.path(), None).unwrap_err().to_string();
    assert!(
        err.contains("accountId") && err.contains("12 digits"),
        "{err}"
    );

    std::fs::write(&project_json, r#"{"name":"p","accountId":"000000000001"}"#).unwrap();
    assert_eq!(
        Project::load(dir.path(), None).unwrap().account_id(),
        Some("000000000001")
    );
}

#[test]
fn hidden_and_plain_file_entries_under_functions_are_not_functions() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("project.json"), r#"{"name":"p"}"#).unwrap();
    std::fs::create_dir_all(dir.path().join("functions/.git")).unwrap();
    std::fs::create_dir_all(dir.path().join("functions/real")).unwrap();
    std::fs::write(dir.path().join("functions/real/main.py"), "").unwrap();
    std::fs::write(dir.path().join("functions/notes.txt"), "").unwrap();
    let project = Project::load(dir.path(), None).unwrap();
    let names: Vec<&str> = project.functions().iter().map(|f| f.short_name()).collect();
    assert_eq!(names, ["real"]);
}
