//! Function logs: CloudWatch-style group and stream names, the platform's
//! START/END/REPORT lines, and the per-invocation tail for `LogType=Tail`.

use portico_store::{LogWriter, now_ms};
use std::sync::{Arc, Mutex};

/// A callback that also receives every log line: `(group, line)`.
pub type Echo = Arc<dyn Fn(&str, &str) + Send + Sync>;

/// Where an environment's lines go: the store (asynchronously) and, while an
/// invocation runs, its tail buffer.
#[derive(Clone)]
pub struct LogSink {
    writer: LogWriter,
    group: Arc<str>,
    stream: Arc<str>,
    tail: Arc<Mutex<Option<Vec<u8>>>>,
    echo: Option<Echo>,
}

/// The tail AWS returns in `X-Amz-Log-Result`: the last 4 KB.
pub const TAIL_BYTES: usize = 4096;

impl LogSink {
    /// A sink for one environment's stream.
    pub fn new(writer: LogWriter, function: &str, stream: String) -> Self {
        LogSink {
            writer,
            group: format!("/aws/lambda/{function}").into(),
            stream: stream.into(),
            tail: Arc::new(Mutex::new(None)),
            echo: None,
        }
    }

    /// Also passes every line to `echo(group, line)` (for `portico up`'s terminal).
    pub fn with_echo(mut self, echo: Option<Echo>) -> Self {
        self.echo = echo;
        self
    }

    /// The stream name.
    pub fn stream(&self) -> &str {
        &self.stream
    }

    /// Records one line.
    pub fn line(&self, line: String) {
        if let Ok(mut t) = self.tail.lock()
            && let Some(buf) = t.as_mut()
        {
            buf.extend_from_slice(line.as_bytes());
            buf.push(b'\n');
            // Keep the buffer bounded: only the last 4 KB are ever returned.
            if buf.len() > 4 * TAIL_BYTES {
                let cut = buf.len() - TAIL_BYTES;
                buf.drain(..cut);
            }
        }
        if let Some(echo) = &self.echo {
            echo(&self.group, &line);
        }
        self.writer.send(&self.group, &self.stream, now_ms(), line);
    }

    /// Starts collecting the tail of a new invocation.
    pub fn begin_tail(&self) {
        if let Ok(mut t) = self.tail.lock() {
            *t = Some(Vec::new());
        }
    }

    /// The last 4 KB of the invocation's lines.
    pub fn take_tail(&self) -> Vec<u8> {
        let buf = self
            .tail
            .lock()
            .ok()
            .and_then(|mut t| t.take())
            .unwrap_or_default();
        let start = buf.len().saturating_sub(TAIL_BYTES);
        buf[start..].to_vec()
    }
}

/// `YYYY/MM/DD/[VERSION]<32 hex>`, one stream per environment.
pub fn stream_name(version: &str, env_id: &str) -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}/{:02}/{:02}/[{version}]{env_id}",
        t.year(),
        u8::from(t.month()),
        t.day()
    )
}

/// The REPORT line, fields in AWS's order: `Init Duration` after `Max Memory
/// Used`, Billed Duration = ceil(Duration) (plus init for custom runtimes).
pub struct Report<'a> {
    pub request_id: &'a str,
    pub duration_ms: f64,
    pub memory_mb: u32,
    pub max_memory_mb: Option<u64>,
    pub init_ms: Option<f64>,
    pub bill_init: bool,
    pub status: Option<(&'a str, Option<&'a str>)>,
}

impl Report<'_> {
    /// Renders the line.
    pub fn render(&self) -> String {
        let billed = self.duration_ms.ceil() as u64
            + if self.bill_init {
                self.init_ms.unwrap_or(0.0).ceil() as u64
            } else {
                0
            };
        let mut s = format!(
            "REPORT RequestId: {}\tDuration: {:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB\t",
            self.request_id,
            self.duration_ms,
            billed.max(1),
            self.memory_mb,
            self.max_memory_mb.unwrap_or(0)
        );
        if let Some(init) = self.init_ms {
            s.push_str(&format!("Init Duration: {init:.2} ms\t"));
        }
        if let Some((status, error_type)) = self.status {
            s.push_str(&format!("Status: {status}"));
            if let Some(t) = error_type {
                s.push_str(&format!("\tError Type: {t}"));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_line() {
        let r = Report {
            request_id: "id",
            duration_ms: 2.345,
            memory_mb: 128,
            max_memory_mb: Some(65),
            init_ms: Some(150.123),
            bill_init: false,
            status: None,
        };
        assert_eq!(
            r.render(),
            "REPORT RequestId: id\tDuration: 2.35 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 65 MB\tInit Duration: 150.12 ms\t"
        );
        let r = Report {
            init_ms: None,
            status: Some(("timeout", None)),
            ..r
        };
        assert!(
            r.render()
                .ends_with("Max Memory Used: 65 MB\tStatus: timeout")
        );
    }

    #[test]
    fn stream() {
        let s = stream_name("$LATEST", "abc");
        assert!(s.ends_with("/[$LATEST]abc"));
        assert_eq!(s.len(), "2024/08/18/[$LATEST]abc".len());
    }
}
