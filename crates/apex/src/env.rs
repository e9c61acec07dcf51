//! The two ways a deploy adds environment variables on the command line:
//! `-s KEY=VALUE` flags and `-E file.json` (a flat JSON object of strings).
//! Apex applies both after loading, so they rank above function.json, and
//! `-s` above `-E` (docs/env.md).

use std::collections::BTreeMap;
use std::path::Path;

use crate::ApexError;
use crate::raw::read_json;

/// Parses `-s` values. Only the first `=` splits, so values may contain `=`.
pub fn parse_set_flags(flags: &[String]) -> Result<BTreeMap<String, String>, ApexError> {
    flags
        .iter()
        .map(|s| match s.split_once('=') {
            Some((k, v)) => Ok((k.to_string(), v.to_string())),
            None => Err(ApexError::EnvFlag(s.clone())),
        })
        .collect()
}

/// Reads an `-E` file; anything but an object of strings is an error with
/// the file name, line and column.
pub fn parse_env_file(path: &Path) -> Result<BTreeMap<String, String>, ApexError> {
    read_json(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_flags() {
        let m = parse_set_flags(&["A=1".into(), "B=x=y".into(), "C=".into()]).unwrap();
        assert_eq!(m["A"], "1");
        assert_eq!(m["B"], "x=y");
        assert_eq!(m["C"], "");
        let err = parse_set_flags(&["NOVALUE".into()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("NOVALUE"), "{err}");
    }

    #[test]
    fn env_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("env.json");
        std::fs::write(&p, r#"{"A":"1","B":"2"}"#).unwrap();
        assert_eq!(parse_env_file(&p).unwrap().len(), 2);
        std::fs::write(&p, "{\n\"A\": 1}").unwrap();
        let err = parse_env_file(&p).unwrap_err().to_string();
        assert!(err.contains("env.json") && err.contains("line 2"), "{err}");
    }
}
