//! Everything that can go wrong while reading a project or packaging code.
//! Every variant names the file, function or entry at fault, because these
//! messages go straight to the user's terminal.

use std::path::PathBuf;

/// An error reading an Apex project, running a hook or (un)packing a zip.
#[derive(Debug, thiserror::Error)]
pub enum ApexError {
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// `project.json` (or, with an environment, `project.ENV.json`) is absent.
    #[error("{}: not found{}", path.display(), match env {
        Some(e) => format!(" (with environment '{e}' only this file is read, as in Apex; project.json is not a fallback)"),
        None => " (is this an Apex project directory?)".to_string(),
    })]
    MissingProjectFile {
        /// The file that was looked for.
        path: PathBuf,
        /// The environment that selected it.
        env: Option<String>,
    },
    /// A config file is not valid JSON, has a value of the wrong type, or a
    /// field nobody knows. serde's message carries the line and column.
    #[error("{}: {source}", path.display())]
    Json {
        /// The config file.
        path: PathBuf,
        /// serde's error, with line and column.
        source: serde_json::Error,
    },
    /// A config file parses but breaks a rule (missing name, zero memory…).
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The config file (or function directory) at fault.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The `nameTemplate` uses something Portico does not render.
    #[error("nameTemplate {template:?}: {message}")]
    NameTemplate {
        /// The template text.
        template: String,
        /// What is wrong.
        message: String,
    },
    /// A rendered full name is not a valid Lambda function name.
    #[error("function {function}: {source}")]
    FunctionName {
        /// The short (directory) name.
        function: String,
        /// The model's validation error.
        source: portico_model::ModelError,
    },
    /// No runtime was configured and none could be inferred from the files.
    #[error("function {function}: {message}")]
    Runtime {
        /// The short (directory) name.
        function: String,
        /// Why inference failed.
        message: String,
    },
    /// A function-name pattern is not a valid shell glob.
    #[error("invalid function name pattern {pattern:?}: {message}")]
    Pattern {
        /// The pattern as given.
        pattern: String,
        /// The glob parser's complaint.
        message: String,
    },
    /// No function directory matched the given names (Apex: `no function loaded`).
    #[error("no function loaded: nothing under functions/ matches {}", patterns.join(", "))]
    NoFunctionMatched {
        /// The patterns as given.
        patterns: Vec<String>,
    },
    /// A `-s` flag without `=`.
    #[error("environment variable {0:?} is missing a value (expected KEY=VALUE)")]
    EnvFlag(String),
    /// A hook exited non-zero or could not start; `output` is its stdout+stderr.
    #[error("function {function}: {hook} hook failed ({status}): {command}\n{output}")]
    Hook {
        /// The short (directory) name.
        function: String,
        /// `build`, `deploy` or `clean`.
        hook: &'static str,
        /// The shell command.
        command: String,
        /// Exit status, or why it did not run.
        status: String,
        /// Combined stdout and stderr.
        output: String,
    },
    /// A package (or the files to go into it) is over Lambda's size limit.
    #[error("{what} is {size} bytes; Lambda's limit is {limit} bytes")]
    TooLarge {
        /// What was measured, e.g. `function foo: unzipped code`.
        what: String,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// A directory symlink leads back into one of its own ancestors.
    #[error("{}: symlink loop (points back to {})", link.display(), target.display())]
    SymlinkLoop {
        /// The symlink being followed.
        link: PathBuf,
        /// The ancestor it resolves to.
        target: PathBuf,
    },
    /// A zip entry that would write outside the target directory, or that
    /// the extractor refuses for safety.
    #[error("unsafe zip entry {name:?}: {reason}")]
    UnsafeEntry {
        /// The entry name as stored.
        name: String,
        /// Why it is refused.
        reason: String,
    },
    /// The zip is malformed or the zip library failed.
    #[error("zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// Two functions would produce the same Terraform variable.
    #[error(
        "functions {first:?} and {second:?} both produce the Terraform variable {variable}; rename one of them"
    )]
    TfvarsCollision {
        /// The function whose `_name` variable collides.
        first: String,
        /// The function whose own variable collides.
        second: String,
        /// The variable name.
        variable: String,
    },
}

impl ApexError {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ApexError::Io {
            path: path.into(),
            source,
        }
    }

    /// A rule broken by the file or directory at `path`.
    pub(crate) fn invalid(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        ApexError::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
}
