//! Verifying phone and email after registration (or at sign-in of an unverified account).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::services::ServiceError;
use crate::services::codes::Channel;
use crate::services::sessions::SessionKind;
use crate::services::verification::{self, Outcome, Status};
use crate::web::context::{Ctx, redirect_with_cookies};
use crate::web::cookies;
use crate::web::csrf::CsrfForm;
use crate::web::page_error::PageResult;
use crate::web::render::{FormErrors, Page, form_failure, html};

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
    status: Status,
}

async fn verify_page(ctx: &Ctx, errors: FormErrors, status_code: StatusCode) -> Response {
    let Some(token) = ctx.flow_token("verify") else {
        return Redirect::to("/sign-in?notice=verification_expired").into_response();
    };
    match verification::status(&ctx.app, &token).await {
        Ok(status) => html(status_code, &VerifyTemplate { page: ctx.page("verify.title"), errors, status }),
        Err(_) => Redirect::to("/sign-in?notice=verification_expired").into_response(),
    }
}

/// `GET /verify`
pub async fn show(ctx: Ctx) -> Response {
    verify_page(&ctx, FormErrors::default(), StatusCode::OK).await
}

/// A typed code; the field name says which channel.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default, alias = "phone_code", alias = "email_code")]
    code: String,
}

async fn check(ctx: Ctx, channel: Channel, form: CodeForm) -> PageResult {
    let Some(token) = ctx.flow_token("verify") else {
        return Ok(Redirect::to("/sign-in?notice=verification_expired").into_response());
    };
    let field = if channel == Channel::Sms { "phone_code" } else { "email_code" };
    match verification::verify(&ctx.app, &token, channel, &form.code, &ctx.requester, SessionKind::Web, ctx.session_token()).await {
        Ok(Outcome::Pending(_)) => Ok(Redirect::to("/verify").into_response()),
        Ok(Outcome::Done(session)) => Ok(redirect_with_cookies(
            "/account?notice=registered",
            vec![
                cookies::clear(&cookies::flow("verify"), ctx.secure()),
                cookies::set(cookies::SESSION, &session.token, None, ctx.secure()),
            ],
        )),
        Err(ServiceError::FlowExpired) => Ok(Redirect::to("/sign-in?notice=verification_expired").into_response()),
        Err(ServiceError::Invalid(mut errors)) => {
            for e in &mut errors {
                e.field = field.into();
            }
            Ok(verify_page(&ctx, FormErrors::new(ctx.tr(), &errors), StatusCode::UNPROCESSABLE_ENTITY).await)
        }
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            Ok(verify_page(&ctx, errors, status).await)
        }
    }
}

/// `POST /verify/phone`
pub async fn phone(ctx: Ctx, CsrfForm(form): CsrfForm<CodeForm>) -> PageResult {
    check(ctx, Channel::Sms, form).await
}

/// `POST /verify/email`
pub async fn email(ctx: Ctx, CsrfForm(form): CsrfForm<CodeForm>) -> PageResult {
    check(ctx, Channel::Email, form).await
}

/// Which channel to resend.
#[derive(Debug, Deserialize)]
pub struct ResendForm {
    #[serde(default)]
    channel: String,
}

/// `POST /verify/resend`
pub async fn resend(ctx: Ctx, CsrfForm(form): CsrfForm<ResendForm>) -> PageResult {
    let Some(token) = ctx.flow_token("verify") else {
        return Ok(Redirect::to("/sign-in?notice=verification_expired").into_response());
    };
    let result = match Channel::parse(&form.channel) {
        Ok(channel) => verification::resend(&ctx.app, &token, channel, &ctx.requester).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/verify?notice=code_resent").into_response()),
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            Ok(verify_page(&ctx, errors, status).await)
        }
    }
}
