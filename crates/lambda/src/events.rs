//! Asynchronous invocations: the queue lives in the store (so events survive
//! a restart); a worker in the serving process runs them and retries a
//! failed event twice with backoff, as Lambda does.

use crate::{Engine, InvokeError, InvokeRequest};
use std::sync::Arc;
use std::time::Duration;

/// Delays before each retry of a failed event.
#[derive(Debug, Clone)]
pub struct EventRetryPolicy {
    /// AWS: about one minute, then about two.
    pub delays: Vec<Duration>,
}

impl Default for EventRetryPolicy {
    fn default() -> Self {
        EventRetryPolicy {
            delays: vec![Duration::from_secs(60), Duration::from_secs(120)],
        }
    }
}

impl Engine {
    /// Runs queued events until the process ends.
    pub async fn run_event_worker(self: Arc<Self>) {
        if let Err(e) = self.with_store(|s| {
            let tx = s.write()?;
            tx.requeue_running_events()?;
            // The event queue feeds no cache: its writes leave the change
            // counter alone (the worker below polls every 100 ms).
            tx.commit_quiet()
        }) {
            tracing::warn!("could not requeue events: {e}");
        }
        loop {
            let due = self.with_store(|s| {
                let tx = s.write()?;
                let ev = tx.claim_due_events(16)?;
                tx.commit_quiet()?;
                Ok(ev)
            });
            match due {
                Ok(events) => {
                    for ev in events {
                        let engine = self.clone();
                        tokio::spawn(async move { engine.run_event(ev).await });
                    }
                }
                Err(e) => tracing::warn!("event queue: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn run_event(&self, ev: portico_store::QueuedEvent) {
        let req = InvokeRequest::sync(&ev.function, ev.qualifier.as_deref(), ev.payload.clone());
        let error = match self.invoke(req).await {
            Ok(r) => r.function_error.map(|t| format!("function error {t}")),
            Err(InvokeError::NotFound(m)) => {
                let _ = self.finish(ev.id, Some(&m), None);
                return;
            }
            Err(e) => Some(e.to_string()),
        };
        let retry = self
            .config()
            .event_retry
            .delays
            .get(ev.attempts as usize)
            .map(|d| d.as_millis() as i64);
        if let Some(e) = &error {
            tracing::info!(
                "event {} for {} failed ({e}); retry: {:?}",
                ev.request_id,
                ev.function,
                retry
            );
        }
        let _ = self.finish(ev.id, error.as_deref(), retry);
    }

    fn finish(
        &self,
        id: i64,
        error: Option<&str>,
        retry: Option<i64>,
    ) -> Result<(), portico_store::StoreError> {
        self.with_store(|s| {
            let tx = s.write()?;
            tx.finish_event(id, error, retry)?;
            tx.commit_quiet()
        })
    }
}
