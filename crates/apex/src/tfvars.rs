//! `apex list --tfvars`: one `apex_function_NAME="ARN"` line per deployed
//! function. Apex promised an `apex_function_NAME_name` variable with the
//! function's name but printed the ARN there (infra/tfvars.go); Portico
//! prints the name.

use std::collections::HashMap;

use crate::ApexError;

/// One deployed function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TfvarsEntry {
    /// The directory name.
    pub short_name: String,
    /// The Lambda function name.
    pub full_name: String,
    /// The unqualified function ARN.
    pub arn: String,
}

/// Renders the lines, in the order given. Function `foo_name`'s variable
/// would be the same as function `foo`'s `_name` variable; that is an error
/// naming both rather than a silently clobbered value.
pub fn render_tfvars(entries: &[TfvarsEntry]) -> Result<String, ApexError> {
    let mut owners: HashMap<String, &str> = HashMap::new();
    let mut out = String::new();
    for e in entries {
        let arn_var = format!("apex_function_{}", e.short_name);
        let name_var = format!("{arn_var}_name");
        for var in [&arn_var, &name_var] {
            if let Some(other) = owners.insert(var.clone(), &e.short_name) {
                let (first, second) = if var == &arn_var {
                    (other, e.short_name.as_str())
                } else {
                    (e.short_name.as_str(), other)
                };
                return Err(ApexError::TfvarsCollision {
                    first: first.to_string(),
                    second: second.to_string(),
                    variable: var.clone(),
                });
            }
        }
        out.push_str(&format!("{arn_var}={}\n", quote(&e.arn)));
        out.push_str(&format!("{name_var}={}\n", quote(&e.full_name)));
    }
    Ok(out)
}

/// Go's `%q` for the characters that can occur in names and ARNs: escape
/// backslash and double quote.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(short: &str) -> TfvarsEntry {
        TfvarsEntry {
            short_name: short.into(),
            full_name: format!("p_{short}"),
            arn: format!("arn:aws:lambda:us-east-1:000000000000:function:p_{short}"),
        }
    }

    #[test]
    fn lines() {
        let out = render_tfvars(&[entry("github-status")]).unwrap();
        assert_eq!(
            out,
            "apex_function_github-status=\"arn:aws:lambda:us-east-1:000000000000:function:p_github-status\"\n\
             apex_function_github-status_name=\"p_github-status\"\n"
        );
    }

    #[test]
    fn collision_names_both_in_either_order() {
        for order in [["foo", "foo_name"], ["foo_name", "foo"]] {
            let err = render_tfvars(&[entry(order[0]), entry(order[1])])
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("\"foo\"") && err.contains("\"foo_name\""),
                "{err}"
            );
            assert!(err.contains("apex_function_foo_name"), "{err}");
        }
    }

    #[test]
    fn quoting() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
