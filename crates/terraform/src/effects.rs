//! The side effects an apply performs on the rest of Portico. The caller
//! implements [`Effects`] over one store transaction, so that an error
//! anywhere rolls everything back; [`MemoryEffects`] is an in-memory
//! implementation for tests.

use portico_model::Statement;
use std::collections::BTreeMap;

/// An error from the store, in AWS's words (`ResourceNotFoundException: ...`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct EffectError {
    /// AWS error code, e.g. `ResourceConflictException`.
    pub code: String,
    /// AWS message.
    pub message: String,
}

impl EffectError {
    /// An error with a code and message.
    pub fn new(code: &str, message: impl Into<String>) -> EffectError {
        EffectError {
            code: code.into(),
            message: message.into(),
        }
    }
}

/// A Lambda function as `aws_lambda_function` configures it.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionSpec {
    /// Function name.
    pub name: String,
    /// Execution role ARN.
    pub role: String,
    /// Handler, e.g. `index.handle`.
    pub handler: String,
    /// Runtime, e.g. `nodejs20.x`.
    pub runtime: String,
    /// The deployment package (zip bytes).
    pub zip: Vec<u8>,
    /// Description.
    pub description: String,
    /// Timeout in seconds.
    pub timeout: u64,
    /// Memory in MB.
    pub memory_size: u64,
    /// Environment variables.
    pub environment: BTreeMap<String, String>,
    /// Publish a new version.
    pub publish: bool,
}

/// What the store reports about a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionInfo {
    /// Unqualified ARN.
    pub arn: String,
    /// Latest published version, or `$LATEST`.
    pub version: String,
    /// Last modification, `2006-01-02T15:04:05.000+0000`.
    pub last_modified: String,
    /// Base64 SHA-256 of the code.
    pub code_sha256: String,
    /// Code size in bytes.
    pub code_size: u64,
}

/// A deployment: the frozen snapshot of an API.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentRecord {
    /// REST API id.
    pub api_id: String,
    /// Deployment id.
    pub deployment_id: String,
    /// Description.
    pub description: String,
    /// RFC 3339 creation time.
    pub created_date: String,
    /// The snapshot (see the crate docs for its format).
    pub snapshot: serde_json::Value,
}

/// A stage pointing at a deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct StageRecord {
    /// REST API id.
    pub api_id: String,
    /// Stage name.
    pub stage_name: String,
    /// The deployment served.
    pub deployment_id: String,
    /// Description.
    pub description: String,
    /// Stage variables.
    pub variables: BTreeMap<String, String>,
}

/// An API key (`aws_api_gateway_api_key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    /// Key id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The value clients send.
    pub value: String,
    /// Whether the key is enabled.
    pub enabled: bool,
    /// Description.
    pub description: String,
    /// RFC 3339 creation time.
    pub created_date: String,
}

/// A usage plan (`aws_api_gateway_usage_plan`): the provider's attributes
/// (`name`, `api_stages`, `quota_settings`, `throttle_settings`, blocks as
/// lists) as JSON, which the data plane reads.
#[derive(Debug, Clone, PartialEq)]
pub struct UsagePlanRecord {
    /// Plan id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The attributes.
    pub plan: serde_json::Value,
}

/// One `aws_api_gateway_method_settings`: its `settings` block as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodSettingsRecord {
    /// REST API id.
    pub api_id: String,
    /// Stage name.
    pub stage_name: String,
    /// `*/*` or `RESOURCE_PATH/METHOD`.
    pub method_path: String,
    /// The settings block.
    pub settings: serde_json::Value,
}

/// Side effects of applying a plan.
pub trait Effects {
    /// Looks a function up by name or ARN; `None` when it does not exist.
    fn get_function(&mut self, name_or_arn: &str) -> Result<Option<FunctionInfo>, EffectError>;
    /// Creates or updates a function from a zip.
    fn put_function(&mut self, f: &FunctionSpec) -> Result<FunctionInfo, EffectError>;
    /// Deletes a function.
    fn delete_function(&mut self, name: &str) -> Result<(), EffectError>;
    /// Adds a resource-policy statement (on a qualifier when given).
    fn add_permission(
        &mut self,
        function: &str,
        qualifier: Option<&str>,
        st: &Statement,
    ) -> Result<(), EffectError>;
    /// Removes a statement by id.
    fn remove_permission(
        &mut self,
        function: &str,
        qualifier: Option<&str>,
        sid: &str,
    ) -> Result<(), EffectError>;
    /// Creates or updates an alias.
    fn put_alias(
        &mut self,
        function: &str,
        name: &str,
        version: &str,
        description: &str,
    ) -> Result<(), EffectError>;
    /// Deletes an alias.
    fn delete_alias(&mut self, function: &str, name: &str) -> Result<(), EffectError>;
    /// Stores a deployment and its snapshot.
    fn put_deployment(&mut self, d: &DeploymentRecord) -> Result<(), EffectError>;
    /// Deletes a deployment.
    fn delete_deployment(&mut self, api_id: &str, deployment_id: &str) -> Result<(), EffectError>;
    /// Creates or updates a stage.
    fn put_stage(&mut self, s: &StageRecord) -> Result<(), EffectError>;
    /// Deletes a stage.
    fn delete_stage(&mut self, api_id: &str, stage_name: &str) -> Result<(), EffectError>;
    /// Creates or updates an API key.
    fn put_api_key(&mut self, k: &ApiKeyRecord) -> Result<(), EffectError>;
    /// Deletes an API key.
    fn delete_api_key(&mut self, id: &str) -> Result<(), EffectError>;
    /// Creates or updates a usage plan.
    fn put_usage_plan(&mut self, p: &UsagePlanRecord) -> Result<(), EffectError>;
    /// Deletes a usage plan.
    fn delete_usage_plan(&mut self, id: &str) -> Result<(), EffectError>;
    /// Attaches an API key to a usage plan.
    fn put_usage_plan_key(&mut self, plan_id: &str, key_id: &str) -> Result<(), EffectError>;
    /// Detaches an API key from a usage plan.
    fn delete_usage_plan_key(&mut self, plan_id: &str, key_id: &str) -> Result<(), EffectError>;
    /// Creates or updates a stage's method settings.
    fn put_method_settings(&mut self, m: &MethodSettingsRecord) -> Result<(), EffectError>;
    /// Deletes a stage's method settings for one path.
    fn delete_method_settings(
        &mut self,
        api_id: &str,
        stage_name: &str,
        method_path: &str,
    ) -> Result<(), EffectError>;
}

/// Everything in memory; records calls in order (tests, dry runs).
#[derive(Debug, Default, Clone)]
pub struct MemoryEffects {
    /// Region and account for ARNs.
    pub scope: portico_model::Scope,
    /// Functions by name.
    pub functions: BTreeMap<String, FunctionInfo>,
    /// Statements by (function name, qualifier).
    pub permissions: BTreeMap<(String, String), Vec<Statement>>,
    /// Aliases: (function, alias) → version.
    pub aliases: BTreeMap<(String, String), String>,
    /// Deployments: (api, id) → record.
    pub deployments: BTreeMap<(String, String), DeploymentRecord>,
    /// Stages: (api, name) → record.
    pub stages: BTreeMap<(String, String), StageRecord>,
    /// API keys by id.
    pub api_keys: BTreeMap<String, ApiKeyRecord>,
    /// Usage plans by id.
    pub usage_plans: BTreeMap<String, UsagePlanRecord>,
    /// (plan id, key id) memberships.
    pub usage_plan_keys: std::collections::BTreeSet<(String, String)>,
    /// Method settings by (api, stage, path).
    pub method_settings: BTreeMap<(String, String, String), MethodSettingsRecord>,
    /// Log of calls, e.g. `put_deployment abc123`.
    pub log: Vec<String>,
}

impl MemoryEffects {
    /// With a function already deployed (as `portico deploy` would have).
    pub fn with_function(mut self, name: &str) -> MemoryEffects {
        let arn = self.scope.function_arn(name);
        self.functions.insert(
            name.into(),
            FunctionInfo {
                arn,
                version: "1".into(),
                last_modified: String::new(),
                code_sha256: String::new(),
                code_size: 0,
            },
        );
        self
    }
}

impl Effects for MemoryEffects {
    fn get_function(&mut self, name_or_arn: &str) -> Result<Option<FunctionInfo>, EffectError> {
        Ok(self
            .functions
            .get(&portico_model::function_name_of(name_or_arn))
            .cloned())
    }
    fn put_function(&mut self, f: &FunctionSpec) -> Result<FunctionInfo, EffectError> {
        self.log.push(format!("put_function {}", f.name));
        let prev = self
            .functions
            .get(&f.name)
            .map(|i| i.version.parse::<u64>().unwrap_or(0))
            .unwrap_or(0);
        let version = if f.publish {
            (prev + 1).to_string()
        } else {
            "$LATEST".into()
        };
        let info = FunctionInfo {
            arn: self.scope.function_arn(&f.name),
            version,
            last_modified: "2024-01-01T00:00:00.000+0000".into(),
            code_sha256: String::new(),
            code_size: f.zip.len() as u64,
        };
        self.functions.insert(f.name.clone(), info.clone());
        Ok(info)
    }
    fn delete_function(&mut self, name: &str) -> Result<(), EffectError> {
        self.log.push(format!("delete_function {name}"));
        self.functions.remove(name);
        Ok(())
    }
    fn add_permission(
        &mut self,
        function: &str,
        qualifier: Option<&str>,
        st: &Statement,
    ) -> Result<(), EffectError> {
        let key = (
            portico_model::function_name_of(function),
            qualifier.unwrap_or("").to_string(),
        );
        let list = self.permissions.entry(key).or_default();
        if list.iter().any(|s| s.sid == st.sid) {
            return Err(EffectError::new(
                "ResourceConflictException",
                format!(
                    "The statement id ({}) provided already exists. Please provide a new statement id, or remove the existing statement.",
                    st.sid
                ),
            ));
        }
        list.push(st.clone());
        self.log
            .push(format!("add_permission {} {}", function, st.sid));
        Ok(())
    }
    fn remove_permission(
        &mut self,
        function: &str,
        qualifier: Option<&str>,
        sid: &str,
    ) -> Result<(), EffectError> {
        self.log.push(format!("remove_permission {function} {sid}"));
        let key = (
            portico_model::function_name_of(function),
            qualifier.unwrap_or("").to_string(),
        );
        if let Some(l) = self.permissions.get_mut(&key) {
            l.retain(|s| s.sid != sid);
        }
        Ok(())
    }
    fn put_alias(
        &mut self,
        function: &str,
        name: &str,
        version: &str,
        _description: &str,
    ) -> Result<(), EffectError> {
        self.log.push(format!("put_alias {function} {name}"));
        self.aliases.insert(
            (portico_model::function_name_of(function), name.into()),
            version.into(),
        );
        Ok(())
    }
    fn delete_alias(&mut self, function: &str, name: &str) -> Result<(), EffectError> {
        self.log.push(format!("delete_alias {function} {name}"));
        self.aliases
            .remove(&(portico_model::function_name_of(function), name.into()));
        Ok(())
    }
    fn put_deployment(&mut self, d: &DeploymentRecord) -> Result<(), EffectError> {
        self.log.push(format!("put_deployment {}", d.deployment_id));
        self.deployments
            .insert((d.api_id.clone(), d.deployment_id.clone()), d.clone());
        Ok(())
    }
    fn delete_deployment(&mut self, api_id: &str, deployment_id: &str) -> Result<(), EffectError> {
        self.log.push(format!("delete_deployment {deployment_id}"));
        self.deployments
            .remove(&(api_id.into(), deployment_id.into()));
        Ok(())
    }
    fn put_stage(&mut self, s: &StageRecord) -> Result<(), EffectError> {
        self.log
            .push(format!("put_stage {} -> {}", s.stage_name, s.deployment_id));
        self.stages
            .insert((s.api_id.clone(), s.stage_name.clone()), s.clone());
        Ok(())
    }
    fn delete_stage(&mut self, api_id: &str, stage_name: &str) -> Result<(), EffectError> {
        self.log.push(format!("delete_stage {stage_name}"));
        self.stages.remove(&(api_id.into(), stage_name.into()));
        Ok(())
    }
    fn put_api_key(&mut self, k: &ApiKeyRecord) -> Result<(), EffectError> {
        if self
            .api_keys
            .values()
            .any(|o| o.value == k.value && o.id != k.id)
        {
            return Err(EffectError::new(
                "ConflictException",
                "API Key value already exists",
            ));
        }
        self.log.push(format!("put_api_key {}", k.id));
        self.api_keys.insert(k.id.clone(), k.clone());
        Ok(())
    }
    fn delete_api_key(&mut self, id: &str) -> Result<(), EffectError> {
        self.log.push(format!("delete_api_key {id}"));
        self.api_keys.remove(id);
        self.usage_plan_keys.retain(|(_, k)| k != id);
        Ok(())
    }
    fn put_usage_plan(&mut self, p: &UsagePlanRecord) -> Result<(), EffectError> {
        self.log.push(format!("put_usage_plan {}", p.id));
        self.usage_plans.insert(p.id.clone(), p.clone());
        Ok(())
    }
    fn delete_usage_plan(&mut self, id: &str) -> Result<(), EffectError> {
        self.log.push(format!("delete_usage_plan {id}"));
        self.usage_plans.remove(id);
        self.usage_plan_keys.retain(|(p, _)| p != id);
        Ok(())
    }
    fn put_usage_plan_key(&mut self, plan_id: &str, key_id: &str) -> Result<(), EffectError> {
        self.log
            .push(format!("put_usage_plan_key {plan_id} {key_id}"));
        self.usage_plan_keys.insert((plan_id.into(), key_id.into()));
        Ok(())
    }
    fn delete_usage_plan_key(&mut self, plan_id: &str, key_id: &str) -> Result<(), EffectError> {
        self.log
            .push(format!("delete_usage_plan_key {plan_id} {key_id}"));
        self.usage_plan_keys
            .remove(&(plan_id.to_string(), key_id.to_string()));
        Ok(())
    }
    fn put_method_settings(&mut self, m: &MethodSettingsRecord) -> Result<(), EffectError> {
        self.log.push(format!(
            "put_method_settings {} {}",
            m.stage_name, m.method_path
        ));
        self.method_settings.insert(
            (
                m.api_id.clone(),
                m.stage_name.clone(),
                m.method_path.clone(),
            ),
            m.clone(),
        );
        Ok(())
    }
    fn delete_method_settings(
        &mut self,
        api_id: &str,
        stage_name: &str,
        method_path: &str,
    ) -> Result<(), EffectError> {
        self.log
            .push(format!("delete_method_settings {stage_name} {method_path}"));
        self.method_settings
            .remove(&(api_id.into(), stage_name.into(), method_path.into()));
        Ok(())
    }
}
