//! The files of a function directory that go into its zip: everything
//! except what the `.apexignore` rules exclude, following symlinks (Apex
//! #320) but refusing symlink loops.

use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::ApexError;

/// A file to be zipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The entry name: the path below the function directory, `/`-separated.
    pub name: String,
    /// Where to read it (a symlink's own path; reading follows it).
    pub path: PathBuf,
    /// Whether any execute bit is set on the file.
    pub executable: bool,
    /// Its size when listed.
    pub size: u64,
}

/// Lists the files under `dir` not excluded by `ignore_lines` (gitignore
/// syntax, relative to `dir`), sorted by entry name. An ignored directory
/// is not descended into. The walk stops as soon as the files listed so far
/// exceed `max_bytes`, so a symlink to a huge tree fails fast.
pub fn collect(
    dir: &Path,
    ignore_lines: &[String],
    max_bytes: u64,
) -> Result<Vec<SourceFile>, ApexError> {
    let mut builder = GitignoreBuilder::new(dir);
    for line in ignore_lines {
        builder.add_line(None, line).map_err(|e| {
            ApexError::invalid(
                dir.join(".apexignore"),
                format!("bad ignore pattern {line:?}: {e}"),
            )
        })?;
    }
    let rules = builder
        .build()
        .map_err(|e| ApexError::invalid(dir.join(".apexignore"), e.to_string()))?;
    let root = dir.canonicalize().map_err(|e| ApexError::io(dir, e))?;
    let mut out = Vec::new();
    let mut w = Walk {
        rules: &rules,
        dir,
        max_bytes,
        listed: 0,
    };
    walk(&mut w, dir, "", &mut vec![root], &mut out)?;
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

struct Walk<'a> {
    rules: &'a Gitignore,
    dir: &'a Path,
    max_bytes: u64,
    listed: u64,
}

/// `ancestors` holds the canonical paths of the directories being walked,
/// so a symlink back into one of them is caught instead of recursing forever.
fn walk(
    w: &mut Walk<'_>,
    dir: &Path,
    prefix: &str,
    ancestors: &mut Vec<PathBuf>,
    out: &mut Vec<SourceFile>,
) -> Result<(), ApexError> {
    let entries = std::fs::read_dir(dir).map_err(|e| ApexError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| ApexError::io(dir, e))?;
        let path = entry.path();
        let file_name = entry.file_name().into_string().map_err(|_| {
            ApexError::invalid(
                &path,
                "file name is not UTF-8, so it cannot be a zip entry name",
            )
        })?;
        let name = if prefix.is_empty() {
            file_name
        } else {
            format!("{prefix}/{file_name}")
        };
        let link = entry
            .file_type()
            .map_err(|e| ApexError::io(&path, e))?
            .is_symlink();
        // metadata() follows symlinks; a dangling one is an error, as in Apex.
        let meta = std::fs::metadata(&path).map_err(|e| ApexError::io(&path, e))?;
        if meta.is_dir() {
            if w.rules.matched(&name, true).is_ignore() {
                continue;
            }
            let real = path.canonicalize().map_err(|e| ApexError::io(&path, e))?;
            if link && let Some(target) = ancestors.iter().find(|a| **a == real) {
                return Err(ApexError::SymlinkLoop {
                    link: path.clone(),
                    target: target.clone(),
                });
            }
            ancestors.push(real);
            walk(w, &path, &name, ancestors, out)?;
            ancestors.pop();
        } else if meta.is_file() {
            if w.rules.matched(&name, false).is_ignore() {
                continue;
            }
            w.listed += meta.len();
            if w.listed > w.max_bytes {
                return Err(ApexError::TooLarge {
                    what: format!("the code under {}", w.dir.display()),
                    size: w.listed,
                    limit: w.max_bytes,
                });
            }
            out.push(SourceFile {
                name,
                path,
                executable: mode_executable(&meta),
                size: meta.len(),
            });
        }
        // Sockets, FIFOs and devices are skipped, as Apex's walk did.
    }
    Ok(())
}

fn mode_executable(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_cap_stops_the_walk() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), "12345").unwrap();
        std::fs::write(dir.path().join("b"), "67890").unwrap();
        assert_eq!(collect(dir.path(), &[], 10).unwrap().len(), 2);
        let err = collect(dir.path(), &[], 9).unwrap_err();
        assert!(matches!(err, ApexError::TooLarge { limit: 9, .. }), "{err}");
    }

    #[test]
    fn ignored_directories_are_not_entered_and_negation_works() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("node_modules/x")).unwrap();
        std::fs::write(dir.path().join("node_modules/x/i.js"), "").unwrap();
        std::fs::write(dir.path().join("a.md"), "").unwrap();
        std::fs::write(dir.path().join("README.md"), "").unwrap();
        let lines: Vec<String> = ["node_modules/", "*.md", "!README.md"]
            .map(String::from)
            .to_vec();
        let names: Vec<String> = collect(dir.path(), &lines, 100)
            .unwrap()
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(names, ["README.md"]);
    }
}
