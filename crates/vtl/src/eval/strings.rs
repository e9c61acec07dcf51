//! `java.lang.String` methods. Indices are UTF-16 code units, as in Java;
//! out-of-range indices fail the render like Java's exceptions fail it in
//! AWS.

use std::rc::Rc;

use super::Renderer;
use crate::error::Fault;
use crate::jregex::{JRegex, expand};
use crate::value::Value;

fn u16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Byte offset of UTF-16 index `k` (clamped to the string).
fn byte_of(s: &str, k: usize) -> usize {
    let mut units = 0;
    for (b, c) in s.char_indices() {
        if units >= k {
            return b;
        }
        units += c.len_utf16();
    }
    s.len()
}

fn u16_of(s: &str, byte: usize) -> i64 {
    u16_len(&s[..byte]) as i64
}

fn str_arg(args: &[Value], i: usize) -> Option<&str> {
    match args.get(i) {
        Some(Value::Str(s)) => Some(s),
        _ => None,
    }
}

fn int_arg(args: &[Value], i: usize) -> Option<i64> {
    args.get(i).and_then(Value::as_int)
}

fn oob(what: &str, i: i64) -> Fault {
    Fault::render(format!("StringIndexOutOfBoundsException: {what} {i}"))
}

/// Java `String.trim`: strips every char up to U+0020.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

impl<'t> Renderer<'t> {
    /// Calls a String method; `None` when String has no such method for
    /// these argument types.
    pub(crate) fn string_method(
        &mut self,
        s: &Rc<str>,
        name: &str,
        args: &[Value],
    ) -> Result<Option<Value>, Fault> {
        let n = args.len();
        let v = match (name, n) {
            // `size` is not a Java String method; kept because templates
            // written for other engines use it and it is harmless.
            ("length" | "size", 0) => Value::Int(u16_len(s) as i64),
            ("isEmpty", 0) => Value::Bool(s.is_empty()),
            ("toString" | "trim" | "toLowerCase" | "toUpperCase", 0) => {
                let out = match name {
                    "trim" => java_trim(s).to_string(),
                    "toLowerCase" => s.to_lowercase(),
                    "toUpperCase" => s.to_uppercase(),
                    _ => return Ok(Some(Value::Str(s.clone()))),
                };
                self.new_string(out)?
            }
            ("contains", 1) => match str_arg(args, 0) {
                Some(x) => Value::Bool(s.contains(x)),
                None => return Ok(None),
            },
            ("startsWith", 1 | 2) => {
                let (Some(p), from) = (str_arg(args, 0), int_arg(args, 1).unwrap_or(0)) else {
                    return Ok(None);
                };
                let ok = from >= 0
                    && (from as usize) <= u16_len(s)
                    && s[byte_of(s, from as usize)..].starts_with(p);
                Value::Bool(ok)
            }
            ("endsWith", 1) => match str_arg(args, 0) {
                Some(p) => Value::Bool(s.ends_with(p)),
                None => return Ok(None),
            },
            ("indexOf", 1 | 2) => {
                let Some(p) = str_arg(args, 0) else {
                    return Ok(None);
                };
                let from = int_arg(args, 1).unwrap_or(0).max(0) as usize;
                let start = byte_of(s, from);
                Value::Int(match s[start..].find(p) {
                    Some(b) if from <= u16_len(s) => u16_of(s, start + b),
                    _ => -1,
                })
            }
            ("lastIndexOf", 1 | 2) => {
                let Some(p) = str_arg(args, 0) else {
                    return Ok(None);
                };
                let found = match int_arg(args, 1) {
                    None => s.rfind(p),
                    Some(from) if from < 0 => None,
                    Some(from) => {
                        let end = (byte_of(s, from as usize) + p.len()).min(s.len());
                        let mut end = end;
                        while !s.is_char_boundary(end) {
                            end -= 1;
                        }
                        s[..end].rfind(p)
                    }
                };
                Value::Int(found.map_or(-1, |b| u16_of(s, b)))
            }
            ("substring", 1 | 2) => {
                let units: Vec<u16> = s.encode_utf16().collect();
                let len = units.len() as i64;
                let Some(a) = int_arg(args, 0) else {
                    return Ok(None);
                };
                let z = match n {
                    2 => match int_arg(args, 1) {
                        Some(z) => z,
                        None => return Ok(None),
                    },
                    _ => len,
                };
                if a < 0 || z > len || a > z {
                    return Err(oob("begin", a));
                }
                Value::string(String::from_utf16_lossy(&units[a as usize..z as usize]))
            }
            ("charAt", 1) => {
                let Some(i) = int_arg(args, 0) else {
                    return Ok(None);
                };
                let units: Vec<u16> = s.encode_utf16().collect();
                match usize::try_from(i).ok().and_then(|i| units.get(i)) {
                    Some(u) => Value::string(String::from_utf16_lossy(&[*u])),
                    None => return Err(oob("index", i)),
                }
            }
            ("concat", 1) => match str_arg(args, 0) {
                Some(x) => self.new_string(format!("{s}{x}"))?,
                None => return Ok(None),
            },
            ("equals", 1) => Value::Bool(matches!(&args[0], Value::Str(x) if **x == **s)),
            ("equalsIgnoreCase", 1) => Value::Bool(
                matches!(&args[0], Value::Str(x) if x.to_lowercase() == s.to_lowercase()),
            ),
            ("replace", 2) => {
                let (Some(from), Some(to)) = (str_arg(args, 0), str_arg(args, 1)) else {
                    return Ok(None);
                };
                self.replace_literal(s, from, to)?
            }
            ("replaceAll" | "replaceFirst", 2) => {
                let (Some(p), Some(r)) = (str_arg(args, 0), str_arg(args, 1)) else {
                    return Ok(None);
                };
                let re = self.regex(p)?;
                self.regex_replace(s, &re, r, name == "replaceFirst")?
            }
            ("matches", 1) => {
                let Some(p) = str_arg(args, 0) else {
                    return Ok(None);
                };
                let re = JRegex::whole(p).map_err(Fault::Render)?;
                Value::Bool(re.is_match(s).map_err(Fault::Render)?)
            }
            ("split", 1 | 2) => {
                let Some(p) = str_arg(args, 0) else {
                    return Ok(None);
                };
                let limit = int_arg(args, 1).unwrap_or(0);
                let re = self.regex(p)?;
                self.split(s, &re, limit)?
            }
            _ => return Ok(None),
        };
        Ok(Some(v))
    }

    /// Java `String.replace(CharSequence, CharSequence)`: every literal
    /// occurrence; an empty target inserts between every character.
    fn replace_literal(&mut self, s: &str, from: &str, to: &str) -> Result<Value, Fault> {
        let count = if from.is_empty() {
            s.chars().count() + 1
        } else {
            s.matches(from).count()
        };
        let size = s.len() - count.saturating_mul(from.len()).min(s.len())
            + count.saturating_mul(to.len());
        super::display::check_len(size, self.limits.max_string_bytes)?;
        let out = if from.is_empty() {
            let mut out = String::with_capacity(size);
            out.push_str(to);
            for c in s.chars() {
                out.push(c);
                out.push_str(to);
            }
            out
        } else {
            s.replace(from, to)
        };
        Ok(Value::string(out))
    }

    fn regex_replace(
        &mut self,
        s: &str,
        re: &JRegex,
        repl: &str,
        first: bool,
    ) -> Result<Value, Fault> {
        let cap = self.limits.max_string_bytes;
        let mut out = String::new();
        let mut last = 0;
        let mut too_big = false;
        re.each(s, |m| {
            out.push_str(&s[last..m.start]);
            expand(repl, s, &m, &mut out)?;
            last = m.end;
            too_big = out.len() > cap;
            Ok(!first && !too_big)
        })
        .map_err(Fault::Render)?;
        out.push_str(&s[last..]);
        self.new_string(out)
    }

    /// Java `String.split(regex, limit)`: a zero-width match at the start
    /// yields no leading empty string; with limit 0 trailing empty strings
    /// are dropped; a positive limit caps the number of pieces.
    fn split(&mut self, s: &str, re: &JRegex, limit: i64) -> Result<Value, Fault> {
        let mut pieces: Vec<Value> = Vec::new();
        let mut last = 0;
        let max_pieces = if limit > 0 {
            limit as usize
        } else {
            usize::MAX
        };
        let budget = self.limits.max_elements as usize;
        re.each(s, |m| {
            if m.end == 0 {
                return Ok(true);
            }
            if pieces.len() + 1 >= max_pieces || pieces.len() >= budget {
                return Ok(false);
            }
            pieces.push(Value::str(&s[last..m.start]));
            last = m.end;
            Ok(true)
        })
        .map_err(Fault::Render)?;
        let matched = !pieces.is_empty();
        pieces.push(Value::str(&s[last..]));
        if limit == 0 && matched {
            while matches!(pieces.last(), Some(Value::Str(p)) if p.is_empty()) {
                pieces.pop();
            }
        }
        self.charge(pieces.len() + 1)?;
        Ok(self.heap.new_list(pieces, false))
    }
}
