//! Agency API clients and the bills their systems create.

use super::Conn;
use super::payments::{AttemptRow, InvoiceRow};
use sqlx::Row;

/// A registered agency system.
#[derive(Debug, Clone)]
pub struct ApiClientRow {
    /// apiClientID.
    pub id: String,
    /// Name.
    pub name: String,
    /// Agency code.
    pub agency: String,
    /// HMAC key.
    pub api_key: String,
    /// Secret appended to signed strings.
    pub secret: String,
}

/// Registers a client with its services (service id → revenue head).
pub async fn insert_client(conn: &mut Conn, c: &ApiClientRow, services: &[(String, String)], now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO api_clients (id, name, agency, api_key, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(c.id.clone())
        .bind(c.name.clone())
        .bind(c.agency.clone())
        .bind(c.api_key.clone())
        .bind(c.secret.clone())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    for (service, head) in services {
        sqlx::query("INSERT INTO api_client_services (client_id, service_id, revenue_head) VALUES ($1, $2, $3)")
            .bind(c.id.clone())
            .bind(service.clone())
            .bind(head.clone())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// An active client.
pub async fn client(conn: &mut Conn, id: &str) -> Result<Option<ApiClientRow>, sqlx::Error> {
    let row = sqlx::query("SELECT id, name, agency, api_key, secret FROM api_clients WHERE id = $1 AND disabled_at IS NULL")
        .bind(id.to_owned())
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(ApiClientRow { id: r.try_get(0)?, name: r.try_get(1)?, agency: r.try_get(2)?, api_key: r.try_get(3)?, secret: r.try_get(4)? })
    })
    .transpose()
}

/// Every client (for `huduma admin api-clients`).
pub async fn clients(conn: &mut Conn) -> Result<Vec<(String, String, String, Vec<String>)>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, name, agency FROM api_clients ORDER BY id").fetch_all(&mut *conn).await?;
    let mut out = Vec::new();
    for r in rows {
        let id: String = r.try_get(0)?;
        let services = sqlx::query("SELECT service_id FROM api_client_services WHERE client_id = $1 ORDER BY service_id")
            .bind(id.clone())
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|s| s.try_get(0))
            .collect::<Result<Vec<String>, _>>()?;
        out.push((id, r.try_get(1)?, r.try_get(2)?, services));
    }
    Ok(out)
}

/// The revenue head of one of a client's services.
pub async fn revenue_head(conn: &mut Conn, client_id: &str, service_id: &str) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query("SELECT revenue_head FROM api_client_services WHERE client_id = $1 AND service_id = $2")
        .bind(client_id.to_owned())
        .bind(service_id.to_owned())
        .fetch_optional(conn)
        .await?;
    row.map(|r| r.try_get(0)).transpose()
}

/// A bill an agency system created.
#[derive(Debug, Clone)]
pub struct BillRow {
    /// Our invoice.
    pub invoice_id: String,
    /// The client.
    pub client_id: String,
    /// Its service id.
    pub service_id: String,
    /// Its own reference (billRefNumber).
    pub bill_ref: String,
    /// Payer's name.
    pub client_name: String,
    /// Payer's ID number.
    pub client_id_number: String,
    /// Payer's phone (`2547…`).
    pub client_msisdn: String,
    /// Payer's email.
    pub client_email: String,
    /// Browser redirect after payment.
    pub callback_url: String,
    /// Server-to-server notification URL.
    pub notification_url: String,
}

const BILL_COLUMNS: &str = "invoice_id, client_id, service_id, bill_ref, client_name, client_id_number, client_msisdn, client_email, callback_url, notification_url";

fn bill(r: &sqlx::any::AnyRow) -> Result<BillRow, sqlx::Error> {
    bill_at(r, 0)
}

/// A bill read from `r`'s columns starting at `at` (its columns in [`BILL_COLUMNS`] order).
fn bill_at(r: &sqlx::any::AnyRow, at: usize) -> Result<BillRow, sqlx::Error> {
    Ok(BillRow {
        invoice_id: r.try_get(at)?,
        client_id: r.try_get(at + 1)?,
        service_id: r.try_get(at + 2)?,
        bill_ref: r.try_get(at + 3)?,
        client_name: r.try_get(at + 4)?,
        client_id_number: r.try_get(at + 5)?,
        client_msisdn: r.try_get(at + 6)?,
        client_email: r.try_get(at + 7)?,
        callback_url: r.try_get(at + 8)?,
        notification_url: r.try_get(at + 9)?,
    })
}

/// Stores a bill with the HMAC of its signed string; `false` when the client already has
/// one with this reference or this signed string.
pub async fn insert_bill(conn: &mut Conn, b: &BillRow, signed_hash: &str, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO checkout_bills (invoice_id, client_id, service_id, bill_ref, client_name, client_id_number, client_msisdn, client_email, \
         callback_url, notification_url, created_at, signed_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING",
    )
    .bind(b.invoice_id.clone())
    .bind(b.client_id.clone())
    .bind(b.service_id.clone())
    .bind(b.bill_ref.clone())
    .bind(b.client_name.clone())
    .bind(b.client_id_number.clone())
    .bind(b.client_msisdn.clone())
    .bind(b.client_email.clone())
    .bind(b.callback_url.clone())
    .bind(b.notification_url.clone())
    .bind(now)
    .bind(signed_hash.to_owned())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A client's bill by its reference.
pub async fn bill_by_ref(conn: &mut Conn, client_id: &str, bill_ref: &str) -> Result<Option<BillRow>, sqlx::Error> {
    let sql = format!("SELECT {BILL_COLUMNS} FROM checkout_bills WHERE client_id = $1 AND bill_ref = $2");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(client_id.to_owned())
        .bind(bill_ref.to_owned())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(bill)
        .transpose()
}

/// A client's bill by the HMAC of the string it was signed with.
pub async fn bill_by_signature(conn: &mut Conn, client_id: &str, signed_hash: &str) -> Result<Option<BillRow>, sqlx::Error> {
    let sql = format!("SELECT {BILL_COLUMNS} FROM checkout_bills WHERE client_id = $1 AND signed_hash = $2");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(client_id.to_owned())
        .bind(signed_hash.to_owned())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(bill)
        .transpose()
}

/// Reads an invoice and its bill from `row`'s columns starting at `at`.
fn billed_at(row: &sqlx::any::AnyRow, at: usize) -> Result<Option<(InvoiceRow, Option<BillRow>)>, sqlx::Error> {
    if row.try_get::<Option<String>, _>(at)?.is_none() {
        return Ok(None);
    }
    let invoice = super::payments::invoice_at(row, at)?;
    let bill_at_column = at + super::payments::INVOICE_COLUMNS.split(", ").count();
    let bill = match row.try_get::<Option<String>, _>(bill_at_column)? {
        Some(_) => Some(bill_at(row, bill_at_column)?),
        None => None,
    };
    Ok(Some((invoice, bill)))
}

/// An invoice's and its bill's columns, as [`billed_at`] reads them (aliases `i`, `b`).
macro_rules! billed_columns {
    () => {
        "i.id, i.number, i.account_id, i.application_id, i.currency, i.total_minor, i.paid_minor, i.status, i.description, \
         i.created_at, i.expires_at, i.paid_at, b.invoice_id, b.client_id, b.service_id, b.bill_ref, b.client_name, \
         b.client_id_number, b.client_msisdn, b.client_email, b.callback_url, b.notification_url"
    };
}

/// An invoice with the bill behind it (settlements other than M-Pesa callbacks).
pub const INVOICE_WITH_BILL: &str =
    concat!("SELECT ", billed_columns!(), " FROM invoices i LEFT JOIN checkout_bills b ON b.invoice_id = i.id WHERE i.id = $1");

/// An invoice with the bill behind it, if an agency system created it: one read where
/// settlement needs both (each statement is a round trip held under the write lock).
pub async fn invoice_with_bill(conn: &mut Conn, invoice_id: &str) -> Result<Option<(InvoiceRow, Option<BillRow>)>, sqlx::Error> {
    match sqlx::query(INVOICE_WITH_BILL).bind(invoice_id.to_owned()).fetch_optional(conn).await? {
        Some(row) => billed_at(&row, 0),
        None => Ok(None),
    }
}

/// A payment attempt by the provider's id with its invoice and bill (every M-Pesa callback).
pub const ATTEMPT_WITH_INVOICE: &str = concat!(
    "SELECT p.id, p.invoice_id, p.method, p.state, p.amount_minor, p.phone, p.merchant_request_id, p.checkout_request_id, \
     p.result_code, p.result_desc, p.created_at, p.updated_at, ",
    billed_columns!(),
    " FROM payment_attempts p LEFT JOIN invoices i ON i.id = p.invoice_id LEFT JOIN checkout_bills b ON b.invoice_id = i.id \
     WHERE p.checkout_request_id = $1"
);

/// A payment attempt by the provider's id with its invoice and bill: everything an M-Pesa
/// callback reads, in one statement.
pub async fn attempt_with_invoice(
    conn: &mut Conn,
    checkout_request_id: &str,
) -> Result<Option<(AttemptRow, Option<(InvoiceRow, Option<BillRow>)>)>, sqlx::Error> {
    let Some(row) = sqlx::query(ATTEMPT_WITH_INVOICE).bind(checkout_request_id.to_owned()).fetch_optional(conn).await? else {
        return Ok(None);
    };
    let attempt = super::payments::attempt_at(&row, 0)?;
    let billed = billed_at(&row, super::payments::ATTEMPT_COLUMNS.split(", ").count())?;
    Ok(Some((attempt, billed)))
}

/// The bill behind an invoice, if an agency system created it.
pub async fn bill_for_invoice(conn: &mut Conn, invoice_id: &str) -> Result<Option<BillRow>, sqlx::Error> {
    let sql = format!("SELECT {BILL_COLUMNS} FROM checkout_bills WHERE invoice_id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql)).bind(invoice_id.to_owned()).fetch_optional(conn).await?.as_ref().map(bill).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefixed(columns: &str, alias: &str) -> String {
        columns.split(", ").map(|c| format!("{alias}.{c}")).collect::<Vec<_>>().join(", ")
    }

    fn words(sql: &str) -> String {
        sql.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn the_settlement_reads_select_the_columns_their_parsers_expect() {
        let billed = format!("{}, {}", prefixed(super::super::payments::INVOICE_COLUMNS, "i"), prefixed(BILL_COLUMNS, "b"));
        let with_attempt = format!("SELECT {}, {billed} FROM", prefixed(super::super::payments::ATTEMPT_COLUMNS, "p"));
        assert!(words(ATTEMPT_WITH_INVOICE).starts_with(&with_attempt), "{}", words(ATTEMPT_WITH_INVOICE));
        assert!(words(INVOICE_WITH_BILL).starts_with(&format!("SELECT {billed} FROM")), "{}", words(INVOICE_WITH_BILL));
    }
}
