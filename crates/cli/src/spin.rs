//! Brief busy-polling on an event loop while the server is lightly loaded.
//!
//! Why: a request through a stage to a function crosses two process
//! boundaries (client → server → runtime → server → client). When the
//! server's loop has nothing else to do it sleeps in `epoll_wait`, and on
//! these machines waking a sleeping thread costs tens of microseconds
//! (context switch, and on a VM the hypervisor's halt and IPI) — more than
//! the gateway's own work on the request. So while the server is lightly
//! loaded (a core is free to spin on), a loop that has just served a
//! request keeps polling its sockets, without sleeping, for up to
//! [`WINDOW`] after its last piece of work; the function's answer and the
//! client's next request then find it awake. Under load it never spins,
//! since the cores are better spent running functions and clients: load
//! is as many requests in flight as cores, or more connections open than
//! cores (many fast requests, as with MOCK integrations, keep few in
//! flight at any instant, but spinning in their gaps took the CPU from the
//! clients: 15 % fewer requests at 16 connections). Measured in BENCHMARKS.md.
//!
//! Go's scheduler spins idle threads for the same reason; this is the
//! narrowest form of it: one task per loop that yields to the runtime, so
//! the loop polls its sockets (`epoll_wait` with no timeout) between yields.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// How long a loop keeps polling after its last piece of work: longer than
/// a warm function's turnaround and a client's, short enough not to matter
/// to a machine that is otherwise idle.
const WINDOW: Duration = Duration::from_micros(200);

/// A yield that took longer than this means other tasks ran in between:
/// the loop did work, so the window starts again.
const WORK_SEEN: Duration = Duration::from_micros(3);

/// Client requests in flight across all loops.
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Client connections open across all loops.
static OPEN: AtomicUsize = AtomicUsize::new(0);

/// Counts one open connection until dropped.
pub struct Open(());

impl Open {
    pub fn new() -> Open {
        OPEN.fetch_add(1, Ordering::Relaxed);
        Open(())
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        OPEN.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Counts one request in flight until dropped.
pub struct InFlight(());

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, Ordering::Relaxed);
    }
}

/// One loop's spinner: started once per loop with [`Spinner::run`], told of
/// each request with [`Spinner::request`].
#[derive(Clone)]
pub struct Spinner {
    wake: Arc<Notify>,
    /// Spin only while fewer requests than this are in flight and no more
    /// connections than this are open (0: never).
    below: usize,
    /// Polls made while spinning, for the tests.
    polls: Arc<AtomicU64>,
}

impl Spinner {
    /// `below`: the number of cores (spinning needs a core of its own);
    /// `PORTICO_SPIN=0` turns spinning off.
    pub fn new(cores: usize) -> Spinner {
        let off = std::env::var("PORTICO_SPIN").is_ok_and(|v| v == "0");
        Spinner {
            wake: Arc::new(Notify::new()),
            below: if off || cores < 2 { 0 } else { cores },
            polls: Arc::default(),
        }
    }

    /// A request starts on this loop: counts it and wakes the spinner.
    pub fn request(&self) -> InFlight {
        IN_FLIGHT.fetch_add(1, Ordering::Relaxed);
        if self.below > 0 {
            self.wake.notify_one();
        }
        InFlight(())
    }

    fn may_spin(&self) -> bool {
        IN_FLIGHT.load(Ordering::Relaxed) < self.below && OPEN.load(Ordering::Relaxed) <= self.below
    }

    /// The spinner task of one loop; runs until the loop's runtime stops.
    pub async fn run(self) {
        if self.below == 0 {
            return;
        }
        loop {
            self.wake.notified().await;
            let mut last_work = Instant::now();
            while self.may_spin() && last_work.elapsed() < WINDOW {
                let before = Instant::now();
                tokio::task::yield_now().await;
                self.polls.fetch_add(1, Ordering::Relaxed);
                if before.elapsed() > WORK_SEEN {
                    last_work = Instant::now();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spins_only_while_requests_in_flight_are_fewer_than_cores() {
        let s = Spinner {
            below: 2,
            ..Spinner::new(2)
        };
        let base = IN_FLIGHT.load(Ordering::Relaxed);
        // Other tests in this binary may hold requests; judge relative to them.
        let _a = s.request();
        assert_eq!(IN_FLIGHT.load(Ordering::Relaxed), base + 1);
        let b = s.request();
        assert_eq!(IN_FLIGHT.load(Ordering::Relaxed), base + 2);
        assert!(!s.may_spin(), "two in flight on two cores: no spinning");
        drop(b);
        assert_eq!(IN_FLIGHT.load(Ordering::Relaxed), base + 1);
    }

    #[test]
    fn more_connections_open_than_cores_means_no_spinning() {
        let s = Spinner {
            below: 2,
            ..Spinner::new(2)
        };
        // Other tests in this binary may hold connections; judge relative to them.
        let base = OPEN.load(Ordering::Relaxed);
        let open: Vec<Open> = (base..3).map(|_| Open::new()).collect();
        assert!(OPEN.load(Ordering::Relaxed) >= 3);
        assert!(!s.may_spin(), "three connections on two cores: no spinning");
        drop(open);
        assert_eq!(OPEN.load(Ordering::Relaxed), base);
    }

    #[test]
    fn one_core_or_switched_off_never_spins() {
        assert_eq!(Spinner::new(1).below, 0);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_request_makes_the_loop_poll_until_a_quiet_window_has_passed() {
        let s = Spinner {
            below: usize::MAX,
            ..Spinner::new(2)
        };
        tokio::spawn(s.clone().run());
        tokio::task::yield_now().await;
        assert_eq!(s.polls.load(Ordering::Relaxed), 0, "no request yet: asleep");
        let _r = s.request();
        // Timers still fire while it spins (it yields between polls).
        tokio::time::sleep(Duration::from_millis(20)).await;
        let after_window = s.polls.load(Ordering::Relaxed);
        assert!(after_window > 0, "it polled after the request");
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(
            s.polls.load(Ordering::Relaxed),
            after_window,
            "quiet for longer than the window: it stopped"
        );
    }
}
