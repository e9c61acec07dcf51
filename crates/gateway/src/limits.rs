//! The gateway's in-memory state shared by requests: token buckets for
//! throttling, quota counters, and the authorizer result cache.
//!
//! Throttles are token buckets: a bucket holds at most `burst` tokens,
//! refills at `rate` per second, starts full, and a request takes one.
//! Quota counters live in memory, seeded once per period from the usage
//! the [`UsageBackend`] persisted, and every counted request is also handed
//! to the backend; so a restarted server keeps counting where it stopped.

use crate::usage::{Quota, QuotaPeriod, Throttle, UsageBackend, UsagePlan};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use time::{Date, OffsetDateTime};

/// Entries kept before expired ones are swept (bounds memory).
const SWEEP_AT: usize = 10_000;

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Why a quota check refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QuotaExceeded {
    pub used: u64,
    pub allowed: u64,
}

#[derive(Default)]
pub(crate) struct Limits {
    buckets: Mutex<HashMap<String, Bucket>>,
    quotas: Mutex<HashMap<(String, String, Date), u64>>,
}

impl Limits {
    /// Takes a token from bucket `key`; `false` means throttled.
    pub(crate) fn take(&self, key: &str, t: Throttle, now: Instant) -> bool {
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let b = map.entry(key.to_string()).or_insert(Bucket {
            tokens: t.burst,
            last: now,
        });
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * t.rate.max(0.0)).min(t.burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Counts one request of `key_id` against `plan`'s quota, or refuses.
    pub(crate) fn count(
        &self,
        backend: &dyn UsageBackend,
        key_id: &str,
        plan: &UsagePlan,
        now: OffsetDateTime,
    ) -> Result<(), QuotaExceeded> {
        let today = now.date();
        let Some(q) = plan.quota else {
            backend.record(key_id, &plan.id, &day(today));
            return Ok(());
        };
        let start = period_start(today, q.period);
        let allowed = allowed(&q, start, plan.created_ms);
        let mut map = self.quotas.lock().unwrap_or_else(|e| e.into_inner());
        let k = (key_id.to_string(), plan.id.clone(), start);
        let used = match map.get(&k) {
            Some(u) => *u,
            None => backend.used(key_id, &plan.id, &day(start), &day(today)),
        };
        if used >= allowed {
            map.insert(k, used);
            return Err(QuotaExceeded { used, allowed });
        }
        map.insert(k, used + 1);
        drop(map);
        backend.record(key_id, &plan.id, &day(today));
        Ok(())
    }
}

/// Requests allowed in the period starting `start`: the limit, less the
/// offset in the period the plan was created in.
fn allowed(q: &Quota, start: Date, created_ms: i64) -> u64 {
    let created = OffsetDateTime::from_unix_timestamp_nanos(created_ms as i128 * 1_000_000)
        .map(|t| period_start(t.date(), q.period))
        .ok();
    if created == Some(start) {
        q.limit.saturating_sub(q.offset)
    } else {
        q.limit
    }
}

/// UTC day, week (from Monday) or calendar month containing `d`.
pub(crate) fn period_start(d: Date, p: QuotaPeriod) -> Date {
    match p {
        QuotaPeriod::Day => d,
        QuotaPeriod::Week => {
            d - time::Duration::days(i64::from(d.weekday().number_days_from_monday()))
        }
        QuotaPeriod::Month => d.replace_day(1).unwrap_or(d),
    }
}

/// `YYYY-MM-DD`.
pub(crate) fn day(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Authorizer results by `api/stage/authorizer/identity`, each until its
/// TTL runs out.
pub(crate) struct AuthorizerCache<T> {
    map: Mutex<HashMap<String, (Instant, T)>>,
}

impl<T> Default for AuthorizerCache<T> {
    fn default() -> Self {
        AuthorizerCache {
            map: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Clone> AuthorizerCache<T> {
    pub(crate) fn get(&self, key: &str, now: Instant) -> Option<T> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .filter(|(until, _)| *until > now)
            .map(|(_, v)| v.clone())
    }

    pub(crate) fn put(&self, key: String, ttl: Duration, v: T, now: Instant) {
        if ttl.is_zero() {
            return;
        }
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= SWEEP_AT {
            map.retain(|_, (until, _)| *until > now);
        }
        map.insert(key, (now + ttl, v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::NoUsage;
    use time::macros::{date, datetime};

    #[test]
    fn token_bucket_allows_the_burst_then_the_rate() {
        let l = Limits::default();
        let t0 = Instant::now();
        let t = Throttle {
            rate: 2.0,
            burst: 3.0,
        };
        assert!((0..3).all(|_| l.take("k", t, t0)));
        assert!(!l.take("k", t, t0));
        assert!(l.take("k", t, t0 + Duration::from_millis(500)));
        assert!(!l.take("k", t, t0 + Duration::from_millis(500)));
        let zero = Throttle {
            rate: 0.0,
            burst: 0.0,
        };
        assert!(!l.take("z", zero, t0));
    }

    #[test]
    fn periods_and_offsets() {
        assert_eq!(
            period_start(date!(2024 - 05 - 16), QuotaPeriod::Week),
            date!(2024 - 05 - 13)
        );
        assert_eq!(
            period_start(date!(2024 - 05 - 16), QuotaPeriod::Month),
            date!(2024 - 05 - 01)
        );
        assert_eq!(day(date!(2024 - 05 - 06)), "2024-05-06");
        let q = Quota {
            limit: 5,
            offset: 2,
            period: QuotaPeriod::Day,
        };
        let created = datetime!(2024-05-16 10:00 UTC).unix_timestamp() * 1000;
        assert_eq!(allowed(&q, date!(2024 - 05 - 16), created), 3);
        assert_eq!(allowed(&q, date!(2024 - 05 - 17), created), 5);
    }

    #[test]
    fn quota_runs_out() {
        let l = Limits::default();
        let plan = UsagePlan {
            id: "p".into(),
            name: String::new(),
            stages: vec![],
            throttle: None,
            quota: Some(Quota {
                limit: 2,
                offset: 0,
                period: QuotaPeriod::Month,
            }),
            created_ms: 0,
        };
        let now = datetime!(2024-05-16 10:00 UTC);
        assert!(l.count(&NoUsage, "k", &plan, now).is_ok());
        assert!(l.count(&NoUsage, "k", &plan, now).is_ok());
        assert_eq!(
            l.count(&NoUsage, "k", &plan, now),
            Err(QuotaExceeded {
                used: 2,
                allowed: 2
            })
        );
        assert!(
            l.count(&NoUsage, "k", &plan, datetime!(2024-06-01 0:00 UTC))
                .is_ok()
        );
    }
}
