//! Agency API clients and the bills their systems create.

use super::Conn;
use super::decode::{get, stored};
use super::payments::{AttemptRow, InvoiceRow};
use super::statements::statements;
use huduma_domain::{ApiClientId, InvoiceId};

/// A registered agency system.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiClientRow {
    /// apiClientID.
    #[sqlx(try_from = "String")]
    pub id: ApiClientId,
    pub name: String,
    /// Agency code.
    pub agency: String,
    /// HMAC key.
    pub api_key: String,
    /// Secret appended to signed strings.
    pub secret: String,
}

macro_rules! bill_columns {
    () => {
        "invoice_id, client_id, service_id, bill_ref, client_name, client_id_number, client_msisdn, client_email, callback_url, notification_url"
    };
}

/// An invoice's and its bill's columns, aliased `i_…` and `b_…` as [`billed`] reads them.
macro_rules! billed_columns {
    () => {
        "i.id AS i_id, i.number AS i_number, i.account_id AS i_account_id, i.application_id AS i_application_id, \
         i.currency AS i_currency, i.total_minor AS i_total_minor, i.paid_minor AS i_paid_minor, i.status AS i_status, \
         i.description AS i_description, i.created_at AS i_created_at, i.expires_at AS i_expires_at, i.paid_at AS i_paid_at, \
         b.invoice_id AS b_invoice_id, b.client_id AS b_client_id, b.service_id AS b_service_id, b.bill_ref AS b_bill_ref, \
         b.client_name AS b_client_name, b.client_id_number AS b_client_id_number, b.client_msisdn AS b_client_msisdn, \
         b.client_email AS b_client_email, b.callback_url AS b_callback_url, b.notification_url AS b_notification_url"
    };
}

statements! {
    /// Registers a client.
    INSERT_CLIENT = "INSERT INTO api_clients (id, name, agency, api_key, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
    /// Allows a client one service.
    INSERT_CLIENT_SERVICE = "INSERT INTO api_client_services (client_id, service_id, revenue_head) VALUES ($1, $2, $3)";
    /// An active client.
    CLIENT = "SELECT id, name, agency, api_key, secret FROM api_clients WHERE id = $1 AND disabled_at IS NULL";
    /// Every client.
    CLIENTS = "SELECT id, name, agency FROM api_clients ORDER BY id";
    /// A client's services.
    CLIENT_SERVICES = "SELECT service_id FROM api_client_services WHERE client_id = $1 ORDER BY service_id";
    /// The revenue head of one of a client's services.
    REVENUE_HEAD = "SELECT revenue_head FROM api_client_services WHERE client_id = $1 AND service_id = $2";
    /// Stores a bill unless the client already has it.
    INSERT_BILL = "INSERT INTO checkout_bills (invoice_id, client_id, service_id, bill_ref, client_name, client_id_number, client_msisdn, client_email, \
         callback_url, notification_url, created_at, signed_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING";
    /// A client's bill by its reference.
    BILL_BY_REF = concat!("SELECT ", bill_columns!(), " FROM checkout_bills WHERE client_id = $1 AND bill_ref = $2");
    /// A client's bill by the HMAC of its signed string.
    BILL_BY_SIGNATURE = concat!("SELECT ", bill_columns!(), " FROM checkout_bills WHERE client_id = $1 AND signed_hash = $2");
    /// An invoice with the bill behind it (settlements other than M-Pesa callbacks).
    INVOICE_WITH_BILL =
        concat!("SELECT ", billed_columns!(), " FROM invoices i LEFT JOIN checkout_bills b ON b.invoice_id = i.id WHERE i.id = $1");
    /// A payment attempt by the provider's id with its invoice and bill (every M-Pesa callback).
    ATTEMPT_WITH_INVOICE = concat!(
        "SELECT p.id, p.invoice_id, p.method, p.state, p.amount_minor, p.phone, p.merchant_request_id, p.checkout_request_id, \
         p.result_code, p.result_desc, p.created_at, p.updated_at, ",
        billed_columns!(),
        " FROM payment_attempts p LEFT JOIN invoices i ON i.id = p.invoice_id LEFT JOIN checkout_bills b ON b.invoice_id = i.id \
         WHERE p.checkout_request_id = $1"
    );
    /// The bill behind an invoice.
    BILL_FOR_INVOICE = concat!("SELECT ", bill_columns!(), " FROM checkout_bills WHERE invoice_id = $1");
}

/// Registers a client with its services (service id → revenue head).
pub async fn insert_client(conn: &mut Conn, c: &ApiClientRow, services: &[(String, String)], now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(INSERT_CLIENT)
        .bind(c.id.as_str())
        .bind(c.name.clone())
        .bind(c.agency.clone())
        .bind(c.api_key.clone())
        .bind(c.secret.clone())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    for (service, head) in services {
        sqlx::query(INSERT_CLIENT_SERVICE).bind(c.id.as_str()).bind(service.clone()).bind(head.clone()).execute(&mut *conn).await?;
    }
    Ok(())
}

/// An active client.
pub async fn client(conn: &mut Conn, id: &ApiClientId) -> Result<Option<ApiClientRow>, sqlx::Error> {
    sqlx::query_as(CLIENT).bind(id.as_str()).fetch_optional(conn).await
}

/// Every client (for `huduma admin api-clients`).
pub async fn clients(conn: &mut Conn) -> Result<Vec<(ApiClientId, String, String, Vec<String>)>, sqlx::Error> {
    let rows = sqlx::query(CLIENTS).fetch_all(&mut *conn).await?;
    let mut out = Vec::new();
    for r in rows {
        let id: ApiClientId = stored(&r, "", "id")?;
        let services: Vec<String> = sqlx::query_scalar(CLIENT_SERVICES).bind(id.as_str()).fetch_all(&mut *conn).await?;
        out.push((id, get(&r, "", "name")?, get(&r, "", "agency")?, services));
    }
    Ok(out)
}

/// The revenue head of one of a client's services.
pub async fn revenue_head(conn: &mut Conn, client_id: &ApiClientId, service_id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(REVENUE_HEAD).bind(client_id.as_str()).bind(service_id.to_owned()).fetch_optional(conn).await
}

/// A bill an agency system created.
#[derive(Debug, Clone)]
pub struct BillRow {
    /// Our invoice.
    pub invoice_id: InvoiceId,
    pub client_id: ApiClientId,
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

fn bill(r: &sqlx::any::AnyRow) -> Result<BillRow, sqlx::Error> {
    bill_prefixed(r, "")
}

/// A bill from a row whose bill columns are named `<p><column>`.
fn bill_prefixed(r: &sqlx::any::AnyRow, p: &str) -> Result<BillRow, sqlx::Error> {
    Ok(BillRow {
        invoice_id: stored(r, p, "invoice_id")?,
        client_id: stored(r, p, "client_id")?,
        service_id: get(r, p, "service_id")?,
        bill_ref: get(r, p, "bill_ref")?,
        client_name: get(r, p, "client_name")?,
        client_id_number: get(r, p, "client_id_number")?,
        client_msisdn: get(r, p, "client_msisdn")?,
        client_email: get(r, p, "client_email")?,
        callback_url: get(r, p, "callback_url")?,
        notification_url: get(r, p, "notification_url")?,
    })
}

/// Stores a bill with the HMAC of its signed string; `false` when the client already has
/// one with this reference or this signed string.
pub async fn insert_bill(conn: &mut Conn, b: &BillRow, signed_hash: &str, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(INSERT_BILL)
        .bind(b.invoice_id.as_str())
        .bind(b.client_id.as_str())
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
pub async fn bill_by_ref(conn: &mut Conn, client_id: &ApiClientId, bill_ref: &str) -> Result<Option<BillRow>, sqlx::Error> {
    sqlx::query(BILL_BY_REF).bind(client_id.as_str()).bind(bill_ref.to_owned()).fetch_optional(conn).await?.as_ref().map(bill).transpose()
}

/// A client's bill by the HMAC of the string it was signed with.
pub async fn bill_by_signature(conn: &mut Conn, client_id: &ApiClientId, signed_hash: &str) -> Result<Option<BillRow>, sqlx::Error> {
    sqlx::query(BILL_BY_SIGNATURE)
        .bind(client_id.as_str())
        .bind(signed_hash.to_owned())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(bill)
        .transpose()
}

/// Reads an invoice (`i_…` columns) and its bill (`b_…`) from a joined row.
fn billed(row: &sqlx::any::AnyRow) -> Result<Option<(InvoiceRow, Option<BillRow>)>, sqlx::Error> {
    if get::<Option<String>>(row, "i_", "id")?.is_none() {
        return Ok(None);
    }
    let invoice = super::payments::invoice_prefixed(row, "i_")?;
    let bill = match get::<Option<String>>(row, "b_", "invoice_id")? {
        Some(_) => Some(bill_prefixed(row, "b_")?),
        None => None,
    };
    Ok(Some((invoice, bill)))
}

/// An invoice with the bill behind it, if an agency system created it: one read where
/// settlement needs both (each statement is a round trip held under the write lock).
pub async fn invoice_with_bill(conn: &mut Conn, invoice_id: &InvoiceId) -> Result<Option<(InvoiceRow, Option<BillRow>)>, sqlx::Error> {
    match sqlx::query(INVOICE_WITH_BILL).bind(invoice_id.as_str()).fetch_optional(conn).await? {
        Some(row) => billed(&row),
        None => Ok(None),
    }
}

/// A payment attempt by the provider's id with its invoice and bill: everything an M-Pesa
/// callback reads, in one statement.
pub async fn attempt_with_invoice(
    conn: &mut Conn,
    checkout_request_id: &str,
) -> Result<Option<(AttemptRow, Option<(InvoiceRow, Option<BillRow>)>)>, sqlx::Error> {
    let Some(row) = sqlx::query(ATTEMPT_WITH_INVOICE).bind(checkout_request_id.to_owned()).fetch_optional(conn).await? else {
        return Ok(None);
    };
    let attempt = sqlx::FromRow::from_row(&row)?;
    Ok(Some((attempt, billed(&row)?)))
}

/// The bill behind an invoice, if an agency system created it.
pub async fn bill_for_invoice(conn: &mut Conn, invoice_id: &InvoiceId) -> Result<Option<BillRow>, sqlx::Error> {
    sqlx::query(BILL_FOR_INVOICE).bind(invoice_id.as_str()).fetch_optional(conn).await?.as_ref().map(bill).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aliased(columns: &str, alias: &str) -> String {
        columns.split(", ").map(|c| format!("{alias}.{c} AS {alias}_{c}")).collect::<Vec<_>>().join(", ")
    }

    fn words(sql: &str) -> String {
        sql.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn the_settlement_reads_alias_every_column_their_readers_expect() {
        let billed = format!("{}, {}", aliased(super::super::payments::invoice_columns!(), "i"), aliased(bill_columns!(), "b"));
        assert!(words(ATTEMPT_WITH_INVOICE).contains(&format!(", {billed} FROM")), "{}", words(ATTEMPT_WITH_INVOICE));
        assert!(words(INVOICE_WITH_BILL).starts_with(&format!("SELECT {billed} FROM")), "{}", words(INVOICE_WITH_BILL));
    }
}
