//! Reading and writing cookies (a few lines do not justify another crate).
//!
//! When the portal is served over https every cookie is named with the `__Host-` prefix:
//! a browser accepts such a cookie only from this very host, with `Secure` and `Path=/`
//! and no `Domain`, so a sibling domain cannot plant a session, CSRF or flow cookie.

use axum::http::{HeaderMap, HeaderValue, header};
use std::borrow::Cow;

/// Session cookie.
pub const SESSION: &str = "huduma_session";
/// CSRF secret cookie.
pub const CSRF: &str = "huduma_csrf";
/// Staff session cookie (separate from citizens', `SameSite=Strict`).
pub const STAFF_SESSION: &str = "huduma_staff";
/// Language preference.
pub const LANGUAGE: &str = "huduma_lang";

/// The name a cookie has on the wire: `__Host-name` over https, else `name`.
pub fn wire_name(name: &str, secure: bool) -> Cow<'_, str> {
    if secure { Cow::Owned(format!("__Host-{name}")) } else { Cow::Borrowed(name) }
}

/// The value of cookie `name`, if sent (over https only its `__Host-` form counts).
pub fn get<'a>(headers: &'a HeaderMap, name: &str, secure: bool) -> Option<&'a str> {
    let name = wire_name(name, secure);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name.as_ref())
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` header: `HttpOnly`, `SameSite=Lax`, path `/`, `Secure` when served
/// over HTTPS. `max_age` None makes a browser-session cookie; `Some(0)` deletes it.
pub fn set(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let name = wire_name(name, secure);
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
        assert_eq!(get(&headers, SESSION, false), Some("tok"));
        assert_eq!(get(&headers, "b", false), None);
        assert_eq!(get(&headers, SESSION, true), None, "over https only the __Host- cookie counts");
        let value = set(SESSION, "x", Some(60), true);
        assert_eq!(value.to_str().ok(), Some("__Host-huduma_session=x; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"));
        headers.insert(header::COOKIE, HeaderValue::from_static("huduma_session=planted; __Host-huduma_session=mine"));
        assert_eq!(get(&headers, SESSION, true), Some("mine"));
        assert_eq!(set(SESSION, "x", None, false).to_str().ok(), Some("huduma_session=x; Path=/; HttpOnly; SameSite=Lax"));
    }
}
