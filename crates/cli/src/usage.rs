//! API keys and usage plans for the data plane, over a store connection:
//! keys and plans are re-read when the store changed (an apply by another
//! process takes effect on the next request); usage counts are written by
//! a background thread in batches (at most every 100 ms), so a request
//! never waits on SQLite. Counts not yet flushed when the server is killed
//! are lost; the in-memory quota counters of the running server are exact.

use anyhow::Result;
use portico_gateway::{ApiKey, UsageBackend, UsagePlan};
use portico_store::Store;
use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often pending usage counts are written.
const FLUSH_EVERY: Duration = Duration::from_millis(100);

struct Keys {
    generation: Option<u64>,
    by_value: HashMap<String, Arc<ApiKey>>,
}

/// The store behind the gateway's `UsageBackend`.
pub struct UsageStore {
    store: Mutex<Store>,
    generation: portico_store::Generation,
    keys: Mutex<Keys>,
    tx: Mutex<mpsc::Sender<(String, String, String)>>,
}

impl UsageStore {
    /// Opens its own connections (one for reads, one for the writer thread).
    pub fn open(dir: &std::path::Path) -> Result<UsageStore> {
        let (tx, rx) = mpsc::channel::<(String, String, String)>();
        let mut writer = Store::open(dir)?;
        std::thread::Builder::new()
            .name("portico-usage".into())
            .spawn(move || write_loop(&mut writer, rx))?;
        let store = Store::open(dir)?;
        Ok(UsageStore {
            generation: store.generation(),
            store: Mutex::new(store),
            keys: Mutex::new(Keys {
                generation: None,
                by_value: HashMap::new(),
            }),
            tx: Mutex::new(tx),
        })
    }

    fn reload(&self, store: &mut Store, keys: &mut Keys) -> Result<(), portico_store::StoreError> {
        let generation = self.generation.get();
        if keys.generation == Some(generation) {
            return Ok(());
        }
        let t = store.read()?;
        let plans: HashMap<String, Arc<UsagePlan>> = t
            .usage_plans()?
            .into_iter()
            .filter_map(|p| {
                let v: serde_json::Value = serde_json::from_str(&p.plan_json).ok()?;
                match UsagePlan::from_provider_json(&p.id, &v, p.created_ms) {
                    Ok(plan) => Some((p.id, Arc::new(plan))),
                    Err(e) => {
                        tracing::warn!("usage plan {}: {e}", p.id);
                        None
                    }
                }
            })
            .collect();
        let members = t.usage_plan_keys()?;
        keys.by_value = t
            .api_keys()?
            .into_iter()
            .map(|k| {
                let key_plans = members
                    .iter()
                    .filter(|(_, key)| *key == k.id)
                    .filter_map(|(p, _)| plans.get(p).cloned())
                    .collect();
                let key = ApiKey {
                    id: k.id,
                    enabled: k.enabled,
                    plans: key_plans,
                };
                (k.value, Arc::new(key))
            })
            .collect();
        keys.generation = Some(generation);
        Ok(())
    }
}

fn write_loop(store: &mut Store, rx: mpsc::Receiver<(String, String, String)>) {
    let mut pending: HashMap<(String, String, String), u64> = HashMap::new();
    loop {
        match rx.recv_timeout(FLUSH_EVERY) {
            Ok(k) => {
                *pending.entry(k).or_default() += 1;
                // Keep collecting until the interval passes without news or
                // the batch grows large.
                if pending.len() < 1000 {
                    continue;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                flush(store, &mut pending);
                return;
            }
        }
        flush(store, &mut pending);
    }
}

fn flush(store: &mut Store, pending: &mut HashMap<(String, String, String), u64>) {
    if pending.is_empty() {
        return;
    }
    let result = store.write().and_then(|t| {
        for ((key, plan, day), n) in pending.iter() {
            t.add_usage(key, plan, day, *n)?;
        }
        t.commit_quiet()
    });
    match result {
        Ok(()) => pending.clear(),
        Err(e) => tracing::warn!("could not record API key usage: {e}"),
    }
}

impl UsageBackend for UsageStore {
    fn key_by_value(&self, value: &str) -> Option<Arc<ApiKey>> {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if keys.generation != Some(self.generation.get()) {
            let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = self.reload(&mut store, &mut keys) {
                tracing::warn!("could not read API keys: {e}");
            }
        }
        keys.by_value.get(value).cloned()
    }

    fn used(&self, key_id: &str, plan_id: &str, from: &str, to: &str) -> u64 {
        let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        store
            .read()
            .and_then(|t| t.usage_between(key_id, plan_id, from, to))
            .unwrap_or(0)
    }

    fn record(&self, key_id: &str, plan_id: &str, day: &str) {
        let tx = self.tx.lock().unwrap_or_else(|e| e.into_inner());
        let _ = tx.send((key_id.into(), plan_id.into(), day.into()));
    }
}
