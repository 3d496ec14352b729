//! The audit log: who did what to what, when, from where. Entries are written in the
//! transaction of the change they describe, so a change and its record stand or fall
//! together; each is chained to the previous entry by hash, so an edited or deleted row
//! shows (`huduma audit verify`).

use super::ServiceResult;
use crate::crypto::chain_hash;
use crate::store::Conn;
use crate::store::audit::{self, AuditRow};

/// Who acted.
#[derive(Debug, Clone)]
pub enum Actor<'a> {
    /// A staff member: id and name.
    Staff { id: &'a huduma_domain::StaffId, name: &'a str },
    /// A citizen: account id.
    Citizen { id: &'a huduma_domain::AccountId },
    /// The portal itself (a job, a payment callback).
    System,
    /// Someone at the server's command line.
    Cli,
}

/// One thing to record.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// Who.
    pub actor: Actor<'a>,
    /// Agency concerned.
    pub agency: Option<&'a str>,
    /// Stable action code (`application.approve`).
    pub action: &'a str,
    /// What it was done to (`application:A7K3MX9PQ2C`).
    pub subject: String,
    /// Particulars.
    pub details: serde_json::Value,
    /// Client address, or `-`.
    pub ip: &'a str,
}

fn fields(row: &AuditRow) -> [String; 9] {
    [
        row.seq.to_string(),
        row.at.to_string(),
        row.actor.clone(),
        row.actor_label.clone(),
        row.agency.clone().unwrap_or_default(),
        row.action.clone(),
        row.subject.clone(),
        row.details.clone(),
        row.ip.clone(),
    ]
}

/// The hash an entry must carry, given the hash before it.
pub fn expected_hash(row: &AuditRow) -> String {
    let fields = fields(row);
    chain_hash(&row.prev_hash, &fields.iter().map(String::as_str).collect::<Vec<_>>())
}

fn row_of(entry: Entry<'_>, now: i64) -> AuditRow {
    let (actor, actor_label) = match entry.actor {
        Actor::Staff { id, name } => (format!("staff:{id}"), name.to_owned()),
        Actor::Citizen { id } => (format!("citizen:{id}"), String::new()),
        Actor::System => ("system".to_owned(), String::new()),
        Actor::Cli => ("cli".to_owned(), String::new()),
    };
    AuditRow {
        seq: 0,
        at: now,
        actor,
        actor_label,
        agency: entry.agency.map(str::to_owned),
        action: entry.action.to_owned(),
        subject: entry.subject,
        details: entry.details.to_string(),
        ip: entry.ip.to_owned(),
        prev_hash: String::new(),
        hash: String::new(),
    }
}

/// Chains a row at the head, inside the caller's transaction.
async fn append(conn: &mut Conn, mut row: AuditRow) -> ServiceResult<()> {
    let (seq, prev_hash) = audit::next_position(conn).await?;
    row.seq = seq;
    row.prev_hash = prev_hash;
    row.hash = expected_hash(&row);
    audit::insert(conn, &row).await?;
    Ok(())
}

/// Records an entry from a busy system path (payment callbacks) in the caller's
/// transaction, as one insert into a queue that the sealer chains within a second or so.
/// Chaining at once takes three statements on the chain's head; on PostgreSQL its row lock
/// would queue every concurrent payment behind one another, and on SQLite each statement
/// is a round trip made while holding the only write lock. Either way the change and its
/// record stand or fall together: the queued entry commits with the change.
pub async fn record_soon(conn: &mut Conn, entry: Entry<'_>, now: i64) -> ServiceResult<()> {
    Ok(audit::insert_pending(conn, &row_of(entry, now)).await?)
}

/// Chains queued entries in the order they were queued; returns how many. Each batch is a
/// handful of statements whatever its size (lock the head, take the batch, insert it in one
/// statement, move the head), so sealing holds SQLite's write lock briefly; the head's row
/// lock keeps two nodes' sealers from chaining the same entry.
pub async fn seal_pending(db: &crate::store::Db) -> ServiceResult<usize> {
    const BATCH: i64 = 200;
    let mut sealed = 0;
    loop {
        // A read first, so an idle portal does not take the write lock every second.
        if audit::pending(&mut *db.pool().acquire().await?, 1).await?.is_empty() {
            return Ok(sealed);
        }
        let mut tx = db.begin().await?;
        let (head_seq, mut previous) = audit::lock_head(&mut tx).await?;
        let batch = audit::pending(&mut tx, BATCH).await?;
        if batch.is_empty() {
            return Ok(sealed);
        }
        let ids: Vec<i64> = batch.iter().map(|(id, _)| *id).collect();
        let taken = audit::delete_pending_ids(&mut tx, &ids).await?;
        if taken != ids.len() as u64 {
            // Only possible if something besides a sealer removed queued entries: chain nothing.
            return Err(anyhow::anyhow!("audit queue changed under the head lock ({taken} of {} taken)", ids.len()).into());
        }
        let mut rows = Vec::with_capacity(batch.len());
        for (offset, (_, mut row)) in batch.into_iter().enumerate() {
            row.seq = head_seq + 1 + offset as i64;
            row.prev_hash = previous;
            row.hash = expected_hash(&row);
            previous = row.hash.clone();
            rows.push(row);
        }
        audit::insert_rows(&mut tx, &rows).await?;
        audit::set_head(&mut tx, head_seq + rows.len() as i64, &previous).await?;
        tx.commit().await?;
        sealed += rows.len();
    }
}

/// Appends an entry inside the caller's transaction.
pub async fn record(conn: &mut Conn, entry: Entry<'_>, now: i64) -> ServiceResult<()> {
    append(conn, row_of(entry, now)).await
}

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Entries checked.
    pub entries: i64,
    /// The first entry that does not fit, and why; none when the chain is whole.
    pub broken: Option<(i64, &'static str)>,
}

/// Walks the whole chain from the first entry to the head.
pub async fn verify(conn: &mut Conn) -> ServiceResult<Verification> {
    const PAGE: i64 = 5000;
    let mut previous = "0".repeat(64);
    let mut expected_seq = 1;
    let mut entries = 0;
    loop {
        let page = audit::after(conn, expected_seq - 1, PAGE).await?;
        let full = page.len() as i64 == PAGE;
        for row in page {
            let broken = if row.seq != expected_seq {
                Some("an entry is missing")
            } else if row.prev_hash != previous {
                Some("the link to the previous entry is broken")
            } else if row.hash != expected_hash(&row) {
                Some("the entry was changed after it was written")
            } else {
                None
            };
            if let Some(why) = broken {
                return Ok(Verification { entries, broken: Some((expected_seq, why)) });
            }
            previous = row.hash;
            expected_seq += 1;
            entries += 1;
        }
        if !full {
            break;
        }
    }
    let (head_seq, head_hash) = audit::head(conn).await?;
    if head_seq != entries || head_hash != previous {
        return Ok(Verification { entries, broken: Some((entries + 1, "entries after this point were removed")) });
    }
    Ok(Verification { entries, broken: None })
}

/// One page of the audit log matching a search, newest first, for the back office.
pub async fn search(app: &crate::app::App, search: &audit::Search, limit: i64) -> ServiceResult<Vec<AuditRow>> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(audit::search(&mut conn, search, limit).await?)
}
