//! What every back-office page knows: the page context plus the signed-in staff member
//! (from the staff cookie, never the citizen one).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::Arc;

use crate::app::App;
use crate::services::back_office::{StaffMember, staff_sign_in};
use crate::web::context::Ctx;
use crate::web::cookies;
use crate::web::page_error::{ErrorFrame, PageError, StaffFrame};
use crate::web::render::Page;

/// The staff session found for this request, kept in its extensions.
#[derive(Clone)]
struct StaffLookup(Option<StaffMember>);

/// Request context for staff pages.
pub struct StaffCtx {
    /// The common context (language, CSRF token, requester).
    pub ctx: Ctx,
    /// The signed-in member, if any.
    pub member: Option<StaffMember>,
}

impl FromRequestParts<Arc<App>> for StaffCtx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, app).await?;
        // The access extractor and the handler both build a context; the staff session is
        // looked up once per request.
        let member = match parts.extensions.get::<StaffLookup>() {
            Some(StaffLookup(member)) => member.clone(),
            None => {
                let member = match cookies::get(&parts.headers, cookies::STAFF_SESSION, app.config.secure_cookies()) {
                    Some(token) => match staff_sign_in::authenticate(app, token).await {
                        Ok(member) => member,
                        Err(err) => {
                            // The staff frame without the member's bar: the session could not be read.
                            if let Some(frame) = parts.extensions.get::<ErrorFrame>() {
                                frame.note_staff(StaffFrame { bar: None, csrf: ctx.csrf.clone(), path: ctx.path.clone() });
                            }
                            return Err(PageError::internal(format!("staff session lookup failed: {err:?}")).into_response());
                        }
                    },
                    None => None,
                };
                parts.extensions.insert(StaffLookup(member.clone()));
                member
            }
        };
        let s = Self { ctx, member };
        if let Some(frame) = parts.extensions.get::<ErrorFrame>() {
            frame.note_staff(StaffFrame { bar: s.bar(), csrf: s.ctx.csrf.clone(), path: s.ctx.path.clone() });
        }
        Ok(s)
    }
}

/// The staff bar at the top of every back-office page.
#[derive(Debug, Clone)]
pub struct StaffBar {
    pub name: String,
    /// Role, translated.
    pub role: String,
    /// Agency name, for agency roles.
    pub agency: String,
    /// Sees the work queue.
    pub queue: bool,
    /// Sees the dashboard.
    pub dashboard: bool,
    /// Manages staff.
    pub members: bool,
    /// The navigation section the page belongs to (`queue`, `tickets`, `dashboard`,
    /// `members`, `audit`), marked as the current one.
    pub current: &'static str,
}

/// The navigation section of a back-office path.
fn section(path: &str) -> &'static str {
    let path = path.split('?').next().unwrap_or_default();
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    if under("/staff/tickets") {
        "tickets"
    } else if under("/staff/dashboard") {
        "dashboard"
    } else if under("/staff/members") {
        "members"
    } else if under("/staff/audit") {
        "audit"
    } else if path == "/staff" || under("/staff/applications") || under("/staff/bulk") {
        "queue"
    } else {
        ""
    }
}

impl StaffCtx {
    /// The redirect to the staff sign-in that comes back to this page afterwards when it
    /// can be reopened (so a link in an escalation email survives signing in).
    pub fn sign_in_redirect(&self) -> Response {
        match self.ctx.reopenable {
            true => {
                let next = serde_urlencoded::to_string([("next", self.ctx.path.as_str())]).unwrap_or_default();
                Redirect::to(&format!("/staff/sign-in?{next}")).into_response()
            }
            // A form posted after the session ended has no address to come back to.
            false => Redirect::to("/staff/sign-in").into_response(),
        }
    }

    /// The page frame.
    pub fn page(&self, title_key: &str) -> Page<'_> {
        let mut page = self.ctx.page(title_key);
        page.signed_in = None;
        page
    }

    /// The staff bar for the signed-in member.
    pub fn bar(&self) -> Option<StaffBar> {
        let me = self.member.as_ref()?;
        let tr = self.ctx.tr();
        let agency = me
            .agency()
            .and_then(|code| self.ctx.app.catalogue().catalogue.agency(code).map(|a| a.name.get_ref().get(self.ctx.language).to_owned()))
            .unwrap_or_default();
        Some(StaffBar {
            name: me.row.name.clone(),
            role: tr.t(&format!("staff.role.{}", me.role.code())).to_owned(),
            agency,
            queue: me.role.processes_applications(),
            dashboard: me.role.supervises(),
            members: matches!(me.role, huduma_domain::workflow::StaffRole::PlatformAdmin | huduma_domain::workflow::StaffRole::AgencyAdmin),
            current: section(&self.ctx.path),
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_page_marks_its_own_section() {
        for (path, section) in [
            ("/staff", "queue"),
            ("/staff?state=submitted", "queue"),
            ("/staff/applications/A7K3MX9PQ2C?doc=1", "queue"),
            ("/staff/tickets/T123", "tickets"),
            ("/staff/audit?actor=x", "audit"),
            ("/staff/auditors", ""),
            ("/staff/sign-in", ""),
        ] {
            assert_eq!(super::section(path), section, "{path}");
        }
    }
}
