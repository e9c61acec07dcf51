//! Resource-policy statements on a function (per qualifier), and how
//! API Gateway's invoke is authorised against them.

/// Who a statement grants to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Principal {
    /// `"*"`.
    Any,
    /// `{"Service": "apigateway.amazonaws.com"}`.
    Service(String),
    /// `{"AWS": "arn:aws:iam::ACCOUNT:root"}` or an IAM ARN.
    Aws(String),
}

impl Principal {
    /// Builds the principal as AddPermission does from its `Principal` input;
    /// `None` for what AWS rejects as "The provided principal was invalid".
    pub fn from_input(p: &str) -> Option<Principal> {
        if p == "*" {
            Some(Principal::Any)
        } else if p.ends_with(".amazonaws.com") {
            Some(Principal::Service(p.to_string()))
        } else if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
            Some(Principal::Aws(format!("arn:aws:iam::{p}:root")))
        } else if p.starts_with("arn:aws:iam::") {
            Some(Principal::Aws(p.to_string()))
        } else {
            None
        }
    }
}

/// One statement of a function's resource policy.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Statement {
    /// Statement id, unique per function and qualifier.
    pub sid: String,
    /// Action, e.g. `lambda:InvokeFunction`.
    pub action: String,
    /// Who may call.
    pub principal: Principal,
    /// ARN of the function (qualified when the statement is on a qualifier).
    pub resource: String,
    /// `ArnLike AWS:SourceArn` condition.
    pub source_arn: Option<String>,
    /// `StringEquals AWS:SourceAccount` condition.
    pub source_account: Option<String>,
}

impl Statement {
    /// Whether this statement lets `service` invoke the function for a call
    /// whose source ARN is `source_arn` (API Gateway's check, lambda.md §7.4).
    pub fn allows_service_invoke(&self, service: &str, source_arn: &str, account: &str) -> bool {
        let action_ok = matches!(
            self.action.as_str(),
            "lambda:InvokeFunction" | "lambda:*" | "*"
        );
        let principal_ok = match &self.principal {
            Principal::Any => true,
            Principal::Service(s) => s == service,
            Principal::Aws(_) => false,
        };
        let arn_ok = self
            .source_arn
            .as_deref()
            .is_none_or(|p| arn_like(p, source_arn));
        let acct_ok = self.source_account.as_deref().is_none_or(|a| a == account);
        action_ok && principal_ok && arn_ok && acct_ok
    }
}

/// IAM's `ArnLike`: both ARNs split into six parts on the first five colons,
/// each part glob-matched case-sensitively (`*` any run, `?` one character);
/// a wildcard never spans a colon-separated part, but within the last part
/// `*` crosses `/`.
pub fn arn_like(pattern: &str, value: &str) -> bool {
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let v: Vec<&str> = value.splitn(6, ':').collect();
    p.len() == 6
        && v.len() == 6
        && p.iter()
            .zip(&v)
            .all(|(p, v)| glob(p.as_bytes(), v.as_bytes()))
}

/// Iterative glob with `*` and `?`, linear in practice (no recursion).
fn glob(p: &[u8], v: &[u8]) -> bool {
    let (mut pi, mut vi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == v[vi]) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, vi));
            pi += 1;
        } else if let Some((sp, sv)) = star {
            pi = sp + 1;
            vi = sv + 1;
            star = Some((sp, sv + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Checks a statement id against `([a-zA-Z0-9-_]+)`, at most 100 characters.
pub fn validate_statement_id(sid: &str) -> Result<(), crate::ModelError> {
    let ok = !sid.is_empty()
        && sid.len() <= 100
        && sid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(crate::ModelError::StatementId(sid.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_like_globs_within_parts() {
        let v = "arn:aws:execute-api:us-east-1:000000000000:abc123/test/POST/check";
        assert!(arn_like(
            "arn:aws:execute-api:us-east-1:000000000000:abc123/*/POST/check",
            v
        ));
        assert!(arn_like(
            "arn:aws:execute-api:us-east-1:000000000000:abc123/*/*",
            v
        ));
        assert!(arn_like(v, v));
        assert!(!arn_like(
            "arn:aws:execute-api:us-east-1:000000000000:abc123/prod/POST/check",
            v
        ));
        assert!(arn_like(
            "arn:aws:execute-api:*:000000000000:abc123/test/POST/check",
            v
        ));
        assert!(
            !arn_like("arn:aws:execute-api:*", v),
            "a wildcard never spans a colon"
        );
        assert!(arn_like("arn:aws:execute-api:us-east-?:*:abc123/test/*", v));
    }

    #[test]
    fn statement_check() {
        let s = Statement {
            sid: "x".into(),
            action: "lambda:InvokeFunction".into(),
            principal: Principal::from_input("apigateway.amazonaws.com").unwrap(),
            resource: "arn".into(),
            source_arn: Some("arn:aws:execute-api:us-east-1:000000000000:abc/*/POST/check".into()),
            source_account: None,
        };
        let arn = "arn:aws:execute-api:us-east-1:000000000000:abc/test/POST/check";
        assert!(s.allows_service_invoke("apigateway.amazonaws.com", arn, "000000000000"));
        assert!(!s.allows_service_invoke("s3.amazonaws.com", arn, "000000000000"));
        assert_eq!(Principal::from_input("nobody"), None);
    }
}
