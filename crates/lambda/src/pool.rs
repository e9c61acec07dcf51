//! Environments of one function version: idle ones are reused (most recent
//! first, so one stays warm), new ones start when all are busy, up to a cap;
//! beyond it, invocations wait for a free environment.

use crate::environment::Environment;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The pool of one (function, version, code, configuration).
pub struct Pool {
    idle: Mutex<Vec<Arc<Environment>>>,
    slots: Arc<Semaphore>,
}

/// The spawn-or-reuse decision, separated for testing.
#[derive(Debug, PartialEq, Eq)]
pub enum Take<T> {
    /// Reuse this warm environment.
    Warm(T),
    /// Start a new one.
    Cold,
}

/// Picks the most recently used live environment for which `near` holds,
/// else the most recently used live one; dead ones are dropped.
pub fn pick<T>(
    idle: &mut Vec<T>,
    alive: impl Fn(&T) -> bool,
    near: impl Fn(&T) -> bool,
) -> Take<T> {
    idle.retain(&alive);
    if let Some(i) = idle.iter().rposition(near) {
        return Take::Warm(idle.remove(i));
    }
    match idle.pop() {
        Some(e) => Take::Warm(e),
        None => Take::Cold,
    }
}

impl Pool {
    /// A pool allowing `cap` environments at once.
    pub fn new(cap: usize) -> Self {
        Pool {
            idle: Mutex::new(Vec::new()),
            slots: Arc::new(Semaphore::new(cap.max(1))),
        }
    }

    /// Waits for a slot (one running environment each).
    pub async fn slot(&self) -> Option<OwnedSemaphorePermit> {
        self.slots.clone().acquire_owned().await.ok()
    }

    /// A warm environment, if one is idle: preferably one served by this
    /// thread's event loop, so that the invocation wakes no other thread.
    pub fn take_idle(&self) -> Option<Arc<Environment>> {
        let here = std::thread::current().id();
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        match pick(&mut idle, |e| e.is_alive(), |e| e.home == here) {
            Take::Warm(e) => Some(e),
            Take::Cold => None,
        }
    }

    /// Returns an environment after an invocation.
    pub fn put_back(&self, env: Arc<Environment>) {
        if env.is_alive() {
            self.idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(env);
        }
    }

    /// Stops environments idle for longer than `max_idle`; returns how many remain idle.
    pub fn reap(&self, max_idle: Duration) -> usize {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        idle.retain(|e| {
            let last = *e.last_used.lock().unwrap_or_else(|p| p.into_inner());
            let keep = e.is_alive() && now.duration_since(last) < max_idle;
            if !keep {
                e.kill();
            }
            keep
        });
        idle.len()
    }

    /// Number of idle environments.
    pub fn idle_count(&self) -> usize {
        self.idle.lock().map(|i| i.len()).unwrap_or(0)
    }

    /// Whether no invocation holds a slot.
    pub fn is_quiet(&self, cap: usize) -> bool {
        self.slots.available_permits() >= cap.max(1)
    }

    /// Kills every idle environment.
    pub fn kill_all(&self) {
        for e in self
            .idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            e.kill();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_most_recent_live_environment() {
        let mut idle = vec![1, 2, 3];
        assert_eq!(pick(&mut idle, |&e| e != 3, |_| true), Take::Warm(2));
        assert_eq!(idle, vec![1]);
        assert_eq!(pick(&mut idle, |_| false, |_| true), Take::Cold);
        assert!(idle.is_empty());
    }

    #[test]
    fn prefers_a_near_environment_then_any() {
        let mut idle = vec![1, 2, 3, 4];
        // Odd numbers are "served by this thread": 3 is the most recent of them.
        assert_eq!(pick(&mut idle, |_| true, |&e| e % 2 == 1), Take::Warm(3));
        assert_eq!(idle, vec![1, 2, 4]);
        assert_eq!(pick(&mut idle, |_| true, |&e| e > 10), Take::Warm(4));
        assert_eq!(idle, vec![1, 2]);
    }
}
