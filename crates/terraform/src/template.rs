//! String templates: `"a ${x} b"`, heredocs, `%{if}` / `%{for}` directives
//! and `~` strip markers.

use crate::error::TfError;
use crate::expr::Evaluator;
use crate::value::Value;
use hcl_edit::template::{Directive, Element, Template};

/// Evaluates a template. A quoted template that is exactly one
/// interpolation (`"${x}"`) yields the value itself, not its string form:
/// that is how Terraform 0.11 files pass lists and maps around.
pub fn eval_template(ev: &mut Evaluator<'_>, t: &Template, quoted: bool) -> Result<Value, TfError> {
    if quoted
        && t.len() == 1
        && let Some(Element::Interpolation(i)) = t.get(0)
    {
        return ev.eval(&i.expr);
    }
    let mut out = String::new();
    let mut strip_next = false;
    if render(ev, t, &mut out, &mut strip_next)? {
        Ok(Value::Unknown)
    } else {
        Ok(Value::String(out))
    }
}

/// Appends the template's text to `out`; returns true when some part is unknown.
fn render(
    ev: &mut Evaluator<'_>,
    t: &Template,
    out: &mut String,
    strip_next: &mut bool,
) -> Result<bool, TfError> {
    let mut unknown = false;
    for el in t.iter() {
        match el {
            Element::Literal(s) => {
                let text: &str = s.value();
                let text = if std::mem::take(strip_next) {
                    text.trim_start()
                } else {
                    text
                };
                out.push_str(&unescape(text));
            }
            Element::Interpolation(i) => {
                if i.strip.strip_start() {
                    trim_end(out);
                }
                *strip_next = i.strip.strip_end();
                match ev.eval(&i.expr)? {
                    Value::Unknown => unknown = true,
                    v if v.has_unknown() => unknown = true,
                    Value::Null => {
                        return Err(TfError::new(
                            "Invalid template interpolation value",
                            "The expression result is null. Cannot include a null value in a string template.",
                        ));
                    }
                    v => match v.to_interp_string() {
                        Some(s) => out.push_str(&s),
                        None => {
                            return Err(TfError::new(
                                "Invalid template interpolation value",
                                format!(
                                    "Cannot include the given value in a string template: string required, not {}.",
                                    v.type_name()
                                ),
                            ));
                        }
                    },
                }
            }
            Element::Directive(d) => match d.as_ref() {
                Directive::If(ifd) => {
                    if ifd.if_expr.strip.strip_start() {
                        trim_end(out);
                    }
                    *strip_next = ifd.if_expr.strip.strip_end();
                    match ev.eval(&ifd.if_expr.cond_expr)? {
                        Value::Unknown => unknown = true,
                        c => match c.as_bool() {
                            Some(true) => {
                                unknown |= render(ev, &ifd.if_expr.template, out, strip_next)?
                            }
                            Some(false) => {
                                if let Some(e) = &ifd.else_expr {
                                    *strip_next = e.strip.strip_end();
                                    unknown |= render(ev, &e.template, out, strip_next)?;
                                }
                            }
                            None => {
                                return Err(TfError::new(
                                    "Invalid template directive",
                                    "The condition of an if directive must be a bool.",
                                ));
                            }
                        },
                    }
                    *strip_next = ifd.endif_expr.strip.strip_end();
                }
                Directive::For(fd) => {
                    let f = &fd.for_expr;
                    if f.strip.strip_start() {
                        trim_end(out);
                    }
                    let items: Vec<(Value, Value)> = match ev.eval(&f.collection_expr)? {
                        Value::Unknown => {
                            unknown = true;
                            vec![]
                        }
                        Value::List(l) => l
                            .into_iter()
                            .enumerate()
                            .map(|(i, v)| (Value::Number(i as f64), v))
                            .collect(),
                        Value::Map(m) => {
                            m.into_iter().map(|(k, v)| (Value::String(k), v)).collect()
                        }
                        other => {
                            return Err(TfError::new(
                                "Invalid template directive",
                                format!(
                                    "A for directive cannot iterate over a {}.",
                                    other.type_name()
                                ),
                            ));
                        }
                    };
                    for (k, v) in items {
                        let mut binds = vec![(f.value_var.value().as_str().to_string(), v)];
                        if let Some(kv) = &f.key_var {
                            binds.push((kv.value().as_str().to_string(), k));
                        }
                        *strip_next = f.strip.strip_end();
                        unknown |=
                            ev.with_bindings(binds, |ev| render(ev, &f.template, out, strip_next))?;
                    }
                    *strip_next = fd.endfor_expr.strip.strip_end();
                }
            },
        }
    }
    Ok(unknown)
}

fn trim_end(out: &mut String) {
    let n = out.trim_end().len();
    out.truncate(n);
}

/// `$${` and `%%{` are escapes for a literal `${` and `%{`.
fn unescape(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains("$${") || s.contains("%%{") {
        std::borrow::Cow::Owned(s.replace("$${", "${").replace("%%{", "%{"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use crate::expr::{EmptyScope, Evaluator};
    use crate::funcs::FuncCtx;
    use crate::value::Value;

    fn ev(src: &str) -> Value {
        let e = hcl_edit::parser::parse_expr(src).unwrap();
        let f = FuncCtx::for_plan(std::path::PathBuf::from("."));
        Evaluator::new(&EmptyScope, &f).eval(&e).unwrap()
    }

    #[test]
    fn directives_and_strip_markers() {
        assert_eq!(
            ev(r#""%{for x in ["a", "b"]}${x},%{endfor}""#),
            Value::str("a,b,")
        );
        assert_eq!(ev(r#""%{if true}yes%{else}no%{endif}""#), Value::str("yes"));
        assert_eq!(ev(r#""a   ${~ "b" ~}   c""#), Value::str("abc"));
        assert_eq!(ev(r#""$${literal}""#), Value::str("${literal}"));
        assert_eq!(ev(r#""\\[BadRequest\\]""#), Value::str("\\[BadRequest\\]"));
    }

    #[test]
    fn heredocs() {
        assert_eq!(ev("<<EOT\nhello ${1 + 1}\nEOT"), Value::str("hello 2\n"));
        assert_eq!(
            ev("<<-EOT\n    a\n      b\n    EOT"),
            Value::str("a\n  b\n")
        );
    }
}
