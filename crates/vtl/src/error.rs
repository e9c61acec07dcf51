//! The one error type of the crate. Parse errors and render errors carry the
//! line and column (1-based, counted in characters) of the construct that
//! failed; limit violations say which limit tripped.

use std::fmt;

/// Which of the [`crate::Limits`] a template ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    /// `max_template_bytes`: the template source is too large to parse.
    TemplateSize,
    /// `max_output_bytes`: the rendered output grew too large.
    OutputSize,
    /// `max_string_bytes`: one string value grew too large.
    StringSize,
    /// `max_loop_iterations`: the `#foreach` iterations of one render.
    LoopIterations,
    /// `max_depth`: nesting in the parser, or recursion while rendering.
    Depth,
    /// `max_range`: a `[a..b]` range literal has too many elements.
    RangeSize,
    /// `max_steps`: the total evaluation work of one render.
    Steps,
    /// `max_elements`: the list/map elements allocated by one render.
    Elements,
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            LimitKind::TemplateSize => "template size",
            LimitKind::OutputSize => "output size",
            LimitKind::StringSize => "string size",
            LimitKind::LoopIterations => "loop iterations",
            LimitKind::Depth => "nesting depth",
            LimitKind::RangeSize => "range size",
            LimitKind::Steps => "evaluation steps",
            LimitKind::Elements => "collection elements",
        };
        f.write_str(name)
    }
}

/// Everything that can go wrong parsing or rendering a template.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VtlError {
    /// The template is not valid VTL.
    #[error("template parse error at line {line}, column {column}: {message}")]
    Parse {
        line: usize,
        column: usize,
        message: String,
    },
    /// Rendering failed the way a Java exception would fail it in AWS
    /// (bad index, invalid JSON given to `$util.parseJson`, bad regex...).
    #[error("template render error at line {line}, column {column}: {message}")]
    Render {
        line: usize,
        column: usize,
        message: String,
    },
    /// A safety limit was exceeded.
    #[error("template limit exceeded at line {line}, column {column}: {kind}")]
    Limit {
        kind: LimitKind,
        line: usize,
        column: usize,
    },
}

impl VtlError {
    /// The limit that was exceeded, if this is a limit error.
    pub fn limit_kind(&self) -> Option<LimitKind> {
        match self {
            VtlError::Limit { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}

/// An error before it is given a position: the evaluator and the parser
/// attach line and column from the byte offset they are working at.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fault {
    Parse(String),
    Render(String),
    Limit(LimitKind),
}

impl Fault {
    pub(crate) fn render(msg: impl Into<String>) -> Self {
        Fault::Render(msg.into())
    }

    pub(crate) fn at(self, src: &str, offset: usize) -> VtlError {
        let (line, column) = line_col(src, offset);
        match self {
            Fault::Parse(message) => VtlError::Parse {
                line,
                column,
                message,
            },
            Fault::Render(message) => VtlError::Render {
                line,
                column,
                message,
            },
            Fault::Limit(kind) => VtlError::Limit { kind, line, column },
        }
    }
}

/// 1-based line and column of a byte offset (clamped to the source).
pub(crate) fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(src.len());
    while !src.is_char_boundary(end) {
        end -= 1;
    }
    let before = &src[..end];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_lines_and_chars() {
        assert_eq!(line_col("abc", 0), (1, 1));
        assert_eq!(line_col("abc\ndé\nx", 7), (2, 3));
        assert_eq!(line_col("a\nb", 99), (2, 2));
    }

    #[test]
    fn fault_gets_position() {
        let e = Fault::Parse("bad".into()).at("ab\ncd", 4);
        assert_eq!(
            e,
            VtlError::Parse {
                line: 2,
                column: 2,
                message: "bad".into()
            }
        );
        assert_eq!(
            Fault::Limit(LimitKind::Steps).at("", 0).limit_kind(),
            Some(LimitKind::Steps)
        );
    }
}
