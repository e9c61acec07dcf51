//! Function references and ARNs: `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`.

use crate::ModelError;
use std::fmt;

/// Where functions live: the region and the account id that every ARN carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// AWS region, e.g. `us-east-1`.
    pub region: String,
    /// Twelve-digit account id; Portico's default is `000000000000`.
    pub account: String,
}

impl Scope {
    /// The unqualified function ARN.
    pub fn function_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{}",
            self.region, self.account, name
        )
    }

    /// The function ARN with `:QUALIFIER` appended when one is given.
    pub fn qualified_arn(&self, name: &str, qualifier: Option<&str>) -> String {
        match qualifier {
            Some(q) => format!("{}:{}", self.function_arn(name), q),
            None => self.function_arn(name),
        }
    }
}

impl Default for Scope {
    fn default() -> Self {
        Scope {
            region: "us-east-1".into(),
            account: "000000000000".into(),
        }
    }
}

/// What follows a function name: `$LATEST`, a version number or an alias.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Qualifier {
    /// The mutable `$LATEST`.
    Latest,
    /// A published version.
    Version(u64),
    /// An alias name.
    Alias(String),
}

impl Qualifier {
    /// Reads a qualifier as AWS does: `$LATEST`, all digits, else an alias.
    pub fn parse(s: &str) -> Qualifier {
        if s == crate::LATEST {
            Qualifier::Latest
        } else if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse()
                .map(Qualifier::Version)
                .unwrap_or_else(|_| Qualifier::Alias(s.to_string()))
        } else {
            Qualifier::Alias(s.to_string())
        }
    }
}

impl fmt::Display for Qualifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Qualifier::Latest => f.write_str(crate::LATEST),
            Qualifier::Version(n) => write!(f, "{n}"),
            Qualifier::Alias(a) => f.write_str(a),
        }
    }
}

/// A function as a caller names it: `NAME`, `NAME:QUALIFIER`,
/// `ACCOUNT:function:NAME[:Q]` or the full ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    /// The bare function name.
    pub name: String,
    /// The qualifier carried in the reference itself, if any.
    pub qualifier: Option<String>,
    /// The region spelled in a full ARN, if any.
    pub region: Option<String>,
    /// The account spelled in a (partial) ARN, if any.
    pub account: Option<String>,
}

impl FunctionRef {
    /// Parses any of the forms the Invoke API accepts in `{FunctionName}`.
    pub fn parse(s: &str) -> Result<FunctionRef, ModelError> {
        let bad = || ModelError::FunctionRef(s.to_string());
        let parts: Vec<&str> = s.split(':').collect();
        let (name, qualifier, region, account) = match parts.as_slice() {
            [name] => (*name, None, None, None),
            [name, q] => (*name, Some(*q), None, None),
            [acct, "function", name] => (*name, None, None, Some(*acct)),
            [acct, "function", name, q] => (*name, Some(*q), None, Some(*acct)),
            ["arn", _, "lambda", region, acct, "function", name] => {
                (*name, None, Some(*region), Some(*acct))
            }
            ["arn", _, "lambda", region, acct, "function", name, q] => {
                (*name, Some(*q), Some(*region), Some(*acct))
            }
            _ => return Err(bad()),
        };
        validate_function_name(name).map_err(|_| bad())?;
        if matches!(qualifier, Some("")) {
            return Err(bad());
        }
        Ok(FunctionRef {
            name: name.to_string(),
            qualifier: qualifier.map(str::to_string),
            region: region.map(str::to_string),
            account: account.map(str::to_string),
        })
    }
}

/// The bare function name of a name or (partial) ARN; anything that does
/// not parse is returned as given, for the caller's own not-found error.
pub fn function_name_of(name_or_arn: &str) -> String {
    FunctionRef::parse(name_or_arn)
        .map(|r| r.name)
        .unwrap_or_else(|_| name_or_arn.to_string())
}

/// Checks a bare function name against `[a-zA-Z0-9-_]{1,64}`.
pub fn validate_function_name(name: &str) -> Result<(), ModelError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ModelError::FunctionName(name.to_string()))
    }
}

/// Checks an alias name: `(?!^[0-9]+$)([a-zA-Z0-9-_]+)`, 1 to 128 characters.
pub fn validate_alias_name(name: &str) -> Result<(), ModelError> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !name.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(ModelError::AliasName(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        let r = FunctionRef::parse("f").unwrap();
        assert_eq!((r.name.as_str(), r.qualifier), ("f", None));
        let r = FunctionRef::parse("f:current").unwrap();
        assert_eq!(r.qualifier.as_deref(), Some("current"));
        let r = FunctionRef::parse("000000000000:function:f:3").unwrap();
        assert_eq!(
            (r.account.as_deref(), r.qualifier.as_deref()),
            (Some("000000000000"), Some("3"))
        );
        let r =
            FunctionRef::parse("arn:aws:lambda:eu-west-1:123456789012:function:f:$LATEST").unwrap();
        assert_eq!(r.region.as_deref(), Some("eu-west-1"));
        assert_eq!(r.qualifier.as_deref(), Some("$LATEST"));
        assert!(FunctionRef::parse("arn:aws:s3:::bucket").is_err());
        assert!(FunctionRef::parse("bad name").is_err());
        assert!(FunctionRef::parse("f:").is_err());
    }

    #[test]
    fn qualifiers() {
        assert_eq!(Qualifier::parse("$LATEST"), Qualifier::Latest);
        assert_eq!(Qualifier::parse("12"), Qualifier::Version(12));
        assert_eq!(Qualifier::parse("live"), Qualifier::Alias("live".into()));
        assert!(validate_alias_name("123").is_err());
        assert!(validate_alias_name("current").is_ok());
    }

    #[test]
    fn arns() {
        let s = Scope::default();
        assert_eq!(
            s.function_arn("f"),
            "arn:aws:lambda:us-east-1:000000000000:function:f"
        );
        assert_eq!(
            s.qualified_arn("f", Some("1")),
            "arn:aws:lambda:us-east-1:000000000000:function:f:1"
        );
    }
}
