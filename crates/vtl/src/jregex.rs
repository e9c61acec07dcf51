//! Java regular expressions (`String.replaceAll`, `matches`, `split`) on
//! top of `regex`, falling back to `fancy-regex` for look-around and
//! back-references, with Java's replacement-string syntax.

use std::borrow::Cow;

/// Compiled size cap for one pattern; templates are small, patterns too.
const SIZE_LIMIT: usize = 1 << 20;
/// Backtracking budget for `fancy-regex` patterns.
const BACKTRACK_LIMIT: usize = 1_000_000;

pub(crate) enum JRegex {
    Plain(regex::Regex),
    Fancy(fancy_regex::Regex),
}

/// One match: its byte range and its capture groups' byte ranges.
pub(crate) struct Match {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) groups: Vec<Option<(usize, usize)>>,
}

impl JRegex {
    pub(crate) fn new(pattern: &str) -> Result<Self, String> {
        let pattern = translate(pattern);
        match regex::RegexBuilder::new(&pattern)
            .size_limit(SIZE_LIMIT)
            .build()
        {
            Ok(r) => Ok(JRegex::Plain(r)),
            Err(_) => fancy_regex::RegexBuilder::new(&pattern)
                .backtrack_limit(BACKTRACK_LIMIT)
                .delegate_size_limit(SIZE_LIMIT)
                .build()
                .map(JRegex::Fancy)
                .map_err(|e| format!("PatternSyntaxException: {e}")),
        }
    }

    /// Java `String.matches`: the pattern must match the whole string.
    pub(crate) fn whole(pattern: &str) -> Result<Self, String> {
        JRegex::new(&format!("^(?:{pattern})\\z"))
    }

    /// Calls `f` for each match, left to right, non-overlapping, until it
    /// returns `Ok(false)` or an error.
    pub(crate) fn each(
        &self,
        s: &str,
        mut f: impl FnMut(Match) -> Result<bool, String>,
    ) -> Result<(), String> {
        match self {
            JRegex::Plain(r) => {
                for c in r.captures_iter(s) {
                    let m =
                        from_groups((0..c.len()).map(|i| c.get(i).map(|m| (m.start(), m.end()))));
                    if !f(m)? {
                        break;
                    }
                }
            }
            JRegex::Fancy(r) => {
                for c in r.captures_iter(s) {
                    let c = c.map_err(|e| format!("regex failed: {e}"))?;
                    let m =
                        from_groups((0..c.len()).map(|i| c.get(i).map(|m| (m.start(), m.end()))));
                    if !f(m)? {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    pub(crate) fn is_match(&self, s: &str) -> Result<bool, String> {
        match self {
            JRegex::Plain(r) => Ok(r.is_match(s)),
            JRegex::Fancy(r) => r.is_match(s).map_err(|e| format!("regex failed: {e}")),
        }
    }
}

fn from_groups(mut groups: impl Iterator<Item = Option<(usize, usize)>>) -> Match {
    let (start, end) = groups.next().flatten().unwrap_or((0, 0));
    Match {
        start,
        end,
        groups: groups.collect(),
    }
}

/// Java-only syntax the Rust engines spell differently.
fn translate(p: &str) -> Cow<'_, str> {
    if p.contains("\\p{Alpha}") || p.contains("\\p{Digit}") || p.contains("\\p{Alnum}") {
        Cow::Owned(
            p.replace("\\p{Alpha}", "[a-zA-Z]")
                .replace("\\p{Digit}", "[0-9]")
                .replace("\\p{Alnum}", "[a-zA-Z0-9]"),
        )
    } else {
        Cow::Borrowed(p)
    }
}

/// Expands a Java replacement string (`$1`, `${name}` unsupported, `\$`
/// for a literal dollar) for one match.
pub(crate) fn expand(repl: &str, s: &str, m: &Match, out: &mut String) -> Result<(), String> {
    let b = repl.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                let c = repl[i + 1..]
                    .chars()
                    .next()
                    .ok_or("character to be escaped is missing")?;
                out.push(c);
                i += 1 + c.len_utf8();
            }
            b'$' => {
                i += 1;
                let first = match b.get(i) {
                    Some(d) if d.is_ascii_digit() => (d - b'0') as usize,
                    _ => return Err("Illegal group reference".into()),
                };
                i += 1;
                let mut group = first;
                // Java takes more digits only while they name a group.
                while let Some(d) = b.get(i).filter(|d| d.is_ascii_digit()) {
                    let next = group * 10 + (d - b'0') as usize;
                    if next > m.groups.len() {
                        break;
                    }
                    group = next;
                    i += 1;
                }
                let range = if group == 0 {
                    Some((m.start, m.end))
                } else {
                    *m.groups
                        .get(group - 1)
                        .ok_or_else(|| format!("No group {group}"))?
                };
                if let Some((a, z)) = range {
                    out.push_str(&s[a..z]);
                }
            }
            _ => {
                let c = repl[i..].chars().next().unwrap_or_default();
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replace_all(s: &str, p: &str, r: &str) -> String {
        let re = JRegex::new(p).unwrap();
        let mut out = String::new();
        let mut last = 0;
        re.each(s, |m| {
            out.push_str(&s[last..m.start]);
            expand(r, s, &m, &mut out)?;
            last = m.end;
            Ok(true)
        })
        .unwrap();
        out.push_str(&s[last..]);
        out
    }

    #[test]
    fn java_replacement_syntax() {
        assert_eq!(replace_all("a-b", "(\\w)-(\\w)", "$2+$1"), "b+a");
        assert_eq!(replace_all("x", "x", "\\$1"), "$1");
        assert_eq!(replace_all("it\\'s", "\\\\'", "'"), "it's");
    }

    #[test]
    fn falls_back_to_fancy_for_lookaround() {
        let re = JRegex::new("a(?=b)").unwrap();
        assert!(matches!(re, JRegex::Fancy(_)));
        assert_eq!(replace_all("ab ac", "a(?=b)", "X"), "Xb ac");
    }

    #[test]
    fn bad_patterns_and_replacements_are_errors() {
        assert!(JRegex::new("(").is_err());
        let re = JRegex::new("a").unwrap();
        let mut errs = Vec::new();
        re.each("a", |m| {
            errs.push(expand("$", "a", &m, &mut String::new()).is_err());
            errs.push(expand("$3", "a", &m, &mut String::new()).is_err());
            Ok(false)
        })
        .unwrap();
        assert_eq!(errs, vec![true, true]);
    }

    #[test]
    fn whole_match() {
        assert!(JRegex::whole("a.c").unwrap().is_match("abc").unwrap());
        assert!(!JRegex::whole("a").unwrap().is_match("ab").unwrap());
        assert!(!JRegex::whole("a|ab").unwrap().is_match("abc").unwrap());
    }
}
