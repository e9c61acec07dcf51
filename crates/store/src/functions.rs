//! Functions, versions and aliases.

use crate::{StoreError, Tx, aws_timestamp};
use portico_model::{Alias, FunctionConfig, FunctionVersion, LATEST, Qualifier};
use rusqlite::{OptionalExtension, params};

/// A function with its `$LATEST` and bookkeeping.
#[derive(Debug, Clone)]
pub struct FunctionRecord {
    /// `$LATEST`.
    pub latest: FunctionVersion,
    /// Published version numbers, ascending.
    pub versions: Vec<u64>,
    /// Aliases, by name.
    pub aliases: Vec<Alias>,
}

/// What a deploy did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployOutcome {
    /// The function did not exist before.
    pub created: bool,
    /// The configuration differed from the last published version.
    pub config_changed: bool,
    /// The code differed from the last published version.
    pub code_changed: bool,
    /// The version the alias now points at (new or existing).
    pub version: String,
    /// Whether a new version was published.
    pub published: bool,
    /// Versions deleted because they exceeded `retainedVersions`.
    pub pruned: Vec<String>,
}

fn read_version(
    row: &rusqlite::Row<'_>,
) -> rusqlite::Result<(String, String, String, i64, String, String)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ))
}

fn to_version(
    (version, config_json, code_sha256, code_size, last_modified, revision_id): (
        String,
        String,
        String,
        i64,
        String,
        String,
    ),
) -> Result<FunctionVersion, StoreError> {
    let config: FunctionConfig = serde_json::from_str(&config_json)
        .map_err(|e| StoreError::Corrupt(format!("config of version {version}: {e}")))?;
    Ok(FunctionVersion {
        version,
        config,
        code_sha256,
        code_size: code_size.max(0) as u64,
        last_modified,
        revision_id,
    })
}

const VERSION_COLS: &str =
    "version, config_json, code_sha256, code_size, last_modified, revision_id";

impl Tx<'_> {
    /// One version of a function (`$LATEST` or a number), if it exists.
    pub fn version(
        &self,
        function: &str,
        version: &str,
    ) -> Result<Option<FunctionVersion>, StoreError> {
        let row = self
            .tx
            .query_row(
                &format!(
                    "SELECT {VERSION_COLS} FROM versions WHERE function = ?1 AND version = ?2"
                ),
                params![function, version],
                read_version,
            )
            .optional()?;
        row.map(to_version).transpose()
    }

    /// Whether a function exists.
    pub fn function_exists(&self, function: &str) -> Result<bool, StoreError> {
        Ok(self
            .tx
            .query_row(
                "SELECT 1 FROM functions WHERE name = ?1",
                [function],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Resolves `NAME[:QUALIFIER]` to the version that runs: an alias is
    /// followed to its version; no qualifier means `$LATEST`.
    pub fn resolve(
        &self,
        function: &str,
        qualifier: Option<&str>,
    ) -> Result<FunctionVersion, StoreError> {
        if !self.function_exists(function)? {
            return Err(StoreError::FunctionNotFound(function.to_string()));
        }
        let missing = || StoreError::QualifierNotFound {
            function: function.to_string(),
            qualifier: qualifier.unwrap_or(LATEST).to_string(),
        };
        let version = match qualifier.map(Qualifier::parse) {
            None | Some(Qualifier::Latest) => LATEST.to_string(),
            Some(Qualifier::Version(n)) => n.to_string(),
            Some(Qualifier::Alias(a)) => {
                self.alias(function, &a)?
                    .ok_or_else(missing)?
                    .function_version
            }
        };
        self.version(function, &version)?.ok_or_else(missing)
    }

    /// An alias, if it exists.
    pub fn alias(&self, function: &str, name: &str) -> Result<Option<Alias>, StoreError> {
        Ok(self
            .tx
            .query_row(
                "SELECT name, version, description, revision_id FROM aliases WHERE function = ?1 AND name = ?2",
                params![function, name],
                |r| Ok(Alias { name: r.get(0)?, function_version: r.get(1)?, description: r.get(2)?, revision_id: r.get(3)? }),
            )
            .optional()?)
    }

    /// All aliases of a function, by name.
    pub fn aliases(&self, function: &str) -> Result<Vec<Alias>, StoreError> {
        let mut st = self
            .tx
            .prepare("SELECT name, version, description, revision_id FROM aliases WHERE function = ?1 ORDER BY name")?;
        let rows = st.query_map([function], |r| {
            Ok(Alias {
                name: r.get(0)?,
                function_version: r.get(1)?,
                description: r.get(2)?,
                revision_id: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Published version numbers, ascending.
    pub fn published_versions(&self, function: &str) -> Result<Vec<u64>, StoreError> {
        let mut st = self
            .tx
            .prepare("SELECT version FROM versions WHERE function = ?1 AND version != '$LATEST'")?;
        let mut v: Vec<u64> = st
            .query_map([function], |r| r.get::<_, String>(0))?
            .filter_map(|r| r.ok()?.parse().ok())
            .collect();
        v.sort_unstable();
        Ok(v)
    }

    /// A function with its versions and aliases.
    pub fn function(&self, name: &str) -> Result<Option<FunctionRecord>, StoreError> {
        let Some(latest) = self.version(name, LATEST)? else {
            return Ok(None);
        };
        Ok(Some(FunctionRecord {
            latest,
            versions: self.published_versions(name)?,
            aliases: self.aliases(name)?,
        }))
    }

    /// Every function, by name.
    pub fn functions(&self) -> Result<Vec<FunctionRecord>, StoreError> {
        let mut st = self
            .tx
            .prepare("SELECT name FROM functions ORDER BY name")?;
        let names: Vec<String> = st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        names
            .iter()
            .filter_map(|n| self.function(n).transpose())
            .collect()
    }

    /// Creates the function if needed and sets `$LATEST` to this code and
    /// configuration. Returns whether the function was created.
    pub fn put_latest(
        &self,
        config: &FunctionConfig,
        code_sha256: &str,
        code_size: u64,
    ) -> Result<bool, StoreError> {
        let created = !self.function_exists(&config.name)?;
        if created {
            self.tx.execute(
                "INSERT INTO functions (name, created) VALUES (?1, ?2)",
                params![config.name, aws_timestamp()],
            )?;
        }
        let json = serde_json::to_string(config).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.tx.execute(
            &format!("INSERT OR REPLACE INTO versions ({VERSION_COLS}, function) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
            params![LATEST, json, code_sha256, code_size as i64, aws_timestamp(), new_revision(), config.name],
        )?;
        Ok(created)
    }

    /// PublishVersion: snapshots `$LATEST` as the next number, unless it is
    /// identical to the newest published version, which is then returned
    /// (AWS publishes nothing when nothing changed). Returns (version, published).
    pub fn publish_version(&self, function: &str) -> Result<(String, bool), StoreError> {
        let latest = self
            .version(function, LATEST)?
            .ok_or_else(|| StoreError::FunctionNotFound(function.to_string()))?;
        if let Some(&newest) = self.published_versions(function)?.last()
            && let Some(v) = self.version(function, &newest.to_string())?
            && v.config == latest.config
            && v.code_sha256 == latest.code_sha256
        {
            return Ok((v.version, false));
        }
        let n: i64 = self.tx.query_row(
            "SELECT next_version FROM functions WHERE name = ?1",
            [function],
            |r| r.get(0),
        )?;
        self.tx.execute(
            "UPDATE functions SET next_version = ?1 WHERE name = ?2",
            params![n + 1, function],
        )?;
        let json = serde_json::to_string(&latest.config)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.tx.execute(
            &format!("INSERT INTO versions ({VERSION_COLS}, function) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
            params![n.to_string(), json, latest.code_sha256, latest.code_size as i64, aws_timestamp(), new_revision(), function],
        )?;
        Ok((n.to_string(), true))
    }

    /// Creates or moves an alias.
    pub fn set_alias(
        &self,
        function: &str,
        alias: &str,
        version: &str,
        description: Option<&str>,
    ) -> Result<(), StoreError> {
        if self.version(function, version)?.is_none() {
            return Err(StoreError::QualifierNotFound {
                function: function.to_string(),
                qualifier: version.to_string(),
            });
        }
        let desc = match description {
            Some(d) => d.to_string(),
            None => self
                .alias(function, alias)?
                .map(|a| a.description)
                .unwrap_or_default(),
        };
        self.tx.execute(
            "INSERT OR REPLACE INTO aliases (function, name, version, description, revision_id) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![function, alias, version, desc, new_revision()],
        )?;
        Ok(())
    }

    /// Deletes an alias; a missing alias is not an error (AWS answers 204).
    pub fn delete_alias(&self, function: &str, alias: &str) -> Result<(), StoreError> {
        self.tx.execute(
            "DELETE FROM aliases WHERE function = ?1 AND name = ?2",
            params![function, alias],
        )?;
        self.tx.execute(
            "DELETE FROM policy_statements WHERE function = ?1 AND qualifier = ?2",
            params![function, alias],
        )?;
        Ok(())
    }

    /// Deletes one published version; refused while an alias points at it.
    pub fn delete_version(&self, function: &str, version: &str) -> Result<(), StoreError> {
        if version == LATEST {
            return Err(StoreError::Invalid(
                "$LATEST version cannot be deleted without deleting the function.".into(),
            ));
        }
        if let Some(a) = self
            .aliases(function)?
            .into_iter()
            .find(|a| a.function_version == version)
        {
            return Err(StoreError::Invalid(format!(
                "Unable to delete version because the following aliases reference it: [{}]",
                a.name
            )));
        }
        self.tx.execute(
            "DELETE FROM versions WHERE function = ?1 AND version = ?2",
            params![function, version],
        )?;
        self.tx.execute(
            "DELETE FROM policy_statements WHERE function = ?1 AND qualifier = ?2",
            params![function, version],
        )?;
        Ok(())
    }

    /// Deletes a function with all its versions, aliases and policies.
    pub fn delete_function(&self, function: &str) -> Result<(), StoreError> {
        let n = self
            .tx
            .execute("DELETE FROM functions WHERE name = ?1", [function])?;
        if n == 0 {
            return Err(StoreError::FunctionNotFound(function.to_string()));
        }
        Ok(())
    }

    /// Apex's deploy in one transaction: set `$LATEST`, publish when code or
    /// configuration changed, point `alias` at the newest published version
    /// (never at `$LATEST`, Apex #686), then prune versions beyond `retained`
    /// that no alias points at.
    pub fn deploy(
        &self,
        config: &FunctionConfig,
        code_sha256: &str,
        code_size: u64,
        alias: &str,
        retained: Option<u32>,
    ) -> Result<DeployOutcome, StoreError> {
        let previous = match self.published_versions(&config.name)?.last() {
            Some(n) => self.version(&config.name, &n.to_string())?,
            None => None,
        };
        let config_changed = previous.as_ref().is_none_or(|p| p.config != *config);
        let code_changed = previous
            .as_ref()
            .is_none_or(|p| p.code_sha256 != code_sha256);
        let created = self.put_latest(config, code_sha256, code_size)?;
        let (version, published) = self.publish_version(&config.name)?;
        self.set_alias(&config.name, alias, &version, None)?;
        let mut pruned = Vec::new();
        if let Some(keep) = retained {
            let pinned: Vec<String> = self
                .aliases(&config.name)?
                .into_iter()
                .map(|a| a.function_version)
                .collect();
            let versions = self.published_versions(&config.name)?;
            let excess = versions.len().saturating_sub(keep.max(1) as usize);
            for v in versions.iter().take(excess).map(u64::to_string) {
                if !pinned.contains(&v) {
                    self.delete_version(&config.name, &v)?;
                    pruned.push(v);
                }
            }
        }
        Ok(DeployOutcome {
            created,
            config_changed,
            code_changed,
            version,
            published,
            pruned,
        })
    }
}

pub(crate) fn new_revision() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use crate::Store;
    use portico_model::FunctionConfig;

    #[test]
    fn deploy_publishes_only_on_change_and_prunes() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        let cfg = FunctionConfig::new("p_f", "nodejs20.x", "index.handle");
        let tx = s.write().unwrap();
        let o = tx.deploy(&cfg, "sha1", 10, "current", Some(2)).unwrap();
        assert!(o.created && o.published);
        assert_eq!(o.version, "1");
        let o = tx.deploy(&cfg, "sha1", 10, "current", Some(2)).unwrap();
        assert!(!o.published && !o.code_changed && !o.config_changed);
        assert_eq!(o.version, "1");
        tx.deploy(&cfg, "sha2", 10, "current", Some(2)).unwrap();
        let o = tx.deploy(&cfg, "sha3", 10, "current", Some(2)).unwrap();
        assert_eq!(o.version, "3");
        assert_eq!(o.pruned, vec!["1".to_string()]);
        assert_eq!(tx.resolve("p_f", Some("current")).unwrap().version, "3");
        assert_eq!(tx.resolve("p_f", None).unwrap().version, "$LATEST");
        assert!(tx.resolve("p_f", Some("9")).is_err());
        tx.commit().unwrap();
        // A deleted and re-created function is a new function: it starts at 1.
        let tx = s.write().unwrap();
        tx.delete_function("p_f").unwrap();
        tx.deploy(&cfg, "sha1", 10, "current", None).unwrap();
        assert_eq!(tx.published_versions("p_f").unwrap(), vec![1]);
    }

    #[test]
    fn a_rolled_back_transaction_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        {
            let tx = s.write().unwrap();
            tx.deploy(
                &FunctionConfig::new("f", "nodejs20.x", "index.handle"),
                "x",
                1,
                "current",
                None,
            )
            .unwrap();
        }
        assert!(s.read().unwrap().function("f").unwrap().is_none());
    }
}
