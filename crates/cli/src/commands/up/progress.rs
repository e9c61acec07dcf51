//! Progress for work that takes more than a moment: on a terminal, a
//! spinner line with the elapsed time, redrawn in place and erased when the
//! work ends; when stderr is piped, nothing (the result lines say it all).

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Shown only after this long: quick work does not flicker.
const DELAY: Duration = Duration::from_millis(150);
const FRAMES: [&str; 4] = ["|", "/", "-", "\\"];

/// A running spinner; [`Spinner::finish`] (or drop) erases it.
pub struct Spinner {
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Spinner {
    /// Starts a spinner with this message (a no-op when stderr is no terminal).
    pub fn start(message: String) -> Spinner {
        let done = Arc::new(AtomicBool::new(false));
        let thread = std::io::stderr().is_terminal().then(|| {
            let done = done.clone();
            std::thread::spawn(move || spin(&message, &done))
        });
        Spinner { done, thread }
    }

    /// Stops and erases the spinner.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.stop();
    }
}

fn spin(message: &str, done: &AtomicBool) {
    let started = Instant::now();
    let mut drawn = false;
    let mut frame = 0;
    while !done.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50));
        if started.elapsed() < DELAY {
            continue;
        }
        frame = (frame + 1) % (FRAMES.len() * 2);
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[2K{} {message} ({:.1}s)",
            FRAMES[frame / 2],
            started.elapsed().as_secs_f64()
        );
        let _ = err.flush();
        drawn = true;
    }
    if drawn {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
    }
}
