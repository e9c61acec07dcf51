//! `COGNITO_USER_POOLS` authorizers: the JWT from the identity source is
//! decoded and its claims exposed in `$context.authorizer.claims`. The
//! signature is NOT checked against a real user pool (docs/compat.md);
//! expiry (`exp`) and, when the method lists `authorization_scopes`, the
//! token's `scope` claim are.

use base64::Engine as _;
use serde_json::{Map, Value};

/// Why a token is refused (the client gets 401).
pub(crate) type Refusal = String;

/// The claims of `token` (an optional `Bearer ` prefix is accepted).
pub(crate) fn claims(
    token: &str,
    now_s: i64,
    scopes: &[String],
) -> Result<Map<String, Value>, Refusal> {
    let token = token.strip_prefix("Bearer ").unwrap_or(token).trim();
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err("the token is not a JWT (three dot-separated parts)".into());
    }
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[1].trim_end_matches('='))
        .map_err(|e| format!("the JWT payload is not base64url: {e}"))?;
    let v: Value = serde_json::from_slice(&payload)
        .map_err(|e| format!("the JWT payload is not JSON: {e}"))?;
    let Value::Object(m) = v else {
        return Err("the JWT payload is not a JSON object".into());
    };
    if let Some(exp) = m.get("exp").and_then(Value::as_i64)
        && exp <= now_s
    {
        return Err(format!("the token expired at {exp} (now {now_s})"));
    }
    if !scopes.is_empty() {
        let have: Vec<&str> = m
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        if !scopes.iter().any(|s| have.contains(&s.as_str())) {
            return Err(format!(
                "the token's scope claim has none of the method's authorization_scopes {scopes:?}"
            ));
        }
    }
    // `$context.authorizer.claims.X` reads strings, as AWS stringifies them.
    Ok(m.into_iter()
        .map(|(k, v)| {
            let s = match v {
                Value::String(s) => Value::String(s),
                other => Value::String(other.to_string()),
            };
            (k, s)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn jwt(payload: Value) -> String {
        let e = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!("{}.{}.sig", e(&json!({"alg":"RS256"})), e(&payload))
    }

    #[test]
    fn claims_expiry_and_scopes() {
        let t = jwt(json!({"sub":"u1","email":"a@b.c","exp": 2000, "scope": "read write"}));
        let c = claims(&t, 1000, &[]).unwrap();
        assert_eq!(
            (c["sub"].as_str(), c["exp"].as_str()),
            (Some("u1"), Some("2000"))
        );
        assert!(claims(&format!("Bearer {t}"), 1000, &["write".into()]).is_ok());
        assert!(claims(&t, 1000, &["admin".into()]).is_err());
        assert!(claims(&t, 3000, &[]).unwrap_err().contains("expired"));
        assert!(claims("abc", 0, &[]).is_err());
    }
}
