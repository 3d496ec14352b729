//! Pesaflow's signatures: `base64(lowercase_hex(HMAC-SHA256(apiKey, data)))` — base64 of the
//! hex digest, not of the raw bytes (PHP heritage).

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Signs `data` with `api_key`.
pub fn sign(api_key: &str, data: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(api_key.as_bytes()).expect("HMAC accepts any key length");
    mac.update(data.as_bytes());
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    base64::engine::general_purpose::STANDARD.encode(hex)
}

/// Whether `given` is the signature of `data` (constant time).
pub fn verify(api_key: &str, data: &str, given: &str) -> bool {
    crate::crypto::constant_time_eq(&sign(api_key, data), given.trim())
}

/// The checkout request's signed string.
#[allow(clippy::too_many_arguments)]
pub fn checkout_data(
    api_client_id: &str,
    amount_expected: &str,
    service_id: &str,
    client_id_number: &str,
    currency: &str,
    bill_ref_number: &str,
    bill_desc: &str,
    client_name: &str,
    secret: &str,
) -> String {
    format!("{api_client_id}{amount_expected}{service_id}{client_id_number}{currency}{bill_ref_number}{bill_desc}{client_name}{secret}")
}

/// The IPN's signed string.
pub fn ipn_data(client_invoice_ref: &str, invoice_number: &str, amount_paid: &str, payment_date: &str, secret: &str) -> String {
    format!("{client_invoice_ref}{invoice_number}{amount_paid}{payment_date}{secret}")
}

/// The status query's signed string.
pub fn status_data(api_client_id: &str, ref_no: &str) -> String {
    format!("{api_client_id}{ref_no}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Computed independently with Python:
    /// `base64.b64encode(hmac.new(b"key", b"data", hashlib.sha256).hexdigest().encode())`.
    #[test]
    fn base64_of_the_hex_digest() {
        assert_eq!(sign("key", "data"), "NTAzMWZlM2Q5ODljNmQxNTM3YTAxM2ZhNmU3MzlkYTIzNDYzZmRhZWMzYjcwMTM3ZDgyOGUzNmFjZTIyMWJkMA==");
        assert!(verify("key", "data", &sign("key", "data")));
        assert!(!verify("key", "data!", &sign("key", "data")));
    }

    #[test]
    fn the_checkout_string_is_in_the_documented_order() {
        let data = checkout_data("ABC", "1050.00", "12345", "12345678", "KES", "TIMS-MVR-1", "Transfer", "Wanjiku Kamau", "s3cret");
        assert_eq!(data, "ABC1050.001234512345678KESTIMS-MVR-1TransferWanjiku Kamaus3cret");
    }
}
