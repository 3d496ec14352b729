//! Demo staff for sandbox mode (`huduma admin demo-staff`): a platform admin, and an
//! agency admin, a supervisor and an officer for every agency, with one known password
//! and an authenticator secret already set, so a newcomer can try the back office at once.

use super::super::ServiceResult;
use super::staff::{self, Creator, NewMember};
use crate::app::App;
use crate::services::totp::totp_for;
use crate::store::staff as store;

/// The demo password (sandbox only).
pub const PASSWORD: &str = "huduma-demo-staff";

/// The demo email of a role in an agency: `officer.dci@demo.huduma.test`.
pub fn email(role: &str, agency: Option<&str>) -> String {
    match agency {
        Some(agency) => format!("{role}.{agency}@demo.huduma.test"),
        None => format!("{role}@demo.huduma.test"),
    }
}

/// Creates every demo member not yet there; returns `(email, role)` of all of them.
pub async fn create(app: &App) -> ServiceResult<Vec<(String, String)>> {
    let mut wanted = vec![("platform_admin".to_owned(), None), ("helpdesk".to_owned(), None)];
    for agency in &app.catalogue().catalogue.agencies {
        for role in ["agency_admin", "supervisor", "officer"] {
            wanted.push((role.to_owned(), Some(agency.code.get_ref().clone())));
        }
    }
    let mut out = Vec::new();
    for (role, agency) in wanted {
        let address = email(&role, agency.as_deref());
        let existing = {
            let mut conn = app.db.pool().acquire().await?;
            store::by_email(&mut conn, &address).await?
        };
        if existing.is_none() {
            let name = format!("Demo {}{}", role.replace('_', " "), agency.as_deref().map(|a| format!(" ({a})")).unwrap_or_default());
            let new = NewMember { email: address.clone(), name, role: role.clone(), agency };
            let (row, _) = staff::create(app, Creator::Cli, &new, Some(PASSWORD.to_owned())).await?;
            let secret = totp_rs::Secret::generate_secret().to_encoded().to_string();
            let mut tx = app.db.begin().await?;
            store::set_totp(&mut tx, &row.id, Some(&secret), None, app.clock.now()).await?;
            tx.commit().await?;
        }
        out.push((address, role));
    }
    Ok(out)
}

/// The authenticator code of `secret` at `now`.
pub fn current_code(secret: &str, email: &str, now: i64) -> anyhow::Result<String> {
    let totp = totp_for(secret, email).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    Ok(totp.generate(u64::try_from(now)?))
}
