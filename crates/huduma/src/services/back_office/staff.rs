//! Managing staff: the platform admin creates agency admins (and other platform-wide
//! members); an agency admin creates and manages their own agency's supervisors and
//! officers. New members get a one-time password and must set up an authenticator app at
//! their first sign-in.

use super::super::{ServiceError, ServiceResult, audit};
use super::StaffMember;
use crate::app::App;
use crate::store::staff::{self, StaffRow};
use crate::store::{is_unique_violation, new_id};
use huduma_domain::Email;
use huduma_domain::workflow::StaffRole;

/// A new member as asked for.
#[derive(Debug, Clone)]
pub struct NewMember {
    /// Sign-in email.
    pub email: String,
    /// Full name.
    pub name: String,
    /// Role code.
    pub role: String,
    /// Agency code, for agency roles.
    pub agency: Option<String>,
}

/// Who is creating: a signed-in member, or the command line (bootstrap, demo data).
#[derive(Debug, Clone, Copy)]
pub enum Creator<'a> {
    /// Through the back office.
    Member(&'a StaffMember, &'a str),
    /// `huduma admin staff add` / `huduma admin demo-staff`.
    Cli,
}

/// Whether `me` may give `role` in `agency`.
fn may_manage(me: &StaffMember, role: StaffRole, agency: Option<&str>) -> bool {
    match me.role {
        StaffRole::PlatformAdmin => true,
        StaffRole::AgencyAdmin => role.is_agency_role() && agency.is_some() && agency == me.agency(),
        _ => false,
    }
}

/// Checks a new member's particulars.
fn parse(app: &App, new: &NewMember) -> ServiceResult<(Email, String, StaffRole, Option<String>)> {
    let email = Email::parse(&new.email).map_err(|e| ServiceError::field("email", e.code))?;
    let name = new.name.trim();
    if name.chars().count() < 2 || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ServiceError::field("name", "staff.name_invalid"));
    }
    let role = StaffRole::parse(&new.role).ok_or(ServiceError::field("role", "staff.role_invalid"))?;
    let agency = if role.is_agency_role() {
        let code =
            new.agency.as_deref().map(str::trim).filter(|a| !a.is_empty()).ok_or(ServiceError::field("agency", "staff.agency_required"))?;
        if app.catalogue().catalogue.agency(code).is_none() {
            return Err(ServiceError::field("agency", "staff.agency_unknown"));
        }
        Some(code.to_owned())
    } else {
        None
    };
    Ok((email, name.to_owned(), role, agency))
}

/// Creates a member with `password` (or a generated one-time password, returned).
pub async fn create(app: &App, creator: Creator<'_>, new: &NewMember, password: Option<String>) -> ServiceResult<(StaffRow, String)> {
    let (email, name, role, agency) = parse(app, new)?;
    if let Creator::Member(me, _) = creator
        && !may_manage(me, role, agency.as_deref())
    {
        return Err(ServiceError::field("role", "staff.not_allowed"));
    }
    let password = password.unwrap_or_else(|| crate::crypto::new_token().chars().take(20).collect());
    let now = app.clock.now();
    let row = StaffRow {
        id: new_id(),
        email: email.as_str().to_owned(),
        name,
        role,
        agency,
        password_hash: app.hasher.hash(password.clone()).await?,
        totp_secret: None,
        totp_last_step: None,
        active: true,
        language: huduma_domain::Language::En,
        created_at: now,
    };
    let mut tx = app.db.begin().await?;
    match staff::insert(&mut tx, &row).await {
        Ok(()) => {}
        Err(err) if is_unique_violation(&err) => return Err(ServiceError::field("email", "staff.email_taken")),
        Err(err) => return Err(err.into()),
    }
    let (actor, ip) = match creator {
        Creator::Member(me, ip) => (me.actor(), ip),
        Creator::Cli => (audit::Actor::Cli, "-"),
    };
    let entry = audit::Entry {
        actor,
        agency: row.agency.as_deref(),
        action: "staff.create",
        subject: format!("staff:{}", row.id),
        details: serde_json::json!({ "email": row.email, "role": row.role.code() }),
        ip,
    };
    audit::record(&mut tx, entry, now).await?;
    tx.commit().await?;
    Ok((row, password))
}

/// The members `me` manages: their agency's, or everyone for the platform admin.
pub async fn list(app: &App, me: &StaffMember) -> ServiceResult<Vec<StaffRow>> {
    let mut conn = app.db.pool().acquire().await?;
    match me.role {
        StaffRole::PlatformAdmin => Ok(staff::list(&mut conn, None).await?),
        StaffRole::AgencyAdmin => Ok(staff::list(&mut conn, me.agency()).await?),
        _ => Err(ServiceError::NotFound),
    }
}

/// Changes a member's role or deactivates them; their sessions end at once.
pub async fn update(app: &App, me: &StaffMember, ip: &str, id: &huduma_domain::StaffId, role: &str, active: bool) -> ServiceResult<()> {
    let role = StaffRole::parse(role).ok_or(ServiceError::field("role", "staff.role_invalid"))?;
    let within = match me.role {
        StaffRole::PlatformAdmin => None,
        StaffRole::AgencyAdmin => Some(me.agency().ok_or(ServiceError::NotFound)?),
        _ => return Err(ServiceError::NotFound),
    };
    if *id == me.row.id {
        return Err(ServiceError::field("role", "staff.not_yourself"));
    }
    let mut tx = app.db.begin().await?;
    let target =
        staff::by_id(&mut tx, id).await?.filter(|t| within.is_none() || t.agency.as_deref() == within).ok_or(ServiceError::NotFound)?;
    if role.is_agency_role() != target.agency.is_some() || !may_manage(me, role, target.agency.as_deref()) {
        return Err(ServiceError::field("role", "staff.not_allowed"));
    }
    let now = app.clock.now();
    if !staff::update(&mut tx, id, within, role, active, now).await? {
        return Err(ServiceError::NotFound);
    }
    staff::delete_sessions_of(&mut tx, id).await?;
    let entry = audit::Entry {
        actor: me.actor(),
        agency: target.agency.as_deref(),
        action: "staff.update",
        subject: format!("staff:{id}"),
        details: serde_json::json!({ "role": role.code(), "active": active, "was": target.role.code(), "was_active": target.active }),
        ip,
    };
    audit::record(&mut tx, entry, now).await?;
    tx.commit().await?;
    Ok(())
}
