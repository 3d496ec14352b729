//! Who may call a route. Each route of the pages and the back office is declared in the
//! route table with a [`Rule`] (see [`super::routes`]), and each handler that needs a
//! signed-in caller takes the extractor for that rule: [`Citizen`], [`Staff`] (any member)
//! or [`Staff`] with a role marker such as [`Agent`]. A handler cannot run without its
//! extractor letting the request through, and a test walks the table to check that every
//! route's declared rule is the one its handler enforces.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use huduma_domain::workflow::StaffRole;
use std::marker::PhantomData;
use std::sync::Arc;

use super::back_office::context::StaffCtx;
use super::context::Ctx;
use super::page_error::PageError;
use crate::app::App;
use crate::services::back_office::StaffMember;
use crate::services::sessions::Authenticated;

/// The access rule a route declares in the route table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Anyone. Later steps of a flow want the flow's cookie, a ticket's key or a link's
    /// code; the handler checks those, and a missing one is never a sign-in redirect.
    Public,
    /// A signed-in citizen ([`Citizen`]); anyone else is sent to sign in.
    Citizen,
    /// A signed-in citizen, or a visitor holding the key of the item in the link (a
    /// helpdesk ticket opened without an account); someone with neither is sent to sign in.
    CitizenOrKey,
    /// Any signed-in staff member ([`Staff`]); anyone else goes to the staff sign-in.
    Staff,
    /// A helpdesk agent or platform admin ([`Agent`]); other members get "not found".
    Agent,
    /// A platform or agency admin ([`Admin`]); other members get "not found".
    Admin,
    /// A supervisor or agency admin ([`Supervisor`]); other members get "not found".
    Supervisor,
    /// A registered agency system, proved by the `secureHash` of its request (the
    /// Pesaflow-compatible checkout API).
    ApiClient,
    /// A payment provider, proved by the secret token in the path.
    Provider,
    /// Loopback or trusted proxies only (metrics).
    Operator,
    /// Anyone, in sandbox mode only: the simulated providers and the pages that watch them.
    /// Outside sandbox mode these routes do not exist.
    Sandbox,
}

/// A signed-in citizen. Without one, the request is answered with the sign-in page's
/// address, coming back to this page afterwards when it can be reopened.
pub struct Citizen(pub Authenticated);

impl FromRequestParts<Arc<App>> for Citizen {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, app).await?;
        match ctx.me {
            Some(ref me) => Ok(Self(me.clone())),
            None => Err(ctx.sign_in_redirect()),
        }
    }
}

/// Which staff roles a [`Staff`] extractor lets through.
pub trait Roles: Send + Sync + 'static {
    /// The rule a route with this extractor declares.
    const RULE: Rule;
    /// Whether a member with this role may call the route.
    fn allows(role: StaffRole) -> bool;
}

/// Every staff role; the use case scopes what the member sees to their agency.
pub struct AnyRole;

impl Roles for AnyRole {
    const RULE: Rule = Rule::Staff;
    fn allows(_: StaffRole) -> bool {
        true
    }
}

/// Helpdesk agents and platform admins: the desk that sees every ticket.
pub struct HelpDesk;

impl Roles for HelpDesk {
    const RULE: Rule = Rule::Agent;
    fn allows(role: StaffRole) -> bool {
        matches!(role, StaffRole::Helpdesk | StaffRole::PlatformAdmin)
    }
}

/// Platform and agency admins: who manage staff and read the audit log (the use case
/// scopes an agency admin to their agency).
pub struct Admins;

impl Roles for Admins {
    const RULE: Rule = Rule::Admin;
    fn allows(role: StaffRole) -> bool {
        matches!(role, StaffRole::PlatformAdmin | StaffRole::AgencyAdmin)
    }
}

/// Supervisors and agency admins: who watch their agency's figures.
pub struct Supervisors;

impl Roles for Supervisors {
    const RULE: Rule = Rule::Supervisor;
    fn allows(role: StaffRole) -> bool {
        role.supervises()
    }
}

/// A signed-in staff member whose role `R` allows the route. Without a staff session the
/// request goes to the staff sign-in (coming back afterwards when it can be reopened); a
/// member whose role is not allowed sees the staff "not found" page, as for anything else
/// outside their reach.
pub struct Staff<R: Roles = AnyRole>(pub StaffMember, pub PhantomData<R>);

/// A helpdesk agent (or platform admin).
pub type Agent = Staff<HelpDesk>;
/// A platform or agency admin.
pub type Admin = Staff<Admins>;
/// A supervisor or agency admin.
pub type Supervisor = Staff<Supervisors>;

impl<R: Roles> FromRequestParts<Arc<App>> for Staff<R> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        let s = StaffCtx::from_request_parts(parts, app).await?;
        match s.member {
            Some(ref member) if R::allows(member.role) => Ok(Self(member.clone(), PhantomData)),
            Some(_) => Err(PageError::not_found().into_response()),
            None => Err(s.sign_in_redirect()),
        }
    }
}

/// One route of the pages or the back office: its path, who may call it, its handlers.
/// The router is built from a table of these and nothing else, so a route cannot exist
/// without a declared rule, and `tests/it/security.rs` walks the same table to check each
/// rule against what the running handler does.
pub struct Route {
    /// Path template (`{name}` for a parameter).
    pub path: &'static str,
    /// Who may call it.
    pub rule: Rule,
    methods: MethodRouter<Arc<App>>,
}

impl Route {
    /// Declares a route. Routes for signed-in callers check a posted form's CSRF token
    /// before their access rule (see [`super::csrf::before_access`]).
    pub fn new(path: &'static str, rule: Rule, methods: MethodRouter<Arc<App>>) -> Self {
        let methods = match rule {
            Rule::Citizen | Rule::Staff | Rule::Agent | Rule::Admin | Rule::Supervisor => {
                methods.route_layer(axum::middleware::from_fn(super::csrf::before_access))
            }
            Rule::Public | Rule::CitizenOrKey | Rule::ApiClient | Rule::Provider | Rule::Operator | Rule::Sandbox => methods,
        };
        Self { path, rule, methods }
    }

    /// The handlers, for the router.
    pub fn into_methods(self) -> MethodRouter<Arc<App>> {
        self.methods
    }
}
