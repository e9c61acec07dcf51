//! Building zips (ignores, determinism, modes, symlinks), unzipping them
//! safely, and running hooks.

use std::fs;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use portico_apex::unzip::unzip_with_limits;
use portico_apex::{ApexError, HookKind, Project, run_hook, unzip_to};
use zip::ZipArchive;
use zip::write::SimpleFileOptions;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn entries(bytes: &[u8]) -> Vec<(String, Option<u32>)> {
    let mut z = ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let f = z.by_index(i).unwrap();
            (f.name().unwrap().into_owned(), f.unix_mode())
        })
        .collect()
}

/// A one-function project in a temp dir, with `files` (path, contents).
fn temp_project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("project.json"), r#"{"name":"t"}"#).unwrap();
    for (path, text) in files {
        let p = dir.path().join("functions/f").join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    dir
}

#[test]
fn ignores_layer_defaults_project_and_function_rules() {
    let project = Project::load(&fixture("ignores"), None).unwrap();
    let pkg = project.functions()[0].build_zip().unwrap();
    let names: Vec<String> = entries(&pkg.bytes).into_iter().map(|e| e.0).collect();
    // function.json and .apexignore are ignored by default (at any depth);
    // function.prod.json is not (Apex quirk); *.bak from the project file,
    // re-included keep.bak and test/ from the function file.
    assert_eq!(
        names,
        ["function.prod.json", "index.js", "keep.bak", "lib/util.js"]
    );
}

#[test]
fn zip_is_deterministic_and_hash_is_code_sha256() {
    let dir = temp_project(&[("index.js", "exports.handle = 1;"), ("a/b.js", "b")]);
    let f = Project::load(dir.path(), None).unwrap().functions()[0].clone();
    let first = f.build_zip().unwrap();
    // Touch every file: new mtimes must not change the package.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    fs::write(
        dir.path().join("functions/f/index.js"),
        "exports.handle = 1;",
    )
    .unwrap();
    let second = f.build_zip().unwrap();
    assert_eq!(first.sha256_b64, second.sha256_b64);
    assert_eq!(first.bytes, second.bytes);
    assert_eq!(first.size, first.bytes.len() as u64);
    use base64::Engine;
    use sha2::Digest;
    let expect =
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&first.bytes));
    assert_eq!(first.sha256_b64, expect);
    fs::write(
        dir.path().join("functions/f/index.js"),
        "exports.handle = 2;",
    )
    .unwrap();
    assert_ne!(f.build_zip().unwrap().sha256_b64, first.sha256_b64);
    let mut z = ZipArchive::new(Cursor::new(first.bytes)).unwrap();
    let e = z.by_index(0).unwrap();
    assert_eq!(e.compression(), zip::CompressionMethod::Deflated);
    assert_eq!(e.last_modified().unwrap(), zip::DateTime::DEFAULT);
}

#[cfg(unix)]
#[test]
fn executable_bit_kept_and_other_modes_fixed() {
    use std::os::unix::fs::PermissionsExt;
    let project = Project::load(&fixture("layering"), None).unwrap();
    let gamma = project
        .functions()
        .iter()
        .find(|f| f.short_name() == "gamma")
        .unwrap();
    let pkg = gamma.build_zip().unwrap();
    // function.json is ignored; bootstrap keeps its execute bit.
    assert_eq!(
        entries(&pkg.bytes),
        [("bootstrap".to_string(), Some(0o100755))]
    );

    let dir = temp_project(&[("index.js", "x")]);
    let p = dir.path().join("functions/f/index.js");
    fs::set_permissions(&p, fs::Permissions::from_mode(0o600)).unwrap();
    let f = Project::load(dir.path(), None).unwrap().functions()[0].clone();
    assert_eq!(
        entries(&f.build_zip().unwrap().bytes),
        [("index.js".to_string(), Some(0o100644))]
    );
}

#[cfg(unix)]
#[test]
fn symlinks_are_followed_and_loops_refused() {
    let dir = temp_project(&[("index.js", "x")]);
    let shared = dir.path().join("shared");
    fs::create_dir_all(&shared).unwrap();
    fs::write(shared.join("util.js"), "u").unwrap();
    fs::write(dir.path().join("top.js"), "t").unwrap();
    let fdir = dir.path().join("functions/f");
    std::os::unix::fs::symlink(&shared, fdir.join("lib")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("top.js"), fdir.join("top.js")).unwrap();
    let f = Project::load(dir.path(), None).unwrap().functions()[0].clone();
    let names: Vec<String> = entries(&f.build_zip().unwrap().bytes)
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(names, ["index.js", "lib/util.js", "top.js"]);

    std::os::unix::fs::symlink("..", shared.join("up")).unwrap();
    let err = f.build_zip().unwrap_err();
    assert!(matches!(err, ApexError::SymlinkLoop { .. }), "{err}");
}

#[test]
fn prebuilt_zip_is_used_as_is() {
    let dir = temp_project(&[
        ("index.js", "x"),
        ("function.json", r#"{"zip":"build/out.zip"}"#),
    ]);
    fs::create_dir_all(dir.path().join("build")).unwrap();
    fs::write(dir.path().join("build/out.zip"), b"PK-not-really").unwrap();
    let f = Project::load(dir.path(), None).unwrap().functions()[0].clone();
    assert_eq!(f.package().unwrap().bytes, b"PK-not-really");
}

#[test]
fn invalid_full_name_is_rejected() {
    let dir = temp_project(&[("index.js", "x")]);
    fs::write(dir.path().join("project.json"), r#"{"name":"has space"}"#).unwrap();
    let err = Project::load(dir.path(), None).unwrap_err().to_string();
    assert!(
        err.contains("function f") && err.contains("has space_f"),
        "{err}"
    );
}

#[test]
fn hooks_run_in_the_function_dir_and_failures_carry_output() {
    let project = Project::load(&fixture("hooks"), None).unwrap();
    let good = &project.functions()[1];
    assert_eq!(good.short_name(), "good");
    run_hook(good, HookKind::Build).unwrap();
    run_hook(good, HookKind::Clean).unwrap();
    run_hook(good, HookKind::Deploy).unwrap(); // unset: nothing to do

    let bad = &project.functions()[0];
    let err = run_hook(bad, HookKind::Deploy).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("function bad: deploy hook failed"), "{msg}");
    assert!(
        msg.contains("to-stdout") && msg.contains("to-stderr"),
        "{msg}"
    );
    assert!(msg.contains("exit status: 3"), "{msg}");
}

// ---- unzip_to ----

fn zip_of(build: impl FnOnce(&mut zip::ZipWriter<Cursor<Vec<u8>>>)) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    build(&mut w);
    w.finish().unwrap().into_inner()
}

fn file(w: &mut zip::ZipWriter<Cursor<Vec<u8>>>, name: &str, mode: u32, data: &[u8]) {
    w.start_file(name, SimpleFileOptions::default().unix_permissions(mode))
        .unwrap();
    w.write_all(data).unwrap();
}

#[test]
fn round_trip_restores_files_and_modes() {
    let project = Project::load(&fixture("layering"), None).unwrap();
    let out = tempfile::tempdir().unwrap();
    for f in project.functions() {
        let target = out.path().join(f.short_name());
        let summary = unzip_to(&f.build_zip().unwrap().bytes, &target).unwrap();
        assert!(summary.files >= 1);
    }
    let mut text = String::new();
    fs::File::open(out.path().join("alpha/index.js"))
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert!(text.contains("exports.handle"));
    assert!(out.path().join("alpha/function.prod.json").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&out.path().join("gamma/bootstrap")), 0o755);
        assert_eq!(mode(&out.path().join("alpha/index.js")), 0o644);
    }
}

#[test]
fn zip_slip_names_are_refused() {
    for name in [
        "../evil.js",
        "a/../../evil.js",
        "/etc/evil",
        "a\\..\\evil",
        "C:/evil",
    ] {
        let bytes = zip_of(|w| file(w, name, 0o644, b"x"));
        let out = tempfile::tempdir().unwrap();
        let err = unzip_to(&bytes, &out.path().join("code")).unwrap_err();
        assert!(
            matches!(err, ApexError::UnsafeEntry { .. }),
            "{name}: {err}"
        );
        assert!(!out.path().join("evil.js").exists());
    }
}

#[cfg(unix)]
#[test]
fn escaping_symlinks_are_refused() {
    let link = |w: &mut zip::ZipWriter<Cursor<Vec<u8>>>, name: &str, target: &str| {
        w.add_symlink(name, target, SimpleFileOptions::default())
            .unwrap();
    };
    for (name, target) in [
        ("l", "/etc/passwd"),
        ("l", "../outside"),
        ("a/l", "../../x"),
    ] {
        let bytes = zip_of(|w| link(w, name, target));
        let out = tempfile::tempdir().unwrap();
        assert!(unzip_to(&bytes, out.path()).is_err(), "{name} -> {target}");
    }
    // A link inside is fine; writing through it is not.
    let ok = zip_of(|w| {
        file(w, "lib/a.js", 0o644, b"a");
        link(w, "alias", "lib/a.js");
    });
    let out = tempfile::tempdir().unwrap();
    unzip_to(&ok, out.path()).unwrap();
    assert_eq!(fs::read(out.path().join("alias")).unwrap(), b"a");
    let through = zip_of(|w| {
        link(w, "d", "sub");
        file(w, "d/x.js", 0o644, b"x");
    });
    let out = tempfile::tempdir().unwrap();
    let err = unzip_to(&through, out.path()).unwrap_err().to_string();
    assert!(err.contains("through a symlink"), "{err}");
    // Lexically inside, but resolving through another link to outside.
    let sneaky = zip_of(|w| {
        link(w, "a/up", "..");
        link(w, "b", "a/up/..");
    });
    let out = tempfile::tempdir().unwrap();
    let code = out.path().join("code");
    let err = unzip_to(&sneaky, &code).unwrap_err().to_string();
    assert!(err.contains("outside"), "{err}");
}

#[test]
fn zip_bombs_are_refused() {
    let big = vec![0u8; 1 << 20];
    let bytes = zip_of(|w| file(w, "zeros", 0o644, &big));
    assert!(bytes.len() < 10_000, "deflated zeros are tiny");
    let out = tempfile::tempdir().unwrap();
    let err = unzip_with_limits(&bytes, out.path(), 1000, 10)
        .unwrap_err()
        .to_string();
    assert!(err.contains("zip bomb"), "{err}");

    // Headers that do not declare sizes up front (streamed zips) are caught
    // while inflating.
    let mut w = zip::ZipWriter::new_stream(Vec::new());
    w.start_file("zeros", SimpleFileOptions::default()).unwrap();
    w.write_all(&big).unwrap();
    let streamed = w.finish().unwrap().into_inner();
    let out = tempfile::tempdir().unwrap();
    let err = unzip_with_limits(&streamed, out.path(), 1000, 10)
        .unwrap_err()
        .to_string();
    assert!(err.contains("inflates to more than 1000 bytes"), "{err}");

    let many = zip_of(|w| (0..11).for_each(|i| file(w, &format!("f{i}"), 0o644, b"")));
    let out = tempfile::tempdir().unwrap();
    let err = unzip_with_limits(&many, out.path(), 1000, 10)
        .unwrap_err()
        .to_string();
    assert!(err.contains("11 entries"), "{err}");
    unzip_with_limits(&many, out.path(), 1000, 11).unwrap();
}

#[test]
fn duplicate_entries_are_refused() {
    let bytes = zip_of(|w| {
        file(w, "a", 0o644, b"1");
        file(w, "./a", 0o644, b"2");
    });
    let out = tempfile::tempdir().unwrap();
    assert!(unzip_to(&bytes, out.path()).is_err());
}
