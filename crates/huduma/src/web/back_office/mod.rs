//! The back office for agency staff and platform admins, under `/staff`. Every handler
//! requires a staff session (a separate cookie from citizens'); every use case it calls
//! scopes its queries to the member's agency.

pub mod audit;
pub mod case;
pub mod context;
pub mod dashboard;
pub mod errors;
pub mod members;
pub mod queue;
pub mod sign_in;
pub mod tickets;

use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get, post};
use huduma_domain::workflow::StaffRole;

use crate::services::back_office::StaffMember;
use crate::web::access::Route;

/// Where a member lands: the queue for agency staff, staff management for admins.
pub fn home_for(me: &StaffMember) -> Response {
    match me.role {
        StaffRole::PlatformAdmin => Redirect::to("/staff/members").into_response(),
        StaffRole::Helpdesk => Redirect::to("/staff/tickets").into_response(),
        _ => Redirect::to("/staff").into_response(),
    }
}

/// The `/staff` routes, with who may call each (see [`crate::web::access`]).
pub fn routes() -> Vec<Route> {
    use crate::web::access::Rule::{Admin, Agent, Public, Staff, Supervisor};
    vec![
        // Anyone; the second step needs the staff sign-in flow cookie.
        Route::new("/staff/sign-in", Public, get(sign_in::form).post(sign_in::submit)),
        Route::new("/staff/sign-in/code", Public, get(sign_in::code_form).post(sign_in::check)),
        // Anyone: ends the staff session the browser holds, if any.
        Route::new("/staff/sign-out", Public, post(sign_in::sign_out)),
        // Agency staff who process applications (officer, supervisor, agency admin), own
        // agency only: the use cases scope every query to the member's agency.
        Route::new("/staff", Staff, get(queue::show)),
        Route::new("/staff/bulk", Staff, post(queue::bulk)),
        Route::new("/staff/applications/{reference}", Staff, get(case::show)),
        Route::new("/staff/applications/{reference}/actions/{action}", Staff, post(case::act)),
        Route::new("/staff/applications/{reference}/assign", Staff, post(case::assign)),
        Route::new("/staff/applications/{reference}/notes", Staff, post(case::note)),
        Route::new("/staff/applications/{reference}/documents/{id}", Staff, get(case::document)),
        Route::new("/staff/applications/{reference}/certificate/{serial}/revoke", Staff, post(case::revoke)),
        // Supervisors and agency admins, own agency only.
        Route::new("/staff/dashboard", Supervisor, get(dashboard::show)),
        // Platform admins (everything) and agency admins (own agency).
        Route::new("/staff/audit", Admin, get(audit::show)),
        Route::new("/staff/members", Admin, get(members::show).post(members::create)),
        Route::new("/staff/members/{id}", Admin, post(members::update)),
        // Helpdesk agents and platform admins (every ticket); agency staff (tickets routed to their agency).
        Route::new("/staff/tickets", Staff, get(tickets::queue)),
        Route::new("/staff/tickets/{number}", Staff, get(tickets::show)),
        Route::new("/staff/tickets/{number}/reply", Staff, post(tickets::reply)),
        Route::new("/staff/tickets/{number}/assign", Staff, post(tickets::assign)),
        Route::new("/staff/tickets/{number}/files/{id}", Staff, get(tickets::file)),
        // Helpdesk agents and platform admins.
        Route::new("/staff/tickets/{number}/route", Agent, post(tickets::route)),
        // Anyone: an address under /staff that nothing serves gets the staff 404 page.
        Route::new("/staff/{*rest}", Public, any(errors::not_found)),
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    /// Class selectors a stylesheet defines (anything written `.name`).
    fn defined(css: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for (i, _) in css.match_indices('.') {
            let name: String = css[i + 1..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
            if name.starts_with(|c: char| c.is_ascii_alphabetic()) {
                out.insert(name);
            }
        }
        out
    }

    /// Every class name a template writes in a `class="…"` attribute. Template tags are
    /// dropped first, so each branch of `{% if %}…{% else %}…` counts.
    fn used(template: &str) -> Vec<String> {
        let mut text = String::new();
        let mut rest = template;
        while let Some(start) = rest.find("{%") {
            text.push_str(&rest[..start]);
            text.push(' ');
            rest = rest[start..].find("%}").map_or("", |end| &rest[start + end + 2..]);
        }
        text.push_str(rest);
        text.split("class=\"")
            .skip(1)
            .filter_map(|attr| attr.split('"').next())
            .flat_map(|v| v.split_whitespace())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn every_class_in_the_staff_templates_is_styled() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
        let mut styled = defined(&read("assets/static/huduma.css"));
        styled.extend(defined(&read("assets/static/staff.css")));
        let mut missing = Vec::new();
        let mut templates: Vec<_> =
            std::fs::read_dir(root.join("templates/staff")).expect("templates/staff").flatten().map(|e| e.path()).collect();
        templates.sort();
        assert!(templates.len() >= 10, "the staff templates are where this test looks");
        for path in templates {
            let text = std::fs::read_to_string(&path).expect("template");
            for class in used(&text) {
                // A class made at run time cannot be checked against the stylesheets.
                assert!(!class.contains("{{"), "{}: write the class `{class}` out in full", path.display());
                if !styled.contains(&class) {
                    missing.push(format!("{}: .{class}", path.file_name().and_then(|n| n.to_str()).unwrap_or("?")));
                }
            }
        }
        missing.dedup();
        assert!(missing.is_empty(), "classes no stylesheet defines: {missing:?}");
    }

    #[test]
    fn the_class_scanner_sees_every_branch_and_only_classes() {
        let found = used(r#"<p class="a{% if x == "y" %} b{% else %} c{% endif %}" id="d"><span class="e">"#);
        assert_eq!(found, ["a", "b", "c", "e"]);
        let css = defined(".a{margin:.5rem} .b:focus,.c-d__e{x:1} /* 0.75 */");
        assert_eq!(css.into_iter().collect::<Vec<_>>(), ["a", "b", "c-d__e"]);
    }
}
