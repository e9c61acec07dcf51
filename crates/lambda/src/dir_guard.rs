//! Cleaning up after an environment that never finished starting: its
//! directory (the unpacked code, its `/tmp`) goes away with a failed or
//! abandoned start, including one dropped while the code was still being
//! unpacked on the blocking pool.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Removes a starting environment's directory unless [`DirGuard::disarm`]
/// is called, also when the start is dropped while the code is being
/// unpacked on the blocking pool (whichever side finishes last removes it).
pub(crate) struct DirGuard {
    dir: PathBuf,
    abandoned: Arc<AtomicBool>,
    unpacked: Arc<AtomicBool>,
    armed: bool,
}

/// The unpacking task's half of a [`DirGuard`].
pub(crate) struct Unpacker {
    dir: PathBuf,
    abandoned: Arc<AtomicBool>,
    unpacked: Arc<AtomicBool>,
}

impl DirGuard {
    pub(crate) fn new(dir: &std::path::Path) -> DirGuard {
        DirGuard {
            dir: dir.to_path_buf(),
            abandoned: Arc::new(AtomicBool::new(false)),
            // Until an unpack starts there is nothing to wait for.
            unpacked: Arc::new(AtomicBool::new(true)),
            armed: true,
        }
    }

    pub(crate) fn unpacker(&mut self) -> Unpacker {
        self.unpacked.store(false, Ordering::SeqCst);
        Unpacker {
            dir: self.dir.clone(),
            abandoned: self.abandoned.clone(),
            unpacked: self.unpacked.clone(),
        }
    }

    pub(crate) fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for DirGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        self.abandoned.store(true, Ordering::SeqCst);
        if self.unpacked.load(Ordering::SeqCst) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl Unpacker {
    pub(crate) fn finished(self) {
        self.unpacked.store(true, Ordering::SeqCst);
        if self.abandoned.load(Ordering::SeqCst) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn made() -> (tempfile::TempDir, PathBuf) {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("env");
        std::fs::create_dir_all(dir.join("task")).unwrap();
        (root, dir)
    }

    #[test]
    fn a_failed_start_removes_the_directory() {
        let (_root, dir) = made();
        drop(DirGuard::new(&dir));
        assert!(!dir.exists());
    }

    #[test]
    fn a_started_environment_keeps_it() {
        let (_root, dir) = made();
        let mut g = DirGuard::new(&dir);
        g.disarm();
        drop(g);
        assert!(dir.exists());
    }

    #[test]
    fn an_unpack_still_running_removes_it_when_done() {
        let (_root, dir) = made();
        let mut g = DirGuard::new(&dir);
        let unpack = g.unpacker();
        drop(g);
        assert!(dir.exists(), "the unpack is still writing into it");
        unpack.finished();
        assert!(!dir.exists());
    }

    #[test]
    fn an_unpack_done_before_the_start_is_dropped() {
        let (_root, dir) = made();
        let mut g = DirGuard::new(&dir);
        g.unpacker().finished();
        assert!(dir.exists());
        drop(g);
        assert!(!dir.exists());
    }
}
