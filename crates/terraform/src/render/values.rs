//! Rendering attribute diffs: primitives, maps, lists and nested blocks,
//! with Terraform's symbols, indentation (4 spaces a level) and heredocs
//! for multi-line strings.

use crate::plan::same;
use crate::value::{Value, format_number};

/// ANSI colour codes, or empty strings.
pub struct Colors {
    pub green: &'static str,
    pub red: &'static str,
    pub yellow: &'static str,
    pub bold: &'static str,
    pub reset: &'static str,
}

impl Colors {
    pub fn new(on: bool) -> Colors {
        if on {
            Colors {
                green: "\x1b[32m",
                red: "\x1b[31m",
                yellow: "\x1b[33m",
                bold: "\x1b[1m",
                reset: "\x1b[0m",
            }
        } else {
            Colors {
                green: "",
                red: "",
                yellow: "",
                bold: "",
                reset: "",
            }
        }
    }
}

/// An attribute-level action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    Create,
    Delete,
    Update,
    NoOp,
}

fn sym(a: Act, c: &Colors) -> String {
    match a {
        Act::Create => format!("  {}+{} ", c.green, c.reset),
        Act::Delete => format!("  {}-{} ", c.red, c.reset),
        Act::Update => format!("  {}~{} ", c.yellow, c.reset),
        Act::NoOp => "    ".into(),
    }
}

fn ind(level: usize) -> String {
    "    ".repeat(level)
}

/// Null and "" count as absent (the provider SDK does not tell them apart).
pub fn nullish(v: &Value) -> bool {
    matches!(v, Value::Null) || matches!(v, Value::String(s) if s.is_empty())
}

fn act_of(b: &Value, a: &Value) -> Option<Act> {
    match (nullish(b), nullish(a)) {
        (true, true) => None,
        (true, false) => Some(Act::Create),
        (false, true) => Some(Act::Delete),
        _ if a.has_unknown() || !same(b, a) || b.type_name() != a.type_name() && !same(b, a) => {
            Some(Act::Update)
        }
        _ => Some(Act::NoOp),
    }
}

/// Renders the attributes and blocks of an object diff at `level`.
pub fn render_block(
    out: &mut String,
    before: &Value,
    after: &Value,
    blocks: &[&str],
    replace: &[String],
    level: usize,
    c: &Colors,
) {
    let mut keys: Vec<&String> = before
        .as_map()
        .into_iter()
        .flat_map(|m| m.keys())
        .chain(after.as_map().into_iter().flat_map(|m| m.keys()))
        .collect();
    keys.sort();
    keys.dedup();
    let (block_keys, attr_keys): (Vec<&String>, Vec<&String>) =
        keys.into_iter().partition(|k| blocks.contains(&k.as_str()));
    let attrs: Vec<(&String, Act)> = attr_keys
        .into_iter()
        .filter_map(|k| act_of(before.get(k), after.get(k)).map(|a| (k, a)))
        .collect();
    let width = attrs
        .iter()
        .map(|(k, _)| key_text(k).len())
        .max()
        .unwrap_or(0);
    let mut hidden = 0;
    for (k, a) in &attrs {
        if *a == Act::NoOp && !matches!(k.as_str(), "id" | "name" | "tags") {
            hidden += 1;
            continue;
        }
        render_attr(
            out,
            k,
            width,
            before.get(k),
            after.get(k),
            *a,
            level + 1,
            replace.iter().any(|r| r == *k),
            c,
        );
    }
    if hidden > 0 {
        out.push_str(&format!(
            "{}    # ({hidden} unchanged attribute{} hidden)\n",
            ind(level + 1),
            if hidden == 1 { "" } else { "s" }
        ));
    }
    let mut hidden_blocks = 0;
    for k in block_keys {
        let empty = Vec::new();
        let bl = match before.get(k) {
            Value::List(l) => l,
            _ => &empty,
        };
        let al = match after.get(k) {
            Value::List(l) => l,
            _ => &empty,
        };
        let forces = replace.iter().any(|r| r == k);
        for i in 0..bl.len().max(al.len()) {
            let (b, a) = (
                bl.get(i).cloned().unwrap_or(Value::Null),
                al.get(i).cloned().unwrap_or(Value::Null),
            );
            let act = match (b.is_null(), a.is_null()) {
                (true, _) => Act::Create,
                (_, true) => Act::Delete,
                _ if same(&b, &a) => Act::NoOp,
                _ => Act::Update,
            };
            if act == Act::NoOp {
                hidden_blocks += 1;
                continue;
            }
            let note = if forces { " # forces replacement" } else { "" };
            out.push_str(&format!("{}{}{k} {{{note}\n", ind(level + 1), sym(act, c)));
            render_block(out, &b, &a, &[], &[], level + 1, c);
            out.push_str(&format!("{}    }}\n", ind(level + 1)));
        }
    }
    if hidden_blocks > 0 {
        out.push_str(&format!(
            "{}    # ({hidden_blocks} unchanged block{} hidden)\n",
            ind(level + 1),
            if hidden_blocks == 1 { "" } else { "s" }
        ));
    }
}

fn key_text(k: &str) -> String {
    let ident = !k.is_empty()
        && k.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
        && !k.starts_with(|ch: char| ch.is_ascii_digit());
    if ident { k.to_string() } else { quote(k) }
}

/// One `SYM key = value` line (or block of lines) at `level`.
#[allow(clippy::too_many_arguments)]
pub fn render_attr(
    out: &mut String,
    key: &str,
    width: usize,
    b: &Value,
    a: &Value,
    act: Act,
    level: usize,
    forces: bool,
    c: &Colors,
) {
    let note = if forces { " # forces replacement" } else { "" };
    let prefix = format!("{}{}{:<width$} = ", ind(level), sym(act, c), key_text(key));
    out.push_str(&prefix);
    match act {
        Act::Create => out.push_str(&value(a, level, Act::Create, c)),
        Act::NoOp => out.push_str(&value(a, level, Act::NoOp, c)),
        Act::Delete => {
            out.push_str(&value(b, level, Act::Delete, c));
            out.push_str(" -> null");
        }
        Act::Update => match (b, a) {
            (Value::Map(bm), Value::Map(am)) => {
                out.push_str("{\n");
                let mut keys: Vec<&String> = bm.keys().chain(am.keys()).collect();
                keys.sort();
                keys.dedup();
                let w = keys.iter().map(|k| quote(k).len()).max().unwrap_or(0);
                let mut hidden = 0;
                for k in keys {
                    let (x, y) = (
                        bm.get(k).unwrap_or(&Value::Null),
                        am.get(k).unwrap_or(&Value::Null),
                    );
                    match act_of(x, y) {
                        Some(Act::NoOp) | None => hidden += 1,
                        Some(e) => {
                            out.push_str(&format!(
                                "{}{}{:<w$} = ",
                                ind(level + 1),
                                sym(e, c),
                                quote(k)
                            ));
                            out.push_str(&elem(x, y, e, level + 1, c));
                            out.push('\n');
                        }
                    }
                }
                if hidden > 0 {
                    out.push_str(&format!(
                        "{}    # ({hidden} unchanged element{} hidden)\n",
                        ind(level + 1),
                        if hidden == 1 { "" } else { "s" }
                    ));
                }
                out.push_str(&format!("{}    }}", ind(level)));
            }
            _ => out.push_str(&elem(b, a, Act::Update, level, c)),
        },
    }
    out.push_str(note);
    out.push('\n');
}

fn elem(b: &Value, a: &Value, act: Act, level: usize, c: &Colors) -> String {
    match act {
        Act::Create => value(a, level, Act::Create, c),
        Act::Delete => format!("{} -> null", value(b, level, Act::Delete, c)),
        Act::NoOp => value(a, level, Act::NoOp, c),
        Act::Update => format!(
            "{} -> {}",
            value(b, level, Act::Delete, c),
            value(a, level, Act::Create, c)
        ),
    }
}

/// A value as Terraform prints it at `level`, with element symbols for collections.
fn value(v: &Value, level: usize, act: Act, c: &Colors) -> String {
    match v {
        Value::Unknown => "(known after apply)".into(),
        Value::Null => "null".into(),
        Value::String(s) if s.contains('\n') => {
            let mut t = String::from("<<-EOT\n");
            let body = s.strip_suffix('\n').unwrap_or(s);
            for line in body.split('\n') {
                if line.is_empty() {
                    t.push('\n');
                } else {
                    t.push_str(&format!("{}        {line}\n", ind(level)));
                }
            }
            t.push_str(&format!("{}    EOT", ind(level)));
            t
        }
        Value::Map(m) if m.is_empty() => "{}".into(),
        Value::List(l) if l.is_empty() => "[]".into(),
        Value::Map(m) => {
            let w = m.keys().map(|k| quote(k).len()).max().unwrap_or(0);
            let mut t = String::from("{\n");
            for (k, x) in m {
                t.push_str(&format!(
                    "{}{}{:<w$} = {}\n",
                    ind(level + 1),
                    sym(act, c),
                    quote(k),
                    value(x, level + 1, act, c)
                ));
            }
            t.push_str(&format!("{}    }}", ind(level)));
            t
        }
        Value::List(l) => {
            let mut t = String::from("[\n");
            for x in l {
                t.push_str(&format!(
                    "{}{}{},\n",
                    ind(level + 1),
                    sym(act, c),
                    value(x, level + 1, act, c)
                ));
            }
            t.push_str(&format!("{}    ]", ind(level)));
            t
        }
        other => literal(other),
    }
}

/// A primitive value in HCL syntax.
pub fn literal(v: &Value) -> String {
    match v {
        Value::String(s) => quote(s),
        Value::Number(n) => format_number(*n),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        Value::Unknown => "(known after apply)".into(),
        other => other.to_json().to_string(),
    }
}

/// A quoted HCL string (`${` and `%{` escaped as in HCL).
pub fn quote(s: &str) -> String {
    let mut t = String::with_capacity(s.len() + 2);
    t.push('"');
    for ch in s.chars() {
        match ch {
            '\\' => t.push_str("\\\\"),
            '"' => t.push_str("\\\""),
            '\n' => t.push_str("\\n"),
            '\r' => t.push_str("\\r"),
            '\t' => t.push_str("\\t"),
            c => t.push(c),
        }
    }
    t.push('"');
    t.replace("${", "$${").replace("%{", "%%{")
}
