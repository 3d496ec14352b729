//! Authenticator app set-up and removal.

use crate::web::access::Citizen;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use qrcode::QrCode;
use qrcode::render::svg;
use serde::Deserialize;

use crate::services::totp::{self, Setup};
use crate::web::context::{Ctx, redirect_with_cookies};
use crate::web::cookies;
use crate::web::csrf::CsrfForm;
use crate::web::page_error::PageResult;
use crate::web::render::{FormErrors, Page, form_failure, html};

#[derive(Template)]
#[template(path = "two_factor.html")]
struct TwoFactorTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
    enabled: bool,
    setup: Option<Setup>,
    qr_svg: String,
}

/// An inline SVG QR code (no image request, allowed by the CSP).
pub fn qr_svg(content: &str) -> String {
    QrCode::new(content.as_bytes())
        .map(|code| code.render::<svg::Color<'_>>().min_dimensions(200, 200).build())
        .map(|svg| svg.split_once("?>").map_or(svg.clone(), |(_, rest)| rest.trim().to_owned()))
        .unwrap_or_default()
}

async fn page(ctx: &Ctx, errors: FormErrors, status: StatusCode) -> Response {
    let Some(me) = ctx.me.as_ref() else { return ctx.sign_in_redirect() };
    let enabled = me.account.totp_secret.is_some();
    let setup = match (enabled, ctx.flow_token("totp")) {
        (false, Some(token)) => totp::setup_of(&ctx.app, &me.account, &token).await.ok(),
        _ => None,
    };
    let qr_svg = setup.as_ref().map(|s| qr_svg(&s.otpauth_url)).unwrap_or_default();
    html(status, &TwoFactorTemplate { page: ctx.page("totp.heading"), errors, enabled, setup, qr_svg })
}

/// `GET /account/two-factor`
pub async fn show(_: Citizen, ctx: Ctx) -> Response {
    page(&ctx, FormErrors::default(), StatusCode::OK).await
}

/// `POST /account/two-factor/setup`
pub async fn begin(Citizen(ref me): Citizen, ctx: Ctx, CsrfForm(_): CsrfForm<super::sign_in::Empty>) -> PageResult {
    match totp::begin_setup(&ctx.app, &me.account).await {
        Ok(setup) => {
            Ok(redirect_with_cookies("/account/two-factor", vec![cookies::set(&cookies::flow("totp"), &setup.token, None, ctx.secure())]))
        }
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            Ok(page(&ctx, errors, status).await)
        }
    }
}

/// A code from the app.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// `POST /account/two-factor/confirm`
pub async fn confirm(Citizen(ref me): Citizen, ctx: Ctx, CsrfForm(form): CsrfForm<CodeForm>) -> PageResult {
    let Some(token) = ctx.flow_token("totp") else {
        return Ok(Redirect::to("/account/two-factor").into_response());
    };
    match totp::confirm_setup(&ctx.app, &me.account, &token, &form.code).await {
        Ok(()) => Ok(redirect_with_cookies("/account?notice=totp_on", vec![cookies::clear(&cookies::flow("totp"), ctx.secure())])),
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            Ok(page(&ctx, errors, status).await)
        }
    }
}

/// `POST /account/two-factor/disable`
pub async fn disable(Citizen(ref me): Citizen, ctx: Ctx, CsrfForm(form): CsrfForm<CodeForm>) -> PageResult {
    match totp::disable(&ctx.app, &me.account, &form.code).await {
        Ok(()) => Ok(Redirect::to("/account?notice=totp_off").into_response()),
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            Ok(page(&ctx, errors, status).await)
        }
    }
}
