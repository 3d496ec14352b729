//! Forgotten password pages.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::services::codes::Channel;
use crate::services::{ServiceError, password_reset};
use crate::web::context::{Ctx, redirect_with_cookies};
use crate::web::cookies;
use crate::web::csrf::CsrfForm;
use crate::web::page_error::PageResult;
use crate::web::render::{FormErrors, Page, form_failure, html};

#[derive(Template)]
#[template(path = "forgot_password.html")]
struct ForgotTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
    identifier: String,
}

/// `GET /forgot-password`
pub async fn form(ctx: Ctx) -> Response {
    html(StatusCode::OK, &ForgotTemplate { page: ctx.page("reset.title"), errors: FormErrors::default(), identifier: String::new() })
}

/// Step one.
#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    identifier: String,
    #[serde(default)]
    channel: String,
}

/// `POST /forgot-password`
pub async fn submit(ctx: Ctx, CsrfForm(form): CsrfForm<ForgotForm>) -> PageResult {
    let result = match Channel::parse(&form.channel) {
        Ok(channel) => password_reset::start(&ctx.app, &form.identifier, channel, &ctx.requester).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(token) => Ok(redirect_with_cookies("/reset-password", vec![cookies::set(&cookies::flow("reset"), &token, None, ctx.secure())])),
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            Ok(html(status, &ForgotTemplate { page: ctx.page("reset.title"), errors, identifier: form.identifier }))
        }
    }
}

#[derive(Template)]
#[template(path = "reset_password.html")]
struct ResetTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
}

/// `GET /reset-password`
pub async fn reset_form(ctx: Ctx) -> Response {
    if ctx.flow_token("reset").is_none() {
        return Redirect::to("/forgot-password").into_response();
    }
    html(StatusCode::OK, &ResetTemplate { page: ctx.page("reset.title"), errors: FormErrors::default() })
}

/// Step two.
#[derive(Debug, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

/// `POST /reset-password`
pub async fn reset_submit(ctx: Ctx, CsrfForm(form): CsrfForm<ResetForm>) -> PageResult {
    let Some(token) = ctx.flow_token("reset") else {
        return Ok(Redirect::to("/forgot-password").into_response());
    };
    match password_reset::finish(&ctx.app, &token, &form.code, &form.password, &form.password_confirmation, &ctx.requester).await {
        Ok(()) => Ok(redirect_with_cookies(
            "/sign-in?notice=password_reset",
            vec![cookies::clear(&cookies::flow("reset"), ctx.secure()), cookies::clear(cookies::SESSION, ctx.secure())],
        )),
        Err(ServiceError::FlowExpired) => Ok(Redirect::to("/forgot-password?notice=reset_expired").into_response()),
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            Ok(html(status, &ResetTemplate { page: ctx.page("reset.title"), errors }))
        }
    }
}
