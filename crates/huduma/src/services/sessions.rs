//! Signed-in sessions: opaque tokens, stored hashed, idle and absolute timeouts.

use super::{Requester, ServiceResult};
use crate::app::App;
use crate::crypto::{hash_token, new_token};
use crate::store::accounts::{self, AccountRow};
use crate::store::sessions::{self, SessionRow};
use crate::store::{Conn, new_id};

/// Activity is recorded at most this often, so reads stay reads.
const TOUCH_EVERY_SECS: i64 = 60;

/// A new session's token and expiry.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The opaque token for the cookie or the `Authorization` header.
    pub token: String,
    /// Absolute expiry (Unix seconds).
    pub expires_at: i64,
}

/// Whether the session is a browser cookie or an API bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// Browser.
    Web,
    /// Mobile app or other API client.
    Api,
}

/// Creates a session inside the caller's transaction, ending `previous` (the token the
/// browser held before signing in) so a planted session id is worthless.
pub async fn create(
    app: &App,
    conn: &mut Conn,
    account_id: &huduma_domain::AccountId,
    kind: SessionKind,
    who: &Requester,
    previous: Option<&str>,
) -> ServiceResult<NewSession> {
    let now = app.clock.now();
    if let Some(previous) = previous {
        sessions::delete_by_token(conn, &hash_token(previous)).await?;
    }
    let token = new_token();
    let row = SessionRow {
        id: new_id(),
        account_id: account_id.clone(),
        kind: match kind {
            SessionKind::Web => "web",
            SessionKind::Api => "api",
        }
        .to_owned(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + app.config.session_absolute_secs,
        user_agent: who.user_agent.chars().take(200).collect(),
        ip: who.ip.clone(),
    };
    sessions::insert(conn, &hash_token(&token), &row).await?;
    Ok(NewSession { token, expires_at: row.expires_at })
}

/// A signed-in person.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub session: SessionRow,
    pub account: AccountRow,
    /// Hash of the token used (to end or keep this session).
    pub token_hash: String,
}

/// Resolves a token to a live session of an active account.
pub async fn authenticate(app: &App, token: &str) -> ServiceResult<Option<Authenticated>> {
    let now = app.clock.now();
    let token_hash = hash_token(token);
    let mut conn = app.db.pool().acquire().await?;
    let Some(session) = sessions::find_live(&mut conn, &token_hash, now, app.config.session_idle_secs).await? else {
        return Ok(None);
    };
    let Some(account) = accounts::by_id(&mut conn, &session.account_id).await?.filter(AccountRow::is_active) else {
        return Ok(None);
    };
    if now - session.last_seen_at >= TOUCH_EVERY_SECS {
        sessions::touch(&mut conn, &token_hash, now).await?;
    }
    Ok(Some(Authenticated { session, account, token_hash }))
}

/// Ends the session behind `token`.
pub async fn end(app: &App, token_hash: &str) -> ServiceResult<()> {
    let mut conn = app.db.pool().acquire().await?;
    sessions::delete_by_token(&mut conn, token_hash).await?;
    Ok(())
}
