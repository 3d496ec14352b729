//! The fee an application owes, from the service's fee rules and the option chosen.

use crate::Money;
use crate::catalogue::Service;

/// Whether the applicant must choose a priced option (e.g. passport pages).
pub fn needs_option(service: &Service) -> bool {
    service.fee.get_ref().options.len() > 1
}

/// Whether `code` is one of the service's priced options.
pub fn is_option(service: &Service, code: &str) -> bool {
    service.fee.get_ref().options.iter().any(|o| o.code.get_ref() == code)
}

/// The amount due: zero for free services, the fixed amount, or the chosen option's
/// price. `None` while an option must still be chosen.
pub fn amount(service: &Service, option: Option<&str>) -> Option<Money> {
    let fee = service.fee.get_ref();
    let currency = service.currency();
    if fee.free {
        return Some(Money::zero(currency));
    }
    if let Some(amount) = &fee.amount {
        return amount.get_ref().minor().map(|minor| Money { minor, currency });
    }
    let chosen = match fee.options.as_slice() {
        [only] => only,
        options => options.iter().find(|o| Some(o.code.get_ref().as_str()) == option)?,
    };
    chosen.amount.as_ref()?.get_ref().minor().map(|minor| Money { minor, currency })
}
