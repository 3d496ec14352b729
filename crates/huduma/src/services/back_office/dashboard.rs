//! The agency dashboard for admins and supervisors: what came in, what is in hand, what
//! finished and how fast, what is overdue, and the money received, per service.

use super::super::{ServiceError, ServiceResult};
use super::StaffMember;
use crate::app::App;
use crate::store::dashboard::{self, ServiceFigures};
use std::collections::BTreeMap;

/// One line of the dashboard.
#[derive(Debug, Clone)]
pub struct Line {
    /// Service code.
    pub service: String,
    pub figures: ServiceFigures,
    /// Median seconds from submission to finish.
    pub median_secs: Option<i64>,
}

/// The median of some durations.
pub fn median(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) { (values[mid - 1] + values[mid]) / 2 } else { values[mid] })
}

/// The member's agency's figures over `[from, to)`.
pub async fn figures(app: &App, me: &StaffMember, from: i64, to: i64) -> ServiceResult<Vec<Line>> {
    let agency = me.agency().filter(|_| me.role.supervises()).ok_or(ServiceError::NotFound)?;
    let mut conn = app.db.pool().acquire().await?;
    let by_service: BTreeMap<String, ServiceFigures> = dashboard::figures(&mut conn, agency, from, to, app.clock.now()).await?;
    Ok(by_service
        .into_iter()
        .map(|(service, mut figures)| {
            let median_secs = median(&mut figures.durations);
            Line { service, figures, median_secs }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5, 1, 3]), Some(3));
        assert_eq!(median(&mut [4, 1, 3, 2]), Some(2));
    }
}
