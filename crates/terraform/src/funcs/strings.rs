//! String functions: format, join, split, replace, case, trimming.

use super::{arg_err, arity, l, n, s};
use crate::error::TfError;
use crate::value::{Value, format_number};

/// Dispatches the string functions; `None` when `name` is not one of them.
pub(super) fn call(name: &str, a: &[Value]) -> Option<Result<Value, TfError>> {
    let r = match name {
        "format" => format(a),
        "formatlist" => formatlist(a),
        "join" => join(a),
        "split" => arity(a, 2, 2).and_then(|_| {
            let (sep, st) = (s(a, 0)?, s(a, 1)?);
            if st.is_empty() {
                return Ok(Value::List(vec![]));
            }
            Ok(Value::List(
                st.split(sep.as_str()).map(Value::str).collect(),
            ))
        }),
        "replace" => replace(a),
        "lower" => one(a, |x| x.to_lowercase()),
        "upper" => one(a, |x| x.to_uppercase()),
        "title" => one(a, title),
        "trimspace" => one(a, |x| x.trim().to_string()),
        "chomp" => one(a, |x| x.trim_end_matches(['\n', '\r']).to_string()),
        "trim" => two(a, |x, cut| x.trim_matches(|c| cut.contains(c)).to_string()),
        "trimprefix" => two(a, |x, p| x.strip_prefix(p).unwrap_or(x).to_string()),
        "trimsuffix" => two(a, |x, p| x.strip_suffix(p).unwrap_or(x).to_string()),
        "startswith" => {
            arity(a, 2, 2).and_then(|_| Ok(Value::Bool(s(a, 0)?.starts_with(&s(a, 1)?))))
        }
        "endswith" => arity(a, 2, 2).and_then(|_| Ok(Value::Bool(s(a, 0)?.ends_with(&s(a, 1)?)))),
        "substr" => substr(a),
        "indent" => arity(a, 2, 2).and_then(|_| {
            let pad = " ".repeat(n(a, 0)? as usize);
            Ok(Value::String(s(a, 1)?.replace('\n', &format!("\n{pad}"))))
        }),
        "regex" => arity(a, 2, 2).and_then(|_| {
            let re = regex::Regex::new(&s(a, 0)?)
                .map_err(|e| arg_err(format!("Invalid regular expression: {e}")))?;
            let text = s(a, 1)?;
            let caps = re
                .captures(&text)
                .ok_or_else(|| arg_err("pattern did not match any part of the given string"))?;
            if caps.len() == 1 {
                return Ok(Value::str(caps.get(0).map_or("", |m| m.as_str())));
            }
            Ok(Value::List(
                (1..caps.len())
                    .map(|i| Value::str(caps.get(i).map_or("", |m| m.as_str())))
                    .collect(),
            ))
        }),
        "urlencode" => one(a, |x| {
            x.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        (b as char).to_string()
                    }
                    b' ' => "+".to_string(),
                    _ => format!("%{b:02X}"),
                })
                .collect()
        }),
        "tostring" => arity(a, 1, 1).and_then(|_| match &a[0] {
            Value::Null => Ok(Value::Null),
            v => v.to_interp_string().map(Value::String).ok_or_else(|| {
                arg_err(format!(
                    "Invalid value for \"v\" parameter: cannot convert {} to string.",
                    v.type_name()
                ))
            }),
        }),
        "tonumber" => arity(a, 1, 1).and_then(|_| match &a[0] {
            Value::Null => Ok(Value::Null),
            v => v.as_number().map(Value::Number).ok_or_else(|| {
                arg_err(format!(
                    "Invalid value for \"v\" parameter: cannot convert {v} to number."
                ))
            }),
        }),
        "tobool" => arity(a, 1, 1).and_then(|_| match &a[0] {
            Value::Null => Ok(Value::Null),
            v => v.as_bool().map(Value::Bool).ok_or_else(|| {
                arg_err(format!(
                    "Invalid value for \"v\" parameter: cannot convert {v} to bool."
                ))
            }),
        }),
        _ => return None,
    };
    Some(r)
}

fn one(a: &[Value], f: impl Fn(&str) -> String) -> Result<Value, TfError> {
    arity(a, 1, 1)?;
    Ok(Value::String(f(&s(a, 0)?)))
}

fn two(a: &[Value], f: impl Fn(&str, &str) -> String) -> Result<Value, TfError> {
    arity(a, 2, 2)?;
    Ok(Value::String(f(&s(a, 0)?, &s(a, 1)?)))
}

fn title(x: &str) -> String {
    let mut out = String::with_capacity(x.len());
    let mut start = true;
    for c in x.chars() {
        if start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = !c.is_alphanumeric();
    }
    out
}

fn join(a: &[Value]) -> Result<Value, TfError> {
    if a.len() < 2 {
        return Err(arg_err("join requires a separator and at least one list."));
    }
    let sep = s(a, 0)?;
    let mut parts = Vec::new();
    for i in 1..a.len() {
        for v in l(a, i)? {
            parts.push(v.to_interp_string().ok_or_else(|| {
                arg_err("Invalid value for \"lists\" parameter: element must be a string.")
            })?);
        }
    }
    Ok(Value::String(parts.join(&sep)))
}

/// `replace(str, substr, repl)`; a `substr` wrapped in slashes is a regex
/// (RE2 syntax, which the `regex` crate follows), with `$1` references.
fn replace(a: &[Value]) -> Result<Value, TfError> {
    arity(a, 3, 3)?;
    let (st, sub, rep) = (s(a, 0)?, s(a, 1)?, s(a, 2)?);
    if sub.len() >= 2 && sub.starts_with('/') && sub.ends_with('/') {
        let re = regex::Regex::new(&sub[1..sub.len() - 1])
            .map_err(|e| arg_err(format!("Invalid regular expression: {e}")))?;
        return Ok(Value::String(
            re.replace_all(&st, rep.as_str()).into_owned(),
        ));
    }
    Ok(Value::String(st.replace(&sub, &rep)))
}

fn substr(a: &[Value]) -> Result<Value, TfError> {
    arity(a, 3, 3)?;
    let chars: Vec<char> = s(a, 0)?.chars().collect();
    let len = chars.len() as i64;
    let mut off = n(a, 1)? as i64;
    if off < 0 {
        off += len;
    }
    let off = off.clamp(0, len) as usize;
    let want = n(a, 2)? as i64;
    let end = if want < 0 {
        chars.len()
    } else {
        (off + want as usize).min(chars.len())
    };
    Ok(Value::String(chars[off..end].iter().collect()))
}

/// Go-style `format` with the verbs Terraform supports: `%s %d %f %q %t %v %#v %%`,
/// flags `-` `0` `+`, width and precision.
pub(super) fn format(a: &[Value]) -> Result<Value, TfError> {
    if a.is_empty() {
        return Err(arg_err("format requires a format string."));
    }
    if a.iter().any(Value::has_unknown) {
        return Ok(Value::Unknown);
    }
    let fmt = s(a, 0)?;
    let mut out = String::new();
    let mut next = 1;
    let mut it = fmt.chars().peekable();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = it.peek() {
            if "-+0 #".contains(f) {
                flags.push(f);
                it.next();
            } else {
                break;
            }
        }
        let mut width = String::new();
        while let Some(&d) = it.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            it.next();
        }
        let mut prec: Option<usize> = None;
        if it.peek() == Some(&'.') {
            it.next();
            let mut p = String::new();
            while let Some(&d) = it.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                it.next();
            }
            prec = Some(p.parse().unwrap_or(0));
        }
        let verb = it
            .next()
            .ok_or_else(|| arg_err("Invalid format string: unterminated verb."))?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let v = a.get(next).ok_or_else(|| {
            arg_err(format!(
                "Invalid format string: not enough arguments for %{verb}."
            ))
        })?;
        next += 1;
        let text = match verb {
            's' => v.to_interp_string().ok_or_else(|| {
                arg_err(format!(
                    "unsupported value for \"%s\" at {}: string required",
                    next - 1
                ))
            })?,
            'd' => format_number(
                v.as_number()
                    .ok_or_else(|| arg_err("unsupported value for \"%d\": number required"))?
                    .trunc(),
            ),
            'f' => format!(
                "{:.*}",
                prec.unwrap_or(6),
                v.as_number()
                    .ok_or_else(|| arg_err("unsupported value for \"%f\": number required"))?
            ),
            'q' => format!("{:?}", v.to_interp_string().unwrap_or_default()),
            't' => v
                .as_bool()
                .ok_or_else(|| arg_err("unsupported value for \"%t\": bool required"))?
                .to_string(),
            'v' if flags.contains('#') => v.to_json().to_string(),
            'v' => v
                .to_interp_string()
                .unwrap_or_else(|| v.to_json().to_string()),
            other => {
                return Err(arg_err(format!(
                    "Invalid format string: unsupported format verb %{other}."
                )));
            }
        };
        let text = match (verb, prec) {
            ('s', Some(p)) => text.chars().take(p).collect(),
            _ => text,
        };
        let text = if flags.contains('+') && verb == 'd' && !text.starts_with('-') {
            format!("+{text}")
        } else {
            text
        };
        let w: usize = width.parse().unwrap_or(0);
        let pad = w.saturating_sub(text.chars().count());
        if flags.contains('-') {
            out.push_str(&text);
            out.push_str(&" ".repeat(pad));
        } else if flags.contains('0') && matches!(verb, 'd' | 'f') {
            out.push_str(&"0".repeat(pad));
            out.push_str(&text);
        } else {
            out.push_str(&" ".repeat(pad));
            out.push_str(&text);
        }
    }
    Ok(Value::String(out))
}

fn formatlist(a: &[Value]) -> Result<Value, TfError> {
    let len = a.iter().skip(1).find_map(|v| {
        if let Value::List(l) = v {
            Some(l.len())
        } else {
            None
        }
    });
    let Some(len) = len else {
        return Ok(Value::List(vec![format(a)?]));
    };
    let mut out = Vec::with_capacity(len);
    for i in 0..len {
        let row: Vec<Value> = a
            .iter()
            .enumerate()
            .map(|(j, v)| match v {
                Value::List(l) if j > 0 => l.get(i).cloned().unwrap_or(Value::Null),
                other => other.clone(),
            })
            .collect();
        out.push(format(&row)?);
    }
    Ok(Value::List(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(name: &str, args: Vec<Value>) -> Value {
        call(name, &args).unwrap().unwrap()
    }

    #[test]
    fn formats_like_go() {
        assert_eq!(
            c(
                "format",
                vec![
                    Value::str("%s-%03d|%-4s|%.2f|%q|%t"),
                    Value::str("a"),
                    Value::Number(7.0),
                    Value::str("x"),
                    Value::Number(1.5),
                    Value::str("q"),
                    Value::Bool(true)
                ]
            ),
            Value::str("a-007|x   |1.50|\"q\"|true")
        );
        assert_eq!(
            c(
                "formatlist",
                vec![
                    Value::str("%s!"),
                    Value::List(vec![Value::str("a"), Value::str("b")])
                ]
            ),
            Value::List(vec![Value::str("a!"), Value::str("b!")])
        );
    }

    #[test]
    fn strings() {
        assert_eq!(
            c(
                "join",
                vec![
                    Value::str(","),
                    Value::List(vec![Value::str("a"), Value::str("b")])
                ]
            ),
            Value::str("a,b")
        );
        assert_eq!(
            c("split", vec![Value::str(","), Value::str("a,b")]),
            Value::List(vec![Value::str("a"), Value::str("b")])
        );
        assert_eq!(
            c(
                "replace",
                vec![
                    Value::str("a-b-c"),
                    Value::str("/-(b)-/"),
                    Value::str("[$1]")
                ]
            ),
            Value::str("a[b]c")
        );
        assert_eq!(
            c(
                "replace",
                vec![Value::str("a.b"), Value::str("."), Value::str("_")]
            ),
            Value::str("a_b")
        );
        assert_eq!(c("lower", vec![Value::str("AbC")]), Value::str("abc"));
        assert_eq!(c("upper", vec![Value::str("AbC")]), Value::str("ABC"));
        assert_eq!(c("trimspace", vec![Value::str("  x \n")]), Value::str("x"));
        assert_eq!(
            c(
                "substr",
                vec![Value::str("hello"), Value::Number(1.0), Value::Number(3.0)]
            ),
            Value::str("ell")
        );
        assert_eq!(
            c("title", vec![Value::str("hello world")]),
            Value::str("Hello World")
        );
        assert_eq!(c("tostring", vec![Value::Number(3.0)]), Value::str("3"));
        assert_eq!(c("tonumber", vec![Value::str("42")]), Value::Number(42.0));
        assert!(call("tonumber", &[Value::str("x")]).unwrap().is_err());
    }
}
