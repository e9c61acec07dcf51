//! Function and API logs on stdout as they arrive, each line prefixed by
//! its source (the function's short name, or the API and stage) and, on a
//! terminal without NO_COLOR, coloured by it. The lines come from the log
//! store, read after the last row seen, as `portico logs -f` does.

use crate::context::Context;
use portico_store::{LogEvent, LogFilter, LogStore, now_ms};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

const POLL: Duration = Duration::from_millis(100);
/// ANSI colours for sources, chosen by the source's name.
const PALETTE: [&str; 6] = ["36", "35", "32", "33", "34", "96"];

/// The running tail; [`Tail::stop`] prints what is left and ends it.
pub struct Tail {
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Tail {
    /// Starts following the logs written from now on.
    pub fn start(ctx: &Context) -> Tail {
        let done = Arc::new(AtomicBool::new(false));
        let state_dir = ctx.state_dir.clone();
        let names: HashMap<String, String> = ctx
            .project
            .as_ref()
            .map(|p| {
                p.functions()
                    .iter()
                    .map(|f| (f.full_name().to_string(), f.short_name().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let project = ctx
            .project
            .as_ref()
            .map(|p| p.name().to_string())
            .unwrap_or_default();
        let color = std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
        let flag = done.clone();
        let thread = std::thread::spawn(move || {
            let Ok(store) = LogStore::open(&state_dir) else {
                return;
            };
            let namer = Namer { names, project };
            let mut filter = LogFilter {
                since_ms: Some(now_ms()),
                ..Default::default()
            };
            loop {
                // Read once more after the stop, for the lines of the last requests.
                let last_round = flag.load(Ordering::SeqCst);
                if let Ok(events) = store.query(&filter) {
                    if let Some(e) = events.last() {
                        filter.after_id = Some(e.id);
                    }
                    print(&events, &namer, color);
                }
                if last_round {
                    return;
                }
                std::thread::sleep(POLL);
            }
        });
        Tail {
            done,
            thread: Some(thread),
        }
    }

    /// Prints the lines not yet printed, then stops.
    pub fn stop(mut self) {
        self.done.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Namer {
    names: HashMap<String, String>,
    project: String,
}

impl Namer {
    /// `github-status`, `api abc123/test`, `access abc123/test`.
    fn source(&self, group: &str) -> String {
        if let Some(full) = group.strip_prefix("/aws/lambda/") {
            if let Some(short) = self.names.get(full) {
                return short.clone();
            }
            let prefix = format!("{}_", self.project);
            return full.strip_prefix(&prefix).unwrap_or(full).to_string();
        }
        if let Some(rest) = group.strip_prefix("API-Gateway-Execution-Logs_") {
            return format!("api {rest}");
        }
        if let Some(rest) = group.strip_prefix("API-Gateway-Access-Logs_") {
            return format!("access {rest}");
        }
        group.to_string()
    }
}

fn print(events: &[LogEvent], namer: &Namer, color: bool) {
    if events.is_empty() {
        return;
    }
    let mut out = std::io::stdout().lock();
    for e in events {
        let source = namer.source(&e.group);
        let prefix = if color {
            let hash = source
                .bytes()
                .fold(0usize, |h, b| h.wrapping_mul(31) + b as usize);
            format!(
                "\x1b[{}m{source:>14} |\x1b[0m",
                PALETTE[hash % PALETTE.len()]
            )
        } else {
            format!("{source:>14} |")
        };
        for line in e.message.trim_end().lines() {
            let _ = writeln!(out, "{prefix} {line}");
        }
    }
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_named_as_the_user_knows_them() {
        let n = Namer {
            names: HashMap::from([("app_hello".to_string(), "hello".to_string())]),
            project: "app".into(),
        };
        assert_eq!(n.source("/aws/lambda/app_hello"), "hello");
        assert_eq!(n.source("/aws/lambda/app_new"), "new");
        assert_eq!(n.source("/aws/lambda/other"), "other");
        assert_eq!(
            n.source("API-Gateway-Execution-Logs_abc123/test"),
            "api abc123/test"
        );
        assert_eq!(
            n.source("API-Gateway-Access-Logs_abc123/test"),
            "access abc123/test"
        );
    }
}
