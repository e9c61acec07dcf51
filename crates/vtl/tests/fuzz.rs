//! Fuzz-ish robustness test: random byte strings, and random splices of
//! VTL fragments, are parsed and rendered; nothing may panic. Errors are
//! fine. A fixed-seed xorshift generator keeps runs reproducible.

use portico_vtl::{Input, Limits, Template, Variables};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const FRAGMENTS: &[&str] = &[
    "$",
    "$!",
    "${",
    "}",
    "#",
    "##",
    "#*",
    "*#",
    "#[[",
    "]]#",
    "\\",
    "\\\\",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "'",
    "\"",
    ",",
    ":",
    "..",
    ".",
    "=",
    "==",
    "!=",
    "<",
    ">=",
    "&&",
    "||",
    "!",
    "+",
    "-",
    "*",
    "/",
    "%",
    "#set(",
    "#set($x = ",
    "#if(",
    "#elseif(",
    "#else",
    "#end",
    "#foreach($i in ",
    "#break",
    "#stop",
    "#macro(m $a)",
    "#m(",
    "#define($d)",
    "#{if}",
    "#{end}",
    "$x",
    "$x.y",
    "$x[0]",
    "$m['k']",
    "$input.path('$')",
    "$input.json('$.a')",
    "$input.params()",
    "$input.params('a')",
    "$input.body",
    "$util.parseJson('{}')",
    "$util.escapeJavaScript($x)",
    "$util.urlDecode('%')",
    "$context",
    "$context.responseOverride.status",
    "$foreach.hasNext",
    "[1..3]",
    "[1, 'a']",
    "{'k': 1}",
    "1",
    "-1",
    "2.5",
    "true",
    "null",
    " ",
    "\n",
    "in",
    "and",
    "not",
    "$s.split(',')",
    "$s.replaceAll('(.)', '$1')",
    "$s.substring(1)",
    ".toString()",
    ".size()",
    "é",
    "😀",
];

fn try_render(src: &str, limits: &Limits) {
    let Ok(t) = Template::parse_with_limits(src, limits) else {
        return;
    };
    let input = Input {
        body: br#"{"a": [1, {"b": "c"}], "s": "x,y"}"#.to_vec(),
        path: vec![("a".into(), "1".into())],
        querystring: vec![],
        header: vec![("h".into(), "v".into())],
    };
    let vars = Variables {
        context: serde_json::json!({"stage": "s"}),
        stage_variables: vec![],
    };
    let _ = t.render(&input, &vars, limits);
}

fn limits() -> Limits {
    Limits {
        max_steps: 20_000,
        max_loop_iterations: 2_000,
        max_output_bytes: 64 * 1024,
        max_string_bytes: 64 * 1024,
        max_elements: 20_000,
        ..Limits::default()
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let limits = limits();
    for _ in 0..20_000 {
        let len = rng.below(64);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                // Bias towards VTL's special characters.
                const SPECIAL: &[u8] =
                    b"$#!{}()[]'\"\\.,=<>&|*+-/%:0123456789 \nabcsetifendforeach";
                if rng.below(3) == 0 {
                    rng.next() as u8
                } else {
                    SPECIAL[rng.below(SPECIAL.len())]
                }
            })
            .collect();
        let src = String::from_utf8_lossy(&bytes);
        try_render(&src, &limits);
    }
}

#[test]
fn random_fragment_splices_never_panic() {
    let mut rng = XorShift(0xD1B5_4A32_D192_ED03);
    let limits = limits();
    for _ in 0..30_000 {
        let n = 1 + rng.below(24);
        let src: String = (0..n)
            .map(|_| FRAGMENTS[rng.below(FRAGMENTS.len())])
            .collect();
        try_render(&src, &limits);
    }
}
