//! Terraform's function library (the subset real API Gateway + Lambda
//! configurations use), with Terraform's unknown-value rule: a function of
//! an unknown is unknown, except the structural ones (`length`, `concat`,
//! `merge`, `element`, ...) that can see through unknown elements.

mod collections;
mod encoding;
mod strings;

use crate::error::TfError;
use crate::value::Value;
use std::cell::Cell;
use std::path::{Path, PathBuf};

/// What functions may touch: the root directory (for `file()` and
/// friends), the clock and a deterministic random source.
#[derive(Debug)]
pub struct FuncCtx {
    /// Directory that relative paths are resolved against (the root module).
    pub base_dir: PathBuf,
    /// `timestamp()` result in RFC 3339; `None` during plan (unknown).
    pub now: Option<String>,
    /// Seed for `uuid()`; `None` during plan (unknown).
    pub uuid_seed: Option<Cell<u64>>,
}

impl FuncCtx {
    /// Plan-time context: `timestamp()` and `uuid()` are unknown.
    pub fn for_plan(base_dir: PathBuf) -> FuncCtx {
        FuncCtx {
            base_dir,
            now: None,
            uuid_seed: None,
        }
    }

    /// Apply-time context: the clock and uuids are known.
    pub fn for_apply(base_dir: PathBuf, now: String, seed: u64) -> FuncCtx {
        FuncCtx {
            base_dir,
            now: Some(now),
            uuid_seed: Some(Cell::new(seed)),
        }
    }

    /// Resolves a path argument the way Terraform does: relative to the
    /// working directory, which for Portico is the root module directory.
    pub fn path(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }

    fn next_uuid(&self) -> Option<String> {
        let cell = self.uuid_seed.as_ref()?;
        let mut x = cell.get();
        let mut bytes = [0u8; 16];
        for chunk in bytes.chunks_mut(8) {
            x = crate::ids::splitmix(x);
            chunk.copy_from_slice(&x.to_le_bytes());
        }
        cell.set(x);
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let h = hex::encode(bytes);
        Some(format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        ))
    }
}

/// Functions whose result can be computed even when some argument contains
/// unknown elements.
const STRUCTURAL: &[&str] = &[
    "length",
    "concat",
    "merge",
    "element",
    "lookup",
    "keys",
    "values",
    "list",
    "map",
    "tolist",
    "tomap",
    "coalesce",
    "flatten",
    "slice",
    "reverse",
    "zipmap",
    "coalescelist",
];

/// Calls function `name` with evaluated arguments.
pub fn call(ctx: &FuncCtx, name: &str, args: Vec<Value>) -> Result<Value, TfError> {
    if args.iter().any(Value::is_unknown) && !STRUCTURAL.contains(&name)
        || args.iter().any(Value::has_unknown) && !STRUCTURAL.contains(&name)
    {
        return known_function(name).map(|_| Value::Unknown);
    }
    let r = match name {
        "timestamp" => Ok(ctx.now.clone().map_or(Value::Unknown, Value::String)),
        "uuid" => Ok(ctx.next_uuid().map_or(Value::Unknown, Value::String)),
        _ => strings::call(name, &args)
            .or_else(|| collections::call(name, &args))
            .or_else(|| encoding::call(ctx, name, &args))
            .unwrap_or_else(|| Err(unknown_function(name))),
    };
    r.map_err(|e| {
        if e.summary == "Invalid function argument" || e.summary == "Call to unknown function" {
            e
        } else {
            TfError::new(
                "Error in function call",
                format!("Call to function \"{name}\" failed: {}", e.detail),
            )
        }
    })
}

/// Every function name this library implements (for `did you mean`).
pub const NAMES: &[&str] = &[
    "abs",
    "base64decode",
    "base64encode",
    "base64sha256",
    "base64sha512",
    "basename",
    "can",
    "ceil",
    "chomp",
    "coalesce",
    "coalescelist",
    "compact",
    "concat",
    "contains",
    "dirname",
    "distinct",
    "element",
    "endswith",
    "file",
    "filebase64",
    "filebase64sha256",
    "fileexists",
    "filemd5",
    "filesha1",
    "filesha256",
    "flatten",
    "floor",
    "format",
    "formatlist",
    "indent",
    "index",
    "join",
    "jsondecode",
    "jsonencode",
    "keys",
    "length",
    "list",
    "lookup",
    "lower",
    "map",
    "max",
    "md5",
    "merge",
    "min",
    "range",
    "regex",
    "replace",
    "reverse",
    "sha1",
    "sha256",
    "sha512",
    "slice",
    "sort",
    "split",
    "startswith",
    "substr",
    "templatefile",
    "timestamp",
    "title",
    "tobool",
    "tolist",
    "tomap",
    "tonumber",
    "toset",
    "tostring",
    "trim",
    "trimprefix",
    "trimspace",
    "trimsuffix",
    "try",
    "upper",
    "urlencode",
    "uuid",
    "values",
    "zipmap",
];

fn known_function(name: &str) -> Result<(), TfError> {
    if NAMES.contains(&name) {
        Ok(())
    } else {
        Err(unknown_function(name))
    }
}

fn unknown_function(name: &str) -> TfError {
    let hint = crate::suggest::did_you_mean(name, NAMES.iter().copied())
        .map(|s| format!(" Did you mean \"{s}\"?"))
        .unwrap_or_default();
    TfError::new(
        "Call to unknown function",
        format!("There is no function named \"{name}\".{hint}"),
    )
}

/// An argument error in Terraform's words.
pub(crate) fn arg_err(msg: impl Into<String>) -> TfError {
    TfError::new("Invalid function argument", msg)
}

/// Checks the argument count.
pub(crate) fn arity(args: &[Value], min: usize, max: usize) -> Result<(), TfError> {
    if args.len() < min || args.len() > max {
        let want = if min == max {
            format!("{min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(TfError::new(
            "Invalid number of arguments",
            format!("Function takes {want} argument(s), {} given.", args.len()),
        ));
    }
    Ok(())
}

/// The string form of argument `i`.
pub(crate) fn s(args: &[Value], i: usize) -> Result<String, TfError> {
    match args.get(i) {
        Some(v) => v.to_interp_string().ok_or_else(|| {
            arg_err(format!(
                "Invalid value for argument {}: string required, not {}.",
                i + 1,
                v.type_name()
            ))
        }),
        None => Err(arg_err(format!("Missing argument {}.", i + 1))),
    }
}

/// The number form of argument `i`.
pub(crate) fn n(args: &[Value], i: usize) -> Result<f64, TfError> {
    args.get(i).and_then(Value::as_number).ok_or_else(|| {
        arg_err(format!(
            "Invalid value for argument {}: number required.",
            i + 1
        ))
    })
}

/// The list form of argument `i` (a set or tuple is a list here).
pub(crate) fn l(args: &[Value], i: usize) -> Result<Vec<Value>, TfError> {
    match args.get(i) {
        Some(Value::List(l)) => Ok(l.clone()),
        Some(v) => Err(arg_err(format!(
            "Invalid value for argument {}: list of any single type required, not {}.",
            i + 1,
            v.type_name()
        ))),
        None => Err(arg_err(format!("Missing argument {}.", i + 1))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_and_uuid_are_unknown_at_plan() {
        let c = FuncCtx::for_plan(".".into());
        assert_eq!(call(&c, "timestamp", vec![]).unwrap(), Value::Unknown);
        assert_eq!(call(&c, "uuid", vec![]).unwrap(), Value::Unknown);
        let c = FuncCtx::for_apply(".".into(), "2024-01-02T03:04:05Z".into(), 7);
        assert_eq!(
            call(&c, "timestamp", vec![]).unwrap(),
            Value::str("2024-01-02T03:04:05Z")
        );
        let u = call(&c, "uuid", vec![]).unwrap();
        let u2 = call(&c, "uuid", vec![]).unwrap();
        assert_ne!(u, u2);
        assert_eq!(u.as_str().map(str::len), Some(36));
    }

    #[test]
    fn unknown_function_suggests() {
        let e = call(&FuncCtx::for_plan(".".into()), "jsonencod", vec![]).unwrap_err();
        assert!(e.detail.contains("Did you mean \"jsonencode\"?"), "{e}");
    }
}
