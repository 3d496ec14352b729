//! M-Pesa (Daraja) rules that need no network.

/// `YYYYMMDDHHmmss` in Nairobi time (UTC+3, no daylight saving), as Daraja expects.
pub fn timestamp(unix: i64) -> String {
    let local = unix + 3 * 3600;
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let date = crate::Date::from_unix_days(days);
    format!("{}{:02}{:02}{:02}", date.to_string().replace('-', ""), secs / 3600, (secs % 3600) / 60, secs % 60)
}

/// The STK `Password`: base64 of short code + passkey + timestamp.
pub fn password(short_code: &str, passkey: &str, timestamp: &str) -> String {
    base64(format!("{short_code}{passkey}{timestamp}").as_bytes())
}

/// Standard base64 with padding (the domain crate stays dependency-light).
pub fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(TABLE[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The stable error key for what the customer sees, by result code.
pub fn outcome_key(code: &str) -> &'static str {
    match code {
        "0" => "payment.mpesa.success",
        "1" => "payment.mpesa.insufficient_funds",
        "2" | "3" | "4" | "8" => "payment.mpesa.limit",
        "17" => "payment.mpesa.duplicate",
        "1019" | "1037" => "payment.mpesa.timeout",
        "1025" | "1036" => "payment.mpesa.unreachable",
        "1032" => "payment.mpesa.cancelled",
        "2001" => "payment.mpesa.wrong_pin",
        "8006" => "payment.mpesa.locked",
        _ => "payment.mpesa.failed",
    }
}

/// Daraja's `TransactionDesc` is at most 13 characters.
pub fn transaction_desc(text: &str) -> String {
    text.chars().filter(|c| c.is_ascii_alphanumeric() || *c == ' ').take(13).collect::<String>().trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_matches_the_published_sandbox_example() {
        // Daraja's sandbox: short code 174379, the public passkey, a timestamp.
        let passkey = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919";
        let p = password("174379", passkey, "20160216165627");
        assert_eq!(p, "MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFhNDY3Y2QyZTBjODkzMDU5YjEwZjc4ZTZiNzJhZGExZWQyYzkxOTIwMTYwMjE2MTY1NjI3");
    }

    #[test]
    fn timestamps_are_nairobi_time() {
        // 2026-01-26 06:30:00 UTC is 09:30:00 in Nairobi.
        assert_eq!(timestamp(1_769_409_000), "20260126093000");
    }

    #[test]
    fn result_codes_in_plain_words() {
        assert_eq!(outcome_key("1032"), "payment.mpesa.cancelled");
        assert_eq!(outcome_key("SFC_IC0003"), "payment.mpesa.failed");
    }

    #[test]
    fn descriptions_fit() {
        assert_eq!(transaction_desc("Ordinary passport (e-passport)"), "Ordinary pass");
    }
}
