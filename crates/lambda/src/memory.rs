//! Peak memory of an environment, for REPORT's `Max Memory Used`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Reading `/proc/PID/status` costs more than the rest of a warm invoke's
/// bookkeeping, and a cgroup's `memory.peak` (rendered by the kernel's
/// seq_file machinery on each read) about a quarter of the gateway's own CPU
/// per AWS_PROXY request, so an environment samples its high-water mark at
/// most this often; the value is a peak, so a stale sample can only lag a
/// growth that happened within the interval.
const SAMPLE_EVERY: Duration = Duration::from_millis(250);

/// A rate-limited reader of one environment's peak memory.
#[derive(Default)]
pub struct PeakSampler {
    last: Mutex<Option<(Instant, Option<u64>)>>,
}

impl PeakSampler {
    /// The peak in MB as `read` gives it, re-read only when the last sample
    /// is older than the interval (the first call always reads).
    pub fn sample(&self, read: impl FnOnce() -> Option<u64>) -> Option<u64> {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        match *last {
            Some((at, v)) if at.elapsed() < SAMPLE_EVERY => v,
            _ => {
                let v = read();
                *last = Some((Instant::now(), v));
                v
            }
        }
    }
}

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
    fn rereads_only_after_the_interval() {
        let s = super::PeakSampler::default();
        assert_eq!(s.sample(|| Some(10)), Some(10));
        assert_eq!(
            s.sample(|| Some(20)),
            Some(10),
            "within the interval: the last sample"
        );
        *s.last.lock().unwrap() = Some((std::time::Instant::now() - super::SAMPLE_EVERY, Some(10)));
        assert_eq!(s.sample(|| Some(20)), Some(20));
    }

    #[test]
    fn reads_own_peak() {
        if std::path::Path::new("/proc/self/status").exists() {
            assert!(super::peak_rss_mb(std::process::id()).unwrap_or(0) > 0);
        }
    }
}
