//! `GET|POST /applications/{id}/option`: choosing a priced option (passport pages,
//! licence period) when the service has several.

use super::form_page::next_step;
use super::{load, service_name};
use crate::services::applications;
use crate::web::access::Citizen;
use crate::web::context::Ctx;
use crate::web::csrf::CsrfForm;
use crate::web::page_error::PageResult;
use crate::web::render::{FormErrors, Page, form_failure, html};
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

/// One priced option.
pub struct OptionView {
    pub code: String,
    /// Label with price.
    pub label: String,
    /// Chosen.
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "application_option.html")]
struct OptionTemplate<'a> {
    page: Page<'a>,
    errors: FormErrors,
    id: String,
    service: String,
    options: Vec<OptionView>,
}

async fn render(ctx: &Ctx, id: &str, errors: FormErrors, status: StatusCode) -> PageResult {
    let loaded = load(ctx, id).await?;
    let currency = loaded.service.currency();
    let options = loaded
        .service
        .fee
        .get_ref()
        .options
        .iter()
        .map(|o| {
            let price = o
                .amount
                .as_ref()
                .and_then(|a| a.get_ref().minor())
                .map(|minor| huduma_domain::Money { minor, currency }.to_string())
                .unwrap_or_default();
            OptionView {
                code: o.code.get_ref().clone(),
                label: format!("{} – {price}", o.label.get_ref().get(ctx.language)),
                selected: loaded.row.fee_option.as_deref() == Some(o.code.get_ref().as_str()),
            }
        })
        .collect();
    let template = OptionTemplate {
        page: ctx.page("application.option_heading"),
        errors,
        id: id.to_owned(),
        service: service_name(ctx, &loaded),
        options,
    };
    Ok(html(status, &template))
}

/// Shows the options.
pub async fn show(_: Citizen, ctx: Ctx, Path(id): Path<String>) -> PageResult {
    render(&ctx, &id, FormErrors::default(), StatusCode::OK).await
}

/// The chosen option.
#[derive(Debug, Deserialize)]
pub struct OptionForm {
    #[serde(default)]
    fee_option: String,
}

/// Saves the option.
pub async fn save(Citizen(ref me): Citizen, ctx: Ctx, Path(id): Path<String>, CsrfForm(form): CsrfForm<OptionForm>) -> PageResult {
    match async { applications::choose_fee_option(&ctx.app, me, &super::parsed(&id)?, &form.fee_option).await }.await {
        Ok(()) => Ok(Redirect::to(&next_step(&load(&ctx, &id).await?, None, false)).into_response()),
        Err(err) => {
            let (status, errors) = form_failure(&ctx, err)?;
            render(&ctx, &id, errors.anchored("fee_option", "fee_option-1"), status).await
        }
    }
}
