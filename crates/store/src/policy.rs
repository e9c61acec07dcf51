//! Resource-policy statements, per function and qualifier.

use crate::functions::new_revision;
use crate::{StoreError, Tx};
use portico_model::Statement;
use rusqlite::{OptionalExtension, params};

impl Tx<'_> {
    /// AddPermission: appends a statement; a duplicate id on the same
    /// function and qualifier is AWS's 409 conflict.
    pub fn add_statement(
        &self,
        function: &str,
        qualifier: Option<&str>,
        st: &Statement,
    ) -> Result<(), StoreError> {
        let q = qualifier.unwrap_or("");
        let exists = self
            .tx
            .query_row(
                "SELECT 1 FROM policy_statements WHERE function = ?1 AND qualifier = ?2 AND sid = ?3",
                params![function, q, st.sid],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if exists {
            return Err(StoreError::StatementExists(st.sid.clone()));
        }
        let pos: i64 = self.tx.query_row(
            "SELECT COALESCE(MAX(position), 0) + 1 FROM policy_statements WHERE function = ?1 AND qualifier = ?2",
            params![function, q],
            |r| r.get(0),
        )?;
        let json = serde_json::to_string(st).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.tx.execute(
            "INSERT INTO policy_statements (function, qualifier, sid, position, statement_json) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![function, q, st.sid, pos, json],
        )?;
        self.bump_policy_revision(function, q)
    }

    /// RemovePermission.
    pub fn remove_statement(
        &self,
        function: &str,
        qualifier: Option<&str>,
        sid: &str,
    ) -> Result<(), StoreError> {
        let q = qualifier.unwrap_or("");
        if self.statements(function, qualifier)?.is_empty() {
            return Err(StoreError::NoPolicy);
        }
        let n = self.tx.execute(
            "DELETE FROM policy_statements WHERE function = ?1 AND qualifier = ?2 AND sid = ?3",
            params![function, q, sid],
        )?;
        if n == 0 {
            return Err(StoreError::StatementNotFound(sid.to_string()));
        }
        self.bump_policy_revision(function, q)
    }

    /// The statements of one qualifier's policy, in the order they were added.
    pub fn statements(
        &self,
        function: &str,
        qualifier: Option<&str>,
    ) -> Result<Vec<Statement>, StoreError> {
        let mut st = self.tx.prepare(
            "SELECT statement_json FROM policy_statements WHERE function = ?1 AND qualifier = ?2 ORDER BY position",
        )?;
        let rows = st.query_map(params![function, qualifier.unwrap_or("")], |r| {
            r.get::<_, String>(0)
        })?;
        rows.map(|r| {
            let json = r?;
            serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("policy statement: {e}")))
        })
        .collect()
    }

    /// The policy's revision id (changes with every add and remove).
    pub fn policy_revision(
        &self,
        function: &str,
        qualifier: Option<&str>,
    ) -> Result<Option<String>, StoreError> {
        Ok(self
            .tx
            .query_row(
                "SELECT revision_id FROM policy_revisions WHERE function = ?1 AND qualifier = ?2",
                params![function, qualifier.unwrap_or("")],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn bump_policy_revision(&self, function: &str, q: &str) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT OR REPLACE INTO policy_revisions (function, qualifier, revision_id) VALUES (?1, ?2, ?3)",
            params![function, q, new_revision()],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::{Store, StoreError};
    use portico_model::{FunctionConfig, Principal, Statement};

    fn st(sid: &str) -> Statement {
        Statement {
            sid: sid.into(),
            action: "lambda:InvokeFunction".into(),
            principal: Principal::Service("apigateway.amazonaws.com".into()),
            resource: "arn".into(),
            source_arn: None,
            source_account: None,
        }
    }

    #[test]
    fn per_qualifier_and_conflicts() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(dir.path()).unwrap();
        let tx = s.write().unwrap();
        tx.deploy(
            &FunctionConfig::new("f", "nodejs20.x", "index.handle"),
            "x",
            1,
            "current",
            None,
        )
        .unwrap();
        tx.add_statement("f", None, &st("a")).unwrap();
        assert!(matches!(
            tx.add_statement("f", None, &st("a")),
            Err(StoreError::StatementExists(_))
        ));
        tx.add_statement("f", Some("current"), &st("a")).unwrap();
        assert_eq!(tx.statements("f", None).unwrap().len(), 1);
        assert!(matches!(
            tx.remove_statement("f", None, "zz"),
            Err(StoreError::StatementNotFound(_))
        ));
        tx.remove_statement("f", None, "a").unwrap();
        assert!(matches!(
            tx.remove_statement("f", None, "a"),
            Err(StoreError::NoPolicy)
        ));
    }
}
