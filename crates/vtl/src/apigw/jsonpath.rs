//! JSONPath as API Gateway evaluates it (Jayway, Java): RFC 9535 via
//! `serde_json_path`, plus Jayway's habits — a definite path (no
//! wildcard, descendant, filter, slice or union) yields the single value
//! itself rather than a one-element list, a path without `$` is rooted at
//! `$`, and dotted names may contain characters RFC 9535 only allows in
//! brackets (`$.content-type`).

use serde_json::Value as J;
use serde_json_path::JsonPath;

pub(crate) enum Found<'a> {
    Missing,
    One(&'a J),
    Many(Vec<&'a J>),
}

pub(crate) fn query<'a>(doc: &'a J, path: &str) -> Result<Found<'a>, String> {
    let path = normalize(path.trim());
    let compiled = JsonPath::parse(&path).map_err(|e| format!("Invalid JSONPath {path}: {e}"))?;
    let nodes = compiled.query(doc);
    if is_definite(&path) {
        Ok(match nodes.at_most_one() {
            Ok(Some(v)) => Found::One(v),
            Ok(None) => Found::Missing,
            Err(_) => Found::Many(compiled.query(doc).all()),
        })
    } else {
        Ok(Found::Many(nodes.all()))
    }
}

/// Rewrites Jayway spellings into RFC 9535 ones.
fn normalize(path: &str) -> String {
    let body = if let Some(rest) = path.strip_prefix('$') {
        rest
    } else if path.is_empty() {
        ""
    } else if path.starts_with('[') || path.starts_with('.') {
        path
    } else {
        return normalize(&format!("$.{path}"));
    };
    let mut out = String::from("$");
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    let mut bracket = 0usize;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            out.push(c);
            if c == '\\' && i + 1 < chars.len() {
                out.push(chars[i + 1]);
                i += 1;
            } else if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            '\'' | '"' if bracket > 0 => {
                quote = Some(c);
                out.push(c);
                i += 1;
            }
            '[' => {
                bracket += 1;
                out.push(c);
                i += 1;
            }
            ']' => {
                bracket = bracket.saturating_sub(1);
                out.push(c);
                i += 1;
            }
            '.' if bracket == 0 => {
                let dots = if chars.get(i + 1) == Some(&'.') { 2 } else { 1 };
                i += dots;
                let start = i;
                while i < chars.len() && !matches!(chars[i], '.' | '[') {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                out.push_str(if dots == 2 { ".." } else { "" });
                if name == "*" {
                    out.push_str(if dots == 2 { "*" } else { ".*" });
                } else if name.is_empty() {
                    // `$.` or `$..[0]`: leave the brackets to follow.
                    if dots == 1 {
                        out.push('.');
                    }
                } else if is_shorthand(&name) {
                    if dots == 1 {
                        out.push('.');
                    }
                    out.push_str(&name);
                } else {
                    out.push_str("['");
                    out.push_str(&name.replace('\\', "\\\\").replace('\'', "\\'"));
                    out.push_str("']");
                }
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn is_shorthand(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// Jayway's "definite path": no `..`, `*`, filter, slice or union.
fn is_definite(path: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut bracket = 0usize;
    let mut prev = ' ';
    for c in path.chars() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            prev = c;
            continue;
        }
        match c {
            '\'' | '"' if bracket > 0 => quote = Some(c),
            '[' => bracket += 1,
            ']' => bracket = bracket.saturating_sub(1),
            '*' | '?' => return false,
            ',' | ':' if bracket > 0 => return false,
            '.' if prev == '.' => return false,
            _ => {}
        }
        prev = c;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(doc: &J, p: &str) -> Option<J> {
        match query(doc, p).unwrap() {
            Found::One(v) => Some(v.clone()),
            _ => None,
        }
    }

    #[test]
    fn definite_paths_unwrap() {
        let doc = json!({"a": {"b-c": [1, 2]}, "x": null});
        assert_eq!(one(&doc, "$.a.b-c[1]"), Some(json!(2)));
        assert_eq!(one(&doc, "$"), Some(doc.clone()));
        assert_eq!(one(&doc, "a.b-c[0]"), Some(json!(1)));
        assert_eq!(one(&doc, "$['a']"), Some(json!({"b-c": [1, 2]})));
        assert_eq!(one(&doc, "$.x"), Some(J::Null));
        assert!(matches!(query(&doc, "$.missing").unwrap(), Found::Missing));
    }

    #[test]
    fn indefinite_paths_give_lists() {
        let doc = json!({"items": [{"id": 1}]});
        match query(&doc, "$.items[*].id").unwrap() {
            Found::Many(v) => assert_eq!(v, vec![&json!(1)]),
            _ => panic!("expected a list"),
        }
        match query(&doc, "$..id").unwrap() {
            Found::Many(v) => assert_eq!(v.len(), 1),
            _ => panic!("expected a list"),
        }
    }

    #[test]
    fn normalizes_jayway_spellings() {
        assert_eq!(normalize("$.a.b"), "$.a.b");
        assert_eq!(normalize("$.content-type"), "$['content-type']");
        assert_eq!(normalize("$..name"), "$..name");
        assert_eq!(normalize("$.a[?(@.x == 'a.b')]"), "$.a[?(@.x == 'a.b')]");
        assert_eq!(normalize("$.*"), "$.*");
        assert!(query(&json!({}), "$[").is_err());
    }
}
