//! Which runtime a function uses and its default handler.
//!
//! Apex inferred the runtime from a marker file, but looked the markers up in
//! a Go map, so a directory with several markers got a random runtime; and it
//! mapped them to runtimes AWS has since retired (`nodejs6.10`,
//! `python3.6`). Portico checks the markers in a fixed order and maps them to
//! current runtimes.

use std::path::Path;

/// What `nodejs` (bare) and an `index.js` marker mean: the oldest Node.js
/// runtime AWS still accepts for new functions.
pub const DEFAULT_NODE_RUNTIME: &str = "nodejs20.x";
/// What `python` (bare) and a `main.py` marker mean.
pub const DEFAULT_PYTHON_RUNTIME: &str = "python3.12";
/// What an executable `bootstrap` marker means.
pub const DEFAULT_PROVIDED_RUNTIME: &str = "provided.al2023";

/// Marker files in the order they are tried; the first present one wins.
/// Node comes first because Apex's own examples and `apex init` are Node.
const MARKERS: &[(&str, &str)] = &[
    ("index.js", DEFAULT_NODE_RUNTIME),
    ("main.py", DEFAULT_PYTHON_RUNTIME),
    ("bootstrap", DEFAULT_PROVIDED_RUNTIME),
];

/// Markers Apex knew for runtimes Portico cannot run, with what to do instead.
const UNSUPPORTED_MARKERS: &[(&str, &str)] = &[
    (
        "main.go",
        "go1.x was retired by AWS; build a `bootstrap` executable and use provided.al2023",
    ),
    ("lambda.rb", "Ruby functions are not supported by Portico"),
    (
        "target/apex.jar",
        "Java functions are not supported by Portico",
    ),
    (
        "build/libs/apex.jar",
        "Java functions are not supported by Portico",
    ),
];

/// Infers the runtime from the files in `dir`, or explains why it cannot.
pub fn infer(dir: &Path) -> Result<&'static str, String> {
    for (marker, runtime) in MARKERS {
        let path = dir.join(marker);
        if !path.is_file() {
            continue;
        }
        // A `bootstrap` Lambda cannot execute is no provided function: say so
        // now rather than fail at the first invoke.
        if *marker == "bootstrap" && !is_executable(&path) {
            return Err(
                "`bootstrap` is not executable (chmod +x bootstrap), so no runtime can be inferred"
                    .into(),
            );
        }
        return Ok(runtime);
    }
    for (marker, advice) in UNSUPPORTED_MARKERS {
        if dir.join(marker).is_file() {
            return Err(format!("found {marker}: {advice}"));
        }
    }
    Err("no runtime set and none can be inferred: add \"runtime\" to function.json, or an index.js, main.py \
         or executable bootstrap"
        .into())
}

/// Expands Apex's bare runtime names to a current runtime identifier; any
/// other value is sent as given, as Apex did.
pub fn normalize(runtime: &str) -> String {
    match runtime {
        "nodejs" => DEFAULT_NODE_RUNTIME.to_string(),
        // Apex mapped bare `python` to python2.7, which Lambda no longer runs.
        "python" | "python3" => DEFAULT_PYTHON_RUNTIME.to_string(),
        other => other.to_string(),
    }
}

/// The handler Apex used when none is configured (§1.5); `provided`
/// runtimes ignore it, so it names the executable.
pub fn default_handler(runtime: &str) -> Option<&'static str> {
    if runtime.starts_with("nodejs") {
        Some("index.handle")
    } else if runtime.starts_with("python") {
        Some("main.handle")
    } else if runtime == "provided" || runtime.starts_with("provided.") {
        Some("bootstrap")
    } else if runtime.starts_with("ruby") {
        Some("lambda.handler")
    } else if runtime.starts_with("java") {
        Some("lambda.Main::handler")
    } else if runtime.starts_with("go") {
        Some("main")
    } else {
        None
    }
}

/// Whether any execute bit is set (always false off Unix).
pub fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn bare_names() {
        assert_eq!(normalize("nodejs"), "nodejs20.x");
        assert_eq!(normalize("python"), "python3.12");
        assert_eq!(normalize("nodejs22.x"), "nodejs22.x");
        assert_eq!(normalize("provided"), "provided");
    }

    #[test]
    fn handlers() {
        assert_eq!(default_handler("nodejs20.x"), Some("index.handle"));
        assert_eq!(default_handler("python3.12"), Some("main.handle"));
        assert_eq!(default_handler("provided.al2023"), Some("bootstrap"));
        assert_eq!(default_handler("dotnet8"), None);
    }

    #[test]
    fn inference_order_is_fixed() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            infer(dir.path())
                .unwrap_err()
                .contains("none can be inferred")
        );
        fs::write(dir.path().join("main.py"), "").unwrap();
        assert_eq!(infer(dir.path()), Ok("python3.12"));
        fs::write(dir.path().join("index.js"), "").unwrap();
        assert_eq!(infer(dir.path()), Ok("nodejs20.x"));
    }

    #[cfg(unix)]
    #[test]
    fn bootstrap_must_be_executable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let b = dir.path().join("bootstrap");
        fs::write(&b, "#!/bin/sh\n").unwrap();
        assert!(infer(dir.path()).unwrap_err().contains("chmod +x"));
        fs::set_permissions(&b, fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(infer(dir.path()), Ok("provided.al2023"));
    }

    #[test]
    fn unsupported_markers_explain() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("main.go"), "").unwrap();
        assert!(infer(dir.path()).unwrap_err().contains("provided.al2023"));
    }
}
