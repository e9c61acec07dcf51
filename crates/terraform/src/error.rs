//! Errors in Terraform's shape: `Error: <summary>`, the place in the
//! configuration, then the detail.

use std::fmt;

/// A place in the configuration: file (relative to the root directory) and line.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Loc {
    /// File path relative to the configuration root, e.g. `api.tf` or `modules/x/main.tf`.
    pub file: String,
    /// One-based line number.
    pub line: usize,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} line {}", self.file, self.line)
    }
}

/// An error from loading, planning or applying a configuration.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct TfError {
    /// One-line summary, e.g. `Unsupported argument`.
    pub summary: String,
    /// Where in the configuration, when known.
    pub loc: Option<Loc>,
    /// The address of the resource or variable concerned, when known.
    pub address: Option<String>,
    /// Explanation in sentences.
    pub detail: String,
}

impl TfError {
    /// An error with a summary and detail, without a place yet.
    pub fn new(summary: impl Into<String>, detail: impl Into<String>) -> TfError {
        TfError {
            summary: summary.into(),
            loc: None,
            address: None,
            detail: detail.into(),
        }
    }

    /// Sets the place unless one is already set (the innermost place wins).
    pub fn at(mut self, loc: &Loc) -> TfError {
        if self.loc.is_none() {
            self.loc = Some(loc.clone());
        }
        self
    }

    /// Sets the address unless one is already set.
    pub fn with_address(mut self, address: &str) -> TfError {
        if self.address.is_none() {
            self.address = Some(address.to_string());
        }
        self
    }
}

impl fmt::Display for TfError {
    /// Terraform's layout: `Error: summary`, a blank line, `  on FILE line N:`
    /// (with `, in resource ...` when known), a blank line, the detail.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error: {}\n\n", self.summary)?;
        if let Some(loc) = &self.loc {
            write!(f, "  on {loc}")?;
            if let Some(addr) = &self.address {
                write!(f, ", in {}", describe_address(addr))?;
            }
            f.write_str(":\n\n")?;
        } else if let Some(addr) = &self.address {
            write!(f, "  with {addr}:\n\n")?;
        }
        f.write_str(&self.detail)
    }
}

/// `aws_x.y` → `resource "aws_x" "y"`, `var.v` → `variable "v"`, as in
/// Terraform's `on FILE line N, in resource "T" "N":` header.
fn describe_address(addr: &str) -> String {
    let tail = addr
        .rsplit_once("module.")
        .map_or(addr, |(_, rest)| rest.split_once('.').map_or(rest, |x| x.1));
    let tail = tail.split('[').next().unwrap_or(tail);
    let parts: Vec<&str> = tail.split('.').collect();
    match parts.as_slice() {
        ["var", v] => format!("variable \"{v}\""),
        ["local", v] => format!("locals \"{v}\""),
        ["output", v] => format!("output \"{v}\""),
        ["data", t, n] => format!("data \"{t}\" \"{n}\""),
        [t, n] => format!("resource \"{t}\" \"{n}\""),
        _ => addr.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_terraform() {
        let e = TfError::new(
            "Unsupported argument",
            "An argument named \"x\" is not expected here.",
        )
        .at(&Loc {
            file: "api.tf".into(),
            line: 3,
        })
        .with_address("aws_api_gateway_rest_api.a");
        assert_eq!(
            e.to_string(),
            "Error: Unsupported argument\n\n  on api.tf line 3, in resource \"aws_api_gateway_rest_api\" \"a\":\n\nAn argument named \"x\" is not expected here."
        );
    }
}
