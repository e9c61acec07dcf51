//! The queue of asynchronous (`Event`) invocations: kept in the store so
//! that they survive a restart, retried with backoff on function errors.

use crate::{StoreError, Tx, now_ms};
use rusqlite::params;

/// An event waiting to run.
#[derive(Debug, Clone)]
pub struct QueuedEvent {
    /// Queue id.
    pub id: i64,
    /// The request id the caller was given.
    pub request_id: String,
    /// Function name.
    pub function: String,
    /// Qualifier, if any.
    pub qualifier: Option<String>,
    /// The event.
    pub payload: Vec<u8>,
    /// Attempts made so far.
    pub attempts: u32,
}

impl Tx<'_> {
    /// Queues an event, due now.
    pub fn enqueue_event(
        &self,
        request_id: &str,
        function: &str,
        qualifier: Option<&str>,
        payload: &[u8],
    ) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO events (request_id, function, qualifier, payload, not_before_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![request_id, function, qualifier, payload, now_ms()],
        )?;
        Ok(())
    }

    /// Claims the events due now (marks them running so that a second server
    /// on the same store does not run them too).
    pub fn claim_due_events(&self, limit: u32) -> Result<Vec<QueuedEvent>, StoreError> {
        let mut st = self.tx.prepare(
            "SELECT id, request_id, function, qualifier, payload, attempts FROM events
             WHERE state = 'queued' AND not_before_ms <= ?1 ORDER BY not_before_ms, id LIMIT ?2",
        )?;
        let events: Vec<QueuedEvent> = st
            .query_map(params![now_ms(), limit], |r| {
                Ok(QueuedEvent {
                    id: r.get(0)?,
                    request_id: r.get(1)?,
                    function: r.get(2)?,
                    qualifier: r.get(3)?,
                    payload: r.get(4)?,
                    attempts: r.get(5)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        for e in &events {
            self.tx
                .execute("UPDATE events SET state = 'running' WHERE id = ?1", [e.id])?;
        }
        Ok(events)
    }

    /// Puts events a crashed server had claimed back in the queue.
    pub fn requeue_running_events(&self) -> Result<usize, StoreError> {
        Ok(self.tx.execute(
            "UPDATE events SET state = 'queued' WHERE state = 'running'",
            [],
        )?)
    }

    /// Records the outcome of an attempt: done, or retry after `retry_in_ms`,
    /// or failed for good when `retry_in_ms` is `None` after an error.
    pub fn finish_event(
        &self,
        id: i64,
        error: Option<&str>,
        retry_in_ms: Option<i64>,
    ) -> Result<(), StoreError> {
        match (error, retry_in_ms) {
            (None, _) => self.tx.execute("DELETE FROM events WHERE id = ?1", [id])?,
            (Some(e), Some(delay)) => self.tx.execute(
                "UPDATE events SET state = 'queued', attempts = attempts + 1, last_error = ?2, not_before_ms = ?3 WHERE id = ?1",
                params![id, e, now_ms() + delay],
            )?,
            (Some(e), None) => self.tx.execute(
                "UPDATE events SET state = 'failed', attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                params![id, e],
            )?,
        };
        Ok(())
    }

    /// Events that failed for good (kept for inspection, like a DLQ).
    pub fn failed_events(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut st = self.tx.prepare("SELECT request_id, function, COALESCE(last_error, '') FROM events WHERE state = 'failed'")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
