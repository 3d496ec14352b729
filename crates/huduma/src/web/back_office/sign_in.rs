//! The staff entrance: `/staff/sign-in` (email and password), `/staff/sign-in/code`
//! (authenticator code, or setting the authenticator up), `/staff/sign-out`.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::context::{StaffBar, StaffCtx};
use crate::services::back_office::staff_sign_in::{self, SecondStep};
use crate::web::context::redirect_with_cookies;
use crate::web::cookies;
use crate::web::csrf::CsrfForm;
use crate::web::render::{FormErrors, Page, html};

const FLOW: &str = "staff_sign_in";

#[derive(Template)]
#[template(path = "staff/sign_in.html")]
struct SignInTemplate<'a> {
    page: Page<'a>,
    staff: Option<StaffBar>,
    errors: FormErrors,
    email: String,
}

/// `GET /staff/sign-in`
pub async fn form(s: StaffCtx) -> Response {
    if s.member.is_some() {
        return Redirect::to("/staff").into_response();
    }
    html(
        StatusCode::OK,
        &SignInTemplate { page: s.page("staff.sign_in_title"), staff: None, errors: FormErrors::default(), email: String::new() },
    )
}

/// Email and password.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// `POST /staff/sign-in`
pub async fn submit(s: StaffCtx, CsrfForm(form): CsrfForm<PasswordForm>) -> Response {
    match staff_sign_in::start(&s.ctx.app, &form.email, &form.password, &s.ctx.requester).await {
        Ok((token, _)) => {
            redirect_with_cookies("/staff/sign-in/code", vec![cookies::set(&cookies::flow(FLOW), &token, None, s.ctx.secure())])
        }
        Err(err) => match super::errors::form_failure(&s, err) {
            Ok((status, errors)) => {
                html(status, &SignInTemplate { page: s.page("staff.sign_in_title"), staff: None, errors, email: form.email })
            }
            Err(page) => page,
        },
    }
}

#[derive(Template)]
#[template(path = "staff/sign_in_code.html")]
struct CodeTemplate<'a> {
    page: Page<'a>,
    staff: Option<StaffBar>,
    errors: FormErrors,
    /// Base32 secret and QR code (SVG) when setting up.
    setup: Option<(String, String)>,
}

fn code_page(s: &StaffCtx, step: SecondStep, errors: FormErrors, status: StatusCode) -> Response {
    let setup = match step {
        SecondStep::Code => None,
        SecondStep::Setup { secret, otpauth_url } => Some((secret, crate::web::pages::two_factor::qr_svg(&otpauth_url))),
    };
    html(status, &CodeTemplate { page: s.page("staff.code_title"), staff: None, errors, setup })
}

/// `GET /staff/sign-in/code`
pub async fn code_form(s: StaffCtx) -> Response {
    let Some(token) = s.ctx.flow_token(FLOW) else { return Redirect::to("/staff/sign-in").into_response() };
    match staff_sign_in::second_step_of(&s.ctx.app, &token).await {
        Ok(step) => code_page(&s, step, FormErrors::default(), StatusCode::OK),
        Err(_) => Redirect::to("/staff/sign-in").into_response(),
    }
}

/// The code.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// `POST /staff/sign-in/code`
pub async fn check(s: StaffCtx, CsrfForm(form): CsrfForm<CodeForm>) -> Response {
    let Some(token) = s.ctx.flow_token(FLOW) else { return Redirect::to("/staff/sign-in").into_response() };
    match staff_sign_in::finish(&s.ctx.app, &token, &form.code, &s.ctx.requester).await {
        Ok(session) => redirect_with_cookies(
            "/staff",
            vec![
                cookies::set_strict(cookies::STAFF_SESSION, &session, s.ctx.secure()),
                cookies::clear(&cookies::flow(FLOW), s.ctx.secure()),
            ],
        ),
        Err(err) => match super::errors::form_failure(&s, err) {
            Ok((status, errors)) => match staff_sign_in::second_step_of(&s.ctx.app, &token).await {
                Ok(step) => code_page(&s, step, errors, status),
                Err(_) => Redirect::to("/staff/sign-in").into_response(),
            },
            Err(page) => page,
        },
    }
}

/// `POST /staff/sign-out`
pub async fn sign_out(s: StaffCtx, CsrfForm(_): CsrfForm<Vec<(String, String)>>) -> Response {
    if let Some(me) = &s.member
        && let Err(err) = staff_sign_in::sign_out(&s.ctx.app, me, &s.ctx.requester).await
    {
        tracing::error!(error = ?err, "staff sign-out failed");
    }
    redirect_with_cookies("/staff/sign-in?notice=signed_out", vec![cookies::clear(cookies::STAFF_SESSION, s.ctx.secure())])
}
