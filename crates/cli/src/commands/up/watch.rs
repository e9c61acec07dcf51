//! Watching the project by polling: a snapshot of every file's size, inode
//! and modification time under `functions/` and `infrastructure/` (plus the
//! `project*.json` files), taken every [`POLL`]. Polling needs no platform
//! API, sees every filesystem (bind mounts, network shares) and costs little
//! on a project of a few hundred files. A change is acted on once the files
//! have been quiet for [`QUIET`]: editors save in several steps (a temporary
//! file, a rename, a chmod), and one save must be one redeploy.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// How often the files are looked at.
pub const POLL: Duration = Duration::from_millis(30);
/// How long the files must stay unchanged before a change is acted on.
pub const QUIET: Duration = Duration::from_millis(40);
/// A save storm longer than this is acted on anyway.
const MAX_WAIT: Duration = Duration::from_secs(2);

/// What a change touched.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Functions (directory names under `functions/`) whose files changed.
    pub functions: BTreeSet<String>,
    /// `project*.json` changed: every function's configuration may differ.
    pub all_functions: bool,
    /// Something under `infrastructure/` changed.
    pub infra: bool,
}

impl Changes {
    fn is_empty(&self) -> bool {
        self.functions.is_empty() && !self.all_functions && !self.infra
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
    ino: u64,
}

type Snapshot = BTreeMap<PathBuf, Stamp>;

/// Polls the project directory for changes.
pub struct Watcher {
    root: PathBuf,
    last: Snapshot,
}

impl Watcher {
    /// A watcher whose baseline is the files as they are now.
    pub fn new(root: &Path) -> Watcher {
        Watcher {
            root: root.to_path_buf(),
            last: scan(root),
        }
    }

    /// Takes the files as they are now as the new baseline.
    pub fn rebase(&mut self) {
        self.last = scan(&self.root);
    }

    /// Waits for the next change and returns what it touched, once the
    /// files are quiet; `None` once `stop` is set.
    pub fn next(&mut self, stop: &AtomicBool) -> Option<Changes> {
        loop {
            if stop.load(Ordering::SeqCst) {
                return None;
            }
            std::thread::sleep(POLL);
            let now = scan(&self.root);
            if now == self.last {
                continue;
            }
            let settled = self.settle(now, stop)?;
            let changes = diff(&self.root, &self.last, &settled);
            self.last = settled;
            if !changes.is_empty() {
                return Some(changes);
            }
        }
    }

    /// Rescans until nothing changed for [`QUIET`] (or [`MAX_WAIT`] passed).
    fn settle(&self, mut current: Snapshot, stop: &AtomicBool) -> Option<Snapshot> {
        let started = Instant::now();
        let mut quiet_since = Instant::now();
        while quiet_since.elapsed() < QUIET && started.elapsed() < MAX_WAIT {
            if stop.load(Ordering::SeqCst) {
                return None;
            }
            std::thread::sleep(Duration::from_millis(15));
            let again = scan(&self.root);
            if again != current {
                current = again;
                quiet_since = Instant::now();
            }
        }
        Some(current)
    }
}

/// Files that are no part of a function or a configuration: editors' swap
/// and backup files, build output, caches, Portico's own state.
fn ignored(name: &str, is_dir: bool) -> bool {
    if is_dir {
        return name.starts_with('.') || matches!(name, "node_modules" | "target" | "__pycache__");
    }
    (name.starts_with('.') && name != ".apexignore")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        // vim probes whether it may write a directory with this file.
        || name == "4913"
}

fn scan(root: &Path) -> Snapshot {
    let mut out = Snapshot::new();
    if let Ok(entries) = std::fs::read_dir(root) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with("project") && name.ends_with(".json") {
                add(&mut out, &e.path());
            }
        }
    }
    walk(&root.join("functions"), &mut out, 0);
    walk(&root.join("infrastructure"), &mut out, 0);
    out
}

fn add(out: &mut Snapshot, path: &Path) {
    use std::os::unix::fs::MetadataExt;
    if let Ok(m) = std::fs::metadata(path) {
        out.insert(
            path.to_path_buf(),
            Stamp {
                modified: m.modified().ok(),
                len: m.len(),
                ino: m.ino(),
            },
        );
    }
}

fn walk(dir: &Path, out: &mut Snapshot, depth: usize) {
    // Deep trees are vendored dependencies, not sources to watch.
    if depth > 8 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Ok(ty) = e.file_type() else { continue };
        let is_dir = ty.is_dir();
        if ignored(&name, is_dir) {
            continue;
        }
        if is_dir {
            walk(&e.path(), out, depth + 1);
        } else {
            add(out, &e.path());
        }
    }
}

/// What differs between two snapshots, by the part of the project it is in.
fn diff(root: &Path, old: &Snapshot, new: &Snapshot) -> Changes {
    let mut changes = Changes::default();
    let changed = old
        .iter()
        .filter(|(p, s)| new.get(*p) != Some(s))
        .map(|(p, _)| p)
        .chain(new.keys().filter(|p| !old.contains_key(*p)));
    for path in changed {
        let Ok(rel) = path.strip_prefix(root) else {
            continue;
        };
        let mut parts = rel.components().map(|c| c.as_os_str().to_string_lossy());
        match parts.next().as_deref() {
            Some("functions") => {
                // A file directly in functions/ belongs to no function.
                if let (Some(function), Some(_)) = (parts.next(), parts.next()) {
                    changes.functions.insert(function.to_string());
                }
            }
            Some("infrastructure") => changes.infra = true,
            Some(_) => changes.all_functions = true,
            None => {}
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, body: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }

    #[test]
    fn changes_are_sorted_by_part_of_the_project() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        write(root, "project.json", "{}");
        write(root, "functions/a/index.js", "1");
        write(root, "functions/b/index.js", "1");
        write(root, "infrastructure/main.tf", "");
        let before = scan(root);
        write(root, "functions/a/index.js", "22");
        write(root, "functions/a/.index.js.swp", "x");
        write(root, "functions/b/node_modules/x/y.js", "x");
        let after = scan(root);
        let c = diff(root, &before, &after);
        assert_eq!(c.functions, BTreeSet::from(["a".to_string()]));
        assert!(!c.infra && !c.all_functions);
        write(root, "infrastructure/more.tf", "");
        write(root, "project.json", "{ }");
        let c = diff(root, &after, &scan(root));
        assert!(c.infra && c.all_functions && c.functions.is_empty());
    }

    #[test]
    fn a_save_storm_is_one_change() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().to_path_buf();
        write(&root, "functions/a/index.js", "1");
        let mut w = Watcher::new(&root);
        let stop = AtomicBool::new(false);
        let writer = {
            let root = root.clone();
            std::thread::spawn(move || {
                // Editor-style: a temporary file renamed over the original, then again.
                for body in ["2", "33", "444"] {
                    write(&root, "functions/a/index.js.tmp", body);
                    std::fs::rename(
                        root.join("functions/a/index.js.tmp"),
                        root.join("functions/a/index.js"),
                    )
                    .unwrap();
                    std::thread::sleep(Duration::from_millis(10));
                }
            })
        };
        let c = w.next(&stop).unwrap();
        writer.join().unwrap();
        assert_eq!(c.functions, BTreeSet::from(["a".to_string()]));
        // Nothing is left over for a second round.
        stop.store(true, Ordering::SeqCst);
        assert_eq!(w.next(&stop), None);
        assert_eq!(w.last, scan(&root));
    }
}
