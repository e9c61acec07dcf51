//! How a log record's text is stored: plain `TEXT` when short, LZ4 as a
//! `BLOB` when that is smaller.
//!
//! Why: an API request writes about 2.8 KB of execution and access log, and
//! at a few thousand requests a second the writer thread spent ~17 µs of
//! CPU per request copying those bytes through SQLite (WAL, checkpoint, the
//! database file), in bursts that delayed requests sharing the cores
//! (BENCHMARKS.md). Execution logs repeat themselves (the request id on
//! every line, the same phrases per request), so a coalesced record shrinks
//! about six times. Old rows, and short records that do not shrink, stay
//! `TEXT`: a reader tells the two apart by the value's type, so existing
//! `logs.db` files need no migration.

use rusqlite::types::{ToSqlOutput, Value, ValueRef};

/// Records shorter than this stay text: LZ4 cannot gain enough on them to
/// pay for the work.
const MIN_PACKED: usize = 256;

/// A packed record never claims more than this many bytes of text, so that
/// a damaged row cannot make a reader allocate without bound; longer
/// records (a function may print one huge line) are stored as text.
const MAX_UNPACKED: usize = 64 * 1024 * 1024;

/// The stored form of a record's text.
pub(crate) fn pack(text: &str) -> ToSqlOutput<'_> {
    if (MIN_PACKED..=MAX_UNPACKED).contains(&text.len()) {
        let packed = lz4_flex::block::compress_prepend_size(text.as_bytes());
        if packed.len() < text.len() {
            return ToSqlOutput::Owned(Value::Blob(packed));
        }
    }
    ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes()))
}

/// A record's text back from its stored form; a damaged record reads as a
/// line that says so (one bad row must not hide the others).
pub(crate) fn unpack(id: i64, stored: ValueRef<'_>) -> String {
    match stored {
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Blob(b) => match unpack_blob(b) {
            Ok(text) => text,
            Err(why) => format!("[portico: log record {id} cannot be read: {why}]"),
        },
        ValueRef::Null => String::new(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
    }
}

fn unpack_blob(b: &[u8]) -> Result<String, String> {
    let claimed = b
        .get(..4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)
        .ok_or("it is shorter than its header")?;
    if claimed > MAX_UNPACKED {
        return Err(format!("it claims {claimed} bytes of text"));
    }
    let bytes = lz4_flex::block::decompress_size_prepended(b).map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored<'a>(out: &'a ToSqlOutput<'a>) -> ValueRef<'a> {
        match out {
            ToSqlOutput::Borrowed(v) => *v,
            ToSqlOutput::Owned(v) => v.into(),
            _ => unreachable!("pack makes no other form"),
        }
    }

    #[test]
    fn short_records_stay_text() {
        let out = pack("START RequestId: 1 Version: $LATEST");
        assert!(matches!(stored(&out), ValueRef::Text(_)));
        assert_eq!(
            unpack(1, stored(&out)),
            "START RequestId: 1 Version: $LATEST"
        );
    }

    #[test]
    fn repetitive_records_are_packed_and_read_back_unchanged() {
        let text: String = (0..40)
            .map(|i| {
                format!("(9823583a-78ff-4ce8-987d-06930ca4bfe9) Method request path: {{}} {i} é\n")
            })
            .collect();
        let out = pack(&text);
        let ValueRef::Blob(b) = stored(&out) else {
            panic!("not packed")
        };
        assert!(b.len() * 4 < text.len(), "{} -> {}", text.len(), b.len());
        assert_eq!(unpack(1, stored(&out)), text);
    }

    #[test]
    fn records_too_long_to_unpack_safely_stay_text() {
        let huge = "x".repeat(MAX_UNPACKED + 1);
        assert!(matches!(stored(&pack(&huge)), ValueRef::Text(_)));
        assert!(matches!(
            stored(&pack(&huge[..MAX_UNPACKED])),
            ValueRef::Blob(_)
        ));
    }

    #[test]
    fn text_that_does_not_shrink_stays_text() {
        // No repeats for LZ4 to find.
        let text: String = (0..400u32)
            .map(|i| char::from_u32(0x4e00 + (i * 7919) % 20000).unwrap_or('x'))
            .collect();
        assert!(matches!(stored(&pack(&text)), ValueRef::Text(_)));
    }

    #[test]
    fn damaged_records_read_as_a_line_that_says_so() {
        let bomb = [0xff, 0xff, 0xff, 0x7f, 0x00];
        let line = unpack(7, ValueRef::Blob(&bomb));
        assert!(line.starts_with("[portico: log record 7 cannot be read: it claims"));
        let truncated = unpack(8, ValueRef::Blob(&[10, 0, 0, 0, 0xf0]));
        assert!(truncated.starts_with("[portico: log record 8 cannot be read: "));
        assert!(unpack(9, ValueRef::Blob(&[1])).contains("shorter than its header"));
    }
}
