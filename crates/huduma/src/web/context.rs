//! What every page handler knows about the request: language, signed-in person, CSRF
//! token, client address.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use huduma_domain::Language;
use std::sync::Arc;

use super::client_ip::ClientIp;
use super::cookies;
use super::csrf::{CsrfSecret, form_token};
use super::page_error::{ErrorFrame, PageError};
use super::render::Page;
use crate::app::App;
use crate::i18n::Tr;
use crate::services::Requester;
use crate::services::sessions::{self, Authenticated};

/// The language from the cookie, else `Accept-Language`, else English.
pub fn language_from_headers(headers: &HeaderMap, secure: bool) -> Language {
    cookies::get(headers, cookies::LANGUAGE, secure)
        .and_then(Language::parse)
        .or_else(|| headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Language::from_accept_language))
        .unwrap_or_default()
}

/// The citizen session found for this request, kept in its extensions.
#[derive(Clone)]
struct SessionLookup(Option<Authenticated>);

/// Request context for HTML pages.
pub struct Ctx {
    /// Shared state.
    pub app: Arc<App>,
    /// Language of the page.
    pub language: Language,
    /// Signed-in person, if any.
    pub me: Option<Authenticated>,
    /// Token to embed in forms.
    pub csrf: String,
    /// Client address and agent.
    pub requester: Requester,
    /// Request headers (cookies).
    pub headers: HeaderMap,
    /// Path and query of this page (for the language switch).
    pub path: String,
    /// Whether this request can be repeated by opening its address (GET or HEAD), so
    /// signing in may come back to it.
    pub reopenable: bool,
}

impl FromRequestParts<Arc<App>> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        let secure = app.config.secure_cookies();
        // The access extractors and the handler both build a context; the session is
        // looked up once per request.
        let me = match parts.extensions.get::<SessionLookup>() {
            Some(SessionLookup(me)) => me.clone(),
            None => {
                let me = match cookies::get(&parts.headers, cookies::SESSION, secure) {
                    Some(token) => match sessions::authenticate(app, token).await {
                        Ok(me) => me,
                        Err(err) => return Err(PageError::internal(format!("session lookup failed: {err:#}")).into_response()),
                    },
                    None => None,
                };
                parts.extensions.insert(SessionLookup(me.clone()));
                me
            }
        };
        let language = if cookies::get(&parts.headers, cookies::LANGUAGE, secure).is_some() {
            language_from_headers(&parts.headers, secure)
        } else {
            me.as_ref().map(|m| m.account.language).unwrap_or_else(|| language_from_headers(&parts.headers, secure))
        };
        if let Some(frame) = parts.extensions.get::<ErrorFrame>() {
            frame.note_language(language);
        }
        let csrf = parts.extensions.get::<CsrfSecret>().map(|s| form_token(app, s)).unwrap_or_default();
        let ip = parts.extensions.get::<ClientIp>().map_or_else(|| "127.0.0.1".to_owned(), |c| c.0.to_string());
        let user_agent = parts.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").chars().take(200).collect();
        Ok(Self {
            app: app.clone(),
            language,
            me,
            csrf,
            requester: Requester { ip, user_agent, language },
            headers: parts.headers.clone(),
            path: parts.uri.path_and_query().map_or("/".into(), |p| p.as_str().to_owned()),
            reopenable: parts.method == axum::http::Method::GET || parts.method == axum::http::Method::HEAD,
        })
    }
}

impl Ctx {
    /// Translator for this page.
    pub fn tr(&self) -> Tr<'_> {
        self.app.i18n.tr(self.language)
    }

    /// The common page frame, titled with the string under `title_key`.
    pub fn page(&self, title_key: &str) -> Page<'_> {
        Page::new(self, title_key)
    }

    /// The token of a flow in progress in this browser.
    pub fn flow_token(&self, purpose: &str) -> Option<String> {
        cookies::get(&self.headers, &cookies::flow(purpose), self.secure()).map(str::to_owned)
    }

    /// The session token in the cookie.
    pub fn session_token(&self) -> Option<&str> {
        cookies::get(&self.headers, cookies::SESSION, self.secure())
    }

    /// Whether cookies need `Secure`.
    pub fn secure(&self) -> bool {
        self.app.config.secure_cookies()
    }

    /// The redirect to sign in that comes back to this page afterwards (`next`, checked
    /// again by the sign-in pages) when it can be reopened.
    pub fn sign_in_redirect(&self) -> Response {
        match self.reopenable {
            true => {
                let next = serde_urlencoded::to_string([("next", self.path.as_str())]).unwrap_or_default();
                Redirect::to(&format!("/sign-in?notice=sign_in_first&{next}")).into_response()
            }
            // A form posted after the session ended has no address to come back to.
            false => Redirect::to("/sign-in?notice=sign_in_first").into_response(),
        }
    }
}

/// A redirect that also sets cookies.
pub fn redirect_with_cookies(to: &str, cookies: Vec<HeaderValue>) -> Response {
    let mut response = Redirect::to(to).into_response();
    for cookie in cookies {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}
