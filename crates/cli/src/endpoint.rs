//! Finding a running server: `--endpoint`, `PORTICO_ENDPOINT`, or the
//! address `portico serve` recorded in the state directory.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// What `serve` records in `.portico/server.json`.
#[derive(Serialize, Deserialize)]
pub struct ServerRecord {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The server's process id.
    pub pid: u32,
}

const FILE: &str = "server.json";

/// Records the server's address.
pub fn record(state_dir: &Path, url: &str) -> std::io::Result<()> {
    let rec = ServerRecord {
        url: url.to_string(),
        pid: std::process::id(),
    };
    let tmp = state_dir.join(format!(".{FILE}.tmp"));
    std::fs::write(&tmp, serde_json::to_vec(&rec).unwrap_or_default())?;
    std::fs::rename(tmp, state_dir.join(FILE))
}

/// Removes the record, if it is ours.
pub fn forget(state_dir: &Path) {
    if let Some(rec) = read(state_dir)
        && rec.pid == std::process::id()
    {
        let _ = std::fs::remove_file(state_dir.join(FILE));
    }
}

fn read(state_dir: &Path) -> Option<ServerRecord> {
    serde_json::from_slice(&std::fs::read(state_dir.join(FILE)).ok()?).ok()
}

/// The URL of a live server: an explicit endpoint, or the recorded one whose
/// process is still alive.
pub fn find(explicit: Option<&str>, state_dir: &Path) -> Option<String> {
    if let Some(e) = explicit {
        return Some(e.trim_end_matches('/').to_string());
    }
    let rec = read(state_dir)?;
    let alive = Path::new(&format!("/proc/{}", rec.pid)).exists() || !Path::new("/proc").exists();
    alive.then_some(rec.url)
}
