//! Selection patterns (`selection_pattern`): Java regexes that must match the
//! WHOLE selection value, as `java.util.regex.Matcher.matches()` does. They
//! are compiled once per deployment with the linear-time `regex` crate as
//! `^(?:pat)$`; Java syntax it lacks (look-around, back-references,
//! possessive quantifiers) falls back to the backtracking `fancy-regex`.

/// One compiled pattern.
#[derive(Debug)]
pub(crate) enum SelectionPattern {
    Linear(regex::Regex),
    Backtracking(fancy_regex::Regex),
}

impl SelectionPattern {
    /// Compiles `pattern`; the error is both engines' reasons, for the
    /// apply-time diagnostic.
    pub(crate) fn compile(pattern: &str) -> Result<SelectionPattern, String> {
        let anchored = format!("^(?:{pattern})$");
        match regex::Regex::new(&anchored) {
            Ok(r) => Ok(SelectionPattern::Linear(r)),
            Err(linear) => match fancy_regex::Regex::new(&anchored) {
                Ok(r) => Ok(SelectionPattern::Backtracking(r)),
                Err(back) => Err(format!(
                    "{linear}; the backtracking engine also refused it: {back}"
                )),
            },
        }
    }

    /// Whole-string match. A backtracking pattern that exceeds its
    /// backtrack limit counts as no match (a hostile message cannot hang).
    pub(crate) fn is_match(&self, value: &str) -> bool {
        match self {
            SelectionPattern::Linear(r) => r.is_match(value),
            SelectionPattern::Backtracking(r) => r.is_match(value).unwrap_or(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, v: &str) -> bool {
        SelectionPattern::compile(p).unwrap().is_match(v)
    }

    #[test]
    fn whole_string_like_java_matches() {
        assert!(
            !m("Invalid*", "Invalid input"),
            "AWS doc erratum: Invalid* does not match"
        );
        assert!(m("Invalid.*", "Invalid input"));
        assert!(m(
            ".*\\[BadRequest\\].*",
            "{\"message\":\"[BadRequest] URL required\"}"
        ));
        assert!(
            !m("[BadRequest].*", "[BadRequest] x"),
            "a character class, the 2016 pitfall"
        );
        assert!(!m(".+", "two\nlines"), "`.` does not cross a newline");
        assert!(m("(\\n|.)+", "two\nlines"));
        assert!(m("2\\d{2}", "200") && !m("2\\d{2}", "2000"));
        assert!(
            m("a|b", "b") && !m("a|b", "ab"),
            "alternation stays inside the anchors"
        );
    }

    #[test]
    fn java_only_syntax_falls_back() {
        let p = SelectionPattern::compile("(?!Error).*").unwrap();
        assert!(matches!(p, SelectionPattern::Backtracking(_)));
        assert!(p.is_match("fine") && !p.is_match("Error: x"));
        assert!(
            SelectionPattern::compile("a++b").is_ok(),
            "possessive quantifier"
        );
        assert!(SelectionPattern::compile("(unclosed").is_err());
    }
}
