//! Memory limits with Linux control groups, where the machine lets Portico
//! create them (cgroup v1's memory controller, or v2 with the memory
//! controller enabled for children): each environment gets its own group
//! whose limit is the function's memory size, so the kernel stops a
//! function that uses more, as Lambda does, and whose peak usage is the
//! whole process tree's `Max Memory Used`. Elsewhere the engine falls back
//! to runtime flags (Node's heap cap).

use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

/// Which cgroup interface the parent directory speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    V1,
    V2,
}

/// Where environments' groups are created.
#[derive(Debug, Clone)]
pub struct CgroupRoot {
    dir: PathBuf,
    version: Version,
}

/// One environment's group; removed when dropped (after its processes exit).
#[derive(Debug)]
pub struct Cgroup {
    dir: PathBuf,
    version: Version,
    /// The peak-usage file, kept open: REPORT reads it after every invoke,
    /// and a positioned read costs a fraction of open + read + close.
    peak: Option<std::fs::File>,
}

impl CgroupRoot {
    /// Finds this process's memory cgroup and checks that a child group can
    /// be created in it; `None` when the machine does not allow it.
    pub fn detect() -> Option<CgroupRoot> {
        let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
        let candidates = parse_self_cgroup(&own);
        candidates.into_iter().find_map(|(dir, version)| {
            let probe = dir.join(format!("portico-probe-{}", std::process::id()));
            std::fs::create_dir(&probe).ok()?;
            let limit_ok = match version {
                Version::V1 => probe.join("memory.limit_in_bytes").exists(),
                Version::V2 => probe.join("memory.max").exists(),
            };
            let _ = std::fs::remove_dir(&probe);
            limit_ok.then_some(CgroupRoot { dir, version })
        })
    }

    /// Creates the group of one environment with a memory limit in MB.
    pub fn create(&self, name: &str, memory_mb: u32) -> std::io::Result<Cgroup> {
        let dir = self.dir.join(format!("portico-{name}"));
        std::fs::create_dir(&dir)?;
        let mut group = Cgroup {
            dir,
            version: self.version,
            peak: None,
        };
        let bytes = (memory_mb as u64) * 1024 * 1024;
        let file = match self.version {
            Version::V1 => "memory.limit_in_bytes",
            Version::V2 => "memory.max",
        };
        std::fs::write(group.dir.join(file), bytes.to_string())?;
        if self.version == Version::V2 {
            // No swap either: Lambda has none.
            let _ = std::fs::write(group.dir.join("memory.swap.max"), "0");
        }
        group.peak = std::fs::File::open(group.dir.join(group.peak_file())).ok();
        Ok(group)
    }
}

impl Cgroup {
    /// An open `cgroup.procs`, written by the child before exec so that it
    /// runs inside the group from its first instruction.
    pub fn procs_file(&self) -> std::io::Result<OwnedFd> {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(self.dir.join("cgroup.procs"))?;
        Ok(OwnedFd::from(f))
    }

    /// Peak memory of every process in the group, in MB, rounded up.
    pub fn peak_mb(&self) -> Option<u64> {
        use std::os::unix::fs::FileExt;
        let mut buf = [0u8; 32];
        // A read at offset 0 makes the kernel render the value afresh.
        let text = match self.peak.as_ref().map(|f| f.read_at(&mut buf, 0)) {
            Some(Ok(n)) => std::str::from_utf8(&buf[..n]).ok()?.to_string(),
            _ => std::fs::read_to_string(self.dir.join(self.peak_file())).ok()?,
        };
        let bytes: u64 = text.trim().parse().ok()?;
        Some(bytes.div_ceil(1024 * 1024))
    }

    fn peak_file(&self) -> &'static str {
        match self.version {
            Version::V1 => "memory.max_usage_in_bytes",
            Version::V2 => "memory.peak",
        }
    }

    /// Whether the kernel refused memory to the group (the limit was hit).
    pub fn hit_limit(&self) -> bool {
        let read = |f: &str| std::fs::read_to_string(self.dir.join(f)).unwrap_or_default();
        match self.version {
            Version::V1 => read("memory.failcnt").trim().parse::<u64>().unwrap_or(0) > 0,
            Version::V2 => read("memory.events").lines().any(|l| {
                (l.starts_with("oom_kill ") || l.starts_with("max ")) && !l.ends_with(" 0")
            }),
        }
    }

    /// The group's directory.
    #[cfg(test)]
    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        self.peak.take();
        // Succeeds once the processes have exited; a few tries cover the
        // moment between the kill and the kernel's reaping.
        for _ in 0..20 {
            if std::fs::remove_dir(&self.dir).is_ok() || !self.dir.exists() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}

/// The memory cgroup directories of this process, v1 first.
fn parse_self_cgroup(text: &str) -> Vec<(PathBuf, Version)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let rel = path.trim_start_matches('/');
        if controllers.split(',').any(|c| c == "memory") {
            out.insert(
                0,
                (Path::new("/sys/fs/cgroup/memory").join(rel), Version::V1),
            );
        } else if controllers.is_empty() {
            let base = if Path::new("/sys/fs/cgroup/cgroup.controllers").exists() {
                PathBuf::from("/sys/fs/cgroup")
            } else {
                PathBuf::from("/sys/fs/cgroup/unified")
            };
            out.push((base.join(rel), Version::V2));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_v1_and_v2_lines() {
        let text = "9:name=systemd:/\n4:memory:/process_api/abc\n0::/user.slice\n";
        let c = parse_self_cgroup(text);
        assert_eq!(
            c[0],
            (
                PathBuf::from("/sys/fs/cgroup/memory/process_api/abc"),
                Version::V1
            )
        );
        assert_eq!(c[1].1, Version::V2);
    }

    #[test]
    fn a_group_limits_and_measures_when_the_machine_allows() {
        let Some(root) = CgroupRoot::detect() else {
            eprintln!("skipped: no writable memory cgroup on this machine");
            return;
        };
        let g = root
            .create(&format!("test-{}", std::process::id()), 64)
            .unwrap();
        assert!(g.path().exists());
        assert_eq!(g.peak_mb(), Some(0));
        assert!(!g.hit_limit());
        let dir = g.path().to_path_buf();
        drop(g);
        assert!(!dir.exists());
    }
}
