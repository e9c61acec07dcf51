//! Lays a code zip out in a working directory, refusing anything that
//! would write outside it (zip-slip names, escaping symlinks, writing
//! through a symlink) and zip bombs (too many entries, or more bytes than
//! Lambda's unzipped limit, counted while inflating, not from the headers).

use std::io::{Cursor, Read};
use std::path::{Component, Path, PathBuf};

use zip::ZipArchive;

use crate::ApexError;
use crate::package::MAX_UNZIPPED_BYTES;

/// The most entries a code zip may have. Lambda documents no such limit;
/// this is far above real packages (a large `node_modules` has tens of
/// thousands) and stops archives of millions of empty files.
pub const MAX_ENTRIES: usize = 100_000;

/// Longest symlink target read from an entry.
const MAX_LINK_TARGET: u64 = 4096;

/// What was extracted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnzipSummary {
    /// Regular files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
}

/// Extracts `bytes` into `dir` (created if missing) with Lambda's limits.
pub fn unzip_to(bytes: &[u8], dir: &Path) -> Result<UnzipSummary, ApexError> {
    unzip_with_limits(bytes, dir, MAX_UNZIPPED_BYTES, MAX_ENTRIES)
}

/// [`unzip_to`] with explicit limits.
pub fn unzip_with_limits(
    bytes: &[u8],
    dir: &Path,
    max_bytes: u64,
    max_entries: usize,
) -> Result<UnzipSummary, ApexError> {
    let mut archive = ZipArchive::new(Cursor::new(bytes))?;
    if archive.len() > max_entries {
        return Err(bomb(format!(
            "{} entries; at most {max_entries} are allowed",
            archive.len()
        )));
    }
    // The headers' sizes can lie, so this is only an early refusal; the
    // copy below counts what really inflates.
    if let Some(declared) = archive.decompressed_size()
        && declared > u128::from(max_bytes)
    {
        return Err(bomb(format!(
            "declares {declared} unzipped bytes; at most {max_bytes} are allowed"
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| ApexError::io(dir, e))?;
    let root = dir.canonicalize().map_err(|e| ApexError::io(dir, e))?;
    let mut summary = UnzipSummary::default();
    let mut links = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i)?;
        let name = entry.name()?.into_owned();
        let rel = safe_relative(&name)?;
        if rel.as_os_str().is_empty() {
            continue;
        }
        let dest = root.join(&rel);
        let unsafe_entry = |reason: &str| ApexError::UnsafeEntry {
            name: name.clone(),
            reason: reason.to_string(),
        };
        prepare_parents(&root, &rel).map_err(|r| unsafe_entry(&r))?;
        if entry.is_dir() {
            match std::fs::symlink_metadata(&dest) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => {
                    return Err(unsafe_entry(
                        "a file or symlink of that name already exists",
                    ));
                }
                Err(_) => std::fs::create_dir(&dest).map_err(|e| ApexError::io(&dest, e))?,
            }
            continue;
        }
        if std::fs::symlink_metadata(&dest).is_ok() {
            return Err(unsafe_entry("duplicate entry"));
        }
        if entry.is_symlink() {
            let mut target = String::new();
            (&mut entry)
                .take(MAX_LINK_TARGET)
                .read_to_string(&mut target)
                .map_err(|e| ApexError::io(&dest, e))?;
            check_link_target(&rel, &target).map_err(|r| unsafe_entry(&r))?;
            make_symlink(&target, &dest)?;
            links.push((name, dest));
            continue;
        }
        let remaining = max_bytes - summary.bytes;
        let mut out = std::fs::File::create_new(&dest).map_err(|e| ApexError::io(&dest, e))?;
        let written = std::io::copy(
            &mut (&mut entry).take(remaining.saturating_add(1)),
            &mut out,
        )
        .map_err(|e| ApexError::io(&dest, e))?;
        if written > remaining {
            return Err(bomb(format!("inflates to more than {max_bytes} bytes")));
        }
        summary.bytes += written;
        summary.files += 1;
        set_mode(&dest, entry.unix_mode().is_some_and(|m| m & 0o111 != 0))?;
    }
    // A link may pass the lexical check yet resolve through another link
    // to outside; resolve every one now that all of them exist.
    for (name, link) in links {
        if let Ok(real) = link.canonicalize()
            && !real.starts_with(&root)
        {
            return Err(ApexError::UnsafeEntry {
                name,
                reason: "symlink resolves outside the code directory".into(),
            });
        }
    }
    Ok(summary)
}

fn bomb(reason: String) -> ApexError {
    ApexError::UnsafeEntry {
        name: "(archive)".into(),
        reason: format!("possible zip bomb: {reason}"),
    }
}

/// The entry name as a relative path of plain components; `..`, absolute
/// names, drive prefixes, backslashes and NULs are refused outright.
fn safe_relative(name: &str) -> Result<PathBuf, ApexError> {
    let refuse = |reason: &str| {
        Err(ApexError::UnsafeEntry {
            name: name.to_string(),
            reason: reason.to_string(),
        })
    };
    if name.contains('\0') {
        return refuse("contains a NUL byte");
    }
    if name.contains('\\') {
        return refuse("contains a backslash");
    }
    if name.starts_with('/') {
        return refuse("absolute path");
    }
    let mut out = PathBuf::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return refuse("path contains '..'"),
            p if p.len() >= 2 && p.as_bytes()[1] == b':' && out.as_os_str().is_empty() => {
                return refuse("drive-letter path");
            }
            p => out.push(p),
        }
    }
    Ok(out)
}

/// Creates the parent directories of `rel`, refusing to go through a
/// symlink (it might point anywhere) or a file.
fn prepare_parents(root: &Path, rel: &Path) -> Result<(), String> {
    let mut at = root.to_path_buf();
    let parts: Vec<_> = rel.components().collect();
    for part in parts.iter().take(parts.len().saturating_sub(1)) {
        at.push(part);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err("would be written through a symlink".into());
            }
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err("a parent path is a file".into()),
            Err(_) => std::fs::create_dir(&at)
                .map_err(|e| format!("cannot create {}: {e}", at.display()))?,
        }
    }
    Ok(())
}

/// A link target must be relative and, read from the link's directory,
/// stay inside the root.
fn check_link_target(rel: &Path, target: &str) -> Result<(), String> {
    if target.is_empty() || target.starts_with('/') || target.contains('\0') {
        return Err(format!("symlink target {target:?} is empty or absolute"));
    }
    let mut depth: Vec<Component<'_>> = rel
        .parent()
        .map(|p| p.components().collect())
        .unwrap_or_default();
    for part in Path::new(target).components() {
        match part {
            Component::ParentDir => {
                if depth.pop().is_none() {
                    return Err(format!(
                        "symlink target {target:?} escapes the code directory"
                    ));
                }
            }
            Component::Normal(_) => depth.push(part),
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!("symlink target {target:?} is absolute"));
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
fn make_symlink(target: &str, dest: &Path) -> Result<(), ApexError> {
    std::os::unix::fs::symlink(target, dest).map_err(|e| ApexError::io(dest, e))
}

#[cfg(not(unix))]
fn make_symlink(_target: &str, dest: &Path) -> Result<(), ApexError> {
    Err(ApexError::UnsafeEntry {
        name: dest.display().to_string(),
        reason: "symlinks are supported on Unix only".into(),
    })
}

/// 0755 for entries stored with an execute bit (a `bootstrap`), else 0644.
fn set_mode(path: &Path, executable: bool) -> Result<(), ApexError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if executable { 0o755 } else { 0o644 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| ApexError::io(path, e))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, executable);
        Ok(())
    }
}
