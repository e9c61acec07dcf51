//! What a parsed template can touch, found once at parse time: the root
//! names of every reference it contains (`$context`, `$input`, ...), and
//! whether it is plain text. The gateway builds `$context` for a request
//! only when a template names it, and answers a plain-text template without
//! rendering at all: the common `{"statusCode": 200}` MOCK template costs a
//! copy, not a context document and an interpreter run.

use crate::ast::{Accessor, Expr, Node, Reference};
use crate::parser::Parsed;
use std::collections::HashSet;

/// The root names referenced anywhere: in the body, in macro bodies and
/// arguments, in `#define` blocks and in interpolated strings.
pub(crate) fn roots(p: &Parsed) -> HashSet<String> {
    let mut out = HashSet::new();
    nodes(&p.nodes, &mut out);
    for m in p.macros.values() {
        nodes(&m.body, &mut out);
    }
    for b in &p.blocks {
        nodes(b, &mut out);
    }
    out
}

/// The output of a template made of text only (no reference, directive or
/// macro anywhere), which is the same for every request.
pub(crate) fn plain_text(p: &Parsed) -> Option<String> {
    if !p.macros.is_empty() || !p.blocks.is_empty() {
        return None;
    }
    let mut text = String::new();
    for n in &p.nodes {
        match n {
            Node::Text(t) => text.push_str(t),
            _ => return None,
        }
    }
    Some(text)
}

fn nodes(list: &[Node], out: &mut HashSet<String>) {
    for n in list {
        match n {
            Node::Text(_) | Node::Break | Node::Stop => {}
            Node::Ref(r) | Node::EscapedRef { reference: r, .. } => reference(r, out),
            Node::Set { target, value, .. } => {
                reference(target, out);
                expr(value, out);
            }
            Node::If {
                branches,
                otherwise,
                ..
            } => {
                for (cond, body) in branches {
                    expr(cond, out);
                    nodes(body, out);
                }
                if let Some(body) = otherwise {
                    nodes(body, out);
                }
            }
            Node::Foreach { iterable, body, .. } => {
                expr(iterable, out);
                nodes(body, out);
            }
            Node::MacroCall { args, .. } => args.iter().for_each(|a| expr(a, out)),
            Node::Define { .. } => {}
        }
    }
}

fn reference(r: &Reference, out: &mut HashSet<String>) {
    out.insert(r.root.clone());
    for part in &r.parts {
        match part {
            Accessor::Property(_) => {}
            Accessor::Method(_, args) => args.iter().for_each(|a| expr(a, out)),
            Accessor::Index(i) => expr(i, out),
        }
    }
}

fn expr(e: &Expr, out: &mut HashSet<String>) {
    match e {
        Expr::Bool(_) | Expr::Int(_) | Expr::Float(_) | Expr::Str(_) => {}
        Expr::Interpolated(n) => nodes(n, out),
        Expr::List(items) => items.iter().for_each(|i| expr(i, out)),
        Expr::Range(a, b) | Expr::Binary(_, a, b) => {
            expr(a, out);
            expr(b, out);
        }
        Expr::Map(pairs) => pairs.iter().for_each(|(k, v)| {
            expr(k, out);
            expr(v, out);
        }),
        Expr::Ref(r) => reference(r, out),
        Expr::Not(x) | Expr::Neg(x) => expr(x, out),
    }
}

#[cfg(test)]
mod tests {
    use crate::Template;

    fn names(src: &str) -> Vec<String> {
        let t = Template::parse(src).unwrap();
        let mut v: Vec<String> = ["context", "input", "util", "stageVariables", "x"]
            .iter()
            .filter(|n| t.references(n))
            .map(|n| n.to_string())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn finds_roots_wherever_they_hide() {
        assert!(names("{\"statusCode\": 200}").is_empty());
        assert_eq!(names("$context.requestId"), ["context"]);
        assert_eq!(
            names("#set($context.responseOverride.status = 400)"),
            ["context"]
        );
        assert_eq!(
            names("#if($x == 1)$util.escapeJavaScript('a')#end"),
            ["util", "x"]
        );
        assert_eq!(
            names("#foreach($k in $input.params().header.keySet())#end"),
            ["input"]
        );
        assert_eq!(names("#set($y = \"id: $context.requestId\")"), ["context"]);
        assert_eq!(
            names("#macro(m $a)$stageVariables.v#end"),
            ["stageVariables"]
        );
        assert_eq!(names("#define($d)$context.stage#end"), ["context"]);
        assert_eq!(names("$input.path($x)"), ["input", "x"]);
        assert_eq!(names("#set($m = {'k': $context.a})"), ["context"]);
    }

    #[test]
    fn plain_text_only_without_any_directive() {
        let t = |s: &str| Template::parse(s).unwrap().plain_text().map(str::to_string);
        assert_eq!(t("{\"ok\":true}").as_deref(), Some("{\"ok\":true}"));
        assert_eq!(t("").as_deref(), Some(""));
        assert_eq!(t("a $x b"), None);
        assert_eq!(t("#set($a = 1)"), None);
        assert_eq!(t("#macro(m)x#end"), None);
        // Wherever plain_text answers, it is what rendering gives.
        let mut plain = 0;
        for src in [
            "a## note\nb",
            "x #* block *# y",
            "\\#notadirective",
            "50% off",
        ] {
            let t = Template::parse(src).unwrap();
            if let Some(text) = t.plain_text() {
                plain += 1;
                let full = t
                    .render(
                        &Default::default(),
                        &Default::default(),
                        &Default::default(),
                    )
                    .unwrap();
                assert_eq!(text, full.output, "{src:?}");
            }
        }
        assert_eq!(plain, 4, "comments and escapes leave text only");
    }
}
