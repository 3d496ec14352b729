//! The staff entrance: `/staff/sign-in` (email and password), `/staff/sign-in/code`
//! (authenticator code, or setting the authenticator up), `/staff/sign-out`. A `next`
//! address (say a case linked from an escalation email) is carried through both steps
//! and opened at the end, when it is a path on this site.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::context::{StaffBar, StaffCtx};
use crate::services::back_office::staff_sign_in::{self, SecondStep};
use crate::web::context::redirect_with_cookies;
use crate::web::cookies;
use crate::web::csrf::CsrfForm;
use crate::web::page_error::PageResult;
use crate::web::pages::sign_in::Next;
use crate::web::render::{FormErrors, Page, html};

const FLOW: &str = "staff_sign_in";
/// Where staff land after signing in when no page asked them to.
const DEFAULT_LANDING: &str = "/staff";

#[derive(Template)]
#[template(path = "staff/sign_in.html")]
struct SignInTemplate<'a> {
    page: Page<'a>,
    staff: Option<StaffBar>,
    errors: FormErrors,
    email: String,
    next: String,
}

/// `GET /staff/sign-in`
pub async fn form(s: StaffCtx, Query(next): Query<Next>) -> Response {
    if s.member.is_some() {
        return Redirect::to(next.landing(DEFAULT_LANDING)).into_response();
    }
    let page = s.page("staff.sign_in_title");
    html(StatusCode::OK, &SignInTemplate { page, staff: None, errors: FormErrors::default(), email: String::new(), next: next.safe() })
}

/// Email and password.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(flatten)]
    next: Next,
}

/// `POST /staff/sign-in`
pub async fn submit(s: StaffCtx, CsrfForm(form): CsrfForm<PasswordForm>) -> PageResult {
    match staff_sign_in::start(&s.ctx.app, &form.email, &form.password, &s.ctx.requester).await {
        Ok((token, _)) => Ok(redirect_with_cookies(
            &form.next.onto("/staff/sign-in/code"),
            vec![cookies::set(&cookies::flow(FLOW), &token, None, s.ctx.secure())],
        )),
        Err(err) => {
            let (status, errors) = super::errors::form_failure(&s, err)?;
            let (page, next) = (s.page("staff.sign_in_title"), form.next.safe());
            Ok(html(status, &SignInTemplate { page, staff: None, errors, email: form.email, next }))
        }
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
    next: String,
}

fn code_page(s: &StaffCtx, next: &Next, step: SecondStep, errors: FormErrors, status: StatusCode) -> Response {
    let setup = match step {
        SecondStep::Code => None,
        SecondStep::Setup { secret, otpauth_url } => Some((secret, crate::web::pages::two_factor::qr_svg(&otpauth_url))),
    };
    html(status, &CodeTemplate { page: s.page("staff.code_title"), staff: None, errors, setup, next: next.safe() })
}

/// Back to the first step, still on the way to `next`.
fn restart(next: &Next) -> Response {
    Redirect::to(&next.onto("/staff/sign-in")).into_response()
}

/// `GET /staff/sign-in/code`
pub async fn code_form(s: StaffCtx, Query(next): Query<Next>) -> Response {
    let Some(token) = s.ctx.flow_token(FLOW) else { return restart(&next) };
    match staff_sign_in::second_step_of(&s.ctx.app, &token).await {
        Ok(step) => code_page(&s, &next, step, FormErrors::default(), StatusCode::OK),
        Err(_) => restart(&next),
    }
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(flatten)]
    next: Next,
}

/// `POST /staff/sign-in/code`
pub async fn check(s: StaffCtx, CsrfForm(form): CsrfForm<CodeForm>) -> PageResult {
    let Some(token) = s.ctx.flow_token(FLOW) else { return Ok(restart(&form.next)) };
    match staff_sign_in::finish(&s.ctx.app, &token, &form.code, &s.ctx.requester).await {
        Ok(session) => Ok(redirect_with_cookies(
            form.next.landing(DEFAULT_LANDING),
            vec![
                cookies::set_strict(cookies::STAFF_SESSION, &session, s.ctx.secure()),
                cookies::clear(&cookies::flow(FLOW), s.ctx.secure()),
            ],
        )),
        Err(err) => {
            let (status, errors) = super::errors::form_failure(&s, err)?;
            Ok(match staff_sign_in::second_step_of(&s.ctx.app, &token).await {
                Ok(step) => code_page(&s, &form.next, step, errors, status),
                Err(_) => restart(&form.next),
            })
        }
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
