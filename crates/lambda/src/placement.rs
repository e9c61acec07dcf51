//! Which cores a polling runtime and the event loop serving it may use.
//!
//! Why: while the server is lightly loaded, its event loop polls for the
//! runtime's answer and the runtime polls for its next event (see
//! [`crate::RuntimePolling`]), so that neither pays a wake-up. That only
//! works if the two are on different cores. Left alone, the scheduler put
//! them on the same core about half the time at one connection on two
//! cores: the event reaches the runtime by a synchronous wake-up, which
//! places it on the waker's core, and a core that polls never looks idle,
//! so nothing moves it away. The runtime's polling then held the core the
//! loop needed to send its event, until the polling window ran out.
//! Measured (BENCHMARKS.md): 5.7–6.0k req/s as placed by the scheduler,
//! 6.9–7.4k with the two apart.
//!
//! So, only while polling is granted: the loop thread stays on the core it
//! is on ([`pin_current_thread`]), and the runtime's main thread is kept
//! off that core ([`Placement`]). Under load both get the process's own
//! cores back, since fixed placement costs throughput there (about 7 % at
//! 16 connections with the loops pinned). Runtimes always start with the
//! process's own cores, whatever thread spawned them, and as batch work
//! that does not preempt the loops ([`spawn_placed`]).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};

/// The cores this process may use (its main thread's affinity, read once):
/// what unpinned threads and runtimes get, so that a user's `taskset` holds.
fn own_cores() -> Option<&'static rustix::thread::CpuSet> {
    static OWN: OnceLock<Option<rustix::thread::CpuSet>> = OnceLock::new();
    OWN.get_or_init(|| rustix::thread::sched_getaffinity(Some(rustix::process::getpid())).ok())
        .as_ref()
}

/// Keeps the calling thread on the core it is running on; returns that core.
pub fn pin_current_thread() -> Option<usize> {
    let cpu = rustix::thread::sched_getcpu();
    let mut one = rustix::thread::CpuSet::new();
    if cpu >= rustix::thread::CpuSet::MAX_CPU {
        return None;
    }
    one.set(cpu);
    rustix::thread::sched_setaffinity(None, &one).ok()?;
    Some(cpu)
}

/// Gives the calling thread the process's own cores back.
pub fn unpin_current_thread() {
    if let Some(own) = own_cores() {
        let _ = rustix::thread::sched_setaffinity(None, own);
    }
}

/// A child about to run `exec` gets the process's own cores, not those of
/// the (perhaps pinned) loop thread that spawned it, and runs as
/// `SCHED_BATCH` (see [`batch`]).
pub(crate) fn spawn_placed(cmd: &mut tokio::process::Command) {
    let own = own_cores().copied();
    // SAFETY: the closure runs in the forked child before exec and makes
    // async-signal-safe system calls on values copied in beforehand,
    // allocating nothing.
    unsafe {
        cmd.pre_exec(move || {
            if let Some(own) = &own {
                let _ = rustix::thread::sched_setaffinity(None, own);
            }
            batch();
            Ok(())
        });
    }
}

/// The calling thread (and what it execs and spawns) becomes `SCHED_BATCH`:
/// same share of the CPU, but its wake-ups do not preempt a running
/// thread. Why: under load, each event the loop writes wakes a runtime,
/// and the scheduler used to switch to it at once, leaving the loop's
/// other ready work (more events, answers) half done: 0.66–0.75
/// preemptions of the two loops per request at 16 connections. As batch
/// work, the runtime starts when the loop next waits or its slice ends:
/// 0.4–0.55.
/// Unprivileged, and harmless where it fails.
fn batch() {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: a plain system call on the calling thread with a valid
    // parameter; async-signal-safe.
    unsafe {
        libc::sched_setscheduler(0, libc::SCHED_BATCH, &param);
    }
}

/// Where one runtime's main thread may run.
pub(crate) struct Placement {
    /// The runtime's pid; 0 before it starts and once it has been reaped
    /// (a reaped pid may belong to someone else).
    pid: AtomicU32,
    /// The core it is kept off, or [`OWN_CORES`].
    away_from: AtomicI64,
}

/// `away_from` when the runtime has the process's own cores.
const OWN_CORES: i64 = -1;

impl Default for Placement {
    fn default() -> Self {
        Placement {
            pid: AtomicU32::new(0),
            away_from: AtomicI64::new(OWN_CORES),
        }
    }
}

impl Placement {
    /// The runtime started as `pid`.
    pub(crate) fn started(&self, pid: u32) {
        self.pid.store(pid, Ordering::Relaxed);
    }

    /// The runtime was reaped: never touch that pid again. Called on the
    /// same event loop as [`Placement::polling`], right after the wait
    /// returns, so no completion can come in between.
    pub(crate) fn reaped(&self) {
        self.pid.store(0, Ordering::Relaxed);
    }

    /// After a completion, on the thread of the event loop serving the
    /// runtime: while it may poll, it is kept off this thread's core;
    /// otherwise it has the process's own cores. A system call only when
    /// that changes.
    pub(crate) fn polling(&self, polls: bool) {
        let want = if polls {
            rustix::thread::sched_getcpu() as i64
        } else {
            OWN_CORES
        };
        if self.away_from.load(Ordering::Relaxed) == want {
            return;
        }
        let pid = self.pid.load(Ordering::Relaxed);
        let (Some(pid), Some(own)) = (rustix::process::Pid::from_raw(pid as i32), own_cores())
        else {
            return;
        };
        let mut cores = *own;
        if want != OWN_CORES {
            cores.unset(want as usize);
            if cores.count() == 0 {
                return; // the process has one core: nowhere else to go
            }
        }
        if rustix::thread::sched_setaffinity(Some(pid), &cores).is_ok() {
            self.away_from.store(want, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn affinity_of(pid: u32) -> rustix::thread::CpuSet {
        rustix::thread::sched_getaffinity(rustix::process::Pid::from_raw(pid as i32))
            .expect("affinity")
    }

    #[test]
    fn a_polling_runtime_is_kept_off_the_loops_core_and_gets_all_back_after() {
        let own = *own_cores().expect("own cores");
        if own.count() < 2 {
            return; // one core: nothing to keep apart
        }
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .expect("sleep");
        let p = Placement::default();
        p.started(child.id());
        // Pinned, so that the core read by `polling` is the one asserted.
        let here = pin_current_thread().expect("pin");
        p.polling(true);
        let away = affinity_of(child.id());
        assert!(!away.is_set(here), "kept off core {here}");
        assert_eq!(away.count() + 1, own.count());
        p.polling(false);
        assert_eq!(affinity_of(child.id()).count(), own.count());
        unpin_current_thread();
        assert_eq!(affinity_of(0).count(), own.count(), "thread unpinned");
        let _ = child.kill();
        let _ = child.wait();
        p.reaped();
        p.polling(true); // no pid: nothing happens, nothing fails
    }

    #[tokio::test(flavor = "current_thread")]
    async fn runtimes_start_as_batch_work_with_the_process_cores() {
        let here = pin_current_thread().expect("pin");
        let mut cmd = tokio::process::Command::new("sleep");
        cmd.arg("30");
        spawn_placed(&mut cmd);
        let mut child = cmd.spawn().expect("sleep");
        let pid = child.id().expect("pid");
        unpin_current_thread();
        // SAFETY: a plain query of another process's policy.
        let policy = unsafe { libc::sched_getscheduler(pid as i32) };
        assert_eq!(policy, libc::SCHED_BATCH);
        let own = own_cores().expect("own cores");
        assert_eq!(
            affinity_of(pid).count(),
            own.count(),
            "not pinned to {here}"
        );
        let _ = child.kill().await;
    }
}
