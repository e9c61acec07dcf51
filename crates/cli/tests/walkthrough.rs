//! The seed walkthrough (`../shared/acceptance/seed-walkthrough/check.sh`)
//! against the real binary, as far as the product goes.

use std::path::PathBuf;

/// How far the walkthrough runs: `lambda`, `infra` or `all`.
const THROUGH: &str = "all";

#[test]
fn seed_walkthrough() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let check = root.join("../shared/acceptance/seed-walkthrough/check.sh");
    if !check.exists() {
        // A clone outside the project's workspace has no shared/ beside it.
        eprintln!("skipped: {} not found", check.display());
        return;
    }
    let out = std::process::Command::new("bash")
        .arg(&check)
        .args(["--through", THROUGH])
        .arg(env!("CARGO_BIN_EXE_portico"))
        .output()
        .expect("bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "the walkthrough failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}
