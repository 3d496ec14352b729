//! An invoice's status follows from what it owes and what has been paid: partial
//! payments and overpayments are recorded, never lost.

/// Where an invoice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceStatus {
    /// Nothing paid yet.
    Pending,
    /// Some paid, not all.
    PartiallyPaid,
    /// Paid in full (or more: the excess is recorded for refund).
    Paid,
    /// Past its expiry with nothing or part paid.
    Expired,
    /// Withdrawn (e.g. the application was withdrawn before payment).
    Cancelled,
}

impl InvoiceStatus {
    /// Stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::PartiallyPaid => "partially_paid",
            Self::Paid => "paid",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
        }
    }

    /// Reads the stored text.
    pub fn parse(stored: &str) -> Option<Self> {
        Some(match stored {
            "pending" => Self::Pending,
            "partially_paid" => Self::PartiallyPaid,
            "paid" => Self::Paid,
            "expired" => Self::Expired,
            "cancelled" => Self::Cancelled,
            _ => return None,
        })
    }

    /// The status after payments totalling `paid` against `total`. Money that arrives is
    /// always counted, even on an expired or cancelled invoice: the citizen paid, so the
    /// payment is recorded and the invoice says so (a cancelled one is then refunded).
    pub fn after_payment(self, total: i64, paid: i64) -> Self {
        if paid >= total {
            Self::Paid
        } else if paid > 0 {
            match self {
                Self::Expired | Self::Cancelled => self,
                _ => Self::PartiallyPaid,
            }
        } else {
            self
        }
    }

    /// Whether more money is expected.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::PartiallyPaid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn partial_then_full_then_over() {
        let s = InvoiceStatus::Pending.after_payment(1050, 500);
        assert_eq!(s, InvoiceStatus::PartiallyPaid);
        assert_eq!(s.after_payment(1050, 1050), InvoiceStatus::Paid);
        assert_eq!(InvoiceStatus::Pending.after_payment(1050, 2000), InvoiceStatus::Paid, "overpaid is paid; the excess is kept on record");
        assert_eq!(InvoiceStatus::Expired.after_payment(1050, 1050), InvoiceStatus::Paid, "a late full payment still pays");
    }

    proptest! {
        #[test]
        fn paying_in_full_always_ends_paid(start in 0usize..5, total in 1i64..1_000_000, extra in 0i64..1000) {
            let s = [InvoiceStatus::Pending, InvoiceStatus::PartiallyPaid, InvoiceStatus::Paid, InvoiceStatus::Expired, InvoiceStatus::Cancelled][start];
            prop_assert_eq!(s.after_payment(total, total + extra), InvoiceStatus::Paid);
            prop_assert_eq!(InvoiceStatus::parse(s.as_str()), Some(s));
        }
    }
}
