//! Citizen accounts.

use super::Conn;
use sqlx::Row;

/// An account as stored.
#[derive(Debug, Clone)]
pub struct AccountRow {
    /// Internal id.
    pub id: String,
    /// `citizen`, `resident` or `visitor`.
    pub account_type: String,
    /// `national_id`, `alien_card` or `passport`.
    pub document_kind: String,
    /// The document's number.
    pub document_number: String,
    /// Visitors' nationality.
    pub nationality: Option<String>,
    /// Given name.
    pub first_name: String,
    /// Middle names, possibly empty.
    pub other_names: String,
    /// Family name.
    pub surname: String,
    /// `YYYY-MM-DD`, from the register when known.
    pub date_of_birth: Option<String>,
    /// E.164 phone.
    pub phone: String,
    /// When the phone was verified.
    pub phone_verified_at: Option<i64>,
    /// Email address.
    pub email: String,
    /// When the email was verified.
    pub email_verified_at: Option<i64>,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// `en` or `sw`.
    pub language: String,
    /// Base32 TOTP secret when an authenticator app is enabled.
    pub totp_secret: Option<String>,
    /// Last TOTP time step accepted (replay guard).
    pub totp_last_step: Option<i64>,
    /// Creation time.
    pub created_at: i64,
    /// KRA PIN from the register.
    pub kra_pin: Option<String>,
}

impl AccountRow {
    /// Usable only when both contacts are verified.
    pub fn is_active(&self) -> bool {
        self.phone_verified_at.is_some() && self.email_verified_at.is_some()
    }

    /// Full name as the register writes it.
    pub fn full_name(&self) -> String {
        [self.first_name.as_str(), self.other_names.as_str(), self.surname.as_str()]
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

const COLUMNS: &str = "id, account_type, document_kind, document_number, nationality, first_name, other_names, \
     surname, date_of_birth, phone, phone_verified_at, email, email_verified_at, password_hash, language, \
     totp_secret, totp_last_step, created_at, kra_pin";

fn from_row(row: &sqlx::any::AnyRow) -> Result<AccountRow, sqlx::Error> {
    Ok(AccountRow {
        id: row.try_get(0)?,
        account_type: row.try_get(1)?,
        document_kind: row.try_get(2)?,
        document_number: row.try_get(3)?,
        nationality: row.try_get(4)?,
        first_name: row.try_get(5)?,
        other_names: row.try_get(6)?,
        surname: row.try_get(7)?,
        date_of_birth: row.try_get(8)?,
        phone: row.try_get(9)?,
        phone_verified_at: row.try_get(10)?,
        email: row.try_get(11)?,
        email_verified_at: row.try_get(12)?,
        password_hash: row.try_get(13)?,
        language: row.try_get(14)?,
        totp_secret: row.try_get(15)?,
        totp_last_step: row.try_get(16)?,
        created_at: row.try_get(17)?,
        kra_pin: row.try_get(18)?,
    })
}

async fn fetch_one_where(conn: &mut Conn, condition: &str, value: &str, second: Option<&str>) -> Result<Option<AccountRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE {condition}");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(value.to_owned());
    if let Some(second) = second {
        query = query.bind(second.to_owned());
    }
    query.fetch_optional(&mut *conn).await?.as_ref().map(from_row).transpose()
}

/// Finds an account by id.
pub async fn by_id(conn: &mut Conn, id: &str) -> Result<Option<AccountRow>, sqlx::Error> {
    fetch_one_where(conn, "id = $1", id, None).await
}

/// Finds an account by email, ignoring case.
pub async fn by_email(conn: &mut Conn, email: &str) -> Result<Option<AccountRow>, sqlx::Error> {
    fetch_one_where(conn, "lower(email) = lower($1)", email, None).await
}

/// Finds an account by identity document.
pub async fn by_document(conn: &mut Conn, kind: &str, number: &str) -> Result<Option<AccountRow>, sqlx::Error> {
    fetch_one_where(conn, "document_kind = $1 AND document_number = $2", kind, Some(number)).await
}

/// Finds an account by a document number of any kind (sign-in by "ID number").
pub async fn by_any_document_number(conn: &mut Conn, number: &str) -> Result<Option<AccountRow>, sqlx::Error> {
    fetch_one_where(conn, "document_number = $1 ORDER BY created_at LIMIT 1", number, None).await
}

/// What a new account is made of.
#[derive(Debug)]
pub struct NewAccount<'a> {
    /// `citizen`, `resident` or `visitor`.
    pub account_type: &'a str,
    /// Document kind.
    pub document_kind: &'a str,
    /// Document number.
    pub document_number: &'a str,
    /// Visitors' nationality.
    pub nationality: Option<&'a str>,
    /// Given name.
    pub first_name: &'a str,
    /// Middle names.
    pub other_names: &'a str,
    /// Family name.
    pub surname: &'a str,
    /// Date of birth.
    pub date_of_birth: Option<&'a str>,
    /// KRA PIN from the register.
    pub kra_pin: Option<&'a str>,
    /// E.164 phone.
    pub phone: &'a str,
    /// Email.
    pub email: &'a str,
    /// Argon2id hash.
    pub password_hash: &'a str,
    /// Language tag.
    pub language: &'a str,
}

/// Inserts an account; a duplicate document or email surfaces as a unique violation.
pub async fn insert(conn: &mut Conn, id: &str, new: &NewAccount<'_>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO accounts (id, account_type, document_kind, document_number, nationality, first_name, \
         other_names, surname, date_of_birth, kra_pin, phone, email, password_hash, language, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)",
    )
    .bind(id.to_owned())
    .bind(new.account_type.to_owned())
    .bind(new.document_kind.to_owned())
    .bind(new.document_number.to_owned())
    .bind(new.nationality.map(str::to_owned))
    .bind(new.first_name.to_owned())
    .bind(new.other_names.to_owned())
    .bind(new.surname.to_owned())
    .bind(new.date_of_birth.map(str::to_owned))
    .bind(new.kra_pin.map(str::to_owned))
    .bind(new.phone.to_owned())
    .bind(new.email.to_owned())
    .bind(new.password_hash.to_owned())
    .bind(new.language.to_owned())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a verified phone, replacing the stored one.
pub async fn set_phone_verified(conn: &mut Conn, id: &str, phone: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET phone = $2, phone_verified_at = $3, updated_at = $3 WHERE id = $1")
        .bind(id.to_owned())
        .bind(phone.to_owned())
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a verified email, replacing the stored one.
pub async fn set_email_verified(conn: &mut Conn, id: &str, email: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET email = $2, email_verified_at = $3, updated_at = $3 WHERE id = $1")
        .bind(id.to_owned())
        .bind(email.to_owned())
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces the password hash.
pub async fn set_password_hash(conn: &mut Conn, id: &str, hash: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET password_hash = $2, updated_at = $3 WHERE id = $1")
        .bind(id.to_owned())
        .bind(hash.to_owned())
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Stores the preferred language.
pub async fn set_language(conn: &mut Conn, id: &str, language: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET language = $2, updated_at = $3 WHERE id = $1")
        .bind(id.to_owned())
        .bind(language.to_owned())
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Enables (Some) or disables (None) the authenticator app.
pub async fn set_totp(conn: &mut Conn, id: &str, secret: Option<&str>, last_step: Option<i64>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET totp_secret = $2, totp_last_step = $3, updated_at = $4 WHERE id = $1")
        .bind(id.to_owned())
        .bind(secret.map(str::to_owned))
        .bind(last_step)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves the TOTP replay guard forward; returns false when `step` was already used, so a
/// code can be accepted once even by two nodes at the same moment.
pub async fn advance_totp_step(conn: &mut Conn, id: &str, step: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("UPDATE accounts SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)")
        .bind(id.to_owned())
        .bind(step)
        .execute(conn)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Whether another account already uses this email.
pub async fn email_taken(conn: &mut Conn, email: &str, except_id: &str) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT COUNT(*) FROM accounts WHERE lower(email) = lower($1) AND id <> $2")
        .bind(email.to_owned())
        .bind(except_id.to_owned())
        .fetch_one(conn)
        .await?;
    Ok(row.try_get::<i64, _>(0)? > 0)
}
