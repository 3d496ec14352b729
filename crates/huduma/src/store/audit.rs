//! The append-only audit log, each entry chained to the one before by hash.

use super::Conn;
use super::decode::get;
use super::statements::statements;

macro_rules! columns {
    () => {
        "seq, at, actor, actor_label, agency, action, subject, details, ip, prev_hash, hash"
    };
}

statements! {
    /// Entries after a position in chain order, for verification.
    AFTER = concat!("SELECT ", columns!(), " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
    /// An admin's search, newest first.
    SEARCH = concat!(
        "SELECT ",
        columns!(),
        " FROM audit_log WHERE ($1 = '' OR agency = $1) AND ($2 = '' OR actor = $2) AND ($3 = '' OR subject = $3) \
         AND ($4 = '' OR action LIKE $4 || '%') AND ($5 = 0 OR seq < $5) ORDER BY seq DESC LIMIT $6"
    );
    /// Locks the chain's head until the transaction ends and reads it: (last position, its hash).
    LOCK_HEAD = "UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash";
    /// Moves the head to the last sealed entry.
    SET_HEAD = "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1";
    /// Moves the head's hash to the last sealed entry.
    SET_HEAD_HASH = "UPDATE audit_head SET hash = $1 WHERE id = 1";
    /// Takes the next position in the chain and the hash before it (locks the head row).
    NEXT_POSITION = "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash";
    /// The head: last position and hash.
    HEAD = "SELECT seq, hash FROM audit_head WHERE id = 1";
    /// Queues an entry to be chained by the sealer.
    INSERT_PENDING = "INSERT INTO audit_pending (at, actor, actor_label, agency, action, subject, details, ip) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    /// The oldest queued entries: (queue id, entry without position or hashes).
    PENDING = "SELECT id, at, actor, actor_label, agency, action, subject, details, ip FROM audit_pending ORDER BY id LIMIT $1";
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRow {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When.
    pub at: i64,
    /// `staff:<id>`, `citizen:<id>`, `system` or `cli`.
    pub actor: String,
    /// Name or email at the time, so the log reads on its own.
    pub actor_label: String,
    /// Agency the entry concerns, if any.
    pub agency: Option<String>,
    /// Stable code such as `application.approve` or `staff.sign_in`.
    pub action: String,
    /// What it was done to: `application:<reference>`, `staff:<id>`, `certificate:<serial>`…
    pub subject: String,
    /// JSON with the particulars (a reason, an amount).
    pub details: String,
    /// Client address.
    pub ip: String,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// Locks the chain's head until the transaction ends and reads it: (last position, its hash).
pub async fn lock_head(conn: &mut Conn) -> Result<(i64, String), sqlx::Error> {
    let row = sqlx::query(LOCK_HEAD).fetch_one(&mut *conn).await?;
    Ok((get(&row, "", "seq")?, get(&row, "", "hash")?))
}

/// Moves the head to the last sealed entry.
pub async fn set_head(conn: &mut Conn, seq: i64, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query(SET_HEAD).bind(seq).bind(hash.to_owned()).execute(conn).await?;
    Ok(())
}

/// Stores sealed entries in one statement, without moving the head.
pub async fn insert_rows(conn: &mut Conn, rows: &[AuditRow]) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    const PER_ROW: usize = 11;
    let values: Vec<String> = (0..rows.len())
        .map(|i| format!("({})", (1..=PER_ROW).map(|c| format!("${}", i * PER_ROW + c)).collect::<Vec<_>>().join(", ")))
        .collect();
    let sql = format!(
        "INSERT INTO audit_log (seq, at, actor, actor_label, agency, action, subject, details, ip, prev_hash, hash) VALUES {}",
        values.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for e in rows {
        query = query
            .bind(e.seq)
            .bind(e.at)
            .bind(e.actor.clone())
            .bind(e.actor_label.clone())
            .bind(e.agency.clone())
            .bind(e.action.clone())
            .bind(e.subject.clone())
            .bind(e.details.clone())
            .bind(e.ip.clone())
            .bind(e.prev_hash.clone())
            .bind(e.hash.clone());
    }
    query.execute(conn).await?;
    Ok(())
}

/// Moves the head's hash to the last sealed entry.
pub async fn set_head_hash(conn: &mut Conn, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query(SET_HEAD_HASH).bind(hash.to_owned()).execute(conn).await?;
    Ok(())
}

/// Takes the next position in the chain and the hash before it (locks the head row).
/// locks it until the transaction ends, so appends are serialised on PostgreSQL too.
pub async fn next_position(conn: &mut Conn) -> Result<(i64, String), sqlx::Error> {
    let row = sqlx::query(NEXT_POSITION).fetch_one(&mut *conn).await?;
    Ok((get(&row, "", "seq")?, get(&row, "", "hash")?))
}

/// Stores an entry whose `seq`, `prev_hash` and `hash` came from [`next_position`], and
/// moves the head to it.
pub async fn insert(conn: &mut Conn, entry: &AuditRow) -> Result<(), sqlx::Error> {
    insert_rows(conn, std::slice::from_ref(entry)).await?;
    set_head_hash(conn, &entry.hash).await
}

/// Entries after `after_seq` in chain order, for verification.
pub async fn after(conn: &mut Conn, after_seq: i64, limit: i64) -> Result<Vec<AuditRow>, sqlx::Error> {
    sqlx::query_as(AFTER).bind(after_seq).bind(limit).fetch_all(conn).await
}

/// The head: last position and hash.
pub async fn head(conn: &mut Conn) -> Result<(i64, String), sqlx::Error> {
    let row = sqlx::query(HEAD).fetch_one(conn).await?;
    Ok((get(&row, "", "seq")?, get(&row, "", "hash")?))
}

/// What an admin searches by; empty strings match everything.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// Only this agency's entries (an agency admin sees no other).
    pub agency: Option<String>,
    /// Exact actor (`staff:<id>`).
    pub actor: String,
    /// Subject, exact (`application:A7K3MX9PQ2C`).
    pub subject: String,
    /// Action code prefix (`application.`).
    pub action: String,
    /// Entries before this position (paging), 0 for the newest.
    pub before: i64,
}

/// Newest first, at most `limit`.
pub async fn search(conn: &mut Conn, search: &Search, limit: i64) -> Result<Vec<AuditRow>, sqlx::Error> {
    sqlx::query_as(SEARCH)
        .bind(search.agency.clone().unwrap_or_default())
        .bind(search.actor.clone())
        .bind(search.subject.clone())
        .bind(search.action.clone())
        .bind(search.before)
        .bind(limit)
        .fetch_all(conn)
        .await
}

/// Queues an entry to be chained by the sealer.
/// hashes are given when it is sealed).
pub async fn insert_pending(conn: &mut Conn, e: &AuditRow) -> Result<(), sqlx::Error> {
    sqlx::query(INSERT_PENDING)
        .bind(e.at)
        .bind(e.actor.clone())
        .bind(e.actor_label.clone())
        .bind(e.agency.clone())
        .bind(e.action.clone())
        .bind(e.subject.clone())
        .bind(e.details.clone())
        .bind(e.ip.clone())
        .execute(conn)
        .await?;
    Ok(())
}

/// The oldest queued entries: (queue id, entry without position or hashes).
pub async fn pending(conn: &mut Conn, limit: i64) -> Result<Vec<(i64, AuditRow)>, sqlx::Error> {
    sqlx::query(PENDING)
        .bind(limit)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok((
                get(r, "", "id")?,
                AuditRow {
                    seq: 0,
                    at: get(r, "", "at")?,
                    actor: get(r, "", "actor")?,
                    actor_label: get(r, "", "actor_label")?,
                    agency: get(r, "", "agency")?,
                    action: get(r, "", "action")?,
                    subject: get(r, "", "subject")?,
                    details: get(r, "", "details")?,
                    ip: get(r, "", "ip")?,
                    prev_hash: String::new(),
                    hash: String::new(),
                },
            ))
        })
        .collect()
}

/// Removes queued entries once chained; returns how many were removed.
pub async fn delete_pending_ids(conn: &mut Conn, ids: &[i64]) -> Result<u64, sqlx::Error> {
    if ids.is_empty() {
        return Ok(0);
    }
    // Integers from our own query, written into the statement: nothing a person typed.
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let done = sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM audit_pending WHERE id IN ({list})"))).execute(conn).await?;
    Ok(done.rows_affected())
}
