//! The signed-in person's account pages: profile, password, sessions, contacts.

use crate::web::access::Citizen;
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use huduma_domain::{Email, Phone};
use serde::Deserialize;

use crate::clock::format_nairobi_in;
use crate::services::codes::Channel;
use crate::services::{ServiceError, profile};
use crate::web::context::{Ctx, redirect_with_cookies};
use crate::web::cookies;
use crate::web::csrf::CsrfForm;
use crate::web::page_error::PageResult;
use crate::web::render::{FormErrors, Page, form_failure, html};

#[derive(Template)]
#[template(path = "account.html")]
struct AccountTemplate<'a> {
    page: Page<'a>,
    full_name: String,
    type_key: String,
    document: String,
    date_of_birth: String,
    phone: String,
    email: String,
    totp_enabled: bool,
}

/// `GET /account`
pub async fn show(Citizen(ref me): Citizen, ctx: Ctx) -> Response {
    let a = &me.account;
    let template = AccountTemplate {
        page: ctx.page("account.title"),
        full_name: a.full_name(),
        type_key: format!("account_type.{}", a.account_type.as_str()),
        document: format!("{} {}", ctx.tr().t(&format!("document.{}", a.document_kind)), a.document_number),
        date_of_birth: a.date_of_birth.clone().unwrap_or_default(),
        phone: Phone::parse(&a.phone).map(|p| p.masked()).unwrap_or_default(),
        email: a.email.clone(),
        totp_enabled: a.totp_secret.is_some(),
    };
    html(StatusCode::OK, &template)
}

#[derive(Template)]
#[template(path = "account_password.html")]
struct PasswordTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
}

/// `GET /account/password`
pub async fn password_form(_: Citizen, ctx: Ctx) -> Response {
    html(StatusCode::OK, &PasswordTemplate { page: ctx.page("account.password_heading"), errors: FormErrors::default() })
}

/// The change-password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

/// `POST /account/password`
pub async fn password_submit(Citizen(ref me): Citizen, ctx: Ctx, CsrfForm(form): CsrfForm<PasswordForm>) -> PageResult {
    match profile::change_password(&ctx.app, me, &form.current_password, &form.password, &form.password_confirmation).await {
        Ok(()) => Ok(Redirect::to("/account?notice=password_changed").into_response()),
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            Ok(html(status, &PasswordTemplate { page: ctx.page("account.password_heading"), errors }))
        }
    }
}

/// One row of the sessions table.
struct SessionView {
    id: String,
    device: String,
    ip: String,
    created: String,
    last_seen: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "account_sessions.html")]
struct SessionsTemplate<'a> {
    page: Page<'a>,
    sessions: Vec<SessionView>,
}

/// A short description of a browser from its user agent.
fn device(user_agent: &str) -> String {
    let browser = ["Edg", "Firefox", "Chrome", "Safari", "Opera"].into_iter().find(|b| user_agent.contains(b));
    let system = ["Android", "iPhone", "Windows", "Mac OS", "Linux"].into_iter().find(|s| user_agent.contains(s));
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} · {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => s.to_owned(),
        (None, None) => user_agent.chars().take(40).collect(),
    }
}

/// `GET /account/sessions`
pub async fn sessions(Citizen(ref me): Citizen, ctx: Ctx) -> PageResult {
    let sessions = profile::list_sessions(&ctx.app, me)
        .await?
        .into_iter()
        .map(|s| SessionView {
            current: s.id == me.session.id,
            device: device(&s.user_agent),
            ip: s.ip,
            created: format_nairobi_in(s.created_at, ctx.language),
            last_seen: format_nairobi_in(s.last_seen_at, ctx.language),
            id: s.id,
        })
        .collect();
    Ok(html(StatusCode::OK, &SessionsTemplate { page: ctx.page("account.sessions_heading"), sessions }))
}

/// `POST /account/sessions/{id}/revoke`
pub async fn revoke(
    Citizen(ref me): Citizen,
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<super::sign_in::Empty>,
) -> PageResult {
    match profile::revoke_session(&ctx.app, me, &id).await {
        Ok(()) => Ok(Redirect::to("/account/sessions?notice=session_ended").into_response()),
        Err(err) => {
            form_failure(&ctx, err)?;
            Ok(Redirect::to("/account/sessions").into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "account_contact.html")]
struct ContactTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
    channel: &'static str,
    heading_key: &'static str,
    label_key: &'static str,
    input_kind: &'static str,
    value: String,
    pending: Option<String>,
}

fn contact_page(ctx: &Ctx, channel: Channel, value: String, pending: Option<String>, errors: FormErrors, status: StatusCode) -> Response {
    let (heading_key, label_key, input_kind) = match channel {
        Channel::Sms => ("account.change_phone", "account.new_phone", "tel"),
        Channel::Email => ("account.change_email", "account.new_email", "email"),
    };
    html(
        status,
        &ContactTemplate {
            page: ctx.page(heading_key),
            errors,
            channel: channel.as_str(),
            heading_key,
            label_key,
            input_kind,
            value,
            pending,
        },
    )
}

/// Query of the contact page.
#[derive(Debug, Deserialize)]
pub struct ContactQuery {
    channel: Option<String>,
}

/// `GET /account/contact?channel=sms|email`
pub async fn contact_form(Citizen(ref me): Citizen, ctx: Ctx, Query(query): Query<ContactQuery>) -> Response {
    if query.channel.is_none()
        && let Some(token) = ctx.flow_token("contact")
        && let Ok((channel, value)) = profile::contact_change_target(&ctx.app, me, &token).await
    {
        let masked = match channel {
            Channel::Sms => Phone::parse(&value).map(|p| p.masked()).unwrap_or(value),
            Channel::Email => Email::parse(&value).map(|e| e.masked()).unwrap_or(value),
        };
        return contact_page(&ctx, channel, String::new(), Some(masked), FormErrors::default(), StatusCode::OK);
    }
    let channel = Channel::parse(query.channel.as_deref().unwrap_or("")).unwrap_or(Channel::Email);
    contact_page(&ctx, channel, String::new(), None, FormErrors::default(), StatusCode::OK)
}

/// New contact.
#[derive(Debug, Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    channel: String,
    #[serde(default)]
    value: String,
}

/// `POST /account/contact`
pub async fn contact_submit(Citizen(ref me): Citizen, ctx: Ctx, CsrfForm(form): CsrfForm<ContactForm>) -> PageResult {
    let channel = Channel::parse(&form.channel).unwrap_or(Channel::Email);
    match profile::start_contact_change(&ctx.app, me, channel, &form.value, &ctx.requester).await {
        Ok(token) => {
            Ok(redirect_with_cookies("/account/contact", vec![cookies::set(&cookies::flow("contact"), &token, None, ctx.secure())]))
        }
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            Ok(contact_page(&ctx, channel, form.value, None, errors, status))
        }
    }
}

/// Code for the new contact.
#[derive(Debug, Deserialize)]
pub struct ContactCodeForm {
    #[serde(default)]
    code: String,
}

/// `POST /account/contact/verify`
pub async fn contact_verify(Citizen(ref me): Citizen, ctx: Ctx, CsrfForm(form): CsrfForm<ContactCodeForm>) -> PageResult {
    let Some(token) = ctx.flow_token("contact") else {
        return Ok(Redirect::to("/account").into_response());
    };
    match profile::finish_contact_change(&ctx.app, me, &token, &form.code).await {
        Ok(channel) => {
            let notice = if channel == Channel::Sms { "phone_changed" } else { "email_changed" };
            Ok(redirect_with_cookies(&format!("/account?notice={notice}"), vec![cookies::clear(&cookies::flow("contact"), ctx.secure())]))
        }
        Err(ServiceError::FlowExpired) => Ok(Redirect::to("/account").into_response()),
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            Ok(match profile::contact_change_target(&ctx.app, me, &token).await {
                Ok((channel, value)) => contact_page(&ctx, channel, String::new(), Some(value), errors, status),
                Err(_) => Redirect::to("/account").into_response(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::device;

    #[test]
    fn describes_common_browsers() {
        assert_eq!(device("Mozilla/5.0 (Linux; Android 13) AppleWebKit Chrome/120 Mobile Safari"), "Chrome · Android");
        assert_eq!(device("curl/8"), "curl/8");
    }
}
