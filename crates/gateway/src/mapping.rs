//! Parameter mapping expressions (`request_parameters`,
//! `response_parameters`, gateway response `response_parameters`): parsed
//! once per deployment into [`MappingSource`], resolved per request against
//! [`RequestValues`].

use serde_json::Value;
use serde_json_path::JsonPath;

/// The right-hand side of a mapping.
#[derive(Debug, Clone)]
pub(crate) enum MappingSource {
    /// `'literal'`.
    Static(String),
    /// `method.request.{path|querystring|header}.NAME`.
    Path(String),
    Query(String),
    Header(String),
    /// `method.request.multivalue{querystring|header}.NAME` (joined with `,`).
    MultiQuery(String),
    MultiHeader(String),
    /// `method.request.body[.JSONPATH]`.
    RequestBody(Option<Box<JsonPath>>),
    /// `integration.response.header.NAME` / `.multivalueheader.NAME`.
    IntegrationHeader(String),
    IntegrationMultiHeader(String),
    /// `integration.response.body[.JSONPATH]`.
    IntegrationBody(Option<Box<JsonPath>>),
    /// `context.a.b`.
    Context(Vec<String>),
    /// `stageVariables.NAME`.
    StageVariable(String),
}

impl MappingSource {
    pub(crate) fn parse(expr: &str) -> Result<MappingSource, String> {
        let e = expr.trim();
        if e.len() >= 2 && e.starts_with('\'') && e.ends_with('\'') {
            return Ok(MappingSource::Static(e[1..e.len() - 1].to_string()));
        }
        let named = |prefix: &str| {
            e.strip_prefix(prefix)
                .filter(|n| !n.is_empty())
                .map(str::to_string)
        };
        let path = |rest: &str| -> Result<Option<Box<JsonPath>>, String> {
            JsonPath::parse(&format!("${rest}"))
                .map(|p| Some(Box::new(p)))
                .map_err(|x| format!("`{e}`: {x}"))
        };
        Ok(if let Some(n) = named("method.request.path.") {
            MappingSource::Path(n)
        } else if let Some(n) = named("method.request.querystring.") {
            MappingSource::Query(n)
        } else if let Some(n) = named("method.request.header.") {
            MappingSource::Header(n)
        } else if let Some(n) = named("method.request.multivaluequerystring.") {
            MappingSource::MultiQuery(n)
        } else if let Some(n) = named("method.request.multivalueheader.") {
            MappingSource::MultiHeader(n)
        } else if e == "method.request.body" {
            MappingSource::RequestBody(None)
        } else if let Some(rest) = e.strip_prefix("method.request.body") {
            MappingSource::RequestBody(path(rest)?)
        } else if let Some(n) = named("integration.response.header.") {
            MappingSource::IntegrationHeader(n)
        } else if let Some(n) = named("integration.response.multivalueheader.") {
            MappingSource::IntegrationMultiHeader(n)
        } else if e == "integration.response.body" {
            MappingSource::IntegrationBody(None)
        } else if let Some(rest) = e.strip_prefix("integration.response.body") {
            MappingSource::IntegrationBody(path(rest)?)
        } else if let Some(n) = named("context.") {
            MappingSource::Context(n.split('.').map(str::to_string).collect())
        } else if let Some(n) = named("stageVariables.") {
            MappingSource::StageVariable(n)
        } else {
            return Err(format!("`{e}` is not a valid mapping expression"));
        })
    }
}

/// The integration's response headers and body.
pub(crate) type IntegrationOutput<'a> = (&'a [(String, String)], &'a [u8]);

/// Everything a mapping (or `$input.params()`) can read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestValues<'a> {
    pub path: &'a [(String, String)],
    /// Decoded query parameters, all values in order.
    pub query: &'a [(String, String)],
    /// Request headers with the client's casing, all values in order.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
    pub stage_variables: &'a [(String, String)],
    pub context: Option<&'a Value>,
    /// The integration's response headers and body, once there is one.
    pub integration: Option<IntegrationOutput<'a>>,
}

fn last<'a>(pairs: &'a [(String, String)], name: &str, ci: bool) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| {
            if ci {
                k.eq_ignore_ascii_case(name)
            } else {
                k == name
            }
        })
        .map(|(_, v)| v.as_str())
}

fn all(pairs: &[(String, String)], name: &str, ci: bool) -> Option<String> {
    let v: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| {
            if ci {
                k.eq_ignore_ascii_case(name)
            } else {
                k == name
            }
        })
        .map(|(_, v)| v.as_str())
        .collect();
    if v.is_empty() {
        None
    } else {
        Some(v.join(","))
    }
}

fn json_at(body: &[u8], path: &Option<Box<JsonPath>>) -> Option<String> {
    let Some(p) = path else {
        return Some(String::from_utf8_lossy(body).into_owned());
    };
    let doc: Value = serde_json::from_slice(body).ok()?;
    let hits = p.query(&doc).all();
    let v = match hits.as_slice() {
        [] => return None,
        [one] => (*one).clone(),
        many => Value::Array(many.iter().map(|v| (*v).clone()).collect()),
    };
    Some(match v {
        Value::String(s) => s,
        other => other.to_string(),
    })
}

fn context_at(ctx: &Value, path: &[String]) -> Option<String> {
    let v = path.iter().try_fold(ctx, |v, k| v.get(k))?;
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

impl<'a> RequestValues<'a> {
    /// No values at all (tests, and gateway responses before parsing).
    pub(crate) fn empty() -> RequestValues<'static> {
        RequestValues {
            path: &[],
            query: &[],
            headers: &[],
            body: &[],
            stage_variables: &[],
            context: None,
            integration: None,
        }
    }

    /// Resolves one mapping; `None` when the source is absent (AWS then
    /// leaves the target unset).
    pub(crate) fn resolve(&self, src: &MappingSource) -> Option<String> {
        match src {
            MappingSource::Static(s) => Some(s.clone()),
            MappingSource::Path(n) => last(self.path, n, false).map(str::to_string),
            MappingSource::Query(n) => last(self.query, n, false).map(str::to_string),
            MappingSource::Header(n) => last(self.headers, n, true).map(str::to_string),
            MappingSource::MultiQuery(n) => all(self.query, n, false),
            MappingSource::MultiHeader(n) => all(self.headers, n, true),
            MappingSource::RequestBody(p) => json_at(self.body, p),
            MappingSource::IntegrationHeader(n) => self
                .integration
                .and_then(|(h, _)| last(h, n, true))
                .map(str::to_string),
            MappingSource::IntegrationMultiHeader(n) => {
                self.integration.and_then(|(h, _)| all(h, n, true))
            }
            MappingSource::IntegrationBody(p) => self.integration.and_then(|(_, b)| json_at(b, p)),
            MappingSource::Context(path) => self.context.and_then(|c| context_at(c, path)),
            MappingSource::StageVariable(n) => {
                last(self.stage_variables, n, false).map(str::to_string)
            }
        }
    }
}

/// Replaces `${stageVariables.NAME}` in a URI (absent variables become empty,
/// as an unset Velocity reference would).
pub(crate) fn substitute_stage_variables(s: &str, vars: &[(String, String)]) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("${stageVariables.") {
        out.push_str(&rest[..i]);
        let after = &rest[i + "${stageVariables.".len()..];
        match after.find('}') {
            Some(end) => {
                out.push_str(last(vars, &after[..end], false).unwrap_or(""));
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> MappingSource {
        MappingSource::parse(s).unwrap()
    }

    #[test]
    fn resolves_every_source() {
        let path = vec![("id".to_string(), "a%2Fb".to_string())];
        let query = vec![
            ("q".to_string(), "1".to_string()),
            ("q".to_string(), "2".to_string()),
        ];
        let headers = vec![("X-Thing".to_string(), "v".to_string())];
        let sv = vec![("fn".to_string(), "f1".to_string())];
        let ctx = serde_json::json!({"requestId": "r", "identity": {"sourceIp": "1.2.3.4"}});
        let ih = vec![("Etag".to_string(), "e".to_string())];
        let v = RequestValues {
            path: &path,
            query: &query,
            headers: &headers,
            body: br#"{"a":{"b":"c"},"n":1}"#,
            stage_variables: &sv,
            context: Some(&ctx),
            integration: Some((&ih, br#"{"errorMessage":"boom"}"#)),
        };
        assert_eq!(v.resolve(&p("'*'")).as_deref(), Some("*"));
        assert_eq!(
            v.resolve(&p("method.request.path.id")).as_deref(),
            Some("a%2Fb")
        );
        assert_eq!(
            v.resolve(&p("method.request.querystring.q")).as_deref(),
            Some("2")
        );
        assert_eq!(
            v.resolve(&p("method.request.multivaluequerystring.q"))
                .as_deref(),
            Some("1,2")
        );
        assert_eq!(
            v.resolve(&p("method.request.header.x-thing")).as_deref(),
            Some("v")
        );
        assert_eq!(
            v.resolve(&p("method.request.body.a.b")).as_deref(),
            Some("c")
        );
        assert_eq!(v.resolve(&p("method.request.body.n")).as_deref(), Some("1"));
        assert_eq!(
            v.resolve(&p("integration.response.body.errorMessage"))
                .as_deref(),
            Some("boom")
        );
        assert_eq!(
            v.resolve(&p("integration.response.header.ETag")).as_deref(),
            Some("e")
        );
        assert_eq!(
            v.resolve(&p("context.identity.sourceIp")).as_deref(),
            Some("1.2.3.4")
        );
        assert_eq!(v.resolve(&p("stageVariables.fn")).as_deref(), Some("f1"));
        assert_eq!(v.resolve(&p("method.request.header.missing")), None);
        assert!(MappingSource::parse("nonsense.x").is_err());
    }

    #[test]
    fn stage_variables_in_uris() {
        let sv = vec![("fn".to_string(), "f1".to_string())];
        assert_eq!(
            substitute_stage_variables("a:${stageVariables.fn}/b${stageVariables.x}", &sv),
            "a:f1/b"
        );
        assert_eq!(
            substitute_stage_variables("x${stageVariables.open", &sv),
            "x${stageVariables.open"
        );
    }
}
