//! The Node and Python bootstraps' own suite (a mock Runtime API in Python,
//! crates/lambda/bootstrap/tests), run as part of `cargo test`.

#[test]
fn bootstrap_suite() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("python3")
        .args(["-m", "unittest", "discover", "-s", "bootstrap/tests"])
        .current_dir(&dir)
        .output()
        .expect("python3");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bootstrap tests failed:\n{stderr}");
    assert!(stderr.contains("\nOK"), "{stderr}");
}
