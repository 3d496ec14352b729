//! Sign-in pages: password, then a code over SMS or email (or the authenticator app),
//! and sign-out. A `next` address (a page that asked the person to sign in) is carried
//! through every step and opened at the end, when it is a path on this site.

use crate::web::access::Citizen;
use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::services::codes::Channel;
use crate::services::sessions::{self, SessionKind};
use crate::services::sign_in::{self, SecondStep, Started};
use crate::services::{ServiceError, profile};
use crate::web::context::{Ctx, redirect_with_cookies};
use crate::web::cookies;
use crate::web::csrf::CsrfForm;
use crate::web::page_error::PageResult;
use crate::web::render::{FormErrors, Page, form_failure, html};
use crate::web::safe_redirect::local_path;

/// Where a person lands after signing in when no page asked them to.
const DEFAULT_LANDING: &str = "/account";

/// `?next=` on the sign-in pages (citizen and staff), or the hidden `next` field of their
/// forms: the page that asked the person to sign in. Only a path on this site is ever
/// carried on or opened ([`local_path`] decides).
#[derive(Debug, Default, Deserialize)]
pub struct Next {
    #[serde(default)]
    next: String,
}

impl Next {
    /// The address to carry on in a form, when it is a path on this site (else empty).
    pub fn safe(&self) -> String {
        local_path(&self.next).unwrap_or_default().to_owned()
    }

    /// `path` with this `next` added to its query, when it is a path on this site.
    pub fn onto(&self, path: &str) -> String {
        match local_path(&self.next) {
            Some(next) => {
                let separator = if path.contains('?') { '&' } else { '?' };
                format!("{path}{separator}{}", serde_urlencoded::to_string([("next", next)]).unwrap_or_default())
            }
            None => path.to_owned(),
        }
    }

    /// Where to land once signed in: `next` when it is a path on this site, else
    /// `default`.
    pub fn landing<'a>(&'a self, default: &'a str) -> &'a str {
        local_path(&self.next).unwrap_or(default)
    }
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
    identifier: String,
    next: String,
}

/// `GET /sign-in`
pub async fn form(ctx: Ctx, Query(next): Query<Next>) -> Response {
    if ctx.me.is_some() {
        return Redirect::to(next.landing(DEFAULT_LANDING)).into_response();
    }
    let template =
        SignInTemplate { page: ctx.page("sign_in.title"), errors: FormErrors::default(), identifier: String::new(), next: next.safe() };
    html(StatusCode::OK, &template)
}

/// The password step.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    identifier: String,
    #[serde(default)]
    password: String,
    #[serde(flatten)]
    next: Next,
}

/// `POST /sign-in`
pub async fn submit(ctx: Ctx, CsrfForm(form): CsrfForm<PasswordForm>) -> PageResult {
    match sign_in::start(&ctx.app, &form.identifier, &form.password, &ctx.requester).await {
        Ok(Started::SecondStep { token, .. }) => Ok(redirect_with_cookies(
            &form.next.onto("/sign-in/code"),
            vec![cookies::set(&cookies::flow("sign_in"), &token, None, ctx.secure())],
        )),
        Ok(Started::NeedsVerification { token }) => Ok(redirect_with_cookies(
            "/verify?notice=verify_to_continue",
            vec![cookies::set(&cookies::flow("verify"), &token, None, ctx.secure())],
        )),
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            let next = form.next.safe();
            Ok(html(status, &SignInTemplate { page: ctx.page("sign_in.title"), errors, identifier: form.identifier, next }))
        }
    }
}

#[derive(Template)]
#[template(path = "sign_in_code.html")]
struct CodeTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
    step: SecondStep,
    sent_to: Option<String>,
    other_channel: &'static str,
    other_channel_key: &'static str,
    next: String,
}

/// Back to the start when the sign-in flow has ended, still on the way to `next`.
fn expired(next: &Next) -> Response {
    Redirect::to(&next.onto("/sign-in?notice=sign_in_expired")).into_response()
}

async fn code_page(ctx: &Ctx, next: &Next, errors: FormErrors, status: StatusCode) -> Response {
    let Some(token) = ctx.flow_token("sign_in") else {
        return expired(next);
    };
    match sign_in::second_step_of(&ctx.app, &token).await {
        Ok((step, channel)) => {
            let sent_to = channel.map(|c| if c == Channel::Sms { step.phone_masked.clone() } else { step.email_masked.clone() });
            let (other_channel, other_channel_key) = match channel {
                Some(Channel::Sms) => ("email", "sign_in.use_email"),
                _ => ("sms", "sign_in.use_sms"),
            };
            // The page's heading is its title: each step reads differently in tabs and history.
            let title = match (step.method.as_str(), &sent_to) {
                ("totp", _) => "sign_in.totp_heading",
                (_, Some(_)) => "sign_in.code_heading",
                (_, None) => "sign_in.channel_heading",
            };
            let page = ctx.page(title);
            html(status, &CodeTemplate { page, errors, step, sent_to, other_channel, other_channel_key, next: next.safe() })
        }
        Err(_) => expired(next),
    }
}

/// `GET /sign-in/code`
pub async fn code_form(ctx: Ctx, Query(next): Query<Next>) -> Response {
    code_page(&ctx, &next, FormErrors::default(), StatusCode::OK).await
}

/// The channel choice.
#[derive(Debug, Deserialize)]
pub struct ChannelForm {
    #[serde(default)]
    channel: String,
    #[serde(flatten)]
    next: Next,
}

/// `POST /sign-in/send`
pub async fn send(ctx: Ctx, CsrfForm(form): CsrfForm<ChannelForm>) -> PageResult {
    let Some(token) = ctx.flow_token("sign_in") else {
        return Ok(expired(&form.next));
    };
    let result = match Channel::parse(&form.channel) {
        Ok(channel) => sign_in::send_code(&ctx.app, &token, channel, &ctx.requester).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&form.next.onto("/sign-in/code")).into_response()),
        Err(ServiceError::FlowExpired) => Ok(expired(&form.next)),
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            Ok(code_page(&ctx, &form.next, errors.anchored("channel", "channel-sms"), status).await)
        }
    }
}

/// The code step.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(flatten)]
    next: Next,
}

/// `POST /sign-in/code`
pub async fn check(ctx: Ctx, CsrfForm(form): CsrfForm<CodeForm>) -> PageResult {
    let Some(token) = ctx.flow_token("sign_in") else {
        return Ok(expired(&form.next));
    };
    match sign_in::finish(&ctx.app, &token, &form.code, &ctx.requester, SessionKind::Web, ctx.session_token()).await {
        Ok(session) => Ok(redirect_with_cookies(
            form.next.landing(DEFAULT_LANDING),
            vec![
                cookies::clear(&cookies::flow("sign_in"), ctx.secure()),
                cookies::set(cookies::SESSION, &session.token, None, ctx.secure()),
            ],
        )),
        Err(ServiceError::FlowExpired) => Ok(expired(&form.next)),
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            Ok(code_page(&ctx, &form.next, errors, status).await)
        }
    }
}

/// An empty form (only the CSRF token).
#[derive(Debug, Deserialize)]
pub struct Empty {}

/// `POST /sign-out`
pub async fn sign_out(ctx: Ctx, CsrfForm(_): CsrfForm<Empty>) -> Response {
    if let Some(me) = &ctx.me
        && let Err(err) = sessions::end(&ctx.app, &me.token_hash).await
    {
        tracing::error!(error = %err, "ending session failed");
    }
    redirect_with_cookies("/?notice=signed_out", vec![cookies::clear(cookies::SESSION, ctx.secure())])
}

/// `POST /account/sign-out-everywhere`
pub async fn sign_out_everywhere(Citizen(ref me): Citizen, ctx: Ctx, CsrfForm(_): CsrfForm<Empty>) -> PageResult {
    profile::revoke_all_sessions(&ctx.app, me).await?;
    Ok(redirect_with_cookies("/?notice=signed_out_everywhere", vec![cookies::clear(cookies::SESSION, ctx.secure())]))
}
