//! Terraform's side effects on Portico's store, all inside one write
//! transaction: an apply that fails anywhere leaves nothing behind.

use portico_model::{FunctionConfig, Scope, Statement, function_name_of};
use portico_store::{
    ApiKeyRow, CodeStore, Deployment, MethodSettingsRow, Stage, StoreError, Tx, UsagePlanRow,
};
use portico_terraform::{
    ApiKeyRecord, DeploymentRecord, EffectError, Effects, FunctionInfo, FunctionSpec,
    MethodSettingsRecord, StageRecord, UsagePlanRecord,
};

/// Effects over one store transaction.
pub struct StoreEffects<'a, 'b> {
    pub tx: &'a Tx<'b>,
    /// The configuration directory relative to the project (`infrastructure`),
    /// so that explanations name files as the user sees them.
    pub config_dir: String,
    pub code: CodeStore,
    pub scope: Scope,
}

fn service(e: StoreError) -> EffectError {
    EffectError::new("ServiceException", e.to_string())
}

impl StoreEffects<'_, '_> {
    fn not_found(&self, name: &str) -> EffectError {
        EffectError::new(
            "ResourceNotFoundException",
            format!("Function not found: {}", self.scope.function_arn(name)),
        )
    }

    fn info(&self, name: &str) -> Result<Option<FunctionInfo>, EffectError> {
        let Some(rec) = self.tx.function(name).map_err(service)? else {
            return Ok(None);
        };
        let version = rec
            .versions
            .last()
            .map(u64::to_string)
            .unwrap_or_else(|| portico_model::LATEST.to_string());
        Ok(Some(FunctionInfo {
            arn: self.scope.function_arn(name),
            version,
            last_modified: rec.latest.last_modified.clone(),
            code_sha256: rec.latest.code_sha256.clone(),
            code_size: rec.latest.code_size,
        }))
    }
}

impl Effects for StoreEffects<'_, '_> {
    fn get_function(&mut self, name_or_arn: &str) -> Result<Option<FunctionInfo>, EffectError> {
        self.info(&function_name_of(name_or_arn))
    }

    fn put_function(&mut self, f: &FunctionSpec) -> Result<FunctionInfo, EffectError> {
        portico_model::validate_function_name(&f.name)
            .map_err(|e| EffectError::new("ValidationException", e.to_string()))?;
        let sha = self.code.put(&f.zip).map_err(service)?;
        let mut cfg = FunctionConfig::new(&f.name, &f.runtime, &f.handler);
        cfg.role = f.role.clone();
        cfg.description = f.description.clone();
        cfg.timeout_s = f.timeout as u32;
        cfg.memory_mb = f.memory_size as u32;
        cfg.environment = f.environment.clone();
        self.tx
            .put_latest(&cfg, &sha, f.zip.len() as u64)
            .map_err(service)?;
        if f.publish {
            self.tx.publish_version(&f.name).map_err(service)?;
        }
        self.info(&f.name)?.ok_or_else(|| self.not_found(&f.name))
    }

    fn delete_function(&mut self, name: &str) -> Result<(), EffectError> {
        match self.tx.delete_function(&function_name_of(name)) {
            Ok(()) | Err(StoreError::FunctionNotFound(_)) => Ok(()),
            Err(e) => Err(service(e)),
        }
    }

    fn add_permission(
        &mut self,
        function: &str,
        qualifier: Option<&str>,
        st: &Statement,
    ) -> Result<(), EffectError> {
        let name = function_name_of(function);
        if !self.tx.function_exists(&name).map_err(service)? {
            return Err(self.not_found(&name));
        }
        if let Some(q) = qualifier {
            self.tx.resolve(&name, Some(q)).map_err(|_| {
                EffectError::new(
                    "ResourceNotFoundException",
                    format!(
                        "Cannot find alias arn: {}",
                        self.scope.qualified_arn(&name, Some(q))
                    ),
                )
            })?;
        }
        match self.tx.add_statement(&name, qualifier, st) {
            Ok(()) => Ok(()),
            Err(e @ StoreError::StatementExists(_)) => {
                Err(EffectError::new("ResourceConflictException", e.to_string()))
            }
            Err(e) => Err(service(e)),
        }
    }

    fn remove_permission(
        &mut self,
        function: &str,
        qualifier: Option<&str>,
        sid: &str,
    ) -> Result<(), EffectError> {
        match self
            .tx
            .remove_statement(&function_name_of(function), qualifier, sid)
        {
            // Already gone (the function was deleted, or by hand): nothing to do.
            Ok(()) | Err(StoreError::StatementNotFound(_)) | Err(StoreError::NoPolicy) => Ok(()),
            Err(e) => Err(service(e)),
        }
    }

    fn put_alias(
        &mut self,
        function: &str,
        name: &str,
        version: &str,
        description: &str,
    ) -> Result<(), EffectError> {
        let f = function_name_of(function);
        self.tx
            .set_alias(&f, name, version, Some(description))
            .map_err(|e| match e {
                StoreError::QualifierNotFound { .. } => EffectError::new(
                    "ResourceNotFoundException",
                    format!(
                        "Function not found: {}",
                        self.scope.qualified_arn(&f, Some(version))
                    ),
                ),
                e => service(e),
            })
    }

    fn delete_alias(&mut self, function: &str, name: &str) -> Result<(), EffectError> {
        self.tx
            .delete_alias(&function_name_of(function), name)
            .map_err(service)
    }

    fn put_deployment(&mut self, d: &DeploymentRecord) -> Result<(), EffectError> {
        self.tx
            .put_deployment(&Deployment {
                api_id: d.api_id.clone(),
                deployment_id: d.deployment_id.clone(),
                description: d.description.clone(),
                created: d.created_date.clone(),
                snapshot_json: with_config_dir(d.snapshot.clone(), &self.config_dir).to_string(),
            })
            .map_err(service)
    }

    fn delete_deployment(&mut self, api_id: &str, deployment_id: &str) -> Result<(), EffectError> {
        self.tx
            .delete_deployment(api_id, deployment_id)
            .map_err(|e| match e {
                StoreError::Invalid(m) => EffectError::new(
                    "BadRequestException",
                    m.trim_start_matches("BadRequestException: ").to_string(),
                ),
                e => service(e),
            })
    }

    fn put_stage(&mut self, s: &StageRecord) -> Result<(), EffectError> {
        self.tx
            .put_stage(&Stage {
                api_id: s.api_id.clone(),
                stage_name: s.stage_name.clone(),
                deployment_id: s.deployment_id.clone(),
                description: s.description.clone(),
                variables: s.variables.clone(),
            })
            .map_err(service)
    }

    fn delete_stage(&mut self, api_id: &str, stage_name: &str) -> Result<(), EffectError> {
        // A stage's method settings go with it (they are stage state).
        self.tx
            .delete_method_settings(api_id, stage_name, None)
            .map_err(service)?;
        self.tx.delete_stage(api_id, stage_name).map_err(service)
    }

    fn put_api_key(&mut self, k: &ApiKeyRecord) -> Result<(), EffectError> {
        self.tx
            .put_api_key(&ApiKeyRow {
                id: k.id.clone(),
                name: k.name.clone(),
                value: k.value.clone(),
                enabled: k.enabled,
                description: k.description.clone(),
                created: k.created_date.clone(),
            })
            .map_err(|e| match e {
                StoreError::Invalid(m) => EffectError::new(
                    "ConflictException",
                    m.trim_start_matches("ConflictException: ").to_string(),
                ),
                e => service(e),
            })
    }

    fn delete_api_key(&mut self, id: &str) -> Result<(), EffectError> {
        self.tx.delete_api_key(id).map_err(service)
    }

    fn put_usage_plan(&mut self, p: &UsagePlanRecord) -> Result<(), EffectError> {
        self.tx
            .put_usage_plan(&UsagePlanRow {
                id: p.id.clone(),
                name: p.name.clone(),
                plan_json: p.plan.to_string(),
                created_ms: portico_store::now_ms(),
            })
            .map_err(service)
    }

    fn delete_usage_plan(&mut self, id: &str) -> Result<(), EffectError> {
        self.tx.delete_usage_plan(id).map_err(service)
    }

    fn put_usage_plan_key(&mut self, plan_id: &str, key_id: &str) -> Result<(), EffectError> {
        self.tx.put_usage_plan_key(plan_id, key_id).map_err(service)
    }

    fn delete_usage_plan_key(&mut self, plan_id: &str, key_id: &str) -> Result<(), EffectError> {
        self.tx
            .delete_usage_plan_key(plan_id, key_id)
            .map_err(service)
    }

    fn put_method_settings(&mut self, m: &MethodSettingsRecord) -> Result<(), EffectError> {
        self.tx
            .put_method_settings(&MethodSettingsRow {
                api_id: m.api_id.clone(),
                stage_name: m.stage_name.clone(),
                method_path: m.method_path.clone(),
                settings_json: m.settings.to_string(),
            })
            .map_err(service)
    }

    fn delete_method_settings(
        &mut self,
        api_id: &str,
        stage_name: &str,
        method_path: &str,
    ) -> Result<(), EffectError> {
        self.tx
            .delete_method_settings(api_id, stage_name, Some(method_path))
            .map_err(service)
    }
}

/// Prefixes every `_source.file` of a snapshot with the configuration directory.
fn with_config_dir(mut v: serde_json::Value, dir: &str) -> serde_json::Value {
    fn walk(v: &mut serde_json::Value, dir: &str) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(serde_json::Value::String(f)) =
                    m.get_mut("_source").and_then(|s| s.get_mut("file"))
                {
                    *f = format!("{dir}/{f}");
                }
                m.values_mut().for_each(|c| walk(c, dir));
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|c| walk(c, dir)),
            _ => {}
        }
    }
    walk(&mut v, dir);
    v
}

#[cfg(test)]
mod tests {
    #[test]
    fn source_files_are_named_from_the_project() {
        let v = serde_json::json!({"methods": [{"_source": {"file": "api.tf", "line": 3}}]});
        let v = super::with_config_dir(v, "infrastructure");
        assert_eq!(v["methods"][0]["_source"]["file"], "infrastructure/api.tf");
    }
}
