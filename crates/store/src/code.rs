//! Content-addressed code packages: `code/<hex sha256>.zip` beside the database.

use crate::StoreError;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Where packages are kept; a package is written once and never changed.
#[derive(Debug, Clone)]
pub struct CodeStore {
    dir: PathBuf,
}

impl CodeStore {
    /// The code directory of the store at `store_dir`.
    pub fn new(store_dir: &Path) -> Self {
        CodeStore {
            dir: store_dir.join("code"),
        }
    }

    /// Stores a package and returns its AWS `CodeSha256` (base64 SHA-256).
    /// Written to a temporary name and renamed, so a reader never sees half a file.
    pub fn put(&self, zip: &[u8]) -> Result<String, StoreError> {
        let digest = Sha256::digest(zip);
        let path = self.dir.join(format!("{}.zip", hex::encode(digest)));
        if !path.exists() {
            std::fs::create_dir_all(&self.dir).map_err(|e| StoreError::io(&self.dir, e))?;
            let tmp = self.dir.join(format!(".{}.tmp", uuid::Uuid::new_v4()));
            std::fs::write(&tmp, zip).map_err(|e| StoreError::io(&tmp, e))?;
            std::fs::rename(&tmp, &path).map_err(|e| StoreError::io(&path, e))?;
        }
        Ok(base64::engine::general_purpose::STANDARD.encode(digest))
    }

    /// The path of the package with this `CodeSha256`.
    pub fn path(&self, code_sha256: &str) -> Result<PathBuf, StoreError> {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(code_sha256)
            .map_err(|e| StoreError::Corrupt(format!("code sha {code_sha256}: {e}")))?;
        Ok(self.dir.join(format!("{}.zip", hex::encode(raw))))
    }

    /// Reads a package back.
    pub fn get(&self, code_sha256: &str) -> Result<Vec<u8>, StoreError> {
        let path = self.path(code_sha256)?;
        std::fs::read(&path).map_err(|e| StoreError::io(&path, e))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let c = super::CodeStore::new(dir.path());
        let sha = c.put(b"hello").unwrap();
        assert_eq!(sha, "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=");
        assert_eq!(c.get(&sha).unwrap(), b"hello");
        assert_eq!(c.put(b"hello").unwrap(), sha);
    }
}
