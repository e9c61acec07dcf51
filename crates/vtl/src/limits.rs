//! Safety limits so a hostile template cannot hang or exhaust the server.
//! Every limit violation is reported as [`crate::VtlError::Limit`].

/// Bounds applied while parsing and rendering one template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest template source accepted by the parser. AWS's quota for one
    /// mapping template is 300 KB; we read that as 300 KiB.
    pub max_template_bytes: usize,
    /// Largest rendered output. 10 MiB, API Gateway's payload limit.
    pub max_output_bytes: usize,
    /// Largest single string value a render may build (concatenation,
    /// `replace`, interpolation, `toString` of big collections).
    pub max_string_bytes: usize,
    /// Total `#foreach` iterations in one render, across all loops.
    pub max_loop_iterations: u64,
    /// Parser nesting (directives, parentheses, literals, interpolated
    /// strings) is capped at this depth; render recursion (macro calls,
    /// `#define` blocks, nested expressions, printing nested collections)
    /// at 8 × this many frames, which fits a 2 MiB thread stack.
    pub max_depth: usize,
    /// Most elements a `[a..b]` range literal may produce.
    pub max_range: u64,
    /// Total evaluation steps (nodes rendered, expressions evaluated,
    /// methods called) in one render.
    pub max_steps: u64,
    /// Total list/map elements a render may allocate (literals, `add`,
    /// `put`, JSON converted by `$input.path` / `$util.parseJson`).
    pub max_elements: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_template_bytes: 300 * 1024,
            max_output_bytes: 10 * 1024 * 1024,
            max_string_bytes: 10 * 1024 * 1024,
            max_loop_iterations: 1_000_000,
            max_depth: 64,
            max_range: 100_000,
            max_steps: 10_000_000,
            max_elements: 2_000_000,
        }
    }
}
