//! Reading and writing cookies, through the `cookie` crate (parsing and attribute syntax).
//!
//! When the portal is served over https every cookie is named with the `__Host-` prefix:
//! a browser accepts such a cookie only from this very host, with `Secure` and `Path=/`
//! and no `Domain`, so a sibling domain cannot plant a session, CSRF or flow cookie.

use axum::http::{HeaderMap, HeaderValue, header};
use cookie::{Cookie, SameSite};
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
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name.as_ref())
        .and_then(|c| c.value_raw())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` header: `HttpOnly`, `SameSite=Lax`, path `/`, `Secure` when served
/// over HTTPS. `max_age` None makes a browser-session cookie; `Some(0)` deletes it.
pub fn set(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    build(name, value, max_age, secure, SameSite::Lax)
}

/// A `Set-Cookie` header that deletes the cookie.
pub fn clear(name: &str, secure: bool) -> HeaderValue {
    set(name, "", Some(0), secure)
}

/// The staff session cookie: like [`set`] but `SameSite=Strict`, so no other site can
/// ever make a staff member's browser send it.
pub fn set_strict(name: &str, value: &str, secure: bool) -> HeaderValue {
    build(name, value, None, secure, SameSite::Strict)
}

fn build(name: &str, value: &str, max_age: Option<i64>, secure: bool, same_site: SameSite) -> HeaderValue {
    let mut cookie = Cookie::build((wire_name(name, secure), value)).path("/").http_only(true).same_site(same_site).secure(secure);
    if let Some(age) = max_age {
        cookie = cookie.max_age(cookie::time::Duration::seconds(age));
    }
    // Our names and values are tokens; anything else is a bug that must not set a cookie.
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static("invalid=1; Max-Age=0"))
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
        let cookie = Cookie::parse(value.to_str().unwrap_or_default()).expect("a cookie");
        assert_eq!((cookie.name(), cookie.value(), cookie.path()), ("__Host-huduma_session", "x", Some("/")));
        assert_eq!((cookie.http_only(), cookie.secure(), cookie.same_site()), (Some(true), Some(true), Some(SameSite::Lax)));
        assert_eq!(cookie.max_age(), Some(cookie::time::Duration::seconds(60)));
        headers.insert(header::COOKIE, HeaderValue::from_static("huduma_session=planted; __Host-huduma_session=mine"));
        assert_eq!(get(&headers, SESSION, true), Some("mine"));
        let plain = Cookie::parse(set(SESSION, "x", None, false).to_str().unwrap_or_default().to_owned()).expect("a cookie");
        assert_eq!((plain.name(), plain.secure(), plain.max_age()), ("huduma_session", None, None));
        let strict = Cookie::parse(set_strict(STAFF_SESSION, "s", false).to_str().unwrap_or_default().to_owned()).expect("a cookie");
        assert_eq!(strict.same_site(), Some(SameSite::Strict));
    }
}
