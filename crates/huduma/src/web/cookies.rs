//! Reading and writing cookies (a few lines do not justify another crate).

use axum::http::{HeaderMap, HeaderValue, header};

/// Session cookie.
pub const SESSION: &str = "huduma_session";
/// CSRF secret cookie.
pub const CSRF: &str = "huduma_csrf";
/// Staff session cookie (separate from citizens', `SameSite=Strict`).
pub const STAFF_SESSION: &str = "huduma_staff";
/// Language preference.
pub const LANGUAGE: &str = "huduma_lang";

/// The value of cookie `name`, if sent.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` header: `HttpOnly`, `SameSite=Lax`, path `/`, `Secure` when served
/// over HTTPS. `max_age` None makes a browser-session cookie; `Some(0)` deletes it.
pub fn set(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        cookie.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        cookie.push_str("; Secure");
    }
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static("invalid=1; Max-Age=0"))
}

/// A `Set-Cookie` header that deletes the cookie.
pub fn clear(name: &str, secure: bool) -> HeaderValue {
    set(name, "", Some(0), secure)
}

/// The staff session cookie: like [`set`] but `SameSite=Strict`, so no other site can
/// ever make a staff member's browser send it.
pub fn set_strict(name: &str, value: &str, secure: bool) -> HeaderValue {
    let lax = set(name, value, None, secure);
    HeaderValue::from_str(&lax.to_str().unwrap_or_default().replace("SameSite=Lax", "SameSite=Strict")).unwrap_or(lax)
}

/// Name of the cookie holding the token of a flow of `purpose`.
pub fn flow(purpose: &str) -> String {
    format!("huduma_flow_{purpose}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cookies_among_several() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; huduma_session=tok; b="));
        assert_eq!(get(&headers, SESSION), Some("tok"));
        assert_eq!(get(&headers, "b"), None);
        let value = set(SESSION, "x", Some(60), true);
        assert_eq!(value.to_str().ok(), Some("huduma_session=x; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"));
    }
}
