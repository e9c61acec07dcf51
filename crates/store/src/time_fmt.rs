//! Timestamps as AWS's Lambda API spells them.

use time::OffsetDateTime;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// `YYYY-MM-DDThh:mm:ss.sss+0000`, Lambda's `LastModified` format.
pub fn aws_timestamp() -> String {
    let t = OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}+0000",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn shape() {
        let s = super::aws_timestamp();
        assert_eq!(s.len(), 28, "{s}");
        assert!(s.ends_with("+0000"));
    }
}
