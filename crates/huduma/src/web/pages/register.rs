//! Registration pages: account type → identity → contacts and password → verification.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use huduma_domain::AccountType;
use serde::Deserialize;

use crate::services::registration::{self, DetailsInput, StartInput};
use crate::web::context::{Ctx, redirect_with_cookies};
use crate::web::cookies;
use crate::web::csrf::CsrfForm;
use crate::web::page_error::PageResult;
use crate::web::render::{FormErrors, Page, form_failure, html};

const TYPE_OPTIONS: [(&str, &str, &str); 3] = [
    ("citizen", "account_type.citizen", "account_type.citizen_hint"),
    ("resident", "account_type.resident", "account_type.resident_hint"),
    ("visitor", "account_type.visitor", "account_type.visitor_hint"),
];

fn options(selected: &str) -> Vec<(&'static str, &'static str, &'static str, bool)> {
    TYPE_OPTIONS.iter().map(|(v, l, h)| (*v, *l, *h, *v == selected)).collect()
}

#[derive(Template)]
#[template(path = "register_type.html")]
struct TypeTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
    options: Vec<(&'static str, &'static str, &'static str, bool)>,
}

/// `GET /register`
pub async fn type_form(ctx: Ctx) -> Response {
    if ctx.me.is_some() {
        return Redirect::to("/account").into_response();
    }
    html(StatusCode::OK, &TypeTemplate { page: ctx.page("register.title"), errors: FormErrors::default(), options: options("") })
}

/// The account-type choice.
#[derive(Debug, Deserialize)]
pub struct TypeChoice {
    #[serde(default)]
    account_type: String,
}

/// `POST /register`
pub async fn choose_type(ctx: Ctx, CsrfForm(form): CsrfForm<TypeChoice>) -> Response {
    match AccountType::parse(&form.account_type) {
        Some(kind) => Redirect::to(&format!("/register/identity?type={}", kind.as_str())).into_response(),
        None => {
            let errors =
                FormErrors::single(ctx.tr(), "account_type", "account_type.invalid").anchored("account_type", "account_type-citizen");
            html(StatusCode::UNPROCESSABLE_ENTITY, &TypeTemplate { page: ctx.page("register.title"), errors, options: options("") })
        }
    }
}

#[derive(Template)]
#[template(path = "register_identity.html")]
struct IdentityTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
    account_type: &'static str,
    type_key: String,
    intro_key: String,
    document_label_key: String,
    document_hint_key: String,
    input: StartInput,
}

fn identity_page(ctx: &Ctx, kind: AccountType, input: StartInput, errors: FormErrors, status: StatusCode) -> Response {
    let name = kind.as_str();
    html(
        status,
        &IdentityTemplate {
            page: ctx.page("register.identity_heading"),
            errors,
            account_type: name,
            type_key: format!("account_type.{name}"),
            intro_key: format!("register.identity_intro_{name}"),
            document_label_key: format!("register.document_{name}"),
            document_hint_key: format!("register.document_{name}_hint"),
            input,
        },
    )
}

/// Query of the identity page.
#[derive(Debug, Deserialize)]
pub struct TypeQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// `GET /register/identity?type=citizen`
pub async fn identity_form(ctx: Ctx, Query(query): Query<TypeQuery>) -> Response {
    match query.kind.as_deref().and_then(AccountType::parse) {
        Some(kind) => identity_page(&ctx, kind, StartInput::default(), FormErrors::default(), StatusCode::OK),
        None => Redirect::to("/register").into_response(),
    }
}

/// `POST /register/identity`
pub async fn identity_submit(ctx: Ctx, CsrfForm(input): CsrfForm<StartInput>) -> PageResult {
    let Some(kind) = AccountType::parse(&input.account_type) else {
        return Ok(Redirect::to("/register").into_response());
    };
    match registration::start(&ctx.app, &input, &ctx.requester).await {
        Ok(started) => {
            let cookie = cookies::set(&cookies::flow("register"), &started.token, None, ctx.secure());
            Ok(redirect_with_cookies("/register/details", vec![cookie]))
        }
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            Ok(identity_page(&ctx, kind, input, errors, status))
        }
    }
}

#[derive(Template)]
#[template(path = "register_details.html")]
struct DetailsTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
    full_name: String,
    document: String,
    date_of_birth: String,
    /// `register.year_of_birth` until the phone is proved (only the year is shown).
    birth_label: &'static str,
    input: DetailsInput,
}

async fn details_page(ctx: &Ctx, input: DetailsInput, errors: FormErrors, status: StatusCode) -> Response {
    let Some(token) = ctx.flow_token("register") else {
        return Redirect::to("/register").into_response();
    };
    match registration::identity(&ctx.app, &token).await {
        Ok(identity) => {
            let full_name = [identity.first_name.as_str(), identity.other_names.as_str(), identity.surname.as_str()]
                .iter()
                .filter(|p| !p.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            let document = format!("{} {}", ctx.tr().t(&format!("document.{}", identity.document_kind)), identity.document_number);
            html(
                status,
                &DetailsTemplate {
                    page: ctx.page("register.details_heading"),
                    errors,
                    full_name,
                    document,
                    birth_label: if identity.date_of_birth.len() == 4 { "register.year_of_birth" } else { "account.date_of_birth" },
                    date_of_birth: identity.date_of_birth,
                    input,
                },
            )
        }
        Err(_) => Redirect::to("/register?notice=registration_expired").into_response(),
    }
}

/// `GET /register/details`
pub async fn details_form(ctx: Ctx) -> Response {
    details_page(&ctx, DetailsInput::default(), FormErrors::default(), StatusCode::OK).await
}

/// `POST /register/details`
pub async fn details_submit(ctx: Ctx, CsrfForm(input): CsrfForm<DetailsInput>) -> PageResult {
    let Some(token) = ctx.flow_token("register") else {
        return Ok(Redirect::to("/register?notice=registration_expired").into_response());
    };
    match registration::complete(&ctx.app, &token, &input, &ctx.requester).await {
        Ok(created) => {
            let cookies = vec![
                cookies::clear(&cookies::flow("register"), ctx.secure()),
                cookies::set(&cookies::flow("verify"), &created.verify_token, None, ctx.secure()),
            ];
            Ok(redirect_with_cookies("/verify", cookies))
        }
        Err(crate::services::ServiceError::FlowExpired) => Ok(Redirect::to("/register?notice=registration_expired").into_response()),
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            // Passwords are never sent back into the page.
            let input = DetailsInput { password: String::new(), password_confirmation: String::new(), ..input };
            Ok(details_page(&ctx, input, errors, status).await)
        }
    }
}
