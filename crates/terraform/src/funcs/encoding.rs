//! Encoding, hashing and file functions: jsonencode/jsondecode, sha1,
//! sha256, md5, base64*, file*, templatefile.

use super::{FuncCtx, arg_err, arity, s};
use crate::error::TfError;
use crate::value::Value;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

/// Dispatches; `None` when `name` is not one of these functions.
pub(super) fn call(ctx: &FuncCtx, name: &str, a: &[Value]) -> Option<Result<Value, TfError>> {
    let r = match name {
        "jsonencode" => arity(a, 1, 1).map(|_| Value::String(jsonencode(&a[0]))),
        "jsondecode" => arity(a, 1, 1).and_then(|_| {
            let text = s(a, 0)?;
            serde_json::from_str::<serde_json::Value>(&text)
                .map(|j| Value::from_json(&j))
                .map_err(|e| arg_err(format!("Invalid value for \"str\" parameter: {e}.")))
        }),
        "sha1" => str_hash(a, |b| hex::encode(Sha1::digest(b))),
        "sha256" => str_hash(a, |b| hex::encode(Sha256::digest(b))),
        "sha512" => str_hash(a, |b| hex::encode(Sha512::digest(b))),
        "md5" => str_hash(a, |b| hex::encode(Md5::digest(b))),
        "base64encode" => str_hash(a, |b| B64.encode(b)),
        "base64sha256" => str_hash(a, |b| B64.encode(Sha256::digest(b))),
        "base64sha512" => str_hash(a, |b| B64.encode(Sha512::digest(b))),
        "base64decode" => arity(a, 1, 1).and_then(|_| {
            let bytes = B64.decode(s(a, 0)?.as_bytes()).map_err(|e| arg_err(format!("failed to decode base64 data: {e}")))?;
            String::from_utf8(bytes).map(Value::String).map_err(|_| arg_err("the result of decoding the provided string is not valid UTF-8"))
        }),
        "file" => file_bytes(ctx, a).and_then(|b| {
            String::from_utf8(b).map(Value::String).map_err(|_| arg_err("contents of the file are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead."))
        }),
        "fileexists" => arity(a, 1, 1).and_then(|_| Ok(Value::Bool(ctx.path(&s(a, 0)?).is_file()))),
        "filebase64" => file_bytes(ctx, a).map(|b| Value::String(B64.encode(b))),
        "filebase64sha256" => file_bytes(ctx, a).map(|b| Value::String(B64.encode(Sha256::digest(&b)))),
        "filemd5" => file_bytes(ctx, a).map(|b| Value::String(hex::encode(Md5::digest(&b)))),
        "filesha1" => file_bytes(ctx, a).map(|b| Value::String(hex::encode(Sha1::digest(&b)))),
        "filesha256" => file_bytes(ctx, a).map(|b| Value::String(hex::encode(Sha256::digest(&b)))),
        "basename" => arity(a, 1, 1).and_then(|_| {
            let p = s(a, 0)?;
            Ok(Value::str(p.trim_end_matches('/').rsplit('/').next().unwrap_or("")))
        }),
        "dirname" => arity(a, 1, 1).and_then(|_| {
            let p = s(a, 0)?;
            Ok(Value::str(match p.trim_end_matches('/').rsplit_once('/') {
                Some(("", _)) => "/",
                Some((d, _)) => d,
                None => ".",
            }))
        }),
        "templatefile" => templatefile(ctx, a),
        _ => return None,
    };
    Some(r)
}

fn str_hash(a: &[Value], f: impl Fn(&[u8]) -> String) -> Result<Value, TfError> {
    arity(a, 1, 1)?;
    Ok(Value::String(f(s(a, 0)?.as_bytes())))
}

fn file_bytes(ctx: &FuncCtx, a: &[Value]) -> Result<Vec<u8>, TfError> {
    arity(a, 1, 1)?;
    let p = s(a, 0)?;
    std::fs::read(ctx.path(&p)).map_err(|e| arg_err(format!("Invalid value for \"path\" parameter: no file exists at \"{p}\"; this function works only with files that are distributed as part of the configuration source code ({e}).")))
}

/// Terraform's `jsonencode`: compact, object keys sorted, and Go's HTML
/// escaping of `<`, `>` and `&` (Terraform inherits it from encoding/json).
pub fn jsonencode(v: &Value) -> String {
    let text = v.to_json().to_string();
    if !text.contains(['<', '>', '&', '\u{2028}', '\u{2029}']) {
        return text;
    }
    text.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// `templatefile(path, vars)`: the file is a template evaluated with only
/// `vars` in scope.
fn templatefile(ctx: &FuncCtx, a: &[Value]) -> Result<Value, TfError> {
    arity(a, 2, 2)?;
    let p = s(a, 0)?;
    let text = String::from_utf8(file_bytes(ctx, &a[..1])?)
        .map_err(|_| arg_err("template file is not valid UTF-8"))?;
    let vars = match &a[1] {
        Value::Map(m) => m.clone(),
        Value::Null => Default::default(),
        v => {
            return Err(arg_err(format!(
                "Invalid value for \"vars\" parameter: must be a map, not {}.",
                v.type_name()
            )));
        }
    };
    let tpl = hcl_edit::parser::parse_template(&text)
        .map_err(|e| arg_err(format!("failed to parse template {p}: {}", e.message())))?;
    let mut ev = crate::expr::Evaluator::new(&crate::expr::EmptyScope, ctx);
    ev.with_bindings(vars.into_iter().collect(), |ev| {
        crate::template::eval_template(ev, &tpl, false)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(name: &str, args: Vec<Value>) -> Value {
        let ctx = FuncCtx::for_plan(std::env::temp_dir());
        call(&ctx, name, &args).unwrap().unwrap()
    }

    #[test]
    fn hashes_and_encodings() {
        assert_eq!(
            c("sha1", vec![Value::str("hello")]),
            Value::str("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d")
        );
        assert_eq!(
            c("sha256", vec![Value::str("hello")]),
            Value::str("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
        );
        assert_eq!(
            c("md5", vec![Value::str("hello")]),
            Value::str("5d41402abc4b2a76b9719d911017c592")
        );
        assert_eq!(
            c("base64encode", vec![Value::str("hello")]),
            Value::str("aGVsbG8=")
        );
        assert_eq!(
            c("base64decode", vec![Value::str("aGVsbG8=")]),
            Value::str("hello")
        );
        assert_eq!(
            c("base64sha256", vec![Value::str("hello")]),
            Value::str("LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=")
        );
    }

    #[test]
    fn json_round_trip_sorted_and_html_escaped() {
        let v = c(
            "jsondecode",
            vec![Value::str(r#"{"b":[1,true,null],"a":"<x>"}"#)],
        );
        assert_eq!(
            c("jsonencode", vec![v]),
            Value::str(r#"{"a":"\u003cx\u003e","b":[1,true,null]}"#)
        );
    }

    #[test]
    fn files_and_templatefile() {
        let dir = std::env::temp_dir().join(format!("portico-tf-funcs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("t.tpl"),
            "Hello ${name}%{ for x in xs }-${x}%{ endfor }",
        )
        .unwrap();
        let ctx = FuncCtx::for_plan(dir.clone());
        let vars = Value::Map(
            [
                ("name".to_string(), Value::str("you")),
                ("xs".to_string(), Value::List(vec![Value::str("a")])),
            ]
            .into(),
        );
        assert_eq!(
            call(&ctx, "templatefile", &[Value::str("t.tpl"), vars])
                .unwrap()
                .unwrap(),
            Value::str("Hello you-a")
        );
        assert_eq!(
            call(&ctx, "filemd5", &[Value::str("t.tpl")])
                .unwrap()
                .unwrap()
                .as_str()
                .map(str::len),
            Some(32)
        );
        assert!(
            call(&ctx, "filebase64sha256", &[Value::str("t.tpl")])
                .unwrap()
                .is_ok()
        );
        assert!(
            call(&ctx, "file", &[Value::str("missing")])
                .unwrap()
                .is_err()
        );
        assert_eq!(
            call(&ctx, "dirname", &[Value::str("a/b/c")])
                .unwrap()
                .unwrap(),
            Value::str("a/b")
        );
        std::fs::remove_dir_all(dir).ok();
    }
}
