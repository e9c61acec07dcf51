//! A whole project: `project.json` (or `project.ENV.json`) and every
//! function directory under `functions/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::GlobBuilder;

use crate::function::{Defaults, read_ignore_file};
use crate::raw::{RawProject, read_json};
use crate::template::{DEFAULT_NAME_TEMPLATE, NameContext, NameTemplate};
use crate::{ApexError, Function};

/// A loaded Apex project.
#[derive(Debug, Clone)]
pub struct Project {
    dir: PathBuf,
    config_file: PathBuf,
    env: Option<String>,
    name: String,
    description: String,
    role: Option<String>,
    region: Option<String>,
    default_environment: Option<String>,
    account_id: Option<String>,
    name_template: NameTemplate,
    functions: Vec<Function>,
}

impl Project {
    /// Loads the project in `dir`. With an environment, only
    /// `project.ENV.json` is read and it must exist (Apex's rule: there is
    /// no fallback to, or layering over, `project.json`).
    pub fn load(dir: &Path, env: Option<&str>) -> Result<Project, ApexError> {
        let env = env.filter(|e| !e.is_empty());
        let file_name = match env {
            Some(e) => format!("project.{e}.json"),
            None => "project.json".to_string(),
        };
        let config_file = dir.join(file_name);
        if !config_file.is_file() {
            return Err(ApexError::MissingProjectFile {
                path: config_file,
                env: env.map(str::to_string),
            });
        }
        let raw: RawProject = read_json(&config_file)?;
        let name = raw.name.clone().filter(|n| !n.is_empty());
        let name = name.ok_or_else(|| ApexError::invalid(&config_file, "\"name\" is required"))?;
        if raw.memory == Some(0) {
            return Err(ApexError::invalid(&config_file, "memory must be nonzero"));
        }
        if raw.timeout == Some(0) {
            return Err(ApexError::invalid(&config_file, "timeout must be nonzero"));
        }
        let template_text = raw
            .name_template
            .as_deref()
            .filter(|t| !t.is_empty())
            .unwrap_or(DEFAULT_NAME_TEMPLATE);
        let name_template = NameTemplate::parse(template_text)?;
        let description = raw.description.clone().unwrap_or_default();
        let project_ignore = read_ignore_file(dir)?;

        let defaults = Defaults {
            raw: &raw,
            project_dir: dir,
            env,
            project_ignore: &project_ignore,
        };
        let mut functions = Vec::new();
        for short in function_dirs(dir)? {
            let full = name_template.render(&NameContext {
                project_name: &name,
                project_description: &description,
                environment: env.unwrap_or(""),
                function_name: &short,
            });
            portico_model::validate_function_name(&full).map_err(|source| {
                ApexError::FunctionName {
                    function: short.clone(),
                    source,
                }
            })?;
            // A template without .Function.Name would deploy every function
            // over the same Lambda function, one after the other.
            if let Some(other) = functions.iter().find(|f: &&Function| f.full_name() == full) {
                return Err(ApexError::invalid(
                    &config_file,
                    format!(
                        "functions {:?} and {short:?} both get the name {full:?} from nameTemplate {:?}",
                        other.short_name(),
                        name_template.source()
                    ),
                ));
            }
            functions.push(Function::load(&short, full, &defaults)?);
        }

        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        if let Some(id) = nonempty(&raw.account_id)
            && (id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(ApexError::invalid(
                &config_file,
                format!("accountId {id:?} must be 12 digits"),
            ));
        }
        Ok(Project {
            dir: dir.to_path_buf(),
            config_file,
            env: env.map(str::to_string),
            name,
            description,
            role: nonempty(&raw.role),
            region: nonempty(&raw.region),
            default_environment: nonempty(&raw.default_environment),
            account_id: nonempty(&raw.account_id),
            name_template,
            functions,
        })
    }

    /// The functions whose directory names match any of the shell globs
    /// (all of them when `patterns` is empty), in directory order.
    pub fn select(&self, patterns: &[String]) -> Result<Vec<&Function>, ApexError> {
        let matchers = patterns
            .iter()
            .map(|p| {
                GlobBuilder::new(p)
                    .literal_separator(true)
                    .backslash_escape(true)
                    .build()
                    .map(|g| g.compile_matcher())
                    .map_err(|e| ApexError::Pattern {
                        pattern: p.clone(),
                        message: e.kind().to_string(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let chosen: Vec<&Function> = self
            .functions
            .iter()
            .filter(|f| matchers.is_empty() || matchers.iter().any(|m| m.is_match(f.short_name())))
            .collect();
        if chosen.is_empty() {
            return Err(ApexError::NoFunctionMatched {
                patterns: if patterns.is_empty() {
                    vec!["(any function)".into()]
                } else {
                    patterns.to_vec()
                },
            });
        }
        Ok(chosen)
    }

    /// Applies `-E file.json` variables, then `-s K=V` flags, to every
    /// function: both rank above function.json, and `-s` above `-E`.
    pub fn apply_env_overrides(
        &mut self,
        env_file: &BTreeMap<String, String>,
        set: &BTreeMap<String, String>,
    ) {
        for f in &mut self.functions {
            for (k, v) in env_file.iter().chain(set.iter()) {
                f.set_env(k, v);
            }
        }
    }

    /// The project directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    /// `project.json` or `project.ENV.json`, whichever was read.
    pub fn config_file(&self) -> &Path {
        &self.config_file
    }
    /// The environment given to [`Project::load`], if any.
    pub fn env(&self) -> Option<&str> {
        self.env.as_deref()
    }
    /// The project name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The project description.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// The project-level role, if set (Apex would then ask Terraform for
    /// `lambda_function_role_id`; that lookup is the caller's business).
    pub fn role(&self) -> Option<&str> {
        self.role.as_deref()
    }
    /// The project's `region`, if set.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }
    /// `defaultEnvironment`: picks `infrastructure/ENV` when no env is given.
    pub fn default_environment(&self) -> Option<&str> {
        self.default_environment.as_deref()
    }
    /// The environment whose `infrastructure/` directory `infra` uses:
    /// the `--env`, else `defaultEnvironment`.
    pub fn infra_environment(&self) -> Option<&str> {
        self.env().or(self.default_environment())
    }
    /// Portico's `accountId` extension, if set.
    pub fn account_id(&self) -> Option<&str> {
        self.account_id.as_deref()
    }
    /// The `nameTemplate` in force.
    pub fn name_template(&self) -> &str {
        self.name_template.source()
    }
    /// Every function, sorted by directory name.
    pub fn functions(&self) -> &[Function] {
        &self.functions
    }
    /// Mutable access, e.g. to set variables on one function.
    pub fn functions_mut(&mut self) -> &mut [Function] {
        &mut self.functions
    }
}

/// The directories under `functions/`, sorted by name as Go's
/// `ioutil.ReadDir` did. Like Apex, a symlink is not a function directory.
/// Hidden directories (`.git`, `.cache`) are skipped: Apex would have
/// tried to deploy them.
fn function_dirs(dir: &Path) -> Result<Vec<String>, ApexError> {
    let functions = dir.join("functions");
    // A project may describe only infrastructure: no functions/ means no functions.
    if !functions.exists() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(&functions).map_err(|e| ApexError::io(&functions, e))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| ApexError::io(&functions, e))?;
        let kind = entry
            .file_type()
            .map_err(|e| ApexError::io(entry.path(), e))?;
        if !kind.is_dir() {
            continue;
        }
        let name = entry.file_name().into_string().map_err(|n| {
            ApexError::invalid(functions.join(&n), "function directory name is not UTF-8")
        })?;
        if !name.starts_with('.') {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}
