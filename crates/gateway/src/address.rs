//! The three addresses a stage answers at (issue #4):
//! `/_aws/execute-api/API_ID/STAGE/PATH`, host-style
//! `API_ID.execute-api.localhost[:port]` + `/STAGE/PATH`, and the legacy
//! `/restapis/API_ID/STAGE/_user_request_/PATH`. The binary owns the
//! listener and the stage lookup; this only splits the address.

/// A request addressed to a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageAddress<'a> {
    pub api_id: &'a str,
    pub stage: &'a str,
    /// The resource path after the stage, as sent (still encoded); `""`
    /// when the request named the stage alone (the root resource).
    pub path: &'a str,
}

/// Splits `host` (the `Host` header, if any) and `path` (the request path
/// without its query string). `None` when the request is not for a stage.
pub fn parse_stage_address<'a>(host: Option<&'a str>, path: &'a str) -> Option<StageAddress<'a>> {
    if let Some(api_id) = host.and_then(host_style_api_id) {
        let (stage, rest) = split_first(path.strip_prefix('/')?);
        return (!stage.is_empty()).then_some(StageAddress {
            api_id,
            stage,
            path: rest,
        });
    }
    if let Some(rest) = path.strip_prefix("/_aws/execute-api/") {
        let (api_id, rest) = split_first(rest);
        let (stage, rest) = split_first(rest.strip_prefix('/')?);
        return (!api_id.is_empty() && !stage.is_empty()).then_some(StageAddress {
            api_id,
            stage,
            path: rest,
        });
    }
    if let Some(rest) = path.strip_prefix("/restapis/") {
        let (api_id, rest) = split_first(rest);
        let (stage, rest) = split_first(rest.strip_prefix('/')?);
        let rest = rest.strip_prefix("/_user_request_")?;
        if !rest.is_empty() && !rest.starts_with('/') {
            return None;
        }
        return (!api_id.is_empty() && !stage.is_empty()).then_some(StageAddress {
            api_id,
            stage,
            path: rest,
        });
    }
    None
}

/// `API_ID.execute-api.localhost[:port]` (any suffix after `execute-api.`
/// is accepted, as LocalStack does, so custom local domains work too).
fn host_style_api_id(host: &str) -> Option<&str> {
    let (api_id, rest) = host.split_once('.')?;
    let ok_id = !api_id.is_empty() && api_id.bytes().all(|b| b.is_ascii_alphanumeric());
    (ok_id && rest.starts_with("execute-api.")).then_some(api_id)
}

/// `"a/b/c"` → `("a", "/b/c")`.
fn split_first(s: &str) -> (&str, &str) {
    match s.find('/') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a<'a>(api: &'a str, stage: &'a str, path: &'a str) -> Option<StageAddress<'a>> {
        Some(StageAddress {
            api_id: api,
            stage,
            path,
        })
    }

    #[test]
    fn three_forms() {
        assert_eq!(
            parse_stage_address(None, "/_aws/execute-api/abc/test/check"),
            a("abc", "test", "/check")
        );
        assert_eq!(
            parse_stage_address(None, "/_aws/execute-api/abc/test"),
            a("abc", "test", "")
        );
        assert_eq!(
            parse_stage_address(None, "/_aws/execute-api/abc/test//x/"),
            a("abc", "test", "//x/")
        );
        assert_eq!(
            parse_stage_address(Some("abc.execute-api.localhost:4566"), "/test/check"),
            a("abc", "test", "/check")
        );
        assert_eq!(
            parse_stage_address(None, "/restapis/abc/test/_user_request_/check"),
            a("abc", "test", "/check")
        );
        assert_eq!(
            parse_stage_address(None, "/restapis/abc/test/_user_request_"),
            a("abc", "test", "")
        );
    }

    #[test]
    fn not_a_stage() {
        assert_eq!(
            parse_stage_address(None, "/2015-03-31/functions/f/invocations"),
            None
        );
        assert_eq!(parse_stage_address(None, "/_aws/execute-api/abc"), None);
        assert_eq!(
            parse_stage_address(None, "/restapis/abc/test/other/check"),
            None
        );
        assert_eq!(
            parse_stage_address(None, "/restapis/abc/test/_user_request_x"),
            None
        );
        assert_eq!(
            parse_stage_address(Some("127.0.0.1:4566"), "/test/check"),
            None
        );
        assert_eq!(
            parse_stage_address(Some("abc.execute-api.localhost"), "/"),
            None
        );
    }
}
