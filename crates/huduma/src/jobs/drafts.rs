//! Draft applications: a reminder before a draft expires, then its deletion (and the
//! deletion of its files).

use crate::app::App;
use crate::notices::{self, Notice, Recipient};
use crate::store::{accounts, applications, documents};

/// Drafts handled per run.
const BATCH: i64 = 500;

/// Sends due reminders and deletes expired drafts; returns (reminded, deleted).
pub async fn run_once(app: &App) -> anyhow::Result<(u64, u64)> {
    let now = app.clock.now();
    let mut reminded = 0;
    let due = {
        let mut conn = app.db.pool().acquire().await?;
        applications::drafts_to_remind(&mut conn, now + app.config.draft_reminder_secs, BATCH).await?
    };
    let live = app.catalogue();
    for draft in due {
        let mut tx = app.db.begin().await?;
        let Some(account) = accounts::by_id(&mut tx, &draft.account_id).await? else { continue };
        let link = notices::link(app, &format!("/applications/{}", draft.id));
        let notice = Notice::DraftReminder {
            service: live.catalogue.service(&draft.service_code),
            service_code: &draft.service_code,
            expires_at: draft.expires_at,
            link: &link,
        };
        notices::send(&mut tx, &Recipient::account(&account), &notice, now).await?;
        applications::mark_reminded(&mut tx, &draft.id, now).await?;
        tx.commit().await?;
        reminded += 1;
    }
    let expired = {
        let mut conn = app.db.pool().acquire().await?;
        applications::expired_drafts(&mut conn, now, BATCH).await?
    };
    let mut deleted = 0;
    for (id, account_id) in expired {
        let mut tx = app.db.begin().await?;
        let keys = documents::blob_keys(&mut tx, &id).await?;
        if applications::delete_draft(&mut tx, &account_id, &id).await? {
            documents::release_blobs(&mut tx, &keys, now).await?;
            deleted += 1;
        }
        tx.commit().await?;
    }
    if reminded > 0 {
        app.outbox_wakeup.notify_one();
    }
    crate::services::applications::documents::delete_released(app).await?;
    Ok((reminded, deleted))
}
