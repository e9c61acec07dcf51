//! Execution and access logs. The request path never waits on logging: a
//! request's lines are handed to the caller's [`LogSink`] in one batch at
//! the end, and [`ChannelLogSink`] drops (and counts) batches when its
//! bounded queue is full rather than block.

use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc;

/// Which log a line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    /// API Gateway-style execution log (plus Portico's explanations).
    Execution,
    /// One line per request.
    Access,
}

/// A request's execution log (its lines joined by newlines, each with the
/// request id in front as API Gateway writes them) or its access-log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    pub api_id: String,
    pub stage: String,
    pub request_id: String,
    /// Milliseconds since the Unix epoch.
    pub epoch_ms: i64,
    pub kind: LogKind,
    pub message: String,
}

/// Where a request's log lines go. Implementations must not block.
pub trait LogSink: Send + Sync {
    fn submit(&self, batch: Vec<LogRecord>);
}

/// A bounded channel sink; the receiver side is the caller's writer task.
#[derive(Debug)]
pub struct ChannelLogSink {
    tx: mpsc::Sender<Vec<LogRecord>>,
    dropped: AtomicU64,
}

impl ChannelLogSink {
    /// A sink holding at most `capacity` pending batches.
    pub fn new(capacity: usize) -> (ChannelLogSink, mpsc::Receiver<Vec<LogRecord>>) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        (
            ChannelLogSink {
                tx,
                dropped: AtomicU64::new(0),
            },
            rx,
        )
    }

    /// Batches dropped because the writer fell behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl LogSink for ChannelLogSink {
    fn submit(&self, batch: Vec<LogRecord>) {
        if self.tx.try_send(batch).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A request's execution log, built as the phases run.
#[derive(Debug, Default)]
pub(crate) struct ExecLog {
    pub lines: Vec<String>,
}

impl ExecLog {
    pub(crate) fn line(&mut self, s: impl Into<String>) {
        self.lines.push(s.into());
    }

    /// Portico's own explanation, marked so that readers can tell it from
    /// the lines AWS would write.
    pub(crate) fn explain(&mut self, s: impl AsRef<str>) {
        self.lines.push(format!("Portico: {}", s.as_ref()));
    }
}

/// Execution-log lines that carry request or response bodies: written
/// only with `data_trace_enabled` once a stage sets a logging level.
const DATA_TRACE: [&str; 4] = [
    "Method request body before transformations",
    "Endpoint request body after transformations",
    "Endpoint response body before transformations",
    "Method response body after transformations",
];

/// Whether `line` goes to the execution log under the method's settings.
/// No settings (or no `logging_level`): everything, Portico's default.
/// `OFF`: nothing. `ERROR`: the lines of requests that failed (status
/// 400 or more). `INFO`: every line. With a level set, body lines need
/// `data_trace_enabled`.
pub(crate) fn keep(
    line: &str,
    settings: Option<&crate::settings::MethodSettings>,
    failed: bool,
) -> bool {
    let Some(s) = settings.filter(|s| !s.logging_level.is_empty()) else {
        return true;
    };
    let level_ok = match s.logging_level.as_str() {
        "OFF" => false,
        "ERROR" => failed,
        _ => true,
    };
    level_ok && (s.data_trace_enabled || !DATA_TRACE.iter().any(|p| line.starts_with(p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logging_levels() {
        let s = |level: &str, trace: bool| crate::settings::MethodSettings {
            logging_level: level.into(),
            data_trace_enabled: trace,
            ..Default::default()
        };
        let body = "Endpoint response body before transformations: {}";
        assert!(keep(body, None, false));
        assert!(!keep("x", Some(&s("OFF", true)), true));
        assert!(!keep("x", Some(&s("ERROR", false)), false));
        assert!(keep("x", Some(&s("ERROR", false)), true));
        assert!(!keep(body, Some(&s("INFO", false)), false));
        assert!(keep(body, Some(&s("INFO", true)), false));
    }

    #[test]
    fn full_channel_drops_instead_of_blocking() {
        let (sink, mut rx) = ChannelLogSink::new(1);
        let rec = LogRecord {
            api_id: "a".into(),
            stage: "s".into(),
            request_id: "r".into(),
            epoch_ms: 0,
            kind: LogKind::Access,
            message: "m".into(),
        };
        sink.submit(vec![rec.clone()]);
        sink.submit(vec![rec.clone()]);
        assert_eq!(sink.dropped(), 1);
        assert_eq!(rx.try_recv().unwrap(), vec![rec]);
    }
}
