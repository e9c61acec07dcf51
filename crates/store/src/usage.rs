//! API keys, usage plans and their keys, per-day usage counts, and stage
//! method settings: API Gateway's account-level and stage-level state,
//! which deployments do not freeze.

use crate::{StoreError, Tx};
use rusqlite::params;

/// An API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRow {
    /// Key id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The secret value clients send in `X-API-Key`.
    pub value: String,
    /// Disabled keys are refused.
    pub enabled: bool,
    /// Description.
    pub description: String,
    /// Creation time, RFC 3339.
    pub created: String,
}

/// A usage plan; `plan_json` holds the provider's attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsagePlanRow {
    /// Plan id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `api_stages`, `throttle_settings`, `quota_settings` as JSON.
    pub plan_json: String,
    /// Creation time, ms since the epoch (the initial quota period).
    pub created_ms: i64,
}

/// One stage method setting; `settings_json` holds the provider's block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodSettingsRow {
    /// REST API id.
    pub api_id: String,
    /// Stage name.
    pub stage_name: String,
    /// `*/*` or `RESOURCE_PATH/METHOD`.
    pub method_path: String,
    /// The `settings` block as JSON.
    pub settings_json: String,
}

/// Requests counted for one key in one plan on one UTC day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRow {
    /// Plan id.
    pub plan_id: String,
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Requests.
    pub used: u64,
}

impl Tx<'_> {
    /// Creates or updates an API key. A value another key has is refused.
    pub fn put_api_key(&self, k: &ApiKeyRow) -> Result<(), StoreError> {
        let taken: Option<String> = self
            .tx
            .query_row(
                "SELECT id FROM apigw_api_keys WHERE value = ?1 AND id <> ?2",
                params![k.value, k.id],
                |r| r.get(0),
            )
            .ok();
        if taken.is_some() {
            return Err(StoreError::Invalid(
                "ConflictException: API Key value already exists".into(),
            ));
        }
        self.tx.execute(
            "INSERT INTO apigw_api_keys (id, name, value, enabled, description, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, value = excluded.value, enabled = excluded.enabled, description = excluded.description",
            params![k.id, k.name, k.value, k.enabled, k.description, k.created],
        )?;
        Ok(())
    }

    /// Deletes an API key and its plan memberships.
    pub fn delete_api_key(&self, id: &str) -> Result<(), StoreError> {
        self.tx
            .execute("DELETE FROM apigw_usage_plan_keys WHERE key_id = ?1", [id])?;
        self.tx
            .execute("DELETE FROM apigw_api_keys WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Every API key.
    pub fn api_keys(&self) -> Result<Vec<ApiKeyRow>, StoreError> {
        let mut st = self.tx.prepare(
            "SELECT id, name, value, enabled, description, created FROM apigw_api_keys ORDER BY id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(ApiKeyRow {
                id: r.get(0)?,
                name: r.get(1)?,
                value: r.get(2)?,
                enabled: r.get(3)?,
                description: r.get(4)?,
                created: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Creates or updates a usage plan (its creation time is kept).
    pub fn put_usage_plan(&self, p: &UsagePlanRow) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO apigw_usage_plans (id, name, plan_json, created_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, plan_json = excluded.plan_json",
            params![p.id, p.name, p.plan_json, p.created_ms],
        )?;
        Ok(())
    }

    /// Deletes a usage plan and its key memberships.
    pub fn delete_usage_plan(&self, id: &str) -> Result<(), StoreError> {
        self.tx
            .execute("DELETE FROM apigw_usage_plan_keys WHERE plan_id = ?1", [id])?;
        self.tx
            .execute("DELETE FROM apigw_usage_plans WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Every usage plan.
    pub fn usage_plans(&self) -> Result<Vec<UsagePlanRow>, StoreError> {
        let mut st = self
            .tx
            .prepare("SELECT id, name, plan_json, created_ms FROM apigw_usage_plans ORDER BY id")?;
        let rows = st.query_map([], |r| {
            Ok(UsagePlanRow {
                id: r.get(0)?,
                name: r.get(1)?,
                plan_json: r.get(2)?,
                created_ms: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Attaches a key to a plan.
    pub fn put_usage_plan_key(&self, plan_id: &str, key_id: &str) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT OR IGNORE INTO apigw_usage_plan_keys (plan_id, key_id) VALUES (?1, ?2)",
            params![plan_id, key_id],
        )?;
        Ok(())
    }

    /// Detaches a key from a plan.
    pub fn delete_usage_plan_key(&self, plan_id: &str, key_id: &str) -> Result<(), StoreError> {
        self.tx.execute(
            "DELETE FROM apigw_usage_plan_keys WHERE plan_id = ?1 AND key_id = ?2",
            params![plan_id, key_id],
        )?;
        Ok(())
    }

    /// Every (plan id, key id) membership.
    pub fn usage_plan_keys(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut st = self.tx.prepare(
            "SELECT plan_id, key_id FROM apigw_usage_plan_keys ORDER BY plan_id, key_id",
        )?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Adds `n` requests to a key's count for `day`.
    pub fn add_usage(
        &self,
        key_id: &str,
        plan_id: &str,
        day: &str,
        n: u64,
    ) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO apigw_usage (key_id, plan_id, day, used) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(key_id, plan_id, day) DO UPDATE SET used = used + excluded.used",
            params![key_id, plan_id, day, n as i64],
        )?;
        Ok(())
    }

    /// A key's counts per plan and day, oldest first.
    pub fn usage(&self, key_id: &str) -> Result<Vec<UsageRow>, StoreError> {
        let mut st = self.tx.prepare(
            "SELECT plan_id, day, used FROM apigw_usage WHERE key_id = ?1 ORDER BY day, plan_id",
        )?;
        let rows = st.query_map([key_id], |r| {
            Ok(UsageRow {
                plan_id: r.get(0)?,
                day: r.get(1)?,
                used: r.get::<_, i64>(2)? as u64,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Requests of a key in a plan on the days `from..=to`.
    pub fn usage_between(
        &self,
        key_id: &str,
        plan_id: &str,
        from: &str,
        to: &str,
    ) -> Result<u64, StoreError> {
        let n: i64 = self.tx.query_row(
            "SELECT COALESCE(SUM(used), 0) FROM apigw_usage WHERE key_id = ?1 AND plan_id = ?2 AND day >= ?3 AND day <= ?4",
            params![key_id, plan_id, from, to],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// Creates or replaces one method setting of a stage.
    pub fn put_method_settings(&self, m: &MethodSettingsRow) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT OR REPLACE INTO apigw_method_settings (api_id, stage_name, method_path, settings_json) VALUES (?1, ?2, ?3, ?4)",
            params![m.api_id, m.stage_name, m.method_path, m.settings_json],
        )?;
        Ok(())
    }

    /// Deletes one method setting, or every setting of the stage when
    /// `method_path` is `None` (the stage is gone).
    pub fn delete_method_settings(
        &self,
        api_id: &str,
        stage_name: &str,
        method_path: Option<&str>,
    ) -> Result<(), StoreError> {
        match method_path {
            Some(p) => self.tx.execute(
                "DELETE FROM apigw_method_settings WHERE api_id = ?1 AND stage_name = ?2 AND method_path = ?3",
                params![api_id, stage_name, p],
            )?,
            None => self.tx.execute(
                "DELETE FROM apigw_method_settings WHERE api_id = ?1 AND stage_name = ?2",
                params![api_id, stage_name],
            )?,
        };
        Ok(())
    }

    /// Every method setting, by API, stage and path.
    pub fn method_settings(&self) -> Result<Vec<MethodSettingsRow>, StoreError> {
        let mut st = self.tx.prepare(
            "SELECT api_id, stage_name, method_path, settings_json FROM apigw_method_settings ORDER BY api_id, stage_name, method_path",
        )?;
        let rows = st.query_map([], |r| {
            Ok(MethodSettingsRow {
                api_id: r.get(0)?,
                stage_name: r.get(1)?,
                method_path: r.get(2)?,
                settings_json: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn keys_plans_usage_and_settings_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        let tx = s.write().unwrap();
        let key = |id: &str, value: &str| ApiKeyRow {
            id: id.into(),
            name: "n".into(),
            value: value.into(),
            enabled: true,
            description: String::new(),
            created: "2024-01-01T00:00:00Z".into(),
        };
        tx.put_api_key(&key("k1", "v1")).unwrap();
        assert!(
            tx.put_api_key(&key("k2", "v1")).is_err(),
            "values are unique"
        );
        tx.put_usage_plan(&UsagePlanRow {
            id: "p1".into(),
            name: "basic".into(),
            plan_json: "{}".into(),
            created_ms: 5,
        })
        .unwrap();
        tx.put_usage_plan_key("p1", "k1").unwrap();
        tx.add_usage("k1", "p1", "2024-01-01", 2).unwrap();
        tx.add_usage("k1", "p1", "2024-01-01", 1).unwrap();
        tx.add_usage("k1", "p1", "2024-01-03", 4).unwrap();
        assert_eq!(
            tx.usage_between("k1", "p1", "2024-01-01", "2024-01-02")
                .unwrap(),
            3
        );
        assert_eq!(tx.usage("k1").unwrap().len(), 2);
        tx.put_method_settings(&MethodSettingsRow {
            api_id: "a".into(),
            stage_name: "s".into(),
            method_path: "*/*".into(),
            settings_json: "{}".into(),
        })
        .unwrap();
        assert_eq!(tx.method_settings().unwrap().len(), 1);
        tx.delete_method_settings("a", "s", None).unwrap();
        assert!(tx.method_settings().unwrap().is_empty());
        tx.delete_api_key("k1").unwrap();
        assert!(tx.usage_plan_keys().unwrap().is_empty());
        assert_eq!(tx.usage_plans().unwrap()[0].created_ms, 5);
    }
}
