//! Figures for an agency's dashboard, per service, over a period `[from, to)`.

use super::Conn;
use super::statements::statements;
use sqlx::Row;
use std::collections::BTreeMap;

statements! {
    /// The agency's figures by service code.
    RECEIVED = "SELECT service_code, COUNT(*) AS received FROM applications WHERE agency = $1 AND submitted_at >= $2 AND submitted_at < $3 GROUP BY service_code";
    /// The agency's figures by service code.
    IN_PROGRESS = "SELECT service_code, COUNT(*) AS in_progress, CAST(SUM(CASE WHEN queue_due < $2 THEN 1 ELSE 0 END) AS BIGINT) AS overdue FROM applications \
         WHERE queue_agency = $1 GROUP BY service_code";
    /// The agency's figures by service code.
    DURATIONS = "SELECT service_code, finished_at - submitted_at AS duration FROM applications \
         WHERE agency = $1 AND finished_at >= $2 AND finished_at < $3 AND submitted_at IS NOT NULL";
    /// The agency's figures by service code.
    REVENUE = "SELECT l.revenue_head, i.currency, CAST(SUM(l.amount_minor) AS BIGINT) AS amount FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id \
         WHERE l.agency = $1 AND l.paid_at >= $2 AND l.paid_at < $3 GROUP BY l.revenue_head, i.currency";
}

/// One service's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceFigures {
    /// Submitted in the period.
    pub received: i64,
    /// In the agency's hands now.
    pub in_progress: i64,
    /// Finished in the period.
    pub completed: i64,
    /// Past their deadline now.
    pub overdue: i64,
    /// Seconds from submission to finish, of those finished in the period.
    pub durations: Vec<i64>,
    /// Revenue received in the period for the agency, by currency, in minor units (by
    /// revenue head: the service code for applications, the agency's own head for its bills).
    pub revenue: BTreeMap<huduma_domain::Currency, i64>,
}

/// The agency's figures by service code.
pub async fn figures(conn: &mut Conn, agency: &str, from: i64, to: i64, now: i64) -> Result<BTreeMap<String, ServiceFigures>, sqlx::Error> {
    let mut by_service: BTreeMap<String, ServiceFigures> = BTreeMap::new();
    let rows = sqlx::query(RECEIVED).bind(agency.to_owned()).bind(from).bind(to).fetch_all(&mut *conn).await?;
    for r in rows {
        by_service.entry(r.try_get("service_code")?).or_default().received = r.try_get("received")?;
    }
    let rows = sqlx::query(IN_PROGRESS).bind(agency.to_owned()).bind(now).fetch_all(&mut *conn).await?;
    for r in rows {
        let entry = by_service.entry(r.try_get("service_code")?).or_default();
        entry.in_progress = r.try_get("in_progress")?;
        entry.overdue = r.try_get::<Option<i64>, _>("overdue")?.unwrap_or(0);
    }
    let rows = sqlx::query(DURATIONS).bind(agency.to_owned()).bind(from).bind(to).fetch_all(&mut *conn).await?;
    for r in rows {
        let entry = by_service.entry(r.try_get("service_code")?).or_default();
        entry.completed += 1;
        entry.durations.push(r.try_get("duration")?);
    }
    let rows = sqlx::query(REVENUE).bind(agency.to_owned()).bind(from).bind(to).fetch_all(&mut *conn).await?;
    for r in rows {
        let entry = by_service.entry(r.try_get("revenue_head")?).or_default();
        entry.revenue.insert(super::decode::stored(&r, "", "currency")?, r.try_get("amount")?);
    }
    Ok(by_service)
}
