//! Brief busy-polling on an event loop while the server is lightly loaded.
//!
//! Why: a request through a stage to a function crosses two process
//! boundaries (client → server → runtime → server → client). When the
//! server's loop has nothing else to do it sleeps in `epoll_wait`, and on
//! these machines waking a sleeping thread costs tens of microseconds
//! (context switch, and on a VM the hypervisor's halt and IPI) — more than
//! the gateway's own work on the request. So while the server is lightly
//! loaded (a core is free to spin on), a loop keeps polling its sockets,
//! without sleeping, until [`WINDOW`] has passed since a request last
//! started or ended on it; the function's answer and the client's next
//! request then find it awake. Under load it never spins,
//! since the cores are better spent running functions and clients: load
//! is as many requests in flight as cores, or more connections open than
//! cores (many fast requests, as with MOCK integrations, keep few in
//! flight at any instant, but spinning in their gaps took the CPU from the
//! clients: 15 % fewer requests at 16 connections). Measured in BENCHMARKS.md.
//!
//! At the lightest load (two cores for each client) the function's runtime
//! polls for its next event too ([`Load::runtime_polling`]); the loop then
//! stays on its core and the runtime is kept off it, so that the two
//! pollers never share a core (`portico_lambda::placement`).
//!
//! Go's scheduler spins idle threads for the same reason; this is the
//! narrowest form of it: one task per loop that yields to the runtime, so
//! the loop polls its sockets (`epoll_wait` with no timeout) between yields.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// How long a loop keeps polling after a request started or ended on it:
/// longer than a warm function's turnaround and a client's, short enough
/// not to matter to a machine that is otherwise idle.
///
/// Why request events and not "the loop did some work": the first version
/// restarted the window whenever a yield took long (other tasks had run),
/// but on a slow or loaded machine every yield takes long, and the loop then
/// never stopped polling.
const WINDOW: Duration = Duration::from_micros(200);

/// When a request last started or ended on one loop, and the wake-up of
/// its spinner.
struct LastRequest {
    since: Instant,
    at_ns: AtomicU64,
    wake: Notify,
}

impl LastRequest {
    /// A request started or ended: the window starts again, and a spinner
    /// waiting for that is woken.
    fn mark(&self) {
        self.at_ns
            .store(self.since.elapsed().as_nanos() as u64, Ordering::Relaxed);
        self.wake.notify_one();
    }

    fn quiet_for(&self) -> Duration {
        self.since
            .elapsed()
            .saturating_sub(Duration::from_nanos(self.at_ns.load(Ordering::Relaxed)))
    }
}

/// The machine's cores.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `PORTICO_SPIN=0`: neither the loops nor the runtimes poll.
fn spin_off() -> bool {
    std::env::var("PORTICO_SPIN").is_ok_and(|v| v == "0")
}

/// What the server carries right now: open connections per event loop
/// (the acceptor picks the least busy loop from them) and requests in
/// flight. One instance, shared by the acceptor and every loop.
pub struct Load {
    open: Box<[AtomicUsize]>,
    in_flight: AtomicUsize,
}

impl Load {
    /// The load of a server with `loops` event loops.
    pub fn new(loops: usize) -> Arc<Load> {
        Arc::new(Load {
            open: (0..loops.max(1)).map(|_| AtomicUsize::new(0)).collect(),
            in_flight: AtomicUsize::new(0),
        })
    }

    /// The number of event loops.
    pub fn loops(&self) -> usize {
        self.open.len()
    }

    /// Whether a function's runtime may poll for its next event instead of
    /// sleeping (see `portico_lambda::RuntimePolling`): while every
    /// connection can have a core for its loop to poll on and one for its
    /// function, so two cores per open connection and per request in
    /// flight. On two cores that is one client at a time, the case where
    /// every step of a request waits on a wake-up; the server's loops poll
    /// in a wider band, since they cost no core beyond their own.
    pub fn runtimes_may_poll(&self, cores: usize) -> bool {
        let busy = self
            .open_total()
            .max(self.in_flight.load(Ordering::Relaxed));
        busy >= 1 && busy * 2 <= cores
    }

    /// [`Load::runtimes_may_poll`] as the engine's gate (never with
    /// `PORTICO_SPIN=0`).
    pub fn runtime_polling(self: &Arc<Self>) -> portico_lambda::RuntimePolling {
        if spin_off() {
            return portico_lambda::RuntimePolling::default();
        }
        let load = self.clone();
        let cores = cores();
        portico_lambda::RuntimePolling::new(move || load.runtimes_may_poll(cores))
    }

    /// Open connections on each loop, in loop order.
    pub fn open_per_loop(&self) -> impl Iterator<Item = usize> + '_ {
        self.open.iter().map(|n| n.load(Ordering::Relaxed))
    }

    /// Counts a connection open on loop `index` until the guard is dropped
    /// (even if its task is aborted).
    pub fn open(self: &Arc<Self>, index: usize) -> Open {
        let index = index.min(self.open.len() - 1);
        self.open[index].fetch_add(1, Ordering::Relaxed);
        Open {
            load: self.clone(),
            index,
        }
    }

    fn open_total(&self) -> usize {
        self.open_per_loop().sum()
    }
}

/// One open connection, counted until dropped.
pub struct Open {
    load: Arc<Load>,
    index: usize,
}

impl Drop for Open {
    fn drop(&mut self) {
        self.load.open[self.index].fetch_sub(1, Ordering::Relaxed);
    }
}

/// One request in flight, counted until dropped; its end restarts the
/// loop's polling window.
pub struct InFlight {
    load: Arc<Load>,
    last: Arc<LastRequest>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.load.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.last.mark();
    }
}

/// One loop's spinner: started once per loop with [`Spinner::run`], told of
/// each request with [`Spinner::request`].
#[derive(Clone)]
pub struct Spinner {
    load: Arc<Load>,
    last: Arc<LastRequest>,
    /// Spin only while fewer requests than this are in flight and no more
    /// connections than this are open (0: never).
    below: usize,
    /// Polls made while spinning, for the tests.
    polls: Arc<AtomicU64>,
}

impl Spinner {
    /// `below`: the number of cores (spinning needs a core of its own);
    /// `PORTICO_SPIN=0` turns spinning off.
    pub fn new(load: Arc<Load>, cores: usize) -> Spinner {
        let off = spin_off();
        Spinner {
            load,
            last: Arc::new(LastRequest {
                since: Instant::now(),
                at_ns: AtomicU64::new(0),
                wake: Notify::new(),
            }),
            below: if off || cores < 2 { 0 } else { cores },
            polls: Arc::default(),
        }
    }

    /// A request starts on this loop: counts it and wakes the spinner (as
    /// its end will).
    pub fn request(&self) -> InFlight {
        self.load.in_flight.fetch_add(1, Ordering::Relaxed);
        self.last.mark();
        InFlight {
            load: self.load.clone(),
            last: self.last.clone(),
        }
    }

    fn may_spin(&self) -> bool {
        self.load.in_flight.load(Ordering::Relaxed) < self.below
            && self.load.open_total() <= self.below
    }

    /// The spinner task of one loop; runs until the loop's runtime stops.
    pub async fn run(self) {
        if self.below == 0 {
            return;
        }
        let mut pinned = false;
        loop {
            self.last.wake.notified().await;
            // While runtimes poll, this loop stays on its core and they are
            // kept off it (portico_lambda::placement); under load it moves
            // freely again.
            let light = self.load.runtimes_may_poll(self.below);
            if light != pinned {
                if light {
                    pinned = portico_lambda::placement::pin_current_thread().is_some();
                } else {
                    portico_lambda::placement::unpin_current_thread();
                    pinned = false;
                }
            }
            while self.may_spin() && self.last.quiet_for() < WINDOW {
                tokio::task::yield_now().await;
                self.polls.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spinner(below: usize) -> Spinner {
        Spinner {
            below,
            ..Spinner::new(Load::new(2), 2)
        }
    }

    #[test]
    fn spins_only_while_requests_in_flight_are_fewer_than_cores() {
        let s = spinner(2);
        let in_flight = || s.load.in_flight.load(Ordering::Relaxed);
        let _a = s.request();
        assert_eq!(in_flight(), 1);
        let b = s.request();
        assert_eq!(in_flight(), 2);
        assert!(!s.may_spin(), "two in flight on two cores: no spinning");
        drop(b);
        assert_eq!(in_flight(), 1);
    }

    #[test]
    fn more_connections_open_than_cores_means_no_spinning() {
        let s = spinner(2);
        let open: Vec<Open> = (0..3).map(|i| s.load.open(i % 2)).collect();
        assert_eq!(s.load.open_per_loop().collect::<Vec<_>>(), [2, 1]);
        assert!(!s.may_spin(), "three connections on two cores: no spinning");
        drop(open);
        assert_eq!(s.load.open_total(), 0);
    }

    #[test]
    fn runtimes_poll_while_each_client_can_have_two_cores() {
        let s = spinner(2);
        assert!(
            !s.load.runtimes_may_poll(2),
            "nothing open: nothing to poll for"
        );
        let one = s.load.open(0);
        let r = s.request();
        assert!(s.load.runtimes_may_poll(2), "one client on two cores");
        assert!(!s.load.runtimes_may_poll(1), "one core: never");
        let two = s.load.open(1);
        assert!(!s.load.runtimes_may_poll(2), "two clients on two cores");
        assert!(s.load.runtimes_may_poll(4), "two clients on four cores");
        let r2 = s.request();
        let r3 = s.request();
        drop(two);
        assert!(
            !s.load.runtimes_may_poll(4),
            "three in flight on four cores"
        );
        drop((r, r2, r3, one));
    }

    #[test]
    fn one_core_or_switched_off_never_spins() {
        assert_eq!(Spinner::new(Load::new(1), 1).below, 0);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_request_makes_the_loop_poll_until_a_quiet_window_has_passed() {
        let s = spinner(usize::MAX);
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
