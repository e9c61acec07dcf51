//! The log store: CloudWatch-like groups and streams in their own database,
//! written by a background thread in batches so that a request or a deploy
//! never waits for a log write. A retention limit keeps the file bounded.

use crate::StoreError;
use crate::log_pack;
use rusqlite::{Connection, params};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::time::Duration;

/// One log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// Row id, increasing; `logs -f` resumes after the last one it saw.
    pub id: i64,
    /// Log group, e.g. `/aws/lambda/NAME` or `API-Gateway-Execution-Logs_ID/STAGE`.
    pub group: String,
    /// Log stream.
    pub stream: String,
    /// Milliseconds since the epoch.
    pub ts_ms: i64,
    /// The line, without its newline.
    pub message: String,
}

/// Which lines to read.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// Groups to read (exact names); empty means all.
    pub groups: Vec<String>,
    /// Only lines at or after this time.
    pub since_ms: Option<i64>,
    /// Only lines with an id greater than this.
    pub after_id: Option<i64>,
    /// Only lines containing this text.
    pub contains: Option<String>,
    /// At most this many lines (the newest ones).
    pub limit: Option<u32>,
}

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS log_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT, grp TEXT NOT NULL, stream TEXT NOT NULL, ts_ms INTEGER NOT NULL, message TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS log_events_grp ON log_events(grp, id);";

/// Rows kept at most; older lines are deleted as new ones arrive.
pub const RETENTION_BYTES: i64 = 256 * 1024 * 1024;

/// Lines of one stream written in one batch are stored as one record of at
/// most this many bytes (see `coalesce`).
const MAX_RECORD_BYTES: usize = 16 * 1024;

/// Read access to the log database.
pub struct LogStore {
    conn: Connection,
}

fn open(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

impl LogStore {
    /// Opens `logs.db` in the store directory.
    pub fn open(store_dir: &Path) -> Result<LogStore, StoreError> {
        std::fs::create_dir_all(store_dir).map_err(|e| StoreError::io(store_dir, e))?;
        Ok(LogStore {
            conn: open(&store_dir.join("logs.db"))?,
        })
    }

    /// Lines matching the filter, oldest first.
    pub fn query(&self, f: &LogFilter) -> Result<Vec<LogEvent>, StoreError> {
        let mut sql = String::from(
            "SELECT id, grp, stream, ts_ms, message FROM log_events WHERE id > ?1 AND ts_ms >= ?2",
        );
        let mut args: Vec<rusqlite::types::Value> = vec![
            f.after_id.unwrap_or(0).into(),
            f.since_ms.unwrap_or(0).into(),
        ];
        if !f.groups.is_empty() {
            let marks: Vec<String> = (0..f.groups.len()).map(|i| format!("?{}", i + 3)).collect();
            sql.push_str(&format!(" AND grp IN ({})", marks.join(",")));
            args.extend(f.groups.iter().map(|g| g.clone().into()));
        }
        if f.limit == Some(0) {
            return Ok(Vec::new());
        }
        sql.push_str(" ORDER BY id DESC");
        // Packed records can only be searched once unpacked (`log_pack`), so
        // with a text filter the limit is counted here, over matches.
        if let (Some(l), None) = (f.limit, &f.contains) {
            sql.push_str(&format!(" LIMIT {l}"));
        }
        let mut st = self.conn.prepare(&sql)?;
        let mut rows = st.query(rusqlite::params_from_iter(args))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let message = log_pack::unpack(id, r.get_ref(4)?);
            if f.contains
                .as_ref()
                .is_some_and(|c| !message.contains(c.as_str()))
            {
                continue;
            }
            out.push(LogEvent {
                id,
                group: r.get(1)?,
                stream: r.get(2)?,
                ts_ms: r.get(3)?,
                message,
            });
            if f.limit.is_some_and(|l| out.len() >= l as usize) {
                break;
            }
        }
        out.reverse();
        Ok(out)
    }

    /// Writes lines synchronously (for short-lived CLI processes, which must
    /// not exit before their lines are stored).
    pub fn append(&self, events: &[LogEvent]) -> Result<(), StoreError> {
        write_batch(&self.conn, events, true)
    }
}

fn write_batch(conn: &Connection, events: &[LogEvent], trim: bool) -> Result<(), StoreError> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| {
        let mut st = conn.prepare_cached(
            "INSERT INTO log_events (grp, stream, ts_ms, message) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for e in events {
            st.execute(params![
                e.group,
                e.stream,
                e.ts_ms,
                log_pack::pack(&e.message)
            ])?;
        }
        if trim {
            trim_to(conn, RETENTION_BYTES)?;
        }
        Ok::<_, rusqlite::Error>(())
    })();
    match result {
        Ok(()) => Ok(conn.execute_batch("COMMIT")?),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e.into())
        }
    }
}

/// The asynchronous writer: `send` never blocks; a background thread stores
/// lines in batches. When the queue is full, lines are dropped and counted
/// rather than slowing the caller.
#[derive(Clone)]
pub struct LogWriter {
    tx: Sender<Msg>,
    queue: Arc<Queue>,
}

/// Lines queued at most; more are dropped (and counted) until the writer
/// catches up.
const QUEUE_LINES: usize = 65_536;

/// The queue's bookkeeping, shared by the senders and the writer thread.
///
/// Why a count beside an unbounded channel, not a bounded channel: std's
/// bounded channel is an array of its whole capacity, written through at
/// creation, so 65,536 slots were ~7 MB of resident memory from the first
/// second; the list-based channel holds only what is queued.
#[derive(Default)]
struct Queue {
    lines: AtomicUsize,
    dropped: AtomicU64,
}

impl Queue {
    /// Takes a place for one line; a full queue counts it as dropped
    /// instead (reported by the writer thread once per batch, so that a
    /// flood does not turn into a flood of warnings).
    fn admit(&self) -> bool {
        if self.lines.fetch_add(1, Ordering::Relaxed) < QUEUE_LINES {
            return true;
        }
        self.release();
        self.dropped.fetch_add(1, Ordering::Relaxed);
        false
    }

    /// A line left the queue (taken by the writer, or never sent).
    fn release(&self) {
        self.lines.fetch_sub(1, Ordering::Relaxed);
    }
}

enum Msg {
    Line(LogEvent),
    Flush(std::sync::mpsc::Sender<()>),
}

impl LogWriter {
    /// Starts the writer thread for the store at `store_dir`.
    pub fn start(store_dir: &Path) -> Result<LogWriter, StoreError> {
        let path: PathBuf = store_dir.join("logs.db");
        let conn = open(&path)?;
        let (tx, rx) = channel();
        let queue = Arc::new(Queue::default());
        let counter = queue.clone();
        std::thread::Builder::new()
            .name("portico-logs".into())
            .spawn(move || writer_loop(conn, rx, counter))
            .map_err(|e| StoreError::io(&path, e))?;
        Ok(LogWriter { tx, queue })
    }

    /// Queues a line.
    pub fn send(&self, group: &str, stream: &str, ts_ms: i64, message: String) {
        let e = LogEvent {
            id: 0,
            group: group.to_string(),
            stream: stream.to_string(),
            ts_ms,
            message,
        };
        if self.queue.admit() && self.tx.send(Msg::Line(e)).is_err() {
            self.queue.release();
        }
    }

    /// Waits until every line queued so far is stored (bounded by `timeout`).
    pub fn flush(&self, timeout: Duration) {
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        if self.tx.send(Msg::Flush(done_tx)).is_ok() {
            let _ = done_rx.recv_timeout(timeout);
        }
    }
}

fn writer_loop(conn: Connection, rx: Receiver<Msg>, queue: Arc<Queue>) {
    let mut batch = Vec::new();
    let mut waiters = Vec::new();
    // Lines and bytes of text stored since retention was last checked.
    let (mut lines_since_trim, mut bytes_since_trim) = (0usize, 0usize);
    let mut last_batch = 0usize;
    let mut last_write: Option<std::time::Instant> = None;
    loop {
        // Block for the first message, then linger a little so that a burst
        // becomes one transaction and the thread wakes a few times a second,
        // not once per line.
        match rx.recv() {
            Ok(m) => take(m, &queue, &mut batch, &mut waiters),
            Err(_) => return,
        }
        // Lines keep coming (a large batch, or the last write was moments
        // ago): linger a little, so that a stream of requests costs one
        // transaction and one wake-up per LINGER instead of one per request.
        // After a quiet spell, write at once, so that a line is readable by
        // `portico logs` right after the invoke.
        let busy = last_batch >= BURST || last_write.is_some_and(|t| t.elapsed() < BUSY_GAP);
        if waiters.is_empty() && busy {
            std::thread::sleep(LINGER);
        }
        loop {
            match rx.try_recv() {
                Ok(m) => take(m, &queue, &mut batch, &mut waiters),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => break,
            }
        }
        let lost = queue.dropped.swap(0, Ordering::Relaxed);
        if lost > 0 {
            tracing::warn!("the log queue was full: {lost} log lines were dropped");
        }
        last_batch = batch.len();
        last_write = Some(std::time::Instant::now());
        if !batch.is_empty() {
            lines_since_trim += batch.len();
            bytes_since_trim += batch.iter().map(|e| e.message.len()).sum::<usize>();
            // Retention is checked every few thousand lines or every MiB,
            // not per batch. By bytes too, so that long lines cannot outrun
            // the slices: a slice frees ~4 MiB at the limit, more than a
            // MiB of text takes once stored.
            let trim = lines_since_trim >= TRIM_EVERY_LINES || bytes_since_trim >= TRIM_EVERY_BYTES;
            let lines = batch.len();
            if let Err(e) = write_batch(&conn, &coalesce(std::mem::take(&mut batch)), trim) {
                tracing::warn!("could not store {lines} log lines: {e}");
            }
            if trim {
                (lines_since_trim, bytes_since_trim) = (0, 0);
            }
        }
        for w in waiters.drain(..) {
            let _ = w.send(());
        }
    }
}

/// Keeps the live rows near `limit` bytes of pages: when over, the oldest
/// [`TRIM_SLICE`]th of the rows goes (their pages are reused, so the file
/// stops growing at about the limit). The writer calls this every few
/// thousand lines or every MiB of text, so slices keep up with any stream.
///
/// Why a thin slice: deleting a fifth at once (the first version) took the
/// writer tens of milliseconds at full size, and under load requests
/// sharing the cores stalled for as long (a 60 ms p99 in BENCHMARKS.md).
fn trim_to(conn: &Connection, limit: i64) -> Result<(), rusqlite::Error> {
    if live_bytes(conn)? > limit {
        conn.execute(
            "DELETE FROM log_events WHERE id <= \
             (SELECT MIN(id) + (MAX(id) - MIN(id)) / ?1 FROM log_events)",
            [TRIM_SLICE],
        )?;
    }
    Ok(())
}

/// Bytes of the pages in use (the file's pages less the free ones).
fn live_bytes(conn: &Connection) -> Result<i64, rusqlite::Error> {
    conn.query_row(
        "SELECT (p.page_count - f.freelist_count) * s.page_size \
         FROM pragma_page_count() p, pragma_freelist_count() f, pragma_page_size() s",
        [],
        |r| r.get(0),
    )
}

/// The share of the rows (by id) one trim deletes.
const TRIM_SLICE: i64 = 64;

/// The writer checks retention after this many lines…
const TRIM_EVERY_LINES: usize = 4096;

/// … or this many bytes of text, whichever comes first.
const TRIM_EVERY_BYTES: usize = 1024 * 1024;

/// Lines of the same group and stream within one batch become one record,
/// joined by newlines, in order (readers print records line by line): under
/// load the writer inserts a row per stream per batch, not one per line.
fn coalesce(events: Vec<LogEvent>) -> Vec<LogEvent> {
    let mut out: Vec<LogEvent> = Vec::with_capacity(events.len().min(64));
    // The record still growing for each stream: a batch holds a handful of
    // streams, so a scan beats hashing two strings per line.
    let mut open: Vec<usize> = Vec::new();
    for e in events {
        let current = open
            .iter_mut()
            .find(|i| out[**i].group == e.group && out[**i].stream == e.stream);
        match current {
            Some(i) if out[*i].message.len() + 1 + e.message.len() <= MAX_RECORD_BYTES => {
                let row = &mut out[*i];
                row.message.push('\n');
                row.message.push_str(&e.message);
            }
            Some(i) => {
                *i = out.len();
                out.push(e);
            }
            None => {
                open.push(out.len());
                out.push(e);
            }
        }
    }
    out
}

/// How long the writer waits for more lines before writing a batch, under load.
const LINGER: Duration = Duration::from_millis(10);

/// Lines arriving this soon after the previous write mean a steady stream.
const BUSY_GAP: Duration = Duration::from_millis(50);

/// A batch at least this large means the writer is under load.
const BURST: usize = 64;

fn take(
    m: Msg,
    queue: &Queue,
    batch: &mut Vec<LogEvent>,
    waiters: &mut Vec<std::sync::mpsc::Sender<()>>,
) {
    match m {
        Msg::Line(e) => {
            queue.release();
            batch.push(e);
        }
        Msg::Flush(w) => waiters.push(w),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_drops_and_counts_lines_until_the_writer_takes_some() {
        let (tx, rx) = channel();
        let w = LogWriter {
            tx,
            queue: Arc::new(Queue::default()),
        };
        for i in 0..QUEUE_LINES + 5 {
            w.send("g", "s", 0, format!("line {i}"));
        }
        assert_eq!(w.queue.dropped.load(Ordering::Relaxed), 5);
        assert_eq!(rx.try_iter().count(), QUEUE_LINES, "the first lines kept");
        // The writer's side gives the room back as it takes lines.
        let (mut batch, mut waiters) = (Vec::new(), Vec::new());
        w.send("g", "s", 0, "refused".into());
        assert_eq!(w.queue.dropped.load(Ordering::Relaxed), 6);
        w.queue.lines.store(1, Ordering::Relaxed);
        w.send("g", "s", 0, "kept".into());
        let m = rx.try_recv().expect("queued");
        take(m, &w.queue, &mut batch, &mut waiters);
        assert_eq!(batch[0].message, "kept");
        assert_eq!(w.queue.lines.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn writes_and_filters() {
        let dir = tempfile::tempdir().unwrap();
        let w = LogWriter::start(dir.path()).unwrap();
        // A flush after each line: one batch, so one record, per line.
        for i in 0..10 {
            w.send("/aws/lambda/a", "s", 1000 + i, format!("line {i}"));
            w.flush(Duration::from_secs(5));
        }
        w.send("/aws/lambda/b", "s", 5000, "other".into());
        w.flush(Duration::from_secs(5));
        let s = LogStore::open(dir.path()).unwrap();
        let all = s
            .query(&LogFilter {
                groups: vec!["/aws/lambda/a".into()],
                ..Default::default()
            })
            .unwrap();
        assert_eq!(all.len(), 10);
        assert_eq!(all[0].message, "line 0");
        let some = s
            .query(&LogFilter {
                contains: Some("line 7".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(some.len(), 1);
        let tail = s
            .query(&LogFilter {
                limit: Some(2),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            tail.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(),
            ["line 9", "other"]
        );
        let after = s
            .query(&LogFilter {
                after_id: Some(all[8].id),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(after.len(), 2);
    }

    #[test]
    fn packed_records_are_searched_and_limited_by_their_text() {
        let dir = tempfile::tempdir().unwrap();
        let s = LogStore::open(dir.path()).unwrap();
        let request = |id: u32| {
            (0..30)
                .map(|n| format!("({id:08}-78ff-4ce8-987d-06930ca4bfe9) step {n} of request {id}"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let rows: Vec<LogEvent> = (0..5).map(|i| event("g", "s", &request(i))).collect();
        s.append(&rows).unwrap();
        let packed: i64 = s
            .conn
            .query_row(
                "SELECT count(*) FROM log_events WHERE typeof(message) = 'blob'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(packed, 5, "every record is packed");
        let all = s.query(&LogFilter::default()).unwrap();
        assert_eq!(all.len(), 5);
        assert_eq!(all[3].message, request(3));
        let found = s
            .query(&LogFilter {
                contains: Some("of request 2".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].message, request(2));
        // The limit counts matches, newest first.
        let last_two = s
            .query(&LogFilter {
                contains: Some("step 29".into()),
                limit: Some(2),
                ..Default::default()
            })
            .unwrap();
        let ids: Vec<bool> = last_two
            .iter()
            .map(|e| e.message.ends_with("of request 4") || e.message.ends_with("of request 3"))
            .collect();
        assert_eq!(ids, [true, true]);
        assert!(last_two[0].id < last_two[1].id, "oldest first");
        let none = s
            .query(&LogFilter {
                contains: Some("step".into()),
                limit: Some(0),
                ..Default::default()
            })
            .unwrap();
        assert!(none.is_empty(), "a limit of 0 gives nothing");
    }

    fn event(group: &str, stream: &str, message: &str) -> LogEvent {
        LogEvent {
            id: 0,
            group: group.into(),
            stream: stream.into(),
            ts_ms: 1,
            message: message.into(),
        }
    }

    #[test]
    fn a_batch_becomes_one_record_per_stream_in_order() {
        let out = coalesce(vec![
            event("g", "s1", "a"),
            event("g", "s2", "x"),
            event("g", "s1", "b"),
            event("h", "s1", "other group"),
            event("g", "s1", "c"),
        ]);
        let rows: Vec<(&str, &str, &str)> = out
            .iter()
            .map(|e| (e.group.as_str(), e.stream.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("g", "s1", "a\nb\nc"),
                ("g", "s2", "x"),
                ("h", "s1", "other group")
            ]
        );
        // A record stops growing at MAX_RECORD_BYTES.
        let big = "x".repeat(MAX_RECORD_BYTES / 2);
        let out = coalesce(vec![event("g", "s", &big), event("g", "s", &big)]);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn retention_drops_the_oldest_rows_once_over_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let s = LogStore::open(dir.path()).unwrap();
        // Text LZ4 cannot shrink, so that each row takes its length in pages.
        let mut seed = 1u64;
        let mut noise = || {
            (0..1000)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    char::from(b'!' + (seed >> 58) as u8)
                })
                .collect::<String>()
        };
        let rows: Vec<LogEvent> = (0..200)
            .map(|i| event("g", "s", &format!("{i} {}", noise())))
            .collect();
        s.append(&rows).unwrap();
        trim_to(&s.conn, 1024 * 1024).unwrap();
        assert_eq!(s.query(&LogFilter::default()).unwrap().len(), 200);
        trim_to(&s.conn, 64 * 1024).unwrap();
        let left = s.query(&LogFilter::default()).unwrap();
        // Ids 1..=200: the slice is ids up to 1 + 199 / 64.
        assert_eq!(left.len(), 196, "the oldest 64th goes");
        assert!(
            left[0].message.starts_with("4 "),
            "{}",
            &left[0].message[..8]
        );
        // Repeated trims (one per few thousand lines) reach the limit.
        let used = || live_bytes(&s.conn).unwrap();
        let mut trims = 0;
        while used() > 64 * 1024 {
            trim_to(&s.conn, 64 * 1024).unwrap();
            trims += 1;
            assert!(trims < 200, "stuck at {} bytes", used());
        }
        let left = s.query(&LogFilter::default()).unwrap();
        assert!(!left.is_empty() && left.len() < 64, "{} rows", left.len());
    }
}
