//! `$util`: the six functions API Gateway provides. Any other name
//! returns null and so renders as nothing, as AWS does.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::error::Fault;
use crate::eval::Renderer;
use crate::value::Value;

impl<'t> Renderer<'t> {
    pub(crate) fn util_method(
        &mut self,
        name: &str,
        args: &[Value],
    ) -> Result<Option<Value>, Fault> {
        if args.len() != 1 {
            return Ok(None);
        }
        // The functions take a String; other objects are passed as their
        // text. A null argument gives null (renders as nothing).
        let arg = match &args[0] {
            Value::Null => return Ok(Some(Value::Null)),
            v => self.display(v)?,
        };
        let out = match name {
            "escapeJavaScript" => escape_javascript(&arg),
            "urlEncode" => url_encode(&arg),
            "urlDecode" => url_decode(&arg).map_err(Fault::Render)?,
            "base64Encode" => STANDARD.encode(arg.as_bytes()),
            "base64Decode" => {
                let bytes = STANDARD
                    .decode(arg.trim().as_bytes())
                    .map_err(|e| Fault::render(format!("base64Decode: {e}")))?;
                String::from_utf8_lossy(&bytes).into_owned()
            }
            "parseJson" => {
                let doc: serde_json::Value = serde_json::from_str(&arg)
                    .map_err(|e| Fault::render(format!("parseJson: invalid JSON: {e}")))?;
                return self.import_json(&doc, true).map(Some);
            }
            _ => return Ok(None),
        };
        self.new_string(out).map(Some)
    }
}

/// Apache Commons Lang 2 `StringEscapeUtils.escapeJavaScript`, which API
/// Gateway uses: `'` becomes `\'` (so templates often add
/// `.replaceAll("\\'","'")`), `/` becomes `\/`, control characters use
/// short escapes or `\u00XX`, and every non-ASCII UTF-16 unit becomes
/// `\uXXXX` (upper-case hex). No quotes are added around the result.
pub(crate) fn escape_javascript(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for unit in s.encode_utf16() {
        match unit {
            0x22 => out.push_str("\\\""),
            0x27 => out.push_str("\\'"),
            0x5C => out.push_str("\\\\"),
            0x2F => out.push_str("\\/"),
            0x08 => out.push_str("\\b"),
            0x09 => out.push_str("\\t"),
            0x0A => out.push_str("\\n"),
            0x0C => out.push_str("\\f"),
            0x0D => out.push_str("\\r"),
            u if !(0x20..=0x7F).contains(&u) => out.push_str(&format!("\\u{u:04X}")),
            u => out.push(char::from(u as u8)),
        }
    }
    out
}

/// `java.net.URLEncoder.encode(s, "UTF-8")`: form encoding — letters,
/// digits and `.-*_` stay, space becomes `+`, the rest `%XX` upper-case.
pub(crate) fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `java.net.URLDecoder.decode(s, "UTF-8")`: `+` is a space, `%XX` a
/// byte; a malformed escape is an error, as Java throws.
pub(crate) fn url_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut bytes = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => {
                bytes.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = b
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or("URLDecoder: Illegal hex characters in escape (%) pattern")?;
                bytes.push(hex);
                i += 3;
            }
            c => {
                bytes.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_javascript_like_commons_lang() {
        assert_eq!(escape_javascript(r#"say "hi"\n"#), r#"say \"hi\"\\n"#);
        assert_eq!(escape_javascript("it's\n\ta/b"), "it\\'s\\n\\ta\\/b");
        assert_eq!(
            escape_javascript("é😀\u{1}"),
            "\\u00E9\\uD83D\\uDE00\\u0001"
        );
    }

    #[test]
    fn url_encoding_is_form_style() {
        assert_eq!(url_encode("a b{}&=é~"), "a+b%7B%7D%26%3D%C3%A9%7E");
        assert_eq!(url_encode("x=a+b"), "x%3Da%2Bb");
        assert_eq!(url_decode("x=a+b%7B%C3%A9").unwrap(), "x=a b{é");
        assert!(url_decode("%zz").is_err());
        assert!(url_decode("%4").is_err());
    }
}
