//! Java's `Double.toString` layout: plain decimal for magnitudes in
//! `[1e-3, 1e7)`, `d.dddE±n` otherwise, always with a fractional digit
//! (`10.0`, `1.0E10`). The digits are Rust's shortest round-trip digits.

pub(crate) fn double_to_string(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // `{:e}` gives e.g. "-1.2345e-7" with the shortest exact digits.
    let sci = format!("{:e}", d);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    let abs = d.abs();
    if (1e-3..1e7).contains(&abs) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            let mut int_part = digits.chars().take(int_len).collect::<String>();
            while int_part.len() < int_len {
                int_part.push('0');
            }
            let frac: String = digits.chars().skip(int_len).collect();
            out.push_str(&int_part);
            out.push('.');
            out.push_str(if frac.is_empty() { "0" } else { &frac });
        } else {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(&digits);
        }
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        out.push_str(first);
        out.push('.');
        out.push_str(if rest.is_empty() { "0" } else { rest });
        out.push('E');
        out.push_str(&exp.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::double_to_string as f;

    #[test]
    fn matches_java_layout() {
        assert_eq!(f(10.0), "10.0");
        assert_eq!(f(1.5), "1.5");
        assert_eq!(f(-0.25), "-0.25");
        assert_eq!(f(0.001), "0.001");
        assert_eq!(f(0.0001), "1.0E-4");
        assert_eq!(f(1e7), "1.0E7");
        assert_eq!(f(1234567.0), "1234567.0");
        assert_eq!(f(1.2345e10), "1.2345E10");
        assert_eq!(f(0.0), "0.0");
        assert_eq!(f(f64::NAN), "NaN");
        assert_eq!(f(100.125), "100.125");
    }
}
