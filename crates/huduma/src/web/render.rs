//! Turning templates and errors into responses.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use huduma_domain::Language;

use super::context::Ctx;
use crate::app::App;
use crate::i18n::Tr;
use crate::services::{FieldError, ServiceError};

/// The frame every page shares: language, CSRF token, sandbox banner, navigation.
pub struct Page<'a> {
    /// Translator.
    pub tr: Tr<'a>,
    /// `en` / `sw`.
    pub lang: &'static str,
    /// CSRF token for forms.
    pub csrf: String,
    /// Show the sandbox banner.
    pub sandbox: bool,
    /// First name of the signed-in person.
    pub signed_in: Option<String>,
    /// This page's path, URL-encoded, for the language switch.
    pub next: String,
    /// Page title.
    pub title: String,
    /// A one-line notice (after a redirect), already translated.
    pub notice: Option<String>,
}

impl<'a> Page<'a> {
    /// Builds the frame for a request.
    pub fn new(ctx: &'a Ctx, title_key: &str) -> Self {
        let tr = ctx.tr();
        let notice = ctx
            .path
            .split_once('?')
            .and_then(|(_, q)| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "notice").map(|(_, v)| v))
            .filter(|key| key.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .map(|key| tr.t(&format!("notice.{key}")).to_owned())
            .filter(|text| text != "??");
        Self {
            tr,
            lang: ctx.language.tag(),
            csrf: ctx.csrf.clone(),
            sandbox: ctx.app.config.sandbox,
            signed_in: ctx.me.as_ref().map(|m| m.account.first_name.clone()),
            next: serde_urlencoded::to_string([("next", ctx.path.as_str())]).unwrap_or_default(),
            title: tr.t(title_key).to_owned(),
            notice,
        }
    }

    /// A bare frame for error pages outside a full request context.
    pub fn bare(app: &'a App, language: Language, title_key: &str) -> Self {
        let tr = app.i18n.tr(language);
        Self {
            tr,
            lang: language.tag(),
            csrf: String::new(),
            sandbox: app.config.sandbox,
            signed_in: None,
            next: "next=%2F".into(),
            title: tr.t(title_key).to_owned(),
            notice: None,
        }
    }

    /// A translated string.
    pub fn t(&self, key: &str) -> &'a str {
        self.tr.t(key)
    }

    /// A translated string with one `{name}` filled in.
    pub fn f1(&self, key: &str, name: &str, value: &str) -> String {
        self.tr.f(key, &[(name, value)])
    }
}

/// Field errors of a submitted form, translated, in field order.
#[derive(Debug, Default)]
pub struct FormErrors {
    items: Vec<(String, String)>,
    /// Help-centre articles that explain the errors, as `(field, path)`.
    help: Vec<(String, String)>,
}

impl FormErrors {
    /// Translates field errors.
    pub fn new(tr: Tr<'_>, errors: &[FieldError]) -> Self {
        Self {
            items: errors.iter().map(|e| (e.field.to_string(), tr.f(&format!("error.{}", e.code), &args(&e.args)))).collect(),
            help: errors
                .iter()
                .filter_map(|e| crate::services::help::link_for_error(e.code).map(|link| (e.field.to_string(), link)))
                .collect(),
        }
    }

    /// A single form-wide error.
    pub fn single(tr: Tr<'_>, field: &str, code: &str) -> Self {
        Self {
            items: vec![(field.to_owned(), tr.error(code).to_owned())],
            help: crate::services::help::link_for_error(code).map(|link| (field.to_owned(), link)).into_iter().collect(),
        }
    }

    /// The message for a field.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.items.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    /// The help article for a field's error, if one explains it.
    pub fn help(&self, field: &str) -> Option<&str> {
        self.help.iter().find(|(f, _)| f == field).map(|(_, l)| l.as_str())
    }

    /// `(field, message)` pairs for the error summary.
    pub fn items(&self) -> &[(String, String)] {
        &self.items
    }

    /// Whether there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Placeholder pairs in the shape `Tr::f` takes.
pub fn args<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Renders a template as an HTML response.
pub fn html(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(body) => {
            let mut response = (status, body).into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            response
        }
        Err(err) => {
            tracing::error!(error = %err, "template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response()
        }
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorTemplate<'a> {
    /// Frame.
    pub page: Page<'a>,
    /// Translated message.
    pub message: String,
    /// Stable code, shown small for the helpdesk.
    pub code: String,
    /// The help article that explains it, if any.
    pub help: String,
}

/// A full error page for a stable error code.
pub fn error_page(app: &App, language: Language, status: StatusCode, code: &str) -> Response {
    let page = Page::bare(app, language, "error.title");
    let message = page.tr.error(code).to_owned();
    let help = crate::services::help::link_for_error(code).unwrap_or_default();
    html(status, &ErrorTemplate { page, message, code: code.to_owned(), help })
}

/// "Too many attempts. Try again in N minutes.", with the wait noted for `Retry-After`.
pub fn rate_limited_message(tr: Tr<'_>, retry_after: i64) -> String {
    super::retry_after::note(retry_after);
    let minutes = ((retry_after + 59) / 60).max(1).to_string();
    tr.f("error.rate_limited", &[("minutes", &minutes)])
}

/// The whole page for a refusal by a rate limit: 429, `Retry-After`, the wait in minutes.
pub fn rate_limited_page(app: &App, language: Language, retry_after: i64) -> Response {
    let page = Page::bare(app, language, "error.title");
    let message = rate_limited_message(page.tr, retry_after);
    let help = crate::services::help::link_for_error("rate_limited").unwrap_or_default();
    html(StatusCode::TOO_MANY_REQUESTS, &ErrorTemplate { page, message, code: "rate_limited".into(), help })
}

/// The page shown for bugs and outages; details go to the log, not the person.
pub fn internal_error(app: &App, language: Language) -> Response {
    error_page(app, language, StatusCode::INTERNAL_SERVER_ERROR, "internal")
}

/// How a failed use case shows on a form: which errors and which status, or a whole
/// error page when the failure is not about the input.
pub fn form_failure(ctx: &Ctx, err: ServiceError) -> Result<(StatusCode, FormErrors), Response> {
    let tr = ctx.tr();
    match err {
        ServiceError::Invalid(errors) => Ok((StatusCode::UNPROCESSABLE_ENTITY, FormErrors::new(tr, &errors))),
        ServiceError::RateLimited { retry_after } => {
            let message = rate_limited_message(tr, retry_after);
            let help = crate::services::help::link_for_error("rate_limited").map(|l| ("form".to_owned(), l)).into_iter().collect();
            Ok((StatusCode::TOO_MANY_REQUESTS, FormErrors { items: vec![("form".into(), message)], help }))
        }
        ServiceError::Unavailable(code) => Ok((StatusCode::SERVICE_UNAVAILABLE, FormErrors::single(tr, "form", code))),
        ServiceError::FlowExpired => Ok((StatusCode::UNPROCESSABLE_ENTITY, FormErrors::single(tr, "form", "flow.expired"))),
        ServiceError::NotFound => Err(error_page(&ctx.app, ctx.language, StatusCode::NOT_FOUND, "not_found")),
        ServiceError::Internal(err) => {
            tracing::error!(error = %format!("{err:#}"), "request failed");
            Err(internal_error(&ctx.app, ctx.language))
        }
    }
}
