//! `GET/POST /staff/members`: platform admins create agency admins and other members;
//! agency admins create and manage their agency's supervisors and officers.

use crate::web::access::{Admin, Staff};
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use huduma_domain::workflow::StaffRole;
use serde::Deserialize;

use super::context::{StaffBar, StaffCtx};
use crate::services::back_office::staff::{self, Creator, NewMember};
use crate::web::csrf::CsrfForm;
use crate::web::page_error::PageResult;
use crate::web::render::{FormErrors, Page, html};

struct MemberView {
    id: String,
    name: String,
    email: String,
    role: String,
    agency: String,
    active: bool,
    totp: bool,
}

#[derive(Template)]
#[template(path = "staff/members.html")]
struct MembersTemplate<'a> {
    page: Page<'a>,
    staff: Option<StaffBar>,
    errors: FormErrors,
    members: Vec<MemberView>,
    roles: Vec<(&'static str, String)>,
    agencies: Vec<(String, String)>,
    fixed_agency: bool,
    created: Option<(String, String)>,
}

async fn render(s: &StaffCtx, errors: FormErrors, status: StatusCode, created: Option<(String, String)>) -> Response {
    let Some(me) = s.member.as_ref() else { return Redirect::to("/staff/sign-in").into_response() };
    let members = match staff::list(&s.ctx.app, me).await {
        Ok(list) => list,
        Err(_) => return super::home_for(me),
    };
    let tr = s.ctx.tr();
    let platform = me.role == StaffRole::PlatformAdmin;
    let roles = StaffRole::ALL
        .into_iter()
        .filter(|r| platform || r.is_agency_role())
        .map(|r| (r.code(), tr.t(&format!("staff.role.{}", r.code())).to_owned()))
        .collect();
    let live = s.ctx.app.catalogue();
    let agencies = live
        .catalogue
        .agencies
        .iter()
        .filter(|a| platform || me.agency() == Some(a.code.get_ref().as_str()))
        .map(|a| (a.code.get_ref().clone(), a.name.get_ref().get(s.ctx.language).to_owned()))
        .collect();
    let members = members
        .into_iter()
        .map(|m| MemberView {
            role: tr.t(&format!("staff.role.{}", m.role.code())).to_owned(),
            agency: m.agency.clone().unwrap_or_default(),
            totp: m.totp_secret.is_some(),
            id: m.id.to_string(),
            name: m.name,
            email: m.email,
            active: m.active,
        })
        .collect();
    html(
        status,
        &MembersTemplate {
            page: s.page("staff.members_title"),
            staff: s.bar(),
            errors,
            members,
            roles,
            agencies,
            fixed_agency: !platform,
            created,
        },
    )
}

/// `GET /staff/members` — platform and agency admins.
pub async fn show(_: Admin, s: StaffCtx) -> Response {
    render(&s, FormErrors::default(), StatusCode::OK, None).await
}

/// A new member.
#[derive(Debug, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    agency: String,
}

/// `POST /staff/members` — platform and agency admins.
pub async fn create(Staff(ref me, _): Admin, s: StaffCtx, CsrfForm(form): CsrfForm<CreateForm>) -> PageResult {
    let agency =
        if me.role == StaffRole::AgencyAdmin { me.agency().map(str::to_owned) } else { Some(form.agency).filter(|a| !a.is_empty()) };
    let new = NewMember { email: form.email, name: form.name, role: form.role, agency };
    match staff::create(&s.ctx.app, Creator::Member(me, &s.ctx.requester.ip), &new, None).await {
        Ok((row, password)) => Ok(render(&s, FormErrors::default(), StatusCode::OK, Some((row.email, password))).await),
        Err(err) => {
            let (status, errors) = super::errors::form_failure(&s, err)?;
            Ok(render(&s, errors, status, None).await)
        }
    }
}

/// A change of role or standing.
#[derive(Debug, Deserialize)]
pub struct UpdateForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    active: String,
}

/// `POST /staff/members/{id}` — platform admins, and agency admins for their agency.
pub async fn update(Staff(ref me, _): Admin, s: StaffCtx, Path(id): Path<String>, CsrfForm(form): CsrfForm<UpdateForm>) -> PageResult {
    let updated = match huduma_domain::StaffId::parse(&id) {
        Some(id) => staff::update(&s.ctx.app, me, &s.ctx.requester.ip, &id, &form.role, form.active == "yes").await,
        // An id that cannot be one names nobody: the same "not found".
        None => Err(crate::services::ServiceError::NotFound),
    };
    match updated {
        Ok(()) => Ok(Redirect::to("/staff/members?notice=member_updated").into_response()),
        Err(err) => {
            let (status, errors) = super::errors::form_failure(&s, err)?;
            Ok(render(&s, errors, status, None).await)
        }
    }
}
