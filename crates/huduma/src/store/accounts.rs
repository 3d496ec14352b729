//! Citizen accounts.

use super::Conn;
use super::statements::statements;
use huduma_domain::{AccountId, AccountType, Language};

/// An account as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    /// Internal id.
    #[sqlx(try_from = "String")]
    pub id: AccountId,
    /// Citizen, resident or visitor.
    #[sqlx(try_from = "String")]
    pub account_type: AccountType,
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
    /// The language messages and pages use.
    #[sqlx(try_from = "String")]
    pub language: Language,
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

macro_rules! columns {
    () => {
        "id, account_type, document_kind, document_number, nationality, first_name, other_names, \
     surname, date_of_birth, phone, phone_verified_at, email, email_verified_at, password_hash, language, \
     totp_secret, totp_last_step, created_at, kra_pin"
    };
}

statements! {
    /// An account by id.
    BY_ID = concat!("SELECT ", columns!(), " FROM accounts WHERE id = $1");
    /// An account by email, ignoring case.
    BY_EMAIL = concat!("SELECT ", columns!(), " FROM accounts WHERE lower(email) = lower($1)");
    /// An account by identity document.
    BY_DOCUMENT = concat!("SELECT ", columns!(), " FROM accounts WHERE document_kind = $1 AND document_number = $2");
    /// The oldest account with a document number of any kind.
    BY_ANY_DOCUMENT_NUMBER = concat!("SELECT ", columns!(), " FROM accounts WHERE document_number = $1 ORDER BY created_at LIMIT 1");
    /// Inserts an account.
    INSERT = "INSERT INTO accounts (id, account_type, document_kind, document_number, nationality, first_name, \
         other_names, surname, date_of_birth, kra_pin, phone, email, password_hash, language, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)";
    /// Records a verified phone.
    SET_PHONE_VERIFIED = "UPDATE accounts SET phone = $2, phone_verified_at = $3, updated_at = $3 WHERE id = $1";
    /// Records a verified email.
    SET_EMAIL_VERIFIED = "UPDATE accounts SET email = $2, email_verified_at = $3, updated_at = $3 WHERE id = $1";
    /// Replaces the password hash.
    SET_PASSWORD_HASH = "UPDATE accounts SET password_hash = $2, updated_at = $3 WHERE id = $1";
    /// Stores the preferred language.
    SET_LANGUAGE = "UPDATE accounts SET language = $2, updated_at = $3 WHERE id = $1";
    /// Enables or disables the authenticator app.
    SET_TOTP = "UPDATE accounts SET totp_secret = $2, totp_last_step = $3, updated_at = $4 WHERE id = $1";
    /// Moves the TOTP replay guard forward.
    ADVANCE_TOTP_STEP = "UPDATE accounts SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)";
    /// How many other accounts use an email.
    EMAIL_TAKEN = "SELECT COUNT(*) AS taken FROM accounts WHERE lower(email) = lower($1) AND id <> $2";
}

/// Finds an account by id.
pub async fn by_id(conn: &mut Conn, id: &AccountId) -> Result<Option<AccountRow>, sqlx::Error> {
    sqlx::query_as(BY_ID).bind(id.as_str()).fetch_optional(conn).await
}

/// Finds an account by email, ignoring case.
pub async fn by_email(conn: &mut Conn, email: &str) -> Result<Option<AccountRow>, sqlx::Error> {
    sqlx::query_as(BY_EMAIL).bind(email.to_owned()).fetch_optional(conn).await
}

/// Finds an account by identity document.
pub async fn by_document(conn: &mut Conn, kind: &str, number: &str) -> Result<Option<AccountRow>, sqlx::Error> {
    sqlx::query_as(BY_DOCUMENT).bind(kind.to_owned()).bind(number.to_owned()).fetch_optional(conn).await
}

/// Finds an account by a document number of any kind (sign-in by "ID number").
pub async fn by_any_document_number(conn: &mut Conn, number: &str) -> Result<Option<AccountRow>, sqlx::Error> {
    sqlx::query_as(BY_ANY_DOCUMENT_NUMBER).bind(number.to_owned()).fetch_optional(conn).await
}

/// What a new account is made of.
#[derive(Debug)]
pub struct NewAccount<'a> {
    /// Citizen, resident or visitor.
    pub account_type: AccountType,
    pub document_kind: &'a str,
    pub document_number: &'a str,
    /// Visitors' nationality.
    pub nationality: Option<&'a str>,
    /// Given name.
    pub first_name: &'a str,
    /// Middle names.
    pub other_names: &'a str,
    /// Family name.
    pub surname: &'a str,
    pub date_of_birth: Option<&'a str>,
    /// KRA PIN from the register.
    pub kra_pin: Option<&'a str>,
    /// E.164 phone.
    pub phone: &'a str,
    pub email: &'a str,
    /// Argon2id hash.
    pub password_hash: &'a str,
    /// The language messages and pages use.
    pub language: Language,
}

/// Inserts an account; a duplicate document or email surfaces as a unique violation.
pub async fn insert(conn: &mut Conn, id: &AccountId, new: &NewAccount<'_>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(INSERT)
        .bind(id.as_str())
        .bind(new.account_type.as_str())
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
        .bind(new.language.tag())
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a verified phone, replacing the stored one.
pub async fn set_phone_verified(conn: &mut Conn, id: &AccountId, phone: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(SET_PHONE_VERIFIED).bind(id.as_str()).bind(phone.to_owned()).bind(now).execute(conn).await?;
    Ok(())
}

/// Records a verified email, replacing the stored one.
pub async fn set_email_verified(conn: &mut Conn, id: &AccountId, email: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(SET_EMAIL_VERIFIED).bind(id.as_str()).bind(email.to_owned()).bind(now).execute(conn).await?;
    Ok(())
}

/// Replaces the password hash.
pub async fn set_password_hash(conn: &mut Conn, id: &AccountId, hash: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(SET_PASSWORD_HASH).bind(id.as_str()).bind(hash.to_owned()).bind(now).execute(conn).await?;
    Ok(())
}

/// Stores the preferred language.
pub async fn set_language(conn: &mut Conn, id: &AccountId, language: Language, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(SET_LANGUAGE).bind(id.as_str()).bind(language.tag()).bind(now).execute(conn).await?;
    Ok(())
}

/// Enables (Some) or disables (None) the authenticator app.
pub async fn set_totp(conn: &mut Conn, id: &AccountId, secret: Option<&str>, last_step: Option<i64>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(SET_TOTP).bind(id.as_str()).bind(secret.map(str::to_owned)).bind(last_step).bind(now).execute(conn).await?;
    Ok(())
}

/// Moves the TOTP replay guard forward; returns false when `step` was already used, so a
/// code can be accepted once even by two nodes at the same moment.
pub async fn advance_totp_step(conn: &mut Conn, id: &AccountId, step: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(ADVANCE_TOTP_STEP).bind(id.as_str()).bind(step).execute(conn).await?;
    Ok(result.rows_affected() == 1)
}

/// Whether another account already uses this email.
pub async fn email_taken(conn: &mut Conn, email: &str, except_id: &AccountId) -> Result<bool, sqlx::Error> {
    let taken: i64 = sqlx::query_scalar(EMAIL_TAKEN).bind(email.to_owned()).bind(except_id.as_str()).fetch_one(conn).await?;
    Ok(taken > 0)
}
