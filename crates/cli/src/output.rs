//! Terminal output: Apex-style progress lines on stderr, colour only on a
//! terminal and never with NO_COLOR.

use std::io::IsTerminal;

/// Whether stderr gets colour.
pub fn color() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

/// An Apex-style line: `• message        key=value ...`.
pub fn info(message: &str, fields: &[(&str, &str)]) {
    let dot = if color() { "\x1b[34m•\x1b[0m" } else { "•" };
    let fields: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
    eprintln!("{dot} {message:<25} {}", fields.join(" "));
}

/// A warning line.
pub fn warn(message: &str) {
    let mark = if color() { "\x1b[33m!\x1b[0m" } else { "!" };
    eprintln!("{mark} {message}");
}

/// A fatal error line.
pub fn error(message: &str) {
    let mark = if color() { "\x1b[31m⨯\x1b[0m" } else { "⨯" };
    eprintln!("{mark} Error: {message}");
}
