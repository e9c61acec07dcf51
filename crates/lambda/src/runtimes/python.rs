//! `python3.*`: Portico's standard-library bootstrap on the machine's `python3`.

use super::{LaunchSpec, Runtime};
use tokio::process::Command;

/// The Python runtime.
pub struct Python;

const BOOTSTRAP: &str = include_str!("../../bootstrap/python/bootstrap.py");

impl Runtime for Python {
    fn command(&self, spec: &LaunchSpec<'_>) -> Result<Command, String> {
        let mut c = Command::new("python3");
        // -u: unbuffered, so that a line printed before the response is not lost.
        c.arg("-u").arg(spec.runtime_dir.join("bootstrap.py"));
        Ok(c)
    }

    fn files(&self) -> &'static [(&'static str, &'static str)] {
        &[("bootstrap.py", BOOTSTRAP)]
    }
}
