//! Peak memory of an environment, for REPORT's `Max Memory Used`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Reading `/proc/PID/status` costs more than the rest of a warm invoke's
/// bookkeeping, so an environment samples its high-water mark at most this
/// often; the value is a peak, so a stale sample can only lag a growth
/// that happened within the interval.
const SAMPLE_EVERY: Duration = Duration::from_millis(250);

/// A rate-limited reader of one process's peak resident set.
#[derive(Default)]
pub struct PeakSampler {
    last: Mutex<Option<(Instant, Option<u64>)>>,
}

impl PeakSampler {
    /// The peak in MB, re-read when the last sample is older than the interval.
    pub fn sample(&self, pid: Option<u32>) -> Option<u64> {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        match *last {
            Some((at, v)) if at.elapsed() < SAMPLE_EVERY => v,
            _ => {
                let v = pid.and_then(peak_rss_mb);
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
    fn reads_own_peak() {
        if std::path::Path::new("/proc/self/status").exists() {
            assert!(super::peak_rss_mb(std::process::id()).unwrap_or(0) > 0);
        }
    }
}
