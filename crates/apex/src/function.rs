//! One function of a project: its directory, its resolved configuration and
//! how it maps onto Portico's [`FunctionConfig`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use portico_model::{FunctionConfig, RuntimeKind};

use crate::raw::{RawFunction, RawHooks, RawProject, read_json};
use crate::{ApexError, runtime};

/// Apex keeps the 25 newest published versions unless told otherwise.
pub const DEFAULT_RETAINED_VERSIONS: u32 = 25;
/// Implicit variable carrying the short (directory) name.
pub const APEX_FUNCTION_NAME: &str = "APEX_FUNCTION_NAME";
/// Implicit variable carrying the full Lambda function name.
pub const LAMBDA_FUNCTION_NAME: &str = "LAMBDA_FUNCTION_NAME";

/// The three hook commands, each already merged project → function.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hooks {
    /// Runs in the function directory before zipping.
    pub build: Option<String>,
    /// Runs after the build, before the Lambda calls.
    pub deploy: Option<String>,
    /// Runs after every function is deployed.
    pub clean: Option<String>,
}

impl Hooks {
    /// Overrides each hook the raw value sets; Go's decoder did the same
    /// when decoding `hooks` into the project's struct.
    fn merge(&mut self, raw: &RawHooks) {
        for (slot, value) in [
            (&mut self.build, &raw.build),
            (&mut self.deploy, &raw.deploy),
            (&mut self.clean, &raw.clean),
        ] {
            if let Some(v) = value {
                *slot = Some(v.clone());
            }
        }
    }
}

/// A loaded function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub(crate) short_name: String,
    pub(crate) full_name: String,
    pub(crate) dir: PathBuf,
    pub(crate) project_dir: PathBuf,
    pub(crate) config_file: Option<PathBuf>,
    pub(crate) runtime: String,
    pub(crate) handler: String,
    pub(crate) memory: u32,
    pub(crate) timeout: u32,
    pub(crate) role: String,
    pub(crate) description: String,
    pub(crate) environment: BTreeMap<String, String>,
    pub(crate) hooks: Hooks,
    pub(crate) retained_versions: u32,
    pub(crate) region: Option<String>,
    pub(crate) zip: Option<PathBuf>,
    pub(crate) reserved_concurrency: Option<u32>,
    pub(crate) ignore_lines: Vec<String>,
}

/// Everything about the project a function needs while loading.
pub(crate) struct Defaults<'a> {
    pub raw: &'a RawProject,
    pub project_dir: &'a Path,
    pub env: Option<&'a str>,
    pub project_ignore: &'a [String],
}

impl Function {
    /// Loads `functions/<short_name>`: the project's defaults, then the
    /// implicit variables, then `function.ENV.json` (else `function.json`).
    pub(crate) fn load(
        short_name: &str,
        full_name: String,
        d: &Defaults<'_>,
    ) -> Result<Function, ApexError> {
        let dir = d.project_dir.join("functions").join(short_name);
        let p = d.raw;
        // Apex copies only these project fields into a function; notably
        // not `description`, which describes the project alone.
        let mut f = Function {
            short_name: short_name.to_string(),
            full_name,
            dir: dir.clone(),
            project_dir: d.project_dir.to_path_buf(),
            config_file: None,
            runtime: p.runtime.clone().unwrap_or_default(),
            handler: p.handler.clone().unwrap_or_default(),
            memory: p.memory.unwrap_or(128),
            timeout: p.timeout.unwrap_or(3),
            role: p.role.clone().unwrap_or_default(),
            description: String::new(),
            environment: p.environment.clone().unwrap_or_default(),
            hooks: Hooks::default(),
            retained_versions: p.retained_versions.unwrap_or(DEFAULT_RETAINED_VERSIONS),
            region: None,
            zip: p.zip.as_ref().map(PathBuf::from),
            reserved_concurrency: p.concurrency,
            ignore_lines: Vec::new(),
        };
        if let Some(h) = &p.hooks {
            f.hooks.merge(h);
        }
        // Apex sets these before decoding function.json, so function.json
        // may override them but project.json may not.
        f.environment
            .insert(APEX_FUNCTION_NAME.into(), f.short_name.clone());
        f.environment
            .insert(LAMBDA_FUNCTION_NAME.into(), f.full_name.clone());

        if let Some(path) = config_file(&dir, d.env) {
            let raw: RawFunction = read_json(&path)?;
            f.apply(&raw);
            f.config_file = Some(path);
        }
        f.finish()?;
        f.ignore_lines = ignore_lines(d.project_ignore, &dir)?;
        Ok(f)
    }

    fn apply(&mut self, raw: &RawFunction) {
        let set = |slot: &mut String, v: &Option<String>| {
            if let Some(v) = v {
                slot.clone_from(v);
            }
        };
        set(&mut self.description, &raw.description);
        set(&mut self.runtime, &raw.runtime);
        set(&mut self.handler, &raw.handler);
        set(&mut self.role, &raw.role);
        self.memory = raw.memory.unwrap_or(self.memory);
        self.timeout = raw.timeout.unwrap_or(self.timeout);
        self.retained_versions = raw.retained_versions.unwrap_or(self.retained_versions);
        if let Some(env) = &raw.environment {
            self.environment
                .extend(env.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        if let Some(h) = &raw.hooks {
            self.hooks.merge(h);
        }
        if raw.region.is_some() {
            self.region.clone_from(&raw.region);
        }
        if let Some(z) = &raw.zip {
            self.zip = Some(PathBuf::from(z));
        }
        if raw.concurrency.is_some() {
            self.reserved_concurrency = raw.concurrency;
        }
    }

    /// Fills the runtime and handler defaults and checks what Apex validated.
    fn finish(&mut self) -> Result<(), ApexError> {
        let at = self.config_file.clone().unwrap_or_else(|| self.dir.clone());
        if self.runtime.is_empty() {
            let inferred = runtime::infer(&self.dir).map_err(|message| ApexError::Runtime {
                function: self.short_name.clone(),
                message,
            })?;
            self.runtime = inferred.to_string();
        } else {
            self.runtime = runtime::normalize(&self.runtime);
        }
        if self.handler.is_empty() {
            let handler = runtime::default_handler(&self.runtime).ok_or_else(|| {
                ApexError::invalid(
                    &at,
                    format!(
                        "no handler set and runtime {} has no default handler",
                        self.runtime
                    ),
                )
            })?;
            self.handler = handler.to_string();
        }
        if self.memory == 0 {
            return Err(ApexError::invalid(&at, "memory must be nonzero"));
        }
        if self.timeout == 0 {
            return Err(ApexError::invalid(&at, "timeout must be nonzero"));
        }
        Ok(())
    }

    /// Sets one environment variable (used for `-E` files and `-s` flags,
    /// which Apex applies after loading, above function.json).
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.environment.insert(key.to_string(), value.to_string());
    }

    /// The configuration Portico creates or updates the function with.
    pub fn config(&self) -> FunctionConfig {
        let mut c = FunctionConfig::new(&self.full_name, &self.runtime, &self.handler);
        c.memory_mb = self.memory;
        c.timeout_s = self.timeout;
        c.role.clone_from(&self.role);
        c.description.clone_from(&self.description);
        c.environment.clone_from(&self.environment);
        c.reserved_concurrency = self.reserved_concurrency;
        c
    }

    /// The directory name, which `apex deploy NAME` matches against.
    pub fn short_name(&self) -> &str {
        &self.short_name
    }
    /// The Lambda function name rendered from `nameTemplate`.
    pub fn full_name(&self) -> &str {
        &self.full_name
    }
    /// `functions/<short name>`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    /// The function config file that was read, if any.
    pub fn config_file(&self) -> Option<&Path> {
        self.config_file.as_deref()
    }
    /// The runtime family, or `None` for runtimes Portico cannot run.
    pub fn runtime_kind(&self) -> Option<RuntimeKind> {
        RuntimeKind::from_runtime(&self.runtime)
    }
    /// The merged hooks.
    pub fn hooks(&self) -> &Hooks {
        &self.hooks
    }
    /// Published versions to keep after a deploy; 0 keeps none but the new one.
    pub fn retained_versions(&self) -> u32 {
        self.retained_versions
    }
    /// The per-function region (`region` in function.json), if set.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    /// The prebuilt zip to deploy instead of building one, resolved against
    /// the project directory (Apex read it relative to its working
    /// directory, which is the project directory).
    pub fn prebuilt_zip(&self) -> Option<PathBuf> {
        self.zip.as_ref().map(|z| self.project_dir.join(z))
    }
    /// The gitignore lines applied when zipping, in order: the defaults,
    /// the project's `.apexignore`, the function's `.apexignore`.
    pub fn ignore_lines(&self) -> &[String] {
        &self.ignore_lines
    }
}

/// `function.ENV.json` if it exists (whole-file fallback, no layering),
/// else `function.json` if it exists.
fn config_file(dir: &Path, env: Option<&str>) -> Option<PathBuf> {
    let env_file = env.map(|e| dir.join(format!("function.{e}.json")));
    env_file
        .into_iter()
        .chain([dir.join("function.json")])
        .find(|p| p.is_file())
}

/// Apex's default ignores are `.apexignore` and `function.json` only, so
/// `function.ENV.json` files do end up in the zip (an Apex quirk Portico
/// keeps, so the code hash matches an Apex deploy).
const DEFAULT_IGNORES: &[&str] = &[".apexignore", "function.json"];

fn ignore_lines(project_ignore: &[String], dir: &Path) -> Result<Vec<String>, ApexError> {
    let mut lines: Vec<String> = DEFAULT_IGNORES.iter().map(|s| s.to_string()).collect();
    lines.extend(project_ignore.iter().cloned());
    lines.extend(read_ignore_file(dir)?);
    Ok(lines)
}

/// The lines of `dir/.apexignore`, or none if it does not exist.
pub(crate) fn read_ignore_file(dir: &Path) -> Result<Vec<String>, ApexError> {
    let path = dir.join(".apexignore");
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(text.lines().map(str::to_string).collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(ApexError::io(path, e)),
    }
}
