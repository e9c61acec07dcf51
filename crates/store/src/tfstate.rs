//! Terraform state documents, one per infrastructure directory.

use crate::{StoreError, Tx};
use rusqlite::{OptionalExtension, params};

impl Tx<'_> {
    /// The state of a workspace (an infrastructure directory), if any.
    pub fn tf_state(&self, workspace: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .tx
            .query_row(
                "SELECT state_json FROM tf_state WHERE workspace = ?1",
                [workspace],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Replaces a workspace's state.
    pub fn put_tf_state(&self, workspace: &str, state_json: &str) -> Result<(), StoreError> {
        self.tx.execute(
            "INSERT INTO tf_state (workspace, serial, state_json) VALUES (?1, 1, ?2)
             ON CONFLICT(workspace) DO UPDATE SET serial = serial + 1, state_json = excluded.state_json",
            params![workspace, state_json],
        )?;
        Ok(())
    }
}
