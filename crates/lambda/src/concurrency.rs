//! Concurrency accounting: a function's reserved concurrency and the
//! account's limit, counted per invocation in flight (429 beyond either).
//!
//! The counts are shared (`Arc`) so that an invocation carries its own
//! guard: one whose caller went away keeps counting until the function has
//! actually finished (`Engine::run`).

use crate::InvokeError;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Invocations in flight, per function and in total.
pub(crate) struct Concurrency {
    limit: usize,
    account: AtomicUsize,
    per_function: Mutex<HashMap<String, usize>>,
}

/// One invocation counted until dropped.
pub(crate) struct Inflight {
    counts: Arc<Concurrency>,
    function: String,
}

impl Drop for Inflight {
    fn drop(&mut self) {
        self.counts.account.fetch_sub(1, Ordering::SeqCst);
        if let Ok(mut m) = self.counts.per_function.lock()
            && let Some(n) = m.get_mut(&self.function)
        {
            *n = n.saturating_sub(1);
        }
    }
}

impl Concurrency {
    /// Counts for an account allowing `limit` invocations at once.
    pub(crate) fn new(limit: usize) -> Arc<Concurrency> {
        Arc::new(Concurrency {
            limit,
            account: AtomicUsize::new(0),
            per_function: Mutex::new(HashMap::new()),
        })
    }

    /// Counts one invocation of `function`, or refuses it as Lambda does.
    pub(crate) fn admit(
        self: &Arc<Self>,
        function: &str,
        reserved: Option<u32>,
    ) -> Result<Inflight, InvokeError> {
        let mut m = self.per_function.lock().unwrap_or_else(|e| e.into_inner());
        let current = m.get(function).copied().unwrap_or(0);
        if reserved.is_some_and(|r| current >= r as usize) {
            return Err(InvokeError::Throttled {
                reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
            });
        }
        if self.account.fetch_add(1, Ordering::SeqCst) >= self.limit {
            self.account.fetch_sub(1, Ordering::SeqCst);
            return Err(InvokeError::Throttled {
                reason: "ConcurrentInvocationLimitExceeded",
            });
        }
        m.insert(function.to_string(), current + 1);
        Ok(Inflight {
            counts: self.clone(),
            function: function.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(r: Result<Inflight, InvokeError>) -> &'static str {
        match r {
            Err(InvokeError::Throttled { reason }) => reason,
            Err(e) => panic!("{e}"),
            Ok(_) => "admitted",
        }
    }

    #[test]
    fn reserved_and_account_limits_throttle_until_a_guard_drops() {
        let c = Concurrency::new(2);
        let a = c.admit("f", Some(1)).unwrap();
        assert_eq!(
            reason(c.admit("f", Some(1))),
            "ReservedFunctionConcurrentInvocationLimitExceeded"
        );
        let _b = c.admit("g", None).unwrap();
        assert_eq!(
            reason(c.admit("h", None)),
            "ConcurrentInvocationLimitExceeded"
        );
        drop(a);
        assert_eq!(reason(c.admit("f", Some(1))), "admitted");
    }
}
