//! A change counter shared by every process that opens the store, so that
//! a server can tell on each request, with one atomic load and no SQLite
//! call, whether another process (a `deploy`, an `infra apply`) committed
//! since it last looked. It lives in `.portico/state.gen`: eight bytes,
//! mapped shared, incremented after every committed write transaction.
//!
//! Why not SQLite's `PRAGMA data_version`: it costs a statement and the
//! connection's lock per check, and the data plane checks several times
//! per request (stage, function resolution, resource policy, API keys).

use crate::StoreError;
use memmap2::MmapRaw;
use std::fs::OpenOptions;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// The store's change counter (cheap to clone: the mapping is shared).
#[derive(Clone)]
pub struct Generation {
    map: std::sync::Arc<MmapRaw>,
}

impl std::fmt::Debug for Generation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Generation({})", self.get())
    }
}

impl Generation {
    /// Maps `dir/state.gen`, creating it (as zero) when absent.
    pub fn open(dir: &Path) -> Result<Generation, StoreError> {
        let path = dir.join("state.gen");
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| StoreError::io(&path, e))?;
        // set_len only grows a new (empty) file to 8 zero bytes; an existing
        // counter keeps its value.
        let len = file.metadata().map_err(|e| StoreError::io(&path, e))?.len();
        if len < 8 {
            file.set_len(8).map_err(|e| StoreError::io(&path, e))?;
        }
        let map = MmapRaw::map_raw(&file).map_err(|e| StoreError::io(&path, e))?;
        if map.len() < 8 {
            return Err(StoreError::io(
                &path,
                std::io::Error::other("the change counter file is shorter than 8 bytes"),
            ));
        }
        Ok(Generation {
            map: std::sync::Arc::new(map),
        })
    }

    fn counter(&self) -> &AtomicU64 {
        let ptr = self.map.as_mut_ptr().cast::<u64>();
        // SAFETY: the mapping is at least 8 bytes long and page-aligned (so
        // aligned for u64), it lives as long as `self.map`, which the
        // returned reference borrows, and every process only ever accesses
        // these bytes through atomic operations.
        #[allow(unsafe_code)]
        unsafe {
            AtomicU64::from_ptr(ptr)
        }
    }

    /// The current value; it changes after every committed write.
    pub fn get(&self) -> u64 {
        self.counter().load(Ordering::Acquire)
    }

    /// Called after a write transaction committed: readers that see the new
    /// value and re-read find the committed rows.
    pub(crate) fn bump(&self) {
        self.counter().fetch_add(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_between_openers_and_kept_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let a = Generation::open(dir.path()).unwrap();
        let b = Generation::open(dir.path()).unwrap();
        assert_eq!(a.get(), 0);
        a.bump();
        a.bump();
        assert_eq!(b.get(), 2);
        drop((a, b));
        assert_eq!(Generation::open(dir.path()).unwrap().get(), 2);
    }

    #[test]
    fn commits_move_it_quiet_commits_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = crate::Store::open(dir.path()).unwrap();
        let g = store.generation();
        let before = g.get();
        store.write().unwrap().commit().unwrap();
        assert_eq!(g.get(), before + 1);
        store.write().unwrap().commit_quiet().unwrap();
        assert_eq!(g.get(), before + 1);
        // A transaction dropped without commit (rolled back) moves nothing.
        drop(store.write().unwrap());
        assert_eq!(g.get(), before + 1);
    }
}
