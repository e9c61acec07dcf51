//! MOCK: no backend; the rendered request template's integer `statusCode`
//! is the selection value. AWS accepts CDK-style unquoted keys
//! (`{statusCode: 200}`), so a lenient reading follows a failed JSON parse.

use serde_json::Value;

/// The `statusCode` of a MOCK payload, if it is an integer.
pub(crate) fn status_code(payload: &[u8]) -> Option<u64> {
    if let Ok(v) = serde_json::from_slice::<Value>(payload) {
        return v.get("statusCode").and_then(Value::as_u64);
    }
    let text = std::str::from_utf8(payload).ok()?;
    let i = text.find("statusCode")?;
    let rest = text[i + "statusCode".len()..]
        .trim_start_matches(['"', '\''])
        .trim_start();
    let digits: String = rest
        .strip_prefix(':')?
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_status_codes() {
        assert_eq!(status_code(br#"{"statusCode": 200}"#), Some(200));
        assert_eq!(status_code(b"{statusCode: 404}"), Some(404));
        assert_eq!(
            status_code(br#"{"statusCode": "200"}"#),
            None,
            "must be an integer"
        );
        assert_eq!(status_code(b""), None);
        assert_eq!(status_code(b"{}"), None);
    }
}
