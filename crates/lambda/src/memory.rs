//! Peak memory of an environment, for REPORT's `Max Memory Used`.

/// Peak resident set (VmHWM) of a process in MB, rounded up; `None` where
/// `/proc` is not available.
pub fn peak_rss_mb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.div_ceil(1024))
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_own_peak() {
        if std::path::Path::new("/proc/self/status").exists() {
            assert!(super::peak_rss_mb(std::process::id()).unwrap_or(0) > 0);
        }
    }
}
