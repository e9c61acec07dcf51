//! Data sources Portico can read: `aws_caller_identity`, `aws_region`,
//! `aws_partition`, `aws_iam_policy_document` and `archive_file` (which
//! writes its zip at read time, as the archive provider does).

use crate::error::TfError;
use crate::funcs::FuncCtx;
use crate::value::{Map, Value};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::Digest;
use std::io::Write;

/// Region and account the data sources report.
#[derive(Debug, Clone)]
pub struct Env<'a> {
    /// Region.
    pub region: &'a str,
    /// Account id.
    pub account: &'a str,
}

/// Reads data source `ty` with its (known) arguments.
pub fn read(ty: &str, cfg: &Map, env: &Env<'_>, funcs: &FuncCtx) -> Result<Map, TfError> {
    let mut out = cfg.clone();
    let mut set = |k: &str, v: Value| {
        out.insert(k.to_string(), v);
    };
    match ty {
        "aws_caller_identity" => {
            set("account_id", Value::str(env.account));
            set(
                "arn",
                Value::str(format!("arn:aws:iam::{}:root", env.account)),
            );
            set("user_id", Value::str(env.account));
            set("id", Value::str(env.account));
        }
        "aws_region" => {
            let name = cfg
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(env.region)
                .to_string();
            set("endpoint", Value::str(format!("ec2.{name}.amazonaws.com")));
            set("description", Value::str(region_description(&name)));
            set("id", Value::str(name.clone()));
            set("name", Value::str(name));
        }
        "aws_partition" => {
            set("partition", Value::str("aws"));
            set("dns_suffix", Value::str("amazonaws.com"));
            set("reverse_dns_prefix", Value::str("com.amazonaws"));
            set("id", Value::str("aws"));
        }
        "aws_iam_policy_document" => {
            let doc = crate::policy_doc::build(cfg)?;
            let pretty = crate::policy_doc::to_pretty(&doc);
            let minified = doc.to_string();
            set("id", Value::str(crc_id(&pretty)));
            set("json", Value::str(pretty));
            set("minified_json", Value::str(minified));
        }
        "archive_file" => {
            for (k, v) in archive(cfg, funcs)? {
                set(&k, v);
            }
        }
        other => {
            return Err(TfError::new(
                "Unsupported data source",
                format!("Portico cannot read data source \"{other}\"."),
            ));
        }
    }
    Ok(out)
}

fn region_description(name: &str) -> &'static str {
    match name {
        "us-east-1" => "US East (N. Virginia)",
        "us-east-2" => "US East (Ohio)",
        "us-west-1" => "US West (N. California)",
        "us-west-2" => "US West (Oregon)",
        "eu-west-1" => "Europe (Ireland)",
        "eu-central-1" => "Europe (Frankfurt)",
        "ap-northeast-1" => "Asia Pacific (Tokyo)",
        "ap-northeast-2" => "Asia Pacific (Seoul)",
        _ => "",
    }
}

/// The policy document data source's id is a hash of its JSON.
fn crc_id(text: &str) -> String {
    let d = sha2::Sha256::digest(text.as_bytes());
    u32::from_be_bytes([d[0], d[1], d[2], d[3]]).to_string()
}

/// Builds the zip deterministically (fixed 1980 timestamps, sorted entries,
/// mode 0644) so the hashes only change when the content does.
fn archive(cfg: &Map, funcs: &FuncCtx) -> Result<Map, TfError> {
    let get = |k: &str| cfg.get(k).and_then(Value::as_str).map(str::to_string);
    if get("type").as_deref() != Some("zip") {
        return Err(TfError::new(
            "Unsupported archive type",
            "Portico's archive_file supports type = \"zip\" only.",
        ));
    }
    let mut entries: Vec<(String, Vec<u8>)> = vec![];
    if let Some(f) = get("source_file") {
        let bytes = std::fs::read(funcs.path(&f)).map_err(|e| {
            TfError::new(
                "Archive creation error",
                format!("error archiving file: could not archive missing file: {f} ({e})"),
            )
        })?;
        let name = std::path::Path::new(&f)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or(f.clone());
        entries.push((name, bytes));
    } else if let Some(c) = get("source_content") {
        let name = get("source_content_filename").ok_or_else(|| {
            TfError::new(
                "Archive creation error",
                "source_content_filename is required with source_content.",
            )
        })?;
        entries.push((name, c.into_bytes()));
    } else if let Some(d) = get("source_dir") {
        let excludes: Vec<String> = match cfg.get("excludes") {
            Some(Value::List(l)) => l
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => vec![],
        };
        let root = funcs.path(&d);
        collect_dir(&root, &root, &excludes, &mut entries).map_err(|e| {
            TfError::new(
                "Archive creation error",
                format!("error archiving directory: {d}: {e}"),
            )
        })?;
    } else if let Some(Value::List(srcs)) = cfg.get("source") {
        for s in srcs {
            entries.push((
                s.get_str("filename").to_string(),
                s.get_str("content").as_bytes().to_vec(),
            ));
        }
    } else {
        return Err(TfError::new(
            "Archive creation error",
            "one of source_file, source_dir, source_content or source must be set.",
        ));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let zip = build_zip(&entries)
        .map_err(|e| TfError::new("Archive creation error", format!("error creating zip: {e}")))?;
    let out_path = get("output_path").unwrap_or_default();
    let full = funcs.path(&out_path);
    if let Some(parent) = full.parent() {
        std::fs::create_dir_all(parent).ok();
    }
    std::fs::write(&full, &zip).map_err(|e| {
        TfError::new(
            "Archive creation error",
            format!("error writing {out_path}: {e}"),
        )
    })?;
    let sha1 = hex::encode(sha1::Sha1::digest(&zip));
    let mut m = Map::new();
    m.insert("output_size".into(), Value::Number(zip.len() as f64));
    m.insert(
        "output_md5".into(),
        Value::str(hex::encode(md5::Md5::digest(&zip))),
    );
    m.insert("output_sha".into(), Value::str(sha1.clone()));
    m.insert(
        "output_sha256".into(),
        Value::str(hex::encode(sha2::Sha256::digest(&zip))),
    );
    m.insert(
        "output_sha512".into(),
        Value::str(hex::encode(sha2::Sha512::digest(&zip))),
    );
    m.insert(
        "output_base64sha256".into(),
        Value::str(B64.encode(sha2::Sha256::digest(&zip))),
    );
    m.insert(
        "output_base64sha512".into(),
        Value::str(B64.encode(sha2::Sha512::digest(&zip))),
    );
    m.insert("id".into(), Value::str(sha1));
    Ok(m)
}

fn collect_dir(
    root: &std::path::Path,
    dir: &std::path::Path,
    excludes: &[String],
    out: &mut Vec<(String, Vec<u8>)>,
) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        let rel = p
            .strip_prefix(root)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        if excludes.iter().any(|x| x == &rel) {
            continue;
        }
        if p.is_dir() {
            collect_dir(root, &p, excludes, out)?;
        } else {
            out.push((rel, std::fs::read(&p)?));
        }
    }
    Ok(())
}

/// A zip of `entries`, byte-for-byte reproducible.
pub fn build_zip(entries: &[(String, Vec<u8>)]) -> zip::result::ZipResult<Vec<u8>> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::DEFAULT)
        .unix_permissions(0o644);
    for (name, bytes) in entries {
        w.start_file(name.as_str(), opts)?;
        w.write_all(bytes)?;
    }
    Ok(w.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_region_partition() {
        let env = Env {
            region: "eu-west-1",
            account: "123456789012",
        };
        let f = FuncCtx::for_plan(".".into());
        assert_eq!(
            read("aws_caller_identity", &Map::new(), &env, &f).unwrap()["account_id"],
            Value::str("123456789012")
        );
        assert_eq!(
            read("aws_region", &Map::new(), &env, &f).unwrap()["name"],
            Value::str("eu-west-1")
        );
        assert_eq!(
            read("aws_partition", &Map::new(), &env, &f).unwrap()["partition"],
            Value::str("aws")
        );
    }

    #[test]
    fn zips_are_deterministic() {
        let a = build_zip(&[("index.js".into(), b"exports.handle = 1".to_vec())]).unwrap();
        let b = build_zip(&[("index.js".into(), b"exports.handle = 1".to_vec())]).unwrap();
        assert_eq!(a, b);
        let dir = std::env::temp_dir().join(format!("portico-tf-zip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = FuncCtx::for_plan(dir.clone());
        let cfg: Map = [
            ("type".to_string(), Value::str("zip")),
            ("source_content".to_string(), Value::str("x")),
            ("source_content_filename".to_string(), Value::str("x.txt")),
            ("output_path".to_string(), Value::str("out/f.zip")),
        ]
        .into();
        let m = read(
            "archive_file",
            &cfg,
            &Env {
                region: "r",
                account: "a",
            },
            &f,
        )
        .unwrap();
        assert!(dir.join("out/f.zip").is_file());
        assert_eq!(
            m["output_size"],
            Value::Number(std::fs::metadata(dir.join("out/f.zip")).unwrap().len() as f64)
        );
        std::fs::remove_dir_all(dir).ok();
    }
}
