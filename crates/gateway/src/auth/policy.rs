//! The IAM policy a Lambda authorizer returns, evaluated against the
//! request's method ARN as IAM does: an explicit `Deny` that matches wins,
//! else an `Allow` that matches, else the request is implicitly denied.
//! `Action` must cover `execute-api:Invoke`; `Resource` patterns are ARN
//! globs (`*` any run, `?` one character) matched part by part on the
//! first five colons, a bare `*` matching everything.

use serde_json::Value;

/// The outcome for one method ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

/// A statement reduced to what evaluation needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Statement {
    pub allow: bool,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
}

fn strings(v: Option<&Value>) -> Result<Vec<String>, String> {
    match v {
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{x} is not a string"))
            })
            .collect(),
        Some(other) => Err(format!("{other} is neither a string nor a list")),
        None => Ok(vec![]),
    }
}

/// Parses `policyDocument`; `Err` says what is malformed.
pub(crate) fn parse(doc: &Value) -> Result<Vec<Statement>, String> {
    let Some(o) = doc.as_object() else {
        return Err("policyDocument is not an object".into());
    };
    let list = match o.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(s @ Value::Object(_)) => vec![s.clone()],
        _ => return Err("policyDocument has no Statement list".into()),
    };
    list.iter()
        .map(|s| {
            let allow = match s.get("Effect").and_then(Value::as_str) {
                Some("Allow") => true,
                Some("Deny") => false,
                other => {
                    return Err(format!(
                        "a statement's Effect is {}, not Allow or Deny",
                        other.unwrap_or("missing")
                    ));
                }
            };
            Ok(Statement {
                allow,
                actions: strings(s.get("Action")).map_err(|e| format!("Action: {e}"))?,
                resources: strings(s.get("Resource")).map_err(|e| format!("Resource: {e}"))?,
            })
        })
        .collect()
}

/// Glob match: `*` any run (possibly empty), `?` exactly one character.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn resource_matches(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    p.len() == a.len() && p.iter().zip(&a).all(|(p, a)| glob(p, a))
}

fn action_matches(pattern: &str) -> bool {
    glob(&pattern.to_ascii_lowercase(), "execute-api:invoke")
}

/// Evaluates the statements for `method_arn`.
pub(crate) fn evaluate(statements: &[Statement], method_arn: &str) -> Decision {
    let applies = |s: &&Statement| {
        s.actions.iter().any(|a| action_matches(a))
            && s.resources.iter().any(|r| resource_matches(r, method_arn))
    };
    let matching: Vec<&Statement> = statements.iter().filter(applies).collect();
    if matching.iter().any(|s| !s.allow) {
        Decision::ExplicitDeny
    } else if matching.iter().any(|s| s.allow) {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ARN: &str = "arn:aws:execute-api:us-east-1:000000000000:abc/test/GET/pets/1";

    fn eval(doc: Value) -> Decision {
        evaluate(&parse(&doc).unwrap(), ARN)
    }

    #[test]
    fn allow_deny_and_wildcards() {
        let st = |effect: &str, res: &str| json!({"Effect": effect, "Action": "execute-api:Invoke", "Resource": res});
        assert_eq!(
            eval(json!({"Statement": [st("Allow", ARN)]})),
            Decision::Allow
        );
        assert_eq!(
            eval(
                json!({"Statement": [st("Allow", "arn:aws:execute-api:us-east-1:000000000000:abc/*")]})
            ),
            Decision::Allow
        );
        assert_eq!(
            eval(json!({"Statement": [st("Allow", "arn:aws:execute-api:*:*:abc/*/GET/pets/?")]})),
            Decision::Allow
        );
        assert_eq!(
            eval(
                json!({"Statement": [st("Allow", "arn:aws:execute-api:us-east-1:000000000000:abc/test/POST/*")]})
            ),
            Decision::ImplicitDeny
        );
        assert_eq!(
            eval(
                json!({"Statement": [st("Allow", "*"), st("Deny", "arn:aws:execute-api:us-east-1:000000000000:abc/test/GET/pets/*")]})
            ),
            Decision::ExplicitDeny
        );
        assert_eq!(
            eval(
                json!({"Statement": {"Effect":"Allow","Action":["execute-api:*"],"Resource":[ARN]}})
            ),
            Decision::Allow
        );
        assert_eq!(
            eval(json!({"Statement": [{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]})),
            Decision::ImplicitDeny
        );
        assert!(parse(&json!({"Statement": [{"Effect":"Maybe"}]})).is_err());
        assert!(parse(&json!("x")).is_err());
    }

    #[test]
    fn globs() {
        assert!(glob("a*c", "abbbc") && glob("*", "") && glob("a?c", "abc"));
        assert!(!glob("a?c", "ac") && !glob("abc", "abcd"));
    }
}
