//! API Gateway deployments (frozen snapshots) and the stages that point at them.

use crate::{StoreError, Tx};
use rusqlite::{OptionalExtension, params};
use std::collections::BTreeMap;

/// A frozen deployment of a REST API.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// REST API id.
    pub api_id: String,
    /// Deployment id.
    pub deployment_id: String,
    /// Description.
    pub description: String,
    /// Creation time, RFC 3339.
    pub created: String,
    /// The API as it was when the deployment was made (JSON).
    pub snapshot_json: String,
}

/// A stage: a name that serves one deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// REST API id.
    pub api_id: String,
    /// Stage name.
    pub stage_name: String,
    /// The deployment it serves.
    pub deployment_id: String,
    /// Description.
    pub description: String,
    /// Stage variables.
    pub variables: BTreeMap<String, String>,
}

impl Tx<'_> {
    /// Stores a deployment; its snapshot never changes afterwards.
    pub fn put_deployment(&self, d: &Deployment) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO apigw_deployments (api_id, deployment_id, description, created, snapshot_json) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(api_id, deployment_id) DO UPDATE SET description = excluded.description",
            params![d.api_id, d.deployment_id, d.description, d.created, d.snapshot_json],
        )?;
        Ok(())
    }

    /// Deletes a deployment; refused while a stage serves it (AWS's rule).
    pub fn delete_deployment(&self, api_id: &str, deployment_id: &str) -> Result<(), StoreError> {
        let used = self
            .tx
            .query_row(
                "SELECT stage_name FROM apigw_stages WHERE api_id = ?1 AND deployment_id = ?2",
                params![api_id, deployment_id],
                |r| r.get::<_, String>(0),
            )
            .optional()?;
        if let Some(stage) = used {
            return Err(StoreError::Invalid(format!(
                "BadRequestException: Active stages pointing to this deployment must be moved or deleted (stage {stage})"
            )));
        }
        self.tx.execute(
            "DELETE FROM apigw_deployments WHERE api_id = ?1 AND deployment_id = ?2",
            params![api_id, deployment_id],
        )?;
        Ok(())
    }

    /// One deployment.
    pub fn deployment(
        &self,
        api_id: &str,
        deployment_id: &str,
    ) -> Result<Option<Deployment>, StoreError> {
        Ok(self
            .tx
            .query_row(
                "SELECT api_id, deployment_id, description, created, snapshot_json FROM apigw_deployments WHERE api_id = ?1 AND deployment_id = ?2",
                params![api_id, deployment_id],
                |r| Ok(Deployment { api_id: r.get(0)?, deployment_id: r.get(1)?, description: r.get(2)?, created: r.get(3)?, snapshot_json: r.get(4)? }),
            )
            .optional()?)
    }

    /// Creates or updates a stage.
    pub fn put_stage(&self, s: &Stage) -> Result<(), StoreError> {
        let vars =
            serde_json::to_string(&s.variables).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.tx.execute(
            "INSERT OR REPLACE INTO apigw_stages (api_id, stage_name, deployment_id, description, variables_json) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![s.api_id, s.stage_name, s.deployment_id, s.description, vars],
        )?;
        Ok(())
    }

    /// Deletes a stage.
    pub fn delete_stage(&self, api_id: &str, stage_name: &str) -> Result<(), StoreError> {
        self.tx.execute(
            "DELETE FROM apigw_stages WHERE api_id = ?1 AND stage_name = ?2",
            params![api_id, stage_name],
        )?;
        Ok(())
    }

    /// Every stage, by API and name.
    pub fn stages(&self) -> Result<Vec<Stage>, StoreError> {
        let mut st = self.tx.prepare(
            "SELECT api_id, stage_name, deployment_id, description, variables_json FROM apigw_stages ORDER BY api_id, stage_name",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        rows.map(|r| {
            let (api_id, stage_name, deployment_id, description, vars) = r?;
            let variables = serde_json::from_str(&vars)
                .map_err(|e| StoreError::Corrupt(format!("stage variables: {e}")))?;
            Ok(Stage {
                api_id,
                stage_name,
                deployment_id,
                description,
                variables,
            })
        })
        .collect()
    }

    /// One stage.
    pub fn stage(&self, api_id: &str, stage_name: &str) -> Result<Option<Stage>, StoreError> {
        Ok(self
            .stages()?
            .into_iter()
            .find(|s| s.api_id == api_id && s.stage_name == stage_name))
    }
}
