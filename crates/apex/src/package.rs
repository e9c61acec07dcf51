//! A function's deployment package: a zip that is byte-for-byte the same
//! whenever the files are (Apex #262 zeroed mtimes for this), so its
//! `CodeSha256` only changes when the code does and "code unchanged" works.

use std::io::{Cursor, Write};

use base64::Engine;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::files::{SourceFile, collect};
use crate::{ApexError, Function};

/// Lambda's limit on unzipped code: 250 MiB (`CodeSizeUnzipped`).
pub const MAX_UNZIPPED_BYTES: u64 = 262_144_000;
/// Lambda's limit on a directly uploaded zip: "Zipped size must be smaller
/// than 52428800 bytes" (`CodeSizeZipped`).
pub const MAX_ZIPPED_BYTES: u64 = 52_428_800;

/// A built (or read) code zip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The zip file.
    pub bytes: Vec<u8>,
    /// base64(SHA-256(bytes)): AWS's `CodeSha256`.
    pub sha256_b64: String,
    /// `bytes.len()`: AWS's `CodeSize`.
    pub size: u64,
}

impl Package {
    /// Wraps zip bytes, computing the hash and size.
    pub fn from_bytes(bytes: Vec<u8>) -> Package {
        let sha256_b64 = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes));
        let size = bytes.len() as u64;
        Package {
            bytes,
            sha256_b64,
            size,
        }
    }
}

impl Function {
    /// Zips the function directory minus its ignores: entries sorted by
    /// name, every timestamp 1980-01-01 00:00 (the earliest a zip can
    /// hold; Apex's Unix-epoch zero is not representable), mode 0644, or
    /// 0755 for files with an execute bit, deflated.
    pub fn build_zip(&self) -> Result<Package, ApexError> {
        let files = collect(self.dir(), self.ignore_lines(), MAX_UNZIPPED_BYTES)?;
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let mut total = 0u64;
        for file in &files {
            let data = std::fs::read(&file.path).map_err(|e| ApexError::io(&file.path, e))?;
            // Files can grow between listing and reading; count what was read.
            total += data.len() as u64;
            self.check_unzipped(total)?;
            zip.start_file(file.name.as_str(), options(file))?;
            zip.write_all(&data)
                .map_err(|e| ApexError::io(&file.path, e))?;
        }
        let bytes = zip.finish()?.into_inner();
        self.check_zipped(bytes.len() as u64, "zipped code")?;
        Ok(Package::from_bytes(bytes))
    }

    /// The package to deploy: the prebuilt `zip` if one is configured
    /// (Apex's `zip` field / `--zip`), else a fresh [`Function::build_zip`].
    pub fn package(&self) -> Result<Package, ApexError> {
        let Some(path) = self.prebuilt_zip() else {
            return self.build_zip();
        };
        let bytes = std::fs::read(&path).map_err(|e| ApexError::io(&path, e))?;
        self.check_zipped(bytes.len() as u64, "prebuilt zip")?;
        Ok(Package::from_bytes(bytes))
    }

    fn check_unzipped(&self, size: u64) -> Result<(), ApexError> {
        if size > MAX_UNZIPPED_BYTES {
            return Err(self.too_large("unzipped code", size, MAX_UNZIPPED_BYTES));
        }
        Ok(())
    }

    /// AWS wants the zip strictly smaller than the limit.
    fn check_zipped(&self, size: u64, what: &str) -> Result<(), ApexError> {
        if size >= MAX_ZIPPED_BYTES {
            return Err(self.too_large(what, size, MAX_ZIPPED_BYTES));
        }
        Ok(())
    }

    fn too_large(&self, what: &str, size: u64, limit: u64) -> ApexError {
        ApexError::TooLarge {
            what: format!("function {}: {what}", self.short_name()),
            size,
            limit,
        }
    }
}

fn options(file: &SourceFile) -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(DateTime::DEFAULT)
        .system(zip::System::Unix)
        .unix_permissions(if file.executable { 0o755 } else { 0o644 })
}
