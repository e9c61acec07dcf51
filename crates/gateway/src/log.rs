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

/// One log line.
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

#[cfg(test)]
mod tests {
    use super::*;

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
