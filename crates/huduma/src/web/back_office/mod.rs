//! The back office for agency staff and platform admins, under `/staff`. Every handler
//! requires a staff session (a separate cookie from citizens'); every use case it calls
//! scopes its queries to the member's agency.

pub mod audit;
pub mod case;
pub mod context;
pub mod dashboard;
pub mod members;
pub mod queue;
pub mod sign_in;
pub mod tickets;

use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use huduma_domain::workflow::StaffRole;
use std::sync::Arc;

use crate::app::App;
use crate::services::back_office::StaffMember;

/// Where a member lands: the queue for agency staff, staff management for admins.
pub fn home_for(me: &StaffMember) -> Response {
    match me.role {
        StaffRole::PlatformAdmin => Redirect::to("/staff/members").into_response(),
        StaffRole::Helpdesk => Redirect::to("/staff/tickets").into_response(),
        _ => Redirect::to("/staff").into_response(),
    }
}

/// The `/staff` routes.
pub fn router() -> Router<Arc<App>> {
    Router::new()
        // Anyone; the second step needs the staff sign-in flow cookie.
        .route("/staff/sign-in", get(sign_in::form).post(sign_in::submit))
        .route("/staff/sign-in/code", get(sign_in::code_form).post(sign_in::check))
        // Signed-in staff.
        .route("/staff/sign-out", post(sign_in::sign_out))
        // Agency staff who process applications (officer, supervisor, agency admin), own agency only.
        .route("/staff", get(queue::show))
        .route("/staff/bulk", post(queue::bulk))
        .route("/staff/applications/{reference}", get(case::show))
        .route("/staff/applications/{reference}/actions/{action}", post(case::act))
        .route("/staff/applications/{reference}/assign", post(case::assign))
        .route("/staff/applications/{reference}/notes", post(case::note))
        .route("/staff/applications/{reference}/documents/{id}", get(case::document))
        .route("/staff/applications/{reference}/certificate/{serial}/revoke", post(case::revoke))
        // Supervisors and agency admins, own agency only.
        .route("/staff/dashboard", get(dashboard::show))
        // Platform admins (everything) and agency admins (own agency).
        .route("/staff/audit", get(audit::show))
        .route("/staff/members", get(members::show).post(members::create))
        .route("/staff/members/{id}", post(members::update))
        // Helpdesk agents and platform admins (every ticket); agency staff (tickets routed to their agency).
        .route("/staff/tickets", get(tickets::queue))
        .route("/staff/tickets/{number}", get(tickets::show))
        .route("/staff/tickets/{number}/reply", post(tickets::reply))
        .route("/staff/tickets/{number}/assign", post(tickets::assign))
        .route("/staff/tickets/{number}/files/{id}", get(tickets::file))
        // Helpdesk agents and platform admins.
        .route("/staff/tickets/{number}/route", post(tickets::route))
}
