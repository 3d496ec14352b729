//! Turning templates and errors into responses.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use huduma_domain::Language;

use super::context::Ctx;
use super::page_error::PageError;
use crate::app::App;
use crate::i18n::Tr;
use crate::services::{FieldError, ServiceError};
use crate::theme::Theme;

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
    /// The deployment's name, emblem, colours and footer links.
    pub theme: &'a Theme,
    /// The page's language.
    pub language: Language,
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
            theme: &ctx.app.theme,
            language: ctx.language,
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
            theme: &app.theme,
            language,
        }
    }

    /// A translated string.
    pub fn t(&self, key: &str) -> &'a str {
        self.tr.t(key)
    }

    /// The portal's name in this page's language (from the theme).
    pub fn portal_name(&self) -> &'a str {
        self.theme.name.get(self.language)
    }

    /// The government the portal speaks for, in this page's language.
    pub fn government(&self) -> &'a str {
        self.theme.government.get(self.language)
    }

    /// The theme's footer links as `(href, label)`.
    pub fn footer_links(&self) -> Vec<(&'a str, &'a str)> {
        self.theme.footer_links.iter().map(|l| (l.href.as_str(), l.label(self.language))).collect()
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
    /// The stable code behind each message, as `(field, code)`.
    codes: Vec<(String, String)>,
    /// Help-centre articles that explain the errors, as `(field, path)`.
    help: Vec<(String, String)>,
    /// Where the summary's link for a field goes when not to the element with the
    /// field's name as its id (a radio question: its first radio), as `(field, id)`.
    anchors: Vec<(String, String)>,
    /// "Error:" in the form's language, read before each message by screen readers.
    prefix: String,
}

/// A question of a form, as [`FormErrors::for_questions`] names it.
pub struct Question<'q> {
    /// The field's name.
    pub field: &'q str,
    /// The question as the page shows it.
    pub label: &'q str,
    /// The id of the control the error link should focus.
    pub anchor: String,
}

impl FormErrors {
    /// Translates field errors.
    pub fn new(tr: Tr<'_>, errors: &[FieldError]) -> Self {
        Self {
            items: errors.iter().map(|e| (e.field.to_string(), field_message(tr, e))).collect(),
            codes: errors.iter().map(|e| (e.field.to_string(), e.code.to_owned())).collect(),
            help: errors
                .iter()
                .filter_map(|e| crate::services::help::link_for_error(e.code).map(|link| (e.field.to_string(), link)))
                .collect(),
            anchors: Vec::new(),
            prefix: tr.t("form.error_prefix").to_owned(),
        }
    }

    /// A single form-wide error.
    pub fn single(tr: Tr<'_>, field: &str, code: &str) -> Self {
        Self {
            items: vec![(field.to_owned(), tr.error(code).to_owned())],
            codes: vec![(field.to_owned(), code.to_owned())],
            help: crate::services::help::link_for_error(code).map(|link| (field.to_owned(), link)).into_iter().collect(),
            anchors: Vec::new(),
            prefix: tr.t("form.error_prefix").to_owned(),
        }
    }

    /// Points the summary's link for `field` at the element `id` (a radio question's
    /// first radio, which a fieldset's name cannot be).
    pub fn anchored(mut self, field: &str, id: &str) -> Self {
        self.anchors.retain(|(f, _)| f != field);
        self.anchors.push((field.to_owned(), id.to_owned()));
        self
    }

    /// Names the question in messages that would otherwise read the same for every field
    /// ("Answer this question." becomes "Answer: Date of birth"; a repeated message gets the
    /// question in front), so each line of the summary says which answer to fix, and points
    /// each link at its question's control.
    pub fn for_questions<'q>(mut self, tr: Tr<'_>, questions: impl IntoIterator<Item = Question<'q>>) -> Self {
        let questions: Vec<Question<'q>> = questions.into_iter().collect();
        let repeated: Vec<String> = self
            .items
            .iter()
            .filter(|(_, m)| self.items.iter().filter(|(_, other)| other == m).count() > 1)
            .map(|(_, m)| m.clone())
            .collect();
        for (field, message) in &mut self.items {
            let Some(question) = questions.iter().find(|q| q.field == field.as_str()) else { continue };
            let code = self.codes.iter().find(|(f, _)| f == field).map(|(_, c)| c.as_str());
            if code == Some("field.required") {
                *message = tr.f("error.field.required_named", &[("question", question.label)]);
            } else if repeated.contains(message) {
                *message = tr.f("form.error_for_question", &[("question", question.label), ("message", message)]);
            }
        }
        for question in questions {
            if question.anchor != question.field && self.get(question.field).is_some() {
                self = self.anchored(question.field, &question.anchor);
            }
        }
        self
    }

    /// The message for a field.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.items.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    /// The id the summary's link for `field` goes to.
    pub fn anchor<'s>(&'s self, field: &'s str) -> &'s str {
        self.anchors.iter().find(|(f, _)| f == field).map_or(field, |(_, id)| id.as_str())
    }

    /// "Error:" in the form's language, for the visually hidden start of each message.
    pub fn prefix(&self) -> &str {
        &self.prefix
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
fn args<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// A field error's sentence in `tr`'s language: its placeholders filled, and the "or" of
/// a list of choices ([`crate::services::error::OR`]) worded.
pub fn field_message(tr: Tr<'_>, error: &FieldError) -> String {
    let or = format!(" {} ", tr.t("application.or"));
    let values: Vec<(&'static str, String)> =
        error.args.iter().map(|(k, v)| (*k, v.replace(&format!(" {} ", crate::services::error::OR), &or))).collect();
    tr.f(&format!("error.{}", error.code), &args(&values))
}

/// Puts "Error:" (in the page's language) at the start of the `<title>` of a page that
/// shows an error summary, so the first thing a screen reader announces is that the form
/// needs attention. Done on the rendered page because the title is drawn before the
/// content that knows about the errors.
fn title_with_error_prefix(body: String) -> String {
    if !body.contains("<div class=\"error-summary\"") {
        return body;
    }
    let language = if body.contains("<html lang=\"sw\"") { Language::Sw } else { Language::En };
    let prefix = crate::i18n::I18n::global().tr(language).t("form.error_prefix");
    match body.find("<title>") {
        Some(at) if !body[at + 7..].starts_with(prefix) => format!("{}{prefix} {}", &body[..at + 7], &body[at + 7..]),
        _ => body,
    }
}

/// Renders a template as an HTML response.
pub fn html(status: StatusCode, template: &impl Template) -> Response {
    match template.render().map(title_with_error_prefix) {
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

/// The citizen error page, drawn only by [`super::page_error::layer`]: the sentence is
/// already worded (a code's, a field error with its placeholders filled in, a rate limit's wait).
pub fn error_page_saying(app: &App, language: Language, status: StatusCode, code: &str, message: String) -> Response {
    let page = Page::bare(app, language, "error.title");
    let help = crate::services::help::link_for_error(code).unwrap_or_default();
    html(status, &ErrorTemplate { page, message, code: code.to_owned(), help })
}

/// "Too many attempts. Try again in N minutes.", with the wait noted for `Retry-After`.
pub fn rate_limited_message(tr: Tr<'_>, retry_after: i64) -> String {
    super::retry_after::note(retry_after);
    let minutes = ((retry_after + 59) / 60).max(1).to_string();
    tr.f("error.rate_limited", &[("minutes", &minutes)])
}

/// How a failed use case shows on a form: which errors and which status, or a whole
/// error page when the failure is not about the input.
pub fn form_failure(ctx: &Ctx, err: ServiceError) -> Result<(StatusCode, FormErrors), PageError> {
    let tr = ctx.tr();
    match err {
        ServiceError::Invalid(errors) => Ok((StatusCode::UNPROCESSABLE_ENTITY, FormErrors::new(tr, &errors))),
        ServiceError::RateLimited { retry_after } => {
            let message = rate_limited_message(tr, retry_after);
            let help = crate::services::help::link_for_error("rate_limited").map(|l| ("form".to_owned(), l)).into_iter().collect();
            let codes = vec![("form".to_owned(), "rate_limited".to_owned())];
            Ok((
                StatusCode::TOO_MANY_REQUESTS,
                FormErrors {
                    items: vec![("form".into(), message)],
                    codes,
                    help,
                    anchors: Vec::new(),
                    prefix: tr.t("form.error_prefix").to_owned(),
                },
            ))
        }
        ServiceError::Unavailable(code) => Ok((StatusCode::SERVICE_UNAVAILABLE, FormErrors::single(tr, "form", code))),
        err @ ServiceError::StoreUnavailable(_) => {
            super::page_error::log_store_outage(&err);
            super::retry_after::note(crate::services::error::STORE_RETRY_AFTER_SECS);
            Ok((StatusCode::SERVICE_UNAVAILABLE, FormErrors::single(tr, "form", err.code())))
        }
        ServiceError::FlowExpired => Ok((StatusCode::UNPROCESSABLE_ENTITY, FormErrors::single(tr, "form", "flow.expired"))),
        err @ (ServiceError::NotFound | ServiceError::Internal(_)) => Err(PageError::from(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::I18n;

    fn required(field: &'static str) -> FieldError {
        FieldError { field: field.into(), code: "field.required", args: Vec::new() }
    }

    #[test]
    fn each_question_gets_its_own_message_and_a_radio_s_link_its_first_radio() {
        let tr = I18n::global().tr(Language::Sw);
        let pattern = |field: &'static str| FieldError { field: field.into(), code: "field.pattern", args: Vec::new() };
        let errors =
            FormErrors::new(tr, &[required("date_of_birth"), required("is_minor"), pattern("pin"), pattern("plate"), pattern("id")])
                .for_questions(
                    tr,
                    [
                        Question { field: "date_of_birth", label: "Tarehe ya kuzaliwa", anchor: "date_of_birth".into() },
                        Question { field: "is_minor", label: "Je, ni mtoto?", anchor: "is_minor-1".into() },
                        Question { field: "pin", label: "PIN ya KRA", anchor: "pin".into() },
                        Question { field: "plate", label: "Nambari ya gari", anchor: "plate".into() },
                    ],
                );
        assert_eq!(errors.get("date_of_birth"), Some("Jibu: Tarehe ya kuzaliwa"));
        assert_eq!(errors.get("is_minor"), Some("Jibu: Je, ni mtoto?"));
        let messages: Vec<&str> = errors.items().iter().map(|(_, m)| m.as_str()).collect();
        let distinct: std::collections::HashSet<&&str> = messages.iter().take(4).collect();
        assert_eq!(distinct.len(), 4, "{messages:?}");
        assert!(messages[2].starts_with("PIN ya KRA: "), "{messages:?}");
        assert_eq!(errors.anchor("is_minor"), "is_minor-1");
        assert_eq!(errors.anchor("date_of_birth"), "date_of_birth");
        assert_eq!(errors.anchor("id"), "id", "a field no question names keeps its own id");
        assert_eq!(errors.prefix(), "Hitilafu:");
    }

    #[test]
    fn a_page_with_errors_has_a_title_that_says_so_in_its_language() {
        let page = |lang: &str, summary: &str| format!("<!doctype html><html lang=\"{lang}\"><title>Ingia – Huduma</title>{summary}");
        let summary = "<div class=\"error-summary\" role=\"alert\">";
        assert!(title_with_error_prefix(page("sw", summary)).contains("<title>Hitilafu: Ingia – Huduma</title>"));
        assert!(title_with_error_prefix(page("en", summary)).contains("<title>Error: Ingia – Huduma</title>"));
        assert!(title_with_error_prefix(page("en", "")).contains("<title>Ingia – Huduma</title>"));
    }
}
